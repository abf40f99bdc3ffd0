package lf

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/rowfilter"
	"github.com/sluicedb/sluice/authz/store"
)

const (
	maxFilterNameLen = 255
	maxRowFilterLen  = 2048
)

func getFilter(tx *store.Tx, catalogID, database, table, name string) (*api.DataCellsFilter, *api.Table, error) {
	tbl, err := catalogTxn(tx).GetTable(catalogID, database, table)
	if err != nil {
		return nil, nil, err
	}
	f, found, err := store.GetAs[api.DataCellsFilter](tx, BucketFilters, store.Key(catalogID, tbl.DatabaseName, tbl.Name, name))
	if err != nil {
		return nil, nil, err
	}
	if !found {
		return nil, nil, lferr.New(lferr.EntityNotFound, "Data cells filter %s not found on table %s.%s.", name, tbl.DatabaseName, tbl.Name)
	}
	return &f, tbl, nil
}

// checkFilter validates a filter against its table (spec §6.1, §6.2) and
// returns it canonicalized: names as the catalog stores them, columns in
// the schema's spelling, sorted.
func checkFilter(tx *store.Tx, catalogID string, f api.DataCellsFilter) (api.DataCellsFilter, *api.Table, error) {
	if f.TableCatalogId != "" && f.TableCatalogId != catalogID {
		return f, nil, invalid("TableCatalogId %s is not the catalog of this call (%s); cross-account filters are not supported.", f.TableCatalogId, catalogID)
	}
	if f.DatabaseName == "" || f.TableName == "" {
		return f, nil, invalid("A data cells filter needs DatabaseName and TableName.")
	}
	if f.Name == "" || utf8.RuneCountInString(f.Name) > maxFilterNameLen {
		return f, nil, invalid("Data cells filter Name must be 1 to %d characters long.", maxFilterNameLen)
	}
	if r, ok := validSingleLine(f.Name); !ok {
		return f, nil, invalid("Data cells filter name %q contains the character %U, which is not allowed.", f.Name, r)
	}
	tbl, err := catalogTxn(tx).GetTable(catalogID, f.DatabaseName, f.TableName)
	if err != nil {
		return f, nil, err
	}
	if tbl.TableType == api.VirtualView {
		return f, nil, invalid("Data cells filters are not supported on views (%s.%s).", tbl.DatabaseName, tbl.Name)
	}
	out := api.DataCellsFilter{TableCatalogId: catalogID, DatabaseName: tbl.DatabaseName, TableName: tbl.Name, Name: f.Name, VersionId: f.VersionId}
	switch {
	case f.ColumnWildcard != nil && len(f.ColumnNames) > 0:
		return f, nil, invalid("Data cells filter %s has both ColumnNames and ColumnWildcard; give exactly one.", f.Name)
	case f.ColumnWildcard != nil:
		ex, err := tableColumns(tbl, f.ColumnWildcard.ExcludedColumnNames, true)
		if err != nil {
			return f, nil, err
		}
		if len(ex) == len(allColumns(tbl)) {
			return f, nil, invalid("Data cells filter %s excludes every column of %s.%s.", f.Name, tbl.DatabaseName, tbl.Name)
		}
		out.ColumnWildcard = &api.ColumnWildcard{ExcludedColumnNames: ex}
	case len(f.ColumnNames) > 0:
		for _, c := range f.ColumnNames {
			if strings.ContainsAny(c, `".`) {
				return f, nil, invalid("Data cells filter %s: nested column path %s is not supported; name top-level columns.", f.Name, c)
			}
		}
		cols, err := tableColumns(tbl, f.ColumnNames, false)
		if err != nil {
			return f, nil, err
		}
		out.ColumnNames = cols
	default:
		return f, nil, invalid("Data cells filter %s needs ColumnNames or ColumnWildcard.", f.Name)
	}
	rf := f.RowFilter
	switch {
	case rf == nil:
		return f, nil, invalid("Data cells filter %s needs a RowFilter: a FilterExpression or AllRowsWildcard.", f.Name)
	case rf.AllRowsWildcard != nil && rf.FilterExpression != "":
		return f, nil, invalid("Data cells filter %s: RowFilter has both FilterExpression and AllRowsWildcard; give exactly one.", f.Name)
	case rf.AllRowsWildcard != nil:
		out.RowFilter = &api.RowFilter{AllRowsWildcard: &struct{}{}}
	case strings.TrimSpace(rf.FilterExpression) == "":
		return f, nil, invalid("Data cells filter %s: RowFilter needs a FilterExpression or AllRowsWildcard.", f.Name)
	default:
		if len(rf.FilterExpression) >= maxRowFilterLen {
			return f, nil, invalid("Data cells filter %s: FilterExpression is %d characters long; it must be shorter than %d.", f.Name, len(rf.FilterExpression), maxRowFilterLen)
		}
		e, err := rowfilter.Parse(rf.FilterExpression)
		if err != nil {
			return f, nil, invalid("Data cells filter %s: bad FilterExpression: %s", f.Name, lferr.MessageOf(err))
		}
		var parts []api.Column
		parts = append(parts, tbl.PartitionKeys...)
		var cols []api.Column
		if tbl.StorageDescriptor != nil {
			cols = tbl.StorageDescriptor.Columns
		}
		if err := rowfilter.Check(e, rowfilter.SchemaFromGlue(cols, parts)); err != nil {
			return f, nil, invalid("Data cells filter %s: FilterExpression does not fit table %s.%s: %s", f.Name, tbl.DatabaseName, tbl.Name, lferr.MessageOf(err))
		}
		out.RowFilter = &api.RowFilter{FilterExpression: rf.FilterExpression}
	}
	return out, tbl, nil
}

// authorizeFilter: administrators, or holders of SELECT with grant option
// on the whole table (all columns, all rows) may create, change or delete
// its filters (spec §6.1).
func authorizeFilter(tx *store.Tx, catalogID string, caller Caller, tbl *api.Table, what string) error {
	if caller.Trusted {
		return nil
	}
	s, err := GetSettings(tx, catalogID)
	if err != nil {
		return err
	}
	if IsAdmin(&s, caller.Principals...) {
		return nil
	}
	ta, err := TableAccess(tx, catalogID, caller.Principals, tbl.DatabaseName, tbl.Name)
	if err != nil {
		return err
	}
	g := newPermSet(ta.Grantable...)
	if g.has(PermSelect) || g.has(PermAll) {
		return nil
	}
	return lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s): %s needs SELECT with grant option on table %s.%s to %s.", caller.by(), tbl.DatabaseName, tbl.Name, what)
}

// CreateDataCellsFilter creates a filter; its VersionId starts at "0".
func CreateDataCellsFilter(tx *store.Tx, catalogID string, caller Caller, f api.DataCellsFilter) error {
	if err := checkCatalogID(catalogID); err != nil {
		return err
	}
	out, tbl, err := checkFilter(tx, catalogID, f)
	if err != nil {
		return err
	}
	if err := authorizeFilter(tx, catalogID, caller, tbl, "create data cells filters on it"); err != nil {
		return err
	}
	key := store.Key(catalogID, out.DatabaseName, out.TableName, out.Name)
	if ok, err := tx.Has(BucketFilters, key); err != nil {
		return err
	} else if ok {
		return lferr.New(lferr.AlreadyExists, "Data cells filter %s already exists on table %s.%s.", out.Name, out.DatabaseName, out.TableName)
	}
	out.VersionId = "0"
	return tx.Put(BucketFilters, key, out)
}

// UpdateDataCellsFilter replaces a filter's definition. A VersionId given
// must be the current one (ConcurrentModificationException otherwise);
// the stored VersionId increments.
func UpdateDataCellsFilter(tx *store.Tx, catalogID string, caller Caller, f api.DataCellsFilter) error {
	if err := checkCatalogID(catalogID); err != nil {
		return err
	}
	old, _, err := getFilter(tx, catalogID, f.DatabaseName, f.TableName, f.Name)
	if err != nil {
		return err
	}
	out, tbl, err := checkFilter(tx, catalogID, f)
	if err != nil {
		return err
	}
	if err := authorizeFilter(tx, catalogID, caller, tbl, "update its data cells filters"); err != nil {
		return err
	}
	if f.VersionId != "" && f.VersionId != old.VersionId {
		return lferr.New(lferr.ConcurrentModification, "Data cells filter %s was modified concurrently: version %s given, current version is %s.", old.Name, f.VersionId, old.VersionId)
	}
	v, err := strconv.ParseUint(old.VersionId, 10, 64)
	if err != nil {
		return lferr.AssertionFailedf("data cells filter %s has a non-numeric VersionId %q", old.Name, old.VersionId)
	}
	out.VersionId = strconv.FormatUint(v+1, 10)
	return tx.Put(BucketFilters, store.Key(catalogID, out.DatabaseName, out.TableName, out.Name), out)
}

// DeleteDataCellsFilter deletes a filter and every grant on it.
func DeleteDataCellsFilter(tx *store.Tx, catalogID string, caller Caller, database, table, name string) error {
	if err := checkCatalogID(catalogID); err != nil {
		return err
	}
	if database == "" || table == "" || name == "" {
		return invalid("DeleteDataCellsFilter needs DatabaseName, TableName and Name.")
	}
	f, tbl, err := getFilter(tx, catalogID, database, table, name)
	if err != nil {
		return err
	}
	if err := authorizeFilter(tx, catalogID, caller, tbl, "delete its data cells filters"); err != nil {
		// DROP on the filter itself also allows deleting it.
		held, err2 := grantableOrHeld(tx, catalogID, caller.Principals, store.Key(kindFilter, tbl.DatabaseName, tbl.Name, f.Name))
		if err2 != nil {
			return err2
		}
		if !held.has(PermDrop) {
			return err
		}
	}
	return deleteFilter(tx, catalogID, tbl.DatabaseName, tbl.Name, f.Name)
}

func deleteFilter(tx *store.Tx, catalogID, db, table, name string) error {
	if _, err := tx.Delete(BucketFilters, store.Key(catalogID, db, table, name)); err != nil {
		return err
	}
	return deleteGrantsOn(tx, catalogID, store.Key(kindFilter, db, table, name), false)
}

// grantableOrHeld returns the permissions principals hold directly on key.
func grantableOrHeld(tx *store.Tx, catalogID string, principals []string, key string) (permSet, error) {
	var out permSet
	for _, p := range expandPrincipals(principals) {
		g, err := getGrant(tx, catalogID, p, key)
		if err != nil {
			return nil, err
		}
		if g != nil {
			out = out.union(g.Permissions)
		}
	}
	return out, nil
}

// GetDataCellsFilter returns one filter.
func GetDataCellsFilter(tx *store.Tx, catalogID, database, table, name string) (*api.DataCellsFilter, error) {
	if err := checkCatalogID(catalogID); err != nil {
		return nil, err
	}
	if database == "" || table == "" || name == "" {
		return nil, invalid("GetDataCellsFilter needs TableCatalogId, DatabaseName, TableName and Name.")
	}
	f, _, err := getFilter(tx, catalogID, database, table, name)
	return f, err
}

// ListDataCellsFilter lists the filters of a table, of every table of a
// database (TableWildcard), or of the catalog (table nil), in name order.
func ListDataCellsFilter(tx *store.Tx, catalogID string, table *api.TableResource, maxResults int, nextToken string) ([]api.DataCellsFilter, string, error) {
	if err := checkCatalogID(catalogID); err != nil {
		return nil, "", err
	}
	limit, after, err := pageArgs(maxResults, nextToken)
	if err != nil {
		return nil, "", err
	}
	prefix := store.Prefix(catalogID)
	if table != nil {
		if table.CatalogId != "" && table.CatalogId != catalogID {
			return nil, "", invalid("Table CatalogId %s is not the catalog of this call (%s).", table.CatalogId, catalogID)
		}
		switch {
		case table.Name != "" && table.TableWildcard != nil:
			return nil, "", invalid("Table name and table wildcard cannot both be present.")
		case table.TableWildcard != nil:
			d, err := catalogTxn(tx).GetDatabase(catalogID, table.DatabaseName)
			if err != nil {
				return nil, "", err
			}
			prefix = store.Prefix(catalogID, d.Name)
		case table.Name != "":
			t, err := catalogTxn(tx).GetTable(catalogID, table.DatabaseName, table.Name)
			if err != nil {
				return nil, "", err
			}
			prefix = store.Prefix(catalogID, t.DatabaseName, t.Name)
		default:
			return nil, "", invalid("Table name and table wildcard cannot both be empty.")
		}
	}
	var out []api.DataCellsFilter
	var next, last string
	err = tx.ScanAfter(BucketFilters, prefix, after, func(key string, raw []byte) error {
		if len(out) == limit {
			next = encodeToken(last)
			return store.Stop
		}
		var f api.DataCellsFilter
		if err := jsonUnmarshal(raw, &f); err != nil {
			return err
		}
		out = append(out, f)
		last = key
		return nil
	})
	return out, next, err
}

package lf

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/catalog"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// Resource kinds: the first part of a resource key.
const (
	kindCatalog  = "K"
	kindDatabase = "D"
	kindTable    = "T"
	kindWildcard = "W" // TableWildcard: all tables of a database
	kindColumns  = "C" // TableWithColumns
	kindFilter   = "F"
	kindLocation = "L"
	kindTag      = "G"
	kindPolicy   = "P"
	kindTagExpr  = "E"
)

func invalid(format string, args ...any) error { return lferr.New(lferr.InvalidInput, format, args...) }

func jsonUnmarshal(raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return lferr.Wrap(lferr.InternalService, err, "corrupt Lake Formation record: %v", err)
	}
	return nil
}

// catalogReader reads the Data Catalog inside the caller's transaction;
// it has no clock or hooks because it never writes.
var catalogReader = catalog.New(nil, catalog.Config{})

func catalogTxn(tx *store.Tx) catalog.Txn { return catalogReader.In(tx, "") }

// target is a validated, normalized resource: its kind, its key (without
// the catalog), the canonical resource to store, and what it names.
type target struct {
	kind  string
	key   string
	res   api.Resource
	db    string
	table string
	tbl   *api.Table // Table (named), TableWithColumns, DataCellsFilter
	valid []string   // permissions valid on it (spec §4.3)
	desc  string     // for messages
}

func (t *target) isPartialSelect() bool { return t.kind == kindColumns || t.kind == kindFilter }

// resolveTarget validates r (spec §4.1, §4.3 existence) for catalog catalogID.
func resolveTarget(tx *store.Tx, catalogID string, r *api.Resource) (*target, error) {
	if r == nil {
		return nil, invalid("Resource must have either the catalog, table or database field populated.")
	}
	n := 0
	for _, set := range []bool{r.Catalog != nil, r.Database != nil, r.Table != nil, r.TableWithColumns != nil,
		r.DataLocation != nil, r.DataCellsFilter != nil, r.LFTag != nil, r.LFTagPolicy != nil, r.LFTagExpression != nil} {
		if set {
			n++
		}
	}
	if n == 0 {
		return nil, invalid("Resource must have either the catalog, table or database field populated.")
	}
	if n > 1 {
		return nil, invalid("Resource must have exactly one of Catalog, Database, Table, TableWithColumns, DataLocation, DataCellsFilter, LFTag, LFTagPolicy or LFTagExpression populated; %d are.", n)
	}
	sameCatalog := func(field, id string) error {
		if id != "" && id != catalogID {
			return invalid("%s %s is not the catalog of this call (%s); cross-account resources are not supported.", field, id, catalogID)
		}
		return nil
	}
	ct := catalogTxn(tx)
	switch {
	case r.Catalog != nil:
		if err := sameCatalog("Catalog Id", r.Catalog.Id); err != nil {
			return nil, err
		}
		return &target{kind: kindCatalog, key: kindCatalog, res: api.Resource{Catalog: &api.CatalogResource{}}, valid: catalogPerms, desc: "catalog " + catalogID}, nil

	case r.Database != nil:
		if err := sameCatalog("Database CatalogId", r.Database.CatalogId); err != nil {
			return nil, err
		}
		d, err := ct.GetDatabase(catalogID, r.Database.Name)
		if err != nil {
			return nil, err
		}
		return &target{kind: kindDatabase, key: store.Key(kindDatabase, d.Name), db: d.Name,
			res:   api.Resource{Database: &api.DatabaseResource{Name: d.Name}},
			valid: databasePerms, desc: "database " + d.Name}, nil

	case r.Table != nil:
		t := r.Table
		if err := sameCatalog("Table CatalogId", t.CatalogId); err != nil {
			return nil, err
		}
		if t.Name == "" && t.TableWildcard == nil {
			return nil, invalid("Table name and table wildcard cannot both be empty.")
		}
		if t.Name != "" && t.TableWildcard != nil {
			return nil, invalid("Table name and table wildcard cannot both be present.")
		}
		if t.TableWildcard != nil {
			d, err := ct.GetDatabase(catalogID, t.DatabaseName)
			if err != nil {
				return nil, err
			}
			return &target{kind: kindWildcard, key: store.Key(kindWildcard, d.Name), db: d.Name,
				res:   api.Resource{Table: &api.TableResource{DatabaseName: d.Name, TableWildcard: &api.TableWildcard{}}},
				valid: tablePerms, desc: "all tables of database " + d.Name}, nil
		}
		tbl, err := ct.GetTable(catalogID, t.DatabaseName, t.Name)
		if err != nil {
			return nil, err
		}
		valid := tablePerms
		if tbl.TableType == api.VirtualView {
			valid = viewPerms
		}
		return &target{kind: kindTable, key: store.Key(kindTable, tbl.DatabaseName, tbl.Name), db: tbl.DatabaseName, table: tbl.Name, tbl: tbl,
			res:   api.Resource{Table: &api.TableResource{DatabaseName: tbl.DatabaseName, Name: tbl.Name}},
			valid: valid, desc: "table " + tbl.DatabaseName + "." + tbl.Name}, nil

	case r.TableWithColumns != nil:
		t := r.TableWithColumns
		if err := sameCatalog("TableWithColumns CatalogId", t.CatalogId); err != nil {
			return nil, err
		}
		if t.ColumnNames == nil && t.ColumnWildcard == nil {
			return nil, invalid("TableWithColumns needs ColumnNames or ColumnWildcard.")
		}
		if len(t.ColumnNames) > 0 && t.ColumnWildcard != nil {
			return nil, invalid("TableWithColumns cannot have both ColumnNames and ColumnWildcard.")
		}
		if t.ColumnWildcard == nil && len(t.ColumnNames) == 0 {
			return nil, invalid("TableWithColumns ColumnNames must not be empty.")
		}
		tbl, err := ct.GetTable(catalogID, t.DatabaseName, t.Name)
		if err != nil {
			return nil, err
		}
		cr := &api.TableWithColumnsResource{DatabaseName: tbl.DatabaseName, Name: tbl.Name}
		if t.ColumnWildcard != nil {
			ex, err := tableColumns(tbl, t.ColumnWildcard.ExcludedColumnNames, true)
			if err != nil {
				return nil, err
			}
			cr.ColumnWildcard = &api.ColumnWildcard{ExcludedColumnNames: ex}
		} else {
			cols, err := tableColumns(tbl, t.ColumnNames, false)
			if err != nil {
				return nil, err
			}
			cr.ColumnNames = cols
		}
		return &target{kind: kindColumns, key: store.Key(kindColumns, tbl.DatabaseName, tbl.Name), db: tbl.DatabaseName, table: tbl.Name, tbl: tbl,
			res: api.Resource{TableWithColumns: cr}, valid: columnsPerms, desc: "columns of table " + tbl.DatabaseName + "." + tbl.Name}, nil

	case r.DataLocation != nil:
		if err := sameCatalog("DataLocation CatalogId", r.DataLocation.CatalogId); err != nil {
			return nil, err
		}
		arn, err := NormalizeLocation(r.DataLocation.ResourceArn)
		if err != nil {
			return nil, err
		}
		if _, ok, err := RegistrationFor(tx, arn); err != nil {
			return nil, err
		} else if !ok {
			return nil, invalid("Location %s is not registered with Lake Formation; register it (or a parent) before granting DATA_LOCATION_ACCESS on it.", arn)
		}
		return &target{kind: kindLocation, key: store.Key(kindLocation, arn),
			res: api.Resource{DataLocation: &api.DataLocationResource{ResourceArn: arn}}, valid: locationPerms, desc: "location " + arn}, nil

	case r.DataCellsFilter != nil:
		f := r.DataCellsFilter
		if err := sameCatalog("DataCellsFilter TableCatalogId", f.TableCatalogId); err != nil {
			return nil, err
		}
		if f.DatabaseName == "" || f.TableName == "" || f.Name == "" {
			return nil, invalid("DataCellsFilter resource needs DatabaseName, TableName and Name.")
		}
		filt, tbl, err := getFilter(tx, catalogID, f.DatabaseName, f.TableName, f.Name)
		if err != nil {
			return nil, err
		}
		return &target{kind: kindFilter, key: store.Key(kindFilter, tbl.DatabaseName, tbl.Name, filt.Name), db: tbl.DatabaseName, table: tbl.Name, tbl: tbl,
			res:   api.Resource{DataCellsFilter: &api.DataCellsFilterResource{DatabaseName: tbl.DatabaseName, TableName: tbl.Name, Name: filt.Name}},
			valid: filterPerms, desc: "data cells filter " + filt.Name + " on table " + tbl.DatabaseName + "." + tbl.Name}, nil

	case r.LFTag != nil:
		tg := r.LFTag
		if err := sameCatalog("LFTag CatalogId", tg.CatalogId); err != nil {
			return nil, err
		}
		if len(tg.TagValues) == 0 || len(tg.TagValues) > 50 {
			return nil, invalid("LFTag %s: TagValues must list 1 to 50 values, got %d.", tg.TagKey, len(tg.TagValues))
		}
		key, vals, err := tagExists(tx, catalogID, tg.TagKey, tg.TagValues)
		if err != nil {
			return nil, err
		}
		return &target{kind: kindTag, key: store.Key(kindTag, key, strings.Join(vals, "\x01")),
			res: api.Resource{LFTag: &api.LFTagKeyResource{TagKey: key, TagValues: vals}}, valid: tagPerms, desc: "LF-tag " + key + "=" + strings.Join(vals, ",")}, nil

	case r.LFTagPolicy != nil:
		p := r.LFTagPolicy
		if err := sameCatalog("LFTagPolicy CatalogId", p.CatalogId); err != nil {
			return nil, err
		}
		var valid []string
		switch p.ResourceType {
		case "DATABASE":
			valid = databasePerms
		case "TABLE":
			valid = tablePerms
		default:
			return nil, invalid("LFTagPolicy ResourceType must be DATABASE or TABLE, got %q.", p.ResourceType)
		}
		if (len(p.Expression) == 0) == (p.ExpressionName == "") {
			return nil, invalid("LFTagPolicy needs exactly one of Expression and ExpressionName.")
		}
		pr := &api.LFTagPolicyResource{ResourceType: p.ResourceType}
		var id string
		if p.ExpressionName != "" {
			if _, err := resolveExpression(tx, catalogID, p); err != nil {
				return nil, err
			}
			pr.ExpressionName = p.ExpressionName
			id = "n:" + p.ExpressionName
		} else {
			expr, canon, err := canonicalExpression(tx, catalogID, p.Expression)
			if err != nil {
				return nil, err
			}
			pr.Expression = expr
			id = "e:" + canon
		}
		return &target{kind: kindPolicy, key: store.Key(kindPolicy, p.ResourceType, id),
			res: api.Resource{LFTagPolicy: pr}, valid: valid, desc: "LF-tag policy (" + p.ResourceType + ") " + describeExpr(pr)}, nil

	case r.LFTagExpression != nil:
		e := r.LFTagExpression
		if err := sameCatalog("LFTagExpression CatalogId", e.CatalogId); err != nil {
			return nil, err
		}
		if _, err := resolveExpression(tx, catalogID, &api.LFTagPolicyResource{ExpressionName: e.Name}); err != nil {
			return nil, err
		}
		return &target{kind: kindTagExpr, key: store.Key(kindTagExpr, e.Name),
			res: api.Resource{LFTagExpression: &api.LFTagExpressionResource{Name: e.Name}}, valid: tagExprPerms, desc: "LF-tag expression " + e.Name}, nil
	}
	return nil, lferr.AssertionFailedf("unreachable resource kind")
}

// canonicalExpression validates an inline expression, lower-cases it,
// sorts keys and values, and returns it with a canonical text used as the
// grant's identity (two spellings of one expression are one grant).
func canonicalExpression(tx *store.Tx, catalogID string, expr []api.LFTag) ([]api.LFTag, string, error) {
	if len(expr) > 50 {
		return nil, "", invalid("LF-tag expression has %d entries; the limit is 50.", len(expr))
	}
	out := make([]api.LFTag, 0, len(expr))
	seen := map[string]bool{}
	for _, e := range expr {
		if len(e.TagValues) == 0 {
			return nil, "", invalid("LF-tag expression entry %s has no values.", e.TagKey)
		}
		key, vals, err := tagExists(tx, catalogID, e.TagKey, e.TagValues)
		if err != nil {
			return nil, "", err
		}
		if seen[key] {
			return nil, "", invalid("LF-tag expression names key %s twice.", key)
		}
		seen[key] = true
		out = append(out, api.LFTag{TagKey: key, TagValues: vals})
	}
	slices.SortFunc(out, func(a, b api.LFTag) int { return strings.Compare(a.TagKey, b.TagKey) })
	var b strings.Builder
	for i, e := range out {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(e.TagKey + "=" + strings.Join(e.TagValues, "|"))
	}
	if b.Len() > 900 {
		return nil, "", invalid("LF-tag expression is %d bytes long; the limit for an inline expression is 900.", b.Len())
	}
	// The identity is the JSON of the canonical form: keys and values may
	// contain "=" and spaces, so the readable text above could make two
	// different expressions one grant.
	id, err := json.Marshal(out)
	if err != nil {
		return nil, "", lferr.Wrap(lferr.InternalService, err, "cannot encode an LF-tag expression: %v", err)
	}
	return out, string(id), nil
}

func describeExpr(p *api.LFTagPolicyResource) string {
	if p.ExpressionName != "" {
		return "named expression " + p.ExpressionName
	}
	parts := make([]string, len(p.Expression))
	for i, e := range p.Expression {
		parts[i] = e.TagKey + "=" + strings.Join(e.TagValues, ",")
	}
	return strings.Join(parts, " AND ")
}

// tableColumns resolves names against the table's columns and partition
// keys (case-insensitively, returning the schema's spelling, sorted and
// without duplicates). excluding: the names are exclusions of a column
// wildcard, which may not name partition keys: column filtering cannot be
// applied to partition keys (spec §4.4).
func tableColumns(tbl *api.Table, names []string, excluding bool) ([]string, error) {
	var out []string
	for _, n := range names {
		c, part, ok := findColumn(tbl, n)
		if !ok {
			return nil, invalid("Column %s not found in table %s.%s.", n, tbl.DatabaseName, tbl.Name)
		}
		if part && excluding {
			return nil, invalid("Column %s of table %s.%s is a partition key: column filtering cannot be applied to partition keys.", n, tbl.DatabaseName, tbl.Name)
		}
		out = append(out, c)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func findColumn(tbl *api.Table, name string) (col string, partition, ok bool) {
	if tbl.StorageDescriptor != nil {
		for _, c := range tbl.StorageDescriptor.Columns {
			if strings.EqualFold(c.Name, name) {
				return c.Name, false, true
			}
		}
	}
	for _, c := range tbl.PartitionKeys {
		if strings.EqualFold(c.Name, name) {
			return c.Name, true, true
		}
	}
	return "", false, false
}

// allColumns lists a table's columns then partition keys, in schema order.
func allColumns(tbl *api.Table) []string {
	var out []string
	if tbl.StorageDescriptor != nil {
		for _, c := range tbl.StorageDescriptor.Columns {
			out = append(out, c.Name)
		}
	}
	for _, c := range tbl.PartitionKeys {
		out = append(out, c.Name)
	}
	return out
}

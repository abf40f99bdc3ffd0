package lf

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/sluicedb/sluice/authz/access"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/catalog"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/lftag"
	"github.com/sluicedb/sluice/authz/store"
)

// DatabaseAccess is a principal's effective access to one database.
type DatabaseAccess struct {
	// IAMOnly: IAM_ALLOWED_PRINCIPALS holds ALL on the database.
	IAMOnly     bool
	Permissions []string // ALL, ALTER, CREATE_TABLE, DESCRIBE, DROP
	Grantable   []string
	Explain     []string
}

// Has reports whether p is held (ALL implies every database permission).
func (a DatabaseAccess) Has(p string) bool {
	return slices.Contains(a.Permissions, p) || slices.Contains(a.Permissions, PermAll)
}

// CatalogAccess is a principal's effective access to its catalog.
type CatalogAccess struct {
	// IAMAllowedCreateDatabase: IAM_ALLOWED_PRINCIPALS holds
	// CREATE_DATABASE (or ALL) on the catalog, so IAM alone decides who
	// creates databases.
	IAMAllowedCreateDatabase bool
	Permissions              []string
	Grantable                []string
	Explain                  []string
}

// Has reports whether p is held (ALL implies every catalog permission).
func (a CatalogAccess) Has(p string) bool {
	return slices.Contains(a.Permissions, p) || slices.Contains(a.Permissions, PermAll)
}

// collector accumulates permissions with their explanations.
type collector struct {
	perms, grantable permSet
	explain          []string
}

func (c *collector) add(perms, grantable []string, why string) {
	if len(perms) == 0 {
		return
	}
	c.perms = c.perms.union(perms)
	c.grantable = c.grantable.union(grantable)
	c.explain = append(c.explain, why+": "+strings.Join(perms, ", ")+grantSuffix(grantable))
}

func grantSuffix(g []string) string {
	if len(g) == 0 {
		return ""
	}
	return " (with grant option: " + strings.Join(g, ", ") + ")"
}

// groupsToo adds IAM_ALLOWED_PRINCIPALS to a principal set: it is a group
// every caller that passed IAM belongs to (spec §4.10), so what it holds
// every caller holds. Its ALL additionally makes a resource IAM-only.
func groupsToo(ps []string) []string {
	return append(ps[:len(ps):len(ps)], api.IAMAllowedPrincipals)
}

// TableAccess resolves principals' effective access to one table (spec
// §4.6–4.10, §5.3–5.4, §6.3; VISION rules 2, 3). principals is the caller's
// principal set (role ARN, account id); IAM_ALLOWED_PRINCIPALS is not part
// of it, but its grants count as grants to a group of every caller, and
// its ALL on the table (or all tables of the database) sets IAMOnly. Every lookup is a point read or
// a prefix scan of one principal's grants on this table, its database's
// wildcard or its LF-tag policies, so the cost does not depend on the
// grants or tables the principals have nothing to do with.
func TableAccess(tx *store.Tx, catalogID string, principals []string, database, table string) (access.TableAccess, error) {
	var out access.TableAccess
	if err := checkCatalogID(catalogID); err != nil {
		return out, err
	}
	tbl, err := leanTable(tx, catalogID, database, table)
	if err != nil {
		return out, err
	}
	return tableAccess(tx, catalogID, principals, tbl)
}

// TableAccessFor is TableAccess for a table the caller has already read
// (catalog GetTable) in the same transaction tx, so the record is not
// decoded a second time. tbl is only read.
func TableAccessFor(tx *store.Tx, catalogID string, principals []string, tbl *api.Table) (access.TableAccess, error) {
	if err := checkCatalogID(catalogID); err != nil {
		return access.TableAccess{}, err
	}
	if tbl == nil {
		return access.TableAccess{}, lferr.AssertionFailedf("TableAccessFor without a table")
	}
	return tableAccess(tx, catalogID, principals, tbl)
}

func tableAccess(tx *store.Tx, catalogID string, principals []string, tbl *api.Table) (access.TableAccess, error) {
	var out access.TableAccess
	db, name := tbl.DatabaseName, tbl.Name
	qname := db + "." + name
	all := tablePermsNoAll
	if tbl.TableType == api.VirtualView {
		all = []string{PermDescribe, PermDrop, PermSelect}
	}
	tKey, wKey := store.Key(kindTable, db, name), store.Key(kindWildcard, db)

	// IAM-only resources: IAM_ALLOWED_PRINCIPALS holding ALL.
	for _, k := range []string{tKey, wKey} {
		g, err := getGrant(tx, catalogID, api.IAMAllowedPrincipals, k)
		if err != nil {
			return out, err
		}
		if g != nil && slices.Contains(g.Permissions, PermAll) {
			out.IAMOnly = true
			out.Explain = append(out.Explain, "IAM only: "+api.IAMAllowedPrincipals+" holds ALL on "+describeKey(g))
		}
	}

	var c collector
	whole := func(g *grantRec, why string) {
		c.add(g.Permissions, g.Grantable, why)
		if slices.Contains(g.Permissions, PermSelect) || slices.Contains(g.Permissions, PermAll) {
			out.Select = append(out.Select, access.SelectGrant{AllColumns: true, Source: why})
		}
	}
	ps := expandPrincipals(principals)
	var tags *lftag.TableTags
	cols := allColumns(tbl)
	for _, p := range groupsToo(ps) {
		if g, err := getGrant(tx, catalogID, p, tKey); err != nil {
			return out, err
		} else if g != nil {
			whole(g, "grant on table "+qname+" to "+p)
		}
		if g, err := getGrant(tx, catalogID, p, wKey); err != nil {
			return out, err
		} else if g != nil {
			whole(g, "grant on all tables of database "+db+" to "+p)
		}
		if g, err := getGrant(tx, catalogID, p, store.Key(kindColumns, db, name)); err != nil {
			return out, err
		} else if g != nil && slices.Contains(g.Permissions, PermSelect) {
			sg := columnsGrant(g.Resource.TableWithColumns, cols)
			if !sg.AllColumns && len(sg.Columns) == 0 {
				// Its columns were all dropped: it grants nothing, and must
				// not make rows visible through an empty column set.
				out.Explain = append(out.Explain, "ignored: column grant to "+p+" names no column the table still has")
				continue
			}
			sg.Source = "grant SELECT on columns " + describeColumns(g.Resource.TableWithColumns) + " of table " + qname + " to " + p
			out.Select = append(out.Select, sg)
			c.add([]string{PermDescribe}, nil, sg.Source+" implies DESCRIBE")
		}
		// Data cells filters of this table granted to p.
		err := tx.Scan(BucketGrants, grantKey(catalogID, p, store.Prefix(kindFilter, db, name)), func(_ string, raw []byte) error {
			var g grantRec
			if err := jsonUnmarshal(raw, &g); err != nil {
				return err
			}
			if !slices.Contains(g.Permissions, PermSelect) {
				return nil
			}
			fr := g.Resource.DataCellsFilter
			f, found, err := store.GetAs[api.DataCellsFilter](tx, BucketFilters, store.Key(catalogID, db, name, fr.Name))
			if err != nil {
				return err
			}
			if !found {
				// A grant outliving its filter is a bug; grant nothing.
				out.Explain = append(out.Explain, "ignored: grant on missing data cells filter "+fr.Name+" to "+p)
				return nil
			}
			sg := filterGrant(&f, cols)
			if !sg.AllColumns && len(sg.Columns) == 0 {
				out.Explain = append(out.Explain, "ignored: data cells filter "+f.Name+" granted to "+p+" names no column the table still has")
				return nil
			}
			sg.Source = "data cells filter " + f.Name + " on table " + qname + " granted to " + p
			out.Select = append(out.Select, sg)
			c.add([]string{PermDescribe}, nil, sg.Source+" implies DESCRIBE")
			return nil
		})
		if err != nil {
			return out, err
		}
		// LF-tag policies on tables granted to p, evaluated per column. The
		// expression is read from the grant's key; the record is decoded
		// only for policies that match, which most do not.
		prefix := grantKey(catalogID, p, store.Prefix(kindPolicy, "TABLE"))
		err = tx.Scan(BucketGrants, prefix, func(key string, raw []byte) error {
			expr, err := policyExpression(tx, catalogID, key[len(prefix):])
			if lferr.CodeOf(err) == lferr.EntityNotFound {
				return nil // its saved expression was deleted: the grant is void
			} else if err != nil {
				return err
			}
			if tags == nil {
				if tags, err = lftag.EffectiveTags(tx, catalogID, db, name); err != nil {
					return err
				}
			}
			matched := matchColumns(expr, tags, cols)
			full := (len(cols) == 0 && lftag.Match(expr, tags.Table)) || (len(cols) > 0 && len(matched) == len(cols))
			if !full && len(matched) == 0 {
				return nil
			}
			var g grantRec
			if err := jsonUnmarshal(raw, &g); err != nil {
				return err
			}
			why := "LF-tag policy " + describeExpr(g.Resource.LFTagPolicy) + " (TABLE) to " + p
			if full {
				whole(&g, why+" matches table "+qname)
				return nil
			}
			// §5.4: only SELECT on the matching columns and DESCRIBE;
			// permissions that need every column are not granted.
			perms := newPermSet(g.Permissions...)
			if perms.has(PermSelect) || perms.has(PermAll) {
				sg := access.SelectGrant{Columns: matched, Source: why + " matches columns " + strings.Join(matched, ", ") + " of " + qname}
				out.Select = append(out.Select, sg)
			}
			c.add([]string{PermDescribe}, nil, why+" matches only columns "+strings.Join(matched, ", ")+" of "+qname+" (SELECT on those, DESCRIBE; no whole-table permission)")
			return nil
		})
		if err != nil {
			return out, err
		}
	}

	// Implicit permissions (§4.8): they are not grants and cannot be revoked.
	s, err := GetSettings(tx, catalogID)
	if err != nil {
		return out, err
	}
	if tbl.CreatedBy != "" && slices.Contains(ps, tbl.CreatedBy) {
		g := &grantRec{Permissions: []string{PermAll}, Grantable: []string{PermAll}}
		whole(g, "implicit: "+tbl.CreatedBy+" created table "+qname)
	}
	if IsAdmin(&s, ps...) {
		c.add([]string{PermDescribe}, nil, "implicit: data lake administrator")
	} else if IsReadOnlyAdmin(&s, ps...) {
		c.add([]string{PermDescribe}, nil, "implicit: read-only administrator")
	}

	perms := withDescribe(expandAll(c.perms, all))
	grantable := expandAll(c.grantable, all)
	if tbl.TableType == api.VirtualView {
		// A wildcard or tag policy may carry INSERT, DELETE or ALTER; a view
		// supports none of them (spec §4.3).
		perms, grantable = perms.keep(viewPerms), grantable.keep(viewPerms)
	}
	out.Permissions = []string(perms)
	out.Grantable = []string(grantable)
	out.Explain = append(out.Explain, c.explain...)
	slices.Sort(out.Explain)
	return out, nil
}

// leanTable reads the parts of a table the resolver needs, skipping the
// rest of the record (parameters, SerDe, comments); a miss goes through the
// catalog for its validation and its error messages.
func leanTable(tx *store.Tx, catalogID, database, table string) (*api.Table, error) {
	raw, err := tx.GetRaw(catalog.BucketTables, store.Key(catalogID, strings.ToLower(database), strings.ToLower(table)))
	if err != nil {
		return nil, err
	}
	if raw == nil || strings.Contains(database+table, store.Sep) {
		return catalogTxn(tx).GetTable(catalogID, database, table)
	}
	var lean struct {
		Name, DatabaseName, TableType, CreatedBy string
		StorageDescriptor                        *struct{ Columns []struct{ Name string } }
		PartitionKeys                            []struct{ Name string }
	}
	if err := jsonUnmarshal(raw, &lean); err != nil {
		return nil, err
	}
	t := &api.Table{Name: lean.Name, DatabaseName: lean.DatabaseName, TableType: lean.TableType, CreatedBy: lean.CreatedBy}
	if lean.StorageDescriptor != nil {
		t.StorageDescriptor = &api.StorageDescriptor{Columns: make([]api.Column, len(lean.StorageDescriptor.Columns))}
		for i, c := range lean.StorageDescriptor.Columns {
			t.StorageDescriptor.Columns[i].Name = c.Name
		}
	}
	for _, c := range lean.PartitionKeys {
		t.PartitionKeys = append(t.PartitionKeys, api.Column{Name: c.Name})
	}
	return t, nil
}

// policyExpression returns the expression of an LF-tag policy grant from
// the id part of its key: the canonical inline expression ("e:" + JSON,
// already lower-cased) or the name of a saved one ("n:" + name).
func policyExpression(tx *store.Tx, catalogID, id string) ([]api.LFTag, error) {
	switch {
	case strings.HasPrefix(id, "e:"):
		var expr []api.LFTag
		if err := json.Unmarshal([]byte(id[2:]), &expr); err != nil {
			return nil, lferr.Wrap(lferr.InternalService, err, "corrupt LF-tag policy grant key: %v", err)
		}
		return expr, nil
	case strings.HasPrefix(id, "n:"):
		return resolveExpression(tx, catalogID, &api.LFTagPolicyResource{ExpressionName: id[2:]})
	}
	return nil, lferr.AssertionFailedf("LF-tag policy grant key without an expression: %q", id)
}

func describeKey(g *grantRec) string {
	if t := g.Resource.Table; t != nil {
		if t.TableWildcard != nil {
			return "all tables of database " + t.DatabaseName
		}
		return "table " + t.DatabaseName + "." + t.Name
	}
	if d := g.Resource.Database; d != nil {
		return "database " + d.Name
	}
	return "resource"
}

func describeColumns(r *api.TableWithColumnsResource) string {
	if r.ColumnWildcard != nil {
		if len(r.ColumnWildcard.ExcludedColumnNames) == 0 {
			return "(all)"
		}
		return "(all but " + strings.Join(r.ColumnWildcard.ExcludedColumnNames, ", ") + ")"
	}
	return "(" + strings.Join(r.ColumnNames, ", ") + ")"
}

// columnsGrant renders a column grant. Include lists keep only columns the
// table still has: a column dropped by UpdateTable (and perhaps re-added
// later with other data) must not come back through an old grant.
func columnsGrant(r *api.TableWithColumnsResource, cols []string) access.SelectGrant {
	if r.ColumnWildcard != nil {
		return access.SelectGrant{AllColumns: true, Excluded: append([]string(nil), r.ColumnWildcard.ExcludedColumnNames...)}
	}
	return access.SelectGrant{Columns: existing(r.ColumnNames, cols)}
}

func existing(names, cols []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if slices.Contains(cols, n) {
			out = append(out, n)
		}
	}
	return out
}

func filterGrant(f *api.DataCellsFilter, cols []string) access.SelectGrant {
	sg := access.SelectGrant{FilterName: f.Name}
	if f.ColumnWildcard != nil {
		sg.AllColumns = true
		sg.Excluded = append([]string(nil), f.ColumnWildcard.ExcludedColumnNames...)
	} else {
		sg.Columns = existing(f.ColumnNames, cols)
	}
	if f.RowFilter != nil && f.RowFilter.AllRowsWildcard == nil {
		sg.RowFilter = f.RowFilter.FilterExpression
	}
	return sg
}

// matchColumns returns the columns (schema order) whose effective tags
// satisfy expr.
func matchColumns(expr []api.LFTag, tags *lftag.TableTags, cols []string) []string {
	var out []string
	for _, c := range cols {
		ct, ok := tags.Columns[c]
		if !ok {
			ct = tags.Table
		}
		if lftag.Match(expr, ct) {
			out = append(out, c)
		}
	}
	return out
}

// DatabaseAccessOf resolves principals' effective access to a database:
// direct grants, DATABASE LF-tag policies on the database's tags, the
// creator's implicit ALL, DESCRIBE for administrators and for creators of
// tables in it (§4.8).
func DatabaseAccessOf(tx *store.Tx, catalogID string, principals []string, database string) (DatabaseAccess, error) {
	var out DatabaseAccess
	if err := checkCatalogID(catalogID); err != nil {
		return out, err
	}
	d, err := catalogTxn(tx).GetDatabase(catalogID, database)
	if err != nil {
		return out, err
	}
	db := d.Name
	dKey := store.Key(kindDatabase, db)
	if g, err := getGrant(tx, catalogID, api.IAMAllowedPrincipals, dKey); err != nil {
		return out, err
	} else if g != nil && slices.Contains(g.Permissions, PermAll) {
		out.IAMOnly = true
		out.Explain = append(out.Explain, "IAM only: "+api.IAMAllowedPrincipals+" holds ALL on database "+db)
	}
	var c collector
	ps := expandPrincipals(principals)
	var tags map[string]string
	for _, p := range groupsToo(ps) {
		if g, err := getGrant(tx, catalogID, p, dKey); err != nil {
			return out, err
		} else if g != nil {
			c.add(g.Permissions, g.Grantable, "grant on database "+db+" to "+p)
		}
		prefix := grantKey(catalogID, p, store.Prefix(kindPolicy, "DATABASE"))
		err := tx.Scan(BucketGrants, prefix, func(key string, raw []byte) error {
			expr, err := policyExpression(tx, catalogID, key[len(prefix):])
			if lferr.CodeOf(err) == lferr.EntityNotFound {
				return nil
			} else if err != nil {
				return err
			}
			if tags == nil {
				if tags, err = lftag.EffectiveDatabaseTags(tx, catalogID, db); err != nil {
					return err
				}
			}
			if lftag.Match(expr, tags) {
				var g grantRec
				if err := jsonUnmarshal(raw, &g); err != nil {
					return err
				}
				c.add(g.Permissions, g.Grantable, "LF-tag policy "+describeExpr(g.Resource.LFTagPolicy)+" (DATABASE) to "+p+" matches database "+db)
			}
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	creator, found, err := store.GetAs[string](tx, BucketCreators, store.Key(catalogID, db))
	if err != nil {
		return out, err
	}
	if found && slices.Contains(ps, creator) {
		c.add([]string{PermAll}, []string{PermAll}, "implicit: "+creator+" created database "+db)
	}
	s, err := GetSettings(tx, catalogID)
	if err != nil {
		return out, err
	}
	if IsAdmin(&s, ps...) {
		c.add([]string{PermDescribe}, nil, "implicit: data lake administrator")
	} else if IsReadOnlyAdmin(&s, ps...) {
		c.add([]string{PermDescribe}, nil, "implicit: read-only administrator")
	}
	if !c.perms.has(PermDescribe) && !c.perms.has(PermAll) && len(ps) > 0 {
		// Table creators may see the database that holds their table: one
		// prefix probe per principal in the creators index, not a scan of
		// the database's tables.
		for _, p := range ps {
			var table string
			err := tx.Scan(BucketTableCreators, store.Prefix(catalogID, db, p), func(key string, _ []byte) error {
				table = key[strings.LastIndex(key, store.Sep)+len(store.Sep):]
				return store.Stop
			})
			if err != nil {
				return out, err
			}
			if table != "" {
				c.add([]string{PermDescribe}, nil, "implicit: "+p+" created table "+db+"."+table+" in it")
				break
			}
		}
	}
	out.Permissions = []string(withDescribe(expandAll(c.perms, databasePermsNoAll)))
	out.Grantable = []string(expandAll(c.grantable, databasePermsNoAll))
	out.Explain = append(out.Explain, c.explain...)
	slices.Sort(out.Explain)
	return out, nil
}

// CatalogAccessOf resolves principals' effective access to the catalog:
// direct grants, and the administrators' implicit powers (create
// databases, LF-tags and LF-tag expressions, and grant those).
func CatalogAccessOf(tx *store.Tx, catalogID string, principals []string) (CatalogAccess, error) {
	var out CatalogAccess
	if err := checkCatalogID(catalogID); err != nil {
		return out, err
	}
	if g, err := getGrant(tx, catalogID, api.IAMAllowedPrincipals, kindCatalog); err != nil {
		return out, err
	} else if g != nil && (slices.Contains(g.Permissions, PermAll) || slices.Contains(g.Permissions, PermCreateDatabase)) {
		out.IAMAllowedCreateDatabase = true
		out.Explain = append(out.Explain, "IAM only: "+api.IAMAllowedPrincipals+" holds CREATE_DATABASE on the catalog")
	}
	var c collector
	ps := expandPrincipals(principals)
	for _, p := range groupsToo(ps) {
		if g, err := getGrant(tx, catalogID, p, kindCatalog); err != nil {
			return out, err
		} else if g != nil {
			c.add(g.Permissions, g.Grantable, "grant on catalog "+catalogID+" to "+p)
		}
	}
	s, err := GetSettings(tx, catalogID)
	if err != nil {
		return out, err
	}
	if IsAdmin(&s, ps...) {
		implicit := []string{PermCreateDatabase, PermCreateLFTag, PermCreateLFTagExpression, PermDescribe}
		c.add(implicit, implicit, "implicit: data lake administrator")
	} else if IsReadOnlyAdmin(&s, ps...) {
		c.add([]string{PermDescribe}, nil, "implicit: read-only administrator")
	}
	out.Permissions = []string(withDescribe(expandAll(c.perms, catalogPermsNoAll)))
	out.Grantable = []string(expandAll(c.grantable, catalogPermsNoAll))
	out.Explain = c.explain
	slices.Sort(out.Explain)
	return out, nil
}

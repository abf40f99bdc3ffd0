package maskpolicy

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/catalog"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/mask"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/planner/types"
)

// Bucket holds the policies: CATALOG␟NAME → api.ColumnMaskPolicy.
const Bucket = "lf.masks"

// MaxPerCatalog bounds the policies of one catalog.
const MaxPerCatalog = 1000

func invalid(format string, args ...any) error { return lferr.New(lferr.InvalidInput, format, args...) }

// Candidate is a policy reaching one column of a table.
type Candidate struct {
	Column     string
	Policy     string
	Expression string
	// ViaTag is "key=value" for a tag mask, "" for a column mask.
	ViaTag string
}

func checkName(field, v string, required bool) error {
	if v == "" {
		if required {
			return invalid("%s is required.", field)
		}
		return nil
	}
	if utf8.RuneCountInString(v) > 255 {
		return invalid("%s is longer than 255 characters.", field)
	}
	if strings.ContainsAny(v, store.Sep+"\x00") {
		return invalid("%s %q contains a control character.", field, v)
	}
	return nil
}

// normalize validates the shape of p and returns it with defaults and
// lower-cased names.
func normalize(p api.ColumnMaskPolicy, defaultCatalog string) (api.ColumnMaskPolicy, error) {
	if p.CatalogId == "" {
		p.CatalogId = defaultCatalog
	}
	for _, f := range []struct {
		name, v string
		req     bool
	}{{"CatalogId", p.CatalogId, true}, {"Name", p.Name, true}, {"DatabaseName", p.DatabaseName, false},
		{"TableName", p.TableName, false}, {"ColumnName", p.ColumnName, false}, {"TagKey", p.TagKey, false}, {"TagValue", p.TagValue, false}} {
		if err := checkName(f.name, f.v, f.req); err != nil {
			return p, err
		}
	}
	if utf8.RuneCountInString(p.Description) > 2048 {
		return p, invalid("Description is longer than 2048 characters.")
	}
	onColumn := p.DatabaseName != "" || p.TableName != "" || p.ColumnName != ""
	onTag := p.TagKey != "" || p.TagValue != ""
	switch {
	case onColumn && onTag:
		return p, invalid("Column mask %s names both a column (DatabaseName/TableName/ColumnName) and an LF-tag (TagKey/TagValue); give exactly one target.", p.Name)
	case onColumn:
		if p.DatabaseName == "" || p.TableName == "" || p.ColumnName == "" {
			return p, invalid("Column mask %s on a column needs DatabaseName, TableName and ColumnName.", p.Name)
		}
		p.DatabaseName, p.TableName, p.ColumnName = strings.ToLower(p.DatabaseName), strings.ToLower(p.TableName), strings.ToLower(p.ColumnName)
	case onTag:
		if p.TagKey == "" || p.TagValue == "" {
			return p, invalid("Column mask %s on an LF-tag needs both TagKey and TagValue.", p.Name)
		}
		// LF-tag keys and values are stored lower-cased (authz/lftag).
		p.TagKey, p.TagValue = strings.ToLower(p.TagKey), strings.ToLower(p.TagValue)
	default:
		return p, invalid("Column mask %s has no target: give DatabaseName, TableName and ColumnName, or TagKey and TagValue.", p.Name)
	}
	if strings.TrimSpace(p.MaskExpression) == "" {
		return p, invalid("Column mask %s: MaskExpression is required.", p.Name)
	}
	return p, nil
}

// tagTypes are the column types a tag mask is tried against.
var tagTypes = []types.T{{Kind: types.String}, {Kind: types.Int64}, {Kind: types.Float64}, {Kind: types.Bool}, {Kind: types.Date}, {Kind: types.Timestamp}}

// typecheck compiles the mask against its target.
func typecheck(tx *store.Tx, cat *catalog.Catalog, p api.ColumnMaskPolicy) error {
	if p.TagKey != "" {
		var first error
		for _, t := range tagTypes {
			_, err := mask.Compile(p.MaskExpression, t, nil)
			if err == nil {
				return nil
			}
			if first == nil {
				first = err
			}
		}
		return lferr.Wrap(lferr.InvalidInput, first, "Column mask %s on LF-tag %s=%s does not type-check for any column type: %s", p.Name, p.TagKey, p.TagValue, lferr.MessageOf(first))
	}
	tbl, err := cat.In(tx, "").GetTable(p.CatalogId, p.DatabaseName, p.TableName)
	if err != nil {
		return err
	}
	col, schema, err := columnTypes(tbl, p.ColumnName)
	if err != nil {
		return lferr.Wrap(lferr.InvalidInput, err, "Column mask %s: %s", p.Name, lferr.MessageOf(err))
	}
	if _, err := mask.Compile(p.MaskExpression, col, schema); err != nil {
		return lferr.Wrap(lferr.InvalidInput, err, "Column mask %s on %s.%s.%s does not type-check for a %s column: %s", p.Name, p.DatabaseName, p.TableName, p.ColumnName, col.GlueName(), lferr.MessageOf(err))
	}
	return nil
}

// columnTypes returns the type of column and the types of the table's
// other columns (those whose Glue type sluice knows).
func columnTypes(tbl *api.Table, column string) (types.T, map[string]types.T, error) {
	var cols []api.Column
	if tbl.StorageDescriptor != nil {
		cols = append(cols, tbl.StorageDescriptor.Columns...)
	}
	cols = append(cols, tbl.PartitionKeys...)
	schema := make(map[string]types.T, len(cols))
	var col types.T
	found := false
	for _, c := range cols {
		t, err := types.ParseGlue(c.Type)
		if strings.EqualFold(c.Name, column) {
			if err != nil {
				return col, nil, lferr.New(lferr.InvalidInput, "column %s has type %q, which masks do not support", c.Name, c.Type)
			}
			col, found = t, true
			continue
		}
		if err == nil {
			schema[strings.ToLower(c.Name)] = t
		}
	}
	if !found {
		return col, nil, lferr.New(lferr.EntityNotFound, "table %s.%s has no column %s", tbl.DatabaseName, tbl.Name, column)
	}
	return col, schema, nil
}

// Create stores a new policy (AlreadyExists when the name is taken).
func Create(tx *store.Tx, cat *catalog.Catalog, defaultCatalog string, p api.ColumnMaskPolicy) error {
	p, err := normalize(p, defaultCatalog)
	if err != nil {
		return err
	}
	key := store.Key(p.CatalogId, p.Name)
	if ok, err := tx.Has(Bucket, key); err != nil {
		return err
	} else if ok {
		return lferr.New(lferr.AlreadyExists, "Column mask %s already exists in catalog %s.", p.Name, p.CatalogId)
	}
	if n, err := tx.Count(Bucket, store.Prefix(p.CatalogId)); err != nil {
		return err
	} else if n >= MaxPerCatalog {
		return lferr.New(lferr.ResourceNumberLimitExceeded, "Catalog %s already has %d column masks; the limit is %d.", p.CatalogId, n, MaxPerCatalog)
	}
	if err := typecheck(tx, cat, p); err != nil {
		return err
	}
	return tx.Put(Bucket, key, p)
}

// Update replaces an existing policy (EntityNotFound when absent).
func Update(tx *store.Tx, cat *catalog.Catalog, defaultCatalog string, p api.ColumnMaskPolicy) error {
	p, err := normalize(p, defaultCatalog)
	if err != nil {
		return err
	}
	key := store.Key(p.CatalogId, p.Name)
	if ok, err := tx.Has(Bucket, key); err != nil {
		return err
	} else if !ok {
		return lferr.New(lferr.EntityNotFound, "Column mask %s not found in catalog %s.", p.Name, p.CatalogId)
	}
	if err := typecheck(tx, cat, p); err != nil {
		return err
	}
	return tx.Put(Bucket, key, p)
}

// Delete removes a policy (EntityNotFound when absent).
func Delete(tx *store.Tx, catalogID, name string) error {
	if err := checkName("Name", name, true); err != nil {
		return err
	}
	ok, err := tx.Delete(Bucket, store.Key(catalogID, name))
	if err != nil {
		return err
	}
	if !ok {
		return lferr.New(lferr.EntityNotFound, "Column mask %s not found in catalog %s.", name, catalogID)
	}
	return nil
}

// Get returns one policy (EntityNotFound when absent).
func Get(tx *store.Tx, catalogID, name string) (*api.ColumnMaskPolicy, error) {
	if err := checkName("Name", name, true); err != nil {
		return nil, err
	}
	p, ok, err := store.GetAs[api.ColumnMaskPolicy](tx, Bucket, store.Key(catalogID, name))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, lferr.New(lferr.EntityNotFound, "Column mask %s not found in catalog %s.", name, catalogID)
	}
	return &p, nil
}

// List returns the catalog's policies by name.
func List(tx *store.Tx, catalogID string) ([]api.ColumnMaskPolicy, error) {
	return store.List[api.ColumnMaskPolicy](tx, Bucket, store.Prefix(catalogID))
}

// ColumnTags are a table's columns' effective LF-tags: lower-case column
// name → lower-case tag key → value.
type ColumnTags map[string]map[string]string

// ForTable returns the candidates reaching db.table's columns: column
// masks on it, and tag masks whose key=value one of its columns carries.
// tags supplies the columns' effective tags (from the LF-tag resolver,
// after inheritance); it is called only when a tag mask exists.
func ForTable(tx *store.Tx, catalogID, db, table string, tagsOf func() (ColumnTags, error)) ([]Candidate, error) {
	ps, err := List(tx, catalogID)
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	db, table = strings.ToLower(db), strings.ToLower(table)
	var out []Candidate
	var tags ColumnTags
	for _, p := range ps {
		if p.TagKey == "" {
			if p.DatabaseName == db && p.TableName == table {
				out = append(out, Candidate{Column: p.ColumnName, Policy: p.Name, Expression: p.MaskExpression})
			}
			continue
		}
		if tags == nil {
			if tags, err = tagsOf(); err != nil {
				return nil, err
			}
			if tags == nil {
				tags = ColumnTags{}
			}
		}
		cols := make([]string, 0, len(tags))
		for c, kv := range tags {
			if v, ok := kv[p.TagKey]; ok && v == p.TagValue {
				cols = append(cols, c)
			}
		}
		slices.Sort(cols)
		for _, c := range cols {
			out = append(out, Candidate{Column: c, Policy: p.Name, Expression: p.MaskExpression, ViaTag: p.TagKey + "=" + p.TagValue})
		}
	}
	return out, nil
}

type compileKey struct {
	expr, typ string
}

// CompileCache memoizes CompileFor's verdicts by (expression, column
// type). It is owned by the caller (the ControlPlane holds one); the zero
// value is ready and safe for concurrent use; a nil *CompileCache compiles
// every time.
type CompileCache struct {
	m sync.Map // compileKey → error (nil: compiles)
}

// CompileFor checks that a tag mask fits a column it reaches (its type):
// the decision calls it for every tag mask it emits, and CEL compilation
// is too slow to repeat per request. Column masks were checked at
// creation.
func (cc *CompileCache) CompileFor(tbl *api.Table, c Candidate) error {
	// No other columns in scope, as at creation: a tag mask reaches
	// columns of many tables, so it may use only value, default and
	// principal. That also makes (expression, type) an exact memo key.
	col, _, err := columnTypes(tbl, c.Column)
	if err != nil {
		return lferr.Wrap(lferr.InternalService, err, "Column mask %s reaches column %s: %s", c.Policy, c.Column, lferr.MessageOf(err))
	}
	k := compileKey{c.Expression, col.String()}
	if cc != nil {
		if v, ok := cc.m.Load(k); ok {
			if v == nil {
				return nil
			}
			return v.(error)
		}
	}
	var res error
	if _, err := mask.Compile(c.Expression, col, nil); err != nil {
		res = lferr.Wrap(lferr.InternalService, err, "Column mask %s (LF-tag %s) does not fit column %s of type %s: %s; refusing to answer", c.Policy, c.ViaTag, c.Column, col.GlueName(), lferr.MessageOf(err))
	}
	if cc != nil {
		if res == nil {
			cc.m.Store(k, nil)
		} else {
			cc.m.Store(k, res)
		}
	}
	return res
}

// OnDelete is the catalog's OnDelete hook: dropping a table drops the
// column masks on it (a table re-created under the same name starts
// unmasked, as it starts ungranted); dropping a database, those of its
// tables. Tag masks stay: they belong to the tag, not to a table.
func OnDelete(tx *store.Tx, r catalog.Resource) error {
	ps, err := List(tx, r.CatalogID)
	if err != nil {
		return err
	}
	db, table := strings.ToLower(r.Database), strings.ToLower(r.Table)
	for _, p := range ps {
		if p.TagKey != "" || p.DatabaseName != db || (table != "" && p.TableName != table) {
			continue
		}
		if _, err := tx.Delete(Bucket, store.Key(p.CatalogId, p.Name)); err != nil {
			return err
		}
	}
	return nil
}

package lftag

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/catalog"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// TableTags are the effective LF-tags of one table: tag key → value, keys
// and values lower-cased. The maps are shared between entries (a column
// with no tag of its own gets the Table map itself) and must not be
// modified.
type TableTags struct {
	// Database is the database's own tags (a database inherits nothing).
	Database map[string]string
	// Table is the table's own tags over its database's: for each key the
	// table's value if the table has one, else the database's.
	Table map[string]string
	// Columns holds every column of the table, partition keys included,
	// keyed by the column name exactly as the catalog stores it: the
	// column's own value of a key if it has one, else the table's effective
	// value (VISION rule 3: the nearest assignment of a key wins).
	Columns map[string]map[string]string
}

// tableColumns is the part of a stored api.Table EffectiveTags needs;
// decoding only it skips the rest of the record.
type tableColumns struct {
	StorageDescriptor *struct {
		Columns []struct {
			Name string `json:"Name"`
		} `json:"Columns"`
	} `json:"StorageDescriptor"`
	PartitionKeys []struct {
		Name string `json:"Name"`
	} `json:"PartitionKeys"`
}

// EffectiveTags returns the effective tags of a table, of its database and
// of each of its columns (see TableTags). Database and table names are
// matched case-insensitively, as Glue stores them lower-cased. A missing
// table is EntityNotFoundException.
func EffectiveTags(tx *store.Tx, catalogID, database, table string) (*TableTags, error) {
	database, table = strings.ToLower(database), strings.ToLower(table)
	if database == "" || table == "" {
		return nil, lferr.New(lferr.InvalidInput, "A database name and a table name are required to read the LF-tags of a table.")
	}
	if err := checkKeyParts(catalogID, database, table); err != nil {
		return nil, err
	}
	names, found, err := readColumns(tx, catalogID, database, table)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, lferr.New(lferr.EntityNotFound, "Table %s.%s not found.", database, table)
	}
	return effective(tx, catalogID, database, table, names)
}

// readColumns returns a table's column names, partition keys last, as the
// catalog stores them, decoding only the names from the table record.
func readColumns(tx *store.Tx, catalogID, database, table string) (names []string, found bool, err error) {
	raw, err := tx.GetRaw(catalog.BucketTables, store.Key(catalogID, database, table))
	if err != nil || raw == nil {
		return nil, false, err
	}
	var cols tableColumns
	if err := json.Unmarshal(raw, &cols); err != nil {
		return nil, true, lferr.Wrap(lferr.InternalService, err, "corrupt table record %s.%s: %v", database, table, err)
	}
	n := len(cols.PartitionKeys)
	if cols.StorageDescriptor != nil {
		n += len(cols.StorageDescriptor.Columns)
	}
	names = make([]string, 0, n)
	if cols.StorageDescriptor != nil {
		for _, c := range cols.StorageDescriptor.Columns {
			names = append(names, c.Name)
		}
	}
	for _, c := range cols.PartitionKeys {
		names = append(names, c.Name)
	}
	return names, true, nil
}

// EffectiveTagsOfColumns is EffectiveTags for a caller that already holds
// the table (read in the same transaction): columns are its column names,
// partition keys included, and the table record is not decoded again. The
// table's existence is not checked.
func EffectiveTagsOfColumns(tx *store.Tx, catalogID, database, table string, columns []string) (*TableTags, error) {
	database, table = strings.ToLower(database), strings.ToLower(table)
	if database == "" || table == "" {
		return nil, lferr.New(lferr.InvalidInput, "A database name and a table name are required to read the LF-tags of a table.")
	}
	if err := checkKeyParts(catalogID, database, table); err != nil {
		return nil, err
	}
	return effective(tx, catalogID, database, table, columns)
}

func effective(tx *store.Tx, catalogID, database, table string, columns []string) (*TableTags, error) {
	dbTags, err := exactTags(tx, catalogID, target{Database: database})
	if err != nil {
		return nil, err
	}
	all, err := scanUnder(tx, catalogID, database, table)
	if err != nil {
		return nil, err
	}
	tt := &TableTags{Database: nonNil(dbTags)}
	var own map[string]string
	var colOwn map[string]map[string]string
	for _, a := range all {
		if a.Column == "" {
			if own == nil {
				own = make(map[string]string, 4)
			}
			own[a.Key] = a.Value
			continue
		}
		if colOwn == nil {
			colOwn = make(map[string]map[string]string)
		}
		m := colOwn[a.Column]
		if m == nil {
			m = make(map[string]string, 2)
			colOwn[a.Column] = m
		}
		m[a.Key] = a.Value
	}
	tt.Table = overlay(tt.Database, own)
	tt.Columns = make(map[string]map[string]string, len(columns))
	for _, c := range columns {
		tt.Columns[c] = overlay(tt.Table, colOwn[strings.ToLower(c)])
	}
	return tt, nil
}

// EffectiveDatabaseTags returns a database's tags (its own: a database
// inherits nothing). A missing database is EntityNotFoundException.
func EffectiveDatabaseTags(tx *store.Tx, catalogID, database string) (map[string]string, error) {
	database = strings.ToLower(database)
	if database == "" {
		return nil, lferr.New(lferr.InvalidInput, "A database name is required to read the LF-tags of a database.")
	}
	if err := checkKeyParts(catalogID, database); err != nil {
		return nil, err
	}
	ok, err := tx.Has(catalog.BucketDatabases, store.Key(catalogID, database))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, lferr.New(lferr.EntityNotFound, "Database %s not found.", database)
	}
	m, err := exactTags(tx, catalogID, target{Database: database})
	return nonNil(m), err
}

// checkKeyParts refuses names that contain the key separator. Glue names
// never do; a caller passing one anyway must not read or delete the
// records of another resource through a crafted composite key.
func checkKeyParts(parts ...string) error {
	for _, p := range parts {
		if strings.Contains(p, store.Sep) {
			return lferr.New(lferr.InvalidInput, "Name %q contains a NUL character.", short(p))
		}
	}
	return nil
}

// overlay returns base with over's entries replacing base's. With nothing
// to overlay it returns base itself, so untagged columns share their
// table's map.
func overlay(base, over map[string]string) map[string]string {
	if len(over) == 0 {
		return base
	}
	m := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		m[k] = v
	}
	for k, v := range over {
		m[k] = v
	}
	return m
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// Match reports whether tags (lower-cased, as EffectiveTags returns them)
// satisfy the LF-tag expression expr: AND across entries, OR within an
// entry's values, "*" matching any value of a key the resource carries. A
// key the resource does not carry never matches. Keys and values of expr
// compare case-insensitively. An empty expression matches nothing: a
// malformed grant must not reach every resource (fail closed).
func Match(expr []api.LFTag, tags map[string]string) bool {
	if len(expr) == 0 {
		return false
	}
	for i := range expr {
		// ToLower returns its argument without allocating when it is
		// already lower-case ASCII, the normal case for stored expressions.
		v, ok := tags[strings.ToLower(expr[i].TagKey)]
		if !ok {
			return false
		}
		hit := false
		for _, want := range expr[i].TagValues {
			if want == "*" || want == v || strings.EqualFold(want, v) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return true
}

// ResolveExpression returns the expression of an LFTagPolicy resource,
// keys and values lower-cased: its inline Expression, or the saved
// expression named ExpressionName (EntityNotFoundException if there is
// none). Giving both or neither is InvalidInputException.
func ResolveExpression(tx *store.Tx, catalogID string, r *api.LFTagPolicyResource) ([]api.LFTag, error) {
	if r == nil {
		return nil, lferr.New(lferr.InvalidInput, "An LFTagPolicy resource is required.")
	}
	hasInline, hasName := len(r.Expression) > 0, r.ExpressionName != ""
	switch {
	case hasInline && hasName:
		return nil, lferr.New(lferr.InvalidInput, "An LFTagPolicy resource takes either Expression or ExpressionName, not both.")
	case !hasInline && !hasName:
		return nil, lferr.New(lferr.InvalidInput, "An LFTagPolicy resource needs an Expression or an ExpressionName.")
	case hasInline:
		return normalizeExpression(r.Expression), nil
	}
	e, found, err := store.GetAs[api.LFTagExpression](tx, BucketExpressions, store.Key(catalogID, r.ExpressionName))
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, lferr.New(lferr.EntityNotFound, "LF-tag expression %s not found.", r.ExpressionName)
	}
	return normalizeExpression(e.Expression), nil
}

// normalizeExpression returns a lower-cased copy of expr.
func normalizeExpression(expr []api.LFTag) []api.LFTag {
	out := make([]api.LFTag, len(expr))
	for i, e := range expr {
		vals := make([]string, len(e.TagValues))
		for j, v := range e.TagValues {
			vals[j] = strings.ToLower(v)
		}
		out[i] = api.LFTag{TagKey: strings.ToLower(e.TagKey), TagValues: vals}
	}
	return out
}

// DeleteResourceTags removes every assignment on a database (table == ""),
// its tables and their columns, or on a table and its columns. The catalog
// calls it (through OnCatalogDelete) in the transaction that drops them, so
// a database or table re-created under the same name starts untagged.
func DeleteResourceTags(tx *store.Tx, catalogID, database, table string) error {
	database, table = strings.ToLower(database), strings.ToLower(table)
	if database == "" {
		return lferr.AssertionFailedf("lftag: DeleteResourceTags without a database")
	}
	if err := checkKeyParts(catalogID, database, table); err != nil {
		return err
	}
	all, err := scanUnder(tx, catalogID, database, table)
	if err != nil {
		return err
	}
	for _, a := range all {
		if err := deleteAssignment(tx, catalogID, a.target, a.Key, a.Value); err != nil {
			return err
		}
	}
	return nil
}

// OnCatalogDelete is DeleteResourceTags in the shape of a catalog.Config
// OnDelete hook.
func OnCatalogDelete(tx *store.Tx, r catalog.Resource) error {
	return DeleteResourceTags(tx, r.CatalogID, r.Database, r.Table)
}

// TagExists reports whether the LF-tag key exists in the catalog.
func TagExists(tx *store.Tx, catalogID, key string) (bool, error) {
	return tx.Has(BucketTags, tagKey(catalogID, strings.ToLower(key)))
}

// ValuesExist reports whether the LF-tag key exists and has every one of
// values ("*" standing for all values, so it only needs the key). It is
// false for an empty list.
func ValuesExist(tx *store.Tx, catalogID, key string, values []string) (bool, error) {
	rec, found, err := getTag(tx, catalogID, strings.ToLower(key))
	if err != nil || !found || len(values) == 0 {
		return false, err
	}
	for _, v := range values {
		if v == "*" {
			continue
		}
		if !rec.has(strings.ToLower(v)) {
			return false, nil
		}
	}
	return true, nil
}

func getTag(tx *store.Tx, catalogID, key string) (tagRecord, bool, error) {
	return store.GetAs[tagRecord](tx, BucketTags, tagKey(catalogID, key))
}

// has reports whether v (lower-cased) is one of the tag's values.
func (r *tagRecord) has(v string) bool {
	_, ok := slices.BinarySearch(r.TagValues, v)
	return ok
}

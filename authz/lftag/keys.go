package lftag

import (
	"strings"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// Buckets of the control-plane database owned by this package.
//
// Assignments live in one bucket keyed so that a single prefix scan reads
// one level: Key(catalog, db, "", "", key) for a database,
// Key(catalog, db, table, "", key) for a table and
// Key(catalog, db, table, column, key) for a column. Glue names are never
// empty, so the empty segments cannot collide with a real table or column,
// and Prefix(catalog, db, table) covers a table and all its columns.
// Database, table and column names and tag keys are stored lower-cased.
//
// The index bucket mirrors every assignment as
// Key(catalog, key, value, db, table, column) so that "is this value used
// anywhere" and "drop every assignment of this key" are prefix scans
// instead of full scans of the catalog.
const (
	BucketTags        = "lf.tags"          // Key(catalog, key) → tagRecord
	BucketAssignments = "lf.tags.assigned" // Key(catalog, db, table, column, key) → valuePrefix+value
	BucketIndex       = "lf.tags.index"    // Key(catalog, key, value, db, table, column) → valuePrefix
	BucketExpressions = "lf.tags.exprs"    // Key(catalog, name) → api.LFTagExpression
)

// valuePrefix starts every stored assignment value: tag values may be
// empty, and a leading byte keeps "assigned with the empty value"
// distinguishable from "no record" whatever bbolt does with empty values.
const valuePrefix = "="

// tagRecord is the stored form of one LF-tag: its lower-cased key and its
// lower-cased values in sorted order.
type tagRecord struct {
	TagKey    string   `json:"TagKey"`
	TagValues []string `json:"TagValues"`
}

// level names where an assignment sits.
type level uint8

const (
	levelDatabase level = iota
	levelTable
	levelColumn
)

// target is one taggable resource: a database (Table == ""), a table
// (Column == "") or a column. Names are lower-cased.
type target struct {
	Database, Table, Column string
}

func (t target) level() level {
	switch {
	case t.Table == "":
		return levelDatabase
	case t.Column == "":
		return levelTable
	}
	return levelColumn
}

// String names the resource in messages.
func (t target) String() string {
	switch t.level() {
	case levelDatabase:
		return "database " + t.Database
	case levelTable:
		return "table " + t.Database + "." + t.Table
	}
	return "column " + t.Column + " of table " + t.Database + "." + t.Table
}

func assignKey(catalogID string, t target, key string) string {
	return store.Key(catalogID, t.Database, t.Table, t.Column, key)
}

// assignPrefix is the prefix of the assignments made exactly on t.
func assignPrefix(catalogID string, t target) string {
	return store.Prefix(catalogID, t.Database, t.Table, t.Column)
}

func indexKey(catalogID, key, value string, t target) string {
	return store.Key(catalogID, key, value, t.Database, t.Table, t.Column)
}

func tagKey(catalogID, key string) string { return store.Key(catalogID, key) }

// putAssignment records key=value on t, replacing any value of key there.
func putAssignment(tx *store.Tx, catalogID string, t target, key, value string) error {
	k := assignKey(catalogID, t, key)
	old, err := tx.GetRaw(BucketAssignments, k)
	if err != nil {
		return err
	}
	if old != nil {
		oldValue, err := decodeValue(k, old)
		if err != nil {
			return err
		}
		if oldValue == value {
			return nil
		}
		if _, err := tx.Delete(BucketIndex, indexKey(catalogID, key, oldValue, t)); err != nil {
			return err
		}
	}
	if err := tx.PutRaw(BucketAssignments, k, []byte(valuePrefix+value)); err != nil {
		return err
	}
	return tx.PutRaw(BucketIndex, indexKey(catalogID, key, value, t), []byte(valuePrefix))
}

// deleteAssignment removes key from t (both records).
func deleteAssignment(tx *store.Tx, catalogID string, t target, key, value string) error {
	if _, err := tx.Delete(BucketAssignments, assignKey(catalogID, t, key)); err != nil {
		return err
	}
	_, err := tx.Delete(BucketIndex, indexKey(catalogID, key, value, t))
	return err
}

// getAssignment returns the value of key assigned exactly on t.
func getAssignment(tx *store.Tx, catalogID string, t target, key string) (value string, ok bool, err error) {
	k := assignKey(catalogID, t, key)
	raw, err := tx.GetRaw(BucketAssignments, k)
	if err != nil || raw == nil {
		return "", false, err
	}
	v, err := decodeValue(k, raw)
	return v, err == nil, err
}

func decodeValue(key string, raw []byte) (string, error) {
	if len(raw) == 0 || raw[0] != valuePrefix[0] {
		return "", lferr.New(lferr.InternalService, "corrupt LF-tag assignment record %q", strings.ReplaceAll(key, store.Sep, "/"))
	}
	return string(raw[1:]), nil
}

// splitRest splits the part of an assignment key after the catalog and
// database into (table, column, key) without allocating.
func splitRest(rest string) (table, column, key string, ok bool) {
	table, rest, ok1 := strings.Cut(rest, store.Sep)
	column, key, ok2 := strings.Cut(rest, store.Sep)
	if !ok1 || !ok2 || strings.Contains(key, store.Sep) {
		return "", "", "", false
	}
	return table, column, key, true
}

// scanExact calls fn for each tag assigned exactly on t.
func scanExact(tx *store.Tx, catalogID string, t target, fn func(key, value string) error) error {
	p := assignPrefix(catalogID, t)
	return tx.Scan(BucketAssignments, p, func(k string, raw []byte) error {
		v, err := decodeValue(k, raw)
		if err != nil {
			return err
		}
		return fn(k[len(p):], v)
	})
}

// exactTags returns the tags assigned exactly on t (nil when none).
func exactTags(tx *store.Tx, catalogID string, t target) (map[string]string, error) {
	var m map[string]string
	err := scanExact(tx, catalogID, t, func(key, value string) error {
		if m == nil {
			m = make(map[string]string, 4)
		}
		m[key] = value
		return nil
	})
	return m, err
}

// assignment is one stored assignment, decoded.
type assignment struct {
	target
	Key, Value string
}

// scanUnder lists every assignment under a database (table == "": the
// database itself, its tables and their columns) or a table (the table and
// its columns).
func scanUnder(tx *store.Tx, catalogID, database, table string) ([]assignment, error) {
	var p string
	if table == "" {
		p = store.Prefix(catalogID, database)
	} else {
		p = store.Prefix(catalogID, database, table)
	}
	dbPrefix := store.Prefix(catalogID, database)
	var out []assignment
	err := tx.Scan(BucketAssignments, p, func(k string, raw []byte) error {
		v, err := decodeValue(k, raw)
		if err != nil {
			return err
		}
		tbl, col, key, ok := splitRest(k[len(dbPrefix):])
		if !ok {
			return lferr.New(lferr.InternalService, "corrupt LF-tag assignment key %q", strings.ReplaceAll(k, store.Sep, "/"))
		}
		out = append(out, assignment{target: target{Database: database, Table: tbl, Column: col}, Key: key, Value: v})
		return nil
	})
	return out, err
}

package lf

import (
	"slices"
	"strings"
)

// LF permission names (spec §4.2).
const (
	PermAll                      = "ALL"
	PermSelect                   = "SELECT"
	PermAlter                    = "ALTER"
	PermDrop                     = "DROP"
	PermDelete                   = "DELETE"
	PermInsert                   = "INSERT"
	PermDescribe                 = "DESCRIBE"
	PermCreateDatabase           = "CREATE_DATABASE"
	PermCreateTable              = "CREATE_TABLE"
	PermDataLocationAccess       = "DATA_LOCATION_ACCESS"
	PermCreateLFTag              = "CREATE_LF_TAG"
	PermAssociate                = "ASSOCIATE"
	PermGrantWithLFTagExpression = "GRANT_WITH_LF_TAG_EXPRESSION"
	PermCreateLFTagExpression    = "CREATE_LF_TAG_EXPRESSION"
	PermCreateCatalog            = "CREATE_CATALOG"
	PermSuperUser                = "SUPER_USER"
)

var knownPerms = []string{PermAll, PermSelect, PermAlter, PermDrop, PermDelete, PermInsert, PermDescribe,
	PermCreateDatabase, PermCreateTable, PermDataLocationAccess, PermCreateLFTag, PermAssociate,
	PermGrantWithLFTagExpression, PermCreateLFTagExpression, PermCreateCatalog, PermSuperUser}

// Valid permissions per resource type (spec §4.3).
var (
	catalogPerms       = []string{PermAll, PermAlter, PermCreateDatabase, PermDescribe, PermDrop, PermCreateLFTag, PermCreateLFTagExpression, PermCreateCatalog}
	databasePerms      = []string{PermAll, PermAlter, PermCreateTable, PermDescribe, PermDrop}
	tablePerms         = []string{PermAll, PermAlter, PermDelete, PermDescribe, PermDrop, PermInsert, PermSelect}
	viewPerms          = []string{PermAll, PermSelect, PermDescribe, PermDrop}
	columnsPerms       = []string{PermSelect}
	filterPerms        = []string{PermDescribe, PermDrop, PermSelect}
	locationPerms      = []string{PermDataLocationAccess}
	tagPerms           = []string{PermDrop, PermAlter, PermAssociate, PermDescribe, PermGrantWithLFTagExpression}
	tagExprPerms       = []string{PermDescribe, PermAlter, PermDrop, PermGrantWithLFTagExpression}
	tablePermsNoAll    = []string{PermAlter, PermDelete, PermDescribe, PermDrop, PermInsert, PermSelect}
	databasePermsNoAll = []string{PermAlter, PermCreateTable, PermDescribe, PermDrop}
	catalogPermsNoAll  = []string{PermAlter, PermCreateDatabase, PermDescribe, PermDrop, PermCreateLFTag, PermCreateLFTagExpression, PermCreateCatalog}
)

// permSet is a small sorted, duplicate-free list of permission names.
type permSet []string

func newPermSet(ps ...string) permSet {
	out := append(permSet(nil), ps...)
	slices.Sort(out)
	return slices.Compact(out)
}

func (s permSet) has(p string) bool {
	_, ok := slices.BinarySearch(s, p)
	return ok
}

func (s permSet) union(o []string) permSet {
	if len(o) == 0 {
		return s
	}
	return newPermSet(append(append([]string(nil), s...), o...)...)
}

func (s permSet) minus(o []string) permSet {
	var out permSet
	for _, p := range s {
		if !slices.Contains(o, p) {
			out = append(out, p)
		}
	}
	return out
}

// keep returns the members of s that are in valid.
func (s permSet) keep(valid []string) permSet {
	var out permSet
	for _, p := range s {
		if slices.Contains(valid, p) {
			out = append(out, p)
		}
	}
	return out
}

// expandAll returns s with ALL replaced by ALL plus every permission it
// stands for on a resource whose non-ALL permissions are all.
func expandAll(s permSet, all []string) permSet {
	if !s.has(PermAll) {
		return s
	}
	return s.union(all)
}

// withDescribe adds DESCRIBE when s holds anything (spec §4.9).
func withDescribe(s permSet) permSet {
	if len(s) == 0 || s.has(PermDescribe) {
		return s
	}
	return s.union([]string{PermDescribe})
}

func checkPermNames(field string, ps []string) error {
	for _, p := range ps {
		if !slices.Contains(knownPerms, p) {
			return invalid("%s: %q is not a Lake Formation permission; valid values are %s.", field, p, strings.Join(knownPerms, ", "))
		}
	}
	return nil
}

package planner

import (
	"strings"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// colInfo is one column a scope can resolve.
type colInfo struct {
	db      string // lower-case database of a base table, for db.t.col
	table   string // lower-case qualifier (alias or table name); "" if none
	name    string // lower-case name
	display string // name as the catalog / query spelled it
	t       types.T
	// hidden columns are skipped by SELECT * and by unqualified lookup
	// (the right-hand copy of a USING / NATURAL join column).
	hidden bool
}

// level is one query nesting level: a subquery boundary. OuterRef depth
// counts the levels crossed. Derived tables share the level of the query
// whose FROM clause holds them (their plans run in that query's context).
type level struct {
	correlated bool // some expression inside reached above this level
}

// scope resolves names for expressions evaluated over one row layout.
type scope struct {
	cols   []colInfo
	parent *scope // the scope of the enclosing query level (nil at top)
	lvl    *level
	// agg is set when expressions are bound over an Aggregate's output:
	// column lookups happen in cols (the aggregate's input) and are mapped
	// to group keys or aggregate calls.
	agg *aggCtx
	// aliases are select-list aliases usable in HAVING / ORDER BY when a
	// name is not a column (MySQL extension).
	aliases map[string]sqlparser.Expr
	// expanding guards alias substitution against self reference.
	expanding map[string]bool
}

// lookup finds a column; ok false when absent. Ambiguity is an error.
func (s *scope) lookup(db, table, name string) (int, bool) {
	found := -1
	for i := range s.cols {
		c := &s.cols[i]
		if c.name != name {
			continue
		}
		if table != "" {
			if c.table != table || (db != "" && c.db != db) {
				continue
			}
		} else if c.hidden {
			continue
		}
		if found >= 0 {
			failf(lferr.InvalidInput, "column '%s' is ambiguous", qualified(table, name))
		}
		found = i
	}
	return found, found >= 0
}

func qualified(table, name string) string {
	if table == "" {
		return name
	}
	return table + "." + name
}

// hasTable reports whether any column carries the qualifier.
func (s *scope) hasTable(db, table string) bool {
	for i := range s.cols {
		if s.cols[i].table == table && (db == "" || s.cols[i].db == db) {
			return true
		}
	}
	return false
}

// resolve binds a column name, walking out through enclosing levels.
func (b *builder) resolve(s *scope, cn *sqlparser.ColName) plan.Expr {
	name := cn.Name.Lowered()
	table := strings.ToLower(cn.Qualifier.Name.String())
	db := strings.ToLower(cn.Qualifier.Qualifier.String())
	depth := 0
	var crossed []*level
	for cur := s; cur != nil; cur = cur.parent {
		if idx, ok := cur.lookup(db, table, name); ok {
			for _, l := range crossed {
				l.correlated = true
			}
			c := cur.cols[idx]
			var e plan.Expr
			if cur.agg != nil {
				e = cur.agg.column(idx, c)
			} else {
				e = &plan.ColRef{Idx: idx, T: c.t, Name: c.display}
			}
			if depth == 0 {
				return e
			}
			// Outer reference: e reads the holder row of that level, which
			// is what OuterRef addresses.
			ref, ok := e.(*plan.ColRef)
			if !ok {
				fail(lferr.AssertionFailedf("outer reference %s did not bind to a column", name))
			}
			return &plan.OuterRef{Depth: depth, Idx: ref.Idx, T: ref.T, Name: ref.Name}
		}
		if depth == 0 && table == "" && cur.aliases != nil {
			if ae, ok := cur.aliases[name]; ok && !cur.expanding[name] {
				if cur.expanding == nil {
					cur.expanding = map[string]bool{}
				}
				cur.expanding[name] = true
				e := b.expr(cur, ae)
				delete(cur.expanding, name)
				return e
			}
		}
		crossed = append(crossed, cur.lvl)
		depth++
	}
	if table != "" && !scopeChainHasTable(s, db, table) {
		failf(lferr.UnknownColumn, "unknown column '%s': no table '%s' in scope", qualified(table, name), table)
	}
	failf(lferr.UnknownColumn, "unknown column '%s'", qualified(table, cn.Name.String()))
	return nil
}

func scopeChainHasTable(s *scope, db, table string) bool {
	for cur := s; cur != nil; cur = cur.parent {
		if cur.hasTable(db, table) {
			return true
		}
	}
	return false
}

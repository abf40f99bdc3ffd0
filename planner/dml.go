package planner

import (
	"strings"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// writeTarget is a table a DML statement writes, with all its columns.
type writeTarget struct {
	bt    *boundTable
	names []string
	types []types.T
}

// writeTable binds a table for writing. Rule 12: writes need the
// permission on the whole table, so any column the caller cannot see
// makes the write fail.
func (b *builder) writeTable(tn sqlparser.TableName, perms []string) *writeTarget {
	db, name := b.tableName(tn)
	bt := b.lookupTable(db, name, perms)
	if bt.isView {
		failf(lferr.InvalidInput, "%s.%s is a view; views cannot be written", db, name)
	}
	var all []api.Column
	if bt.table.StorageDescriptor != nil {
		all = append(all, bt.table.StorageDescriptor.Columns...)
	}
	all = append(all, bt.table.PartitionKeys...)
	if len(all) != len(bt.cols) {
		failf(lferr.AccessDenied, "insufficient Lake Formation permission(s) on %s.%s: writing needs access to every column", db, name)
	}
	w := &writeTarget{bt: bt}
	for _, c := range bt.cols {
		w.names = append(w.names, c.Name)
		w.types = append(w.types, c.T)
	}
	return w
}

func (w *writeTarget) index(name string) int {
	for i, n := range w.names {
		if strings.EqualFold(n, name) {
			return i
		}
	}
	return -1
}

// scope over the table's full row, for DELETE / UPDATE predicates.
func (w *writeTarget) scope(qual string, aliased bool) *scope {
	cols := make([]colInfo, len(w.names))
	for i, n := range w.names {
		cols[i] = colInfo{table: qual, name: strings.ToLower(n), display: n, t: w.types[i]}
		if !aliased {
			cols[i].db = w.bt.db
		}
	}
	return &scope{cols: cols, lvl: &level{}}
}

func (b *builder) insert(s *sqlparser.Insert) Statement {
	if s.Action != sqlparser.InsertAct {
		failf(lferr.Unsupported, "REPLACE is not supported")
	}
	if len(s.OnDup) > 0 || s.Ignore || s.RowAlias != nil || len(s.Partitions) > 0 {
		failf(lferr.Unsupported, "INSERT IGNORE / ON DUPLICATE KEY / PARTITION is not supported")
	}
	tn, ok := s.Table.Expr.(sqlparser.TableName)
	if !ok {
		failf(lferr.InvalidInput, "INSERT needs a table name")
	}
	w := b.writeTable(tn, []string{"INSERT"})
	// target[j] = table column written by the j-th source column
	var target []int
	if len(s.Columns) == 0 {
		for i := range w.names {
			target = append(target, i)
		}
	} else {
		seen := map[int]bool{}
		for _, c := range s.Columns {
			i := w.index(c.String())
			if i < 0 {
				failf(lferr.UnknownColumn, "unknown column '%s' in 'field list'", c.String())
			}
			if seen[i] {
				failf(lferr.InvalidInput, "column '%s' specified twice", c.String())
			}
			seen[i] = true
			target = append(target, i)
		}
	}
	outCols := make([]plan.Column, len(w.names))
	for i, n := range w.names {
		outCols[i] = plan.Column{Name: n, T: w.types[i]}
	}
	var src plan.Node
	switch rows := s.Rows.(type) {
	case sqlparser.Values:
		vals := &plan.Values{Cols: outCols}
		empty := &scope{lvl: &level{}}
		for r, tuple := range rows {
			if len(tuple) != len(target) {
				failf(lferr.InvalidInput, "column count doesn't match value count at row %d", r+1)
			}
			row := make([]plan.Expr, len(w.names))
			for j, x := range tuple {
				if _, isDefault := x.(*sqlparser.Default); isDefault {
					continue
				}
				row[target[j]] = castTo(fromBoolTo(b.expr(empty, x), w.types[target[j]]), w.types[target[j]])
			}
			for i := range row {
				if row[i] == nil {
					row[i] = typedNull(w.types[i])
				}
			}
			vals.Rows = append(vals.Rows, row)
		}
		src = vals
	case sqlparser.TableStatement:
		q := b.planQuery(rows, nil, &level{})
		sch := q.Schema()
		if len(sch) != len(target) {
			failf(lferr.InvalidInput, "column count doesn't match value count: %d columns, %d values", len(target), len(sch))
		}
		exprs := make([]plan.Expr, len(w.names))
		for j, c := range sch {
			exprs[target[j]] = castTo(fromBoolTo(&plan.ColRef{Idx: j, T: c.T, Name: c.Name}, w.types[target[j]]), w.types[target[j]])
		}
		for i := range exprs {
			if exprs[i] == nil {
				exprs[i] = typedNull(w.types[i])
			}
		}
		src = &plan.Project{Input: q, Exprs: exprs, Cols: outCols}
	default:
		failf(lferr.Unsupported, "INSERT source not supported: %s", sqlparser.String(s.Rows))
	}
	return &Insert{Table: w.bt.table, Source: b.finish(src)}
}

// fromBoolTo converts a boolean to a number unless the column is boolean.
func fromBoolTo(e plan.Expr, t types.T) plan.Expr {
	if t.Kind == types.Bool {
		return e
	}
	return fromBool(e)
}

// dmlTable extracts the single target table of DELETE / UPDATE.
func dmlTable(tes []sqlparser.TableExpr, what string) (sqlparser.TableName, string) {
	if len(tes) != 1 {
		failf(lferr.Unsupported, "%s of several tables is not supported", what)
	}
	at, ok := tes[0].(*sqlparser.AliasedTableExpr)
	if !ok {
		failf(lferr.Unsupported, "%s with a join is not supported", what)
	}
	tn, ok := at.Expr.(sqlparser.TableName)
	if !ok {
		failf(lferr.InvalidInput, "%s needs a table name", what)
	}
	return tn, strings.ToLower(at.As.String())
}

func (b *builder) delete(s *sqlparser.Delete) Statement {
	if s.With != nil || len(s.OrderBy) > 0 || s.Limit != nil || len(s.Targets) > 0 || len(s.Partitions) > 0 {
		failf(lferr.Unsupported, "DELETE with WITH / ORDER BY / LIMIT / several targets is not supported")
	}
	tn, alias := dmlTable(s.TableExprs, "DELETE")
	w := b.writeTable(tn, []string{"DELETE"})
	d := &Delete{Table: w.bt.table}
	if s.Where != nil && s.Where.Expr != nil {
		d.Where = b.dmlWhere(w, tn, alias, s.Where.Expr)
	}
	return d
}

func (b *builder) dmlWhere(w *writeTarget, tn sqlparser.TableName, alias string, e sqlparser.Expr) plan.Expr {
	qual := alias
	if qual == "" {
		qual = strings.ToLower(tn.Name.String())
	}
	if containsAggregate(e) {
		failf(lferr.InvalidInput, "invalid use of aggregate function in WHERE clause")
	}
	return toBool(b.expr(w.scope(qual, alias != ""), e))
}

func (b *builder) update(s *sqlparser.Update) Statement {
	if s.With != nil || len(s.OrderBy) > 0 || s.Limit != nil {
		failf(lferr.Unsupported, "UPDATE with WITH / ORDER BY / LIMIT is not supported")
	}
	tn, alias := dmlTable(s.TableExprs, "UPDATE")
	// copy-on-write rewrites files: it reads and deletes the old rows and
	// inserts the new ones
	w := b.writeTable(tn, []string{"INSERT", "DELETE"})
	qual := alias
	if qual == "" {
		qual = strings.ToLower(tn.Name.String())
	}
	sc := w.scope(qual, alias != "")
	u := &Update{Table: w.bt.table, Set: map[int]plan.Expr{}}
	for _, ue := range s.Exprs {
		i := w.index(ue.Name.Name.String())
		if i < 0 || (!ue.Name.Qualifier.IsEmpty() && !strings.EqualFold(ue.Name.Qualifier.Name.String(), qual)) {
			failf(lferr.UnknownColumn, "unknown column '%s' in 'field list'", sqlparser.String(ue.Name))
		}
		// MySQL accepts SET x=1, x=2; the last assignment wins.
		if containsAggregate(ue.Expr) {
			failf(lferr.InvalidInput, "invalid use of aggregate function in SET")
		}
		u.Set[i] = castTo(fromBoolTo(b.expr(sc, ue.Expr), w.types[i]), w.types[i])
	}
	if s.Where != nil && s.Where.Expr != nil {
		u.Where = b.dmlWhere(w, tn, alias, s.Where.Expr)
	}
	return u
}

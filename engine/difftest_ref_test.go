package engine_test

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/mask"
	"github.com/sluicedb/sluice/authz/rowfilter"
	"github.com/sluicedb/sluice/planner/types"
)

// The naive reference of the differential test: what a principal sees,
// computed row by row from the generated policies (spec §6.3) with the
// reference evaluators (rowfilter.Eval, mask.Apply), and a row-at-a-time
// evaluator of the generated query shapes over those cells.

// dtView is one principal's view of one table.
type dtView struct {
	denied   bool            // no column authorized: the query must fail
	authz    []bool          // per table column
	rows     [][]types.Value // full table width; unauthorized cells NULL
	maxAbs   []int64         // per BIGINT column: largest |value| visible
	needCell bool            // a row or cell restriction applies (CELL_FILTER_PERMISSION)
	needMask bool            // a mask applies to an authorized column
}

func truthOf(e rowfilter.Expr, row map[string]types.Value) (bool, error) {
	if e == nil {
		return true, nil
	}
	t, err := rowfilter.Eval(e, row)
	return t == rowfilter.True, err
}

// view computes p's view of t (p nil: the administrator, who sees the raw
// table unmasked).
func (w *dtWorld) view(p *dtPrincipal, t *dtTable, who mask.Principal) (*dtView, error) {
	v := &dtView{authz: make([]bool, len(t.cols)), maxAbs: make([]int64, len(t.cols))}
	var gs []dtGrant
	if p == nil {
		gs = []dtGrant{{cols: dtMinus(t, nil)}}
	} else {
		gs = p.grantsOn(t)
	}
	// covering[j]: the grants whose column set holds column j.
	covering := make([][]int, len(t.cols))
	masks := make([]*dtMask, len(t.cols))
	allRows := false
	for i, g := range gs {
		if g.rows == nil {
			allRows = true
		}
		for _, c := range g.cols {
			j := t.col(c)
			v.authz[j] = true
			covering[j] = append(covering[j], i)
		}
	}
	v.denied = true
	for j := range t.cols {
		if !v.authz[j] {
			continue
		}
		v.denied = false
		trivial := false
		for _, i := range covering[j] {
			trivial = trivial || gs[i].rows == nil
		}
		if !trivial {
			v.needCell = true
		}
		if p != nil {
			m, err := w.maskFor(t, t.cols[j])
			if err != nil {
				return nil, err
			}
			masks[j] = m
			v.needMask = v.needMask || m != nil
		}
	}
	if !allRows {
		v.needCell = true
	}
	if v.denied {
		return v, nil
	}
	raw := make(map[string]types.Value, len(t.cols))
	holds := make([]bool, len(gs))
	for _, row := range t.rows {
		for j, c := range t.cols {
			raw[c.name] = row[j]
		}
		visible := false
		for i, g := range gs {
			ok, err := truthOf(g.rows, raw)
			if err != nil {
				return nil, fmt.Errorf("row filter %q: %v", g.rowText, err)
			}
			holds[i] = ok
			visible = visible || ok
		}
		if !visible {
			continue
		}
		out := make([]types.Value, len(t.cols))
		cells := make(map[string]types.Value, len(t.cols))
		for j, c := range t.cols {
			out[j] = types.Value{Kind: c.t.Kind, Null: true}
			if !v.authz[j] {
				cells[c.name] = row[j] // read by masks only
				continue
			}
			for _, i := range covering[j] {
				if holds[i] {
					out[j] = row[j]
					break
				}
			}
			cells[c.name] = out[j]
		}
		// Masks see the cells after NULLing (rule 7).
		if p != nil {
			for j := range t.cols {
				m := masks[j]
				if m == nil {
					continue
				}
				mv, err := m.m.Apply(out[j], cells, who)
				if err != nil {
					return nil, fmt.Errorf("mask %s: %v", m.name, err)
				}
				out[j] = mv
			}
		}
		for j, c := range t.cols {
			if c.t.Kind == types.Int64 && !out[j].Null {
				a := out[j].I
				if a < 0 {
					a = -a
				}
				v.maxAbs[j] = max(v.maxAbs[j], a)
			}
		}
		v.rows = append(v.rows, out)
	}
	return v, nil
}

// ---- values ----

func dtCompare(a, b types.Value) int {
	switch {
	case a.Kind == types.String:
		return strings.Compare(a.S, b.S)
	case a.Kind == types.Float64 || b.Kind == types.Float64:
		x, y := a.AsFloat(), b.AsFloat()
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	switch {
	case a.I < b.I:
		return -1
	case a.I > b.I:
		return 1
	}
	return 0
}

// canon is a cell's comparison key: numbers (and booleans, as MySQL)
// by value to 15 significant digits (the float tolerance), other kinds by
// their text.
func canon(v types.Value) string {
	if v.Null {
		return "NULL"
	}
	switch v.Kind {
	case types.Int64, types.Float64, types.Decimal:
		f := v.AsFloat()
		if f == 0 {
			f = 0 // -0
		}
		return "n" + strconv.FormatFloat(f, 'g', 15, 64)
	case types.Bool:
		// MySQL's BOOLEAN is TINYINT(1): COALESCE(b, FALSE) is 0 or 1.
		return "n" + strconv.FormatInt(v.I, 10)
	case types.Date:
		return "d" + v.String()
	}
	return "s" + v.String()
}

func rowKey(r []types.Value) string {
	parts := make([]string, len(r))
	for i, v := range r {
		parts[i] = canon(v)
	}
	return strings.Join(parts, "|")
}

// ---- query model ----

// dtRef is a column of a query's FROM relation: which table (by alias
// position) and which column.
type dtRef struct {
	side int // 0 = first table (alias a), 1 = second (b)
	col  int
	name string
	t    types.T
	// fn wraps the column in a scalar function (select lists only):
	// "" none, plus1, upper, length, abs, coalesce (with arg).
	fn  string
	arg types.Value
}

// apply is fn on one cell.
func (r dtRef) apply(v types.Value) types.Value {
	switch r.fn {
	case "coalesce":
		if v.Null {
			return r.arg
		}
		return v
	case "":
		return v
	}
	if v.Null {
		return v
	}
	switch r.fn {
	case "plus1":
		if v.Kind == types.Float64 {
			return types.NewFloat(v.F + 1)
		}
		return types.NewInt(v.I + 1)
	case "abs":
		if v.Kind == types.Float64 {
			return types.NewFloat(math.Abs(v.F))
		}
		if v.I < 0 {
			return types.NewInt(-v.I)
		}
		return v
	case "upper":
		return types.NewString(strings.ToUpper(v.S))
	case "length":
		return types.NewInt(int64(len(v.S)))
	}
	return v
}

// dtPred is a WHERE predicate of the generated shapes.
type dtPred struct {
	op   string // and or not cmp in between like isnull mulgt
	kids []*dtPred
	ref  dtRef
	cmp  string
	lits []types.Value
	neg  bool
	mul  int64
}

func (p *dtPred) sql(q *dtQuery) string {
	switch p.op {
	case "and", "or":
		return "(" + p.kids[0].sql(q) + " " + strings.ToUpper(p.op) + " " + p.kids[1].sql(q) + ")"
	case "not":
		return "NOT (" + p.kids[0].sql(q) + ")"
	}
	c := q.refSQL(p.ref)
	not := ""
	if p.neg {
		not = "NOT "
	}
	switch p.op {
	case "cmp":
		return c + " " + p.cmp + " " + sqlLiteral(p.lits[0])
	case "in":
		ls := make([]string, len(p.lits))
		for i, l := range p.lits {
			ls[i] = sqlLiteral(l)
		}
		return c + " " + not + "IN (" + strings.Join(ls, ", ") + ")"
	case "between":
		return c + " " + not + "BETWEEN " + sqlLiteral(p.lits[0]) + " AND " + sqlLiteral(p.lits[1])
	case "like":
		return c + " " + not + "LIKE " + sqlLiteral(p.lits[0])
	case "isnull":
		return c + " IS " + not + "NULL"
	case "mulgt":
		return c + " * " + strconv.FormatInt(p.mul, 10) + " > 0"
	}
	return "?"
}

const (
	tFalse = iota
	tTrue
	tNull
)

func not3(t int) int {
	switch t {
	case tTrue:
		return tFalse
	case tFalse:
		return tTrue
	}
	return tNull
}

func bool3(b bool) int {
	if b {
		return tTrue
	}
	return tFalse
}

var errOverflow = lferr.New(lferr.ExecutionError, "BIGINT value is out of range (reference)")

// eval is SQL three-valued logic over row (the FROM relation's row: one
// slice of cells per table). It errors as the engine must: a BIGINT
// multiplication that overflows.
func (p *dtPred) eval(row [2][]types.Value) (int, error) {
	switch p.op {
	case "and", "or":
		a, err := p.kids[0].eval(row)
		if err != nil {
			return 0, err
		}
		b, err := p.kids[1].eval(row)
		if err != nil {
			return 0, err
		}
		if p.op == "and" {
			if a == tFalse || b == tFalse {
				return tFalse, nil
			}
			if a == tNull || b == tNull {
				return tNull, nil
			}
			return tTrue, nil
		}
		if a == tTrue || b == tTrue {
			return tTrue, nil
		}
		if a == tNull || b == tNull {
			return tNull, nil
		}
		return tFalse, nil
	case "not":
		a, err := p.kids[0].eval(row)
		return not3(a), err
	}
	v := row[p.ref.side][p.ref.col]
	if p.op == "isnull" {
		return bool3(v.Null != p.neg), nil
	}
	if v.Null {
		return tNull, nil
	}
	var t int
	switch p.op {
	case "cmp":
		c := dtCompare(v, p.lits[0])
		switch p.cmp {
		case "=":
			t = bool3(c == 0)
		case "<>":
			t = bool3(c != 0)
		case "<":
			t = bool3(c < 0)
		case "<=":
			t = bool3(c <= 0)
		case ">":
			t = bool3(c > 0)
		case ">=":
			t = bool3(c >= 0)
		}
		return t, nil
	case "in":
		t = tFalse
		for _, l := range p.lits {
			if dtCompare(v, l) == 0 {
				t = tTrue
			}
		}
	case "between":
		t = bool3(dtCompare(v, p.lits[0]) >= 0 && dtCompare(v, p.lits[1]) <= 0)
	case "like":
		t = bool3(rowfilter.MatchLike(v.S, p.lits[0].S, '\\'))
	case "mulgt":
		r := v.I * p.mul
		if v.I != 0 && (r/v.I != p.mul || (v.I == -1 && p.mul == math.MinInt64)) {
			return 0, errOverflow
		}
		return bool3(r > 0), nil
	}
	if p.neg {
		t = not3(t)
	}
	return t, nil
}

func (p *dtPred) refs(f func(dtRef)) {
	if p == nil {
		return
	}
	for _, k := range p.kids {
		k.refs(f)
	}
	if p.op != "and" && p.op != "or" && p.op != "not" {
		f(p.ref)
	}
}

type dtAgg struct {
	fn  string // count* count min max sum
	ref dtRef
}

type dtOrder struct {
	idx  int // into the select list
	desc bool
}

// dtQuery is one generated query.
type dtQuery struct {
	kind     string // star proj distinct order group agg join leftjoin insub
	tables   [2]*dtTable
	sel      []dtRef
	where    *dtPred
	group    *dtRef
	aggs     []dtAgg
	order    []dtOrder
	limit    int
	subWhere *dtPred // insub, scalarsub: the subquery's WHERE (over side 1)
	having   int     // group: HAVING count(*) > having; -1 none
}

func (q *dtQuery) two() bool {
	return q.kind == "join" || q.kind == "leftjoin" || q.kind == "insub" || q.kind == "scalarsub"
}

func (q *dtQuery) refSQL(r dtRef) string {
	c := r.name
	if q.two() {
		c = []string{"a.", "b."}[r.side] + r.name
	}
	switch r.fn {
	case "plus1":
		return c + " + 1"
	case "coalesce":
		return "coalesce(" + c + ", " + sqlLiteral(r.arg) + ")"
	case "":
		return c
	}
	return r.fn + "(" + c + ")"
}

func (q *dtQuery) SQL() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	if q.kind == "distinct" {
		b.WriteString("DISTINCT ")
	}
	var items []string
	if q.kind == "star" {
		items = []string{"*"}
	}
	if q.group != nil {
		items = append(items, q.refSQL(*q.group))
	}
	for _, r := range q.sel {
		items = append(items, q.refSQL(r))
	}
	for _, a := range q.aggs {
		if a.fn == "count*" {
			items = append(items, "count(*)")
		} else if a.fn == "countd" {
			items = append(items, "count(DISTINCT "+q.refSQL(a.ref)+")")
		} else {
			items = append(items, a.fn+"("+q.refSQL(a.ref)+")")
		}
	}
	b.WriteString(strings.Join(items, ", "))
	fmt.Fprintf(&b, " FROM %s.%s", dtDB, q.tables[0].name)
	switch q.kind {
	case "join", "leftjoin":
		j := "JOIN"
		if q.kind == "leftjoin" {
			j = "LEFT JOIN"
		}
		fmt.Fprintf(&b, " a %s %s.%s b ON a.k = b.k", j, dtDB, q.tables[1].name)
	case "insub", "scalarsub":
		b.WriteString(" a")
	}
	var conds []string
	if q.kind == "insub" || q.kind == "scalarsub" {
		s := fmt.Sprintf("a.k IN (SELECT b.k FROM %s.%s b", dtDB, q.tables[1].name)
		if q.kind == "scalarsub" {
			s = fmt.Sprintf("a.k = (SELECT max(b.k) FROM %s.%s b", dtDB, q.tables[1].name)
		}
		if q.subWhere != nil {
			s += " WHERE " + q.subWhere.sql(q)
		}
		conds = append(conds, s+")")
	}
	if q.where != nil {
		conds = append(conds, q.where.sql(q))
	}
	if len(conds) > 0 {
		b.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	if q.group != nil {
		b.WriteString(" GROUP BY " + q.refSQL(*q.group))
		if q.having >= 0 {
			fmt.Fprintf(&b, " HAVING count(*) > %d", q.having)
		}
	}
	if len(q.order) > 0 {
		var ks []string
		for _, o := range q.order {
			k := q.refSQL(q.sel[o.idx])
			if o.desc {
				k += " DESC"
			}
			ks = append(ks, k)
		}
		b.WriteString(" ORDER BY " + strings.Join(ks, ", "))
		fmt.Fprintf(&b, " LIMIT %d", q.limit)
	}
	return b.String()
}

// dtGen generates queries for one principal from its views, so literals
// and the overflow bound fit what it sees. Columns are drawn from the
// authorized ones, and now and then from all, so that references to
// unauthorized columns are exercised too.
type dtGen struct {
	r     *rand.Rand
	w     *dtWorld
	views map[string]*dtView
}

func (g *dtGen) pickRef(t *dtTable, side int, ok func(dtCol) bool) (dtRef, bool) {
	v := g.views[t.name]
	var cand []int
	anyCol := v.denied || g.r.Intn(25) == 0
	for j, c := range t.cols {
		if (anyCol || v.authz[j]) && (ok == nil || ok(c)) {
			cand = append(cand, j)
		}
	}
	if len(cand) == 0 {
		return dtRef{}, false
	}
	j := cand[g.r.Intn(len(cand))]
	return dtRef{side: side, col: j, name: t.cols[j].name, t: t.cols[j].t}, true
}

// literal draws from the principal's visible cells when it can.
func (g *dtGen) literal(t *dtTable, ci int) types.Value {
	v := g.views[t.name]
	if len(v.rows) > 0 && g.r.Intn(3) != 0 {
		for try := 0; try < 4; try++ {
			if x := v.rows[g.r.Intn(len(v.rows))][ci]; !x.Null && x.Kind == t.cols[ci].t.Kind {
				return x
			}
		}
	}
	return dtLiteral(g.r, t, ci)
}

func (g *dtGen) pred(q *dtQuery, sides []int, depth int) *dtPred {
	if depth < 2 && g.r.Intn(3) == 0 {
		switch g.r.Intn(3) {
		case 0:
			return &dtPred{op: "and", kids: []*dtPred{g.pred(q, sides, depth+1), g.pred(q, sides, depth+1)}}
		case 1:
			return &dtPred{op: "or", kids: []*dtPred{g.pred(q, sides, depth+1), g.pred(q, sides, depth+1)}}
		default:
			return &dtPred{op: "not", kids: []*dtPred{g.pred(q, sides, depth+1)}}
		}
	}
	side := sides[g.r.Intn(len(sides))]
	t := q.tables[side]
	ref, _ := g.pickRef(t, side, nil)
	p := &dtPred{ref: ref, neg: g.r.Intn(4) == 0}
	lit := func() types.Value { return g.literal(t, ref.col) }
	switch k := g.r.Intn(12); {
	case k == 0:
		p.op = "isnull"
	case k <= 5 && ref.t.Kind == types.Int64:
		// Errors on any cell larger than what this principal sees: only a
		// hidden row or cell can make it fail (rule 7).
		p.op = "mulgt"
		p.mul = math.MaxInt64 / max(1, g.views[t.name].maxAbs[ref.col])
	case k <= 5 || ref.t.Kind == types.Bool:
		p.op = "cmp"
		ops := []string{"=", "<>", "<", "<=", ">", ">="}
		if ref.t.Kind == types.Bool {
			ops = ops[:2]
		}
		p.cmp = ops[g.r.Intn(len(ops))]
		p.lits = []types.Value{lit()}
	case k <= 7:
		p.op = "in"
		for i := 0; i <= g.r.Intn(3); i++ {
			p.lits = append(p.lits, lit())
		}
	case k <= 9 && ref.t.Kind == types.String:
		p.op = "like"
		p.lits = []types.Value{types.NewString(dtLikePattern(g.r, lit().S))}
	default:
		a, b := lit(), lit()
		if dtCompare(a, b) > 0 {
			a, b = b, a
		}
		p.op = "between"
		p.lits = []types.Value{a, b}
	}
	return p
}

// wrap puts a scalar function around a selected column, so that the
// functions run over masked, NULLed and dictionary-encoded cells.
func (g *dtGen) wrap(ref *dtRef, t *dtTable) {
	switch ref.t.Kind {
	case types.Int64, types.Float64:
		ref.fn = []string{"plus1", "abs", "coalesce"}[g.r.Intn(3)]
	case types.String:
		ref.fn = []string{"upper", "length", "coalesce"}[g.r.Intn(3)]
	default:
		ref.fn = "coalesce"
	}
	if ref.fn == "coalesce" {
		ref.arg = dtLiteral(g.r, t, ref.col)
	}
}

func (g *dtGen) query() *dtQuery {
	r := g.r
	perm := r.Perm(len(g.w.tables))
	t0, t1 := g.w.tables[perm[0]], g.w.tables[perm[1]]
	if r.Intn(5) == 0 {
		t1 = t0 // self-join, or a subquery on the same table
	}
	kinds := []string{"star", "proj", "proj", "distinct", "order", "order", "group", "group", "agg", "join", "leftjoin", "insub", "scalarsub"}
	q := &dtQuery{kind: kinds[r.Intn(len(kinds))], tables: [2]*dtTable{t0, t1}, having: -1}
	sides := []int{0}
	if q.kind == "join" || q.kind == "leftjoin" {
		sides = []int{0, 1}
	}
	nsel := 1 + r.Intn(3)
	switch q.kind {
	case "star":
	case "group", "agg":
		if q.kind == "group" {
			ref, _ := g.pickRef(t0, 0, nil)
			q.group = &ref
			if r.Intn(3) == 0 {
				q.having = r.Intn(4)
			}
		}
		q.aggs = append(q.aggs, dtAgg{fn: "count*"})
		for i := 0; i < 1+r.Intn(3); i++ {
			fn := []string{"count", "min", "max", "sum", "countd"}[r.Intn(5)]
			ok := func(c dtCol) bool { return c.t.Kind != types.Bool }
			if fn == "sum" {
				ok = func(c dtCol) bool { return c.t.Kind == types.Int64 || c.t.Kind == types.Float64 }
			}
			if ref, found := g.pickRef(t0, 0, ok); found {
				q.aggs = append(q.aggs, dtAgg{fn: fn, ref: ref})
			}
		}
	default:
		for i := 0; i < nsel; i++ {
			side := sides[r.Intn(len(sides))]
			ref, _ := g.pickRef(q.tables[side], side, nil)
			if r.Intn(4) == 0 {
				g.wrap(&ref, q.tables[side])
			}
			q.sel = append(q.sel, ref)
		}
	}
	if q.kind == "order" {
		perm := r.Perm(len(q.sel))
		for _, i := range perm {
			q.order = append(q.order, dtOrder{idx: i, desc: r.Intn(2) == 0})
		}
		q.limit = 1 + r.Intn(12)
	}
	if (q.kind == "insub" || q.kind == "scalarsub") && r.Intn(3) != 0 {
		q.subWhere = g.pred(q, []int{1}, 1)
	}
	if r.Intn(4) != 0 {
		q.where = g.pred(q, sides, 0)
	}
	if !q.two() && r.Intn(20) == 0 {
		// An overflow on a visible cell: the only WHERE conjunct, so every
		// visible row reaches it and the engine must fail as the reference.
		if ref, ok := g.pickRef(t0, 0, func(c dtCol) bool { return c.t.Kind == types.Int64 }); ok {
			if m := g.views[t0.name].maxAbs[ref.col]; m >= 2 {
				q.where = &dtPred{op: "mulgt", ref: ref, mul: math.MaxInt64 / (m - 1)}
			}
		}
	}
	return q
}

// dtExpect is the reference's answer: rows (in order when ordered), the
// result's column count, or the error code the engine must return.
type dtExpect struct {
	code    lferr.Code
	alt     lferr.Code // another acceptable code, or ""
	cols    []string   // SELECT *: the expected column names
	ncols   int
	rows    [][]types.Value
	ordered bool
}

// expect evaluates q on the views.
func (g *dtGen) expect(q *dtQuery) (*dtExpect, error) {
	used := []*dtTable{q.tables[0]}
	if q.two() {
		used = append(used, q.tables[1])
	}
	denied := false
	for _, t := range used {
		denied = denied || g.views[t.name].denied
	}
	unknown := false
	check := func(r dtRef) {
		if !g.views[q.tables[r.side].name].authz[r.col] {
			unknown = true
		}
	}
	for _, r := range q.sel {
		check(r)
	}
	if q.group != nil {
		check(*q.group)
	}
	for _, a := range q.aggs {
		if a.fn != "count*" {
			check(a.ref)
		}
	}
	q.where.refs(check)
	q.subWhere.refs(check)
	if q.two() {
		check(dtRef{side: 0, col: 0})
		check(dtRef{side: 1, col: 0})
	}
	// The planner binds the outer query before it reaches a subquery's
	// table, so when both hold either refusal is right.
	switch {
	case denied && unknown:
		return &dtExpect{code: lferr.AccessDenied, alt: lferr.UnknownColumn}, nil
	case denied:
		return &dtExpect{code: lferr.AccessDenied}, nil
	case unknown:
		return &dtExpect{code: lferr.UnknownColumn}, nil
	}
	v0 := g.views[q.tables[0].name]
	// The FROM relation.
	var from [][2][]types.Value
	switch q.kind {
	case "join", "leftjoin":
		v1 := g.views[q.tables[1].name]
		nulls := make([]types.Value, len(q.tables[1].cols))
		for j, c := range q.tables[1].cols {
			nulls[j] = types.Value{Kind: c.t.Kind, Null: true}
		}
		for _, a := range v0.rows {
			matched := false
			for _, b := range v1.rows {
				if !a[0].Null && !b[0].Null && a[0].I == b[0].I {
					from = append(from, [2][]types.Value{a, b})
					matched = true
				}
			}
			if !matched && q.kind == "leftjoin" {
				from = append(from, [2][]types.Value{a, nulls})
			}
		}
	case "insub":
		in := map[int64]bool{}
		for _, b := range g.views[q.tables[1].name].rows {
			ok := tTrue
			if q.subWhere != nil {
				var err error
				if ok, err = q.subWhere.eval([2][]types.Value{nil, b}); err != nil {
					return &dtExpect{code: lferr.CodeOf(err)}, nil
				}
			}
			if ok == tTrue && !b[0].Null {
				in[b[0].I] = true
			}
		}
		for _, a := range v0.rows {
			if !a[0].Null && in[a[0].I] {
				from = append(from, [2][]types.Value{a, nil})
			}
		}
	case "scalarsub":
		var mx types.Value
		found := false
		for _, b := range g.views[q.tables[1].name].rows {
			ok := tTrue
			if q.subWhere != nil {
				var err error
				if ok, err = q.subWhere.eval([2][]types.Value{nil, b}); err != nil {
					return &dtExpect{code: lferr.CodeOf(err)}, nil
				}
			}
			if ok == tTrue && !b[0].Null && (!found || b[0].I > mx.I) {
				mx, found = b[0], true
			}
		}
		for _, a := range v0.rows {
			if found && !a[0].Null && a[0].I == mx.I {
				from = append(from, [2][]types.Value{a, nil})
			}
		}
	default:
		for _, a := range v0.rows {
			from = append(from, [2][]types.Value{a, nil})
		}
	}
	var kept [][2][]types.Value
	for _, row := range from {
		if q.where != nil {
			t, err := q.where.eval(row)
			if err != nil {
				return &dtExpect{code: lferr.CodeOf(err)}, nil
			}
			if t != tTrue {
				continue
			}
		}
		kept = append(kept, row)
	}
	e := &dtExpect{}
	switch q.kind {
	case "star":
		t := q.tables[0]
		for j, c := range t.cols {
			if v0.authz[j] {
				e.cols = append(e.cols, c.name)
			}
		}
		e.ncols = len(e.cols)
		for _, row := range kept {
			var out []types.Value
			for j := range t.cols {
				if v0.authz[j] {
					out = append(out, row[0][j])
				}
			}
			e.rows = append(e.rows, out)
		}
	case "group", "agg":
		e.ncols = len(q.aggs)
		if q.group != nil {
			e.ncols++
		}
		type grp struct {
			key  types.Value
			rows [][2][]types.Value
		}
		var order []string
		groups := map[string]*grp{}
		if q.group == nil {
			order, groups[""] = []string{""}, &grp{}
		}
		for _, row := range kept {
			k := ""
			var kv types.Value
			if q.group != nil {
				kv = row[0][q.group.col]
				k = canon(kv)
			}
			gr := groups[k]
			if gr == nil {
				gr = &grp{key: kv}
				groups[k] = gr
				order = append(order, k)
			}
			gr.rows = append(gr.rows, row)
		}
		for _, k := range order {
			gr := groups[k]
			if q.having >= 0 && len(gr.rows) <= q.having {
				continue
			}
			var out []types.Value
			if q.group != nil {
				out = append(out, gr.key)
			}
			for _, a := range q.aggs {
				out = append(out, aggregate(a, gr.rows))
			}
			e.rows = append(e.rows, out)
		}
	default:
		e.ncols = len(q.sel)
		seen := map[string]bool{}
		for _, row := range kept {
			out := make([]types.Value, len(q.sel))
			for i, r := range q.sel {
				out[i] = r.apply(row[r.side][r.col])
			}
			if q.kind == "distinct" {
				k := rowKey(out)
				if seen[k] {
					continue
				}
				seen[k] = true
			}
			e.rows = append(e.rows, out)
		}
		if q.kind == "order" {
			e.ordered = true
			sort.SliceStable(e.rows, func(i, j int) bool { return orderLess(q.order, e.rows[i], e.rows[j]) })
			if len(e.rows) > q.limit {
				e.rows = e.rows[:q.limit]
			}
		}
	}
	return e, nil
}

// orderLess is ORDER BY with MySQL's NULL placement: NULLs first
// ascending, last descending.
func orderLess(keys []dtOrder, a, b []types.Value) bool {
	for _, k := range keys {
		x, y := a[k.idx], b[k.idx]
		var c int
		switch {
		case x.Null && y.Null:
			c = 0
		case x.Null:
			c = -1
		case y.Null:
			c = 1
		default:
			c = dtCompare(x, y)
		}
		if k.desc {
			c = -c
		}
		if c != 0 {
			return c < 0
		}
	}
	return false
}

func aggregate(a dtAgg, rows [][2][]types.Value) types.Value {
	if a.fn == "count*" {
		return types.NewInt(int64(len(rows)))
	}
	if a.fn == "countd" {
		seen := map[string]bool{}
		for _, row := range rows {
			if v := row[a.ref.side][a.ref.col]; !v.Null {
				seen[canon(v)] = true
			}
		}
		return types.NewInt(int64(len(seen)))
	}
	var n int64
	var best types.Value
	var si int64
	var sf float64
	for _, row := range rows {
		v := row[a.ref.side][a.ref.col]
		if v.Null {
			continue
		}
		n++
		switch a.fn {
		case "min":
			if n == 1 || dtCompare(v, best) < 0 {
				best = v
			}
		case "max":
			if n == 1 || dtCompare(v, best) > 0 {
				best = v
			}
		case "sum":
			si += v.I
			sf += v.F
		}
	}
	switch a.fn {
	case "count":
		return types.NewInt(n)
	case "sum":
		if n == 0 {
			return types.Value{Kind: a.ref.t.Kind, Null: true}
		}
		if a.ref.t.Kind == types.Int64 {
			return types.NewInt(si)
		}
		return types.NewFloat(sf)
	}
	if n == 0 {
		return types.Value{Kind: a.ref.t.Kind, Null: true}
	}
	return best
}

// compare returns "" when got equals e, else what differs.
func (e *dtExpect) compare(cols []string, got [][]types.Value) string {
	if e.cols != nil && strings.Join(cols, ",") != strings.Join(e.cols, ",") {
		return fmt.Sprintf("columns %v, want %v", cols, e.cols)
	}
	if len(cols) != e.ncols {
		return fmt.Sprintf("%d columns, want %d", len(cols), e.ncols)
	}
	gk := make([]string, len(got))
	for i, r := range got {
		gk[i] = rowKey(r)
	}
	ek := make([]string, len(e.rows))
	for i, r := range e.rows {
		ek[i] = rowKey(r)
	}
	if !e.ordered {
		sort.Strings(gk)
		sort.Strings(ek)
	}
	if strings.Join(gk, "\n") == strings.Join(ek, "\n") {
		return ""
	}
	return fmt.Sprintf("%d rows, want %d\n    got:  %s\n    want: %s", len(gk), len(ek), clip(gk), clip(ek))
}

func clip(rows []string) string {
	s := strings.Join(rows, " ; ")
	if len(s) > 1500 {
		s = s[:1500] + "…"
	}
	return s
}

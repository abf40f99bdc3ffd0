package engine_test

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/mask"
	"github.com/sluicedb/sluice/authz/rowfilter"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/planner/types"
	"github.com/sluicedb/sluice/storage/parquetio"
)

// The generated world of one differential-test seed: its tables and raw
// rows, the policies given to each principal, and the masks. The reference
// (difftest_ref_test.go) reads only this, never the control plane.

const dtDB = "dt"

// dtTag is the LF-tag key of the world; dtTagValues its values. Grants
// use pub and sens; "other" is reachable through named grants only.
const dtTag = "lvl"

var dtTagValues = []string{"pub", "sens", "other"}

type dtCol struct {
	name    string
	t       types.T
	lowCard bool // VARCHAR from a small vocabulary (dictionary-encoded)
}

type dtMask struct {
	name, expr string
	m          *mask.Mask
}

type dtTable struct {
	name     string
	cols     []dtCol
	rows     [][]types.Value
	tableTag string            // table-level value of dtTag, "" none
	colTags  map[string]string // column-level overrides
	masks    map[string]*dtMask
	// partitioned: the last column, p, is a Hive partition key (p=VALUE/
	// directories), not stored in the files.
	partitioned bool
}

// fileCols is how many leading columns the Parquet files store.
func (t *dtTable) fileCols() int {
	if t.partitioned {
		return len(t.cols) - 1
	}
	return len(t.cols)
}

func (t *dtTable) col(name string) int {
	for i, c := range t.cols {
		if c.name == name {
			return i
		}
	}
	return -1
}

// effTag is a column's effective value of dtTag: the nearest assignment
// wins (rule 3).
func (t *dtTable) effTag(col string) string {
	if v, ok := t.colTags[col]; ok {
		return v
	}
	return t.tableTag
}

// dtGrant is one applicable grant G_i = (R_i, C_i) of spec §6.3.
type dtGrant struct {
	desc    string         // how it was granted, for reproductions
	rowText string         // "" = all rows
	rows    rowfilter.Expr // bound; nil = all rows
	cols    []string
}

type dtPolicy struct {
	grants       []dtGrant // named grants (the tag grant is computed per table)
	describeOnly bool
}

type dtPrincipal struct {
	role      string
	tagValues []string // values of dtTag granted by an LF-tag policy (TABLE)
	policies  map[string]*dtPolicy
}

type dtWorld struct {
	seed int64
	// tagMask is a mask on the LF-tag value dtTag=sens ("" none): it
	// reaches every column whose effective tag is sens, unless a column
	// mask is on that column (the column mask wins).
	tagMask    string
	tables     []*dtTable
	principals []*dtPrincipal
}

var dtWords = []string{"alpha", "beta", "gamma", "delta", "eps", "zeta"}

// dtRandomValue draws a cell of column c; big rows (k >= 5) carry the
// large BIGINT values, so that row filters on k decide whether a user's
// overflowing expression can meet them.
func dtRandomValue(r *rand.Rand, c dtCol, row int, big bool) types.Value {
	if r.Intn(8) == 0 {
		return types.Value{Kind: c.t.Kind, Null: true}
	}
	switch c.t.Kind {
	case types.Int64:
		if c.name == "k" {
			return types.NewInt(int64(r.Intn(8)))
		}
		if big && r.Intn(2) == 0 {
			return types.NewInt(int64(r.Intn(2001) - 1000))
		}
		return types.NewInt(int64(r.Intn(21) - 10))
	case types.Float64:
		// Quarters: sums stay exact whatever the order of addition.
		return types.NewFloat(float64(r.Intn(801)-400) / 4)
	case types.String:
		if c.lowCard {
			return types.NewString(dtWords[r.Intn(len(dtWords))])
		}
		const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
		b := make([]byte, 4+r.Intn(8))
		for i := range b {
			b[i] = alnum[r.Intn(len(alnum))]
		}
		return types.NewString(string(b) + strconv.Itoa(row))
	case types.Bool:
		return types.NewBool(r.Intn(2) == 0)
	case types.Date:
		return types.NewDate(18262 + int64(r.Intn(1500))) // 2020-01-01 onwards
	}
	panic("dtRandomValue: " + c.t.String())
}

func dtGenTable(r *rand.Rand, name string, partitioned bool) *dtTable {
	t := &dtTable{name: name, colTags: map[string]string{}, masks: map[string]*dtMask{}, partitioned: partitioned}
	t.cols = append(t.cols, dtCol{name: "k", t: types.Int64T})
	n := 2 + r.Intn(5) // 3–7 columns with k
	for i := 1; i <= n; i++ {
		c := dtCol{name: "c" + strconv.Itoa(i)}
		switch r.Intn(6) {
		case 0:
			c.t = types.Int64T
		case 1:
			c.t = types.Float64T
		case 2:
			c.t, c.lowCard = types.StringT, true
		case 3:
			c.t = types.StringT
		case 4:
			c.t = types.BoolT
		default:
			c.t = types.DateT
		}
		t.cols = append(t.cols, c)
	}
	if partitioned {
		t.cols = append(t.cols, dtCol{name: "p", t: types.StringT, lowCard: true})
	}
	nrows := 20 + r.Intn(100)
	for i := 0; i < nrows; i++ {
		row := make([]types.Value, len(t.cols))
		for j, c := range t.cols {
			row[j] = dtRandomValue(r, c, i, j > 0 && (row[0].Null || row[0].I >= 5))
		}
		if partitioned {
			row[len(row)-1] = types.NewString(dtWords[r.Intn(3)])
		}
		t.rows = append(t.rows, row)
	}
	switch r.Intn(7) {
	case 0:
	case 1:
		t.tableTag = "sens"
	default:
		t.tableTag = "pub"
	}
	for _, c := range t.cols {
		if r.Intn(4) == 0 {
			t.colTags[c.name] = dtTagValues[r.Intn(len(dtTagValues))]
		}
	}
	for _, c := range t.cols {
		if r.Intn(4) != 0 {
			continue
		}
		expr := dtMaskExpr(r, c)
		if r.Intn(4) == 0 {
			expr = dtRowMaskExpr(r, t, c, expr)
		}
		if expr != "" {
			t.masks[c.name] = &dtMask{name: "m_" + name + "_" + c.name, expr: expr}
		}
	}
	return t
}

// dtMaskExpr picks a mask for a column of c's type: the built-ins, and CEL
// masks whose condition depends on the principal (ARN and session tags).
func dtMaskExpr(r *rand.Rand, c dtCol) string {
	switch c.t.Kind {
	case types.String:
		return []string{"sha256", "redact", "show_first(2)", "show_last(3)", "null", "default",
			`principal.arn.contains(":assumed-role/p1/") ? value : sha256(value)`,
			`principal.tags.?LakeFormationAuthorizedCaller.orValue("") == "sluice" && !principal.arn.contains("/p0/") ? redact(value) : value`,
		}[r.Intn(8)]
	case types.Int64:
		return []string{"null", "default", `principal.arn.contains(":assumed-role/p2/") ? value : 7`}[r.Intn(3)]
	case types.Float64:
		return []string{"null", "default", `principal.arn.contains(":assumed-role/p0/") ? value : 0.5`}[r.Intn(3)]
	case types.Date:
		return []string{"null", "default", "truncate_date(year)", "truncate_date(month)"}[r.Intn(4)]
	case types.Bool:
		return []string{"null", "default"}[r.Intn(2)]
	}
	return ""
}

// dtRowMaskExpr makes a CEL mask that also reads another column of the
// row (a low-cardinality string or a boolean): the other cell as the
// principal sees it, NULL when NULLed (rule 7).
func dtRowMaskExpr(r *rand.Rand, t *dtTable, c dtCol, otherwise string) string {
	var cand []dtCol
	for _, o := range t.cols {
		if o.name != c.name && (o.lowCard || o.t.Kind == types.Bool) {
			cand = append(cand, o)
		}
	}
	if len(cand) == 0 || otherwise == "" {
		return otherwise
	}
	o := cand[r.Intn(len(cand))]
	cond := o.name + " == true"
	if o.lowCard {
		cond = o.name + ` == "` + dtWords[r.Intn(len(dtWords))] + `"`
	}
	masked := "default"
	if c.t.Kind == types.String {
		masked = "redact(value)"
	}
	return cond + " ? value : " + masked
}

func (t *dtTable) schemaTypes() map[string]types.T {
	m := make(map[string]types.T, len(t.cols))
	for _, c := range t.cols {
		m[c.name] = c.t
	}
	return m
}

// dtLiteral picks a literal for column c: mostly a value of the data, so
// that predicates split the rows.
func dtLiteral(r *rand.Rand, t *dtTable, ci int) types.Value {
	if r.Intn(4) != 0 {
		for try := 0; try < 4; try++ {
			if v := t.rows[r.Intn(len(t.rows))][ci]; !v.Null {
				return v
			}
		}
	}
	v := dtRandomValue(r, t.cols[ci], r.Intn(1000), true)
	for v.Null {
		v = dtRandomValue(r, t.cols[ci], r.Intn(1000), true)
	}
	return v
}

// sqlLiteral renders v for both the SQL parser and the LF filter grammar.
func sqlLiteral(v types.Value) string {
	if v.Null {
		return "NULL"
	}
	switch v.Kind {
	case types.String:
		return "'" + strings.ReplaceAll(v.S, "'", "''") + "'"
	case types.Bool:
		if v.Bool() {
			return "TRUE"
		}
		return "FALSE"
	case types.Float64:
		s := strconv.FormatFloat(v.F, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	case types.Date:
		return "DATE '" + v.String() + "'"
	}
	return v.String()
}

// dtRowFilter generates an expression of the LF filter grammar (§6.2):
// comparisons, IN, BETWEEN, LIKE, IS NULL, AND/OR/NOT. DATE columns are
// outside that grammar.
func dtRowFilter(r *rand.Rand, t *dtTable, depth int) string {
	if depth < 2 && r.Intn(3) == 0 {
		switch r.Intn(3) {
		case 0:
			return "(" + dtRowFilter(r, t, depth+1) + " AND " + dtRowFilter(r, t, depth+1) + ")"
		case 1:
			return "(" + dtRowFilter(r, t, depth+1) + " OR " + dtRowFilter(r, t, depth+1) + ")"
		default:
			return "NOT (" + dtRowFilter(r, t, depth+1) + ")"
		}
	}
	var cand []int
	for i, c := range t.cols {
		if c.t.Kind != types.Date {
			cand = append(cand, i)
		}
	}
	ci := cand[r.Intn(len(cand))]
	if r.Intn(3) == 0 {
		ci = 0 // k: decides which rows hold the large values
	}
	c := t.cols[ci]
	lit := func() string { return sqlLiteral(dtLiteral(r, t, ci)) }
	not := func() string {
		if r.Intn(4) == 0 {
			return "NOT "
		}
		return ""
	}
	switch k := r.Intn(10); {
	case k == 0 && !(t.partitioned && ci == len(t.cols)-1):
		return c.name + " IS " + not() + "NULL"
	case c.t.Kind == types.Bool:
		return c.name + " = " + lit()
	case k <= 4:
		ops := []string{"=", "<>", "!=", "<", "<=", ">", ">="}
		return c.name + " " + ops[r.Intn(len(ops))] + " " + lit()
	case k <= 6:
		n := 1 + r.Intn(3)
		ls := make([]string, n)
		for i := range ls {
			ls[i] = lit()
		}
		return c.name + " " + not() + "IN (" + strings.Join(ls, ", ") + ")"
	case k == 7 && c.t.Kind == types.String:
		return c.name + " " + not() + "LIKE " + sqlLiteral(types.NewString(dtLikePattern(r, dtLiteral(r, t, ci).S)))
	default:
		a, b := dtLiteral(r, t, ci), dtLiteral(r, t, ci)
		if dtCompare(a, b) > 0 {
			a, b = b, a
		}
		return c.name + " " + not() + "BETWEEN " + sqlLiteral(a) + " AND " + sqlLiteral(b)
	}
}

func dtLikePattern(r *rand.Rand, s string) string {
	if s == "" {
		return "%"
	}
	switch r.Intn(4) {
	case 0:
		return s[:1+r.Intn(len(s))] + "%"
	case 1:
		return "%" + s[len(s)-1:]
	case 2:
		return "_" + s[1:min(len(s), 3)] + "%"
	}
	i := r.Intn(len(s))
	return "%" + s[i:min(len(s), i+2)] + "%"
}

// dtColumnSet is a random non-empty subset of t's columns, in table order.
// On a partitioned table the set always holds the partition key, which LF
// refuses to filter out.
func dtColumnSet(r *rand.Rand, t *dtTable) []string {
	var out []string
	for len(out) == 0 {
		for i, c := range t.cols {
			if r.Intn(2) == 0 || t.partitioned && i == len(t.cols)-1 {
				out = append(out, c.name)
			}
		}
	}
	return out
}

// dtExclusion is a random set of columns to exclude from a wildcard. It
// never holds the last column, so one column stays, and on a partitioned
// table that is the partition key, which LF refuses to exclude.
func dtExclusion(r *rand.Rand, t *dtTable) []string {
	var out []string
	for _, c := range t.cols[:len(t.cols)-1] {
		if r.Intn(2) == 0 {
			out = append(out, c.name)
		}
	}
	return out
}

func dtMinus(t *dtTable, excl []string) []string {
	var out []string
	for _, c := range t.cols {
		if !contains(excl, c.name) {
			out = append(out, c.name)
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// dtBind parses and binds a filter text with the rowfilter package, the
// same reference the doctrine names; a text it refuses is a generator bug.
func dtBind(t *dtTable, text string) (rowfilter.Expr, error) {
	e, err := rowfilter.Parse(text)
	if err != nil {
		return nil, err
	}
	return rowfilter.Bind(e, rowfilter.SchemaOf(t.schemaTypes()))
}

// dtGenPolicy generates one principal's policy on t: several grants, so
// that §6.3's union is exercised, and sometimes none or DESCRIBE only.
func dtGenPolicy(r *rand.Rand, t *dtTable) (*dtPolicy, error) {
	p := &dtPolicy{}
	switch r.Intn(16) {
	case 0:
		return p, nil
	case 1:
		p.describeOnly = true
		return p, nil
	}
	// At most one plain column grant (table, include list or wildcard with
	// exclusions): LF keeps one TableWithColumns grant per principal.
	switch r.Intn(8) {
	case 0:
		p.grants = append(p.grants, dtGrant{desc: "SELECT on table", cols: dtMinus(t, nil)})
	case 1:
		cols := dtColumnSet(r, t)
		p.grants = append(p.grants, dtGrant{desc: "SELECT on columns " + strings.Join(cols, ","), cols: cols})
	case 2:
		excl := dtExclusion(r, t)
		p.grants = append(p.grants, dtGrant{desc: "SELECT on column wildcard excluding " + strings.Join(excl, ","), cols: dtMinus(t, excl)})
	}
	nf := r.Intn(4)
	if len(p.grants) == 0 {
		nf = 1 + r.Intn(3)
	}
	for i := 0; i < nf; i++ {
		g := dtGrant{}
		if r.Intn(4) != 0 {
			g.rowText = dtRowFilter(r, t, 0)
			e, err := dtBind(t, g.rowText)
			if err != nil {
				return nil, fmt.Errorf("generated filter %q: %v", g.rowText, err)
			}
			g.rows = e
		}
		if r.Intn(2) == 0 {
			g.cols = dtColumnSet(r, t)
			g.desc = "data cells filter columns " + strings.Join(g.cols, ",")
		} else {
			var excl []string
			if r.Intn(2) == 0 {
				excl = dtExclusion(r, t)
			}
			g.cols = dtMinus(t, excl)
			g.desc = "data cells filter column wildcard excluding [" + strings.Join(excl, ",") + "]"
		}
		if g.rowText == "" {
			g.desc += " all rows"
		} else {
			g.desc += " rows " + g.rowText
		}
		p.grants = append(p.grants, g)
	}
	return p, nil
}

// dtGenWorld generates a whole world from seed.
func dtGenWorld(seed int64) (*dtWorld, error) {
	r := rand.New(rand.NewSource(seed))
	w := &dtWorld{seed: seed}
	for i := 0; i < 2; i++ {
		w.tables = append(w.tables, dtGenTable(r, "t"+strconv.Itoa(i), false))
	}
	w.tables = append(w.tables, dtGenTable(r, "t2", true))
	if r.Intn(3) == 0 {
		w.tagMask = []string{"null", "default"}[r.Intn(2)]
	}
	np := 2 + r.Intn(3)
	for i := 0; i < np; i++ {
		p := &dtPrincipal{role: "p" + strconv.Itoa(i), policies: map[string]*dtPolicy{}}
		switch r.Intn(6) {
		case 0:
			p.tagValues = []string{"pub"}
		case 1:
			p.tagValues = []string{"sens"}
		case 2:
			p.tagValues = []string{"pub", "sens"}
		}
		for _, t := range w.tables {
			pol, err := dtGenPolicy(r, t)
			if err != nil {
				return nil, err
			}
			p.policies[t.name] = pol
		}
		w.principals = append(w.principals, p)
	}
	return w, nil
}

// grantsOn is p's applicable grants on t: the named ones and the LF-tag
// policy grant's columns (those whose effective tag it holds).
func (p *dtPrincipal) grantsOn(t *dtTable) []dtGrant {
	pol := p.policies[t.name]
	gs := append([]dtGrant(nil), pol.grants...)
	if len(p.tagValues) > 0 {
		var cols []string
		for _, c := range t.cols {
			if contains(p.tagValues, t.effTag(c.name)) {
				cols = append(cols, c.name)
			}
		}
		if len(cols) > 0 {
			gs = append(gs, dtGrant{desc: "LF-tag policy " + dtTag + "=" + strings.Join(p.tagValues, "|"), cols: cols})
		}
	}
	return gs
}

// describe renders the world's policies for a reproduction.
func (w *dtWorld) describe(p *dtPrincipal) string {
	var b strings.Builder
	if w.tagMask != "" {
		fmt.Fprintf(&b, "  mask on LF-tag %s=sens: %s\n", dtTag, w.tagMask)
	}
	for _, t := range w.tables {
		fmt.Fprintf(&b, "  table %s.%s (", dtDB, t.name)
		for i, c := range t.cols {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %s", c.name, c.t)
			if tag, ok := t.colTags[c.name]; ok {
				fmt.Fprintf(&b, " [%s=%s]", dtTag, tag)
			}
		}
		fmt.Fprintf(&b, ") table tag %q, %d rows\n", t.tableTag, len(t.rows))
		names := make([]string, 0, len(t.masks))
		for n := range t.masks {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(&b, "    mask on %s: %s\n", n, t.masks[n].expr)
		}
		if p == nil {
			continue
		}
		pol := p.policies[t.name]
		if pol.describeOnly {
			b.WriteString("    grant: DESCRIBE only\n")
		}
		for _, g := range p.grantsOn(t) {
			fmt.Fprintf(&b, "    grant: %s\n", g.desc)
		}
	}
	return b.String()
}

// build creates the world in l: tables loaded partly through INSERT and
// partly as Parquet files written here with small row groups and plain
// encoding for high-cardinality strings; then roles, grants, tags, masks.
func (w *dtWorld) build(l *lake) error {
	ctx := context.Background()
	if _, err := l.admin.Exec(ctx, "CREATE DATABASE "+dtDB); err != nil {
		return err
	}
	r := rand.New(rand.NewSource(w.seed ^ 0x5eed))
	for _, t := range w.tables {
		if t.partitioned {
			if err := t.buildPartitioned(l, r); err != nil {
				return err
			}
			continue
		}
		defs := make([]string, len(t.cols))
		for i, c := range t.cols {
			typ := c.t.String()
			if c.t.Kind == types.String {
				typ = "VARCHAR(40)"
			}
			defs[i] = c.name + " " + typ
		}
		if _, err := l.admin.Exec(ctx, fmt.Sprintf("CREATE TABLE %s.%s (%s)", dtDB, t.name, strings.Join(defs, ", "))); err != nil {
			return err
		}
		// Rows are split into four parts: two INSERTs, two direct files.
		n := len(t.rows)
		cuts := []int{0, n / 4, n / 2, 3 * n / 4, n}
		for part := 0; part < 2; part++ {
			rows := t.rows[cuts[part]:cuts[part+1]]
			if len(rows) == 0 {
				continue
			}
			tuples := make([]string, len(rows))
			for i, row := range rows {
				cells := make([]string, len(row))
				for j, v := range row {
					cells[j] = sqlLiteral(v)
				}
				tuples[i] = "(" + strings.Join(cells, ", ") + ")"
			}
			if _, err := l.admin.Exec(ctx, fmt.Sprintf("INSERT INTO %s.%s VALUES %s", dtDB, t.name, strings.Join(tuples, ", "))); err != nil {
				return err
			}
		}
		dir := filepath.Join(l.eng.Home(), "warehouse", dtDB+".db", t.name)
		for part := 2; part < 4; part++ {
			if err := t.writeFile(dir, t.rows[cuts[part]:cuts[part+1]], int64(2+r.Intn(8))); err != nil {
				return err
			}
		}
	}
	// LF-tags (rule 3's nearest assignment wins) and masks.
	l.createTag(dtTag, dtTagValues...)
	if w.tagMask != "" {
		if err := l.cp.CreateColumnMask(api.ColumnMaskPolicy{Name: "m_tag_sens", TagKey: dtTag, TagValue: "sens", MaskExpression: w.tagMask}); err != nil {
			return fmt.Errorf("tag mask %q: %v", w.tagMask, err)
		}
	}
	for _, t := range w.tables {
		if t.tableTag != "" {
			l.assign(dtDB, t.name, dtTag, t.tableTag)
		}
		for _, c := range t.cols {
			if v, ok := t.colTags[c.name]; ok {
				l.assign(dtDB, t.name, dtTag, v, c.name)
			}
		}
		for _, c := range t.cols {
			m := t.masks[c.name]
			if m == nil {
				continue
			}
			if err := l.cp.CreateColumnMask(api.ColumnMaskPolicy{Name: m.name, DatabaseName: dtDB, TableName: t.name, ColumnName: c.name, MaskExpression: m.expr}); err != nil {
				return fmt.Errorf("mask %s %q: %v", m.name, m.expr, err)
			}
			cm, err := mask.Compile(m.expr, c.t, t.schemaTypes())
			if err != nil {
				return fmt.Errorf("mask %s %q: %v", m.name, m.expr, err)
			}
			m.m = cm
		}
	}
	for _, p := range w.principals {
		l.role(p.role)
		if len(p.tagValues) > 0 {
			l.grant(p.role, tagPolicy("TABLE", dtTag, p.tagValues...), "SELECT")
		}
		for _, t := range w.tables {
			pol := p.policies[t.name]
			if pol.describeOnly {
				l.grant(p.role, tableRes(dtDB, t.name), "DESCRIBE")
			}
			for i, g := range pol.grants {
				if err := w.grant(l, p, t, i, g); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (w *dtWorld) grant(l *lake, p *dtPrincipal, t *dtTable, i int, g dtGrant) error {
	switch {
	case strings.HasPrefix(g.desc, "SELECT on table"):
		l.grant(p.role, tableRes(dtDB, t.name), "SELECT")
	case strings.HasPrefix(g.desc, "SELECT on columns"):
		l.grant(p.role, columnsRes(dtDB, t.name, g.cols...), "SELECT")
	case strings.HasPrefix(g.desc, "SELECT on column wildcard"):
		excl := dtExcluded(t, g.cols)
		l.grant(p.role, api.Resource{TableWithColumns: &api.TableWithColumnsResource{CatalogId: acct, DatabaseName: dtDB, Name: t.name,
			ColumnWildcard: &api.ColumnWildcard{ExcludedColumnNames: excl}}}, "SELECT")
	default:
		name := fmt.Sprintf("f_%s_%s_%d", p.role, t.name, i)
		f := api.DataCellsFilter{TableCatalogId: acct, DatabaseName: dtDB, TableName: t.name, Name: name}
		if g.rowText == "" {
			f.RowFilter = &api.RowFilter{AllRowsWildcard: &struct{}{}}
		} else {
			f.RowFilter = &api.RowFilter{FilterExpression: g.rowText}
		}
		if strings.Contains(g.desc, "wildcard") {
			f.ColumnWildcard = &api.ColumnWildcard{ExcludedColumnNames: dtExcluded(t, g.cols)}
		} else {
			f.ColumnNames = g.cols
		}
		if err := l.cp.Store().Update(func(tx *store.Tx) error { return lf.CreateDataCellsFilter(tx, acct, lf.Caller{Trusted: true}, f) }); err != nil {
			return fmt.Errorf("filter %s (%s): %v", name, g.desc, err)
		}
		l.grant(p.role, api.Resource{DataCellsFilter: &api.DataCellsFilterResource{TableCatalogId: acct, DatabaseName: dtDB, TableName: t.name, Name: name}}, "SELECT")
	}
	return nil
}

func dtExcluded(t *dtTable, cols []string) []string {
	var out []string
	for _, c := range t.cols {
		if !contains(cols, c.name) {
			out = append(out, c.name)
		}
	}
	return out
}

// writeFile writes rows as one Parquet file in the table's directory, in
// the engine's file layout but with row groups of rgRows rows, dictionary
// encoding for the low-cardinality strings and plain for the others.
func (t *dtTable) writeFile(dir string, rows [][]types.Value, rgRows int64) error {
	if len(rows) == 0 {
		return nil
	}
	pcols := make([]parquetio.Column, t.fileCols())
	for i, c := range t.cols[:t.fileCols()] {
		pcols[i] = parquetio.Column{Name: c.name, T: c.t}
	}
	sc, err := parquetio.FileSchema(pcols)
	if err != nil {
		return err
	}
	mem := memory.DefaultAllocator
	arrs := make([]arrow.Array, len(pcols))
	for j, c := range t.cols[:len(pcols)] {
		b := array.NewBuilder(mem, sc.Field(j).Type)
		for _, row := range rows {
			v := row[j]
			if v.Null {
				b.AppendNull()
				continue
			}
			switch bb := b.(type) {
			case *array.Int64Builder:
				bb.Append(v.I)
			case *array.Float64Builder:
				bb.Append(v.F)
			case *array.StringBuilder:
				bb.Append(v.S)
			case *array.BooleanBuilder:
				bb.Append(v.Bool())
			case *array.Date32Builder:
				bb.Append(arrow.Date32(v.I))
			default:
				return fmt.Errorf("column %s: builder %T", c.name, b)
			}
		}
		arrs[j] = b.NewArray()
		b.Release()
	}
	rec := array.NewRecordBatch(sc, arrs, int64(len(rows)))
	defer rec.Release()
	for _, a := range arrs {
		a.Release()
	}
	popts := []parquet.WriterProperty{parquet.WithMaxRowGroupLength(rgRows), parquet.WithStats(true), parquet.WithDictionaryDefault(false)}
	for _, c := range t.cols {
		if c.lowCard {
			popts = append(popts, parquet.WithDictionaryFor(c.name, true))
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, parquetio.NewFileName()))
	if err != nil {
		return err
	}
	fw, err := pqarrow.NewFileWriter(sc, f, parquet.NewWriterProperties(popts...), pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return err
	}
	if err := fw.Write(rec); err != nil {
		fw.Close()
		return err
	}
	return fw.Close()
}

// maskFor is the mask that reaches column c of t, compiled: the column's
// own, else the LF-tag mask when the column's effective tag is sens.
func (w *dtWorld) maskFor(t *dtTable, c dtCol) (*dtMask, error) {
	if m := t.masks[c.name]; m != nil {
		return m, nil
	}
	if w.tagMask == "" || t.effTag(c.name) != "sens" {
		return nil, nil
	}
	cm, err := mask.Compile(w.tagMask, c.t, t.schemaTypes())
	if err != nil {
		return nil, err
	}
	return &dtMask{name: "m_tag_sens", expr: w.tagMask, m: cm}, nil
}

// buildPartitioned writes t as a Hive-partitioned directory under the
// (registered) warehouse, two files per partition, and creates it as an
// external table whose schema the engine infers: the file columns, then p.
func (t *dtTable) buildPartitioned(l *lake, r *rand.Rand) error {
	dir := filepath.Join(l.eng.Home(), "warehouse", dtDB+".db", t.name)
	parts := map[string][][]types.Value{}
	for _, row := range t.rows {
		v := row[len(row)-1].S
		parts[v] = append(parts[v], row)
	}
	for v, rows := range parts {
		half := len(rows) / 2
		for _, chunk := range [][][]types.Value{rows[:half], rows[half:]} {
			if err := t.writeFile(filepath.Join(dir, "p="+v), chunk, int64(2+r.Intn(8))); err != nil {
				return err
			}
		}
	}
	_, err := l.admin.Exec(context.Background(), fmt.Sprintf("CREATE EXTERNAL TABLE %s.%s STORED AS PARQUET LOCATION 'file://%s'", dtDB, t.name, filepath.ToSlash(dir)))
	return err
}

package planner

import (
	"errors"
	"fmt"
	"strings"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/mask"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// boundTable is a table as the caller may see it: only authorized columns.
type boundTable struct {
	db, name string
	table    *api.Table
	cols     []plan.ScanColumn // authorized columns in table order, partition keys last
	isView   bool
	// keyTypes are the types of all partition keys (authorized or not),
	// used to parse partition values.
	partKeys []api.Column
	// viewAuth, for a view stored with columns, is the set of its
	// authorized columns (lower case); nil means all.
	viewAuth map[string]bool
	// secure is the table's row, cell and mask policy; nil when none.
	secure *securePlan
}

// maxViewDepth bounds view expansion (a view over a view over ...).
const maxViewDepth = 16

// lookupTable asks the control plane for a table's metadata on behalf of
// the caller, once per statement and table.
func (b *builder) lookupTable(db, name string, perms []string) *boundTable {
	key := db + "." + name + "|" + strings.Join(perms, ",")
	if bt, ok := b.tables[key]; ok {
		return bt
	}
	in := &api.GetUnfilteredTableMetadataInput{
		CatalogId:                b.catalogID(),
		DatabaseName:             db,
		Name:                     name,
		SupportedPermissionTypes: b.p.SupportedPermissionTypes,
		Permissions:              perms,
		QuerySessionContext: &api.QuerySessionContext{
			QueryId:              b.p.QueryID,
			QueryAuthorizationId: b.p.QueryAuthorizationID,
		},
	}
	out, err := b.p.Client.GetUnfilteredTableMetadata(b.ctx, in)
	if err != nil {
		switch lferr.CodeOf(err) {
		case lferr.EntityNotFound:
			fail(lferr.Wrap(lferr.UnknownTable, err, "table %s.%s does not exist", db, name))
		case "":
			fail(lferr.Wrap(lferr.InternalService, err, "authorizing table %s.%s: %v", db, name, err))
		}
		fail(err)
	}
	if out == nil || out.Table == nil {
		failf(lferr.InternalService, "GetUnfilteredTableMetadata returned no table for %s.%s", db, name)
	}
	if b.p.QueryAuthorizationID == "" && out.QueryAuthorizationId != "" {
		b.p.QueryAuthorizationID = out.QueryAuthorizationId
	}
	bt := bindMetadata(db, name, out, b.p.Principal)
	b.tables[key] = bt
	return bt
}

// bindMetadata derives the caller's view of a table from the integration
// response, failing closed on anything the planner cannot enforce yet.
func bindMetadata(db, name string, out *api.GetUnfilteredTableMetadataOutput, principal mask.Principal) *boundTable {
	t := out.Table
	full := db + "." + name
	bt := &boundTable{db: db, name: name, table: t, isView: strings.EqualFold(t.TableType, api.VirtualView), partKeys: t.PartitionKeys}
	if bt.isView && (t.StorageDescriptor == nil || len(t.StorageDescriptor.Columns) == 0) {
		// A view stored without columns cannot be authorized column by
		// column; the tables it reads are authorized with the caller's
		// rights when it is expanded, so it cannot reveal more than they do.
		return bt
	}
	if len(out.AuthorizedColumns) == 0 {
		failf(lferr.AccessDenied, "insufficient Lake Formation permission(s) on %s: no authorized columns", full)
	}
	auth := map[string]bool{}
	for _, c := range out.AuthorizedColumns {
		auth[strings.ToLower(c)] = true
	}
	if bt.isView && hasPolicy(out) {
		failf(lferr.Unsupported, "view %s is under a row, cell or mask policy, which this engine cannot enforce on a view; the query fails", full)
	}
	if bt.isView {
		if err := checkCellCoverage(full, out.AuthorizedColumns, out.CellFilters); err != nil {
			fail(err)
		}
	}
	if bt.isView {
		// the view's authorized columns restrict what it shows (rule 8)
		bt.viewAuth = auth
		return bt
	}
	add := func(c api.Column, pk bool) {
		if !auth[strings.ToLower(c.Name)] {
			return // rule 8: an unauthorized column does not exist
		}
		ty, err := types.ParseGlue(c.Type)
		if err != nil {
			fail(lferr.Wrap(lferr.InvalidInput, err, "table %s column %s: %v", full, c.Name, err))
		}
		bt.cols = append(bt.cols, plan.ScanColumn{Name: c.Name, T: ty, PartitionKey: pk})
	}
	if t.StorageDescriptor != nil {
		for _, c := range t.StorageDescriptor.Columns {
			add(c, false)
		}
	}
	for _, c := range t.PartitionKeys {
		add(c, true)
	}
	if len(bt.cols) == 0 {
		failf(lferr.AccessDenied, "insufficient Lake Formation permission(s) on %s: no authorized columns", full)
	}
	// Rows, cells and masks: the secure scan (secure.go, rules 6–10).
	sp, err := planSecure(full, t, bt.cols, out, principal)
	if err != nil {
		fail(err)
	}
	bt.secure = sp
	return bt
}

func isTrueFilter(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "TRUE") }

// relation is one FROM item while an inner-join block is assembled.
type relation struct {
	node plan.Node
	cols []colInfo
	rows float64
	bt   *boundTable
	// qual names the relation in this FROM clause (alias or table);
	// empty for joins, which are checked when built.
	qual, db string
}

// fromItem is a planned table expression: its node and visible columns.
type fromItem struct {
	node plan.Node
	cols []colInfo
}

// block collects an inner-join block: leaf relations and the ON
// conditions between them (bound later, over all leaves).
type block struct {
	rels  []relation
	conds []blockCond
}

type blockCond struct {
	ast   sqlparser.Expr
	bound plan.Expr
}

// flatten adds te's inner-join leaves to bl. parent is the scope outside
// the current query (for derived tables), lvl the current level.
func (b *builder) flatten(bl *block, te sqlparser.TableExpr, parent *scope, lvl *level) {
	switch t := te.(type) {
	case *sqlparser.AliasedTableExpr:
		bl.rels = append(bl.rels, b.aliased(t, parent, lvl))
	case *sqlparser.ParenTableExpr:
		for _, x := range t.Exprs {
			b.flatten(bl, x, parent, lvl)
		}
	case *sqlparser.JoinTableExpr:
		switch t.Join {
		case sqlparser.NormalJoinType, sqlparser.StraightJoinType:
			start := len(bl.rels)
			b.flatten(bl, t.LeftExpr, parent, lvl)
			mid := len(bl.rels)
			b.flatten(bl, t.RightExpr, parent, lvl)
			if t.Condition != nil {
				if t.Condition.On != nil {
					bl.conds = append(bl.conds, blockCond{ast: t.Condition.On})
				}
				if len(t.Condition.Using) > 0 {
					b.using(bl, start, mid, len(bl.rels), t.Condition.Using)
				}
			}
		case sqlparser.NaturalJoinType:
			start := len(bl.rels)
			b.flatten(bl, t.LeftExpr, parent, lvl)
			mid := len(bl.rels)
			b.flatten(bl, t.RightExpr, parent, lvl)
			b.using(bl, start, mid, len(bl.rels), naturalColumns(bl, start, mid, len(bl.rels)))
		case sqlparser.LeftJoinType, sqlparser.RightJoinType, sqlparser.NaturalLeftJoinType, sqlparser.NaturalRightJoinType:
			bl.rels = append(bl.rels, b.outerJoin(t, parent, lvl))
		default:
			failf(lferr.Unsupported, "join type %s is not supported", t.Join.ToString())
		}
	default:
		failf(lferr.Unsupported, "table expression not supported: %s", sqlparser.String(te))
	}
}

// colsOf concatenates the visible columns of rels[i:j].
func colsOf(rels []relation, i, j int) []colInfo {
	var out []colInfo
	for _, r := range rels[i:j] {
		out = append(out, r.cols...)
	}
	return out
}

func naturalColumns(bl *block, start, mid, end int) sqlparser.Columns {
	right := map[string]bool{}
	for _, c := range colsOf(bl.rels, mid, end) {
		if !c.hidden {
			right[c.name] = true
		}
	}
	var out sqlparser.Columns
	for _, c := range colsOf(bl.rels, start, mid) {
		if !c.hidden && right[c.name] {
			out = append(out, sqlparser.NewIdentifierCI(c.name))
			delete(right, c.name)
		}
	}
	return out
}

// using adds l.c = r.c for each USING column and hides the right copy, so
// SELECT * and unqualified names see the column once.
func (b *builder) using(bl *block, start, mid, end int, cols sqlparser.Columns) {
	offset := 0
	for _, r := range bl.rels[:start] {
		offset += len(r.cols)
	}
	left := &scope{cols: colsOf(bl.rels, start, mid)}
	right := &scope{cols: colsOf(bl.rels, mid, end)}
	leftWidth := len(left.cols)
	for _, c := range cols {
		name := c.Lowered()
		li, ok1 := left.lookup("", "", name)
		ri, ok2 := right.lookup("", "", name)
		if !ok1 || !ok2 {
			failf(lferr.UnknownColumn, "unknown column '%s' in USING clause", c.String())
		}
		l := &plan.ColRef{Idx: offset + li, T: left.cols[li].t, Name: left.cols[li].display}
		r := &plan.ColRef{Idx: offset + leftWidth + ri, T: right.cols[ri].t, Name: right.cols[ri].display}
		bl.conds = append(bl.conds, blockCond{bound: compare("=", l, r)})
		// hide the right copy
		k := ri
		for x := mid; x < end; x++ {
			if k < len(bl.rels[x].cols) {
				bl.rels[x].cols = append([]colInfo(nil), bl.rels[x].cols...)
				bl.rels[x].cols[k].hidden = true
				break
			}
			k -= len(bl.rels[x].cols)
		}
	}
}

// outerJoin plans a LEFT (or RIGHT, mirrored) join as one relation.
func (b *builder) outerJoin(t *sqlparser.JoinTableExpr, parent *scope, lvl *level) relation {
	leftTE, rightTE := t.LeftExpr, t.RightExpr
	right := t.Join == sqlparser.RightJoinType || t.Join == sqlparser.NaturalRightJoinType
	if right {
		leftTE, rightTE = rightTE, leftTE
	}
	l := b.planBlock([]sqlparser.TableExpr{leftTE}, parent, lvl, nil)
	r := b.planBlock([]sqlparser.TableExpr{rightTE}, parent, lvl, nil)
	cols := append(append([]colInfo(nil), l.cols...), r.cols...)
	s := &scope{cols: cols, parent: parent, lvl: lvl}
	var conds []plan.Expr
	if t.Condition != nil && t.Condition.On != nil {
		conds = conjunctsOf(toBool(b.expr(s, t.Condition.On)))
	}
	var usingCols sqlparser.Columns
	if t.Condition != nil {
		usingCols = t.Condition.Using
	}
	if t.Join == sqlparser.NaturalLeftJoinType || t.Join == sqlparser.NaturalRightJoinType {
		bl := &block{rels: []relation{{cols: l.cols}, {cols: r.cols}}}
		usingCols = naturalColumns(bl, 0, 1, 2)
	}
	for _, c := range usingCols {
		name := c.Lowered()
		ls := &scope{cols: l.cols}
		rs := &scope{cols: r.cols}
		li, ok1 := ls.lookup("", "", name)
		ri, ok2 := rs.lookup("", "", name)
		if !ok1 || !ok2 {
			failf(lferr.UnknownColumn, "unknown column '%s' in USING clause", c.String())
		}
		conds = append(conds, compare("=",
			&plan.ColRef{Idx: li, T: l.cols[li].t, Name: l.cols[li].display},
			&plan.ColRef{Idx: len(l.cols) + ri, T: r.cols[ri].t, Name: r.cols[ri].display}))
		cols[len(l.cols)+ri].hidden = true
	}
	j := &plan.Join{Kind: plan.LeftJoin, Left: l.node, Right: r.node}
	lw := len(l.cols)
	var extra []plan.Expr
	var rightOnly []plan.Expr
	for _, c := range conds {
		if f, ok := c.(*plan.Func); ok && f.Name == "=" {
			a, b2 := sideOfCols(f.Args[0], lw), sideOfCols(f.Args[1], lw)
			if a == 0 && b2 == 1 {
				j.LeftKeys = append(j.LeftKeys, f.Args[0])
				j.RightKeys = append(j.RightKeys, shift(f.Args[1], -lw))
				continue
			}
			if a == 1 && b2 == 0 {
				j.LeftKeys = append(j.LeftKeys, f.Args[1])
				j.RightKeys = append(j.RightKeys, shift(f.Args[0], -lw))
				continue
			}
		}
		if sideOfCols(c, lw) == 1 {
			// an ON predicate on the right side alone filters the right
			// input before the join: same result, fewer rows to match
			rightOnly = append(rightOnly, shift(c, -lw))
			continue
		}
		extra = append(extra, c)
	}
	if len(rightOnly) > 0 {
		j.Right = &plan.Filter{Input: j.Right, Pred: andAll(rightOnly)}
	}
	j.Extra = andAll(extra)
	var node plan.Node = j
	if right {
		// restore the written column order: right input first
		sch := j.Schema()
		rw := len(r.cols)
		exprs := make([]plan.Expr, 0, len(sch))
		out := make([]plan.Column, 0, len(sch))
		ordered := make([]colInfo, 0, len(cols))
		for i := 0; i < rw; i++ {
			exprs = append(exprs, &plan.ColRef{Idx: lw + i, T: sch[lw+i].T, Name: sch[lw+i].Name})
			out = append(out, sch[lw+i])
			ordered = append(ordered, cols[lw+i])
		}
		for i := 0; i < lw; i++ {
			exprs = append(exprs, &plan.ColRef{Idx: i, T: sch[i].T, Name: sch[i].Name})
			out = append(out, sch[i])
			ordered = append(ordered, cols[i])
		}
		node = &plan.Project{Input: j, Exprs: exprs, Cols: out}
		cols = ordered
	}
	return relation{node: node, cols: cols, rows: l.rows}
}

// sideOfCols: 0 when e reads only columns < lw, 1 only >= lw, -1 mixed or
// none or a subquery (never moved).
func sideOfCols(e plan.Expr, lw int) int {
	side := -2
	bad := false
	plan.Walk(e, func(x plan.Expr) bool {
		switch x := x.(type) {
		case *plan.ColRef:
			s := 0
			if x.Idx >= lw {
				s = 1
			}
			if side != -2 && side != s {
				bad = true
			}
			side = s
		case *plan.Subquery:
			bad = true
		}
		return true
	})
	if bad || side == -2 {
		return -1
	}
	return side
}

// aliased plans a table, view or derived table reference.
func (b *builder) aliased(t *sqlparser.AliasedTableExpr, parent *scope, lvl *level) relation {
	alias := strings.ToLower(t.As.String())
	switch x := t.Expr.(type) {
	case sqlparser.TableName:
		db, name := b.tableName(x)
		qual := name
		if alias != "" {
			qual = alias
		}
		bt := b.lookupTable(db, name, []string{"SELECT"})
		if bt.isView {
			r := b.view(bt, qual, parent, lvl)
			r.qual = qual
			return r
		}
		return b.scanRelation(bt, qual, alias != "")
	case *sqlparser.DerivedTable:
		if alias == "" {
			failf(lferr.InvalidInput, "every derived table must have an alias")
		}
		// A derived table runs in the context of the query holding it, so
		// its outer scope is that query's outer scope.
		node := b.planQuery(x.Select, parent, lvl)
		r := derivedRelation(node, alias, t.Columns)
		r.qual = alias
		return r
	}
	failf(lferr.Unsupported, "table expression not supported: %s", sqlparser.String(t))
	return relation{}
}

func derivedRelation(node plan.Node, alias string, names sqlparser.Columns) relation {
	sch := node.Schema()
	if len(names) > 0 && len(names) != len(sch) {
		failf(lferr.InvalidInput, "derived table %s has %d columns but %d names", alias, len(sch), len(names))
	}
	cols := make([]colInfo, len(sch))
	for i, c := range sch {
		name := c.Name
		if len(names) > 0 {
			name = names[i].String()
		}
		cols[i] = colInfo{table: alias, name: strings.ToLower(name), display: name, t: c.T}
	}
	// relabel the output so EXPLAIN and result columns carry the alias
	exprs := make([]plan.Expr, len(sch))
	out := make([]plan.Column, len(sch))
	for i, c := range sch {
		exprs[i] = &plan.ColRef{Idx: i, T: c.T, Name: c.Name}
		out[i] = plan.Column{Name: cols[i].display, Table: alias, T: c.T}
	}
	return relation{node: &plan.Project{Input: node, Exprs: exprs, Cols: out}, cols: cols}
}

func (b *builder) scanRelation(bt *boundTable, qual string, aliased bool) relation {
	loc := ""
	if bt.table.StorageDescriptor != nil {
		loc = bt.table.StorageDescriptor.Location
	}
	sc := &plan.Scan{
		Database:    bt.db,
		Table:       bt.name,
		Location:    loc,
		Columns:     append([]plan.ScanColumn(nil), bt.cols...),
		Partitioned: len(bt.table.PartitionKeys) > 0,
	}
	if bt.secure != nil {
		bt.secure.scan(sc)
	}
	cols := make([]colInfo, len(bt.cols))
	for i, c := range bt.cols {
		cols[i] = colInfo{table: qual, name: strings.ToLower(c.Name), display: c.Name, t: c.T}
		if !aliased {
			cols[i].db = bt.db
		}
	}
	rel := relation{node: sc, cols: cols, rows: tableRows(bt.table), bt: bt, qual: qual}
	if !aliased {
		rel.db = bt.db
	}
	return rel
}

// tableRows reads a row estimate from the table parameters, if any.
func tableRows(t *api.Table) float64 {
	for _, k := range []string{"numRows", "numrows", "recordCount"} {
		if v, ok := t.Parameters[k]; ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err == nil && f > 0 {
				return f
			}
		}
	}
	return 0
}

func (b *builder) view(bt *boundTable, qual string, parent *scope, lvl *level) relation {
	if b.views >= maxViewDepth {
		failf(lferr.InvalidInput, "view %s.%s nests more than %d views deep (recursive view?)", bt.db, bt.name, maxViewDepth)
	}
	text := bt.table.ViewOriginalText
	if text == "" {
		text = bt.table.ViewExpandedText
	}
	ast := parse(rewriteAggAll(text))
	ts, ok := ast.(sqlparser.TableStatement)
	if !ok {
		failf(lferr.InvalidInput, "view %s.%s does not hold a SELECT", bt.db, bt.name)
	}
	saved := b.db
	b.db = bt.db
	b.views++
	defer func() { b.db = saved; b.views-- }()
	// A view is planned on its own: it cannot see the outer query's names.
	node := b.planQuery(ts, nil, &level{})
	if bt.viewAuth != nil {
		sch := node.Schema()
		var exprs []plan.Expr
		var cols []plan.Column
		for i, c := range sch {
			if bt.viewAuth[strings.ToLower(c.Name)] {
				exprs = append(exprs, &plan.ColRef{Idx: i, T: c.T, Name: c.Name})
				cols = append(cols, c)
			}
		}
		if len(cols) == 0 {
			failf(lferr.AccessDenied, "insufficient Lake Formation permission(s) on %s.%s: no authorized columns", bt.db, bt.name)
		}
		node = &plan.Project{Input: node, Exprs: exprs, Cols: cols}
	}
	return derivedRelation(node, qual, nil)
}

// resolvePartitions lists the partitions of every partitioned scan in the
// plan (subquery plans included). It runs after the rewrite rules, so the
// predicates that reached a scan as PruneFilters, from the query itself or
// through views and derived tables, narrow the listing.
func (b *builder) resolvePartitions(n plan.Node) {
	walkPlan(n, func(x plan.Node) {
		sc, ok := x.(*plan.Scan)
		if !ok || !sc.Partitioned || sc.Partitions != nil {
			return
		}
		bt := b.boundFor(sc.Database, sc.Table)
		if bt == nil {
			fail(lferr.AssertionFailedf("partitioned scan of %s.%s without metadata", sc.Database, sc.Table))
		}
		b.listPartitions(sc, bt, sc.PruneFilters)
	})
}

// boundFor finds the metadata bound for a table in this statement.
func (b *builder) boundFor(db, name string) *boundTable {
	for _, bt := range b.tables {
		if bt.db == db && bt.name == name {
			return bt
		}
	}
	return nil
}

// walkPlan calls fn for every node of n, including subquery plans.
func walkPlan(n plan.Node, fn func(plan.Node)) {
	fn(n)
	visit := func(e plan.Expr) {
		plan.Walk(e, func(x plan.Expr) bool {
			if s, ok := x.(*plan.Subquery); ok {
				walkPlan(s.Plan, fn)
			}
			return true
		})
	}
	switch n := n.(type) {
	case *plan.Filter:
		visit(n.Pred)
	case *plan.Project:
		for _, e := range n.Exprs {
			visit(e)
		}
	case *plan.Join:
		visit(n.Extra)
	case *plan.Sort:
		for _, k := range n.Keys {
			visit(k.Expr)
		}
	case *plan.Values:
		for _, r := range n.Rows {
			for _, e := range r {
				visit(e)
			}
		}
	}
	for _, c := range n.Children() {
		walkPlan(c, fn)
	}
}

// listPartitions resolves the partitions of a partitioned scan, asking the
// control plane with an expression built from the scan's predicates on
// partition keys. An empty listing is recorded as an empty, non-nil
// slice: the scan then reads nothing.
func (b *builder) listPartitions(sc *plan.Scan, bt *boundTable, preds []plan.Expr) {
	expr := partitionExpression(sc, preds)
	sc.Partitions = []plan.PartitionRef{}
	token := ""
	for {
		out, err := b.p.Client.GetUnfilteredPartitionsMetadata(b.ctx, &api.GetUnfilteredPartitionsMetadataInput{
			CatalogId:                b.catalogID(),
			DatabaseName:             sc.Database,
			TableName:                sc.Table,
			Expression:               expr,
			SupportedPermissionTypes: b.p.SupportedPermissionTypes,
			NextToken:                token,
			QuerySessionContext: &api.QuerySessionContext{
				QueryId:              b.p.QueryID,
				QueryAuthorizationId: b.p.QueryAuthorizationID,
			},
		})
		if err != nil {
			if lferr.CodeOf(err) == "" {
				fail(lferr.Wrap(lferr.InternalService, err, "listing partitions of %s.%s: %v", sc.Database, sc.Table, err))
			}
			fail(err)
		}
		for _, up := range out.UnfilteredPartitions {
			if up.Partition == nil {
				continue
			}
			sc.Partitions = append(sc.Partitions, b.partitionRef(bt, up.Partition))
		}
		if out.NextToken == "" || out.NextToken == token {
			break
		}
		token = out.NextToken
	}
}

func (b *builder) partitionRef(bt *boundTable, p *api.Partition) plan.PartitionRef {
	ref := plan.PartitionRef{}
	if p.StorageDescriptor != nil {
		ref.Location = p.StorageDescriptor.Location
	}
	if len(p.Values) != len(bt.partKeys) {
		failf(lferr.InvalidInput, "partition of %s.%s has %d values for %d keys", bt.db, bt.name, len(p.Values), len(bt.partKeys))
	}
	for i, k := range bt.partKeys {
		t, err := types.ParseGlue(k.Type)
		if err != nil {
			fail(lferr.Wrap(lferr.InvalidInput, err, "partition key %s of %s.%s: %v", k.Name, bt.db, bt.name, err))
		}
		v, err := parsePartitionValue(p.Values[i], t)
		if err != nil {
			fail(lferr.Wrap(lferr.InvalidInput, err, "partition value %q of %s.%s key %s: %v", p.Values[i], bt.db, bt.name, k.Name, err))
		}
		ref.Values = append(ref.Values, v)
	}
	return ref
}

// hiveDefaultPartition is Hive's spelling of a NULL partition value.
const hiveDefaultPartition = "__HIVE_DEFAULT_PARTITION__"

func parsePartitionValue(s string, t types.T) (types.Value, error) {
	if s == hiveDefaultPartition {
		return types.Value{Kind: t.Kind, Null: true}, nil
	}
	switch t.Kind {
	case types.String:
		return types.NewString(s), nil
	case types.Int64:
		var i int64
		if _, err := fmt.Sscan(s, &i); err != nil {
			return types.Value{}, err
		}
		return types.NewInt(i), nil
	case types.Float64, types.Decimal:
		var f float64
		if _, err := fmt.Sscan(s, &f); err != nil {
			return types.Value{}, err
		}
		return types.Value{Kind: t.Kind, F: f}, nil
	case types.Bool:
		switch strings.ToLower(s) {
		case "true", "1":
			return types.NewBool(true), nil
		case "false", "0":
			return types.NewBool(false), nil
		}
	case types.Date:
		if d, ok := parseDate(s); ok {
			return types.NewDate(d), nil
		}
	case types.Timestamp:
		if ts, ok := parseTimestamp(s); ok {
			return types.NewTimestamp(ts), nil
		}
	}
	return types.Value{}, errors.New("not a valid " + t.String())
}

// partitionExpression renders the predicates that compare a partition key
// with a constant in the Glue partition-expression subset (k op literal,
// AND). Anything else is left out: the expression only narrows the
// listing, and the Filter above the scan still applies every predicate.
func partitionExpression(sc *plan.Scan, preds []plan.Expr) string {
	var parts []string
	for _, p := range preds {
		if s, ok := partitionPredicate(sc, p); ok {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " AND ")
}

func partitionPredicate(sc *plan.Scan, e plan.Expr) (string, bool) {
	keyName := func(x plan.Expr) (string, types.T, bool) {
		c, ok := x.(*plan.ColRef)
		if !ok || c.Idx >= len(sc.Columns) || !sc.Columns[c.Idx].PartitionKey {
			return "", types.T{}, false
		}
		return sc.Columns[c.Idx].Name, sc.Columns[c.Idx].T, true
	}
	lit := func(x plan.Expr, t types.T) (string, bool) {
		c, ok := x.(*plan.Const)
		if !ok || c.V.Null || c.T != t {
			return "", false
		}
		switch t.Kind {
		case types.String, types.Date, types.Timestamp:
			return "'" + strings.ReplaceAll(c.V.String(), "'", "''") + "'", true
		case types.Int64:
			return c.V.String(), true
		}
		return "", false
	}
	switch f := e.(type) {
	case *plan.Func:
		switch f.Name {
		case "=", "<", "<=", ">", ">=", "<>":
			if len(f.Args) != 2 {
				return "", false
			}
			k, t, ok := keyName(f.Args[0])
			if !ok {
				return "", false
			}
			v, ok := lit(f.Args[1], t)
			if !ok {
				return "", false
			}
			return k + " " + f.Name + " " + v, true
		case "between":
			k, t, ok := keyName(f.Args[0])
			if !ok {
				return "", false
			}
			lo, ok1 := lit(f.Args[1], t)
			hi, ok2 := lit(f.Args[2], t)
			if !ok1 || !ok2 {
				return "", false
			}
			return k + " BETWEEN " + lo + " AND " + hi, true
		}
	case *plan.InList:
		if f.Not {
			return "", false
		}
		k, t, ok := keyName(f.Arg)
		if !ok {
			return "", false
		}
		vals := make([]string, len(f.List))
		for i, x := range f.List {
			v, ok := lit(x, t)
			if !ok {
				return "", false
			}
			vals[i] = v
		}
		return k + " IN (" + strings.Join(vals, ", ") + ")", true
	}
	return "", false
}

package plan

import (
	"fmt"
	"strings"

	"github.com/sluicedb/sluice/planner/types"
)

// Column describes one output column of a node.
type Column struct {
	Name  string // output name (alias or column name)
	Table string // qualifier the column can be referenced by, if any
	T     types.T
}

// Node is a physical plan operator.
type Node interface {
	Schema() []Column
	Children() []Node
	node()
}

// Scan reads a table stored as Parquet files under Location (or under each
// partition's location), producing Columns in order.
type Scan struct {
	Database, Table string
	Location        string         // table location URI (file:///..., mem://..., s3://...)
	Columns         []ScanColumn   // output columns, in order
	Partitioned     bool           // true: read exactly Partitions; false: all files under Location
	Partitions      []PartitionRef // the partitions that survived partition pruning
	// PruneFilters are conjuncts over Columns (ColRef indexes into Columns)
	// that the scan may use to skip row groups or partitions by statistics.
	// They never remove rows by themselves: the same predicates are applied
	// by a Filter above the scan. Rule 9: statistics may skip data, never
	// produce values.
	PruneFilters []Expr
	// Secure is set when the table is read under a policy; exec applies it
	// inside the scan (rule 7). nil means the caller's access is unrestricted.
	Secure *SecureScan
}

// ScanColumn is a column read from the files, or a partition key taken from
// the partition's values.
type ScanColumn struct {
	Name         string
	T            types.T
	PartitionKey bool
}

// PartitionRef is one partition: its location and its key values, in the
// order of the table's partition keys.
type PartitionRef struct {
	Location string
	Values   []types.Value
}

// SecureScan is the policy compiled into a scan (VISION rule 7): the row
// filter on original values, then per-column cell guards (the cell is NULL
// where its guard is not true), then masks. Expressions index the scan's
// full column list Columns (the authorized columns plus any hidden columns
// that policies read); OutputCols selects what leaves the scan.
type SecureScan struct {
	RowFilter  Expr     // nil: all rows
	CellGuards []Expr   // per scan column; nil entry: unrestricted
	Masks      []Expr   // per scan column; nil entry: no mask. ColRef of the column itself is `value`
	OutputCols []int    // scan columns visible to the user, in output order
	Policies   []string // names of the filters and masks applied, for EXPLAIN (rule 10)
}

// Values produces literal rows (INSERT ... VALUES, SELECT without FROM).
type Values struct {
	Cols []Column
	Rows [][]Expr // each row has len(Cols) expressions with no column references
}

// Filter keeps rows where Pred is true (not false, not NULL).
type Filter struct {
	Input Node
	Pred  Expr
}

// Project computes Exprs over each input row.
type Project struct {
	Input Node
	Exprs []Expr
	Cols  []Column // names/types of the outputs; Cols[i].T == Exprs[i].Type()
}

// AggCall is one aggregate: Func is "count_star", "count", "sum", "avg",
// "min", "max" or "group_concat"; Arg is nil for count_star.
type AggCall struct {
	Func     string
	Arg      Expr
	Distinct bool
	T        types.T
}

func (a AggCall) String() string {
	if a.Func == "count_star" {
		return "count(*)"
	}
	d := ""
	if a.Distinct {
		d = "DISTINCT "
	}
	return a.Func + "(" + d + a.Arg.String() + ")"
}

// Aggregate groups by GroupBy and computes Aggs. Output columns: the group
// keys in order, then the aggregates in order. With no GroupBy it produces
// exactly one row, even over empty input.
type Aggregate struct {
	Input   Node
	GroupBy []Expr
	Aggs    []AggCall
	Cols    []Column
}

// JoinKind enumerates join semantics.
type JoinKind uint8

const (
	InnerJoin JoinKind = iota
	LeftJoin           // unmatched left rows padded with NULLs
	SemiJoin           // left rows with a match; output = left columns only
	AntiJoin           // left rows without a match; output = left columns only
)

var joinNames = [...]string{"inner", "left", "semi", "anti"}

func (k JoinKind) String() string { return joinNames[k] }

// Join joins Left and Right. LeftKeys[i] = RightKeys[i] are equality keys
// (evaluated on each side alone; NULL never matches); with no keys it is a
// nested-loop / cross join. Extra, if set, is an additional predicate over
// the concatenated row (left columns then right columns).
type Join struct {
	Kind                JoinKind
	Left, Right         Node
	LeftKeys, RightKeys []Expr
	Extra               Expr
}

// SortKey orders by Expr. MySQL order: NULLs first ascending, last descending.
type SortKey struct {
	Expr Expr
	Desc bool
}

// Sort orders its input.
type Sort struct {
	Input Node
	Keys  []SortKey
}

// Limit skips Offset rows then passes at most Count rows (Count < 0: no
// limit). Limit directly over Sort is executed as a top-N.
type Limit struct {
	Input         Node
	Offset, Count int64
}

// Distinct removes duplicate rows (NULLs compare equal).
type Distinct struct {
	Input Node
}

// Union concatenates inputs with compatible schemas (the planner casts them
// to the first input's types); with All false duplicates are removed.
type Union struct {
	Inputs []Node
	All    bool
}

func (*Scan) node()      {}
func (*Values) node()    {}
func (*Filter) node()    {}
func (*Project) node()   {}
func (*Aggregate) node() {}
func (*Join) node()      {}
func (*Sort) node()      {}
func (*Limit) node()     {}
func (*Distinct) node()  {}
func (*Union) node()     {}

func (n *Scan) Schema() []Column {
	if n.Secure != nil {
		out := make([]Column, len(n.Secure.OutputCols))
		for i, c := range n.Secure.OutputCols {
			out[i] = Column{Name: n.Columns[c].Name, Table: n.Table, T: n.Columns[c].T}
		}
		return out
	}
	out := make([]Column, len(n.Columns))
	for i, c := range n.Columns {
		out[i] = Column{Name: c.Name, Table: n.Table, T: c.T}
	}
	return out
}
func (n *Values) Schema() []Column    { return n.Cols }
func (n *Filter) Schema() []Column    { return n.Input.Schema() }
func (n *Project) Schema() []Column   { return n.Cols }
func (n *Aggregate) Schema() []Column { return n.Cols }
func (n *Join) Schema() []Column {
	l := n.Left.Schema()
	if n.Kind == SemiJoin || n.Kind == AntiJoin {
		return l
	}
	return append(append([]Column(nil), l...), n.Right.Schema()...)
}
func (n *Sort) Schema() []Column     { return n.Input.Schema() }
func (n *Limit) Schema() []Column    { return n.Input.Schema() }
func (n *Distinct) Schema() []Column { return n.Input.Schema() }
func (n *Union) Schema() []Column    { return n.Inputs[0].Schema() }

func (n *Scan) Children() []Node      { return nil }
func (n *Values) Children() []Node    { return nil }
func (n *Filter) Children() []Node    { return []Node{n.Input} }
func (n *Project) Children() []Node   { return []Node{n.Input} }
func (n *Aggregate) Children() []Node { return []Node{n.Input} }
func (n *Join) Children() []Node      { return []Node{n.Left, n.Right} }
func (n *Sort) Children() []Node      { return []Node{n.Input} }
func (n *Limit) Children() []Node     { return []Node{n.Input} }
func (n *Distinct) Children() []Node  { return []Node{n.Input} }
func (n *Union) Children() []Node     { return n.Inputs }

// ExplainOptions controls EXPLAIN output.
type ExplainOptions struct {
	// ShowPolicyExpressions prints row filters, cell guards and masks in
	// full; only data lake administrators get this (rule 10).
	ShowPolicyExpressions bool
}

// Explain renders the plan as an indented tree, one operator per line.
func Explain(n Node, opts ExplainOptions) string {
	var b strings.Builder
	explain(&b, n, 0, opts)
	return b.String()
}

func exprList(es []Expr) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.String()
	}
	return strings.Join(s, ", ")
}

func explain(b *strings.Builder, n Node, depth int, opts ExplainOptions) {
	ind := strings.Repeat("  ", depth)
	switch n := n.(type) {
	case *Scan:
		cols := make([]string, 0, len(n.Columns))
		for _, c := range n.Schema() {
			cols = append(cols, c.Name)
		}
		name := n.Table
		if n.Database != "" {
			name = n.Database + "." + n.Table
		}
		if n.Secure != nil {
			fmt.Fprintf(b, "%sSecureScan %s [%s]", ind, name, strings.Join(cols, ", "))
			if len(n.Secure.Policies) > 0 {
				fmt.Fprintf(b, " policies: %s", strings.Join(n.Secure.Policies, ", "))
			}
			b.WriteString("\n")
			if opts.ShowPolicyExpressions {
				if n.Secure.RowFilter != nil {
					fmt.Fprintf(b, "%s  row filter: %s\n", ind, n.Secure.RowFilter)
				}
				for i, g := range n.Secure.CellGuards {
					if g != nil {
						fmt.Fprintf(b, "%s  cell guard %s: %s\n", ind, n.Columns[i].Name, g)
					}
				}
				for i, m := range n.Secure.Masks {
					if m != nil {
						fmt.Fprintf(b, "%s  mask %s: %s\n", ind, n.Columns[i].Name, m)
					}
				}
			}
		} else {
			fmt.Fprintf(b, "%sScan %s [%s]\n", ind, name, strings.Join(cols, ", "))
		}
		if n.Partitioned {
			fmt.Fprintf(b, "%s  partitions: %d\n", ind, len(n.Partitions))
		}
		// A secure scan's prune filters come from its row filter (user
		// predicates never reach it), so they are policy text (rule 10).
		if len(n.PruneFilters) > 0 && (n.Secure == nil || opts.ShowPolicyExpressions) {
			fmt.Fprintf(b, "%s  prune by statistics: %s\n", ind, exprList(n.PruneFilters))
		}
		return
	case *Values:
		fmt.Fprintf(b, "%sValues rows=%d\n", ind, len(n.Rows))
	case *Filter:
		fmt.Fprintf(b, "%sFilter %s\n", ind, n.Pred)
	case *Project:
		fmt.Fprintf(b, "%sProject %s\n", ind, exprList(n.Exprs))
	case *Aggregate:
		aggs := make([]string, len(n.Aggs))
		for i, a := range n.Aggs {
			aggs[i] = a.String()
		}
		fmt.Fprintf(b, "%sHashAggregate group=[%s] aggs=[%s]\n", ind, exprList(n.GroupBy), strings.Join(aggs, ", "))
	case *Join:
		kind := "HashJoin"
		if len(n.LeftKeys) == 0 {
			kind = "NestedLoopJoin"
		}
		fmt.Fprintf(b, "%s%s %s", ind, kind, n.Kind)
		if len(n.LeftKeys) > 0 {
			fmt.Fprintf(b, " on [%s] = [%s]", exprList(n.LeftKeys), exprList(n.RightKeys))
		}
		if n.Extra != nil {
			fmt.Fprintf(b, " extra %s", n.Extra)
		}
		b.WriteString("\n")
	case *Sort:
		keys := make([]string, len(n.Keys))
		for i, k := range n.Keys {
			keys[i] = k.Expr.String()
			if k.Desc {
				keys[i] += " DESC"
			}
		}
		fmt.Fprintf(b, "%sSort %s\n", ind, strings.Join(keys, ", "))
	case *Limit:
		fmt.Fprintf(b, "%sLimit offset=%d count=%d\n", ind, n.Offset, n.Count)
	case *Distinct:
		fmt.Fprintf(b, "%sDistinct\n", ind)
	case *Union:
		if n.All {
			fmt.Fprintf(b, "%sUnionAll\n", ind)
		} else {
			fmt.Fprintf(b, "%sUnion\n", ind)
		}
	default:
		fmt.Fprintf(b, "%s%T\n", ind, n)
	}
	for _, c := range n.Children() {
		explain(b, c, depth+1, opts)
	}
}

package opt

import (
	"sort"

	"github.com/sluicedb/sluice/planner/plan"
)

// Rel is one input of an inner-join block.
type Rel struct {
	Node plan.Node
	Rows float64 // estimated rows; <= 0 means unknown
}

// UnknownRows is the row estimate for a relation without statistics.
const UnknownRows = 1000

// filterSelectivity is the assumed fraction of rows a pushed filter keeps.
const filterSelectivity = 0.1

// OrderJoins builds the join tree of an inner-join block.
//
// rels are the block's inputs in FROM order; conjuncts are the WHERE and ON
// conjuncts, indexing the concatenation of all rels' columns in that order.
// The result produces exactly that concatenation (a Project restores the
// order when the joins were reordered).
//
// Rules: a conjunct on one relation becomes a Filter directly above it
// (and a PruneFilter of a plain, non-secure Scan when Prunable); joins are
// built greedily, always adding the smallest relation connected to the
// tree by an equality conjunct (hash join on all such keys) before any
// cross product; other multi-relation conjuncts go to the lowest join where
// all their relations are present (Join.Extra). Conjuncts holding
// subqueries or reading no column stay in a Filter on top.
func OrderJoins(rels []Rel, conjuncts []plan.Expr) plan.Node {
	n := len(rels)
	offs := make([]int, n+1)
	for i, r := range rels {
		offs[i+1] = offs[i] + Width(r.Node)
	}
	relOf := func(col int) int {
		return sort.Search(n, func(i int) bool { return offs[i+1] > col })
	}
	type conj struct {
		e    plan.Expr
		rels []int // distinct relations read, ascending
		used bool
	}
	var top []plan.Expr
	var multi []*conj
	local := make([][]plan.Expr, n)
	for _, c := range conjuncts {
		u := Use(c)
		if u.HasSubquery || len(u.Cols) == 0 {
			top = append(top, c)
			continue
		}
		set := map[int]bool{}
		for _, col := range u.Cols {
			set[relOf(col)] = true
		}
		rs := make([]int, 0, len(set))
		for r := range set {
			rs = append(rs, r)
		}
		sort.Ints(rs)
		if len(rs) == 1 {
			r := rs[0]
			local[r] = append(local[r], Remap(c, func(i int) int { return i - offs[r] }))
			continue
		}
		multi = append(multi, &conj{e: c, rels: rs})
	}

	// Single-relation filters, directly above each relation.
	nodes := make([]plan.Node, n)
	rows := make([]float64, n)
	for i, r := range rels {
		nodes[i] = r.Node
		rows[i] = r.Rows
		if rows[i] <= 0 {
			rows[i] = UnknownRows
		}
		if len(local[i]) == 0 {
			continue
		}
		if sc, ok := r.Node.(*plan.Scan); ok && sc.Secure == nil {
			cp := *sc
			cp.PruneFilters = append([]plan.Expr(nil), sc.PruneFilters...)
			for _, e := range local[i] {
				if Prunable(e) {
					cp.PruneFilters = append(cp.PruneFilters, e)
				}
			}
			nodes[i] = &cp
		}
		nodes[i] = &plan.Filter{Input: nodes[i], Pred: And(local[i])}
		for range local[i] {
			rows[i] *= filterSelectivity
		}
		if rows[i] < 1 {
			rows[i] = 1
		}
	}
	if n == 1 {
		return withFilter(nodes[0], top)
	}

	// pos[col] = position of global column col in the current tree output
	pos := make([]int, offs[n])
	for i := range pos {
		pos[i] = -1
	}
	in := make([]bool, n)
	place := func(r, at int) {
		for c := offs[r]; c < offs[r+1]; c++ {
			pos[c] = at + c - offs[r]
		}
		in[r] = true
	}
	// start from the smallest relation that has an equality edge, so the
	// first join is a hash join when one exists
	isEquiEdge := func(c *conj) bool {
		f, ok := c.e.(*plan.Func)
		return ok && f.Name == "=" && len(c.rels) == 2
	}
	start := -1
	for i := 0; i < n; i++ {
		hasEdge := false
		for _, c := range multi {
			if isEquiEdge(c) && (c.rels[0] == i || c.rels[1] == i) {
				hasEdge = true
				break
			}
		}
		if hasEdge && (start < 0 || rows[i] < rows[start]) {
			start = i
		}
	}
	if start < 0 {
		start = 0
		for i := 1; i < n; i++ {
			if rows[i] < rows[start] {
				start = i
			}
		}
	}
	cur := nodes[start]
	curRows := rows[start]
	width := offs[start+1] - offs[start]
	place(start, 0)
	order := []int{start}

	// sideOf returns 0 if e reads only tree columns, 1 if only relation r,
	// -1 otherwise.
	sideOf := func(e plan.Expr, r int) int {
		u := Use(e)
		if len(u.Cols) == 0 || u.HasSubquery {
			return -1
		}
		side := -2
		for _, col := range u.Cols {
			s := -1
			if relOf(col) == r {
				s = 1
			} else if in[relOf(col)] {
				s = 0
			}
			if s < 0 || (side != -2 && side != s) {
				return -1
			}
			side = s
		}
		return side
	}
	for len(order) < n {
		// candidates connected by an equality conjunct
		best := -1
		for _, c := range multi {
			if c.used || !isEquiEdge(c) {
				continue
			}
			a, b := c.rels[0], c.rels[1]
			var r int
			switch {
			case in[a] && !in[b]:
				r = b
			case in[b] && !in[a]:
				r = a
			default:
				continue
			}
			if best < 0 || rows[r] < rows[best] || (rows[r] == rows[best] && r < best) {
				best = r
			}
		}
		if best < 0 { // nothing connected: cross product with the smallest
			for i := 0; i < n; i++ {
				if !in[i] && (best < 0 || rows[i] < rows[best]) {
					best = i
				}
			}
		}
		r := best
		rw := offs[r+1] - offs[r]
		j := &plan.Join{Kind: plan.InnerJoin, Left: cur, Right: nodes[r]}
		// positions as the join will see them
		leftPos := func(i int) int { return pos[i] }
		rightPos := func(i int) int { return i - offs[r] }
		concatPos := func(i int) int {
			if relOf(i) == r {
				return width + i - offs[r]
			}
			return pos[i]
		}
		var extra []plan.Expr
		for _, c := range multi {
			if c.used {
				continue
			}
			ready := true
			touches := false
			for _, x := range c.rels {
				if x == r {
					touches = true
				} else if !in[x] {
					ready = false
				}
			}
			if !ready || !touches {
				continue
			}
			c.used = true
			if f, ok := c.e.(*plan.Func); ok && f.Name == "=" {
				ls, rs := sideOf(f.Args[0], r), sideOf(f.Args[1], r)
				if ls == 0 && rs == 1 {
					j.LeftKeys = append(j.LeftKeys, Remap(f.Args[0], leftPos))
					j.RightKeys = append(j.RightKeys, Remap(f.Args[1], rightPos))
					continue
				}
				if ls == 1 && rs == 0 {
					j.LeftKeys = append(j.LeftKeys, Remap(f.Args[1], leftPos))
					j.RightKeys = append(j.RightKeys, Remap(f.Args[0], rightPos))
					continue
				}
			}
			extra = append(extra, Remap(c.e, concatPos))
		}
		j.Extra = And(extra)
		if len(j.LeftKeys) > 0 {
			curRows = max(curRows, rows[r])
		} else {
			curRows *= rows[r]
		}
		for range extra {
			curRows *= filterSelectivity
		}
		curRows = max(curRows, 1)
		place(r, width)
		width += rw
		cur = j
		order = append(order, r)
	}
	// restore FROM order
	identity := true
	for i, p := range pos {
		if p != i {
			identity = false
			break
		}
	}
	if !identity {
		sch := cur.Schema()
		exprs := make([]plan.Expr, len(pos))
		cols := make([]plan.Column, len(pos))
		for i, p := range pos {
			cols[i] = sch[p]
			exprs[i] = &plan.ColRef{Idx: p, T: sch[p].T, Name: sch[p].Name}
		}
		cur = &plan.Project{Input: cur, Exprs: exprs, Cols: cols}
	}
	return withFilter(cur, top)
}

func withFilter(n plan.Node, preds []plan.Expr) plan.Node {
	if len(preds) == 0 {
		return n
	}
	return &plan.Filter{Input: n, Pred: And(preds)}
}

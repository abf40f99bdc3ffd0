package opt

import "github.com/sluicedb/sluice/planner/plan"

// pruneSecure narrows a secure scan to what the query needs without
// weakening the policy (VISION rules 7 and 9):
//
//   - the row filter is kept whole, with every column it reads;
//   - a needed output column keeps its cell guard and its mask, and the
//     columns they read; a column a kept mask reads keeps its cell guard
//     too, because masks see cells after NULLing;
//   - an output column nobody needs is dropped with its guard and mask
//     (they only ever rewrite that column);
//   - at least one file column is read, so the row count never comes from
//     file metadata.
//
// need is indexed by the scan's output positions (OutputCols); the
// returned mapping too.
func pruneSecure(n *plan.Scan, need []bool) (plan.Node, []int) {
	sec := n.Secure
	nc := len(n.Columns)
	at := func(es []plan.Expr, i int) plan.Expr {
		if i < len(es) {
			return es[i]
		}
		return nil
	}
	keep := make([]bool, nc)
	guard := make([]bool, nc) // keep this column's cell guard
	mark := func(e plan.Expr) {
		for _, c := range Use(e).Cols {
			if c >= 0 && c < nc {
				keep[c] = true
			}
		}
	}
	mark(sec.RowFilter)
	out := make([]bool, nc) // scan column stays an output
	for j, c := range sec.OutputCols {
		if j < len(need) && need[j] && c >= 0 && c < nc {
			out[c], keep[c], guard[c] = true, true, true
		}
	}
	for c := 0; c < nc; c++ {
		if !out[c] {
			continue
		}
		if m := at(sec.Masks, c); m != nil {
			for _, r := range Use(m).Cols {
				if r >= 0 && r < nc {
					keep[r], guard[r] = true, true
				}
			}
		}
	}
	for c := 0; c < nc; c++ {
		if guard[c] {
			mark(at(sec.CellGuards, c))
		}
		if out[c] {
			mark(at(sec.Masks, c))
		}
		// Partition keys cost no I/O, and exec maps partition values by
		// position when all of them are present (see prune).
		if n.Columns[c].PartitionKey {
			keep[c] = true
		}
	}
	hasFile := false
	for c := 0; c < nc; c++ {
		hasFile = hasFile || (keep[c] && !n.Columns[c].PartitionKey)
	}
	if !hasFile {
		for c := 0; c < nc; c++ {
			if !n.Columns[c].PartitionKey {
				keep[c] = true // read, never output: only the row count is wanted
				break
			}
		}
	}
	newIdx := make([]int, nc)
	cp := *n
	cp.Columns = nil
	for c := 0; c < nc; c++ {
		newIdx[c] = -1
		if keep[c] {
			newIdx[c] = len(cp.Columns)
			cp.Columns = append(cp.Columns, n.Columns[c])
		}
	}
	if len(cp.Columns) == nc && len(sec.OutputCols) == countTrue(out) {
		return n, identity(len(need))
	}
	remap := func(i int) int { return newIdx[i] }
	ns := &plan.SecureScan{Policies: sec.Policies}
	if sec.RowFilter != nil {
		ns.RowFilter = Remap(sec.RowFilter, remap)
	}
	for c := 0; c < nc; c++ {
		if g := at(sec.CellGuards, c); g != nil && keep[c] && (guard[c] || out[c]) {
			if ns.CellGuards == nil {
				ns.CellGuards = make([]plan.Expr, len(cp.Columns))
			}
			ns.CellGuards[newIdx[c]] = Remap(g, remap)
		}
		if m := at(sec.Masks, c); m != nil && out[c] {
			if ns.Masks == nil {
				ns.Masks = make([]plan.Expr, len(cp.Columns))
			}
			ns.Masks[newIdx[c]] = Remap(m, remap)
		}
	}
	mapping := make([]int, len(sec.OutputCols))
	for j, c := range sec.OutputCols {
		mapping[j] = -1
		if c >= 0 && c < nc && out[c] {
			mapping[j] = len(ns.OutputCols)
			ns.OutputCols = append(ns.OutputCols, newIdx[c])
		}
	}
	cp.Secure = ns
	cp.PruneFilters = nil
	for _, f := range n.PruneFilters {
		ok := true
		for _, c := range Use(f).Cols {
			if c < 0 || c >= nc || newIdx[c] < 0 {
				ok = false
			}
		}
		if ok {
			cp.PruneFilters = append(cp.PruneFilters, Remap(f, remap))
		}
	}
	return &cp, mapping
}

func countTrue(b []bool) int {
	n := 0
	for _, x := range b {
		if x {
			n++
		}
	}
	return n
}

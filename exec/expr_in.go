package exec

import (
	"strings"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// inSet is the constant side of x IN (...): the non-NULL members in the
// comparison representation, and whether a NULL member was present (which
// turns "not found" into NULL).
type inSet struct {
	k       pkind
	hasNull bool
	ints    map[int64]struct{}
	floats  map[float64]struct{}
	strs    map[string]struct{}
	n       int
	// Member lists for small sets, built on first probe.
	ilist []int64
	slist []string
}

// smallSet is the size up to which IN probes scan a list.
const smallSet = 8

func (s *inSet) intList() []int64 {
	if s.ilist == nil {
		for x := range s.ints {
			s.ilist = append(s.ilist, x)
		}
	}
	return s.ilist
}

func (s *inSet) strList() []string {
	if s.slist == nil {
		for x := range s.strs {
			s.slist = append(s.slist, x)
		}
	}
	return s.slist
}

func containsStr(list []string, x string) bool {
	for _, y := range list {
		if x == y {
			return true
		}
	}
	return false
}

func newInSet(k pkind) *inSet {
	s := &inSet{k: k}
	switch k {
	case pI64:
		s.ints = map[int64]struct{}{}
	case pF64:
		s.floats = map[float64]struct{}{}
	case pStr:
		s.strs = map[string]struct{}{}
	}
	return s
}

// add inserts row i of v (a string is cloned: v's buffers are transient).
func (s *inSet) add(v *evec, i int) {
	if v.c {
		i = 0
	}
	if v.k == pNull || v.isNull(i) {
		s.hasNull = true
		return
	}
	s.n++
	switch s.k {
	case pI64:
		s.ints[v.i[i]] = struct{}{}
	case pF64:
		f := v.f[i]
		if f == 0 {
			f = 0 // -0 = 0
		}
		s.floats[f] = struct{}{}
	case pStr:
		s.strs[strings.Clone(v.str(i))] = struct{}{}
	}
}

// probe applies the three-valued membership test to the live rows of a
// (not NULL-containing constant): out = found, NULL when a is NULL or when
// not found and the set holds a NULL. An empty set gives false even for a
// NULL probe (x IN (empty subquery) is false).
func (s *inSet) probe(a *evec, out *evec, negate bool, cnt int, sel []int32, dc *dictCache, key string) {
	out.k = pBool
	if s.n == 0 && !s.hasNull {
		out.nulls = nil
		out.b = eGrowBools(out.b, cnt)
		eForRows(cnt, sel, func(i int) { out.b[i] = negate })
		return
	}
	if a.k == pDict && dc != nil {
		res, rnull := dc.lookup(a.dict, a.dictID, key, func(x string) bool {
			_, ok := s.strs[x]
			return ok
		})
		mapDict(out, a, res, rnull, cnt, sel)
	} else {
		out.b = eGrowBools(out.b, cnt)
		out.setNullsFrom(a, cnt, sel)
		switch {
		case s.k == pI64 && s.n <= smallSet:
			// A few members: a linear scan beats hashing.
			list := s.intList()
			eForRows(cnt, sel, func(i int) {
				x := a.i[i]
				found := false
				for _, y := range list {
					found = found || x == y
				}
				out.b[i] = found
			})
		case s.k == pStr && s.n <= smallSet:
			list := s.strList()
			if sel == nil {
				for i := 0; i < cnt; i++ {
					out.b[i] = containsStr(list, a.str(i))
				}
			} else {
				for _, i := range sel {
					out.b[i] = containsStr(list, a.str(int(i)))
				}
			}
		case s.k == pI64:
			m := s.ints
			if sel == nil {
				for i := 0; i < cnt; i++ {
					_, out.b[i] = m[a.i[i]]
				}
			} else {
				for _, i := range sel {
					_, out.b[i] = m[a.i[i]]
				}
			}
		case s.k == pF64:
			m := s.floats
			eForRows(cnt, sel, func(i int) {
				f := a.f[i]
				if f == 0 {
					f = 0
				}
				_, out.b[i] = m[f]
			})
		case s.k == pStr:
			m := s.strs
			if sel == nil {
				for i := 0; i < cnt; i++ {
					_, out.b[i] = m[a.str(i)]
				}
			} else {
				for _, i := range sel {
					_, out.b[i] = m[a.str(int(i))]
				}
			}
		}
	}
	if s.hasNull {
		out.ensureNulls(cnt)
		eForRows(cnt, sel, func(i int) {
			if !out.b[i] {
				out.nulls[i] = true
			}
		})
	}
	if negate {
		eForRows(cnt, sel, func(i int) { out.b[i] = !out.b[i] })
	}
}

// inNode is x [NOT] IN (list).
type inNode struct {
	arg    enode
	items  []enode
	k      pkind
	negate bool
	set    *inSet // all items constant
	key    string // identity of set for the dictionary cache
	out    evec
	dc     dictCache
	tmp    evec
	// general form scratch
	rem     []int32
	tmpItem evec
}

func (cc *compiler) compileIn(e *plan.InList) (enode, error) {
	t := e.Arg.Type()
	for _, it := range e.List {
		t = cmpType(t, it.Type())
	}
	if t.Kind == types.Null || len(e.List) == 0 {
		return &constNode{v: constVec(types.NullValue, types.BoolT)}, nil
	}
	if t.Kind == types.Bool {
		t = types.Int64T
	}
	n := &inNode{k: physOf(t.Kind), negate: e.Not}
	var err error
	if n.arg, err = cc.compileAs(e.Arg, t); err != nil {
		return nil, err
	}
	allConst := true
	for _, it := range e.List {
		in, err := cc.compileAs(it, t)
		if err != nil {
			return nil, err
		}
		if _, ok := in.(*constNode); !ok {
			allConst = false
		}
		n.items = append(n.items, in)
	}
	if allConst {
		n.set = newInSet(n.k)
		c := &ectx{n: 1, env: cc.env}
		for _, it := range n.items {
			v, _ := it.eval(c, nil)
			n.set.add(v, 0)
		}
		n.key = e.String()
	}
	return n, nil
}

func (n *inNode) eval(c *ectx, sel []int32) (*evec, error) {
	a, err := n.arg.eval(c, sel)
	if err != nil {
		return nil, err
	}
	out := &n.out
	out.k = pBool
	if a.k == pNull || (a.c && a.isNull(0)) {
		if n.set != nil && n.set.n == 0 && !n.set.hasNull {
			setConstVec(out, types.NewBool(n.negate), types.BoolT)
			return out, nil
		}
		setConstVec(out, types.Value{Null: true}, types.BoolT)
		return out, nil
	}
	if n.set != nil {
		cnt, rows := c.n, sel
		out.c = a.c
		if a.c {
			cnt, rows = 1, nil
		}
		if a.k == pDict && n.k == pStr {
			n.set.probe(a, out, n.negate, cnt, rows, &n.dc, n.key)
			return out, nil
		}
		n.set.probe(a, out, n.negate, cnt, rows, nil, "")
		return out, nil
	}
	if a.k == pDict {
		if err := decodeDict(a, &n.tmp, c.n, sel); err != nil {
			return nil, err
		}
		a = &n.tmp
	}
	// General form: items are expressions; OR of equalities, three-valued.
	// Like MySQL, stop at the first match: item k is evaluated only on the
	// rows no earlier item matched (and whose operand is not NULL).
	cnt := c.n
	out.c = false
	out.b = eGrowBools(out.b, cnt)
	out.nulls = eGrowBools(out.nulls, cnt)
	rows := rowsOr(c, sel, cnt)
	n.rem = eGrowI32(n.rem, len(rows))[:0]
	for _, i := range rows {
		null := a.isNull(int(i))
		out.b[i], out.nulls[i] = false, null
		if !null {
			n.rem = append(n.rem, i)
		}
	}
	for _, it := range n.items {
		if len(n.rem) == 0 {
			break
		}
		v, err := it.eval(c, n.rem)
		if err != nil {
			return nil, err
		}
		if v.k == pDict {
			if err := decodeDict(v, &n.tmpItem, cnt, n.rem); err != nil {
				return nil, err
			}
			v = &n.tmpItem
		}
		am, vm := strideMask(a), strideMask(v)
		live := n.rem
		n.rem = n.rem[:0]
		for _, i32 := range live {
			i := int(i32)
			if v.k == pNull || v.isNull(i) {
				out.nulls[i] = true
				n.rem = append(n.rem, i32)
				continue
			}
			var eq bool
			switch n.k {
			case pI64:
				eq = a.i[i&am] == v.i[i&vm]
			case pF64:
				eq = a.f[i&am] == v.f[i&vm]
			case pStr:
				eq = a.str(i&am) == v.str(i&vm)
			}
			if eq {
				out.b[i], out.nulls[i] = true, false
				continue
			}
			n.rem = append(n.rem, i32)
		}
	}
	if n.negate {
		eForRows(cnt, sel, func(i int) { out.b[i] = !out.b[i] })
	}
	return out, nil
}

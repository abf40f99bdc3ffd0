package exec

import (
	"strings"
	"unicode/utf8"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// LIKE uses a binary (case-sensitive, byte-wise) collation: a documented
// choice, MySQL's default utf8mb4_0900_ai_ci would fold case and accents.
// '_' matches one UTF-8 character, '%' any sequence; the escape character
// (default '\') makes the next pattern byte literal.

// likeMatch is the general matcher: greedy with single-star backtracking,
// linear in practice, no allocation.
func likeMatch(s, p string, esc byte) bool {
	si, pi := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(p) {
			ch := p[pi]
			switch {
			case ch == '%':
				starP, starS = pi, si
				pi++
				continue
			case ch == '_':
				_, sz := utf8.DecodeRuneInString(s[si:])
				si += sz
				pi++
				continue
			default:
				lit := pi
				if ch == esc && pi+1 < len(p) {
					lit = pi + 1
				}
				if s[si] == p[lit] {
					si++
					pi = lit + 1
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, sz := utf8.DecodeRuneInString(s[starS:])
		starS += sz
		si, pi = starS, starP+1
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}

type likeKind uint8

const (
	likeGeneral likeKind = iota
	likeExact
	likePrefix
	likeSuffix
	likeContains
	likeAny // '%': every non-NULL string
)

// analyzeLike classifies a constant pattern so the common shapes run as
// plain string tests.
func analyzeLike(p string, esc byte) (likeKind, string) {
	if strings.IndexByte(p, '_') >= 0 || strings.IndexByte(p, esc) >= 0 {
		return likeGeneral, ""
	}
	core := strings.Trim(p, "%")
	if strings.IndexByte(core, '%') >= 0 {
		return likeGeneral, ""
	}
	lead := strings.HasPrefix(p, "%")
	trail := strings.HasSuffix(p, "%")
	switch {
	case core == "" && (lead || trail):
		return likeAny, ""
	case !lead && !trail:
		return likeExact, core
	case !lead && trail:
		return likePrefix, core
	case lead && !trail:
		return likeSuffix, core
	}
	return likeContains, core
}

func likeConst(kind likeKind, lit, p string, esc byte, s string) bool {
	switch kind {
	case likeExact:
		return s == lit
	case likePrefix:
		return strings.HasPrefix(s, lit)
	case likeSuffix:
		return strings.HasSuffix(s, lit)
	case likeContains:
		return strings.Contains(s, lit)
	case likeAny:
		return true
	}
	return likeMatch(s, p, esc)
}

type likeNode struct {
	arg, pat enode
	esc      byte
	negate   bool
	out      evec
	dc       dictCache
	tmp      evec
	tmpP     evec
}

func (cc *compiler) compileLike(e *plan.Func) (enode, error) {
	if len(e.Args) != 2 && len(e.Args) != 3 {
		return nil, argCountErr(e.Name, len(e.Args))
	}
	n := &likeNode{esc: '\\', negate: e.Name == "not_like"}
	if len(e.Args) == 3 {
		c, ok := e.Args[2].(*plan.Const)
		if !ok {
			return nil, eTypeErr(cc.text(e), "the ESCAPE argument must be a constant")
		}
		if !c.V.Null {
			v, _ := castValue(c.V, types.StringT)
			if len(v.S) > 1 {
				return nil, eTypeErr(cc.text(e), "the ESCAPE argument must be a single character")
			}
			if len(v.S) == 1 {
				n.esc = v.S[0]
			}
		}
	}
	var err error
	if n.arg, err = cc.compileAs(e.Args[0], types.StringT); err != nil {
		return nil, err
	}
	if n.pat, err = cc.compileAs(e.Args[1], types.StringT); err != nil {
		return nil, err
	}
	return n, nil
}

func (n *likeNode) eval(c *ectx, sel []int32) (*evec, error) {
	a, err := n.arg.eval(c, sel)
	if err != nil {
		return nil, err
	}
	p, err := n.pat.eval(c, sel)
	if err != nil {
		return nil, err
	}
	if p.k == pDict {
		if err := decodeDict(p, &n.tmpP, c.n, sel); err != nil {
			return nil, err
		}
		p = &n.tmpP
	}
	out := &n.out
	out.k = pBool
	if p.k == pNull || (p.c && p.isNull(0)) {
		setConstVec(out, types.Value{Null: true}, types.BoolT)
		return out, nil
	}
	neg := n.negate
	if p.c {
		pat := p.str(0)
		kind, lit := analyzeLike(pat, n.esc)
		esc := n.esc
		if a.k == pDict {
			res, rnull := n.dc.lookup(a.dict, a.dictID, pat, func(s string) bool {
				return likeConst(kind, lit, pat, esc, s) != neg
			})
			mapDict(out, a, res, rnull, c.n, sel)
			return out, nil
		}
		cnt, rows := c.n, sel
		out.c = a.c
		if a.c {
			cnt, rows = 1, nil
		}
		out.setNullsFrom(a, cnt, rows)
		out.b = eGrowBools(out.b, cnt)
		likeLoop(kind, lit, pat, esc, neg, a, out.b, cnt, rows)
		return out, nil
	}
	if a.k == pDict {
		if err := decodeDict(a, &n.tmp, c.n, sel); err != nil {
			return nil, err
		}
		a = &n.tmp
	}
	cnt, rows := c.n, sel
	out.c = false
	out.mergeNulls(a, p, cnt, rows)
	out.b = eGrowBools(out.b, cnt)
	am := strideMask(a)
	eForRows(cnt, rows, func(i int) {
		out.b[i] = likeMatch(a.str(i&am), p.str(i), n.esc) != neg
	})
	return out, nil
}

// likeLoop runs one specialized loop per pattern shape.
func likeLoop(kind likeKind, lit, pat string, esc byte, neg bool, a *evec, out []bool, cnt int, sel []int32) {
	rows := sel
	all := rows == nil
	switch kind {
	case likePrefix:
		if all {
			for i := 0; i < cnt; i++ {
				out[i] = strings.HasPrefix(a.str(i), lit) != neg
			}
		} else {
			for _, i := range rows {
				out[i] = strings.HasPrefix(a.str(int(i)), lit) != neg
			}
		}
	case likeSuffix:
		if all {
			for i := 0; i < cnt; i++ {
				out[i] = strings.HasSuffix(a.str(i), lit) != neg
			}
		} else {
			for _, i := range rows {
				out[i] = strings.HasSuffix(a.str(int(i)), lit) != neg
			}
		}
	case likeContains:
		if all {
			for i := 0; i < cnt; i++ {
				out[i] = strings.Contains(a.str(i), lit) != neg
			}
		} else {
			for _, i := range rows {
				out[i] = strings.Contains(a.str(int(i)), lit) != neg
			}
		}
	case likeExact:
		if all {
			for i := 0; i < cnt; i++ {
				out[i] = (a.str(i) == lit) != neg
			}
		} else {
			for _, i := range rows {
				out[i] = (a.str(int(i)) == lit) != neg
			}
		}
	case likeAny:
		eForRows(cnt, sel, func(i int) { out[i] = !neg })
	default:
		if all {
			for i := 0; i < cnt; i++ {
				out[i] = likeMatch(a.str(i), pat, esc) != neg
			}
		} else {
			for _, i := range rows {
				out[i] = likeMatch(a.str(int(i)), pat, esc) != neg
			}
		}
	}
}

package exec

import (
	"encoding/json"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/mask"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// The per-row CEL fallback of column masks (VISION "Beyond Lake
// Formation"): a mask whose residual for the session's principal is not a
// built-in runs through authz/mask's interpreter, one live row at a time.
//
//	mask_cel(value, 'mask text', 'principal JSON', 'col1', col1, 'col2', col2, ...)
//
// The planner passes the mask's text, the principal it specializes the
// mask for (ARN, account, session tags, as JSON), and the other columns
// the mask reads as name/value pairs. exec compiles the mask again
// (authz/mask is a pure contract package), takes its residual for that
// principal, and applies it to every live row: NULL in, NULL out. An
// evaluation error fails the query, naming neither the mask's text nor
// the columns it reads (rules 8 and 10).

const maskCELName = "mask_cel"

func init() {
	// Listed for FuncSupported; compiled by compileMaskCEL, not fnNode.
	funcByName[maskCELName] = &funcSpec{Name: maskCELName, Min: 3, Max: -1,
		Doc: "per-row CEL column mask: mask_cel(value, text, principal JSON, name, column, ...) (authz/mask semantics)"}
}

type maskCELNode struct {
	val      enode
	valT     types.T
	k        pkind
	refs     []enode
	refNames []string
	refTs    []types.T
	res      *mask.Residual
	row      map[string]types.Value
	vecs     []*evec
	dec      []evec
	out      evec
}

func maskCELErr(format string, args ...any) error {
	return lferr.New(lferr.InvalidInput, "column mask: "+format, args...)
}

func constString(e plan.Expr) (string, bool) {
	v, ok := constValueOf(e)
	if !ok || v.Null || v.Kind != types.String {
		return "", false
	}
	return v.S, true
}

func (cc *compiler) compileMaskCEL(e *plan.Func) (enode, error) {
	if len(e.Args) < 3 || (len(e.Args)-3)%2 != 0 {
		return nil, maskCELErr("%s needs value, text, principal and name/value pairs, got %d arguments", maskCELName, len(e.Args))
	}
	text, ok1 := constString(e.Args[1])
	pj, ok2 := constString(e.Args[2])
	if !ok1 || !ok2 {
		return nil, maskCELErr("the mask text and principal must be constant strings")
	}
	var p mask.Principal
	if err := json.Unmarshal([]byte(pj), &p); err != nil {
		return nil, maskCELErr("the principal is not valid JSON")
	}
	n := &maskCELNode{valT: e.T, k: physOf(e.T.Kind), row: map[string]types.Value{}}
	if n.k == pNull {
		return nil, maskCELErr("a mask of type %s", e.T)
	}
	schema := map[string]types.T{}
	for i := 3; i < len(e.Args); i += 2 {
		name, ok := constString(e.Args[i])
		if !ok {
			return nil, maskCELErr("column names must be constant strings")
		}
		t := e.Args[i+1].Type()
		schema[name] = t
		ref, err := cc.compileAs(e.Args[i+1], t)
		if err != nil {
			return nil, err
		}
		n.refs = append(n.refs, ref)
		n.refNames = append(n.refNames, name)
		n.refTs = append(n.refTs, t)
	}
	m, err := mask.Compile(text, e.T, schema)
	if err != nil {
		// The control plane type-checked it; a mask that no longer
		// compiles must not pass values through.
		return nil, lferr.Wrap(lferr.AccessDenied, err, "column mask: does not compile for this engine; the query fails")
	}
	if n.res, err = m.Residual(p); err != nil {
		return nil, err
	}
	if n.val, err = cc.compileAs(e.Args[0], e.T); err != nil {
		return nil, err
	}
	n.vecs = make([]*evec, len(n.refs)+1)
	n.dec = make([]evec, len(n.refs)+1)
	return n, nil
}

// cellValue reads row i of v as a Value of logical type t.
func cellValue(v *evec, i int, t types.T) types.Value {
	if v.k == pNull || v.isNull(i) {
		return types.Value{Kind: t.Kind, Null: true}
	}
	if v.c {
		i = 0
	}
	switch v.k {
	case pBool:
		return types.NewBool(v.b[i])
	case pI64:
		return types.Value{Kind: t.Kind, I: v.i[i]}
	case pF64:
		return types.Value{Kind: t.Kind, F: v.f[i]}
	case pStr:
		return types.NewString(v.str(i))
	}
	return types.Value{Kind: t.Kind, Null: true}
}

func (n *maskCELNode) eval(c *ectx, sel []int32) (*evec, error) {
	all := append(n.vecs[:0], nil)
	v, err := n.val.eval(c, sel)
	if err != nil {
		return nil, err
	}
	all[0] = v
	for _, r := range n.refs {
		rv, err := r.eval(c, sel)
		if err != nil {
			return nil, err
		}
		all = append(all, rv)
	}
	for k, x := range all {
		if x.k == pDict {
			if err := decodeDict(x, &n.dec[k], c.n, sel); err != nil {
				return nil, err
			}
			all[k] = &n.dec[k]
		}
	}
	v = all[0]
	out := &n.out
	out.k, out.c = n.k, false
	out.nulls = eGrowBools(out.nulls, c.n)
	var sb strBuilder
	switch n.k {
	case pI64:
		out.i = eGrowI64(out.ownI, c.n)
		out.ownI = out.i
	case pF64:
		out.f = eGrowF64(out.ownF, c.n)
		out.ownF = out.f
	case pBool:
		out.b = eGrowBools(out.b, c.n)
	case pStr:
		sb.reset(out, c.n)
	}
	for _, i32 := range rowsOr(c, sel, c.n) {
		i := int(i32)
		val := cellValue(v, i, n.valT)
		if val.Null {
			out.nulls[i] = true
			continue
		}
		for k, name := range n.refNames {
			n.row[name] = cellValue(all[k+1], i, n.refTs[k])
		}
		r, err := n.res.Apply(val, n.row)
		if err != nil {
			return nil, lferr.Wrap(lferr.ExecutionError, err, "a column mask could not be evaluated on a row; the query fails rather than return an unmasked value")
		}
		if r.Null {
			out.nulls[i] = true
			continue
		}
		out.nulls[i] = false
		switch n.k {
		case pI64:
			out.i[i] = r.I
		case pF64:
			out.f[i] = r.AsFloat()
		case pBool:
			out.b[i] = r.I != 0
		case pStr:
			sb.addString(i, r.S)
		}
	}
	if n.k == pStr {
		if err := sb.finish(c.n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

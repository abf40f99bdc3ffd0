package iam

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

type opKind uint8

const (
	opStrEq opKind = iota + 1
	opStrEqFold
	opStrLike
	opNumEq
	opNumLt
	opNumLe
	opNumGt
	opNumGe
	opDateEq
	opDateLt
	opDateLe
	opDateGt
	opDateGe
	opBool
	opBinary
	opIP
	opArnLike
	opNull
)

type setKind uint8

const (
	setNone setKind = iota
	setAnyValue
	setAllValues
)

type opSpec struct {
	kind    opKind
	negated bool
}

// operators are the condition operators of the IAM reference (spec §8.1).
// ArnEquals and ArnLike are the same operator in IAM: both match each ARN
// field with wildcards.
var operators = map[string]opSpec{
	"StringEquals":              {opStrEq, false},
	"StringNotEquals":           {opStrEq, true},
	"StringEqualsIgnoreCase":    {opStrEqFold, false},
	"StringNotEqualsIgnoreCase": {opStrEqFold, true},
	"StringLike":                {opStrLike, false},
	"StringNotLike":             {opStrLike, true},
	"NumericEquals":             {opNumEq, false},
	"NumericNotEquals":          {opNumEq, true},
	"NumericLessThan":           {opNumLt, false},
	"NumericLessThanEquals":     {opNumLe, false},
	"NumericGreaterThan":        {opNumGt, false},
	"NumericGreaterThanEquals":  {opNumGe, false},
	"DateEquals":                {opDateEq, false},
	"DateNotEquals":             {opDateEq, true},
	"DateLessThan":              {opDateLt, false},
	"DateLessThanEquals":        {opDateLe, false},
	"DateGreaterThan":           {opDateGt, false},
	"DateGreaterThanEquals":     {opDateGe, false},
	"Bool":                      {opBool, false},
	"BinaryEquals":              {opBinary, false},
	"IpAddress":                 {opIP, false},
	"NotIpAddress":              {opIP, true},
	"ArnEquals":                 {opArnLike, false},
	"ArnLike":                   {opArnLike, false},
	"ArnNotEquals":              {opArnLike, true},
	"ArnNotLike":                {opArnLike, true},
	"Null":                      {opNull, false},
}

// Condition is one (operator, key, values) triple of a Condition block.
// Values of one condition are ORed; conditions of a statement are ANDed.
type Condition struct {
	Operator string // as written, e.g. "ForAllValues:StringLikeIfExists"
	Key      string // as written
	Values   []string

	key      string // lower-cased: condition key names are case-insensitive
	op       opKind
	set      setKind
	ifExists bool
	negated  bool
	vars     bool // values contain ${...} policy variables
	matchers []matcher
	nums     []float64
	times    []time.Time
	bools    []bool
	prefixes []netip.Prefix
	nullWant bool // Null: true ⇔ "the key must be absent"
}

func parseConditions(raw json.RawMessage, version string, i int) ([]Condition, error) {
	ops, err := decodeObject(raw, "Condition")
	if err != nil {
		return nil, err
	}
	var out []Condition
	for _, o := range ops {
		name := o.key
		set := setNone
		switch {
		case strings.HasPrefix(name, "ForAnyValue:"):
			set, name = setAnyValue, name[len("ForAnyValue:"):]
		case strings.HasPrefix(name, "ForAllValues:"):
			set, name = setAllValues, name[len("ForAllValues:"):]
		}
		ifExists := false
		if base, ok := strings.CutSuffix(name, "IfExists"); ok {
			ifExists, name = true, base
		}
		spec, ok := operators[name]
		if !ok || (spec.kind == opNull && (ifExists || set != setNone)) {
			return nil, malformed("statement %d: unknown condition operator %q", i, o.key)
		}
		keys, err := decodeObject(o.val, "Condition "+o.key)
		if err != nil {
			return nil, err
		}
		if len(keys) == 0 {
			return nil, malformed("statement %d: condition operator %q has no keys", i, o.key)
		}
		for _, k := range keys {
			if k.key == "" || !strings.Contains(k.key, ":") {
				return nil, malformed("statement %d: invalid condition key %q (want \"prefix:name\")", i, k.key)
			}
			vals, err := scalarOrList(k.val)
			if err != nil || len(vals) == 0 {
				return nil, malformed("statement %d: condition %s %q needs a non-empty string, number, boolean or list", i, o.key, k.key)
			}
			c := Condition{Operator: o.key, Key: k.key, Values: vals, key: strings.ToLower(k.key),
				op: spec.kind, negated: spec.negated, set: set, ifExists: ifExists}
			if err := c.compile(version, i); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// compile pre-parses the policy values once so evaluation never parses
// numbers, dates or CIDRs from the policy side.
func (c *Condition) compile(version string, i int) error {
	bad := func(v, want string) error {
		return malformed("statement %d: condition %s %q: value %q is not %s", i, c.Operator, c.Key, v, want)
	}
	for _, v := range c.Values {
		switch c.op {
		case opStrEq, opStrEqFold, opStrLike, opArnLike:
			if version == "2012-10-17" && strings.Contains(v, "${") {
				c.vars = true
			}
			c.matchers = append(c.matchers, newMatcher(v))
		case opNumEq, opNumLt, opNumLe, opNumGt, opNumGe:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return bad(v, "a number")
			}
			c.nums = append(c.nums, f)
		case opDateEq, opDateLt, opDateLe, opDateGt, opDateGe:
			t, ok := parseDate(v)
			if !ok {
				return bad(v, "a date (ISO 8601 or epoch seconds)")
			}
			c.times = append(c.times, t)
		case opBool:
			switch strings.ToLower(v) {
			case "true":
				c.bools = append(c.bools, true)
			case "false":
				c.bools = append(c.bools, false)
			default:
				return bad(v, "\"true\" or \"false\"")
			}
		case opNull:
			switch strings.ToLower(v) {
			case "true":
				c.nullWant = true
			case "false":
			default:
				return bad(v, "\"true\" or \"false\"")
			}
			if len(c.Values) > 1 {
				return malformed("statement %d: Null condition %q takes exactly one value", i, c.Key)
			}
		case opIP:
			p, err := netip.ParsePrefix(v)
			if err != nil {
				a, err2 := netip.ParseAddr(v)
				if err2 != nil {
					return bad(v, "an IP address or CIDR")
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			c.prefixes = append(c.prefixes, p.Masked())
		case opBinary:
		}
	}
	return nil
}

func parseDate(v string) (time.Time, bool) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// eval evaluates the condition against the request context.
//
// Semantics (spec §8.1): a value of one key is compared with the policy's
// values ORed. Without a set operator a positive operator needs the key
// present and some request value to match; a negated operator is true
// when the key is absent and otherwise when no request value matches.
// IfExists makes an absent key true. ForAnyValue needs at least one
// request value for which the (possibly negated) comparison holds and is
// false on an absent or empty key; ForAllValues needs it for every
// request value and is true on an absent or empty key. A request value
// that cannot be interpreted (a number that does not parse) never
// satisfies a comparison, negated or not.
func (c *Condition) eval(ctx *Context) bool {
	vals, present := ctx.lookup(c.key)
	if c.op == opNull {
		return !present == c.nullWant
	}
	switch c.set {
	case setAnyValue:
		if !present {
			return c.ifExists
		}
		for _, v := range vals {
			if r, ok := c.matchOne(ctx, v); ok && r != c.negated {
				return true
			}
		}
		return false
	case setAllValues:
		if !present {
			return true
		}
		for _, v := range vals {
			if r, ok := c.matchOne(ctx, v); !ok || r == c.negated {
				return false
			}
		}
		return true
	}
	if !present {
		return c.ifExists || c.negated
	}
	if c.negated {
		for _, v := range vals {
			if r, ok := c.matchOne(ctx, v); !ok || r {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if r, ok := c.matchOne(ctx, v); ok && r {
			return true
		}
	}
	return false
}

// matchOne reports whether request value v matches any policy value under
// the (positive) operator; ok is false when v cannot be interpreted.
func (c *Condition) matchOne(ctx *Context, v string) (match, ok bool) {
	switch c.op {
	case opStrEq, opStrEqFold, opStrLike, opArnLike:
		for i, pv := range c.Values {
			m := c.matchers[i]
			if c.vars && strings.Contains(pv, "${") {
				r, ok := ctx.resolveVars(pv)
				if !ok {
					continue // an unresolvable variable matches nothing
				}
				pv, m = r, newMatcher(r)
			}
			switch c.op {
			case opStrEq:
				if v == pv {
					return true, true
				}
			case opStrEqFold:
				if strings.EqualFold(v, pv) {
					return true, true
				}
			case opStrLike:
				if m.match(v) {
					return true, true
				}
			case opArnLike:
				if ArnLike(pv, v) {
					return true, true
				}
			}
		}
		return false, true
	case opNumEq, opNumLt, opNumLe, opNumGt, opNumGe:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false, false
		}
		for _, n := range c.nums {
			if cmpOK(c.op-opNumEq, compareFloat(f, n)) {
				return true, true
			}
		}
		return false, true
	case opDateEq, opDateLt, opDateLe, opDateGt, opDateGe:
		t, ok := parseDate(v)
		if !ok {
			return false, false
		}
		for _, pt := range c.times {
			if cmpOK(c.op-opDateEq, t.Compare(pt)) {
				return true, true
			}
		}
		return false, true
	case opBool:
		var b bool
		switch {
		case strings.EqualFold(v, "true"):
			b = true
		case strings.EqualFold(v, "false"):
		default:
			return false, false
		}
		for _, pb := range c.bools {
			if b == pb {
				return true, true
			}
		}
		return false, true
	case opBinary:
		for _, pv := range c.Values {
			if v == pv {
				return true, true
			}
		}
		return false, true
	case opIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false, false
		}
		for _, p := range c.prefixes {
			if p.Contains(a) {
				return true, true
			}
		}
		return false, true
	}
	return false, false
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpOK applies the comparison rel (0 eq, 1 lt, 2 le, 3 gt, 4 ge; the
// numeric and date operator constants are laid out in that order) to a
// three-way comparison result.
func cmpOK(rel opKind, c int) bool {
	switch rel {
	case 0:
		return c == 0
	case 1:
		return c < 0
	case 2:
		return c <= 0
	case 3:
		return c > 0
	case 4:
		return c >= 0
	}
	return false
}

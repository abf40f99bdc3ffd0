package iam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/authz/lferr"
)

// Effect of a statement.
type Effect uint8

const (
	Allow Effect = iota + 1
	Deny
)

func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return "?"
}

// PolicyKind says where a document is used, which decides which elements it
// may (and must) carry.
type PolicyKind uint8

const (
	// IdentityPolicy: inline or managed policy attached to a user or role.
	// Principal is forbidden, Resource/NotResource required.
	IdentityPolicy PolicyKind = iota
	// SessionPolicy: passed to AssumeRole; same grammar as identity policies.
	SessionPolicy
	// TrustPolicy: a role's AssumeRolePolicyDocument, a resource-based
	// policy. Principal/NotPrincipal required, Resource forbidden.
	TrustPolicy
	// ResourcePolicy: a resource-based policy (e.g. a Glue catalog policy):
	// Principal and Resource required.
	ResourcePolicy
)

func (k PolicyKind) String() string {
	switch k {
	case IdentityPolicy:
		return "identity-based policy"
	case SessionPolicy:
		return "session policy"
	case TrustPolicy:
		return "role trust policy"
	case ResourcePolicy:
		return "resource-based policy"
	}
	return "policy"
}

// Size limits of IAM (characters, whitespace excluded for managed and
// inline policies as IAM counts them).
const (
	MaxManagedPolicySize    = 6144
	MaxRoleInlinePolicySize = 10240 // aggregate of a role's inline policies
	MaxUserInlinePolicySize = 2048  // aggregate of a user's inline policies
	MaxTrustPolicySize      = 2048
	MaxSessionPolicySize    = 2048
)

// Policy is a parsed policy document. Policies are immutable once parsed
// and safe for concurrent use.
type Policy struct {
	// Name labels the policy in diagnostics: a managed policy ARN, or
	// "role/NAME/POLICY" for inline policies. Set by whoever loads it.
	Name       string
	Kind       PolicyKind
	Version    string
	ID         string
	Statements []Statement
	// Text is the document as given (for GetRolePolicy and friends).
	Text string
}

// Statement is one parsed statement. Action and resource patterns are
// pre-compiled; Actions are lower-cased (action names are
// case-insensitive), resources keep their case.
type Statement struct {
	Sid          string
	Effect       Effect
	NotAction    bool
	Actions      []string // as written
	actionMatch  []matcher
	NotResource  bool
	Resources    []string // as written; nil for trust policies
	resMatch     []matcher
	resVars      bool // a resource uses ${...} policy variables
	Principal    *PrincipalSet
	NotPrincipal bool
	Conditions   []Condition
}

// PrincipalSet is the value of Principal / NotPrincipal.
type PrincipalSet struct {
	Any          bool // "*" or {"AWS":"*"}
	AWS          []string
	Service      []string
	Federated    []string
	CanonicalIDs []string
}

var (
	sidRe    = regexp.MustCompile(`^[A-Za-z0-9]*$`)
	actionRe = regexp.MustCompile(`^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$`)
)

func malformed(format string, args ...any) error {
	return lferr.New(lferr.InvalidInput, "malformed policy document: "+format, args...)
}

// ParsePolicy parses doc as a policy of the given kind, exactly as IAM
// accepts it: Version (optional, "2012-10-17" or "2008-10-17"), Id,
// Statement as an object or a non-empty array; per statement Sid, Effect
// (Allow|Deny), exactly one of Action/NotAction, Resource/NotResource and
// Principal/NotPrincipal as the kind requires, Condition. Every scalar may
// be a string or a list of strings. Unknown elements, duplicate keys,
// duplicate Sids and trailing data are rejected. Errors are
// InvalidInputException with a message naming the problem; IAM and STS
// callers convert them to MalformedPolicyDocument with AsMalformed.
func ParsePolicy(doc string, kind PolicyKind) (*Policy, error) {
	if strings.TrimSpace(doc) == "" {
		return nil, malformed("empty document")
	}
	top, err := decodeObject([]byte(doc), "policy document")
	if err != nil {
		return nil, err
	}
	p := &Policy{Kind: kind, Version: "2008-10-17", Text: doc}
	var stmtRaw json.RawMessage
	for _, kv := range top {
		switch kv.key {
		case "Version":
			if err := jsonString(kv.val, &p.Version); err != nil {
				return nil, malformed("Version must be a string")
			}
			if p.Version != "2012-10-17" && p.Version != "2008-10-17" {
				return nil, malformed("unsupported Version %q (want \"2012-10-17\")", p.Version)
			}
		case "Id":
			if err := jsonString(kv.val, &p.ID); err != nil {
				return nil, malformed("Id must be a string")
			}
		case "Statement":
			stmtRaw = kv.val
		default:
			return nil, malformed("unknown element %q at the top level", kv.key)
		}
	}
	if stmtRaw == nil {
		return nil, malformed("missing Statement")
	}
	var raws []json.RawMessage
	switch firstByte(stmtRaw) {
	case '{':
		raws = []json.RawMessage{stmtRaw}
	case '[':
		if err := json.Unmarshal(stmtRaw, &raws); err != nil {
			return nil, malformed("Statement must be an object or a list of objects")
		}
	default:
		return nil, malformed("Statement must be an object or a list of objects")
	}
	if len(raws) == 0 {
		return nil, malformed("Statement list is empty")
	}
	sids := map[string]bool{}
	for i, raw := range raws {
		st, err := parseStatement(raw, kind, p.Version, i)
		if err != nil {
			return nil, err
		}
		if st.Sid != "" {
			if sids[st.Sid] {
				return nil, malformed("statement %d: duplicate Sid %q (Sids must be unique)", i, st.Sid)
			}
			sids[st.Sid] = true
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

// MustParsePolicy is ParsePolicy for built-in documents known to be valid;
// it panics on error and is used only at package init of built-ins and in
// tests.
func MustParsePolicy(doc string, kind PolicyKind) *Policy {
	p, err := ParsePolicy(doc, kind)
	if err != nil {
		panic(err)
	}
	return p
}

// AsMalformed converts a policy parse error into IAM's / STS's
// MalformedPolicyDocument code, keeping the message.
func AsMalformed(err error) error {
	if err == nil {
		return nil
	}
	return lferr.Wrap(lferr.MalformedPolicyDocument, err, "%s", lferr.MessageOf(err))
}

func parseStatement(raw json.RawMessage, kind PolicyKind, version string, i int) (Statement, error) {
	var st Statement
	kvs, err := decodeObject(raw, fmt.Sprintf("statement %d", i))
	if err != nil {
		return st, err
	}
	var haveAction, haveResource, havePrincipal bool
	for _, kv := range kvs {
		switch kv.key {
		case "Sid":
			if err := jsonString(kv.val, &st.Sid); err != nil {
				return st, malformed("statement %d: Sid must be a string", i)
			}
			if !sidRe.MatchString(st.Sid) {
				return st, malformed("statement %d: Sid %q may contain only letters and digits", i, st.Sid)
			}
		case "Effect":
			var e string
			if err := jsonString(kv.val, &e); err != nil {
				return st, malformed("statement %d: Effect must be a string", i)
			}
			switch e {
			case "Allow":
				st.Effect = Allow
			case "Deny":
				st.Effect = Deny
			default:
				return st, malformed("statement %d: Effect %q must be \"Allow\" or \"Deny\"", i, e)
			}
		case "Action", "NotAction":
			if haveAction {
				return st, malformed("statement %d: only one of Action and NotAction may be given", i)
			}
			haveAction = true
			st.NotAction = kv.key == "NotAction"
			vals, err := stringOrList(kv.val)
			if err != nil || len(vals) == 0 {
				return st, malformed("statement %d: %s must be a non-empty string or list of strings", i, kv.key)
			}
			for _, a := range vals {
				if a != "*" && !actionRe.MatchString(a) {
					return st, malformed("statement %d: invalid action %q (want \"service:Action\", wildcards * and ? allowed)", i, a)
				}
				st.Actions = append(st.Actions, a)
				st.actionMatch = append(st.actionMatch, newMatcher(strings.ToLower(a)))
			}
		case "Resource", "NotResource":
			if kind == TrustPolicy {
				return st, malformed("statement %d: %s is not allowed in a role trust policy", i, kv.key)
			}
			if haveResource {
				return st, malformed("statement %d: only one of Resource and NotResource may be given", i)
			}
			haveResource = true
			st.NotResource = kv.key == "NotResource"
			vals, err := stringOrList(kv.val)
			if err != nil || len(vals) == 0 {
				return st, malformed("statement %d: %s must be a non-empty string or list of strings", i, kv.key)
			}
			for _, r := range vals {
				if r != "*" && !resourcePatternOK(stripVars(r)) {
					return st, malformed("statement %d: invalid resource %q: must be \"*\" or an ARN pattern arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE", i, r)
				}
				st.Resources = append(st.Resources, r)
				if version == "2012-10-17" && strings.Contains(r, "${") {
					st.resVars = true
				}
				st.resMatch = append(st.resMatch, newMatcher(r))
			}
		case "Principal", "NotPrincipal":
			if kind == IdentityPolicy || kind == SessionPolicy {
				return st, malformed("statement %d: %s is not allowed in an %s", i, kv.key, kind)
			}
			if havePrincipal {
				return st, malformed("statement %d: only one of Principal and NotPrincipal may be given", i)
			}
			havePrincipal = true
			st.NotPrincipal = kv.key == "NotPrincipal"
			ps, err := parsePrincipalSet(kv.val, i)
			if err != nil {
				return st, err
			}
			st.Principal = ps
		case "Condition":
			conds, err := parseConditions(kv.val, version, i)
			if err != nil {
				return st, err
			}
			st.Conditions = conds
		default:
			return st, malformed("statement %d: unknown element %q", i, kv.key)
		}
	}
	switch {
	case st.Effect == 0:
		return st, malformed("statement %d: missing Effect", i)
	case !haveAction:
		return st, malformed("statement %d: missing Action or NotAction", i)
	case !haveResource && kind != TrustPolicy:
		return st, malformed("statement %d: missing Resource or NotResource", i)
	case !havePrincipal && (kind == TrustPolicy || kind == ResourcePolicy):
		return st, malformed("statement %d: missing Principal or NotPrincipal", i)
	case st.NotPrincipal && st.Effect == Allow:
		return st, malformed("statement %d: NotPrincipal may be used only with \"Effect\": \"Deny\"", i)
	}
	return st, nil
}

func parsePrincipalSet(raw json.RawMessage, i int) (*PrincipalSet, error) {
	ps := &PrincipalSet{}
	if firstByte(raw) == '"' {
		var s string
		_ = json.Unmarshal(raw, &s)
		if s != "*" {
			return nil, malformed("statement %d: Principal must be \"*\" or an object such as {\"AWS\": ...}", i)
		}
		ps.Any = true
		return ps, nil
	}
	kvs, err := decodeObject(raw, fmt.Sprintf("statement %d Principal", i))
	if err != nil {
		return nil, err
	}
	if len(kvs) == 0 {
		return nil, malformed("statement %d: Principal is empty", i)
	}
	for _, kv := range kvs {
		vals, err := stringOrList(kv.val)
		if err != nil || len(vals) == 0 {
			return nil, malformed("statement %d: Principal %s must be a non-empty string or list of strings", i, kv.key)
		}
		switch kv.key {
		case "AWS":
			for _, v := range vals {
				switch {
				case v == "*":
					ps.Any = true
				case IsAccountID(v):
				default:
					if strings.ContainsAny(v, "*?") {
						return nil, malformed("statement %d: wildcards are not allowed in principal %q", i, v)
					}
					if _, err := ParsePrincipal(v); err != nil {
						return nil, malformed("statement %d: invalid AWS principal %q", i, v)
					}
				}
				ps.AWS = append(ps.AWS, v)
			}
		case "Service":
			for _, v := range vals {
				if !ServicePrincipalValid(v) {
					return nil, malformed("statement %d: invalid service principal %q", i, v)
				}
			}
			ps.Service = append(ps.Service, vals...)
		case "Federated":
			ps.Federated = append(ps.Federated, vals...)
		case "CanonicalUser":
			ps.CanonicalIDs = append(ps.CanonicalIDs, vals...)
		default:
			return nil, malformed("statement %d: unknown principal type %q (want AWS, Service, Federated or CanonicalUser)", i, kv.key)
		}
	}
	return ps, nil
}

// keyVal is one member of a JSON object, in document order.
type keyVal struct {
	key string
	val json.RawMessage
}

// decodeObject decodes a JSON object keeping member order and rejecting
// duplicate keys: encoding/json silently keeps the last duplicate, and a
// policy whose two readers disagree on "Effect" is an attack, not a typo.
func decodeObject(b []byte, what string) ([]keyVal, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, malformed("%s is not valid JSON: %v", what, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, malformed("%s must be a JSON object", what)
	}
	var out []keyVal
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, malformed("%s is not valid JSON: %v", what, err)
		}
		key, _ := tok.(string)
		if seen[key] {
			return nil, malformed("%s has duplicate key %q", what, key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, malformed("%s is not valid JSON: %v", what, err)
		}
		out = append(out, keyVal{key: key, val: raw})
	}
	if _, err := dec.Token(); err != nil {
		return nil, malformed("%s is not valid JSON: %v", what, err)
	}
	if len(bytes.TrimSpace(b[dec.InputOffset():])) > 0 {
		return nil, malformed("%s has trailing data after the closing brace", what)
	}
	return out, nil
}

func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// jsonString decodes a JSON string; unlike json.Unmarshal it refuses null,
// which would otherwise silently leave the default in place.
func jsonString(raw json.RawMessage, dst *string) error {
	if firstByte(raw) != '"' {
		return fmt.Errorf("not a string")
	}
	return json.Unmarshal(raw, dst)
}

// stringOrList decodes a string or a list of strings.
func stringOrList(raw json.RawMessage) ([]string, error) {
	switch firstByte(raw) {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return []string{s}, nil
	case '[':
		var l []*string
		if err := json.Unmarshal(raw, &l); err != nil {
			return nil, err
		}
		out := make([]string, len(l))
		for i, x := range l {
			if x == nil {
				return nil, fmt.Errorf("null in list")
			}
			out[i] = *x
		}
		return out, nil
	}
	return nil, fmt.Errorf("not a string or list")
}

// scalarOrList decodes a condition value: a string, number or boolean, or
// a list of them, all rendered as strings (IAM accepts unquoted numbers and
// booleans in conditions).
func scalarOrList(raw json.RawMessage) ([]string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	one := func(x any) (string, error) {
		switch t := x.(type) {
		case string:
			return t, nil
		case json.Number:
			return t.String(), nil
		case bool:
			return strconv.FormatBool(t), nil
		}
		return "", fmt.Errorf("condition values must be strings, numbers or booleans")
	}
	if l, ok := v.([]any); ok {
		out := make([]string, 0, len(l))
		for _, x := range l {
			s, err := one(x)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := one(v)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

// resourcePatternOK checks a Resource element: an ARN whose fields may
// hold wildcards (IAM requires six fields and a non-empty service and
// resource; region and account may be empty or wildcards).
func resourcePatternOK(r string) bool {
	parts := strings.SplitN(r, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[1] != "" && parts[2] != "" && parts[5] != ""
}

// stripVars replaces policy variables by a placeholder for validation.
func stripVars(s string) string {
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return s
		}
		s = s[:i] + "x" + s[i+j+1:]
	}
}

// String renders the statement compactly for diagnostics.
func (s *Statement) String() string {
	var b strings.Builder
	b.WriteString(s.Effect.String())
	if s.Sid != "" {
		b.WriteString(" (" + s.Sid + ")")
	}
	if s.NotAction {
		b.WriteString(" NotAction=")
	} else {
		b.WriteString(" Action=")
	}
	b.WriteString(strings.Join(s.Actions, ","))
	if s.Resources != nil {
		if s.NotResource {
			b.WriteString(" NotResource=")
		} else {
			b.WriteString(" Resource=")
		}
		b.WriteString(strings.Join(s.Resources, ","))
	}
	if len(s.Conditions) > 0 {
		keys := make([]string, 0, len(s.Conditions))
		for _, c := range s.Conditions {
			keys = append(keys, c.Operator+"("+c.Key+")")
		}
		sort.Strings(keys)
		b.WriteString(" Condition=" + strings.Join(keys, ","))
	}
	return b.String()
}

package iam

import (
	"strings"

	"github.com/sluicedb/sluice/authz/lferr"
)

// Decision is the outcome of an IAM evaluation.
type Decision uint8

const (
	ImplicitDeny Decision = iota
	Allowed
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case Allowed:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

// Layer names the policy layer a statement belongs to.
type Layer uint8

const (
	LayerIdentity Layer = iota + 1
	LayerSession
	LayerResource
)

func (l Layer) String() string {
	switch l {
	case LayerIdentity:
		return "identity-based policy"
	case LayerSession:
		return "session policy"
	case LayerResource:
		return "resource-based policy"
	}
	return "none"
}

// StatementRef points at one statement for the explain feature.
type StatementRef struct {
	Layer  Layer
	Policy string // Policy.Name
	Index  int    // statement index within the policy
	Sid    string
	Effect Effect
}

func (r StatementRef) valid() bool { return r.Layer != 0 }

// String renders e.g. `identity-based policy "role/r/p" statement 2 (Sid "ReadGlue")`.
func (r StatementRef) String() string {
	if !r.valid() {
		return "none"
	}
	s := r.Layer.String() + " " + strings.TrimSpace(quote(r.Policy)) + " statement " + itoa(r.Index)
	if r.Sid != "" {
		s += " (Sid " + quote(r.Sid) + ")"
	}
	return s
}

// Input is what one evaluation considers.
type Input struct {
	// Identity: inline and managed policies of the user or role.
	Identity []*Policy
	// Session: session policies of a role session (inline Policy and
	// PolicyArns of AssumeRole). When non-empty, an allow must also come
	// from a session policy: effective permissions are the intersection.
	Session []*Policy
	// Resource: resource-based policies of the target (the role's trust
	// policy for sts:AssumeRole). Their statements apply only when their
	// Principal matches Context.Caller.
	Resource []*Policy
	// RequireBoth: identity (∩ session) AND resource policies must each
	// allow — cross-account access, and sts:AssumeRole in sluice (which
	// always requires both the caller's permission and the trust policy).
	// Otherwise either suffices (same-account rule, spec §8.1 item 4).
	RequireBoth bool
}

// Result is a decision with the statements that made it.
type Result struct {
	Decision Decision
	// Deny is the first explicit-deny statement found (ExplicitDeny).
	Deny StatementRef
	// IdentityAllow, SessionAllow, ResourceAllow: the first allowing
	// statement per layer, when one matched.
	IdentityAllow StatementRef
	SessionAllow  StatementRef
	ResourceAllow StatementRef
	// Reason is a short phrase for messages: "explicit deny in an
	// identity-based policy", "no session policy allows the action", …
	Reason string
	// Matches lists every matching statement; filled only by Explain.
	Matches []StatementRef
}

// Evaluate decides ctx against in: explicit deny anywhere wins, then an
// allow is needed from every required layer, otherwise implicit deny. The
// result does not depend on statement or policy order (all statements are
// examined; the decision is a function of the set of matches). Evaluate
// does not allocate when no policy uses policy variables.
func Evaluate(ctx *Context, in *Input) Result {
	return evaluate(ctx, in, nil)
}

// Explain is Evaluate that also lists every matching statement.
func Explain(ctx *Context, in *Input) Result {
	var m []StatementRef
	r := evaluate(ctx, in, &m)
	r.Matches = m
	return r
}

func evaluate(ctx *Context, in *Input, all *[]StatementRef) Result {
	var r Result
	scan := func(layer Layer, pols []*Policy, first *StatementRef) {
		for _, p := range pols {
			if p == nil {
				continue
			}
			for i := range p.Statements {
				st := &p.Statements[i]
				if !st.applies(ctx, layer == LayerResource) {
					continue
				}
				ref := StatementRef{Layer: layer, Policy: p.Name, Index: i, Sid: st.Sid, Effect: st.Effect}
				if all != nil {
					*all = append(*all, ref)
				}
				if st.Effect == Deny {
					if !r.Deny.valid() {
						r.Deny = ref
					}
				} else if !first.valid() {
					*first = ref
				}
			}
		}
	}
	scan(LayerIdentity, in.Identity, &r.IdentityAllow)
	scan(LayerSession, in.Session, &r.SessionAllow)
	scan(LayerResource, in.Resource, &r.ResourceAllow)

	if r.Deny.valid() {
		r.Decision = ExplicitDeny
		r.Reason = "with an explicit deny in " + article(r.Deny.Layer) + r.Deny.Layer.String()
		return r
	}
	sessionOK := len(in.Session) == 0 || r.SessionAllow.valid()
	identityOK := r.IdentityAllow.valid() && sessionOK
	// A resource-policy allow is also narrowed by session policies: sluice
	// does not implement IAM's exception for resource policies that name
	// the session ARN itself (fail closed).
	resourceOK := r.ResourceAllow.valid() && sessionOK
	var ok bool
	switch {
	case len(in.Resource) == 0:
		ok = identityOK
	case in.RequireBoth:
		ok = identityOK && resourceOK
	default:
		ok = identityOK || resourceOK
	}
	if ok {
		r.Decision = Allowed
		return r
	}
	r.Decision = ImplicitDeny
	switch {
	case (r.IdentityAllow.valid() || r.ResourceAllow.valid()) && !sessionOK:
		r.Reason = "because no session policy allows the " + ctx.Action + " action"
	case len(in.Resource) > 0 && (in.RequireBoth || !r.IdentityAllow.valid()) && !r.ResourceAllow.valid():
		if len(in.Resource) == 1 && in.Resource[0].Kind == TrustPolicy {
			r.Reason = "because the role trust policy does not allow the " + ctx.Action + " action"
		} else {
			r.Reason = "because no resource-based policy allows the " + ctx.Action + " action"
		}
	default:
		r.Reason = "because no identity-based policy allows the " + ctx.Action + " action"
	}
	return r
}

// applies reports whether the statement matches the request (action,
// resource, principal for resource-based policies, conditions).
func (st *Statement) applies(ctx *Context, resourceBased bool) bool {
	matched := false
	for i := range st.actionMatch {
		if st.actionMatch[i].match(ctx.action) {
			matched = true
			break
		}
	}
	if matched == st.NotAction {
		return false
	}
	if st.Resources != nil {
		matched = false
		for i := range st.resMatch {
			m := st.resMatch[i]
			if st.resVars && strings.Contains(st.Resources[i], "${") {
				r, ok := ctx.resolveVars(st.Resources[i])
				if !ok {
					continue
				}
				m = newMatcher(r)
			}
			if m.match(ctx.Resource) {
				matched = true
				break
			}
		}
		if matched == st.NotResource {
			return false
		}
	}
	if resourceBased && st.Principal != nil {
		if st.Principal.matches(&ctx.Caller) == st.NotPrincipal {
			return false
		}
	}
	for i := range st.Conditions {
		if !st.Conditions[i].eval(ctx) {
			return false
		}
	}
	return true
}

// matches reports whether the caller is named by the principal set.
// An account id or account root ARN names every IAM principal of that
// account (whose own policies must then allow, as IAM requires); a role
// ARN names the role's sessions; service principals match only service
// callers; Federated and CanonicalUser never match (sluice has no such
// callers).
func (ps *PrincipalSet) matches(c *Caller) bool {
	if c.Kind == KindService {
		if ps.Any {
			return true
		}
		for _, s := range ps.Service {
			if s == c.Service {
				return true
			}
		}
		return false
	}
	if ps.Any {
		return c.ARN != "" || c.Account != ""
	}
	for _, a := range ps.AWS {
		switch {
		case a == c.Account && c.Account != "":
			return true
		case a == "arn:aws:iam::"+c.Account+":root" && c.Account != "":
			return true
		case a == c.ARN && c.ARN != "":
			return true
		case a == c.RoleARN && c.RoleARN != "":
			return true
		}
	}
	return false
}

// Error turns a denial into AWS's AccessDenied message, e.g. "User:
// arn:aws:sts::1:assumed-role/r/s is not authorized to perform:
// glue:GetTable on resource: arn:… because no identity-based policy allows
// the glue:GetTable action". code is lferr.AccessDenied (LF, Glue) or
// lferr.STSAccessDenied (IAM, STS). It returns nil for Allowed.
func (r Result) Error(code lferr.Code, ctx *Context) error {
	if r.Decision == Allowed {
		return nil
	}
	who := ctx.Caller.ARN
	if who == "" {
		who = ctx.Caller.Service
	}
	e := lferr.New(code, "User: %s is not authorized to perform: %s on resource: %s %s", who, ctx.Action, ctx.Resource, r.Reason)
	e.Resource = ctx.Resource
	return e
}

func article(l Layer) string {
	if l == LayerIdentity {
		return "an "
	}
	return "a "
}

func quote(s string) string { return "\"" + s + "\"" }

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	neg := i < 0
	if neg {
		i = -i
	}
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}

// Describe renders the decision for the explain feature, e.g.
//
//	ExplicitDeny: denied by identity-based policy "p" statement 1 (Sid "D")
//	  allowed by identity-based policy "q" statement 0
func (r Result) Describe() string {
	var b strings.Builder
	b.WriteString(r.Decision.String())
	switch r.Decision {
	case ExplicitDeny:
		b.WriteString(": denied by " + r.Deny.String())
	case Allowed:
		b.WriteString(":")
	default:
		b.WriteString(": " + strings.TrimPrefix(r.Reason, "because "))
	}
	for _, ref := range []StatementRef{r.IdentityAllow, r.SessionAllow, r.ResourceAllow} {
		if ref.valid() {
			b.WriteString("\n  allowed by " + ref.String())
		}
	}
	for _, m := range r.Matches {
		b.WriteString("\n  matched " + m.Effect.String() + " in " + m.String())
	}
	return b.String()
}

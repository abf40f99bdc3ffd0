package authz

import "github.com/sluicedb/sluice/authz/lferr"

// CallerKind says how a caller authenticated.
type CallerKind uint8

const (
	// NoCaller is the zero value: an unauthenticated caller, always refused.
	NoCaller CallerKind = iota
	// AdminCaller is the lake's administrator acting through the embedded
	// API or CLI (the account root): the data lake admin of every catalog
	// in this home.
	AdminCaller
	// RoleSessionCaller is an STS role session (arn:aws:sts::ACCOUNT:
	// assumed-role/ROLE/SESSION) with its session tags, as an engine
	// presents its end user.
	RoleSessionCaller
)

func (k CallerKind) String() string {
	switch k {
	case AdminCaller:
		return "admin"
	case RoleSessionCaller:
		return "role-session"
	}
	return "none"
}

// Caller identifies the principal a Client acts for. The principal is
// always passed explicitly, never taken from a context.
type Caller struct {
	Kind CallerKind
	// Principal is the caller's ARN: arn:aws:iam::ACCOUNT:root for the
	// administrator, the assumed-role session ARN for a role session.
	Principal string
	// Account is the caller's account id; it is also the default CatalogId
	// of its Glue calls.
	Account string
	// SessionTags are the role session's tags (LakeFormationAuthorizedCaller
	// among them). IAM compares tag keys without regard to case; callers
	// building a Caller must not put two keys differing only in case.
	SessionTags map[string]string
}

// Admin returns the administrator caller of the home's account.
func (cp *ControlPlane) Admin() Caller {
	return Caller{Kind: AdminCaller, Principal: "arn:aws:iam::" + cp.account + ":root", Account: cp.account}
}

// authorize is the single gate every Client call passes before touching
// the catalog. It fails closed: anything it does not positively recognise
// is AccessDeniedException.
func (cp *ControlPlane) authorize(c Caller, action, resource string) error {
	switch c.Kind {
	case AdminCaller:
		if c.Account == "" || c.Principal == "" {
			return lferr.New(lferr.AccessDenied, "The administrator caller has no account or principal; use ControlPlane.Admin().")
		}
		return nil
	case RoleSessionCaller:
		// IAM policy evaluation and session validation are not wired into
		// the control plane yet; refusing is the only safe answer.
		return lferr.New(lferr.AccessDenied, "User: %s is not authorized to perform: %s on resource: %s (role-session callers are not supported by this control plane yet)", c.Principal, action, resource)
	}
	return lferr.New(lferr.AccessDenied, "Unauthenticated caller is not authorized to perform: %s on resource: %s", action, resource)
}

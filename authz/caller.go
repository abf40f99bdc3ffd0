package authz

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/authz/sts"
)

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
//
// A role-session Caller is only ever made by the control plane
// (AssumeRole, Authenticate, CallerForRole): it carries the verified STS
// session, which every call re-checks (expiry, revocation) and evaluates
// IAM against. A Caller built by hand with Kind RoleSessionCaller has no
// session and is refused, whatever tags it claims.
type Caller struct {
	Kind CallerKind
	// Principal is the caller's ARN: arn:aws:iam::ACCOUNT:root for the
	// administrator, the assumed-role session ARN for a role session.
	Principal string
	// Account is the caller's account id; it is also the default CatalogId
	// of its Glue calls.
	Account string
	// SessionTags are the role session's tags (LakeFormationAuthorizedCaller
	// among them), for display; decisions read the verified session's.
	SessionTags map[string]string

	session *sts.Session
}

// RoleArn is the role of a role-session caller ("" otherwise): the
// principal Lake Formation grants name.
func (c Caller) RoleArn() string {
	if c.session == nil {
		return ""
	}
	return c.session.RoleArn
}

// Expiration is when a role-session caller's session expires (zero
// otherwise).
func (c Caller) Expiration() time.Time {
	if c.session == nil {
		return time.Time{}
	}
	return c.session.Expiration
}

// Admin returns the administrator caller of the home's account.
func (cp *ControlPlane) Admin() Caller {
	return Caller{Kind: AdminCaller, Principal: "arn:aws:iam::" + cp.account + ":root", Account: cp.account}
}

func callerForSession(s *sts.Session) Caller {
	tags := make(map[string]string, len(s.Tags))
	for _, t := range s.Tags {
		tags[t.Key] = t.Value
	}
	return Caller{Kind: RoleSessionCaller, Principal: s.AssumedRoleArn, Account: s.Account, SessionTags: tags, session: s}
}

// stsIn is the STS service over one transaction of the home's database.
func (cp *ControlPlane) stsIn(tx *store.Tx) *sts.Service {
	return &sts.Service{Dir: iam.AsDirectory(iam.BoltRecords{Tx: tx}), Store: sts.BoltStore{Tx: tx}, Rand: cp.rand,
		Sealer: cp.sealer, Cache: cp.policies}
}

// principalOf is the STS principal of a verified caller.
func (cp *ControlPlane) principalOf(c Caller) (sts.Principal, error) {
	switch c.Kind {
	case AdminCaller:
		if c.Account == "" || c.Principal == "" {
			return sts.Principal{}, lferr.New(lferr.AccessDenied, "The administrator caller has no account or principal; use ControlPlane.Admin().")
		}
		return sts.RootPrincipal(c.Account), nil
	case RoleSessionCaller:
		if c.session == nil {
			return sts.Principal{}, lferr.New(lferr.AccessDenied, "User: %s is not authorized: the role session was not issued or verified by this control plane (use AssumeRole, Authenticate or CallerForRole)", c.Principal)
		}
		return sts.SessionPrincipal(c.session), nil
	}
	return sts.Principal{}, lferr.New(lferr.AccessDenied, "Unauthenticated caller is not authorized.")
}

// AssumeRole performs sts:AssumeRole for caller (the administrator or a
// role session, which is role chaining) and stores the session in the
// home. The new session's Caller is CallerForSession(out.Session).
func (cp *ControlPlane) AssumeRole(now time.Time, caller Caller, in sts.AssumeRoleInput) (*sts.AssumeRoleOutput, error) {
	var out *sts.AssumeRoleOutput
	err := cp.db.Update(func(tx *store.Tx) error {
		p, err := cp.principalOf(caller)
		if err != nil {
			return err
		}
		if caller.Kind == RoleSessionCaller {
			if err := cp.checkSession(tx, caller.session, now); err != nil {
				return err
			}
		}
		out, err = cp.stsIn(tx).AssumeRole(now, p, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CallerForSession is the Caller of a session AssumeRole just issued.
func CallerForSession(s *sts.Session) (Caller, error) {
	if s == nil || s.AccessKeyId == "" {
		return Caller{}, lferr.New(lferr.InvalidInput, "no session")
	}
	return callerForSession(s), nil
}

// Authenticate resolves presented temporary credentials (ASIA… access key
// id and session token) to a role-session Caller. Expired, revoked or
// unknown credentials are refused with STS's error codes.
func (cp *ControlPlane) Authenticate(accessKeyID, sessionToken string) (Caller, error) {
	var c Caller
	err := cp.db.View(func(tx *store.Tx) error {
		if !strings.HasPrefix(accessKeyID, "ASIA") {
			return lferr.New(lferr.InvalidClientTokenId, "The security token included in the request is invalid: only role-session credentials are engine callers.")
		}
		s, _, err := cp.stsIn(tx).Validate(cp.now(), accessKeyID, sessionToken)
		if err != nil {
			return err
		}
		c = callerForSession(s)
		return nil
	})
	return c, err
}

// checkSession re-validates a stored session at now: it must still exist,
// not be revoked (by itself or by its role) and not have expired.
func (cp *ControlPlane) checkSession(tx *store.Tx, s *sts.Session, now time.Time) error {
	rec, err := cp.sessionRecord(tx, s.AccessKeyId)
	if err != nil {
		return err
	}
	cur, cut := rec.cur, rec.roleCut
	if cur == nil || cur.Revoked {
		return lferr.New(lferr.AccessDenied, "User: %s is not authorized: the session was revoked", s.AssumedRoleArn)
	}
	// The Caller's copy is what decisions read (tags, role, policies): it
	// must be the stored session, not a look-alike built in process.
	if !sameSession(cur, s) {
		return lferr.New(lferr.AccessDenied, "User: %s is not authorized: the presented session does not match the one issued", s.AssumedRoleArn)
	}
	if !now.Before(cur.Expiration) {
		return lferr.New(lferr.AccessDenied, "User: %s is not authorized: the session expired at %s", s.AssumedRoleArn, cur.Expiration.Format(time.RFC3339))
	}
	if !cut.IsZero() && !cur.IssuedAt.After(cut) {
		return lferr.New(lferr.AccessDenied, "User: %s is not authorized: sessions of %s issued before %s were revoked", s.AssumedRoleArn, cur.RoleArn, cut.Format(time.RFC3339))
	}
	return nil
}

// sessionRec is what checkSession reads from the store for one access
// key: the stored session (nil when unknown) and its role's revocation
// cut-off. Both are pure functions of the snapshot, so they are cached per
// catalog version; the checks against the clock run on every call.
type sessionRec struct {
	cur     *sts.Session
	roleCut time.Time
}

func (cp *ControlPlane) sessionRecord(tx *store.Tx, accessKeyID string) (sessionRec, error) {
	cache := cp.sessions
	if tx.Writable() {
		cache = nil
	}
	if cache != nil {
		if r, ok := cache.Get(tx.Version(), accessKeyID); ok {
			return r, nil
		}
	}
	st := sts.BoltStore{Tx: tx}
	cur, err := st.Session(accessKeyID)
	if err != nil {
		return sessionRec{}, err
	}
	r := sessionRec{cur: cur}
	if cur != nil {
		if r.roleCut, err = st.RoleRevokedAt(cur.RoleArn); err != nil {
			return sessionRec{}, err
		}
	}
	if cache != nil {
		cache.Put(tx.Version(), accessKeyID, r)
	}
	return r, nil
}

// sameSession compares everything a decision reads from a session.
func sameSession(a, b *sts.Session) bool {
	return a.AccessKeyId == b.AccessKeyId && a.TokenHash == b.TokenHash && a.Account == b.Account && a.RoleArn == b.RoleArn &&
		a.RoleId == b.RoleId && a.AssumedRoleArn == b.AssumedRoleArn && a.Policy == b.Policy && a.SourceIdentity == b.SourceIdentity &&
		slices.Equal(a.Tags, b.Tags) && slices.Equal(a.PolicyArns, b.PolicyArns) && slices.Equal(a.TransitiveTagKeys, b.TransitiveTagKeys) &&
		a.IssuedAt.Equal(b.IssuedAt) && a.Expiration.Equal(b.Expiration)
}

// The in-process engine's own identity.
const (
	// EngineRoleName is the IAM role an in-process engine acts as.
	EngineRoleName = "sluice-engine"
	// EngineSessionName names the engine's own session and the sessions it
	// opens for users.
	EngineSessionName = "sluice"
)

// engineTrust lets the account's administrator (the root, or any principal
// of the account that IAM allows) assume the engine role and pass session
// tags: the account is the principal, as AWS's default trust.
const engineTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`

// enginePolicy lets the engine assume the users' roles with session tags
// (those roles' trust policies still decide), and nothing else.
const enginePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"arn:aws:iam::%s:role/*"}]}`

// ensureEngineRole creates the sluice-engine role on first use.
func (cp *ControlPlane) ensureEngineRole(tx *store.Tx, now time.Time) error {
	recs := iam.BoltRecords{Tx: tx}
	r, err := recs.GetRole(cp.account, EngineRoleName)
	if err != nil || r != nil {
		return err
	}
	adm := &iam.Admin{Rand: cp.rand, Sealer: cp.sealer}
	if _, err := adm.CreateRole(recs, now, iam.CreateRoleInput{Account: cp.account, RoleName: EngineRoleName, Path: "/",
		AssumeRolePolicyDocument: fmt.Sprintf(engineTrust, cp.account),
		Description:              "The identity of sluice's in-process engine: assumes users' roles with the LakeFormationAuthorizedCaller session tag.",
		MaxSessionDuration:       iam.MaxMaxSession}); err != nil {
		return err
	}
	return adm.PutRolePolicy(recs, cp.account, EngineRoleName, "assume-user-roles", fmt.Sprintf(enginePolicy, cp.account))
}

// CallerForRole opens a role session for an in-process engine acting for a
// user: the account administrator assumes the engine role sluice-engine
// (created on first use, trusting the account and allowing
// sts:TagSession), and that engine session assumes roleNameOrArn (a role
// name in the home's account, or a role ARN) with sessionTags — real
// sts:AssumeRole calls, so the target role's trust policy must allow the
// engine (the account root principal does, as AWS's default) and
// sts:TagSession when tags are passed. The session is role chaining, so
// it lasts at most one hour: call again to refresh.
func (cp *ControlPlane) CallerForRole(ctx context.Context, roleNameOrArn string, sessionTags map[string]string) (Caller, error) {
	if err := live(ctx); err != nil {
		return Caller{}, err
	}
	arn := roleNameOrArn
	if !strings.HasPrefix(arn, "arn:") {
		if roleNameOrArn == "" || strings.ContainsAny(roleNameOrArn, ":/") {
			return Caller{}, lferr.New(lferr.InvalidInput, "Role %q is neither a role name nor a role ARN.", roleNameOrArn)
		}
		arn = "arn:aws:iam::" + cp.account + ":role/" + roleNameOrArn
	}
	tags := make([]iam.Tag, 0, len(sessionTags))
	for k, v := range sessionTags {
		tags = append(tags, iam.Tag{Key: k, Value: v})
	}
	sortTags(tags)
	var out *sts.AssumeRoleOutput
	now := cp.now()
	err := cp.db.Update(func(tx *store.Tx) error {
		if err := cp.ensureEngineRole(tx, now); err != nil {
			return err
		}
		// A path in the ARN is part of the role's identity: look the role
		// up by name to find its real ARN when only a name was given.
		if !strings.HasPrefix(roleNameOrArn, "arn:") {
			r, err := iam.BoltRecords{Tx: tx}.GetRole(cp.account, roleNameOrArn)
			if err != nil {
				return err
			}
			if r != nil {
				arn = r.Arn
			}
		}
		svc := cp.stsIn(tx)
		eng, err := svc.AssumeRole(now, sts.RootPrincipal(cp.account), sts.AssumeRoleInput{
			RoleArn: "arn:aws:iam::" + cp.account + ":role/" + EngineRoleName, RoleSessionName: EngineSessionName})
		if err != nil {
			return lferr.Wrap(lferr.CodeOf(err), err, "the engine role %s cannot be assumed: %s", EngineRoleName, lferr.MessageOf(err))
		}
		out, err = svc.AssumeRole(now, sts.SessionPrincipal(eng.Session), sts.AssumeRoleInput{
			RoleArn: arn, RoleSessionName: EngineSessionName, Tags: tags})
		return err
	})
	if err != nil {
		return Caller{}, err
	}
	return callerForSession(out.Session), nil
}

func sortTags(t []iam.Tag) {
	for i := 1; i < len(t); i++ {
		for j := i; j > 0 && t[j].Key < t[j-1].Key; j-- {
			t[j], t[j-1] = t[j-1], t[j]
		}
	}
}

// authorize is the gate every Client call passes before touching the
// catalog: the administrator passes; a role session must be current and
// IAM must allow service's operation on the target (explicit deny wins;
// iam.RequiredActions). It fails closed: anything it does not positively
// recognise is AccessDeniedException.
func (cp *ControlPlane) authorize(tx *store.Tx, c Caller, service, op string, t sts.Target) error {
	p, err := cp.principalOf(c)
	if err != nil {
		return err
	}
	if c.Kind == AdminCaller {
		return nil
	}
	now := cp.now()
	if err := cp.checkSession(tx, c.session, now); err != nil {
		return err
	}
	if t.Region == "" {
		t.Region = cp.region
	}
	svc := cp.stsIn(tx)
	if !tx.Writable() && cp.iamRecords != nil {
		svc.Dir = &cachedDirectory{Directory: svc.Dir, version: tx.Version(), cache: cp.iamRecords}
	}
	return svc.AuthorizeOperation(now, p, service, op, t, lferr.AccessDenied)
}

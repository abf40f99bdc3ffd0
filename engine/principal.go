package engine

import (
	"context"
	"strings"
	"time"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/lferr"
)

// sessionRefreshMargin is how long before its expiry a principal's role
// session is renewed. Role chaining caps those sessions at one hour; the
// margin leaves a statement started just before the renewal enough time
// to finish its catalog calls.
const sessionRefreshMargin = 5 * time.Minute

// NewSession starts a session. principal "" runs as the lake's data lake
// administrator (in-process only), so a newcomer can create and load
// tables. Otherwise principal is a role name in the lake's account or a
// role ARN: the engine assumes it through STS with the
// LakeFormationAuthorizedCaller session tag, and everything the session
// does is decided by the control plane for that role session.
func (e *Engine) NewSession(ctx context.Context, principal string) (*Session, error) {
	if e.remote != nil {
		return e.newRemoteSession(ctx, principal)
	}
	if principal == "" {
		return &Session{e: e, client: e.cp.ClientFor(e.cp.Admin()), database: "default", admin: true}, nil
	}
	caller, err := e.assume(ctx, principal)
	if err != nil {
		return nil, err
	}
	s := &Session{e: e, role: principal, caller: caller, client: e.cp.ClientFor(caller), database: "default"}
	return s, nil
}

// assume opens a role session for role with the engine's session tag.
// STS answers the same for a missing role as for a trust policy that
// refuses (so that roles cannot be enumerated); the message names both.
func (e *Engine) assume(ctx context.Context, role string) (authz.Caller, error) {
	caller, err := e.cp.CallerForRole(ctx, role, map[string]string{authz.AuthorizedCallerTag: e.tagValue})
	if err == nil {
		return caller, nil
	}
	code := lferr.CodeOf(err)
	switch code {
	case lferr.STSAccessDenied, lferr.AccessDenied:
		return authz.Caller{}, lferr.Wrap(code, err, "cannot start a session as %s: %s (hint: the role must exist in account %s and its trust policy must allow the engine, arn:aws:iam::%s:role/%s or the account root, sts:AssumeRole and sts:TagSession)",
			role, lferr.MessageOf(err), e.cp.AccountID(), e.cp.AccountID(), authz.EngineRoleName)
	case "":
		return authz.Caller{}, lferr.Wrap(lferr.InternalService, err, "cannot start a session as %s: %v", role, err)
	}
	return authz.Caller{}, lferr.Wrap(code, err, "cannot start a session as %s: %s", role, lferr.MessageOf(err))
}

// Principal is the session's principal: the assumed-role session ARN, or
// the account root for the administrator.
func (s *Session) Principal() string {
	if s.admin {
		return s.e.cp.Admin().Principal
	}
	return s.caller.Principal
}

// ensureFresh renews a principal's role session before it expires, so a
// long-lived shell keeps working past the one-hour limit of role chaining.
func (s *Session) ensureFresh(ctx context.Context) error {
	if s.admin || s.e.remote != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.e.now().Add(sessionRefreshMargin).Before(s.caller.Expiration()) {
		return nil
	}
	caller, err := s.e.assume(ctx, s.role)
	if err != nil {
		return err
	}
	s.caller, s.client = caller, s.e.cp.ClientFor(caller)
	return nil
}

// withSettingsHint adds, to a refusal caused by the lake's DataLakeSettings
// not admitting this engine, which setting to change. The control plane's
// message and code pass through unchanged otherwise.
func (e *Engine) withSettingsHint(err error) error {
	if err == nil || lferr.CodeOf(err) != lferr.AccessDenied {
		return err
	}
	msg := lferr.MessageOf(err)
	var hint string
	switch {
	case strings.Contains(msg, "AllowExternalDataFiltering"):
		hint = "turn AllowExternalDataFiltering on in the lake's DataLakeSettings"
	case strings.Contains(msg, "ExternalDataFilteringAllowList"):
		hint = "add account " + e.accountID() + " to ExternalDataFilteringAllowList in the lake's DataLakeSettings"
	case strings.Contains(msg, "AuthorizedSessionTagValueList"), strings.Contains(msg, authz.AuthorizedCallerTag+" session tag"):
		hint = "add \"" + e.tagValue + "\" to AuthorizedSessionTagValueList in the lake's DataLakeSettings"
	default:
		return err
	}
	return lferr.Wrap(lferr.AccessDenied, err, "%s (hint: %s, e.g. with PutDataLakeSettings)", msg, hint)
}

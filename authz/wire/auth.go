package wire

import (
	"net/http"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/authz/sts"
)

// authenticate verifies the request's SigV4 signature and resolves the
// caller: role sessions through the home's STS sessions (expired →
// ExpiredToken, unknown → InvalidClientTokenId), long-term keys through
// IAM users. The scope must name the routed service and the home's region.
func (s *Server) authenticate(r *http.Request, req *request) error {
	sig, err := ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return err
	}
	if sig.Service != req.service {
		return badSignature("Credential should be scoped to correct service: '" + req.service + "', not " + quote(sig.Service) + ".")
	}
	if sig.Region != s.region {
		return badSignature("Credential should be scoped to a valid region: '" + s.region + "', not " + quote(sig.Region) + ".")
	}
	now := s.now()
	signedAt, err := CheckDate(r, sig, now)
	if err != nil {
		return err
	}
	token := r.Header.Get("X-Amz-Security-Token")
	var (
		p      sts.Principal
		secret string
	)
	err = s.cp.Store().View(func(tx *store.Tx) error {
		var err error
		p, secret, err = s.stsIn(tx).Authenticate(now, sig.AccessKeyID, token, iam.BoltRecords{Tx: tx})
		return err
	})
	if err != nil {
		return err
	}
	if err := Verify(r, req.body, sig, signedAt, secret, token); err != nil {
		return err
	}
	req.who = identity{p: p}
	switch {
	case p.Session != nil:
		c, err := authz.CallerForSession(p.Session)
		if err != nil {
			return err
		}
		req.who.caller = c
	case p.Kind == iam.KindUser && p.ARN == s.adminArn && p.Account == s.account:
		req.who.caller = s.cp.Admin()
		req.who.admin = true
	}
	return nil
}

// authorizeIAM evaluates IAM for the caller on the operation (explicit
// deny wins; iam.RequiredActions). Role sessions' Glue and integration
// calls are also checked by the facade; checking here first costs one
// policy evaluation and keeps every operation behind the same gate.
func (s *Server) authorizeIAM(req *request, t sts.Target) error {
	code := lferr.AccessDenied
	if req.proto == awsQuery {
		code = lferr.STSAccessDenied
	}
	if t.Region == "" {
		t.Region = s.region
	}
	return s.cp.Store().View(func(tx *store.Tx) error {
		return s.stsIn(tx).AuthorizeOperation(s.now(), req.who.p, req.service, req.op, t, code)
	})
}

// errNotLakeCaller refuses IAM users other than the administrator on the
// Lake Formation and Glue APIs: the control plane serves engines through
// role sessions (VISION rule 1) and the administrator, nothing else.
func errNotLakeCaller(req *request) error {
	return lferr.New(lferr.AccessDenied, "User: %s is not authorized to perform: %s:%s: only the data lake administrator (%s) and role sessions (sts:AssumeRole) call Lake Formation and Glue on sluice",
		req.who.arn(), req.service, req.op, AdminUserName)
}

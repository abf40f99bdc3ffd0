package sts

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lferr"
)

// Limits of AssumeRole (botocore sts/2011-06-15, spec §8.3).
const (
	MinDuration       = 900
	MaxDuration       = 43200
	DefaultDuration   = 3600
	ChainedMaxSeconds = 3600 // role chaining caps a session at one hour
	MaxSessionTags    = 50
	MaxTransitiveKeys = 50
	MaxPolicyArns     = 10
	MaxPolicyLength   = 2048 // inline session policy, plaintext characters
	// PackedLimit is the size budget of the packed session blob (session
	// policy, policy ARNs and tags). AWS compresses these into a binary
	// form with an undisclosed limit; sluice counts bytes of the compacted
	// JSON policy, the ARNs and the tag keys and values against this
	// budget and reports PackedPolicySize as a percentage of it.
	PackedLimit = 4096
)

// Session is one role session. Only hashes of the secret and token are
// stored.
type Session struct {
	AccessKeyId       string    `json:"AccessKeyId"`
	SecretHash        string    `json:"SecretHash"`
	TokenHash         string    `json:"TokenHash"`
	Account           string    `json:"Account"`
	RoleArn           string    `json:"RoleArn"`
	RoleId            string    `json:"RoleId"`
	RoleName          string    `json:"RoleName"`
	SessionName       string    `json:"RoleSessionName"`
	AssumedRoleArn    string    `json:"AssumedRoleArn"`
	Tags              []iam.Tag `json:"Tags,omitempty"`
	TransitiveTagKeys []string  `json:"TransitiveTagKeys,omitempty"`
	Policy            string    `json:"Policy,omitempty"`
	PolicyArns        []string  `json:"PolicyArns,omitempty"`
	SourceIdentity    string    `json:"SourceIdentity,omitempty"`
	CallerArn         string    `json:"CallerArn"`
	Chained           bool      `json:"Chained,omitempty"`
	IssuedAt          time.Time `json:"IssuedAt"`
	Expiration        time.Time `json:"Expiration"`
	Revoked           bool      `json:"Revoked,omitempty"`
}

// AssumedRoleId is "ROLEID:SESSION", the UserId of the session.
func (s *Session) AssumedRoleId() string { return s.RoleId + ":" + s.SessionName }

func (s *Session) clone() Session {
	c := *s
	c.Tags = append([]iam.Tag(nil), s.Tags...)
	c.TransitiveTagKeys = append([]string(nil), s.TransitiveTagKeys...)
	c.PolicyArns = append([]string(nil), s.PolicyArns...)
	return c
}

// TransitiveTags returns the session tags whose keys are transitive.
func (s *Session) TransitiveTags() []iam.Tag {
	var out []iam.Tag
	for _, t := range s.Tags {
		for _, k := range s.TransitiveTagKeys {
			if strings.EqualFold(t.Key, k) {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// Principal is an authenticated caller: an IAM user, a role session, an
// account root or an AWS service.
type Principal struct {
	Kind    iam.PrincipalKind
	ARN     string
	Account string
	Name    string    // user or role name
	UserID  string    // AIDA… for users, AROA…:session for sessions
	Service string    // service principals
	Session *Session  // role sessions
	User    *iam.User // users
}

// UserPrincipal is the principal of an authenticated IAM user.
func UserPrincipal(u *iam.User) Principal {
	return Principal{Kind: iam.KindUser, ARN: u.Arn, Account: u.Account, Name: u.UserName, UserID: u.UserId, User: u}
}

// SessionPrincipal is the principal of a validated role session.
func SessionPrincipal(s *Session) Principal {
	return Principal{Kind: iam.KindAssumedRole, ARN: s.AssumedRoleArn, Account: s.Account, Name: s.RoleName,
		UserID: s.AssumedRoleId(), Session: s}
}

// ServicePrincipal is an AWS service (e.g. "lakeformation.amazonaws.com").
func ServicePrincipal(service string) Principal {
	return Principal{Kind: iam.KindService, Service: service}
}

// LFPrincipalARN is the ARN Lake Formation grants name for this principal:
// a role session maps to its role's ARN (spec §4.5, §8.3).
func (p Principal) LFPrincipalARN() string {
	if p.Session != nil {
		return p.Session.RoleArn
	}
	return p.ARN
}

func (p Principal) caller() iam.Caller {
	c := iam.Caller{ARN: p.ARN, Kind: p.Kind, Account: p.Account, Service: p.Service, UserID: p.UserID}
	if p.Session != nil {
		c.RoleARN = p.Session.RoleArn
	}
	return c
}

// Service issues and validates role sessions. It keeps no state of its
// own: it is safe for concurrent use when its Store, Dir and Rand are
// (crypto/rand.Reader is). Cache may be nil (policies are then parsed on
// every call).
type Service struct {
	Dir    iam.Directory
	Store  Store
	Rand   io.Reader   // crypto/rand.Reader in production
	Sealer *iam.Sealer // seals the secret into the session token
	Cache  *iam.PolicyCache
}

// Credentials are temporary credentials; SecretAccessKey and SessionToken
// are returned once and never stored.
type Credentials struct {
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// AssumeRoleInput mirrors sts:AssumeRole.
type AssumeRoleInput struct {
	RoleArn           string
	RoleSessionName   string
	DurationSeconds   int32 // 0: default (3600, or the 1 h chain limit)
	Tags              []iam.Tag
	TransitiveTagKeys []string
	Policy            string
	PolicyArns        []string
	SourceIdentity    string
	ExternalId        string
}

// AssumeRoleOutput mirrors the AssumeRole response, plus the new session.
type AssumeRoleOutput struct {
	Credentials      Credentials
	AssumedRoleId    string
	Arn              string
	PackedPolicySize int
	SourceIdentity   string
	Session          *Session
}

var (
	sourceIdentityRe = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	externalIDRe     = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
)

func invalid(format string, args ...any) error {
	return lferr.New(lferr.InvalidParameterValue, format, args...)
}

func validation(format string, args ...any) error {
	return lferr.New(lferr.ValidationError, format, args...)
}

// AssumeRole performs sts:AssumeRole for caller at time now.
//
// Order: validate the request; look up the role (an unknown role is an
// AccessDenied, as in AWS, so that role names cannot be probed); apply the
// role-chaining rules; authorize sts:AssumeRole (and sts:TagSession when
// tags are passed, sts:SetSourceIdentity when a source identity is) with
// both the caller's identity (∩ session) policies and the role's trust
// policy; then mint credentials and store the session.
func (s *Service) AssumeRole(now time.Time, caller Principal, in AssumeRoleInput) (*AssumeRoleOutput, error) {
	now = now.UTC()
	if s.Sealer == nil || s.Rand == nil || s.Dir == nil || s.Store == nil {
		return nil, lferr.AssertionFailedf("sts.Service is not fully configured")
	}
	// 1. Request validation.
	if n := len(in.RoleArn); n < 20 || n > 2048 {
		return nil, validation("1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048")
	}
	ref, err := iam.ParsePrincipal(in.RoleArn)
	if err != nil || ref.Kind != iam.KindRole {
		return nil, validation("%q is not a valid role ARN (want arn:aws:iam::ACCOUNT:role/NAME)", in.RoleArn)
	}
	if err := iam.ValidateSessionName(in.RoleSessionName); err != nil {
		return nil, err
	}
	if in.DurationSeconds != 0 && (in.DurationSeconds < MinDuration || in.DurationSeconds > MaxDuration) {
		return nil, validation("DurationSeconds %d must be between %d and %d", in.DurationSeconds, MinDuration, MaxDuration)
	}
	if len(in.Policy) > MaxPolicyLength {
		return nil, validation("1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to %d", MaxPolicyLength)
	}
	if len(in.PolicyArns) > MaxPolicyArns {
		return nil, validation("too many PolicyArns: %d (at most %d)", len(in.PolicyArns), MaxPolicyArns)
	}
	if len(in.Tags) > MaxSessionTags {
		return nil, validation("too many session tags: %d (at most %d)", len(in.Tags), MaxSessionTags)
	}
	if err := iam.ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	if len(in.TransitiveTagKeys) > MaxTransitiveKeys {
		return nil, validation("too many TransitiveTagKeys: %d (at most %d)", len(in.TransitiveTagKeys), MaxTransitiveKeys)
	}
	for _, k := range in.TransitiveTagKeys {
		if !hasTagKey(in.Tags, k) {
			return nil, invalid("transitive tag key %q is not one of the session tags passed in the request", k)
		}
	}
	if in.SourceIdentity != "" && !sourceIdentityRe.MatchString(in.SourceIdentity) {
		return nil, validation("invalid SourceIdentity %q: 2-64 characters of [A-Za-z0-9+=,.@_-]", in.SourceIdentity)
	}
	if strings.HasPrefix(strings.ToLower(in.SourceIdentity), "aws:") {
		return nil, validation("invalid SourceIdentity %q: the prefix \"aws:\" is reserved", in.SourceIdentity)
	}
	if in.ExternalId != "" && (len(in.ExternalId) < 2 || len(in.ExternalId) > 1224 || !externalIDRe.MatchString(in.ExternalId)) {
		return nil, validation("invalid ExternalId: 2-1224 characters of [A-Za-z0-9+=,.@:/_-]")
	}
	var sessionPolicies []*iam.Policy
	if in.Policy != "" {
		p, err := s.Cache.Parse("session policy", in.Policy, iam.SessionPolicy)
		if err != nil {
			return nil, iam.AsMalformed(err)
		}
		sessionPolicies = append(sessionPolicies, p)
	}
	for _, arn := range in.PolicyArns {
		if _, err := iam.ParseARN(arn); err != nil {
			return nil, invalid("invalid policy ARN %q", arn)
		}
		p, err := iam.ResolvePolicy(s.Dir, s.Cache, arn)
		if err != nil {
			if lferr.CodeOf(err) == lferr.NoSuchEntity {
				return nil, invalid("policy %s does not exist", arn)
			}
			return nil, err
		}
		sessionPolicies = append(sessionPolicies, p)
	}

	deny := func(action string) *lferr.Error {
		who := caller.ARN
		if who == "" {
			who = caller.Service
		}
		return lferr.New(lferr.STSAccessDenied, "User: %s is not authorized to perform: %s on resource: %s", who, action, in.RoleArn)
	}

	// 2. The role. Unknown role and path mismatch look like any denial.
	role, err := s.Dir.Role(ref.Account, ref.Name)
	if err != nil {
		if lferr.CodeOf(err) == lferr.NoSuchEntity {
			return nil, deny("sts:AssumeRole")
		}
		return nil, err
	}
	if role.Arn != in.RoleArn {
		return nil, deny("sts:AssumeRole")
	}
	maxDur := role.MaxSessionDuration
	if maxDur == 0 {
		maxDur = DefaultDuration
	}

	// 3. Role chaining: the caller is itself a role session.
	var inherited []iam.Tag
	var inheritedKeys []string
	chained := caller.Session != nil
	sourceIdentity := in.SourceIdentity
	if chained {
		inherited = caller.Session.TransitiveTags()
		for _, t := range inherited {
			inheritedKeys = append(inheritedKeys, t.Key)
			if hasTagKey(in.Tags, t.Key) {
				return nil, invalid("cannot override the transitive session tag %q set by the calling session", t.Key)
			}
		}
		if caller.Session.SourceIdentity != "" {
			if sourceIdentity != "" && sourceIdentity != caller.Session.SourceIdentity {
				return nil, invalid("SourceIdentity %q cannot change the source identity %q of the calling session", sourceIdentity, caller.Session.SourceIdentity)
			}
			sourceIdentity = caller.Session.SourceIdentity
		}
		maxDur = ChainedMaxSeconds
	}
	allTags := append(append([]iam.Tag(nil), inherited...), in.Tags...)
	if len(allTags) > MaxSessionTags {
		return nil, invalid("the session would carry %d tags (%d transitive from the calling session); at most %d", len(allTags), len(inherited), MaxSessionTags)
	}

	// 4. Authorization: the caller's own permissions and the trust policy.
	trust, err := s.Cache.Parse(role.Arn+" trust policy", role.AssumeRolePolicyDocument, iam.TrustPolicy)
	if err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "stored trust policy of %s does not parse", role.Arn)
	}
	input, principalTags, err := s.policyInput(caller)
	if err != nil {
		return nil, err
	}
	input.Resource = []*iam.Policy{trust}
	input.RequireBoth = caller.Kind != iam.KindService
	// Transitive tags inherited through role chaining are tags the new
	// session receives, so they are part of the request the trust policy
	// judges (aws:RequestTag, aws:TagKeys) and need sts:TagSession just as
	// explicit tags do — the fail-closed reading of an AWS rule that the
	// documentation leaves implicit.
	base := iam.NewContext("sts:AssumeRole", role.Arn, now).SetCaller(caller.caller(), principalTags).SetRequestTags(allTags)
	base.Set("sts:RoleSessionName", in.RoleSessionName)
	if in.ExternalId != "" {
		base.Set("sts:ExternalId", in.ExternalId)
	}
	if len(in.TransitiveTagKeys) > 0 {
		base.Set("sts:TransitiveTagKeys", in.TransitiveTagKeys...)
	}
	if in.SourceIdentity != "" {
		base.Set("sts:SourceIdentity", in.SourceIdentity)
	}
	if caller.Session != nil && caller.Session.SourceIdentity != "" {
		base.Set("aws:SourceIdentity", caller.Session.SourceIdentity)
	}
	actions := []string{"sts:AssumeRole"}
	if len(allTags) > 0 || len(in.TransitiveTagKeys) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	if in.SourceIdentity != "" {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	for _, a := range actions {
		if r := iam.Evaluate(base.WithAction(a), input); r.Decision != iam.Allowed {
			e := deny(a)
			e.Message += " " + r.Reason
			return nil, e
		}
	}

	// 5. Duration, checked only once the caller is authorized so that the
	// role's MaxSessionDuration is not disclosed to anyone else.
	duration := in.DurationSeconds
	if duration == 0 {
		duration = min(DefaultDuration, maxDur)
	}
	if duration > maxDur {
		if chained {
			return nil, validation("The requested DurationSeconds %d exceeds the 1 hour session limit for roles assumed by role chaining.", duration)
		}
		return nil, validation("The requested DurationSeconds %d exceeds the MaxSessionDuration %d set for this role.", duration, maxDur)
	}

	// 6. Packed size of policy, ARNs and tags.
	packed := packedSize(in.Policy, in.PolicyArns, allTags)
	pct := (packed*100 + PackedLimit - 1) / PackedLimit
	if pct > 100 {
		return nil, lferr.New(lferr.PackedPolicyTooLarge, "Packed size of the session policy, policy ARNs and session tags is %d%% of the allowed maximum.", pct)
	}

	// 7. Credentials.
	akid, err := iam.NewID(s.Rand, "ASIA", 16)
	if err != nil {
		return nil, err
	}
	secret, err := iam.NewSecret(s.Rand)
	if err != nil {
		return nil, err
	}
	sealed, err := s.Sealer.Seal([]byte(secret), []byte(akid))
	if err != nil {
		return nil, err
	}
	token := base64.RawURLEncoding.EncodeToString(sealed)
	sess := &Session{
		AccessKeyId: akid, SecretHash: iam.HashSecret(secret), TokenHash: iam.HashSecret(token),
		Account: role.Account, RoleArn: role.Arn, RoleId: role.RoleId, RoleName: role.RoleName,
		SessionName: in.RoleSessionName, AssumedRoleArn: iam.AssumedRoleARN(role.Account, role.RoleName, in.RoleSessionName),
		Tags: allTags, TransitiveTagKeys: append(inheritedKeys, in.TransitiveTagKeys...),
		Policy: in.Policy, PolicyArns: in.PolicyArns, SourceIdentity: sourceIdentity,
		CallerArn: caller.ARN, Chained: chained, IssuedAt: now, Expiration: now.Add(time.Duration(duration) * time.Second),
	}
	if caller.Kind == iam.KindService {
		sess.CallerArn = caller.Service
	}
	if err := s.Store.PutSession(sess); err != nil {
		return nil, err
	}
	return &AssumeRoleOutput{
		Credentials:      Credentials{AccessKeyId: akid, SecretAccessKey: secret, SessionToken: token, Expiration: sess.Expiration},
		AssumedRoleId:    sess.AssumedRoleId(),
		Arn:              sess.AssumedRoleArn,
		PackedPolicySize: pct,
		SourceIdentity:   sourceIdentity,
		Session:          sess,
	}, nil
}

func hasTagKey(tags []iam.Tag, key string) bool {
	for _, t := range tags {
		if strings.EqualFold(t.Key, key) {
			return true
		}
	}
	return false
}

func packedSize(policy string, arns []string, tags []iam.Tag) int {
	n := 0
	if policy != "" {
		var buf bytes.Buffer
		if json.Compact(&buf, []byte(policy)) == nil {
			n += buf.Len()
		} else {
			n += len(policy)
		}
	}
	for _, a := range arns {
		n += len(a)
	}
	for _, t := range tags {
		n += len(t.Key) + len(t.Value)
	}
	return n
}

// policyInput returns the caller's identity policies, session policies and
// principal tags (role or user tags overlaid with session tags).
func (s *Service) policyInput(p Principal) (*iam.Input, []iam.Tag, error) {
	switch p.Kind {
	case iam.KindService:
		return &iam.Input{}, nil, nil
	case iam.KindUser:
		u := p.User
		if u == nil {
			var err error
			if u, err = s.Dir.User(p.Account, p.Name); err != nil {
				return nil, nil, err
			}
		}
		ids, err := iam.IdentityPolicies(s.Dir, s.Cache, iam.KindUser, p.Account, p.Name)
		if err != nil {
			return nil, nil, err
		}
		return &iam.Input{Identity: ids}, u.Tags, nil
	case iam.KindAssumedRole:
		sess := p.Session
		if sess == nil {
			return nil, nil, lferr.AssertionFailedf("assumed-role principal %s without a session", p.ARN)
		}
		role, err := s.Dir.Role(sess.Account, sess.RoleName)
		if err != nil {
			if lferr.CodeOf(err) == lferr.NoSuchEntity {
				// The role was deleted under a live session: it has no
				// permissions left.
				return &iam.Input{}, sess.Tags, nil
			}
			return nil, nil, err
		}
		if role.RoleId != sess.RoleId {
			// A role deleted and re-created under the same name is a
			// different role (AWS tells them apart by unique id): the old
			// session must not inherit the new role's permissions.
			return &iam.Input{}, sess.Tags, nil
		}
		ids, err := iam.IdentityPolicies(s.Dir, s.Cache, iam.KindRole, sess.Account, sess.RoleName)
		if err != nil {
			return nil, nil, err
		}
		in := &iam.Input{Identity: ids}
		if sess.Policy != "" {
			sp, err := s.Cache.Parse(sess.AssumedRoleArn+" session policy", sess.Policy, iam.SessionPolicy)
			if err != nil {
				return nil, nil, lferr.Wrap(lferr.InternalService, err, "stored session policy does not parse")
			}
			in.Session = append(in.Session, sp)
		}
		for _, arn := range sess.PolicyArns {
			sp, err := iam.ResolvePolicy(s.Dir, s.Cache, arn)
			if err != nil {
				if lferr.CodeOf(err) == lferr.NoSuchEntity {
					// A deleted session-policy ARN cannot widen anything:
					// keep an empty session layer so the intersection
					// still applies.
					sp = &iam.Policy{Name: arn + " (deleted)"}
				} else {
					return nil, nil, err
				}
			}
			in.Session = append(in.Session, sp)
		}
		return in, iam.MergeTags(role.Tags, sess.Tags), nil
	case iam.KindRoot:
		// The account root is allowed everything in its account; sluice
		// models it as an identity policy allowing all.
		return &iam.Input{Identity: []*iam.Policy{rootPolicy}}, nil, nil
	}
	return nil, nil, lferr.New(lferr.InvalidInput, "unsupported principal kind %s", p.Kind)
}

var rootPolicy = func() *iam.Policy {
	p := iam.MustParsePolicy(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, iam.IdentityPolicy)
	p.Name = "account root"
	return p
}()

// Authorization returns what an IAM decision for this principal needs: the
// request context (caller, principal tags, time) for action on resource,
// and the policy input (identity ∩ session). Callers add request keys and
// resource-based policies, then call iam.Evaluate / iam.Authorize.
func (s *Service) Authorization(now time.Time, p Principal, action, resource string) (*iam.Context, *iam.Input, error) {
	in, tags, err := s.policyInput(p)
	if err != nil {
		return nil, nil, err
	}
	ctx := iam.NewContext(action, resource, now).SetCaller(p.caller(), tags)
	if p.Session != nil {
		ctx.Set("aws:TokenIssueTime", p.Session.IssuedAt.Format(time.RFC3339))
		if p.Session.SourceIdentity != "" {
			ctx.Set("aws:SourceIdentity", p.Session.SourceIdentity)
		}
	}
	return ctx, in, nil
}

// Authorize is the one-call IAM check for a principal: explicit deny >
// allow > implicit deny over its identity and session policies. code is
// the AccessDenied code of the calling API (lferr.AccessDenied for LF and
// Glue, lferr.STSAccessDenied for IAM and STS).
func (s *Service) Authorize(now time.Time, p Principal, action, resource string, code lferr.Code) (iam.Result, error) {
	ctx, in, err := s.Authorization(now, p, action, resource)
	if err != nil {
		return iam.Result{}, err
	}
	r := iam.Evaluate(ctx, in)
	return r, r.Error(code, ctx)
}

// Validate checks presented temporary credentials at time now and returns
// the session and its secret (for the SigV4 verifier). Unknown key ids,
// wrong tokens and revoked sessions are InvalidClientTokenId; expired
// ones ExpiredToken.
func (s *Service) Validate(now time.Time, accessKeyID, sessionToken string) (*Session, string, error) {
	invalidToken := func(why string) error {
		return lferr.New(lferr.InvalidClientTokenId, "The security token included in the request is invalid%s.", why)
	}
	if !strings.HasPrefix(accessKeyID, "ASIA") {
		return nil, "", invalidToken("")
	}
	sess, err := s.Store.Session(accessKeyID)
	if err != nil {
		return nil, "", err
	}
	if sess == nil || !iam.SecretMatches(sess.TokenHash, sessionToken) {
		return nil, "", invalidToken("")
	}
	if !now.Before(sess.Expiration) {
		return nil, "", lferr.New(lferr.ExpiredToken, "The security token included in the request is expired (session %s expired at %s).",
			sess.AssumedRoleArn, sess.Expiration.Format(time.RFC3339))
	}
	if sess.Revoked {
		return nil, "", invalidToken(": the session was revoked")
	}
	cut, err := s.Store.RoleRevokedAt(sess.RoleArn)
	if err != nil {
		return nil, "", err
	}
	if !cut.IsZero() && !sess.IssuedAt.After(cut) {
		return nil, "", invalidToken(": sessions of role " + sess.RoleArn + " issued before " + cut.Format(time.RFC3339) + " were revoked")
	}
	raw, err := base64.RawURLEncoding.DecodeString(sessionToken)
	if err != nil {
		return nil, "", invalidToken("")
	}
	secret, err := s.Sealer.Open(raw, []byte(accessKeyID))
	if err != nil || !iam.SecretMatches(sess.SecretHash, string(secret)) {
		return nil, "", invalidToken("")
	}
	return sess, string(secret), nil
}

// RevokeSession revokes one session by access key id.
func (s *Service) RevokeSession(accessKeyID string) error {
	sess, err := s.Store.Session(accessKeyID)
	if err != nil {
		return err
	}
	if sess == nil {
		return lferr.New(lferr.NoSuchEntity, "no session with access key id %s", accessKeyID)
	}
	sess.Revoked = true
	return s.Store.PutSession(sess)
}

// RevokeRoleSessions revokes every session of the role issued at or
// before now (the console's "revoke active sessions").
func (s *Service) RevokeRoleSessions(now time.Time, roleArn string) error {
	ref, err := iam.ParsePrincipal(roleArn)
	if err != nil || ref.Kind != iam.KindRole {
		return validation("%q is not a valid role ARN", roleArn)
	}
	if _, err := s.Dir.Role(ref.Account, ref.Name); err != nil {
		return err
	}
	return s.Store.SetRoleRevokedAt(roleArn, now.UTC())
}

// CallerIdentity is the GetCallerIdentity result.
type CallerIdentity struct {
	Account string
	Arn     string
	UserId  string
}

// GetCallerIdentity needs no permission (as in AWS).
func GetCallerIdentity(p Principal) CallerIdentity {
	id := CallerIdentity{Account: p.Account, Arn: p.ARN, UserId: p.UserID}
	if p.Kind == iam.KindRoot {
		id.UserId = p.Account
	}
	return id
}

// RootPrincipal is the account root.
func RootPrincipal(account string) Principal {
	return Principal{Kind: iam.KindRoot, ARN: iam.RootARN(account), Account: account}
}

// SessionTag returns the value of a session tag (keys compare
// case-insensitively), e.g. LakeFormationAuthorizedCaller for LF caller
// validation. Non-session principals have no session tags.
func (p Principal) SessionTag(key string) (string, bool) {
	if p.Session == nil {
		return "", false
	}
	for _, t := range p.Session.Tags {
		if strings.EqualFold(t.Key, key) {
			return t.Value, true
		}
	}
	return "", false
}

// Authenticate resolves presented credentials to a principal and the
// secret the SigV4 verifier needs: ASIA… keys with a session token are role
// sessions (Validate); AKIA… keys are IAM users' long-term keys, whose
// secret is unsealed with the Service's Sealer. A session token presented
// with a long-term key, or missing for a session key, is invalid.
func (s *Service) Authenticate(now time.Time, accessKeyID, sessionToken string, users iam.KeyOwners) (Principal, string, error) {
	switch {
	case strings.HasPrefix(accessKeyID, "ASIA"):
		if sessionToken == "" {
			return Principal{}, "", lferr.New(lferr.InvalidClientTokenId, "The security token included in the request is invalid: temporary credentials need a session token.")
		}
		sess, secret, err := s.Validate(now, accessKeyID, sessionToken)
		if err != nil {
			return Principal{}, "", err
		}
		return SessionPrincipal(sess), secret, nil
	case strings.HasPrefix(accessKeyID, "AKIA") && sessionToken == "" && users != nil:
		u, secret, err := iam.AccessKeySecret(users, s.Sealer, accessKeyID)
		if err != nil {
			return Principal{}, "", err
		}
		return UserPrincipal(u), secret, nil
	}
	return Principal{}, "", lferr.New(lferr.InvalidClientTokenId, "The security token included in the request is invalid.")
}

// Target names the resource of an API call for AuthorizeOperation.
type Target struct {
	Region, Account string // of the catalog; defaults iam.DefaultRegion and the principal's account
	Database, Table string
	RoleArn         string // sts:AssumeRole, iam:PassRole
}

// AuthorizeOperation checks the IAM actions that service's operation
// requires (iam.RequiredActions, spec §8.4) for principal p on every
// resource ARN of the target (a Glue table call checks the catalog,
// database and table ARNs). The denial is an AccessDenied error with
// AWS's message; code picks the protocol's AccessDenied name.
func (s *Service) AuthorizeOperation(now time.Time, p Principal, service, operation string, t Target, code lferr.Code) error {
	req, err := iam.RequiredActions(service, operation)
	if err != nil {
		return err
	}
	if req.Scope == iam.ScopeNone {
		return nil
	}
	if t.Region == "" {
		t.Region = iam.DefaultRegion
	}
	if t.Account == "" {
		t.Account = p.Account
	}
	ctx, in, err := s.Authorization(now, p, "", "")
	if err != nil {
		return err
	}
	return iam.Authorize(ctx, in, req, req.Resources(t.Region, t.Account, t.Database, t.Table, t.RoleArn), code)
}

// DefaultSessionName names the in-process session PrincipalFor makes for a
// role ARN (`sluice query --as ROLE`).
const DefaultSessionName = "sluice"

// PrincipalFor resolves an ARN to a Principal for in-process evaluation,
// without credentials: the account root, an IAM user, or a role session —
// an assumed-role ARN, or a role ARN (session DefaultSessionName) — carrying
// sessionTags. The role session is not stored (it has no access key); it
// is what an embedded engine acting "as" a role presents to the control
// plane. The role must exist; a role's path in its ARN must match.
func PrincipalFor(dir iam.Directory, arn string, sessionTags []iam.Tag) (Principal, error) {
	ref, err := iam.ParsePrincipal(arn)
	if err != nil {
		return Principal{}, err
	}
	switch ref.Kind {
	case iam.KindRoot:
		if len(sessionTags) > 0 {
			return Principal{}, invalid("session tags are only for role sessions, not %s", arn)
		}
		return RootPrincipal(ref.Account), nil
	case iam.KindUser:
		if len(sessionTags) > 0 {
			return Principal{}, invalid("session tags are only for role sessions, not %s", arn)
		}
		u, err := iam.UserByARN(dir, arn)
		if err != nil {
			return Principal{}, err
		}
		return UserPrincipal(u), nil
	}
	if err := iam.ValidateTags(sessionTags); err != nil {
		return Principal{}, err
	}
	var role *iam.Role
	session := DefaultSessionName
	if ref.Kind == iam.KindRole {
		role, err = iam.RoleByARN(dir, arn)
	} else {
		role, err = dir.Role(ref.Account, ref.Name)
		session = ref.Session
	}
	if err != nil {
		return Principal{}, err
	}
	sess := &Session{Account: role.Account, RoleArn: role.Arn, RoleId: role.RoleId, RoleName: role.RoleName,
		SessionName: session, AssumedRoleArn: iam.AssumedRoleARN(role.Account, role.RoleName, session),
		Tags: append([]iam.Tag(nil), sessionTags...)}
	return SessionPrincipal(sess), nil
}

package sts

import (
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

const acct = "111122223333"

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

type detRand struct{ r *rand.ChaCha8 }

func (d *detRand) Read(p []byte) (int, error) { return d.r.Read(p) }

func newRand() *detRand { return &detRand{rand.NewChaCha8([32]byte{9})} }

// fixture: user alice → role caller → role engine (trust pins the
// LakeFormationAuthorizedCaller tag) → role next (chain target).
type fixture struct {
	svc   *Service
	dir   *iam.MemDirectory
	alice Principal
}

func newFixture(t *testing.T, st Store) *fixture {
	t.Helper()
	dir := iam.NewMemDirectory()
	a := &iam.Admin{Rand: newRand()}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	role := func(name, trust string, maxDur int32, tags []iam.Tag, policy string) {
		t.Helper()
		_, err := a.CreateRole(dir, t0, iam.CreateRoleInput{Account: acct, RoleName: name, AssumeRolePolicyDocument: trust, MaxSessionDuration: maxDur, Tags: tags})
		must(err)
		if policy != "" {
			must(a.PutRolePolicy(dir, acct, name, "p", policy))
		}
	}
	role("caller", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}}`,
		0, []iam.Tag{{Key: "team", Value: "role-team"}},
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"*"},
		  {"Effect":"Allow","Action":"glue:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"data"}}},
		  {"Effect":"Allow","Action":"lakeformation:GetDataAccess","Resource":"*"}]}`)
	role("engine", `{"Version":"2012-10-17","Statement":[
		 {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/caller"},"Action":"sts:AssumeRole"},
		 {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/caller"},"Action":"sts:TagSession",
		  "Condition":{"StringLike":{"aws:RequestTag/LakeFormationAuthorizedCaller":"sluice*"}}}]}`,
		7200, nil, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"*"}}`)
	role("next", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["sts:AssumeRole","sts:TagSession"]}}`,
		43200, nil, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"glue:GetTable","Resource":"*"}}`)
	role("open", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["sts:AssumeRole","sts:TagSession"]}}`,
		0, nil, "")
	role("glueonly", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:AssumeRole"}}`, 0, nil, "")
	_, err := a.CreateUser(dir, t0, iam.CreateUserInput{Account: acct, UserName: "alice", Tags: []iam.Tag{{Key: "dept", Value: "eng"}}})
	must(err)
	must(a.PutUserPolicy(dir, acct, "alice", "assume", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"arn:aws:iam::111122223333:role/*"}}`))
	u, err := dir.User(acct, "alice")
	must(err)
	sealer, err := iam.NewSealer(bytes.Repeat([]byte{3}, 32), newRand())
	must(err)
	return &fixture{svc: &Service{Dir: dir, Store: st, Rand: newRand(), Sealer: sealer, Cache: iam.NewPolicyCache(64)}, dir: dir, alice: UserPrincipal(u)}
}

func roleArn(name string) string { return iam.RoleARN(acct, "/", name) }

func (f *fixture) assume(t *testing.T, now time.Time, caller Principal, in AssumeRoleInput) Principal {
	t.Helper()
	out, err := f.svc.AssumeRole(now, caller, in)
	if err != nil {
		t.Fatalf("AssumeRole %s: %v", in.RoleArn, err)
	}
	sess, _, err := f.svc.Validate(now, out.Credentials.AccessKeyId, out.Credentials.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	return SessionPrincipal(sess)
}

func TestAssumeRoleAndValidate(t *testing.T) {
	f := newFixture(t, NewMemStore())
	out, err := f.svc.AssumeRole(t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !strings.HasPrefix(c.AccessKeyId, "ASIA") || len(c.AccessKeyId) != 20 || len(c.SecretAccessKey) != 40 || c.SessionToken == "" {
		t.Fatalf("credentials %+v", c)
	}
	if out.Arn != "arn:aws:sts::111122223333:assumed-role/caller/s1" || !strings.HasPrefix(out.AssumedRoleId, "AROA") || !strings.HasSuffix(out.AssumedRoleId, ":s1") {
		t.Errorf("%+v", out)
	}
	if !c.Expiration.Equal(t0.Add(time.Hour)) {
		t.Errorf("expiration %v", c.Expiration)
	}
	// Only hashes are stored.
	stored, _ := f.svc.Store.Session(c.AccessKeyId)
	if stored.SecretHash == c.SecretAccessKey || stored.TokenHash == c.SessionToken || strings.Contains(stored.SecretHash+stored.TokenHash, c.SecretAccessKey) {
		t.Error("secret or token stored in clear")
	}
	sess, secret, err := f.svc.Validate(t0.Add(time.Minute), c.AccessKeyId, c.SessionToken)
	if err != nil || secret != c.SecretAccessKey || sess.RoleName != "caller" || sess.CallerArn != f.alice.ARN {
		t.Fatalf("validate: %v %q %+v", err, secret, sess)
	}
	p := SessionPrincipal(sess)
	if id := GetCallerIdentity(p); id.Arn != out.Arn || id.Account != acct || id.UserId != out.AssumedRoleId {
		t.Errorf("identity %+v", id)
	}
	if p.LFPrincipalARN() != roleArn("caller") {
		t.Error(p.LFPrincipalARN())
	}

	cases := []struct {
		name      string
		now       time.Time
		akid, tok string
		code      lferr.Code
	}{
		{"wrong token", t0, c.AccessKeyId, c.SessionToken + "x", lferr.InvalidClientTokenId},
		{"other token", t0, c.AccessKeyId, "AAAA", lferr.InvalidClientTokenId},
		{"unknown key", t0, "ASIAUNKNOWN000000000", c.SessionToken, lferr.InvalidClientTokenId},
		{"long-term key id", t0, "AKIAUNKNOWN000000000", c.SessionToken, lferr.InvalidClientTokenId},
		{"expired at expiry", t0.Add(time.Hour), c.AccessKeyId, c.SessionToken, lferr.ExpiredToken},
		{"expired later", t0.Add(2 * time.Hour), c.AccessKeyId, c.SessionToken, lferr.ExpiredToken},
	}
	for _, tc := range cases {
		if _, _, err := f.svc.Validate(tc.now, tc.akid, tc.tok); lferr.CodeOf(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	// A token cannot be replayed under another access key id.
	out2, err := f.svc.AssumeRole(t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "s2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Validate(t0, out2.Credentials.AccessKeyId, c.SessionToken); lferr.CodeOf(err) != lferr.InvalidClientTokenId {
		t.Errorf("swapped token: %v", err)
	}
}

func TestRevocation(t *testing.T) {
	f := newFixture(t, NewMemStore())
	mk := func(now time.Time, name string) Credentials {
		out, err := f.svc.AssumeRole(now, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: name})
		if err != nil {
			t.Fatal(err)
		}
		return out.Credentials
	}
	a, b := mk(t0, "aa"), mk(t0, "bb")
	if err := f.svc.RevokeSession(a.AccessKeyId); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Validate(t0, a.AccessKeyId, a.SessionToken); lferr.CodeOf(err) != lferr.InvalidClientTokenId || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("revoked session: %v", err)
	}
	if _, _, err := f.svc.Validate(t0, b.AccessKeyId, b.SessionToken); err != nil {
		t.Errorf("other session: %v", err)
	}
	if err := f.svc.RevokeSession("ASIANOPE"); lferr.CodeOf(err) != lferr.NoSuchEntity {
		t.Error(err)
	}
	if err := f.svc.RevokeRoleSessions(t0.Add(time.Minute), roleArn("caller")); err != nil {
		t.Fatal(err)
	}
	c := mk(t0.Add(2*time.Minute), "cc")
	if _, _, err := f.svc.Validate(t0.Add(3*time.Minute), b.AccessKeyId, b.SessionToken); lferr.CodeOf(err) != lferr.InvalidClientTokenId {
		t.Errorf("older session survived role revocation: %v", err)
	}
	if _, _, err := f.svc.Validate(t0.Add(3*time.Minute), c.AccessKeyId, c.SessionToken); err != nil {
		t.Errorf("newer session refused: %v", err)
	}
	if err := f.svc.RevokeRoleSessions(t0, roleArn("nope")); lferr.CodeOf(err) != lferr.NoSuchEntity {
		t.Error(err)
	}
}

func TestAssumeRoleErrors(t *testing.T) {
	f := newFixture(t, NewMemStore())
	callerSess := f.assume(t, t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "cc"})
	lfTag := []iam.Tag{{Key: "LakeFormationAuthorizedCaller", Value: "sluice"}}
	manyTags := func(n, vlen int) []iam.Tag {
		var out []iam.Tag
		for i := 0; i < n; i++ {
			out = append(out, iam.Tag{Key: strings.Repeat("k", 100) + string(rune('A'+i%26)) + string(rune('a'+i/26)), Value: strings.Repeat("v", vlen)})
		}
		return out
	}
	cases := []struct {
		name   string
		caller Principal
		in     AssumeRoleInput
		code   lferr.Code
		msg    string
	}{
		{"short role arn", f.alice, AssumeRoleInput{RoleArn: "arn:aws:iam::1:r", RoleSessionName: "s1"}, lferr.ValidationError, "length"},
		{"user arn as role", f.alice, AssumeRoleInput{RoleArn: iam.UserARN(acct, "/", "alice"), RoleSessionName: "s1"}, lferr.ValidationError, "not a valid role ARN"},
		{"session name too short", f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "s"}, lferr.ValidationError, "RoleSessionName"},
		{"session name bad char", f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "a b"}, lferr.ValidationError, "RoleSessionName"},
		{"duration too short", f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "s1", DurationSeconds: 899}, lferr.ValidationError, "between 900 and 43200"},
		{"duration too long", f.alice, AssumeRoleInput{RoleArn: roleArn("next"), RoleSessionName: "s1", DurationSeconds: 43201}, lferr.ValidationError, "between 900 and 43200"},
		{"duration over role max", f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "s1", DurationSeconds: 3601}, lferr.ValidationError, "MaxSessionDuration"},
		{"chained over 1h", callerSess, AssumeRoleInput{RoleArn: roleArn("next"), RoleSessionName: "s1", DurationSeconds: 3601}, lferr.ValidationError, "role chaining"},
		{"duration not disclosed to the unauthorized", f.alice, AssumeRoleInput{RoleArn: roleArn("engine"), RoleSessionName: "s1", DurationSeconds: 40000}, lferr.STSAccessDenied, "sts:AssumeRole"},
		{"unknown role", f.alice, AssumeRoleInput{RoleArn: roleArn("ghost"), RoleSessionName: "s1"}, lferr.STSAccessDenied, "sts:AssumeRole"},
		{"path mismatch", f.alice, AssumeRoleInput{RoleArn: iam.RoleARN(acct, "/x/", "caller"), RoleSessionName: "s1"}, lferr.STSAccessDenied, "sts:AssumeRole"},
		{"trust does not name the caller", f.alice, AssumeRoleInput{RoleArn: roleArn("engine"), RoleSessionName: "s1"}, lferr.STSAccessDenied, "trust policy"},
		{"service-only trust", f.alice, AssumeRoleInput{RoleArn: roleArn("glueonly"), RoleSessionName: "s1"}, lferr.STSAccessDenied, "trust policy"},
		{"TagSession value refused by trust", callerSess, AssumeRoleInput{RoleArn: roleArn("engine"), RoleSessionName: "s1", Tags: []iam.Tag{{Key: "LakeFormationAuthorizedCaller", Value: "emr"}}}, lferr.STSAccessDenied, "sts:TagSession"},
		{"transitive key not a tag", callerSess, AssumeRoleInput{RoleArn: roleArn("engine"), RoleSessionName: "s1", Tags: lfTag, TransitiveTagKeys: []string{"other"}}, lferr.InvalidParameterValue, "transitive tag key"},
		{"duplicate tag keys", f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "s1", Tags: []iam.Tag{{Key: "a", Value: "1"}, {Key: "A", Value: "2"}}}, lferr.InvalidParameterValue, "duplicate tag key"},
		{"tag key too long", f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "s1", Tags: []iam.Tag{{Key: strings.Repeat("k", 129), Value: "1"}}}, lferr.ValidationError, "invalid tag key"},
		{"tag value too long", f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "s1", Tags: []iam.Tag{{Key: "k", Value: strings.Repeat("v", 257)}}}, lferr.ValidationError, "invalid value"},
		{"tag bad char", f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "s1", Tags: []iam.Tag{{Key: "k", Value: "a;b"}}}, lferr.ValidationError, "invalid value"},
		{"51 tags", f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "s1", Tags: manyTags(51, 1)}, lferr.ValidationError, "too many session tags"},
		{"malformed session policy", f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "s1", Policy: `{"Statement":{"Effect":"Allow"}}`}, lferr.MalformedPolicyDocument, "missing Action"},
		{"session policy with Principal", f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "s1", Policy: `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`}, lferr.MalformedPolicyDocument, "Principal is not allowed"},
		{"session policy too long", f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "s1", Policy: `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Sid":"` + strings.Repeat("a", 2048) + `"}}`}, lferr.ValidationError, "2048"},
		{"unknown policy arn", f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "s1", PolicyArns: []string{iam.PolicyARN(acct, "/", "nope")}}, lferr.InvalidParameterValue, "does not exist"},
		{"packed too large", f.alice, AssumeRoleInput{RoleArn: roleArn("open"), RoleSessionName: "s1", Tags: manyTags(50, 200)}, lferr.PackedPolicyTooLarge, "%"},
		{"source identity needs permission", callerSess, AssumeRoleInput{RoleArn: roleArn("next"), RoleSessionName: "s1", SourceIdentity: "alice"}, lferr.STSAccessDenied, "sts:SetSourceIdentity"},
		{"bad source identity", f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "s1", SourceIdentity: "a b"}, lferr.ValidationError, "SourceIdentity"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.AssumeRole(t0, c.caller, c.in)
			if lferr.CodeOf(err) != c.code {
				t.Fatalf("got %v, want %s", err, c.code)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("message %q lacks %q", err.Error(), c.msg)
			}
		})
	}
}

func TestDurations(t *testing.T) {
	f := newFixture(t, NewMemStore())
	callerSess := f.assume(t, t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "cc"})
	cases := []struct {
		name   string
		caller Principal
		role   string
		dur    int32
		want   time.Duration
	}{
		{"default", f.alice, "caller", 0, time.Hour},
		{"minimum", f.alice, "caller", 900, 15 * time.Minute},
		{"role max 2h", callerSess, "engine", 0, time.Hour}, // chained: default and cap 1h
		{"12h role", f.alice, "next", 43200, 12 * time.Hour},
		{"chained exactly 1h", callerSess, "next", 3600, time.Hour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := f.svc.AssumeRole(t0, c.caller, AssumeRoleInput{RoleArn: roleArn(c.role), RoleSessionName: "d1", DurationSeconds: c.dur})
			if err != nil {
				t.Fatal(err)
			}
			if got := out.Credentials.Expiration.Sub(t0); got != c.want {
				t.Errorf("duration %v want %v", got, c.want)
			}
			if out.Session.Chained != (c.caller.Session != nil) {
				t.Error("chained flag")
			}
		})
	}
}

func TestSessionTagsAndChaining(t *testing.T) {
	f := newFixture(t, NewMemStore())
	// alice → caller with a transitive tag and a plain one.
	c := f.assume(t, t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "cc",
		Tags: []iam.Tag{{Key: "Project", Value: "p1"}, {Key: "team", Value: "data"}}, TransitiveTagKeys: []string{"project"}})
	// Session tag overrides the role tag "team" for aws:PrincipalTag.
	if _, err := f.svc.Authorize(t0, c, "glue:GetTable", "*", lferr.AccessDenied); err != nil {
		t.Errorf("session tag team=data should enable glue: %v", err)
	}
	// caller → engine: the trust policy pins the LF tag.
	e := f.assume(t, t0, c, AssumeRoleInput{RoleArn: roleArn("engine"), RoleSessionName: "ee",
		Tags: []iam.Tag{{Key: "LakeFormationAuthorizedCaller", Value: "sluice-1"}}})
	if !e.Session.Chained {
		t.Error("not chained")
	}
	want := map[string]string{"Project": "p1", "LakeFormationAuthorizedCaller": "sluice-1"}
	if len(e.Session.Tags) != 2 {
		t.Fatalf("tags %v", e.Session.Tags)
	}
	for _, tg := range e.Session.Tags {
		if want[tg.Key] != tg.Value {
			t.Errorf("tag %v", tg)
		}
	}
	if len(e.Session.TransitiveTagKeys) != 1 || e.Session.TransitiveTagKeys[0] != "Project" {
		t.Errorf("transitive keys %v", e.Session.TransitiveTagKeys)
	}
	// The non-transitive tag "team" did not carry over; the transitive one
	// cannot be overridden, in any letter case.
	_, err := f.svc.AssumeRole(t0, e, AssumeRoleInput{RoleArn: roleArn("next"), RoleSessionName: "nn", Tags: []iam.Tag{{Key: "PROJECT", Value: "p2"}}})
	if lferr.CodeOf(err) != lferr.InvalidParameterValue || !strings.Contains(err.Error(), "transitive") {
		t.Errorf("override of transitive tag: %v", err)
	}
	n := f.assume(t, t0, e, AssumeRoleInput{RoleArn: roleArn("next"), RoleSessionName: "nn"})
	if len(n.Session.Tags) != 1 || n.Session.Tags[0].Key != "Project" {
		t.Errorf("two-hop transitive tags %v", n.Session.Tags)
	}
	// Tags cannot be passed without sts:TagSession in the trust policy:
	// glueonly's trust lacks it even for the service.
	_, err = f.svc.AssumeRole(t0, ServicePrincipal("glue.amazonaws.com"), AssumeRoleInput{RoleArn: roleArn("glueonly"), RoleSessionName: "gg", Tags: []iam.Tag{{Key: "a", Value: "b"}}})
	if lferr.CodeOf(err) != lferr.STSAccessDenied || !strings.Contains(err.Error(), "sts:TagSession") {
		t.Errorf("service TagSession: %v", err)
	}
	if _, err := f.svc.AssumeRole(t0, ServicePrincipal("glue.amazonaws.com"), AssumeRoleInput{RoleArn: roleArn("glueonly"), RoleSessionName: "gg"}); err != nil {
		t.Errorf("service AssumeRole: %v", err)
	}
}

func TestSessionPolicyNarrows(t *testing.T) {
	f := newFixture(t, NewMemStore())
	narrowed := f.assume(t, t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "nn",
		Tags:   []iam.Tag{{Key: "team", Value: "data"}},
		Policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["glue:GetTable","s3:*"],"Resource":"*"}}`})
	cases := []struct {
		action string
		want   iam.Decision
		reason string
	}{
		{"glue:GetTable", iam.Allowed, ""},
		{"glue:DeleteTable", iam.ImplicitDeny, "no session policy allows"},
		{"s3:GetObject", iam.ImplicitDeny, "no identity-based policy allows"}, // session policy cannot widen
		{"lakeformation:GetDataAccess", iam.ImplicitDeny, "no session policy allows"},
	}
	for _, c := range cases {
		r, err := f.svc.Authorize(t0, narrowed, c.action, "*", lferr.AccessDenied)
		if r.Decision != c.want || (c.want != iam.Allowed && (lferr.CodeOf(err) != lferr.AccessDenied || !strings.Contains(err.Error(), c.reason))) {
			t.Errorf("%s: %v %v", c.action, r.Decision, err)
		}
	}
	// PolicyArns are session policies too.
	byArn := f.assume(t, t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "mm",
		PolicyArns: []string{iam.AWSManagedPolicyARN("AWSLakeFormationDataAdmin")}})
	if r, _ := f.svc.Authorize(t0, byArn, "lakeformation:GetDataAccess", "*", lferr.AccessDenied); r.Decision != iam.Allowed {
		t.Errorf("GetDataAccess via managed session policy: %v", r.Decision)
	}
	if r, _ := f.svc.Authorize(t0, byArn, "sts:AssumeRole", roleArn("next"), lferr.AccessDenied); r.Decision != iam.ImplicitDeny {
		t.Errorf("AssumeRole outside the session policy: %v", r.Decision)
	}
	// The narrowed session cannot chain: sts:AssumeRole is outside its
	// session policy.
	if _, err := f.svc.AssumeRole(t0, narrowed, AssumeRoleInput{RoleArn: roleArn("next"), RoleSessionName: "xx"}); lferr.CodeOf(err) != lferr.STSAccessDenied {
		t.Errorf("chain from narrowed session: %v", err)
	}
}

func TestSourceIdentity(t *testing.T) {
	f := newFixture(t, NewMemStore())
	c := f.assume(t, t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "cc", SourceIdentity: "alice"})
	if c.Session.SourceIdentity != "alice" {
		t.Fatal(c.Session.SourceIdentity)
	}
	n := f.assume(t, t0, c, AssumeRoleInput{RoleArn: roleArn("next"), RoleSessionName: "nn"})
	if n.Session.SourceIdentity != "alice" {
		t.Errorf("source identity not carried: %q", n.Session.SourceIdentity)
	}
	if _, err := f.svc.AssumeRole(t0, c, AssumeRoleInput{RoleArn: roleArn("next"), RoleSessionName: "nn", SourceIdentity: "bob"}); lferr.CodeOf(err) != lferr.InvalidParameterValue {
		t.Errorf("changed source identity: %v", err)
	}
}

func TestBoltStore(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "catalog.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var creds Credentials
	// Each call runs in its own transaction, as the control plane does.
	with := func(fn func(f *fixture) error) {
		t.Helper()
		if err := db.Update(func(tx *store.Tx) error {
			f := newFixture(t, BoltStore{Tx: tx})
			return fn(f)
		}); err != nil {
			t.Fatal(err)
		}
	}
	with(func(f *fixture) error {
		out, err := f.svc.AssumeRole(t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "bb"})
		if err == nil {
			creds = out.Credentials
		}
		return err
	})
	with(func(f *fixture) error {
		_, secret, err := f.svc.Validate(t0, creds.AccessKeyId, creds.SessionToken)
		if err == nil && secret != creds.SecretAccessKey {
			t.Error("secret mismatch")
		}
		return err
	})
	with(func(f *fixture) error { return f.svc.RevokeRoleSessions(t0.Add(time.Second), roleArn("caller")) })
	with(func(f *fixture) error {
		if _, _, err := f.svc.Validate(t0.Add(2*time.Second), creds.AccessKeyId, creds.SessionToken); lferr.CodeOf(err) != lferr.InvalidClientTokenId {
			t.Errorf("after revocation: %v", err)
		}
		return nil
	})
}

func TestAuthenticate(t *testing.T) {
	f := newFixture(t, NewMemStore())
	a := &iam.Admin{Rand: newRand(), Sealer: f.svc.Sealer}
	key, secret, err := a.CreateAccessKey(f.dir, t0, acct, "alice")
	if err != nil {
		t.Fatal(err)
	}
	p, got, err := f.svc.Authenticate(t0, key.AccessKeyId, "", f.dir)
	if err != nil || got != secret || p.Kind != iam.KindUser || p.ARN != iam.UserARN(acct, "/", "alice") {
		t.Fatalf("long-term key: %+v %q %v", p, got, err)
	}
	out, err := f.svc.AssumeRole(t0, p, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "au",
		Tags: []iam.Tag{{Key: "LakeFormationAuthorizedCaller", Value: "sluice"}}})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	sp, got, err := f.svc.Authenticate(t0, c.AccessKeyId, c.SessionToken, f.dir)
	if err != nil || got != c.SecretAccessKey || sp.Kind != iam.KindAssumedRole {
		t.Fatalf("session: %+v %v", sp, err)
	}
	if v, ok := sp.SessionTag("lakeformationauthorizedcaller"); !ok || v != "sluice" {
		t.Errorf("SessionTag %q %v", v, ok)
	}
	if _, ok := p.SessionTag("LakeFormationAuthorizedCaller"); ok {
		t.Error("user has no session tags")
	}
	bad := []struct{ name, akid, tok string }{
		{"session key without token", c.AccessKeyId, ""},
		{"long-term key with token", key.AccessKeyId, c.SessionToken},
		{"unknown long-term key", "AKIAAAAAAAAAAAAAAAAA", ""},
		{"garbage", "XYZ", ""},
	}
	for _, b := range bad {
		if _, _, err := f.svc.Authenticate(t0, b.akid, b.tok, f.dir); lferr.CodeOf(err) != lferr.InvalidClientTokenId {
			t.Errorf("%s: %v", b.name, err)
		}
	}
	if err := a.SetUserAccessKeyStatus(f.dir, acct, "alice", key.AccessKeyId, "Inactive"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Authenticate(t0, key.AccessKeyId, "", f.dir); lferr.CodeOf(err) != lferr.InvalidClientTokenId {
		t.Errorf("inactive key: %v", err)
	}
}

func TestCrossAccountAndExternalId(t *testing.T) {
	f := newFixture(t, NewMemStore())
	a := &iam.Admin{Rand: newRand()}
	const other = "444455556666"
	// Role in this account trusting the other account, pinned by ExternalId
	// and a session-name pattern.
	if _, err := a.CreateRole(f.dir, t0, iam.CreateRoleInput{Account: acct, RoleName: "xacct",
		AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"sts:AssumeRole",
		  "Condition":{"StringEquals":{"sts:ExternalId":"ext-123"},"StringLike":{"sts:RoleSessionName":"partner-*"}}}}`}); err != nil {
		t.Fatal(err)
	}
	mkUser := func(name, policy string) Principal {
		t.Helper()
		if _, err := a.CreateUser(f.dir, t0, iam.CreateUserInput{Account: other, UserName: name}); err != nil {
			t.Fatal(err)
		}
		if policy != "" {
			if err := a.PutUserPolicy(f.dir, other, name, "p", policy); err != nil {
				t.Fatal(err)
			}
		}
		u, _ := f.dir.User(other, name)
		return UserPrincipal(u)
	}
	allowed := mkUser("bob", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111122223333:role/xacct"}}`)
	noPolicy := mkUser("carol", "")
	cases := []struct {
		name   string
		caller Principal
		in     AssumeRoleInput
		ok     bool
	}{
		{"both sides allow", allowed, AssumeRoleInput{RoleArn: roleArn("xacct"), RoleSessionName: "partner-1", ExternalId: "ext-123"}, true},
		{"wrong external id", allowed, AssumeRoleInput{RoleArn: roleArn("xacct"), RoleSessionName: "partner-1", ExternalId: "ext-999"}, false},
		{"missing external id", allowed, AssumeRoleInput{RoleArn: roleArn("xacct"), RoleSessionName: "partner-1"}, false},
		{"session name outside pattern", allowed, AssumeRoleInput{RoleArn: roleArn("xacct"), RoleSessionName: "other", ExternalId: "ext-123"}, false},
		{"caller's own account does not allow", noPolicy, AssumeRoleInput{RoleArn: roleArn("xacct"), RoleSessionName: "partner-1", ExternalId: "ext-123"}, false},
		{"trusted account only", f.alice, AssumeRoleInput{RoleArn: roleArn("xacct"), RoleSessionName: "partner-1", ExternalId: "ext-123"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := f.svc.AssumeRole(t0, c.caller, c.in)
			if c.ok {
				if err != nil {
					t.Fatal(err)
				}
				if out.Session.Account != acct || out.Session.CallerArn != c.caller.ARN {
					t.Errorf("%+v", out.Session)
				}
				return
			}
			if lferr.CodeOf(err) != lferr.STSAccessDenied {
				t.Errorf("got %v, want AccessDenied", err)
			}
		})
	}
}

func TestAuthorizeOperation(t *testing.T) {
	f := newFixture(t, NewMemStore())
	data := f.assume(t, t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "op", Tags: []iam.Tag{{Key: "team", Value: "data"}}})
	other := f.assume(t, t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "op2"})
	cases := []struct {
		name      string
		p         Principal
		svc, op   string
		target    Target
		wantError lferr.Code
	}{
		{"glue table call, tag condition holds", data, "glue", "GetUnfilteredTableMetadata", Target{Database: "sales", Table: "orders"}, ""},
		{"glue table call, role tag only", other, "glue", "GetUnfilteredTableMetadata", Target{Database: "sales", Table: "orders"}, lferr.AccessDenied},
		{"vending needs GetDataAccess", other, "lakeformation", "GetTemporaryGlueTableCredentials", Target{}, ""},
		{"LF admin op not granted", data, "lakeformation", "PutDataLakeSettings", Target{}, lferr.AccessDenied},
		{"GetCallerIdentity needs nothing", other, "sts", "GetCallerIdentity", Target{}, ""},
		{"unknown operation", data, "glue", "Nope", Target{}, lferr.InvalidInput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := f.svc.AuthorizeOperation(t0, c.p, c.svc, c.op, c.target, lferr.AccessDenied)
			if lferr.CodeOf(err) != c.wantError {
				t.Fatalf("got %v, want %q", err, c.wantError)
			}
			if c.wantError == lferr.AccessDenied && !strings.Contains(err.Error(), "is not authorized to perform: ") {
				t.Errorf("message %q", err)
			}
		})
	}
}

func TestRecreatedRoleDoesNotInheritSessions(t *testing.T) {
	f := newFixture(t, NewMemStore())
	p := f.assume(t, t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "old", Tags: []iam.Tag{{Key: "team", Value: "data"}}})
	if _, err := f.svc.Authorize(t0, p, "lakeformation:GetDataAccess", "*", lferr.AccessDenied); err != nil {
		t.Fatal(err)
	}
	a := &iam.Admin{Rand: f.svc.Rand} // a fresh deterministic source would repeat the old RoleId
	role, _ := f.dir.Role(acct, "caller")
	if err := a.DeleteRolePolicy(f.dir, acct, "caller", "p"); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteRole(f.dir, acct, "caller"); err != nil {
		t.Fatal(err)
	}
	// Deleted: the live session has no permissions.
	if _, err := f.svc.Authorize(t0, p, "lakeformation:GetDataAccess", "*", lferr.AccessDenied); lferr.CodeOf(err) != lferr.AccessDenied {
		t.Errorf("deleted role: %v", err)
	}
	// Re-created with a broader policy: still nothing for the old session.
	if _, err := a.CreateRole(f.dir, t0, iam.CreateRoleInput{Account: acct, RoleName: "caller", AssumeRolePolicyDocument: role.AssumeRolePolicyDocument}); err != nil {
		t.Fatal(err)
	}
	if err := a.PutRolePolicy(f.dir, acct, "caller", "all", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authorize(t0, p, "lakeformation:GetDataAccess", "*", lferr.AccessDenied); lferr.CodeOf(err) != lferr.AccessDenied {
		t.Errorf("re-created role leaked into the old session: %v", err)
	}
	fresh := f.assume(t, t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "new"})
	if _, err := f.svc.Authorize(t0, fresh, "lakeformation:GetDataAccess", "*", lferr.AccessDenied); err != nil {
		t.Errorf("new session: %v", err)
	}
}

func TestPurgeExpired(t *testing.T) {
	m := NewMemStore()
	f := newFixture(t, m)
	f.assume(t, t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "p1", DurationSeconds: 900})
	f.assume(t, t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "p2"})
	if n := m.PurgeExpired(t0.Add(20 * time.Minute)); n != 1 {
		t.Errorf("purged %d", n)
	}
	db, err := store.Open(filepath.Join(t.TempDir(), "c.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *store.Tx) error {
		b := BoltStore{Tx: tx}
		f := newFixture(t, b)
		f.assume(t, t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "p1", DurationSeconds: 900})
		f.assume(t, t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "p2"})
		n, err := b.PurgeExpired(t0.Add(20 * time.Minute))
		if n != 1 {
			t.Errorf("bolt purged %d", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPrincipalFor(t *testing.T) {
	f := newFixture(t, NewMemStore())
	lf := []iam.Tag{{Key: "LakeFormationAuthorizedCaller", Value: "sluice"}, {Key: "team", Value: "data"}}
	cases := []struct {
		arn  string
		tags []iam.Tag
		kind iam.PrincipalKind
		want string // ARN of the principal
		code lferr.Code
	}{
		{roleArn("caller"), lf, iam.KindAssumedRole, "arn:aws:sts::111122223333:assumed-role/caller/sluice", ""},
		{"arn:aws:sts::111122223333:assumed-role/caller/web-1", lf, iam.KindAssumedRole, "arn:aws:sts::111122223333:assumed-role/caller/web-1", ""},
		{iam.UserARN(acct, "/", "alice"), nil, iam.KindUser, iam.UserARN(acct, "/", "alice"), ""},
		{iam.RootARN(acct), nil, iam.KindRoot, iam.RootARN(acct), ""},
		{roleArn("ghost"), nil, 0, "", lferr.NoSuchEntity},
		{iam.RoleARN(acct, "/p/", "caller"), nil, 0, "", lferr.NoSuchEntity},
		{iam.UserARN(acct, "/", "alice"), lf, 0, "", lferr.InvalidParameterValue},
		{"nonsense", nil, 0, "", lferr.InvalidInput},
	}
	for _, c := range cases {
		p, err := PrincipalFor(f.dir, c.arn, c.tags)
		if lferr.CodeOf(err) != c.code {
			t.Errorf("%s: %v want %q", c.arn, err, c.code)
			continue
		}
		if err == nil && (p.Kind != c.kind || p.ARN != c.want) {
			t.Errorf("%s: %+v", c.arn, p)
		}
	}
	// The in-process session is evaluated like a real one: its tags are
	// principal tags, its role's policies apply.
	p, _ := PrincipalFor(f.dir, roleArn("caller"), lf)
	if v, _ := p.SessionTag("LakeFormationAuthorizedCaller"); v != "sluice" {
		t.Error(v)
	}
	if err := f.svc.AuthorizeOperation(t0, p, "glue", "GetTable", Target{Database: "d", Table: "t"}, lferr.AccessDenied); err != nil {
		t.Error(err)
	}
	root := RootPrincipal(acct)
	if err := f.svc.AuthorizeOperation(t0, root, "lakeformation", "PutDataLakeSettings", Target{}, lferr.AccessDenied); err != nil {
		t.Errorf("root: %v", err)
	}
}

// Inherited transitive tags need sts:TagSession on the next role's trust.
func TestChainedTransitiveTagsNeedTagSession(t *testing.T) {
	f := newFixture(t, NewMemStore())
	a := &iam.Admin{Rand: f.svc.Rand}
	if _, err := a.CreateRole(f.dir, t0, iam.CreateRoleInput{Account: acct, RoleName: "notag",
		AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}}`}); err != nil {
		t.Fatal(err)
	}
	plain := f.assume(t, t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "plain"})
	tagged := f.assume(t, t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "tagged",
		Tags: []iam.Tag{{Key: "project", Value: "p"}}, TransitiveTagKeys: []string{"project"}})
	if _, err := f.svc.AssumeRole(t0, plain, AssumeRoleInput{RoleArn: roleArn("notag"), RoleSessionName: "n1"}); err != nil {
		t.Errorf("no tags: %v", err)
	}
	_, err := f.svc.AssumeRole(t0, tagged, AssumeRoleInput{RoleArn: roleArn("notag"), RoleSessionName: "n2"})
	if lferr.CodeOf(err) != lferr.STSAccessDenied || !strings.Contains(err.Error(), "sts:TagSession") {
		t.Errorf("inherited transitive tags without TagSession: %v", err)
	}
}

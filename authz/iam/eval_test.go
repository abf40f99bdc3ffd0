package iam

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
)

const acct = "111122223333"

func pol(t testing.TB, name string, kind PolicyKind, doc string) *Policy {
	t.Helper()
	p, err := ParsePolicy(doc, kind)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	p.Name = name
	return p
}

func TestEvaluate(t *testing.T) {
	table := GlueTableARN("us-east-1", acct, "sales", "orders")
	readGlue := `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":["glue:Get*","glue:Search*"],"Resource":"*"}]}`
	denySales := `{"Version":"2012-10-17","Statement":[{"Sid":"NoSales","Effect":"Deny","Action":"glue:*","Resource":"arn:aws:glue:*:*:table/sales/*"}]}`
	notAction := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["glue:Delete*"],"Resource":"*"}]}`
	notResource := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"glue:*","NotResource":"arn:aws:glue:*:*:table/sales/*"}]}`
	denyNotAction := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["glue:GetTable"],"Resource":"*"}]}`
	allowAll := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	sessionOnlyGetTable := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"glue:GetTable","Resource":"*"}]}`
	sessionDeny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"glue:GetTable","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	ownTable := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"glue:GetTable","Resource":"arn:aws:glue:*:*:table/${aws:PrincipalTag/team}/*"}]}`

	cases := []struct {
		name     string
		action   string
		resource string
		tags     []Tag
		identity []string
		session  []string
		want     Decision
		reason   string
	}{
		{"implicit deny with no policies", "glue:GetTable", table, nil, nil, nil, ImplicitDeny, "no identity-based policy allows"},
		{"allow by wildcard action", "glue:GetTable", table, nil, []string{readGlue}, nil, Allowed, ""},
		{"action case-insensitive", "GLUE:gettable", table, nil, []string{readGlue}, nil, Allowed, ""},
		{"action not matched", "glue:DeleteTable", table, nil, []string{readGlue}, nil, ImplicitDeny, "no identity-based policy allows"},
		{"explicit deny wins over allow", "glue:GetTable", table, nil, []string{readGlue, denySales}, nil, ExplicitDeny, "with an explicit deny in an identity-based policy"},
		{"deny does not apply elsewhere", "glue:GetTable", GlueTableARN("us-east-1", acct, "hr", "x"), nil, []string{readGlue, denySales}, nil, Allowed, ""},
		{"NotAction allows others", "glue:GetTable", table, nil, []string{notAction}, nil, Allowed, ""},
		{"NotAction excludes listed", "glue:DeleteTable", table, nil, []string{notAction}, nil, ImplicitDeny, ""},
		{"NotResource excludes", "glue:GetTable", table, nil, []string{notResource}, nil, ImplicitDeny, ""},
		{"NotResource allows others", "glue:GetTable", GlueTableARN("us-east-1", acct, "hr", "x"), nil, []string{notResource}, nil, Allowed, ""},
		{"Deny+NotAction denies everything else", "glue:GetTables", table, nil, []string{allowAll, denyNotAction}, nil, ExplicitDeny, ""},
		{"Deny+NotAction spares the listed action", "glue:GetTable", table, nil, []string{allowAll, denyNotAction}, nil, Allowed, ""},
		{"session narrows: allowed in both", "glue:GetTable", table, nil, []string{allowAll}, []string{sessionOnlyGetTable}, Allowed, ""},
		{"session narrows: identity allows, session does not", "glue:DeleteTable", table, nil, []string{allowAll}, []string{sessionOnlyGetTable}, ImplicitDeny, "no session policy allows"},
		{"session cannot widen", "glue:DeleteTable", table, nil, []string{readGlue}, []string{allowAll}, ImplicitDeny, "no identity-based policy allows"},
		{"session explicit deny", "glue:GetTable", table, nil, []string{allowAll}, []string{sessionDeny}, ExplicitDeny, "explicit deny in a session policy"},
		{"resource variable resolves", "glue:GetTable", table, []Tag{{"team", "sales"}}, []string{ownTable}, nil, Allowed, ""},
		{"resource variable other team", "glue:GetTable", table, []Tag{{"team", "hr"}}, []string{ownTable}, nil, ImplicitDeny, ""},
		{"resource variable unresolved", "glue:GetTable", table, nil, []string{ownTable}, nil, ImplicitDeny, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := NewContext(c.action, c.resource, t0)
			ctx.SetCaller(Caller{ARN: UserARN(acct, "/", "alice"), Kind: KindUser, Account: acct}, c.tags)
			in := &Input{}
			for i, d := range c.identity {
				in.Identity = append(in.Identity, pol(t, fmt.Sprintf("id%d", i), IdentityPolicy, d))
			}
			for i, d := range c.session {
				in.Session = append(in.Session, pol(t, fmt.Sprintf("sess%d", i), SessionPolicy, d))
			}
			r := Evaluate(ctx, in)
			if r.Decision != c.want {
				t.Fatalf("decision %v want %v (%s)", r.Decision, c.want, r.Reason)
			}
			if c.reason != "" && !strings.Contains(r.Reason, c.reason) {
				t.Errorf("reason %q lacks %q", r.Reason, c.reason)
			}
			err := r.Error(lferr.AccessDenied, ctx)
			if (err == nil) != (c.want == Allowed) {
				t.Errorf("Error() = %v", err)
			}
			if err != nil && !strings.HasPrefix(lferr.MessageOf(err), "User: "+UserARN(acct, "/", "alice")+" is not authorized to perform: "+c.action+" on resource: "+c.resource) {
				t.Errorf("message %q", lferr.MessageOf(err))
			}
		})
	}
}

func TestEvaluateDiagnostic(t *testing.T) {
	ctx := NewContext("glue:GetTable", "*", t0)
	in := &Input{Identity: []*Policy{
		pol(t, "role/r/read", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"glue:GetTable","Resource":"*"}]}`),
		pol(t, "arn:aws:iam::aws:policy/X", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Other","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"D","Effect":"Deny","Action":"glue:Get*","Resource":"*"}]}`),
	}}
	r := Explain(ctx, in)
	if r.Decision != ExplicitDeny || r.Deny.Policy != "arn:aws:iam::aws:policy/X" || r.Deny.Index != 1 || r.Deny.Sid != "D" {
		t.Fatalf("%+v", r)
	}
	if r.IdentityAllow.Policy != "role/r/read" || r.IdentityAllow.Sid != "A" {
		t.Errorf("allow ref %+v", r.IdentityAllow)
	}
	if len(r.Matches) != 2 {
		t.Errorf("matches %v", r.Matches)
	}
	if s := r.Deny.String(); s != `identity-based policy "arn:aws:iam::aws:policy/X" statement 1 (Sid "D")` {
		t.Errorf("String %q", s)
	}
}

func TestTrustPolicy(t *testing.T) {
	roleArn := RoleARN(acct, "/", "engine")
	trust := pol(t, "trust", TrustPolicy, `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/caller"},"Action":"sts:AssumeRole"},
	 {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/caller"},"Action":"sts:TagSession",
	  "Condition":{"StringLike":{"aws:RequestTag/LakeFormationAuthorizedCaller":"sluice*"},
	               "ForAllValues:StringEquals":{"aws:TagKeys":["LakeFormationAuthorizedCaller"]}}},
	 {"Effect":"Allow","Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:AssumeRole"},
	 {"Effect":"Deny","Principal":{"AWS":"444455556666"},"Action":"sts:*"}]}`)
	callerSession := Caller{ARN: AssumedRoleARN(acct, "caller", "s1"), Kind: KindAssumedRole, Account: acct, RoleARN: RoleARN(acct, "/", "caller")}
	other := Caller{ARN: RoleARN(acct, "/", "other"), Kind: KindRole, Account: acct}
	glueSvc := Caller{Kind: KindService, Service: "glue.amazonaws.com"}
	cases := []struct {
		name   string
		caller Caller
		action string
		tags   []Tag
		want   Decision
	}{
		{"role session matches role ARN principal", callerSession, "sts:AssumeRole", nil, Allowed},
		{"other role not named", other, "sts:AssumeRole", nil, ImplicitDeny},
		{"service principal", glueSvc, "sts:AssumeRole", nil, Allowed},
		{"service cannot TagSession", glueSvc, "sts:TagSession", []Tag{{"LakeFormationAuthorizedCaller", "sluice"}}, ImplicitDeny},
		{"TagSession with allowed tag", callerSession, "sts:TagSession", []Tag{{"LakeFormationAuthorizedCaller", "sluice"}}, Allowed},
		{"TagSession wrong value", callerSession, "sts:TagSession", []Tag{{"LakeFormationAuthorizedCaller", "emr"}}, ImplicitDeny},
		{"TagSession extra key", callerSession, "sts:TagSession", []Tag{{"LakeFormationAuthorizedCaller", "sluice"}, {"x", "y"}}, ImplicitDeny},
		{"TagSession no tags fails StringLike", callerSession, "sts:TagSession", nil, ImplicitDeny},
		{"account deny", Caller{ARN: RoleARN("444455556666", "/", "caller"), Kind: KindRole, Account: "444455556666"}, "sts:AssumeRole", nil, ExplicitDeny},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := NewContext(c.action, roleArn, t0).SetCaller(c.caller, nil).SetRequestTags(c.tags)
			if r := Evaluate(ctx, &Input{Resource: []*Policy{trust}}); r.Decision != c.want {
				t.Errorf("got %v want %v (%s)", r.Decision, c.want, r.Reason)
			}
		})
	}
	// Account principal names every principal of the account, and with
	// RequireBoth the caller's identity policy must allow as well.
	acctTrust := pol(t, "trust2", TrustPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}}`)
	ctx := NewContext("sts:AssumeRole", roleArn, t0).SetCaller(other, nil)
	if r := Evaluate(ctx, &Input{Resource: []*Policy{acctTrust}, RequireBoth: true}); r.Decision != ImplicitDeny || !strings.Contains(r.Reason, "identity-based") {
		t.Errorf("RequireBoth without identity allow: %+v", r)
	}
	idp := pol(t, "id", IdentityPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111122223333:role/engine"}}`)
	if r := Evaluate(ctx, &Input{Identity: []*Policy{idp}, Resource: []*Policy{acctTrust}, RequireBoth: true}); r.Decision != Allowed {
		t.Errorf("RequireBoth with both: %+v", r)
	}
	if r := Evaluate(ctx, &Input{Identity: []*Policy{idp}, Resource: []*Policy{trust}, RequireBoth: true}); r.Decision != ImplicitDeny || !strings.Contains(r.Reason, "trust policy") {
		t.Errorf("RequireBoth trust refuses: %+v", r)
	}
}

func TestAuthorizeGlueScopes(t *testing.T) {
	req, err := RequiredActions("glue", "GetUnfilteredTableMetadata")
	if err != nil || req.Actions[0] != "glue:GetTable" || req.Scope != ScopeTable {
		t.Fatalf("%+v %v", req, err)
	}
	res := req.Resources("us-east-1", acct, "sales", "orders", "")
	if len(res) != 3 {
		t.Fatalf("%v", res)
	}
	// Table allowed but not the database: denied (all three must be allowed).
	tableOnly := pol(t, "p", IdentityPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"glue:GetTable","Resource":["arn:aws:glue:us-east-1:111122223333:catalog","arn:aws:glue:us-east-1:111122223333:table/sales/orders"]}}`)
	base := NewContext("", "", t0).SetCaller(Caller{ARN: UserARN(acct, "/", "a"), Kind: KindUser, Account: acct}, nil)
	err = Authorize(base, &Input{Identity: []*Policy{tableOnly}}, req, res, lferr.AccessDenied)
	if lferr.CodeOf(err) != lferr.AccessDenied || !strings.Contains(err.Error(), "database/sales") {
		t.Errorf("want denial on the database ARN, got %v", err)
	}
	all := pol(t, "p2", IdentityPolicy, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"glue:GetTable","Resource":["arn:aws:glue:us-east-1:111122223333:catalog","arn:aws:glue:us-east-1:111122223333:database/sales","arn:aws:glue:us-east-1:111122223333:table/sales/*"]}}`)
	if err := Authorize(base, &Input{Identity: []*Policy{all}}, req, res, lferr.AccessDenied); err != nil {
		t.Error(err)
	}
	if _, err := RequiredActions("glue", "NoSuchOp"); lferr.CodeOf(err) != lferr.InvalidInput {
		t.Error(err)
	}
	for svc, op := range map[string]string{"lakeformation": "GetTemporaryGlueTableCredentials", "sts": "AssumeRole", "iam": "CreateRole"} {
		if r, err := RequiredActions(svc, op); err != nil || len(r.Actions) == 0 {
			t.Errorf("%s:%s %+v %v", svc, op, r, err)
		}
	}
}

// TestEvaluationOrderIndependent: random policies, shuffled statements and
// policies, the decision never changes.
func TestEvaluationOrderIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	actions := []string{"glue:GetTable", "glue:Get*", "glue:*", "s3:GetObject", "lakeformation:GetDataAccess", "*", "glue:?etTable"}
	resources := []string{"*", "arn:aws:glue:*:*:table/sales/*", "arn:aws:glue:us-east-1:111122223333:table/sales/orders", "arn:aws:glue:*:*:database/*"}
	conds := []string{"", `,"Condition":{"StringEquals":{"aws:PrincipalTag/team":"sales"}}`, `,"Condition":{"Null":{"aws:PrincipalTag/x":"true"}}`,
		`,"Condition":{"ForAnyValue:StringLike":{"aws:TagKeys":["a*"]}}`}
	reqs := []string{"glue:GetTable", "glue:DeleteTable", "s3:GetObject", "lakeformation:GetDataAccess"}
	for iter := 0; iter < 300; iter++ {
		var stmts []string
		for i := 0; i < 1+rng.IntN(8); i++ {
			eff := "Allow"
			if rng.IntN(4) == 0 {
				eff = "Deny"
			}
			act := "Action"
			if rng.IntN(5) == 0 {
				act = "NotAction"
			}
			stmts = append(stmts, fmt.Sprintf(`{"Effect":"%s","%s":"%s","Resource":"%s"%s}`, eff, act,
				actions[rng.IntN(len(actions))], resources[rng.IntN(len(resources))], conds[rng.IntN(len(conds))]))
		}
		build := func(order []string) []*Policy {
			var ps []*Policy
			for i := 0; i < len(order); i += 3 {
				end := min(i+3, len(order))
				ps = append(ps, pol(t, fmt.Sprint("p", i), IdentityPolicy, `{"Version":"2012-10-17","Statement":[`+strings.Join(order[i:end], ",")+`]}`))
			}
			return ps
		}
		a := build(stmts)
		shuffled := append([]string(nil), stmts...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		b := build(shuffled)
		rng.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
		for _, action := range reqs {
			ctx := NewContext(action, GlueTableARN("us-east-1", acct, "sales", "orders"), t0).
				SetCaller(Caller{ARN: UserARN(acct, "/", "u"), Kind: KindUser, Account: acct}, []Tag{{"team", "sales"}}).
				SetRequestTags([]Tag{{"abc", "1"}})
			if da, db := Evaluate(ctx, &Input{Identity: a}).Decision, Evaluate(ctx, &Input{Identity: b}).Decision; da != db {
				t.Fatalf("order changed the decision for %s: %v vs %v\n%s", action, da, db, strings.Join(stmts, "\n"))
			}
		}
	}
}

func TestDescribe(t *testing.T) {
	ctx := NewContext("glue:GetTable", "*", t0)
	allow := pol(t, "role/r/read", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"glue:GetTable","Resource":"*"}]}`)
	deny := pol(t, "role/r/deny", IdentityPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"glue:*","Resource":"*"}]}`)
	cases := []struct {
		in   []*Policy
		want []string
	}{
		{[]*Policy{allow}, []string{"Allow:", `allowed by identity-based policy "role/r/read" statement 0 (Sid "A")`}},
		{[]*Policy{allow, deny}, []string{`ExplicitDeny: denied by identity-based policy "role/r/deny" statement 0`, `matched Allow in identity-based policy "role/r/read"`}},
		{nil, []string{"ImplicitDeny: no identity-based policy allows the glue:GetTable action"}},
	}
	for _, c := range cases {
		d := Explain(ctx, &Input{Identity: c.in}).Describe()
		for _, w := range c.want {
			if !strings.Contains(d, w) {
				t.Errorf("%q lacks %q", d, w)
			}
		}
	}
}

func TestQueryHTTPStatus(t *testing.T) {
	cases := map[lferr.Code]int{lferr.NoSuchEntity: 404, lferr.EntityAlreadyExists: 409, lferr.STSAccessDenied: 403,
		lferr.InvalidClientTokenId: 403, lferr.ExpiredToken: 400, lferr.MalformedPolicyDocument: 400, lferr.AccessDenied: 403}
	for c, want := range cases {
		if got := c.QueryHTTPStatus(); got != want {
			t.Errorf("%s: %d want %d", c, got, want)
		}
	}
}

package declare

import (
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

const iamLake = `
ManagedPolicies:
  - PolicyName: lake-read
    Description: read the lake
    PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: ["glue:GetTable"], Resource: "*"}]}
Users:
  - UserName: alice
    Tags: [{Key: team, Value: sales}]
    ManagedPolicyArns: ["arn:aws:iam::111122223333:policy/lake-read"]
    Policies:
      - {PolicyName: assume, PolicyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}'}
Roles:
  - RoleName: reader
    AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::111122223333:user/alice"}, Action: "sts:AssumeRole"}]}
    ManagedPolicyArns: ["arn:aws:iam::111122223333:policy/lake-read", "arn:aws:iam::aws:policy/AWSGlueConsoleFullAccess"]
    MaxSessionDuration: 7200
`

func TestIAMObjects(t *testing.T) {
	cp := openCP(t)
	rep := apply(t, cp, parse(t, iamLake))
	if rep.Count(Created) != 3 {
		t.Fatalf("first apply: %v", rep.Changes)
	}
	v := cp.CatalogVersion()
	if rep := apply(t, cp, parse(t, iamLake)); rep.Count(Unchanged) != 3 || cp.CatalogVersion() != v {
		t.Fatalf("second apply: %v (version %d → %d)", rep.Changes, v, cp.CatalogVersion())
	}
	edited := strings.NewReplacer(`["glue:GetTable"]`, `["glue:GetTable", "glue:GetTables"]`,
		"Value: sales", "Value: emea", "MaxSessionDuration: 7200", "MaxSessionDuration: 3600").Replace(iamLake)
	rep = apply(t, cp, parse(t, edited))
	want := []string{
		"updated   ManagedPolicy lake-read (document, now v2)",
		"updated   User alice (tags)",
		"updated   Role reader (max session duration)",
	}
	if len(rep.Changes) != len(want) {
		t.Fatalf("edit: %v", rep.Changes)
	}
	for i, c := range rep.Changes {
		if c.String() != want[i] {
			t.Errorf("change %d: %q, want %q", i, c.String(), want[i])
		}
	}
	err := cp.Store().View(func(tx *store.Tx) error {
		recs := iam.BoltRecords{Tx: tx}
		p, err := recs.GetPolicy("arn:aws:iam::111122223333:policy/lake-read")
		if err != nil || p == nil || !strings.Contains(p.Document, "glue:GetTables") {
			t.Errorf("policy after edit: %+v %v", p, err)
		}
		r, err := recs.GetRole(cp.AccountID(), "reader")
		if err != nil || r == nil || len(r.AttachedPolicies) != 2 || r.MaxSessionDuration != 3600 {
			t.Errorf("role: %+v %v", r, err)
		}
		u, err := recs.GetUser(cp.AccountID(), "alice")
		if err != nil || u == nil || len(u.Tags) != 1 || u.Tags[0].Value != "emea" || len(u.InlinePolicies) != 1 {
			t.Errorf("user: %+v %v", u, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// IAM's own validation and codes come through, naming the object.
	cases := []struct{ src, code, msg string }{
		{"Roles: [{RoleName: x}]\n", string(lferr.ValidationError), "Role x: AssumeRolePolicyDocument is required"},
		{"Roles: [{RoleName: x, AssumeRolePolicyDocument: 'nope'}]\n", "MalformedPolicyDocument", "Role x:"},
		{"Roles: [{RoleName: reader, ManagedPolicyArns: ['arn:aws:iam::111122223333:policy/nowhere']}]\n", "NoSuchEntity", "Role reader:"},
		{"Roles: [{RoleName: x, Persona: Wizard, AssumeRolePolicyDocument: {Version: '2012-10-17', Statement: []}}]\n", string(lferr.InvalidInput), "unknown persona"},
		{"ManagedPolicies: [{PolicyName: lake-read, PolicyDocument: {Statement: 3}}]\n", "MalformedPolicyDocument", "ManagedPolicy lake-read:"},
	}
	for _, c := range cases {
		v := cp.CatalogVersion()
		_, err := Apply(ctx, cp, parse(t, c.src), Options{})
		if err == nil || string(lferr.CodeOf(err)) != c.code || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: err %v, want %s containing %q", c.src, err, c.code, c.msg)
		}
		if cp.CatalogVersion() != v {
			t.Errorf("%s: failed apply moved the version", c.src)
		}
	}
}

func TestResourceSpecs(t *testing.T) {
	cases := []struct{ spec, want string }{
		{"catalog", "catalog"},
		{"database:sales", "database:sales"},
		{"table:sales.orders", "table:sales.orders"},
		{"table:sales.*", "table:sales.*"},
		{"columns:sales.orders:id, region", "columns:sales.orders:id,region"},
		{"columns:sales.orders:*", "columns:sales.orders:*"},
		{"columns:sales.orders:!email", "columns:sales.orders:!email"},
		{"filter:sales.orders:eu", "filter:sales.orders:eu"},
		{"location:s3://b/p/", "location:s3://b/p/"},
		{"tag:module=Sales,Orders", "tag:module=Sales,Orders"},
		{"tag-policy:table:module=Sales,Orders:tier=gold", "tag-policy:TABLE:module=Sales,Orders:tier=gold"},
		{"tag-policy:DATABASE:@mine", "tag-policy:DATABASE:@mine"},
	}
	for _, c := range cases {
		r, err := ParseResource(c.spec)
		if err != nil {
			t.Errorf("%s: %v", c.spec, err)
			continue
		}
		if got := ResourceString(r); got != c.want {
			t.Errorf("%s: %s, want %s", c.spec, got, c.want)
		}
	}
	for _, bad := range []string{"", "tabel:a.b", "table:ab", "table:.b", "columns:a.b", "filter:a.b", "tag:k", "tag:=v",
		"tag-policy:VIEW:k=v", "tag-policy:TABLE", "database:", "catalog:x", "location:"} {
		if _, err := ParseResource(bad); lferr.CodeOf(err) != lferr.InvalidInput {
			t.Errorf("%q: err %v, want InvalidInputException", bad, err)
		}
	}
	for in, want := range map[string]string{
		"analyst":                    "arn:aws:iam::111122223333:role/analyst",
		"arn:aws:iam::1:user/x":      "arn:aws:iam::1:user/x",
		"111122223333":               "111122223333",
		"IAM_ALLOWED_PRINCIPALS":     "IAM_ALLOWED_PRINCIPALS",
		"111122223333:IAMPrincipals": "111122223333:IAMPrincipals",
	} {
		if got := PrincipalARN(in, "111122223333"); got != want {
			t.Errorf("PrincipalARN(%q) = %q, want %q", in, got, want)
		}
	}
}

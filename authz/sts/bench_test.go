package sts

import (
	"testing"

	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lferr"
)

// BenchmarkValidate: the per-request cost of checking temporary
// credentials (hash compare, unseal).
func BenchmarkValidate(b *testing.B) {
	f := newFixture(&testing.T{}, NewMemStore())
	out, err := f.svc.AssumeRole(t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	c := out.Credentials
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := f.svc.Validate(t0, c.AccessKeyId, c.SessionToken); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthorizeSession: an IAM decision for a role session with
// policies cached (identity + session policy lookup and evaluation).
func BenchmarkAuthorizeSession(b *testing.B) {
	f := newFixture(&testing.T{}, NewMemStore())
	out, err := f.svc.AssumeRole(t0, f.alice, AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "bench",
		Tags: []iam.Tag{{Key: "team", Value: "data"}}, Policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"glue:*","Resource":"*"}}`})
	if err != nil {
		b.Fatal(err)
	}
	p := SessionPrincipal(out.Session)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.svc.Authorize(t0, p, "glue:GetTable", "*", lferr.AccessDenied); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAssumeRole(b *testing.B) {
	f := newFixture(&testing.T{}, NewMemStore())
	in := AssumeRoleInput{RoleArn: roleArn("caller"), RoleSessionName: "bench", Tags: []iam.Tag{{Key: "LakeFormationAuthorizedCaller", Value: "sluice"}}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.svc.AssumeRole(t0, f.alice, in); err != nil {
			b.Fatal(err)
		}
	}
}

package iam

import (
	"fmt"
	"strings"
	"testing"
)

// benchPolicies: 10 policies × 10 statements, a realistic mix (wildcard
// and exact actions, glue ARNs, some conditions), with the one statement
// that allows glue:GetTable on the target at the very end so every
// statement is examined.
func benchPolicies(b *testing.B) []*Policy {
	var ps []*Policy
	for p := 0; p < 10; p++ {
		var stmts []string
		for s := 0; s < 10; s++ {
			var st string
			switch s % 5 {
			case 0:
				st = fmt.Sprintf(`{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bucket-%d/*"}`, p*10+s)
			case 1:
				st = fmt.Sprintf(`{"Effect":"Allow","Action":"glue:Get*","Resource":"arn:aws:glue:us-east-1:111122223333:table/db%d/*"}`, p*10+s)
			case 2:
				st = fmt.Sprintf(`{"Effect":"Deny","Action":"glue:Delete*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"t%d"}}}`, s)
			case 3:
				st = `{"Effect":"Allow","Action":"lakeformation:GetDataAccess","Resource":"*","Condition":{"StringLike":{"aws:PrincipalTag/LakeFormationAuthorizedCaller":"sluice*"},"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}}`
			case 4:
				st = fmt.Sprintf(`{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:glue:*:*:table/secret%d/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}`, s)
			}
			stmts = append(stmts, st)
		}
		if p == 9 {
			stmts[9] = `{"Effect":"Allow","Action":"glue:GetTable","Resource":"arn:aws:glue:us-east-1:111122223333:table/sales/orders"}`
		}
		ps = append(ps, pol(b, fmt.Sprint("p", p), IdentityPolicy, `{"Version":"2012-10-17","Statement":[`+strings.Join(stmts, ",")+`]}`))
	}
	return ps
}

func BenchmarkEvaluate10x10(b *testing.B) {
	ps := benchPolicies(b)
	ctx := NewContext("glue:GetTable", "arn:aws:glue:us-east-1:111122223333:table/sales/orders", t0).
		SetCaller(Caller{ARN: AssumedRoleARN(acct, "r", "s"), Kind: KindAssumedRole, Account: acct, RoleARN: RoleARN(acct, "/", "r")},
			[]Tag{{"team", "t1"}, {"LakeFormationAuthorizedCaller", "sluice"}})
	in := &Input{Identity: ps}
	if Evaluate(ctx, in).Decision != Allowed {
		b.Fatal("setup: not allowed")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if Evaluate(ctx, in).Decision != Allowed {
			b.Fatal("not allowed")
		}
	}
}

func BenchmarkParsePolicy(b *testing.B) {
	doc := benchPolicies(b)[9].Text
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ParsePolicy(doc, IdentityPolicy); err != nil {
			b.Fatal(err)
		}
	}
}

package iam

import (
	"testing"
	"time"
)

// FuzzParsePolicy: parsing never panics, and whatever parses can be
// evaluated without panicking. `go test` runs the seeds only.
func FuzzParsePolicy(f *testing.F) {
	for _, s := range []string{
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["glue:Get*"],"NotResource":"arn:aws:glue:*:*:table/${aws:PrincipalTag/t}/*","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["a*"]},"Null":{"aws:x":"true"}}}]}`,
		`{"Statement":{"Effect":"Allow","Principal":{"AWS":["111122223333"]},"Action":"sts:AssumeRole","Condition":{"DateLessThan":{"aws:CurrentTime":"2027-01-01"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"NumericLessThan":{"k:n":1}}}}`,
		`{"Statement":{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{"k:v":"${aws:username, 'x'}${*}"}}}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		for _, kind := range []PolicyKind{IdentityPolicy, TrustPolicy, ResourcePolicy} {
			p, err := ParsePolicy(doc, kind)
			if err != nil {
				continue
			}
			ctx := NewContext("sts:AssumeRole", "arn:aws:iam::111122223333:role/r", time.Unix(0, 0)).
				SetCaller(Caller{ARN: UserARN("111122223333", "/", "u"), Kind: KindUser, Account: "111122223333"}, []Tag{{"t", "v"}}).
				SetRequestTags([]Tag{{"a", "b"}})
			in := &Input{Identity: []*Policy{p}}
			if kind != IdentityPolicy {
				in = &Input{Resource: []*Policy{p}}
			}
			_ = Explain(ctx, in)
		}
	})
}

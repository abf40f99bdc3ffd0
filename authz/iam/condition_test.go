package iam

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// condAllows evaluates an identity policy "Allow * on * if <cond>" and
// reports whether it allows.
func condAllows(t *testing.T, cond string, ctx *Context) bool {
	t.Helper()
	p, err := ParsePolicy(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":`+cond+`}}`, IdentityPolicy)
	if err != nil {
		t.Fatalf("parse %s: %v", cond, err)
	}
	return Evaluate(ctx, &Input{Identity: []*Policy{p}}).Decision == Allowed
}

func TestConditionOperators(t *testing.T) {
	type kv map[string][]string
	cases := []struct {
		name string
		cond string
		keys kv
		want bool
	}{
		// String operators; key names are case-insensitive, values are not.
		{"StringEquals match", `{"StringEquals":{"aws:PrincipalTag/team":"sales"}}`, kv{"aws:principaltag/TEAM": {"sales"}}, true},
		{"StringEquals value case", `{"StringEquals":{"aws:PrincipalTag/team":"sales"}}`, kv{"aws:PrincipalTag/team": {"Sales"}}, false},
		{"StringEquals OR of values", `{"StringEquals":{"aws:PrincipalTag/team":["a","sales"]}}`, kv{"aws:PrincipalTag/team": {"sales"}}, true},
		{"StringEquals absent", `{"StringEquals":{"aws:PrincipalTag/team":"sales"}}`, kv{}, false},
		{"StringEqualsIfExists absent", `{"StringEqualsIfExists":{"aws:PrincipalTag/team":"sales"}}`, kv{}, true},
		{"StringEqualsIfExists present mismatch", `{"StringEqualsIfExists":{"aws:PrincipalTag/team":"sales"}}`, kv{"aws:PrincipalTag/team": {"hr"}}, false},
		{"StringNotEquals mismatch", `{"StringNotEquals":{"aws:PrincipalTag/team":"sales"}}`, kv{"aws:PrincipalTag/team": {"hr"}}, true},
		{"StringNotEquals match", `{"StringNotEquals":{"aws:PrincipalTag/team":["hr","sales"]}}`, kv{"aws:PrincipalTag/team": {"sales"}}, false},
		{"StringNotEquals absent is true", `{"StringNotEquals":{"aws:PrincipalTag/team":"sales"}}`, kv{}, true},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"SALES"}}`, kv{"aws:PrincipalTag/team": {"sales"}}, true},
		{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":"SALES"}}`, kv{"aws:PrincipalTag/team": {"sales"}}, false},
		{"StringLike wildcard", `{"StringLike":{"aws:RequestTag/LakeFormationAuthorizedCaller":"engine*"}}`, kv{"aws:RequestTag/LakeFormationAuthorizedCaller": {"engine1"}}, true},
		{"StringLike ?", `{"StringLike":{"aws:RequestTag/x":"a?c"}}`, kv{"aws:RequestTag/x": {"abbc"}}, false},
		{"StringLike case-sensitive", `{"StringLike":{"aws:RequestTag/x":"Eng*"}}`, kv{"aws:RequestTag/x": {"engine"}}, false},
		{"StringNotLike", `{"StringNotLike":{"aws:RequestTag/x":"eng*"}}`, kv{"aws:RequestTag/x": {"other"}}, true},
		{"StringNotLike absent", `{"StringNotLike":{"aws:RequestTag/x":"eng*"}}`, kv{}, true},
		{"StringNotLikeIfExists present match", `{"StringNotLikeIfExists":{"aws:RequestTag/x":"eng*"}}`, kv{"aws:RequestTag/x": {"engine"}}, false},
		// Numeric.
		{"NumericEquals", `{"NumericEquals":{"s3:max-keys":"10"}}`, kv{"s3:max-keys": {"10.0"}}, true},
		{"NumericNotEquals", `{"NumericNotEquals":{"s3:max-keys":10}}`, kv{"s3:max-keys": {"11"}}, true},
		{"NumericLessThan true", `{"NumericLessThan":{"s3:max-keys":10}}`, kv{"s3:max-keys": {"9"}}, true},
		{"NumericLessThan equal", `{"NumericLessThan":{"s3:max-keys":10}}`, kv{"s3:max-keys": {"10"}}, false},
		{"NumericLessThanEquals", `{"NumericLessThanEquals":{"s3:max-keys":10}}`, kv{"s3:max-keys": {"10"}}, true},
		{"NumericGreaterThan", `{"NumericGreaterThan":{"s3:max-keys":10}}`, kv{"s3:max-keys": {"10"}}, false},
		{"NumericGreaterThanEquals", `{"NumericGreaterThanEquals":{"s3:max-keys":10}}`, kv{"s3:max-keys": {"10"}}, true},
		{"Numeric unparsable request value", `{"NumericNotEquals":{"s3:max-keys":10}}`, kv{"s3:max-keys": {"ten"}}, false},
		{"Numeric absent", `{"NumericLessThan":{"s3:max-keys":10}}`, kv{}, false},
		{"NumericLessThanIfExists absent", `{"NumericLessThanIfExists":{"s3:max-keys":10}}`, kv{}, true},
		// Dates: aws:CurrentTime comes from the context's Now.
		{"DateLessThan now", `{"DateLessThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}}`, kv{}, true},
		{"DateGreaterThan now", `{"DateGreaterThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}}`, kv{}, false},
		{"DateEquals epoch", `{"DateEquals":{"aws:EpochTime":"1795521600"}}`, kv{}, true},
		{"DateNotEquals", `{"DateNotEquals":{"aws:CurrentTime":"2026-11-24T12:00:00Z"}}`, kv{}, false},
		{"DateLessThanEquals", `{"DateLessThanEquals":{"aws:CurrentTime":"2026-11-24T12:00:00Z"}}`, kv{}, true},
		{"DateGreaterThanEquals", `{"DateGreaterThanEquals":{"aws:TokenIssueTime":"2026-11-24"}}`, kv{"aws:TokenIssueTime": {"2026-11-24T01:00:00Z"}}, true},
		// Bool.
		{"Bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, kv{"aws:SecureTransport": {"true"}}, true},
		{"Bool json literal", `{"Bool":{"aws:SecureTransport":false}}`, kv{"aws:SecureTransport": {"true"}}, false},
		{"Bool absent", `{"Bool":{"aws:SecureTransport":"true"}}`, kv{}, false},
		{"BoolIfExists absent", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, kv{}, true},
		// Binary, IP.
		{"BinaryEquals", `{"BinaryEquals":{"k:bin":"QmluYXJ5"}}`, kv{"k:bin": {"QmluYXJ5"}}, true},
		{"IpAddress in", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, kv{"aws:SourceIp": {"10.1.2.3"}}, true},
		{"IpAddress out", `{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.1.1"]}}`, kv{"aws:SourceIp": {"192.168.1.2"}}, false},
		{"NotIpAddress", `{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, kv{"aws:SourceIp": {"192.168.1.2"}}, true},
		// ARN operators.
		{"ArnLike", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/eng-*"}}`, kv{"aws:PrincipalArn": {"arn:aws:iam::111122223333:role/eng-1"}}, true},
		{"ArnEquals wildcard too", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::*:role/eng"}}`, kv{"aws:PrincipalArn": {"arn:aws:iam::111122223333:role/eng"}}, true},
		{"ArnNotLike", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/eng-*"}}`, kv{"aws:PrincipalArn": {"arn:aws:iam::111122223333:role/ops"}}, true},
		{"ArnNotEquals match", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/eng"}}`, kv{"aws:PrincipalArn": {"arn:aws:iam::111122223333:role/eng"}}, false},
		{"ArnLike absent", `{"ArnLike":{"aws:SourceArn":"arn:aws:glue:*:*:*"}}`, kv{}, false},
		// Null.
		{"Null true absent", `{"Null":{"aws:TagKeys":"true"}}`, kv{}, true},
		{"Null true present", `{"Null":{"aws:TagKeys":"true"}}`, kv{"aws:TagKeys": {"a"}}, false},
		{"Null false present", `{"Null":{"aws:TagKeys":"false"}}`, kv{"aws:TagKeys": {"a"}}, true},
		{"Null false absent", `{"Null":{"aws:TagKeys":false}}`, kv{}, false},
		// Set operators with their empty-set semantics.
		{"ForAllValues all in", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, kv{"aws:TagKeys": {"a", "b"}}, true},
		{"ForAllValues one out", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, kv{"aws:TagKeys": {"a", "c"}}, false},
		{"ForAllValues absent is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, kv{}, true},
		{"ForAllValues empty is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, kv{"aws:TagKeys": {}}, true},
		{"ForAllValues + Null false closes the hole", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]},"Null":{"aws:TagKeys":"false"}}`, kv{}, false},
		{"ForAnyValue one in", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, kv{"aws:TagKeys": {"x", "a"}}, true},
		{"ForAnyValue none in", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, kv{"aws:TagKeys": {"x", "y"}}, false},
		{"ForAnyValue absent is false", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, kv{}, false},
		{"ForAnyValue IfExists absent", `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["a"]}}`, kv{}, true},
		{"ForAnyValue:StringNotEquals some outside", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a"]}}`, kv{"aws:TagKeys": {"a", "b"}}, true},
		{"ForAnyValue:StringNotEquals all inside", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a","b"]}}`, kv{"aws:TagKeys": {"a", "b"}}, false},
		{"ForAllValues:StringNotEquals none inside", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}`, kv{"aws:TagKeys": {"a", "b"}}, true},
		{"ForAllValues:StringNotEquals one inside", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}`, kv{"aws:TagKeys": {"a", "secret"}}, false},
		{"ForAllValues:StringLike", `{"ForAllValues:StringLike":{"aws:TagKeys":["team*","LakeFormation*"]}}`, kv{"aws:TagKeys": {"teamA", "LakeFormationAuthorizedCaller"}}, true},
		// Multi-valued key without a set operator: any value matching.
		{"StringEquals multi-valued any", `{"StringEquals":{"aws:TagKeys":"a"}}`, kv{"aws:TagKeys": {"b", "a"}}, true},
		{"StringNotEquals multi-valued none", `{"StringNotEquals":{"aws:TagKeys":"a"}}`, kv{"aws:TagKeys": {"b", "a"}}, false},
		// AND across keys and operators.
		{"AND of keys both hold", `{"StringEquals":{"aws:PrincipalTag/a":"1","aws:PrincipalTag/b":"2"}}`, kv{"aws:PrincipalTag/a": {"1"}, "aws:PrincipalTag/b": {"2"}}, true},
		{"AND of keys one fails", `{"StringEquals":{"aws:PrincipalTag/a":"1","aws:PrincipalTag/b":"2"}}`, kv{"aws:PrincipalTag/a": {"1"}, "aws:PrincipalTag/b": {"3"}}, false},
		{"AND of operators one fails", `{"StringEquals":{"aws:PrincipalTag/a":"1"},"Bool":{"aws:SecureTransport":"true"}}`, kv{"aws:PrincipalTag/a": {"1"}}, false},
		// Policy variables in condition values.
		{"variable resolves", `{"StringEquals":{"aws:RequestTag/owner":"${aws:PrincipalTag/team}"}}`, kv{"aws:PrincipalTag/team": {"sales"}, "aws:RequestTag/owner": {"sales"}}, true},
		{"variable unresolved matches nothing", `{"StringEquals":{"aws:RequestTag/owner":"${aws:PrincipalTag/team}"}}`, kv{"aws:RequestTag/owner": {"${aws:PrincipalTag/team}"}}, false},
		{"variable default", `{"StringEquals":{"aws:RequestTag/owner":"${aws:PrincipalTag/team, 'none'}"}}`, kv{"aws:RequestTag/owner": {"none"}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := NewContext("glue:GetTable", "*", t0)
			for k, v := range c.keys {
				ctx.Set(k, v...)
			}
			if got := condAllows(t, c.cond, ctx); got != c.want {
				t.Errorf("%s with %v: got %v want %v", c.cond, c.keys, got, c.want)
			}
		})
	}
}

func TestContextTags(t *testing.T) {
	ctx := NewContext("sts:AssumeRole", "*", t0)
	ctx.SetCaller(Caller{ARN: "arn:aws:sts::111122223333:assumed-role/r/s", Kind: KindAssumedRole, Account: "111122223333",
		RoleARN: "arn:aws:iam::111122223333:role/r"}, MergeTags([]Tag{{"Team", "a"}, {"cost", "1"}}, []Tag{{"team", "b"}}))
	ctx.SetRequestTags([]Tag{{"LakeFormationAuthorizedCaller", "sluice"}, {"x", "y"}})
	checks := []struct {
		key  string
		want []string
	}{
		{"aws:PrincipalTag/TEAM", []string{"b"}}, // session tag overrides role tag, key case-insensitive
		{"aws:principaltag/cost", []string{"1"}},
		{"aws:PrincipalArn", []string{"arn:aws:iam::111122223333:role/r"}},
		{"aws:PrincipalAccount", []string{"111122223333"}},
		{"aws:RequestTag/lakeformationauthorizedcaller", []string{"sluice"}},
		{"aws:TagKeys", []string{"LakeFormationAuthorizedCaller", "x"}},
		{"aws:CurrentTime", []string{"2026-11-24T12:00:00Z"}},
	}
	for _, c := range checks {
		got, ok := ctx.Get(c.key)
		if !ok || len(got) != len(c.want) {
			t.Errorf("%s = %v, want %v", c.key, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s = %v, want %v", c.key, got, c.want)
			}
		}
	}
}

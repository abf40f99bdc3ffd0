package iam

import (
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
)

func TestParsePolicyAccepts(t *testing.T) {
	cases := []struct {
		name, doc string
		kind      PolicyKind
		check     func(t *testing.T, p *Policy)
	}{
		{"statement object, string action/resource", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"glue:GetTable","Resource":"*"}}`, IdentityPolicy,
			func(t *testing.T, p *Policy) {
				if len(p.Statements) != 1 || p.Statements[0].Actions[0] != "glue:GetTable" || p.Statements[0].Resources[0] != "*" {
					t.Errorf("%+v", p.Statements)
				}
			}},
		{"lists, Sid, NotAction, NotResource", `{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"A1","Effect":"Deny","NotAction":["glue:Get*","glue:Search*"],"NotResource":["arn:aws:glue:*:*:catalog"]}]}`, IdentityPolicy,
			func(t *testing.T, p *Policy) {
				s := p.Statements[0]
				if !s.NotAction || !s.NotResource || s.Effect != Deny || s.Sid != "A1" || len(s.Actions) != 2 || p.ID != "x" {
					t.Errorf("%+v", s)
				}
			}},
		{"missing Version defaults to 2008-10-17", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, IdentityPolicy,
			func(t *testing.T, p *Policy) {
				if p.Version != "2008-10-17" {
					t.Error(p.Version)
				}
			}},
		{"trust policy principals", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:role/e"],"Service":"glue.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`, TrustPolicy,
			func(t *testing.T, p *Policy) {
				ps := p.Statements[0].Principal
				if len(ps.AWS) != 2 || len(ps.Service) != 1 || ps.Any {
					t.Errorf("%+v", ps)
				}
			}},
		{"Principal *", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`, TrustPolicy,
			func(t *testing.T, p *Policy) {
				if !p.Statements[0].Principal.Any {
					t.Error("want Any")
				}
			}},
		{"condition scalars of every JSON type", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"s3:max-keys":10},"StringEquals":{"aws:PrincipalTag/team":["a","b"]}}}]}`, IdentityPolicy,
			func(t *testing.T, p *Policy) {
				if n := len(p.Statements[0].Conditions); n != 3 {
					t.Errorf("conditions %d", n)
				}
			}},
		{"NotPrincipal with Deny", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}`, TrustPolicy, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParsePolicy(c.doc, c.kind)
			if err != nil {
				t.Fatal(err)
			}
			if c.check != nil {
				c.check(t, p)
			}
		})
	}
}

func TestParsePolicyRejects(t *testing.T) {
	cases := []struct {
		name, doc string
		kind      PolicyKind
		msg       string // substring the message must contain
	}{
		{"empty", ``, IdentityPolicy, "empty document"},
		{"not JSON", `{"Version":`, IdentityPolicy, "not valid JSON"},
		{"array top", `[]`, IdentityPolicy, "must be a JSON object"},
		{"trailing data", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}} {}`, IdentityPolicy, "trailing data"},
		{"trailing garbage", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}} x`, IdentityPolicy, "trailing data"},
		{"null version", `{"Version":null,"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, IdentityPolicy, "Version must be a string"},
		{"null sid", `{"Version":"2012-10-17","Statement":{"Sid":null,"Effect":"Allow","Action":"*","Resource":"*"}}`, IdentityPolicy, "Sid must be a string"},
		{"null in action list", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["glue:GetTable",null],"Resource":"*"}}`, IdentityPolicy, "Action must be"},
		{"bad version", `{"Version":"2020-01-01","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, IdentityPolicy, "unsupported Version"},
		{"unknown top key", `{"Version":"2012-10-17","Statment":[]}`, IdentityPolicy, `unknown element "Statment"`},
		{"missing statement", `{"Version":"2012-10-17"}`, IdentityPolicy, "missing Statement"},
		{"empty statement list", `{"Version":"2012-10-17","Statement":[]}`, IdentityPolicy, "Statement list is empty"},
		{"statement string", `{"Version":"2012-10-17","Statement":"x"}`, IdentityPolicy, "Statement must be an object"},
		{"duplicate key", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Effect":"Allow","Action":"*","Resource":"*"}}`, IdentityPolicy, `duplicate key "Effect"`},
		{"effect case", `{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"*","Resource":"*"}}`, IdentityPolicy, `Effect "allow"`},
		{"missing effect", `{"Version":"2012-10-17","Statement":{"Action":"*","Resource":"*"}}`, IdentityPolicy, "missing Effect"},
		{"missing action", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}}`, IdentityPolicy, "missing Action"},
		{"both action and notaction", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","NotAction":"x:y","Resource":"*"}}`, IdentityPolicy, "only one of Action and NotAction"},
		{"empty action list", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, IdentityPolicy, "non-empty"},
		{"action without service", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"GetTable","Resource":"*"}}`, IdentityPolicy, `invalid action "GetTable"`},
		{"action number", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":5,"Resource":"*"}}`, IdentityPolicy, "Action must be"},
		{"missing resource", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*"}}`, IdentityPolicy, "missing Resource"},
		{"bad resource", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"table/x"}}`, IdentityPolicy, `invalid resource "table/x"`},
		{"principal in identity", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`, IdentityPolicy, "Principal is not allowed"},
		{"principal in session", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`, SessionPolicy, "Principal is not allowed"},
		{"resource in trust", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}}`, TrustPolicy, "Resource is not allowed"},
		{"trust missing principal", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}`, TrustPolicy, "missing Principal"},
		{"principal wildcard", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/*"},"Action":"sts:AssumeRole"}}`, TrustPolicy, "wildcards are not allowed"},
		{"principal bad type", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Users":"x"},"Action":"sts:AssumeRole"}}`, TrustPolicy, "unknown principal type"},
		{"principal bad string", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"someone","Action":"sts:AssumeRole"}}`, TrustPolicy, "Principal must be"},
		{"bad service principal", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"glue"},"Action":"sts:AssumeRole"}}`, TrustPolicy, "invalid service principal"},
		{"NotPrincipal with Allow", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}}`, TrustPolicy, "NotPrincipal may be used only"},
		{"duplicate sid", `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}]}`, IdentityPolicy, `duplicate Sid "A"`},
		{"bad sid", `{"Version":"2012-10-17","Statement":{"Sid":"a-b","Effect":"Allow","Action":"*","Resource":"*"}}`, IdentityPolicy, "letters and digits"},
		{"unknown statement key", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Conditions":{}}}`, IdentityPolicy, `unknown element "Conditions"`},
		{"unknown operator", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqual":{"aws:x":"y"}}}}`, IdentityPolicy, "unknown condition operator"},
		{"NullIfExists", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"aws:x":"true"}}}}`, IdentityPolicy, "unknown condition operator"},
		{"null bad value", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"aws:x":"yes"}}}}`, IdentityPolicy, "is not \"true\" or \"false\""},
		{"bool bad value", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"1"}}}}`, IdentityPolicy, "is not \"true\" or \"false\""},
		{"numeric bad value", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":{"aws:x":"ten"}}}}`, IdentityPolicy, "is not a number"},
		{"date bad value", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"tomorrow"}}}}`, IdentityPolicy, "is not a date"},
		{"ip bad value", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/99"}}}}`, IdentityPolicy, "IP address"},
		{"condition key without colon", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"team":"a"}}}}`, IdentityPolicy, "invalid condition key"},
		{"condition empty list", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:x":[]}}}}`, IdentityPolicy, "needs a non-empty"},
		{"condition object value", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:x":{"a":1}}}}}`, IdentityPolicy, "needs a non-empty"},
		{"condition duplicate key", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:x":"a","aws:x":"b"}}}}`, IdentityPolicy, "duplicate key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePolicy(c.doc, c.kind)
			if err == nil {
				t.Fatal("accepted")
			}
			if lferr.CodeOf(err) != lferr.InvalidInput {
				t.Errorf("code %q", lferr.CodeOf(err))
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("message %q does not contain %q", err.Error(), c.msg)
			}
			if m := AsMalformed(err); lferr.CodeOf(m) != lferr.MalformedPolicyDocument || lferr.MessageOf(m) != lferr.MessageOf(err) {
				t.Errorf("AsMalformed: %v", m)
			}
		})
	}
}

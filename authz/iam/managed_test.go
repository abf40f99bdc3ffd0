package iam

import (
	"strings"
	"testing"
)

func TestBuiltinPolicies(t *testing.T) {
	want := []string{"AWSLakeFormationDataAdmin", "AWSLakeFormationCrossAccountManager", "AWSGlueConsoleFullAccess", "LakeFormationDataAccessServiceRolePolicy"}
	for _, n := range want {
		p, ok := BuiltinPolicyByName(n)
		if !ok {
			t.Fatalf("missing %s", n)
		}
		if !p.IsAWSManaged || !strings.HasPrefix(p.Arn, "arn:aws:iam::aws:policy/") {
			t.Errorf("%+v", p)
		}
		if _, err := ParsePolicy(p.Document, IdentityPolicy); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if len(BuiltinPolicies()) < len(want) {
		t.Error(BuiltinPolicies())
	}
}

// TestPersonas creates every persona's role in one step and checks what
// each may and may not do.
func TestPersonas(t *testing.T) {
	type check struct {
		action string
		want   Decision
	}
	cases := map[string][]check{
		PersonaDataLakeAdmin: {
			{"lakeformation:GrantPermissions", Allowed},
			{"lakeformation:PutDataLakeSettings", ExplicitDeny}, // cannot add admins
			{"glue:CreateDatabase", Allowed},
			{"iam:PassRole", Allowed},
		},
		PersonaReadOnlyAdmin: {
			{"lakeformation:ListPermissions", Allowed},
			{"glue:GetTable", Allowed},
			{"lakeformation:GrantPermissions", ImplicitDeny},
			{"glue:CreateTable", ImplicitDeny},
			{"lakeformation:GetDataAccess", ExplicitDeny},
		},
		PersonaDataEngineer: {
			{"glue:CreateTable", Allowed},
			{"lakeformation:GrantPermissions", Allowed},
			{"lakeformation:PutDataLakeSettings", ImplicitDeny},
		},
		PersonaDataAnalyst: {
			{"lakeformation:GetDataAccess", Allowed},
			{"glue:GetTable", Allowed},
			{"glue:GetPartitions", Allowed},
			{"lakeformation:GrantPermissions", ImplicitDeny},
			{"lakeformation:PutDataLakeSettings", ImplicitDeny},
		},
		PersonaWorkflowRole: {
			{"lakeformation:GetDataAccess", Allowed},
			{"glue:CreateTable", Allowed},
			{"lakeformation:RevokePermissions", ImplicitDeny},
		},
	}
	if len(Personas()) != len(cases) {
		t.Fatalf("personas %v", Personas())
	}
	m := NewMemDirectory()
	a := &Admin{Rand: newDetRand()}
	for persona, checks := range cases {
		t.Run(persona, func(t *testing.T) {
			role, err := a.CreatePersonaRole(m, t0, CreateRoleInput{Account: acct, RoleName: persona, AssumeRolePolicyDocument: trustCaller}, persona, "wf")
			if err != nil {
				t.Fatal(err)
			}
			for _, doc := range role.InlinePolicies {
				if strings.Contains(doc, "<account-id>") || strings.Contains(doc, "<workflow_role>") {
					t.Errorf("placeholder left in %s", doc)
				}
			}
			pols, err := IdentityPolicies(m, nil, KindRole, acct, persona)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range checks {
				res := "*"
				if c.action == "iam:PassRole" {
					res = RoleARN(acct, "/", "wf")
				}
				if d := Evaluate(NewContext(c.action, res, t0), &Input{Identity: pols}); d.Decision != c.want {
					t.Errorf("%s: %v want %v (%s)", c.action, d.Decision, c.want, d.Reason)
				}
			}
		})
	}
}

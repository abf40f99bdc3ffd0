package wire_test

import (
	"encoding/xml"
	"net/url"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestIAMAdministration drives the IAM operations an administrator sets a
// lake up with, and a second IAM user whose own policies decide what it
// may do (explicit deny wins).
func TestIAMAdministration(t *testing.T) {
	e := newEnv(t)
	a := e.admin
	e.iam(t, a, "CreateRole", "RoleName", "analyst", "AssumeRolePolicyDocument", trustAccount, "Description", "reads", "Tags.member.1.Key", "team", "Tags.member.1.Value", "a")
	e.iam(t, a, "PutRolePolicy", "RoleName", "analyst", "PolicyName", "p", "PolicyDocument", analystPol)
	var gp struct {
		Doc string `xml:"GetRolePolicyResult>PolicyDocument"`
	}
	must(t, xml.Unmarshal(e.iam(t, a, "GetRolePolicy", "RoleName", "analyst", "PolicyName", "p"), &gp))
	if doc, _ := url.QueryUnescape(gp.Doc); doc != analystPol {
		t.Errorf("GetRolePolicy document %q (URL-encoded as IAM does), want %q", gp.Doc, analystPol)
	}
	var pol struct {
		Arn string `xml:"CreatePolicyResult>Policy>Arn"`
	}
	must(t, xml.Unmarshal(e.iam(t, a, "CreatePolicy", "PolicyName", "deny-sts", "PolicyDocument",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}`), &pol))
	e.iam(t, a, "AttachRolePolicy", "RoleName", "analyst", "PolicyArn", pol.Arn)
	var lp struct {
		Names []string `xml:"ListRolePoliciesResult>PolicyNames>member"`
	}
	must(t, xml.Unmarshal(e.iam(t, a, "ListRolePolicies", "RoleName", "analyst"), &lp))
	var la struct {
		Arns []string `xml:"ListAttachedRolePoliciesResult>AttachedPolicies>member>PolicyArn"`
	}
	must(t, xml.Unmarshal(e.iam(t, a, "ListAttachedRolePolicies", "RoleName", "analyst"), &la))
	if !slices.Equal(lp.Names, []string{"p"}) || !slices.Equal(la.Arns, []string{pol.Arn}) {
		t.Errorf("role policies %v attached %v", lp.Names, la.Arns)
	}
	var gr struct {
		Arn  string `xml:"GetRoleResult>Role>Arn"`
		Tags []struct {
			Key, Value string
		} `xml:"GetRoleResult>Role>Tags>member"`
	}
	must(t, xml.Unmarshal(e.iam(t, a, "GetRole", "RoleName", "analyst"), &gr))
	if gr.Arn != arnRole("analyst") || len(gr.Tags) != 1 || gr.Tags[0].Value != "a" {
		t.Errorf("GetRole %+v", gr)
	}
	e.iam(t, a, "DetachRolePolicy", "RoleName", "analyst", "PolicyArn", pol.Arn)

	// A second user: allowed sts:AssumeRole, then denied it explicitly.
	e.iam(t, a, "CreateUser", "UserName", "carol")
	var k struct {
		ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	must(t, xml.Unmarshal(e.iam(t, a, "CreateAccessKey", "UserName", "carol"), &k))
	carol := aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}
	assume := func() error {
		_, err := e.sts(carol).AssumeRole(bg, &sts.AssumeRoleInput{RoleArn: aws.String(arnRole("analyst")), RoleSessionName: aws.String("carol")})
		return err
	}
	if err := assume(); code(err) != "AccessDenied" {
		t.Fatalf("carol without a policy: %v, want AccessDenied", err)
	}
	e.iam(t, a, "PutUserPolicy", "UserName", "carol", "PolicyName", "assume", "PolicyDocument",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	must(t, assume())
	e.iam(t, a, "AttachUserPolicy", "UserName", "carol", "PolicyArn", pol.Arn)
	if err := assume(); code(err) != "AccessDenied" {
		t.Fatalf("carol with an explicit deny: %v, want AccessDenied", err)
	}
	var lu struct {
		Names []string `xml:"ListUsersResult>Users>member>UserName"`
	}
	must(t, xml.Unmarshal(e.iam(t, a, "ListUsers"), &lu))
	if !slices.Contains(lu.Names, "carol") || !slices.Contains(lu.Names, "sluice-admin") {
		t.Errorf("ListUsers %v", lu.Names)
	}
	if st, b := e.iamTry(t, a, "DeleteUser", "UserName", "sluice-admin"); st != 409 || xmlErrorCode(b) != "DeleteConflict" {
		t.Errorf("deleting the administrator: %d %s", st, b)
	}
	e.iam(t, a, "DeleteAccessKey", "UserName", "carol", "AccessKeyId", k.ID)
	if err := assume(); code(err) != "InvalidClientTokenId" {
		t.Errorf("deleted key: %v, want InvalidClientTokenId", err)
	}
	e.iam(t, a, "DeleteRolePolicy", "RoleName", "analyst", "PolicyName", "p")
	e.iam(t, a, "DeleteRole", "RoleName", "analyst")
	if st, b := e.iamTry(t, a, "DeletePolicy", "PolicyArn", pol.Arn); st != 409 || xmlErrorCode(b) != "DeleteConflict" {
		t.Errorf("deleting a policy attached to carol: %d %s", st, b)
	}
	if st, b := e.iamTry(t, a, "GetRole", "RoleName", "analyst"); st != 404 || xmlErrorCode(b) != "NoSuchEntity" {
		t.Errorf("deleted role: %d %s", st, b)
	}
}

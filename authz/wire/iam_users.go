package wire

import (
	"encoding/xml"
	"net/url"
	"sort"
	"strings"

	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lferr"
)

// More of IAM for the AWS CLI: user policies, user and key removal, and
// the listings an administrator checks a setup with.
func init() {
	iamOps["PutUserPolicy"] = queryOp(iamPutUserPolicy, "UserName", "PolicyName", "PolicyDocument")
	iamOps["AttachUserPolicy"] = queryOp(iamAttachUserPolicy, "UserName", "PolicyArn")
	iamOps["DeleteUser"] = queryOp(iamDeleteUser, "UserName")
	iamOps["DeleteAccessKey"] = queryOp(iamDeleteAccessKey, "AccessKeyId")
	iamOps["ListUsers"] = queryOp(iamListUsers)
	iamOps["ListRolePolicies"] = queryOp(iamListRolePolicies, "RoleName")
	iamOps["ListAttachedRolePolicies"] = queryOp(iamListAttachedRolePolicies, "RoleName")
}

func iamPutUserPolicy(s *Server, req *request, f url.Values) (any, error) {
	return nil, s.iamWrite(req, func(a *iam.Admin, r iam.Records) error {
		return a.PutUserPolicy(r, s.account, f.Get("UserName"), f.Get("PolicyName"), f.Get("PolicyDocument"))
	})
}

func iamAttachUserPolicy(s *Server, req *request, f url.Values) (any, error) {
	return nil, s.iamWrite(req, func(a *iam.Admin, r iam.Records) error {
		return a.AttachUserPolicy(r, s.account, f.Get("UserName"), f.Get("PolicyArn"))
	})
}

// iamDeleteUser refuses to delete the administrator user: the server's
// own credentials would vanish with it.
func iamDeleteUser(s *Server, req *request, f url.Values) (any, error) {
	if f.Get("UserName") == AdminUserName {
		return nil, lferr.New(lferr.DeleteConflict, "Cannot delete %s: it is the lake administrator sluice serve bootstraps.", AdminUserName)
	}
	return nil, s.iamWrite(req, func(a *iam.Admin, r iam.Records) error {
		return a.DeleteUser(r, s.account, f.Get("UserName"))
	})
}

func iamDeleteAccessKey(s *Server, req *request, f url.Values) (any, error) {
	name, err := userNameOrCaller(req)
	if err != nil {
		return nil, err
	}
	return nil, s.iamWrite(req, func(a *iam.Admin, r iam.Records) error {
		return a.DeleteAccessKey(r, s.account, name, f.Get("AccessKeyId"))
	})
}

func iamListUsers(s *Server, req *request, _ url.Values) (any, error) {
	users, err := iamRead(s, req, func(a *iam.Admin, r iam.Records) ([]*iam.User, error) { return a.ListUsers(r, s.account) })
	if err != nil {
		return nil, err
	}
	res := struct {
		XMLName     xml.Name  `xml:"ListUsersResult"`
		Users       []xmlUser `xml:"Users>member"`
		IsTruncated bool      `xml:"IsTruncated"`
	}{}
	for _, u := range users {
		res.Users = append(res.Users, userXML(u))
	}
	return res, nil
}

func iamListRolePolicies(s *Server, req *request, f url.Values) (any, error) {
	role, err := s.namedRole(req, f)
	if err != nil {
		return nil, err
	}
	res := struct {
		XMLName     xml.Name `xml:"ListRolePoliciesResult"`
		PolicyNames []string `xml:"PolicyNames>member"`
		IsTruncated bool     `xml:"IsTruncated"`
	}{}
	for name := range role.InlinePolicies {
		res.PolicyNames = append(res.PolicyNames, name)
	}
	sort.Strings(res.PolicyNames)
	return res, nil
}

func iamListAttachedRolePolicies(s *Server, req *request, f url.Values) (any, error) {
	role, err := s.namedRole(req, f)
	if err != nil {
		return nil, err
	}
	type attached struct {
		PolicyName string `xml:"PolicyName"`
		PolicyArn  string `xml:"PolicyArn"`
	}
	res := struct {
		XMLName          xml.Name   `xml:"ListAttachedRolePoliciesResult"`
		AttachedPolicies []attached `xml:"AttachedPolicies>member"`
		IsTruncated      bool       `xml:"IsTruncated"`
	}{}
	for _, arn := range role.AttachedPolicies {
		name := arn
		if i := strings.LastIndexByte(arn, '/'); i >= 0 {
			name = arn[i+1:]
		}
		res.AttachedPolicies = append(res.AttachedPolicies, attached{PolicyName: name, PolicyArn: arn})
	}
	return res, nil
}

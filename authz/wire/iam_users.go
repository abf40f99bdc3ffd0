package wire

import (
	"encoding/xml"
	"sort"

	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lferr"
)

// More of IAM for the AWS CLI: user policies, user and key removal, and
// the listings an administrator checks a setup with.
func init() {
	iamOps["PutUserPolicy"] = iamPutUserPolicy
	iamOps["AttachUserPolicy"] = iamAttachUserPolicy
	iamOps["DeleteUser"] = iamDeleteUser
	iamOps["DeleteAccessKey"] = iamDeleteAccessKey
	iamOps["ListUsers"] = iamListUsers
	iamOps["ListRolePolicies"] = iamListRolePolicies
	iamOps["ListAttachedRolePolicies"] = iamListAttachedRolePolicies
}

func iamPutUserPolicy(s *Server, req *request) (any, error) {
	f := req.form
	if err := required(f, "UserName", "PolicyName", "PolicyDocument"); err != nil {
		return nil, err
	}
	return queryOK(req, nil), s.iamDo(req, true, func(r iam.Records) error {
		return s.iamAdmin().PutUserPolicy(r, s.account, f.Get("UserName"), f.Get("PolicyName"), f.Get("PolicyDocument"))
	})
}

func iamAttachUserPolicy(s *Server, req *request) (any, error) {
	f := req.form
	if err := required(f, "UserName", "PolicyArn"); err != nil {
		return nil, err
	}
	return queryOK(req, nil), s.iamDo(req, true, func(r iam.Records) error {
		return s.iamAdmin().AttachUserPolicy(r, s.account, f.Get("UserName"), f.Get("PolicyArn"))
	})
}

// iamDeleteUser refuses to delete the administrator user: the server's
// own credentials would vanish with it.
func iamDeleteUser(s *Server, req *request) (any, error) {
	if err := required(req.form, "UserName"); err != nil {
		return nil, err
	}
	if req.form.Get("UserName") == AdminUserName {
		return nil, lferr.New(lferr.DeleteConflict, "Cannot delete %s: it is the lake administrator sluice serve bootstraps.", AdminUserName)
	}
	return queryOK(req, nil), s.iamDo(req, true, func(r iam.Records) error {
		return s.iamAdmin().DeleteUser(r, s.account, req.form.Get("UserName"))
	})
}

func iamDeleteAccessKey(s *Server, req *request) (any, error) {
	f := req.form
	if err := required(f, "AccessKeyId"); err != nil {
		return nil, err
	}
	name := f.Get("UserName")
	if name == "" {
		if req.who.p.Kind != iam.KindUser {
			return nil, lferr.New(lferr.ValidationError, "Must specify userName when calling with non-User credentials")
		}
		name = req.who.p.Name
	}
	return queryOK(req, nil), s.iamDo(req, true, func(r iam.Records) error {
		return s.iamAdmin().DeleteAccessKey(r, s.account, name, f.Get("AccessKeyId"))
	})
}

func iamListUsers(s *Server, req *request) (any, error) {
	var users []*iam.User
	err := s.iamDo(req, false, func(r iam.Records) error {
		var err error
		users, err = s.iamAdmin().ListUsers(r, s.account)
		return err
	})
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
	return queryOK(req, res), nil
}

func (s *Server) role(req *request) (*iam.Role, error) {
	if err := required(req.form, "RoleName"); err != nil {
		return nil, err
	}
	var role *iam.Role
	err := s.iamDo(req, false, func(r iam.Records) error {
		var err error
		role, err = s.iamAdmin().GetRole(r, s.account, req.form.Get("RoleName"))
		return err
	})
	return role, err
}

func iamListRolePolicies(s *Server, req *request) (any, error) {
	role, err := s.role(req)
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
	return queryOK(req, res), nil
}

func iamListAttachedRolePolicies(s *Server, req *request) (any, error) {
	role, err := s.role(req)
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
		if i := lastSlash(arn); i >= 0 {
			name = arn[i+1:]
		}
		res.AttachedPolicies = append(res.AttachedPolicies, attached{PolicyName: name, PolicyArn: arn})
	}
	return queryOK(req, res), nil
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

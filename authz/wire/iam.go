package wire

import (
	"crypto/rand"
	"encoding/xml"
	"net/url"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/authz/sts"
)

// IAM over the awsQuery protocol: enough to set up a lake with the AWS CLI
// (roles, their policies, managed policies, users and access keys).
// Every operation needs iam:<Operation> (explicit deny wins), evaluated
// for the signed caller.
var iamOps map[string]handlerFunc

func init() {
	iamOps = map[string]handlerFunc{
		"CreateRole":             queryOp(iamCreateRole, "RoleName", "AssumeRolePolicyDocument"),
		"GetRole":                queryOp(iamGetRole, "RoleName"),
		"DeleteRole":             queryOp(iamDeleteRole, "RoleName"),
		"ListRoles":              queryOp(iamListRoles),
		"UpdateAssumeRolePolicy": queryOp(iamUpdateAssumeRolePolicy, "RoleName", "PolicyDocument"),
		"TagRole":                queryOp(iamTagRole, "RoleName"),
		"PutRolePolicy":          queryOp(iamPutRolePolicy, "RoleName", "PolicyName", "PolicyDocument"),
		"GetRolePolicy":          queryOp(iamGetRolePolicy, "RoleName", "PolicyName"),
		"DeleteRolePolicy":       queryOp(iamDeleteRolePolicy, "RoleName", "PolicyName"),
		"AttachRolePolicy":       queryOp(iamAttachRolePolicy, "RoleName", "PolicyArn"),
		"DetachRolePolicy":       queryOp(iamDetachRolePolicy, "RoleName", "PolicyArn"),
		"CreatePolicy":           queryOp(iamCreatePolicy, "PolicyName", "PolicyDocument"),
		"GetPolicy":              queryOp(iamGetPolicy, "PolicyArn"),
		"DeletePolicy":           queryOp(iamDeletePolicy, "PolicyArn"),
		"CreateUser":             queryOp(iamCreateUser, "UserName"),
		"GetUser":                queryOp(iamGetUser),
		"CreateAccessKey":        queryOp(iamCreateAccessKey),
	}
}

func (s *Server) iamAdmin() *iam.Admin { return &iam.Admin{Rand: rand.Reader, Sealer: s.sealer} }

// iamTx authorizes the operation, then returns what fn does over the IAM
// records in the transaction txn opens.
func iamTx[T any](s *Server, req *request, txn func(func(*store.Tx) error) error, fn func(a *iam.Admin, r iam.Records) (T, error)) (T, error) {
	if err := s.authorizeIAM(req, sts.Target{}); err != nil {
		var zero T
		return zero, err
	}
	return inTx(txn, func(tx *store.Tx) (T, error) { return fn(s.iamAdmin(), iam.BoltRecords{Tx: tx}) })
}

// iamRead is iamTx in a read transaction.
func iamRead[T any](s *Server, req *request, fn func(a *iam.Admin, r iam.Records) (T, error)) (T, error) {
	return iamTx(s, req, s.cp.Store().View, fn)
}

// iamCreate is iamTx in a write transaction, for operations that return
// what they made.
func iamCreate[T any](s *Server, req *request, fn func(a *iam.Admin, r iam.Records) (T, error)) (T, error) {
	return iamTx(s, req, s.cp.Store().Update, fn)
}

// iamWrite is iamTx in a write transaction, for operations with no
// output.
func (s *Server) iamWrite(req *request, fn func(a *iam.Admin, r iam.Records) error) error {
	_, err := iamCreate(s, req, func(a *iam.Admin, r iam.Records) (struct{}, error) { return struct{}{}, fn(a, r) })
	return err
}

// int32Param reads an optional integer parameter (0 when absent).
func int32Param(f url.Values, name string) (int32, error) {
	d := f.Get(name)
	if d == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(d, 10, 32)
	if err != nil {
		return 0, lferr.New(lferr.ValidationError, "%s %q is not an integer.", name, d)
	}
	return int32(n), nil
}

// userNameOrCaller is the UserName parameter, or the calling user's name
// when it is absent (as in IAM).
func userNameOrCaller(req *request) (string, error) {
	if name := req.form.Get("UserName"); name != "" {
		return name, nil
	}
	if req.who.p.Kind != iam.KindUser {
		return "", lferr.New(lferr.ValidationError, "Must specify userName when calling with non-User credentials")
	}
	return req.who.p.Name, nil
}

// policyEscape is how IAM returns policy documents: URL-encoded.
func policyEscape(doc string) string { return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20") }

type xmlTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type xmlRole struct {
	Path                     string   `xml:"Path"`
	RoleName                 string   `xml:"RoleName"`
	RoleId                   string   `xml:"RoleId"`
	Arn                      string   `xml:"Arn"`
	CreateDate               string   `xml:"CreateDate"`
	AssumeRolePolicyDocument string   `xml:"AssumeRolePolicyDocument,omitempty"`
	Description              string   `xml:"Description,omitempty"`
	MaxSessionDuration       int32    `xml:"MaxSessionDuration,omitempty"`
	Tags                     []xmlTag `xml:"Tags>member,omitempty"`
}

func roleXML(r *iam.Role) xmlRole {
	x := xmlRole{Path: r.Path, RoleName: r.RoleName, RoleId: r.RoleId, Arn: r.Arn, CreateDate: isoTime(r.CreateDate),
		AssumeRolePolicyDocument: policyEscape(r.AssumeRolePolicyDocument), Description: r.Description, MaxSessionDuration: r.MaxSessionDuration}
	for _, t := range r.Tags {
		x.Tags = append(x.Tags, xmlTag{t.Key, t.Value})
	}
	return x
}

type roleResult struct {
	XMLName xml.Name
	Role    xmlRole `xml:"Role"`
}

func iamCreateRole(s *Server, req *request, f url.Values) (any, error) {
	in := iam.CreateRoleInput{Account: s.account, RoleName: f.Get("RoleName"), Path: f.Get("Path"),
		AssumeRolePolicyDocument: f.Get("AssumeRolePolicyDocument"), Description: f.Get("Description")}
	var err error
	if in.MaxSessionDuration, err = int32Param(f, "MaxSessionDuration"); err != nil {
		return nil, err
	}
	if in.Tags, err = tagsOf(f, "Tags", iam.MaxTags); err != nil {
		return nil, err
	}
	role, err := iamCreate(s, req, func(a *iam.Admin, r iam.Records) (*iam.Role, error) { return a.CreateRole(r, s.now(), in) })
	if err != nil {
		return nil, err
	}
	return roleResult{XMLName: xml.Name{Local: "CreateRoleResult"}, Role: roleXML(role)}, nil
}

// namedRole reads the role the RoleName parameter names.
func (s *Server) namedRole(req *request, f url.Values) (*iam.Role, error) {
	return iamRead(s, req, func(a *iam.Admin, r iam.Records) (*iam.Role, error) {
		return a.GetRole(r, s.account, f.Get("RoleName"))
	})
}

func iamGetRole(s *Server, req *request, f url.Values) (any, error) {
	role, err := s.namedRole(req, f)
	if err != nil {
		return nil, err
	}
	return roleResult{XMLName: xml.Name{Local: "GetRoleResult"}, Role: roleXML(role)}, nil
}

func iamDeleteRole(s *Server, req *request, f url.Values) (any, error) {
	return nil, s.iamWrite(req, func(a *iam.Admin, r iam.Records) error {
		return a.DeleteRole(r, s.account, f.Get("RoleName"))
	})
}

func iamListRoles(s *Server, req *request, f url.Values) (any, error) {
	roles, err := iamRead(s, req, func(a *iam.Admin, r iam.Records) ([]*iam.Role, error) { return a.ListRoles(r, s.account) })
	if err != nil {
		return nil, err
	}
	prefix := f.Get("PathPrefix")
	res := struct {
		XMLName     xml.Name  `xml:"ListRolesResult"`
		Roles       []xmlRole `xml:"Roles>member"`
		IsTruncated bool      `xml:"IsTruncated"`
	}{}
	for _, r := range roles {
		if prefix == "" || strings.HasPrefix(r.Path, prefix) {
			res.Roles = append(res.Roles, roleXML(r))
		}
	}
	return res, nil
}

func iamUpdateAssumeRolePolicy(s *Server, req *request, f url.Values) (any, error) {
	return nil, s.iamWrite(req, func(a *iam.Admin, r iam.Records) error {
		return a.UpdateAssumeRolePolicy(r, s.account, f.Get("RoleName"), f.Get("PolicyDocument"))
	})
}

func iamTagRole(s *Server, req *request, f url.Values) (any, error) {
	tags, err := tagsOf(f, "Tags", iam.MaxTags)
	if err != nil {
		return nil, err
	}
	return nil, s.iamWrite(req, func(a *iam.Admin, r iam.Records) error {
		return a.TagRole(r, s.account, f.Get("RoleName"), tags)
	})
}

func iamPutRolePolicy(s *Server, req *request, f url.Values) (any, error) {
	return nil, s.iamWrite(req, func(a *iam.Admin, r iam.Records) error {
		return a.PutRolePolicy(r, s.account, f.Get("RoleName"), f.Get("PolicyName"), f.Get("PolicyDocument"))
	})
}

func iamGetRolePolicy(s *Server, req *request, f url.Values) (any, error) {
	doc, err := iamRead(s, req, func(a *iam.Admin, r iam.Records) (string, error) {
		return a.GetRolePolicy(r, s.account, f.Get("RoleName"), f.Get("PolicyName"))
	})
	if err != nil {
		return nil, err
	}
	return struct {
		XMLName        xml.Name `xml:"GetRolePolicyResult"`
		RoleName       string   `xml:"RoleName"`
		PolicyName     string   `xml:"PolicyName"`
		PolicyDocument string   `xml:"PolicyDocument"`
	}{RoleName: f.Get("RoleName"), PolicyName: f.Get("PolicyName"), PolicyDocument: policyEscape(doc)}, nil
}

func iamDeleteRolePolicy(s *Server, req *request, f url.Values) (any, error) {
	return nil, s.iamWrite(req, func(a *iam.Admin, r iam.Records) error {
		return a.DeleteRolePolicy(r, s.account, f.Get("RoleName"), f.Get("PolicyName"))
	})
}

func iamAttachRolePolicy(s *Server, req *request, f url.Values) (any, error) {
	return nil, s.iamWrite(req, func(a *iam.Admin, r iam.Records) error {
		return a.AttachRolePolicy(r, s.account, f.Get("RoleName"), f.Get("PolicyArn"))
	})
}

func iamDetachRolePolicy(s *Server, req *request, f url.Values) (any, error) {
	return nil, s.iamWrite(req, func(a *iam.Admin, r iam.Records) error {
		return a.DetachRolePolicy(r, s.account, f.Get("RoleName"), f.Get("PolicyArn"))
	})
}

type xmlPolicy struct {
	PolicyName       string `xml:"PolicyName"`
	PolicyId         string `xml:"PolicyId"`
	Arn              string `xml:"Arn"`
	Path             string `xml:"Path"`
	DefaultVersionId string `xml:"DefaultVersionId"`
	AttachmentCount  int    `xml:"AttachmentCount"`
	IsAttachable     bool   `xml:"IsAttachable"`
	Description      string `xml:"Description,omitempty"`
	CreateDate       string `xml:"CreateDate"`
	UpdateDate       string `xml:"UpdateDate"`
}

func policyXML(p *iam.ManagedPolicy) xmlPolicy {
	return xmlPolicy{PolicyName: p.PolicyName, PolicyId: p.PolicyId, Arn: p.Arn, Path: p.Path, DefaultVersionId: p.DefaultVersionId,
		AttachmentCount: p.AttachmentCount, IsAttachable: true, Description: p.Description, CreateDate: isoTime(p.CreateDate), UpdateDate: isoTime(p.CreateDate)}
}

type policyResult struct {
	XMLName xml.Name
	Policy  xmlPolicy `xml:"Policy"`
}

func iamCreatePolicy(s *Server, req *request, f url.Values) (any, error) {
	p, err := iamCreate(s, req, func(a *iam.Admin, r iam.Records) (*iam.ManagedPolicy, error) {
		return a.CreatePolicy(r, s.now(), iam.CreatePolicyInput{Account: s.account, PolicyName: f.Get("PolicyName"),
			Path: f.Get("Path"), PolicyDocument: f.Get("PolicyDocument"), Description: f.Get("Description")})
	})
	if err != nil {
		return nil, err
	}
	return policyResult{XMLName: xml.Name{Local: "CreatePolicyResult"}, Policy: policyXML(p)}, nil
}

func iamGetPolicy(s *Server, req *request, f url.Values) (any, error) {
	p, err := iamRead(s, req, func(a *iam.Admin, r iam.Records) (*iam.ManagedPolicy, error) {
		return a.GetPolicy(r, f.Get("PolicyArn"))
	})
	if err != nil {
		return nil, err
	}
	return policyResult{XMLName: xml.Name{Local: "GetPolicyResult"}, Policy: policyXML(p)}, nil
}

func iamDeletePolicy(s *Server, req *request, f url.Values) (any, error) {
	return nil, s.iamWrite(req, func(a *iam.Admin, r iam.Records) error { return a.DeletePolicy(r, f.Get("PolicyArn")) })
}

type xmlUser struct {
	Path       string `xml:"Path"`
	UserName   string `xml:"UserName"`
	UserId     string `xml:"UserId"`
	Arn        string `xml:"Arn"`
	CreateDate string `xml:"CreateDate"`
}

func userXML(u *iam.User) xmlUser {
	return xmlUser{Path: u.Path, UserName: u.UserName, UserId: u.UserId, Arn: u.Arn, CreateDate: isoTime(u.CreateDate)}
}

type userResult struct {
	XMLName xml.Name
	User    xmlUser `xml:"User"`
}

func iamCreateUser(s *Server, req *request, f url.Values) (any, error) {
	tags, err := tagsOf(f, "Tags", iam.MaxTags)
	if err != nil {
		return nil, err
	}
	u, err := iamCreate(s, req, func(a *iam.Admin, r iam.Records) (*iam.User, error) {
		return a.CreateUser(r, s.now(), iam.CreateUserInput{Account: s.account, UserName: f.Get("UserName"), Path: f.Get("Path"), Tags: tags})
	})
	if err != nil {
		return nil, err
	}
	return userResult{XMLName: xml.Name{Local: "CreateUserResult"}, User: userXML(u)}, nil
}

func iamGetUser(s *Server, req *request, _ url.Values) (any, error) {
	name, err := userNameOrCaller(req)
	if err != nil {
		return nil, err
	}
	u, err := iamRead(s, req, func(a *iam.Admin, r iam.Records) (*iam.User, error) { return a.GetUser(r, s.account, name) })
	if err != nil {
		return nil, err
	}
	return userResult{XMLName: xml.Name{Local: "GetUserResult"}, User: userXML(u)}, nil
}

func iamCreateAccessKey(s *Server, req *request, _ url.Values) (any, error) {
	name, err := userNameOrCaller(req)
	if err != nil {
		return nil, err
	}
	var (
		key    iam.AccessKey
		secret string
	)
	err = s.iamWrite(req, func(a *iam.Admin, r iam.Records) error {
		var err error
		key, secret, err = a.CreateAccessKey(r, s.now(), s.account, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	res := struct {
		XMLName   xml.Name `xml:"CreateAccessKeyResult"`
		AccessKey struct {
			UserName        string `xml:"UserName"`
			AccessKeyId     string `xml:"AccessKeyId"`
			Status          string `xml:"Status"`
			SecretAccessKey string `xml:"SecretAccessKey"`
			CreateDate      string `xml:"CreateDate"`
		} `xml:"AccessKey"`
	}{}
	res.AccessKey.UserName, res.AccessKey.AccessKeyId, res.AccessKey.Status = name, key.AccessKeyId, key.Status
	res.AccessKey.SecretAccessKey, res.AccessKey.CreateDate = secret, isoTime(key.CreateDate)
	return res, nil
}

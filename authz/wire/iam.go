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
		"CreateRole":             iamCreateRole,
		"GetRole":                iamGetRole,
		"DeleteRole":             iamDeleteRole,
		"ListRoles":              iamListRoles,
		"UpdateAssumeRolePolicy": iamUpdateAssumeRolePolicy,
		"TagRole":                iamTagRole,
		"PutRolePolicy":          iamPutRolePolicy,
		"GetRolePolicy":          iamGetRolePolicy,
		"DeleteRolePolicy":       iamDeleteRolePolicy,
		"AttachRolePolicy":       iamAttachRolePolicy,
		"DetachRolePolicy":       iamDetachRolePolicy,
		"CreatePolicy":           iamCreatePolicy,
		"GetPolicy":              iamGetPolicy,
		"DeletePolicy":           iamDeletePolicy,
		"CreateUser":             iamCreateUser,
		"GetUser":                iamGetUser,
		"CreateAccessKey":        iamCreateAccessKey,
	}
}

func (s *Server) iamAdmin() *iam.Admin { return &iam.Admin{Rand: rand.Reader, Sealer: s.sealer} }

// iamDo authorizes the operation, then runs fn over the IAM records in a
// write (or read) transaction.
func (s *Server) iamDo(req *request, write bool, fn func(r iam.Records) error) error {
	if err := s.authorizeIAM(req, sts.Target{}); err != nil {
		return err
	}
	run := func(tx *store.Tx) error { return fn(iam.BoltRecords{Tx: tx}) }
	if write {
		return s.cp.Store().Update(run)
	}
	return s.cp.Store().View(run)
}

// required reads required form parameters.
func required(f url.Values, names ...string) error {
	for _, n := range names {
		if f.Get(n) == "" {
			return lferr.New(lferr.ValidationError, "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", strings.ToLower(n[:1])+n[1:])
		}
	}
	return nil
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

func iamCreateRole(s *Server, req *request) (any, error) {
	f := req.form
	if err := required(f, "RoleName", "AssumeRolePolicyDocument"); err != nil {
		return nil, err
	}
	in := iam.CreateRoleInput{Account: s.account, RoleName: f.Get("RoleName"), Path: f.Get("Path"),
		AssumeRolePolicyDocument: f.Get("AssumeRolePolicyDocument"), Description: f.Get("Description")}
	if d := f.Get("MaxSessionDuration"); d != "" {
		n, err := strconv.ParseInt(d, 10, 32)
		if err != nil {
			return nil, lferr.New(lferr.ValidationError, "MaxSessionDuration %q is not an integer.", d)
		}
		in.MaxSessionDuration = int32(n)
	}
	var err error
	if in.Tags, err = tagsOf(f, "Tags", iam.MaxTags); err != nil {
		return nil, err
	}
	var role *iam.Role
	err = s.iamDo(req, true, func(r iam.Records) error {
		var err error
		role, err = s.iamAdmin().CreateRole(r, s.now(), in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return queryOK(req, roleResult{XMLName: xml.Name{Local: "CreateRoleResult"}, Role: roleXML(role)}), nil
}

func iamGetRole(s *Server, req *request) (any, error) {
	if err := required(req.form, "RoleName"); err != nil {
		return nil, err
	}
	var role *iam.Role
	err := s.iamDo(req, false, func(r iam.Records) error {
		var err error
		role, err = s.iamAdmin().GetRole(r, s.account, req.form.Get("RoleName"))
		return err
	})
	if err != nil {
		return nil, err
	}
	return queryOK(req, roleResult{XMLName: xml.Name{Local: "GetRoleResult"}, Role: roleXML(role)}), nil
}

func iamDeleteRole(s *Server, req *request) (any, error) {
	if err := required(req.form, "RoleName"); err != nil {
		return nil, err
	}
	return queryOK(req, nil), s.iamDo(req, true, func(r iam.Records) error {
		return s.iamAdmin().DeleteRole(r, s.account, req.form.Get("RoleName"))
	})
}

func iamListRoles(s *Server, req *request) (any, error) {
	var roles []*iam.Role
	err := s.iamDo(req, false, func(r iam.Records) error {
		var err error
		roles, err = s.iamAdmin().ListRoles(r, s.account)
		return err
	})
	if err != nil {
		return nil, err
	}
	prefix := req.form.Get("PathPrefix")
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
	return queryOK(req, res), nil
}

func iamUpdateAssumeRolePolicy(s *Server, req *request) (any, error) {
	if err := required(req.form, "RoleName", "PolicyDocument"); err != nil {
		return nil, err
	}
	return queryOK(req, nil), s.iamDo(req, true, func(r iam.Records) error {
		return s.iamAdmin().UpdateAssumeRolePolicy(r, s.account, req.form.Get("RoleName"), req.form.Get("PolicyDocument"))
	})
}

func iamTagRole(s *Server, req *request) (any, error) {
	if err := required(req.form, "RoleName"); err != nil {
		return nil, err
	}
	tags, err := tagsOf(req.form, "Tags", iam.MaxTags)
	if err != nil {
		return nil, err
	}
	return queryOK(req, nil), s.iamDo(req, true, func(r iam.Records) error {
		return s.iamAdmin().TagRole(r, s.account, req.form.Get("RoleName"), tags)
	})
}

func iamPutRolePolicy(s *Server, req *request) (any, error) {
	f := req.form
	if err := required(f, "RoleName", "PolicyName", "PolicyDocument"); err != nil {
		return nil, err
	}
	return queryOK(req, nil), s.iamDo(req, true, func(r iam.Records) error {
		return s.iamAdmin().PutRolePolicy(r, s.account, f.Get("RoleName"), f.Get("PolicyName"), f.Get("PolicyDocument"))
	})
}

func iamGetRolePolicy(s *Server, req *request) (any, error) {
	f := req.form
	if err := required(f, "RoleName", "PolicyName"); err != nil {
		return nil, err
	}
	var doc string
	err := s.iamDo(req, false, func(r iam.Records) error {
		var err error
		doc, err = s.iamAdmin().GetRolePolicy(r, s.account, f.Get("RoleName"), f.Get("PolicyName"))
		return err
	})
	if err != nil {
		return nil, err
	}
	return queryOK(req, struct {
		XMLName        xml.Name `xml:"GetRolePolicyResult"`
		RoleName       string   `xml:"RoleName"`
		PolicyName     string   `xml:"PolicyName"`
		PolicyDocument string   `xml:"PolicyDocument"`
	}{RoleName: f.Get("RoleName"), PolicyName: f.Get("PolicyName"), PolicyDocument: policyEscape(doc)}), nil
}

func iamDeleteRolePolicy(s *Server, req *request) (any, error) {
	f := req.form
	if err := required(f, "RoleName", "PolicyName"); err != nil {
		return nil, err
	}
	return queryOK(req, nil), s.iamDo(req, true, func(r iam.Records) error {
		return s.iamAdmin().DeleteRolePolicy(r, s.account, f.Get("RoleName"), f.Get("PolicyName"))
	})
}

func iamAttachRolePolicy(s *Server, req *request) (any, error) {
	f := req.form
	if err := required(f, "RoleName", "PolicyArn"); err != nil {
		return nil, err
	}
	return queryOK(req, nil), s.iamDo(req, true, func(r iam.Records) error {
		return s.iamAdmin().AttachRolePolicy(r, s.account, f.Get("RoleName"), f.Get("PolicyArn"))
	})
}

func iamDetachRolePolicy(s *Server, req *request) (any, error) {
	f := req.form
	if err := required(f, "RoleName", "PolicyArn"); err != nil {
		return nil, err
	}
	return queryOK(req, nil), s.iamDo(req, true, func(r iam.Records) error {
		return s.iamAdmin().DetachRolePolicy(r, s.account, f.Get("RoleName"), f.Get("PolicyArn"))
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

func iamCreatePolicy(s *Server, req *request) (any, error) {
	f := req.form
	if err := required(f, "PolicyName", "PolicyDocument"); err != nil {
		return nil, err
	}
	var p *iam.ManagedPolicy
	err := s.iamDo(req, true, func(r iam.Records) error {
		var err error
		p, err = s.iamAdmin().CreatePolicy(r, s.now(), iam.CreatePolicyInput{Account: s.account, PolicyName: f.Get("PolicyName"),
			Path: f.Get("Path"), PolicyDocument: f.Get("PolicyDocument"), Description: f.Get("Description")})
		return err
	})
	if err != nil {
		return nil, err
	}
	return queryOK(req, policyResult{XMLName: xml.Name{Local: "CreatePolicyResult"}, Policy: policyXML(p)}), nil
}

func iamGetPolicy(s *Server, req *request) (any, error) {
	if err := required(req.form, "PolicyArn"); err != nil {
		return nil, err
	}
	var p *iam.ManagedPolicy
	err := s.iamDo(req, false, func(r iam.Records) error {
		var err error
		p, err = s.iamAdmin().GetPolicy(r, req.form.Get("PolicyArn"))
		return err
	})
	if err != nil {
		return nil, err
	}
	return queryOK(req, policyResult{XMLName: xml.Name{Local: "GetPolicyResult"}, Policy: policyXML(p)}), nil
}

func iamDeletePolicy(s *Server, req *request) (any, error) {
	if err := required(req.form, "PolicyArn"); err != nil {
		return nil, err
	}
	return queryOK(req, nil), s.iamDo(req, true, func(r iam.Records) error {
		return s.iamAdmin().DeletePolicy(r, req.form.Get("PolicyArn"))
	})
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

func iamCreateUser(s *Server, req *request) (any, error) {
	f := req.form
	if err := required(f, "UserName"); err != nil {
		return nil, err
	}
	tags, err := tagsOf(f, "Tags", iam.MaxTags)
	if err != nil {
		return nil, err
	}
	var u *iam.User
	err = s.iamDo(req, true, func(r iam.Records) error {
		var err error
		u, err = s.iamAdmin().CreateUser(r, s.now(), iam.CreateUserInput{Account: s.account, UserName: f.Get("UserName"), Path: f.Get("Path"), Tags: tags})
		return err
	})
	if err != nil {
		return nil, err
	}
	return queryOK(req, userResult{XMLName: xml.Name{Local: "CreateUserResult"}, User: userXML(u)}), nil
}

// iamGetUser without UserName is the caller itself (as in IAM).
func iamGetUser(s *Server, req *request) (any, error) {
	name := req.form.Get("UserName")
	if name == "" {
		if req.who.p.Kind != iam.KindUser {
			return nil, lferr.New(lferr.ValidationError, "Must specify userName when calling with non-User credentials")
		}
		name = req.who.p.Name
	}
	var u *iam.User
	err := s.iamDo(req, false, func(r iam.Records) error {
		var err error
		u, err = s.iamAdmin().GetUser(r, s.account, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return queryOK(req, userResult{XMLName: xml.Name{Local: "GetUserResult"}, User: userXML(u)}), nil
}

func iamCreateAccessKey(s *Server, req *request) (any, error) {
	name := req.form.Get("UserName")
	if name == "" {
		if req.who.p.Kind != iam.KindUser {
			return nil, lferr.New(lferr.ValidationError, "Must specify userName when calling with non-User credentials")
		}
		name = req.who.p.Name
	}
	var (
		key    iam.AccessKey
		secret string
	)
	err := s.iamDo(req, true, func(r iam.Records) error {
		var err error
		key, secret, err = s.iamAdmin().CreateAccessKey(r, s.now(), s.account, name)
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
	return queryOK(req, res), nil
}

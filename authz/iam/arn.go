package iam

import (
	"regexp"
	"strings"

	"github.com/sluicedb/sluice/authz/lferr"
)

// ARN is a parsed Amazon Resource Name:
// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE. Resource keeps everything
// after the fifth colon, including further colons and slashes.
type ARN struct {
	Partition string
	Service   string
	Region    string
	Account   string
	Resource  string
}

// String formats the ARN.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

var (
	partitionRe = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	serviceRe   = regexp.MustCompile(`^[a-z0-9-]+$`)
	regionRe    = regexp.MustCompile(`^([a-z]{2}(-[a-z]+)+-[0-9]+)?$`)
	accountRe   = regexp.MustCompile(`^[0-9]{12}$`)
)

// ParseARN parses and validates s. The account must be empty, "aws" (AWS
// managed policies) or 12 digits; the resource must be non-empty.
func ParseARN(s string) (ARN, error) {
	if !strings.HasPrefix(s, "arn:") {
		return ARN{}, lferr.New(lferr.InvalidInput, "invalid ARN %q: must start with \"arn:\"", s)
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 {
		return ARN{}, lferr.New(lferr.InvalidInput, "invalid ARN %q: expected 6 colon-separated fields", s)
	}
	a := ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}
	switch {
	case !partitionRe.MatchString(a.Partition):
		return ARN{}, lferr.New(lferr.InvalidInput, "invalid ARN %q: bad partition %q", s, a.Partition)
	case !serviceRe.MatchString(a.Service):
		return ARN{}, lferr.New(lferr.InvalidInput, "invalid ARN %q: bad service %q", s, a.Service)
	case !regionRe.MatchString(a.Region):
		return ARN{}, lferr.New(lferr.InvalidInput, "invalid ARN %q: bad region %q", s, a.Region)
	case a.Account != "" && a.Account != "aws" && !accountRe.MatchString(a.Account):
		return ARN{}, lferr.New(lferr.InvalidInput, "invalid ARN %q: account %q is not a 12-digit account id", s, a.Account)
	case a.Resource == "":
		return ARN{}, lferr.New(lferr.InvalidInput, "invalid ARN %q: empty resource", s)
	}
	return a, nil
}

// IsAccountID reports whether s is a 12-digit AWS account id.
func IsAccountID(s string) bool { return accountRe.MatchString(s) }

// PrincipalKind classifies an IAM principal ARN.
type PrincipalKind uint8

const (
	KindUnknown     PrincipalKind = iota
	KindRoot                      // arn:aws:iam::ACCT:root
	KindUser                      // arn:aws:iam::ACCT:user/PATH/NAME
	KindRole                      // arn:aws:iam::ACCT:role/PATH/NAME
	KindAssumedRole               // arn:aws:sts::ACCT:assumed-role/ROLE/SESSION
	KindService                   // "glue.amazonaws.com" (not an ARN)
)

func (k PrincipalKind) String() string {
	switch k {
	case KindRoot:
		return "root"
	case KindUser:
		return "user"
	case KindRole:
		return "role"
	case KindAssumedRole:
		return "assumed-role"
	case KindService:
		return "service"
	}
	return "unknown"
}

// PrincipalRef is a parsed principal ARN.
type PrincipalRef struct {
	Kind    PrincipalKind
	ARN     ARN
	Account string
	Path    string // "/" or "/a/b/" for users and roles
	Name    string // user or role name; role name for assumed-role
	Session string // session name for assumed-role
}

// IAM name rules (CreateRole / CreateUser): 1–64 chars of [\w+=,.@-];
// paths "/" or "/.../" of printable ASCII, at most 512 chars.
var (
	iamNameRe   = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	iamPathRe   = regexp.MustCompile(`^/([\x21-\x7E]*/)?$`)
	sessionRe   = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	policyNmRe  = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	servicePrRe = regexp.MustCompile(`^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$`)
)

// ValidateName checks a user or role name.
func ValidateName(what, name string) error {
	if !iamNameRe.MatchString(name) {
		return lferr.New(lferr.ValidationError, "invalid %s name %q: must be 1-64 characters of [A-Za-z0-9+=,.@_-]", what, name)
	}
	return nil
}

// ValidatePolicyName checks an inline or managed policy name.
func ValidatePolicyName(name string) error {
	if !policyNmRe.MatchString(name) {
		return lferr.New(lferr.ValidationError, "invalid policy name %q: must be 1-128 characters of [A-Za-z0-9+=,.@_-]", name)
	}
	return nil
}

// ValidatePath checks an IAM path ("/" or "/x/y/", ≤512 chars).
func ValidatePath(path string) error {
	if len(path) > 512 || !iamPathRe.MatchString(path) {
		return lferr.New(lferr.ValidationError, "invalid path %q: must be \"/\" or begin and end with \"/\" (at most 512 printable ASCII characters)", path)
	}
	return nil
}

// ValidateSessionName checks an STS RoleSessionName (2–64 of [\w+=,.@-]).
func ValidateSessionName(name string) error {
	if !sessionRe.MatchString(name) {
		return lferr.New(lferr.ValidationError, "invalid RoleSessionName %q: must be 2-64 characters of [A-Za-z0-9+=,.@_-]", name)
	}
	return nil
}

// ParsePrincipal parses an IAM principal ARN (root, user, role,
// assumed-role).
func ParsePrincipal(s string) (PrincipalRef, error) {
	a, err := ParseARN(s)
	if err != nil {
		return PrincipalRef{}, err
	}
	p := PrincipalRef{ARN: a, Account: a.Account}
	if !accountRe.MatchString(a.Account) {
		return PrincipalRef{}, lferr.New(lferr.InvalidInput, "invalid principal ARN %q: missing 12-digit account id", s)
	}
	switch {
	case a.Service == "iam" && a.Resource == "root":
		p.Kind = KindRoot
		return p, nil
	case a.Service == "iam" && (strings.HasPrefix(a.Resource, "user/") || strings.HasPrefix(a.Resource, "role/")):
		kind, rest := KindUser, a.Resource[len("user"):]
		if strings.HasPrefix(a.Resource, "role/") {
			kind, rest = KindRole, a.Resource[len("role"):]
		}
		slash := strings.LastIndexByte(rest, '/')
		p.Kind, p.Path, p.Name = kind, rest[:slash+1], rest[slash+1:]
		if err := ValidatePath(p.Path); err != nil {
			return PrincipalRef{}, err
		}
		if err := ValidateName(kind.String(), p.Name); err != nil {
			return PrincipalRef{}, err
		}
		return p, nil
	case a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/"):
		parts := strings.Split(a.Resource, "/")
		if len(parts) != 3 {
			return PrincipalRef{}, lferr.New(lferr.InvalidInput, "invalid assumed-role ARN %q: want assumed-role/ROLE/SESSION", s)
		}
		p.Kind, p.Path, p.Name, p.Session = KindAssumedRole, "/", parts[1], parts[2]
		if err := ValidateName("role", p.Name); err != nil {
			return PrincipalRef{}, err
		}
		if err := ValidateSessionName(p.Session); err != nil {
			return PrincipalRef{}, err
		}
		return p, nil
	}
	return PrincipalRef{}, lferr.New(lferr.InvalidInput, "unsupported principal ARN %q: want an IAM root, user, role or STS assumed-role ARN", s)
}

// RoleARN returns the ARN of the role (path "" means "/").
func RoleARN(account, path, name string) string {
	if path == "" {
		path = "/"
	}
	return "arn:aws:iam::" + account + ":role" + path + name
}

// UserARN returns the ARN of the user (path "" means "/").
func UserARN(account, path, name string) string {
	if path == "" {
		path = "/"
	}
	return "arn:aws:iam::" + account + ":user" + path + name
}

// RootARN returns the account's root principal ARN.
func RootARN(account string) string { return "arn:aws:iam::" + account + ":root" }

// AssumedRoleARN returns the session ARN; the role path is not part of it.
func AssumedRoleARN(account, role, session string) string {
	return "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session
}

// PolicyARN returns a customer managed policy ARN.
func PolicyARN(account, path, name string) string {
	if path == "" {
		path = "/"
	}
	return "arn:aws:iam::" + account + ":policy" + path + name
}

// AWSManagedPolicyARN returns the ARN of a built-in AWS managed policy.
func AWSManagedPolicyARN(name string) string { return "arn:aws:iam::aws:policy/" + name }

// Glue resource ARNs, as used in policies and by the required-action table.
func GlueCatalogARN(region, account string) string {
	return "arn:aws:glue:" + region + ":" + account + ":catalog"
}

func GlueDatabaseARN(region, account, db string) string {
	return "arn:aws:glue:" + region + ":" + account + ":database/" + db
}

func GlueTableARN(region, account, db, table string) string {
	return "arn:aws:glue:" + region + ":" + account + ":table/" + db + "/" + table
}

// GlueResourceARNs returns the ARNs a Glue call on db.table is authorized
// against (catalog, database, table — all must be allowed, spec §8.1).
// Empty table or db shortens the list.
func GlueResourceARNs(region, account, db, table string) []string {
	out := []string{GlueCatalogARN(region, account)}
	if db != "" {
		out = append(out, GlueDatabaseARN(region, account, db))
		if table != "" {
			out = append(out, GlueTableARN(region, account, db, table))
		}
	}
	return out
}

// ArnLike implements the ArnLike condition operator: both sides are split
// into their six fields and each field is glob-matched separately, so a
// wildcard never crosses a field boundary (the resource field keeps its
// slashes and may contain further colons).
func ArnLike(pattern, value string) bool {
	for f := 0; f < 5; f++ {
		pi := strings.IndexByte(pattern, ':')
		vi := strings.IndexByte(value, ':')
		if pi < 0 || vi < 0 || !globMatch(pattern[:pi], value[:vi]) {
			return false
		}
		pattern, value = pattern[pi+1:], value[vi+1:]
	}
	return globMatch(pattern, value)
}

// ServicePrincipalValid reports whether s looks like "x.amazonaws.com".
func ServicePrincipalValid(s string) bool { return servicePrRe.MatchString(s) }

package iam

import (
	"encoding/base32"
	"encoding/base64"
	"io"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/sluicedb/sluice/authz/lferr"
)

// Records is the storage one IAM API call works on: a transaction of the
// bbolt store (BoltRecords) or the in-memory MemDirectory. Get methods
// return (nil, nil) when absent; the admin functions turn that into
// NoSuchEntity.
type Records interface {
	GetRole(account, name string) (*Role, error)
	PutRole(*Role) error
	DeleteRole(account, name string) error
	ListRoles(account string) ([]*Role, error)

	GetUser(account, name string) (*User, error)
	PutUser(*User) error
	DeleteUser(account, name string) error
	ListUsers(account string) ([]*User, error)
	// UserByAccessKey finds the user owning a long-term access key id.
	UserByAccessKey(accessKeyID string) (*User, error)

	GetPolicy(arn string) (*ManagedPolicy, error)
	PutPolicy(*ManagedPolicy) error
	DeletePolicy(arn string) error
	ListPolicies(account string) ([]*ManagedPolicy, error)
}

// Limits of IAM that sluice enforces.
const (
	MaxAttachedPolicies = 10 // managed policies per role or user (default quota)
	MaxAccessKeys       = 2
	MaxTags             = 50
	DefaultMaxSession   = 3600
	MinMaxSession       = 3600
	MaxMaxSession       = 43200
)

// Admin performs IAM API calls on Records. It holds no state besides its
// random source (ids and secrets) and optional Sealer; time is passed in.
type Admin struct {
	Rand   io.Reader // crypto/rand.Reader in production
	Sealer *Sealer   // optional: keeps a sealed copy of access-key secrets
}

// CreateRoleInput mirrors iam:CreateRole.
type CreateRoleInput struct {
	Account                  string
	RoleName                 string
	Path                     string
	AssumeRolePolicyDocument string
	Description              string
	MaxSessionDuration       int32
	Tags                     []Tag
}

var idAlphabet = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewID returns prefix + n characters of random base32 ([A-Z2-7]), the
// shape of AWS unique ids and access key ids (AROA…, AIDA…, AKIA…, ASIA…).
func NewID(r io.Reader, prefix string, n int) (string, error) {
	buf := make([]byte, (n*5+7)/8)
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", lferr.Wrap(lferr.InternalService, err, "cannot read random bytes")
	}
	return prefix + idAlphabet.EncodeToString(buf)[:n], nil
}

// NewSecret returns 40 characters of random base64 (30 random bytes), the
// shape of an AWS secret access key.
func NewSecret(r io.Reader) (string, error) {
	buf := make([]byte, 30)
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", lferr.Wrap(lferr.InternalService, err, "cannot read random bytes")
	}
	return base64.StdEncoding.EncodeToString(buf), nil
}

func validateAccount(account string) error {
	if !IsAccountID(account) {
		return lferr.New(lferr.ValidationError, "invalid account id %q: must be 12 digits", account)
	}
	return nil
}

// ValidateTags checks IAM/STS tag rules: at most 50, keys 1–128 and values
// 0–256 characters of letters, digits, spaces and _.:/=+-@, keys unique
// case-insensitively, no "aws:" prefix.
func ValidateTags(tags []Tag) error {
	if len(tags) > MaxTags {
		return lferr.New(lferr.ValidationError, "too many tags: %d (at most %d)", len(tags), MaxTags)
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if n := len([]rune(t.Key)); n < 1 || n > 128 || !tagChars(t.Key) {
			return lferr.New(lferr.ValidationError, "invalid tag key %q: 1-128 characters of letters, digits, spaces and _.:/=+-@", t.Key)
		}
		if n := len([]rune(t.Value)); n > 256 || !tagChars(t.Value) {
			return lferr.New(lferr.ValidationError, "invalid value for tag %q: at most 256 characters of letters, digits, spaces and _.:/=+-@", t.Key)
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return lferr.New(lferr.ValidationError, "invalid tag key %q: the prefix \"aws:\" is reserved", t.Key)
		}
		k := strings.ToLower(t.Key)
		if seen[k] {
			return lferr.New(lferr.InvalidParameterValue, "duplicate tag key %q (tag keys are case-insensitive)", t.Key)
		}
		seen[k] = true
	}
	return nil
}

// tagChars: [\p{L}\p{Z}\p{N}_.:/=+\-@]*
func tagChars(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.In(r, unicode.Z) || strings.ContainsRune("_.:/=+-@", r) {
			continue
		}
		return false
	}
	return true
}

// policySize is the length IAM counts against quotas: characters excluding
// whitespace.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

func parseForIAM(doc string, kind PolicyKind, limit int, what string) (*Policy, error) {
	if n := policySize(doc); n > limit {
		return nil, lferr.New(lferr.LimitExceeded, "%s is %d characters (excluding whitespace); the limit is %d", what, n, limit)
	}
	p, err := ParsePolicy(doc, kind)
	if err != nil {
		return nil, AsMalformed(err)
	}
	return p, nil
}

// CreateRole creates a role; its trust policy must parse as one.
func (a *Admin) CreateRole(r Records, now time.Time, in CreateRoleInput) (*Role, error) {
	if in.Path == "" {
		in.Path = "/"
	}
	if in.MaxSessionDuration == 0 {
		in.MaxSessionDuration = DefaultMaxSession
	}
	switch {
	case validateAccount(in.Account) != nil:
		return nil, validateAccount(in.Account)
	case ValidateName("role", in.RoleName) != nil:
		return nil, ValidateName("role", in.RoleName)
	case ValidatePath(in.Path) != nil:
		return nil, ValidatePath(in.Path)
	case in.MaxSessionDuration < MinMaxSession || in.MaxSessionDuration > MaxMaxSession:
		return nil, lferr.New(lferr.ValidationError, "MaxSessionDuration %d must be between %d and %d seconds", in.MaxSessionDuration, MinMaxSession, MaxMaxSession)
	case len(in.Description) > 1000:
		return nil, lferr.New(lferr.ValidationError, "Description is longer than 1000 characters")
	}
	if err := ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	if _, err := parseForIAM(in.AssumeRolePolicyDocument, TrustPolicy, MaxTrustPolicySize, "the trust policy"); err != nil {
		return nil, err
	}
	old, err := r.GetRole(in.Account, in.RoleName)
	if err != nil {
		return nil, err
	}
	if old != nil {
		return nil, lferr.New(lferr.EntityAlreadyExists, "Role with name %s already exists.", in.RoleName)
	}
	id, err := NewID(a.Rand, "AROA", 17)
	if err != nil {
		return nil, err
	}
	role := &Role{Account: in.Account, RoleName: in.RoleName, Path: in.Path,
		Arn: RoleARN(in.Account, in.Path, in.RoleName), RoleId: id,
		AssumeRolePolicyDocument: in.AssumeRolePolicyDocument, Description: in.Description,
		MaxSessionDuration: in.MaxSessionDuration, Tags: in.Tags, CreateDate: now.UTC()}
	return role, r.PutRole(role)
}

// GetRole returns the role or NoSuchEntity.
func (a *Admin) GetRole(r Records, account, name string) (*Role, error) {
	role, err := r.GetRole(account, name)
	if err != nil {
		return nil, err
	}
	if role == nil {
		return nil, lferr.New(lferr.NoSuchEntity, "The role with name %s cannot be found.", name)
	}
	return role, nil
}

// DeleteRole deletes a role that has no inline or attached policies left
// (IAM's DeleteConflict rule: detach and delete them first).
func (a *Admin) DeleteRole(r Records, account, name string) error {
	role, err := a.GetRole(r, account, name)
	if err != nil {
		return err
	}
	if len(role.InlinePolicies) > 0 || len(role.AttachedPolicies) > 0 {
		return lferr.New(lferr.DeleteConflict, "Cannot delete entity, must delete policies first: role %s has %d inline and %d attached policies.",
			name, len(role.InlinePolicies), len(role.AttachedPolicies))
	}
	return r.DeleteRole(account, name)
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (a *Admin) UpdateAssumeRolePolicy(r Records, account, name, doc string) error {
	role, err := a.GetRole(r, account, name)
	if err != nil {
		return err
	}
	if _, err := parseForIAM(doc, TrustPolicy, MaxTrustPolicySize, "the trust policy"); err != nil {
		return err
	}
	role.AssumeRolePolicyDocument = doc
	return r.PutRole(role)
}

// TagRole adds or replaces tags (keys compared case-insensitively).
func (a *Admin) TagRole(r Records, account, name string, tags []Tag) error {
	role, err := a.GetRole(r, account, name)
	if err != nil {
		return err
	}
	merged := MergeTags(role.Tags, tags)
	if err := ValidateTags(merged); err != nil {
		return err
	}
	role.Tags = merged
	return r.PutRole(role)
}

// PutRolePolicy adds or replaces an inline policy of a role.
func (a *Admin) PutRolePolicy(r Records, account, roleName, policyName, doc string) error {
	role, err := a.GetRole(r, account, roleName)
	if err != nil {
		return err
	}
	if err := ValidatePolicyName(policyName); err != nil {
		return err
	}
	if _, err := parseForIAM(doc, IdentityPolicy, MaxRoleInlinePolicySize, "the inline policy"); err != nil {
		return err
	}
	total := policySize(doc)
	for n, d := range role.InlinePolicies {
		if n != policyName {
			total += policySize(d)
		}
	}
	if total > MaxRoleInlinePolicySize {
		return lferr.New(lferr.LimitExceeded, "Maximum policy size of %d bytes exceeded for role %s (inline policies total %d).", MaxRoleInlinePolicySize, roleName, total)
	}
	if role.InlinePolicies == nil {
		role.InlinePolicies = map[string]string{}
	}
	role.InlinePolicies[policyName] = doc
	return r.PutRole(role)
}

// DeleteRolePolicy removes an inline policy.
func (a *Admin) DeleteRolePolicy(r Records, account, roleName, policyName string) error {
	role, err := a.GetRole(r, account, roleName)
	if err != nil {
		return err
	}
	if _, ok := role.InlinePolicies[policyName]; !ok {
		return lferr.New(lferr.NoSuchEntity, "The role policy with name %s cannot be found.", policyName)
	}
	delete(role.InlinePolicies, policyName)
	return r.PutRole(role)
}

// AttachRolePolicy attaches a managed policy (customer or AWS managed).
func (a *Admin) AttachRolePolicy(r Records, account, roleName, policyArn string) error {
	role, err := a.GetRole(r, account, roleName)
	if err != nil {
		return err
	}
	next, err := a.attach(r, role.AttachedPolicies, policyArn)
	if err != nil {
		return err
	}
	role.AttachedPolicies = next
	return r.PutRole(role)
}

// DetachRolePolicy detaches a managed policy.
func (a *Admin) DetachRolePolicy(r Records, account, roleName, policyArn string) error {
	role, err := a.GetRole(r, account, roleName)
	if err != nil {
		return err
	}
	next, err := a.detach(r, role.AttachedPolicies, policyArn)
	if err != nil {
		return err
	}
	role.AttachedPolicies = next
	return r.PutRole(role)
}

func (a *Admin) attach(r Records, list []string, arn string) ([]string, error) {
	for _, x := range list {
		if x == arn {
			return list, nil // idempotent, as IAM
		}
	}
	if len(list) >= MaxAttachedPolicies {
		return nil, lferr.New(lferr.LimitExceeded, "Cannot exceed quota for PoliciesPerRole: %d", MaxAttachedPolicies)
	}
	if _, ok := BuiltinPolicy(arn); !ok {
		p, err := r.GetPolicy(arn)
		if err != nil {
			return nil, err
		}
		if p == nil {
			return nil, lferr.New(lferr.NoSuchEntity, "Policy %s does not exist or is not attachable.", arn)
		}
		p.AttachmentCount++
		if err := r.PutPolicy(p); err != nil {
			return nil, err
		}
	}
	return append(append([]string(nil), list...), arn), nil
}

func (a *Admin) detach(r Records, list []string, arn string) ([]string, error) {
	out := make([]string, 0, len(list))
	found := false
	for _, x := range list {
		if x == arn {
			found = true
			continue
		}
		out = append(out, x)
	}
	if !found {
		return nil, lferr.New(lferr.NoSuchEntity, "Policy %s was not found attached.", arn)
	}
	if _, ok := BuiltinPolicy(arn); !ok {
		p, err := r.GetPolicy(arn)
		if err != nil {
			return nil, err
		}
		if p != nil && p.AttachmentCount > 0 {
			p.AttachmentCount--
			if err := r.PutPolicy(p); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// CreateUserInput mirrors iam:CreateUser.
type CreateUserInput struct {
	Account  string
	UserName string
	Path     string
	Tags     []Tag
}

// CreateUser creates a user.
func (a *Admin) CreateUser(r Records, now time.Time, in CreateUserInput) (*User, error) {
	if in.Path == "" {
		in.Path = "/"
	}
	if err := validateAccount(in.Account); err != nil {
		return nil, err
	}
	if err := ValidateName("user", in.UserName); err != nil {
		return nil, err
	}
	if err := ValidatePath(in.Path); err != nil {
		return nil, err
	}
	if err := ValidateTags(in.Tags); err != nil {
		return nil, err
	}
	old, err := r.GetUser(in.Account, in.UserName)
	if err != nil {
		return nil, err
	}
	if old != nil {
		return nil, lferr.New(lferr.EntityAlreadyExists, "User with name %s already exists.", in.UserName)
	}
	id, err := NewID(a.Rand, "AIDA", 17)
	if err != nil {
		return nil, err
	}
	u := &User{Account: in.Account, UserName: in.UserName, Path: in.Path, Arn: UserARN(in.Account, in.Path, in.UserName),
		UserId: id, Tags: in.Tags, CreateDate: now.UTC()}
	return u, r.PutUser(u)
}

// GetUser returns the user or NoSuchEntity.
func (a *Admin) GetUser(r Records, account, name string) (*User, error) {
	u, err := r.GetUser(account, name)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, lferr.New(lferr.NoSuchEntity, "The user with name %s cannot be found.", name)
	}
	return u, nil
}

// DeleteUser deletes a user with no policies and no access keys left.
func (a *Admin) DeleteUser(r Records, account, name string) error {
	u, err := a.GetUser(r, account, name)
	if err != nil {
		return err
	}
	if len(u.InlinePolicies) > 0 || len(u.AttachedPolicies) > 0 || len(u.AccessKeys) > 0 {
		return lferr.New(lferr.DeleteConflict, "Cannot delete entity, must delete policies and access keys first: user %s.", name)
	}
	return r.DeleteUser(account, name)
}

// PutUserPolicy adds or replaces an inline policy of a user.
func (a *Admin) PutUserPolicy(r Records, account, userName, policyName, doc string) error {
	u, err := a.GetUser(r, account, userName)
	if err != nil {
		return err
	}
	if err := ValidatePolicyName(policyName); err != nil {
		return err
	}
	if _, err := parseForIAM(doc, IdentityPolicy, MaxUserInlinePolicySize, "the inline policy"); err != nil {
		return err
	}
	total := policySize(doc)
	for n, d := range u.InlinePolicies {
		if n != policyName {
			total += policySize(d)
		}
	}
	if total > MaxUserInlinePolicySize {
		return lferr.New(lferr.LimitExceeded, "Maximum policy size of %d bytes exceeded for user %s (inline policies total %d).", MaxUserInlinePolicySize, userName, total)
	}
	if u.InlinePolicies == nil {
		u.InlinePolicies = map[string]string{}
	}
	u.InlinePolicies[policyName] = doc
	return r.PutUser(u)
}

// AttachUserPolicy attaches a managed policy to a user.
func (a *Admin) AttachUserPolicy(r Records, account, userName, policyArn string) error {
	u, err := a.GetUser(r, account, userName)
	if err != nil {
		return err
	}
	next, err := a.attach(r, u.AttachedPolicies, policyArn)
	if err != nil {
		return err
	}
	u.AttachedPolicies = next
	return r.PutUser(u)
}

// CreateAccessKey creates a long-term key for a user and returns the
// secret, which is shown once and kept only hashed (and sealed).
func (a *Admin) CreateAccessKey(r Records, now time.Time, account, userName string) (AccessKey, string, error) {
	u, err := a.GetUser(r, account, userName)
	if err != nil {
		return AccessKey{}, "", err
	}
	if len(u.AccessKeys) >= MaxAccessKeys {
		return AccessKey{}, "", lferr.New(lferr.LimitExceeded, "Cannot exceed quota for AccessKeysPerUser: %d", MaxAccessKeys)
	}
	id, err := NewID(a.Rand, "AKIA", 16)
	if err != nil {
		return AccessKey{}, "", err
	}
	secret, err := NewSecret(a.Rand)
	if err != nil {
		return AccessKey{}, "", err
	}
	k := AccessKey{AccessKeyId: id, Status: "Active", CreateDate: now.UTC(), SecretHash: HashSecret(secret)}
	if a.Sealer != nil {
		if k.SealedSecret, err = a.Sealer.Seal([]byte(secret), []byte(id)); err != nil {
			return AccessKey{}, "", err
		}
	}
	u.AccessKeys = append(u.AccessKeys, k)
	return k, secret, r.PutUser(u)
}

// DeleteAccessKey removes a user's key.
func (a *Admin) DeleteAccessKey(r Records, account, userName, accessKeyID string) error {
	u, err := a.GetUser(r, account, userName)
	if err != nil {
		return err
	}
	for i, k := range u.AccessKeys {
		if k.AccessKeyId == accessKeyID {
			u.AccessKeys = append(u.AccessKeys[:i:i], u.AccessKeys[i+1:]...)
			return r.PutUser(u)
		}
	}
	return lferr.New(lferr.NoSuchEntity, "The Access Key with id %s cannot be found.", accessKeyID)
}

// AuthenticateAccessKey checks a long-term key id and secret, returning
// the owning user; unknown or inactive keys and wrong secrets give
// InvalidClientTokenId.
func AuthenticateAccessKey(r Records, accessKeyID, secret string) (*User, error) {
	u, err := r.UserByAccessKey(accessKeyID)
	if err != nil {
		return nil, err
	}
	if u != nil {
		for _, k := range u.AccessKeys {
			if k.AccessKeyId == accessKeyID && k.Status == "Active" && SecretMatches(k.SecretHash, secret) {
				return u, nil
			}
		}
	}
	return nil, lferr.New(lferr.InvalidClientTokenId, "The security token included in the request is invalid.")
}

// CreatePolicyInput mirrors iam:CreatePolicy.
type CreatePolicyInput struct {
	Account        string
	PolicyName     string
	Path           string
	PolicyDocument string
	Description    string
}

// CreatePolicy creates a customer managed policy.
func (a *Admin) CreatePolicy(r Records, now time.Time, in CreatePolicyInput) (*ManagedPolicy, error) {
	if in.Path == "" {
		in.Path = "/"
	}
	if err := validateAccount(in.Account); err != nil {
		return nil, err
	}
	if err := ValidatePolicyName(in.PolicyName); err != nil {
		return nil, err
	}
	if err := ValidatePath(in.Path); err != nil {
		return nil, err
	}
	if _, err := parseForIAM(in.PolicyDocument, IdentityPolicy, MaxManagedPolicySize, "the managed policy"); err != nil {
		return nil, err
	}
	arn := PolicyARN(in.Account, in.Path, in.PolicyName)
	all, err := r.ListPolicies(in.Account)
	if err != nil {
		return nil, err
	}
	for _, p := range all {
		if p.PolicyName == in.PolicyName {
			return nil, lferr.New(lferr.EntityAlreadyExists, "A policy called %s already exists. Duplicate names are not allowed.", in.PolicyName)
		}
	}
	id, err := NewID(a.Rand, "ANPA", 17)
	if err != nil {
		return nil, err
	}
	p := &ManagedPolicy{Account: in.Account, PolicyName: in.PolicyName, Path: in.Path, Arn: arn, PolicyId: id,
		Description: in.Description, Document: in.PolicyDocument, CreateDate: now.UTC(), DefaultVersionId: "v1"}
	return p, r.PutPolicy(p)
}

// GetPolicy returns a customer managed or built-in AWS managed policy.
func (a *Admin) GetPolicy(r Records, arn string) (*ManagedPolicy, error) {
	if p, ok := BuiltinPolicy(arn); ok {
		return p, nil
	}
	p, err := r.GetPolicy(arn)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, lferr.New(lferr.NoSuchEntity, "Policy %s was not found.", arn)
	}
	return p, nil
}

// DeletePolicy deletes a customer managed policy that is attached nowhere.
func (a *Admin) DeletePolicy(r Records, arn string) error {
	if _, ok := BuiltinPolicy(arn); ok {
		return lferr.New(lferr.InvalidInput, "cannot delete AWS managed policy %s", arn)
	}
	p, err := a.GetPolicy(r, arn)
	if err != nil {
		return err
	}
	if p.AttachmentCount > 0 {
		return lferr.New(lferr.DeleteConflict, "Cannot delete a policy attached to entities: %s is attached %d times.", arn, p.AttachmentCount)
	}
	return r.DeletePolicy(arn)
}

// ResolvePolicy returns the parsed managed policy at arn: built-in AWS
// managed policies first, then the directory.
func ResolvePolicy(dir Directory, cache *PolicyCache, arn string) (*Policy, error) {
	if bp, ok := builtinParsed(arn); ok {
		return bp, nil
	}
	mp, err := dir.ManagedPolicy(arn)
	if err != nil {
		return nil, err
	}
	return cache.Parse(arn, mp.Document, IdentityPolicy)
}

// IdentityPolicies returns the parsed identity policies of a role or user
// (inline, in name order, then attached managed), each named for
// diagnostics ("role/NAME/POLICY" or the managed policy ARN).
func IdentityPolicies(dir Directory, cache *PolicyCache, kind PrincipalKind, account, name string) ([]*Policy, error) {
	var inline map[string]string
	var attached []string
	switch kind {
	case KindRole, KindAssumedRole:
		role, err := dir.Role(account, name)
		if err != nil {
			return nil, err
		}
		inline, attached = role.InlinePolicies, role.AttachedPolicies
		kindName := "role/" + name + "/"
		return collectPolicies(dir, cache, kindName, inline, attached)
	case KindUser:
		u, err := dir.User(account, name)
		if err != nil {
			return nil, err
		}
		return collectPolicies(dir, cache, "user/"+name+"/", u.InlinePolicies, u.AttachedPolicies)
	}
	return nil, lferr.New(lferr.InvalidInput, "principal kind %s has no identity policies", kind)
}

func collectPolicies(dir Directory, cache *PolicyCache, prefix string, inline map[string]string, attached []string) ([]*Policy, error) {
	names := make([]string, 0, len(inline))
	for n := range inline {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*Policy, 0, len(names)+len(attached))
	for _, n := range names {
		p, err := cache.Parse(prefix+n, inline[n], IdentityPolicy)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	for _, arn := range attached {
		p, err := ResolvePolicy(dir, cache, arn)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// KeyOwners finds the user owning a long-term access key; Records
// implements it.
type KeyOwners interface {
	UserByAccessKey(accessKeyID string) (*User, error)
}

// AccessKeySecret returns the user and the clear secret of an active
// long-term key, for the SigV4 verifier (which must recompute signatures).
// It needs the Sealer the key was created with; the recovered secret is
// checked against the stored hash.
func AccessKeySecret(r KeyOwners, sealer *Sealer, accessKeyID string) (*User, string, error) {
	invalid := lferr.New(lferr.InvalidClientTokenId, "The security token included in the request is invalid.")
	u, err := r.UserByAccessKey(accessKeyID)
	if err != nil {
		return nil, "", err
	}
	if u == nil || sealer == nil {
		return nil, "", invalid
	}
	for _, k := range u.AccessKeys {
		if k.AccessKeyId != accessKeyID || k.Status != "Active" || k.SealedSecret == nil {
			continue
		}
		pt, err := sealer.Open(k.SealedSecret, []byte(accessKeyID))
		if err != nil || !SecretMatches(k.SecretHash, string(pt)) {
			return nil, "", invalid
		}
		return u, string(pt), nil
	}
	return nil, "", invalid
}

// ListRoles lists an account's roles by name.
func (a *Admin) ListRoles(r Records, account string) ([]*Role, error) { return r.ListRoles(account) }

// ListUsers lists an account's users by name.
func (a *Admin) ListUsers(r Records, account string) ([]*User, error) { return r.ListUsers(account) }

// ListPolicies lists customer managed policies of the account and, when
// includeAWS, the built-in AWS managed ones (IAM's Scope=All).
func (a *Admin) ListPolicies(r Records, account string, includeAWS bool) ([]*ManagedPolicy, error) {
	out, err := r.ListPolicies(account)
	if err != nil || !includeAWS {
		return out, err
	}
	for _, arn := range BuiltinPolicies() {
		p, _ := BuiltinPolicy(arn)
		out = append(out, p)
	}
	return out, nil
}

// GetRolePolicy returns an inline policy document of a role.
func (a *Admin) GetRolePolicy(r Records, account, roleName, policyName string) (string, error) {
	role, err := a.GetRole(r, account, roleName)
	if err != nil {
		return "", err
	}
	doc, ok := role.InlinePolicies[policyName]
	if !ok {
		return "", lferr.New(lferr.NoSuchEntity, "The role policy with name %s cannot be found.", policyName)
	}
	return doc, nil
}

// SetUserAccessKeyStatus activates or deactivates a key ("Active",
// "Inactive").
func (a *Admin) SetUserAccessKeyStatus(r Records, account, userName, accessKeyID, status string) error {
	if status != "Active" && status != "Inactive" {
		return lferr.New(lferr.ValidationError, "invalid status %q: want Active or Inactive", status)
	}
	u, err := a.GetUser(r, account, userName)
	if err != nil {
		return err
	}
	for i := range u.AccessKeys {
		if u.AccessKeys[i].AccessKeyId == accessKeyID {
			u.AccessKeys[i].Status = status
			return r.PutUser(u)
		}
	}
	return lferr.New(lferr.NoSuchEntity, "The Access Key with id %s cannot be found.", accessKeyID)
}

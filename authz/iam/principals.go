package iam

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"github.com/sluicedb/sluice/authz/lferr"
	"time"
)

// Role is an IAM role. Field names are the IAM API's, so records can be
// served as-is (inline policies and attachments are listed by their own
// APIs on the wire).
type Role struct {
	Account                  string            `json:"Account"`
	RoleName                 string            `json:"RoleName"`
	Path                     string            `json:"Path"`
	Arn                      string            `json:"Arn"`
	RoleId                   string            `json:"RoleId"`
	AssumeRolePolicyDocument string            `json:"AssumeRolePolicyDocument"`
	Description              string            `json:"Description,omitempty"`
	MaxSessionDuration       int32             `json:"MaxSessionDuration"`
	Tags                     []Tag             `json:"Tags,omitempty"`
	CreateDate               time.Time         `json:"CreateDate"`
	InlinePolicies           map[string]string `json:"InlinePolicies,omitempty"`
	AttachedPolicies         []string          `json:"AttachedPolicyArns,omitempty"`
}

// User is an IAM user with long-term access keys.
type User struct {
	Account          string            `json:"Account"`
	UserName         string            `json:"UserName"`
	Path             string            `json:"Path"`
	Arn              string            `json:"Arn"`
	UserId           string            `json:"UserId"`
	Tags             []Tag             `json:"Tags,omitempty"`
	CreateDate       time.Time         `json:"CreateDate"`
	InlinePolicies   map[string]string `json:"InlinePolicies,omitempty"`
	AttachedPolicies []string          `json:"AttachedPolicyArns,omitempty"`
	AccessKeys       []AccessKey       `json:"AccessKeys,omitempty"`
}

// AccessKey is a user's long-term key. The secret itself is never stored:
// SecretHash is its SHA-256 (the secret is 40 random base64 characters, so
// a fast hash suffices), and SealedSecret, when a Sealer was configured,
// is the secret encrypted under the home's key so that the SigV4 verifier,
// which needs the secret to recompute signatures, can recover it.
type AccessKey struct {
	AccessKeyId  string    `json:"AccessKeyId"`
	Status       string    `json:"Status"` // Active | Inactive
	CreateDate   time.Time `json:"CreateDate"`
	SecretHash   string    `json:"SecretHash"`
	SealedSecret []byte    `json:"SealedSecret,omitempty"`
}

// ManagedPolicy is a customer managed policy or a built-in AWS managed one.
type ManagedPolicy struct {
	Account          string    `json:"Account"` // "aws" for AWS managed policies
	PolicyName       string    `json:"PolicyName"`
	Path             string    `json:"Path"`
	Arn              string    `json:"Arn"`
	PolicyId         string    `json:"PolicyId"`
	Description      string    `json:"Description,omitempty"`
	Document         string    `json:"PolicyDocument"`
	CreateDate       time.Time `json:"CreateDate"`
	AttachmentCount  int       `json:"AttachmentCount"`
	IsAWSManaged     bool      `json:"IsAWSManaged,omitempty"`
	DefaultVersionId string    `json:"DefaultVersionId"`
}

// HashSecret is how secrets and session tokens are kept: hex SHA-256.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// SecretMatches compares a presented secret with a stored hash in
// constant time.
func SecretMatches(hash, secret string) bool {
	h := HashSecret(secret)
	return subtle.ConstantTimeCompare([]byte(h), []byte(hash)) == 1
}

// Directory is what evaluation reads: principals and managed policies by
// identity. Implementations return lferr.NoSuchEntity when absent.
// Role and user names are unique per account regardless of path.
type Directory interface {
	Role(account, name string) (*Role, error)
	User(account, name string) (*User, error)
	// ManagedPolicy returns a customer managed policy by ARN. AWS managed
	// policies (account "aws") are resolved by ResolvePolicy itself.
	ManagedPolicy(arn string) (*ManagedPolicy, error)
}

// Defaults of a fresh sluice home (VISION.md "Defaults").
const (
	DefaultAccount = "111122223333"
	DefaultRegion  = "us-east-1"
)

// RoleByARN looks a role up by ARN; a path that differs from the stored
// role's is NoSuchEntity (role names are unique per account, so the ARN
// must match exactly).
func RoleByARN(dir Directory, arn string) (*Role, error) {
	ref, err := ParsePrincipal(arn)
	if err != nil {
		return nil, err
	}
	if ref.Kind != KindRole {
		return nil, lferr.New(lferr.InvalidInput, "%s is not a role ARN", arn)
	}
	r, err := dir.Role(ref.Account, ref.Name)
	if err != nil {
		return nil, err
	}
	if r.Arn != arn {
		return nil, lferr.New(lferr.NoSuchEntity, "The role with ARN %s cannot be found.", arn)
	}
	return r, nil
}

// UserByARN looks a user up by ARN.
func UserByARN(dir Directory, arn string) (*User, error) {
	ref, err := ParsePrincipal(arn)
	if err != nil {
		return nil, err
	}
	if ref.Kind != KindUser {
		return nil, lferr.New(lferr.InvalidInput, "%s is not a user ARN", arn)
	}
	u, err := dir.User(ref.Account, ref.Name)
	if err != nil {
		return nil, err
	}
	if u.Arn != arn {
		return nil, lferr.New(lferr.NoSuchEntity, "The user with ARN %s cannot be found.", arn)
	}
	return u, nil
}

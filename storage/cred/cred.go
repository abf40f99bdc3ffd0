package cred

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/storage"
)

// Scope is what a credential allows on its prefix.
type Scope string

const (
	// ReadOnly allows List and Open (SELECT).
	ReadOnly Scope = "READ"
	// ReadWrite allows List, Open, Create and Delete (INSERT, DELETE).
	ReadWrite Scope = "READWRITE"
)

// KeySize is the length of the signing key.
const KeySize = 32

// Claims is what a credential asserts. All fields are signed.
type Claims struct {
	// Prefix is the normalised location URI the credential is confined
	// to; it always ends with '/'.
	Prefix string `json:"p"`
	Scope  Scope  `json:"s"`
	// Expiry is the instant from which the credential is refused, in
	// Unix seconds.
	Expiry int64 `json:"e"`
	// Nonce makes every credential distinct (and names its access key id).
	Nonce string `json:"n"`
}

// Expiration is Expiry as a time.
func (c Claims) Expiration() time.Time { return time.Unix(c.Expiry, 0).UTC() }

// Credentials are vended credentials in AWS's wire shape.
type Credentials struct {
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// Signer mints and verifies credentials under one key. It is immutable and
// safe for concurrent use.
type Signer struct {
	key []byte
}

// NewSigner returns a signer for a KeySize-byte key.
func NewSigner(key []byte) (*Signer, error) {
	if len(key) != KeySize {
		return nil, lferr.New(lferr.InvalidInput, "credential signing key must be %d bytes, got %d", KeySize, len(key))
	}
	return &Signer{key: append([]byte(nil), key...)}, nil
}

// LoadOrCreateKey reads the signing key at path, creating it (KeySize
// random bytes from r, crypto/rand when nil; parent directory 0700, file
// 0600) on first use. A key file of the wrong size, or readable by others,
// is refused rather than used: a leaked key forges any credential.
func LoadOrCreateKey(path string, r io.Reader) ([]byte, error) {
	if r == nil {
		r = rand.Reader
	}
	if b, err := readKey(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "cannot create the key directory of %s: %v", path, err)
	}
	key := make([]byte, KeySize)
	if _, err := io.ReadFull(r, key); err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "cannot draw a signing key: %v", err)
	}
	// O_EXCL: if another process created the key meanwhile, use theirs so
	// both sign with the same key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readKey(path)
	}
	if err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "cannot create the signing key %s: %v", path, err)
	}
	if _, err := f.Write(key); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, lferr.Wrap(lferr.InternalService, err, "cannot write the signing key %s: %v", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, lferr.Wrap(lferr.InternalService, err, "cannot sync the signing key %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "cannot close the signing key %s: %v", path, err)
	}
	return key, nil
}

func readKey(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, lferr.New(lferr.InternalService, "signing key %s is accessible to other users (mode %v); it must be 0600", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, lferr.Wrap(lferr.InternalService, err, "cannot read the signing key %s: %v", path, err)
	}
	if len(b) != KeySize {
		return nil, lferr.New(lferr.InternalService, "signing key %s has %d bytes, want %d", path, len(b), KeySize)
	}
	return b, nil
}

// NormalizePrefix turns a location URI into the canonical prefix a
// credential carries and accesses are compared with: file:// (or a bare
// absolute path, or file://localhost/) becomes file:// plus the cleaned
// absolute path; mem://name/p keeps its form; both end with '/'. A ".."
// segment anywhere is refused, not resolved: a location naming another
// table through ".." is a trick, not a path.
func NormalizePrefix(uri string) (string, error) {
	u, err := normalize(uri)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(u, "/") + "/", nil
}

func normalize(uri string) (string, error) {
	if strings.IndexByte(uri, 0) >= 0 || strings.IndexByte(uri, '\\') >= 0 {
		return "", lferr.New(lferr.InvalidInput, "location %q contains a NUL byte or a backslash", uri)
	}
	var scheme, p string
	switch {
	case strings.HasPrefix(uri, "/"):
		scheme, p = "file://", uri
	case strings.HasPrefix(uri, "file://"):
		scheme, p = "file://", strings.TrimPrefix(strings.TrimPrefix(uri, "file://"), "localhost")
		if !strings.HasPrefix(p, "/") {
			return "", lferr.New(lferr.InvalidInput, "location %q: file URIs must be file:///absolute/path", uri)
		}
	case strings.HasPrefix(uri, "mem://"):
		scheme, p = "mem://", strings.TrimPrefix(uri, "mem://")
		if p == "" || p[0] == '/' {
			return "", lferr.New(lferr.InvalidInput, "location %q: a mem:// URI needs a store name", uri)
		}
	default:
		return "", lferr.New(lferr.InvalidInput, "location %q: only file:// and mem:// locations get signed local credentials", uri)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return "", &lferr.Error{Code: lferr.AccessDenied, Message: "location " + uri + " refused: contains '..'", Resource: uri}
		}
	}
	if scheme == "file://" {
		trail := strings.HasSuffix(p, "/")
		p = path.Clean(p)
		if trail && p != "/" {
			p += "/"
		}
	}
	return scheme + p, nil
}

// Mint issues a credential for prefix (a location URI), scope and expiry.
// The nonce comes from r (crypto/rand when nil).
func (s *Signer) Mint(prefix string, scope Scope, expiry time.Time, r io.Reader) (Credentials, error) {
	if scope != ReadOnly && scope != ReadWrite {
		return Credentials{}, lferr.New(lferr.InvalidInput, "unknown credential scope %q", scope)
	}
	p, err := NormalizePrefix(prefix)
	if err != nil {
		return Credentials{}, err
	}
	if r == nil {
		r = rand.Reader
	}
	var n [10]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return Credentials{}, lferr.Wrap(lferr.InternalService, err, "cannot draw a credential nonce: %v", err)
	}
	c := Claims{Prefix: p, Scope: scope, Expiry: expiry.Unix(), Nonce: base32.StdEncoding.EncodeToString(n[:])}
	body, err := json.Marshal(c)
	if err != nil {
		return Credentials{}, lferr.Wrap(lferr.InternalService, err, "cannot encode credential claims: %v", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(body) + "." + base64.RawURLEncoding.EncodeToString(s.mac("sluice-cred-v1\n", body))
	return Credentials{
		AccessKeyId:     "ASIA" + c.Nonce,
		SecretAccessKey: base64.RawURLEncoding.EncodeToString(s.mac("sluice-secret-v1\n", []byte(tok))),
		SessionToken:    tok,
		Expiration:      c.Expiration(),
	}, nil
}

func (s *Signer) mac(domain string, msg []byte) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(domain))
	h.Write(msg)
	return h.Sum(nil)
}

func denied(format string, args ...any) error {
	return lferr.New(lferr.AccessDenied, "vended credential refused: "+format, args...)
}

// Verify checks a presented credential at time now and returns its
// claims: the token's signature, the secret and access key id bound to it,
// and the expiry. It does not look at any access: see Allows.
func (s *Signer) Verify(c Credentials, now time.Time) (Claims, error) {
	b64, sig64, ok := strings.Cut(c.SessionToken, ".")
	if !ok {
		return Claims{}, denied("the session token is malformed")
	}
	body, err1 := base64.RawURLEncoding.DecodeString(b64)
	sig, err2 := base64.RawURLEncoding.DecodeString(sig64)
	if err1 != nil || err2 != nil {
		return Claims{}, denied("the session token is malformed")
	}
	if !hmac.Equal(sig, s.mac("sluice-cred-v1\n", body)) {
		return Claims{}, denied("the session token signature does not verify (tampered, or signed by another home)")
	}
	secret, err := base64.RawURLEncoding.DecodeString(c.SecretAccessKey)
	if err != nil || !hmac.Equal(secret, s.mac("sluice-secret-v1\n", []byte(c.SessionToken))) {
		return Claims{}, denied("the secret access key does not belong to this session token")
	}
	var cl Claims
	if err := json.Unmarshal(body, &cl); err != nil {
		return Claims{}, denied("the session token claims do not decode")
	}
	if c.AccessKeyId != "ASIA"+cl.Nonce {
		return Claims{}, denied("the access key id does not belong to this session token")
	}
	if cl.Scope != ReadOnly && cl.Scope != ReadWrite {
		return Claims{}, denied("unknown scope %q", cl.Scope)
	}
	if !now.Before(cl.Expiration()) {
		return Claims{}, lferr.New(lferr.Expired, "vended credential %s for %s expired at %s", c.AccessKeyId, cl.Prefix, cl.Expiration().Format(time.RFC3339))
	}
	return cl, nil
}

// Allows reports (as an error) whether the claims allow op on uri.
func (cl Claims) Allows(op storage.Op, uri string) error {
	u, err := normalize(uri)
	if err != nil {
		if lferr.CodeOf(err) == lferr.AccessDenied {
			return err
		}
		return denied("%s of %s: %s", op, uri, lferr.MessageOf(err))
	}
	// A List prefix is a string prefix: "db/t" would also list "db/t2/",
	// so only URIs at or below the '/'-terminated prefix pass.
	if !strings.HasPrefix(u, cl.Prefix) {
		return denied("%s of %s is outside the vended location %s", op, uri, cl.Prefix)
	}
	switch op {
	case storage.OpList, storage.OpRead:
		return nil
	case storage.OpWrite, storage.OpDelete:
		if cl.Scope == ReadWrite {
			return nil
		}
		return denied("%s of %s needs a read-write credential; this one is read-only (SELECT)", op, uri)
	}
	return denied("unknown operation %s", op)
}

// Guard returns the storage.Guard for a presented credential: every access
// re-verifies the credential at now() and checks the access against its
// claims. now is time.Now when nil.
func (s *Signer) Guard(c Credentials, now func() time.Time) storage.Guard {
	if now == nil {
		now = time.Now
	}
	return storage.GuardFunc(func(ctx context.Context, a storage.Access) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		cl, err := s.Verify(c, now())
		if err != nil {
			return err
		}
		uri := a.URI()
		if a.Key == "" {
			// The store's root itself is a directory.
			uri = strings.TrimSuffix(uri, "/") + "/"
		}
		return cl.Allows(a.Op, uri)
	})
}

// Open opens the store at location and guards it with the credential: the
// way an engine reads a table with vended local credentials.
func (s *Signer) Open(ctx context.Context, location string, c Credentials, now func() time.Time) (storage.Store, error) {
	st, err := storage.Open(ctx, location)
	if err != nil {
		return nil, err
	}
	return storage.WithGuard(st, s.Guard(c, now)), nil
}

package cred

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/storage"
)

var bg = context.Background()

func signer(t *testing.T) *Signer {
	t.Helper()
	s, err := NewSigner(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func code(t *testing.T, err error, want lferr.Code, part string) {
	t.Helper()
	if lferr.CodeOf(err) != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	if !strings.Contains(lferr.MessageOf(err), part) {
		t.Fatalf("message %q does not contain %q", lferr.MessageOf(err), part)
	}
}

// lake lays out two sibling tables (t and t2, whose name extends t's)
// under a warehouse and returns the warehouse dir.
func lake(t *testing.T) string {
	wh := t.TempDir()
	write(t, filepath.Join(wh, "db", "t", "part-0.parquet"), "t")
	write(t, filepath.Join(wh, "db", "t2", "part-0.parquet"), "t2")
	write(t, filepath.Join(wh, "db", "secret.parquet"), "s")
	return wh
}

func TestVendedCredentialScope(t *testing.T) {
	s := signer(t)
	wh := lake(t)
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	ro, err := s.Mint("file://"+wh+"/db/t/", ReadOnly, now.Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	rw, err := s.Mint("file://"+wh+"/db/t", ReadWrite, now.Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ro.AccessKeyId, "ASIA") || ro.SecretAccessKey == "" || ro.SessionToken == "" || !ro.Expiration.Equal(now.Add(time.Hour)) {
		t.Fatalf("credential shape: %+v", ro)
	}

	// The table's own store.
	st, err := s.Open(bg, "file://"+wh+"/db/t/", ro, clock)
	if err != nil {
		t.Fatal(err)
	}
	if objs, err := st.List(bg, ""); err != nil || len(objs) != 1 {
		t.Fatalf("List: %v %v", objs, err)
	}
	f, err := st.Open(bg, "part-0.parquet")
	if err != nil {
		t.Fatalf("Open own file: %v", err)
	}
	_ = f.Close()
	_, err = st.Create(bg, "new.parquet")
	code(t, err, lferr.AccessDenied, "read-only")
	code(t, st.Delete(bg, "part-0.parquet"), lferr.AccessDenied, "read-only")

	// A buggy engine holding the warehouse root store with t's
	// credential: siblings and parents are refused, t itself is not.
	root, err := s.Open(bg, "file://"+wh, ro, clock)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		op   func(storage.Store) error
		ok   bool
	}{
		{"own file through the root", func(st storage.Store) error { f, err := st.Open(bg, "db/t/part-0.parquet"); closeF(f); return err }, true},
		{"list own prefix", func(st storage.Store) error { _, err := st.List(bg, "db/t/"); return err }, true},
		{"sibling whose name extends t", func(st storage.Store) error { f, err := st.Open(bg, "db/t2/part-0.parquet"); closeF(f); return err }, false},
		{"parent's file", func(st storage.Store) error { f, err := st.Open(bg, "db/secret.parquet"); closeF(f); return err }, false},
		{"list the parent", func(st storage.Store) error { _, err := st.List(bg, "db/"); return err }, false},
		{"list a prefix spilling into t2", func(st storage.Store) error { _, err := st.List(bg, "db/t"); return err }, false},
		{"dot-dot escape", func(st storage.Store) error {
			f, err := st.Open(bg, "db/t/../t2/part-0.parquet")
			closeF(f)
			return err
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.op(root)
			if c.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !c.ok && lferr.CodeOf(err) != lferr.AccessDenied {
				t.Fatalf("err = %v, want AccessDenied", err)
			}
		})
	}

	// Read-write may create and delete inside its prefix only.
	rws, err := s.Open(bg, "file://"+wh+"/db/t", rw, clock)
	if err != nil {
		t.Fatal(err)
	}
	w, err := rws.Create(bg, "x.parquet")
	if err != nil {
		t.Fatalf("Create with read-write: %v", err)
	}
	if _, err := w.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := rws.Delete(bg, "x.parquet"); err != nil {
		t.Fatalf("Delete with read-write: %v", err)
	}
	rwRoot, _ := s.Open(bg, "file://"+wh, rw, clock)
	_, err = rwRoot.Create(bg, "db/t2/evil.parquet")
	code(t, err, lferr.AccessDenied, "outside the vended location")
}

func closeF(f storage.File) {
	if f != nil {
		_ = f.Close()
	}
}

func TestVendedCredentialExpiryAndTampering(t *testing.T) {
	s := signer(t)
	wh := lake(t)
	now := time.Unix(1_800_000_000, 0)
	c, err := s.Mint(wh+"/db/t/", ReadOnly, now.Add(15*time.Minute), nil)
	if err != nil {
		t.Fatal(err)
	}
	at := now
	st, err := s.Open(bg, wh+"/db/t", c, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.List(bg, ""); err != nil {
		t.Fatalf("fresh credential: %v", err)
	}
	// Checked on every access, so expiry bites mid-use.
	at = now.Add(15 * time.Minute)
	_, err = st.List(bg, "")
	code(t, err, lferr.Expired, "expired")

	body, sig, _ := strings.Cut(c.SessionToken, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(body)
	widened := strings.Replace(string(raw), "/db/t/", "/db/", 1)
	longer := strings.Replace(string(raw), `"s":"READ"`, `"s":"READWRITE"`, 1)
	other, _ := NewSigner(bytes.Repeat([]byte{8}, KeySize))
	forged, _ := other.Mint(wh+"/db/t/", ReadOnly, now.Add(time.Hour), nil)
	c2, _ := s.Mint(wh+"/db/t2/", ReadOnly, now.Add(time.Hour), nil)
	tampered := []struct {
		name string
		c    Credentials
		msg  string
	}{
		{"prefix widened", Credentials{c.AccessKeyId, c.SecretAccessKey, base64.RawURLEncoding.EncodeToString([]byte(widened)) + "." + sig, c.Expiration}, "signature"},
		{"scope widened", Credentials{c.AccessKeyId, c.SecretAccessKey, base64.RawURLEncoding.EncodeToString([]byte(longer)) + "." + sig, c.Expiration}, "signature"},
		{"signed by another key", forged, "signature"},
		{"secret of another credential", Credentials{c.AccessKeyId, c2.SecretAccessKey, c.SessionToken, c.Expiration}, "secret"},
		{"access key of another credential", Credentials{c2.AccessKeyId, c.SecretAccessKey, c.SessionToken, c.Expiration}, "access key id"},
		{"no dot", Credentials{c.AccessKeyId, c.SecretAccessKey, "garbage", c.Expiration}, "malformed"},
		{"empty", Credentials{}, "malformed"},
	}
	for _, tc := range tampered {
		t.Run(tc.name, func(t *testing.T) {
			st, err := s.Open(bg, wh+"/db/t", tc.c, func() time.Time { return now })
			if err != nil {
				t.Fatal(err)
			}
			_, err = st.List(bg, "")
			code(t, err, lferr.AccessDenied, tc.msg)
		})
	}
}

func TestMemLocation(t *testing.T) {
	s := signer(t)
	now := time.Unix(1_800_000_000, 0)
	m, err := storage.NewMem("credtest")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"db/t/a", "db/u/a"} {
		w, err := m.Create(bg, k)
		if err != nil {
			t.Fatal(err)
		}
		_ = w.Commit()
	}
	c, err := s.Mint("mem://credtest/db/t/", ReadOnly, now.Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	g := storage.WithGuard(m, s.Guard(c, func() time.Time { return now }))
	if f, err := g.Open(bg, "db/t/a"); err != nil {
		t.Fatalf("own object: %v", err)
	} else {
		_ = f.Close()
	}
	_, err = g.Open(bg, "db/u/a")
	code(t, err, lferr.AccessDenied, "outside")
}

func TestNormalizePrefixAndMint(t *testing.T) {
	good := map[string]string{
		"/a/b":                 "file:///a/b/",
		"file:///a/b/":         "file:///a/b/",
		"file://localhost/a/b": "file:///a/b/",
		"file:///a//b/./c":     "file:///a/b/c/",
		"mem://n/x":            "mem://n/x/",
	}
	for in, want := range good {
		got, err := NormalizePrefix(in)
		if err != nil || got != want {
			t.Errorf("NormalizePrefix(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]lferr.Code{
		"file:///a/../b": lferr.AccessDenied,
		"s3://bucket/x":  lferr.InvalidInput,
		"relative/x":     lferr.InvalidInput,
		"file://host/x":  lferr.InvalidInput,
		"mem:///x":       lferr.InvalidInput,
		"/a\x00b":        lferr.InvalidInput,
	}
	for in, want := range bad {
		if _, err := NormalizePrefix(in); lferr.CodeOf(err) != want {
			t.Errorf("NormalizePrefix(%q) err = %v, want %s", in, err, want)
		}
	}
	s := signer(t)
	if _, err := s.Mint("/a", Scope("ALL"), time.Now(), nil); lferr.CodeOf(err) != lferr.InvalidInput {
		t.Errorf("unknown scope: %v", err)
	}
	if _, err := NewSigner([]byte("short")); lferr.CodeOf(err) != lferr.InvalidInput {
		t.Errorf("short key: %v", err)
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "keys", "vending.key")
	k1, err := LoadOrCreateKey(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o600 || len(k1) != KeySize {
		t.Fatalf("key file: %v %v len %d", st.Mode(), err, len(k1))
	}
	k2, err := LoadOrCreateKey(p, nil)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("second load differs: %v", err)
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadOrCreateKey(p, nil)
	code(t, err, lferr.InternalService, "accessible to other users")
	if err := os.WriteFile(p, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(p, 0o600)
	_, err = LoadOrCreateKey(p, nil)
	code(t, err, lferr.InternalService, "has 5 bytes")
}

// Garbage credentials are refused, never a panic.
func TestVerifyGarbage(t *testing.T) {
	s := signer(t)
	now := time.Unix(1_800_000_000, 0)
	good, _ := s.Mint("/a/b", ReadOnly, now.Add(time.Hour), nil)
	seed := []byte(good.SessionToken)
	for i := 0; i < 2000; i++ {
		b := append([]byte(nil), seed...)
		// Flip, cut or extend deterministically.
		switch i % 3 {
		case 0:
			b[(i*7919)%len(b)] ^= byte(i)
		case 1:
			b = b[:(i*31)%len(b)]
		default:
			b = append(b, byte(i), '.', byte(i>>3))
		}
		tok := string(b)
		if tok == good.SessionToken {
			continue
		}
		_, err := s.Verify(Credentials{AccessKeyId: good.AccessKeyId, SecretAccessKey: good.SecretAccessKey, SessionToken: tok}, now)
		if lferr.CodeOf(err) != lferr.AccessDenied {
			t.Fatalf("token %q: %v", tok, err)
		}
	}
	// A validly signed token with unknown claims is still refused.
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"p":"file:///","s":"ALL","e":9999999999,"n":"X"}`))
	tok := forged + "." + base64.RawURLEncoding.EncodeToString(s.mac("sluice-cred-v1\n", []byte(`{"p":"file:///","s":"ALL","e":9999999999,"n":"X"}`)))
	sec := base64.RawURLEncoding.EncodeToString(s.mac("sluice-secret-v1\n", []byte(tok)))
	_, err := s.Verify(Credentials{AccessKeyId: "ASIAX", SecretAccessKey: sec, SessionToken: tok}, now)
	code(t, err, lferr.AccessDenied, "unknown scope")
}

package lf

import (
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
)

// FuzzNormalize: principal and location normalization never panic, fail
// only with InvalidInputException, are idempotent, and never let a
// normalized location contain a ".." segment or a control character.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{analyst, acct, "IAMAllowedPrincipals", acct + ":IAMPrincipals", "arn:aws:s3:::b/p/", "s3://b/../x",
		"file:///a/b/", "file:///", "arn:aws:iam::111122223333:saml-provider/x:user/\x00", "arn:aws:s3:::b//c", "s3://b/p\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := NormalizePrincipal(s); err == nil {
			if q, err := NormalizePrincipal(p); err != nil || q != p {
				t.Fatalf("principal %q → %q → %q, %v", s, p, q, err)
			}
			if strings.ContainsAny(p, "\x00\n\r") {
				t.Fatalf("principal %q kept a control character", p)
			}
		} else if lferr.CodeOf(err) != lferr.InvalidInput {
			t.Fatalf("principal %q: %v", s, err)
		}
		if l, err := NormalizeLocation(s); err == nil {
			if m, err := NormalizeLocation(l); err != nil || m != l {
				t.Fatalf("location %q → %q → %q, %v", s, l, m, err)
			}
			for _, seg := range strings.Split(l, "/") {
				if seg == ".." {
					t.Fatalf("location %q kept a .. segment: %q", s, l)
				}
			}
			if strings.ContainsAny(l, "\x00\n\r") {
				t.Fatalf("location %q kept a control character", l)
			}
		} else if lferr.CodeOf(err) != lferr.InvalidInput {
			t.Fatalf("location %q: %v", s, err)
		}
	})
}

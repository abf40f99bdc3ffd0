package iam

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
)

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pat, s string
		want   bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"", "", true},
		{"", "a", false},
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"a*c", "ac", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"a?c", "a☃c", true}, // ? is one character, not one byte
		{"glue:get*", "glue:gettable", true},
		{"glue:get*", "glue:createtable", false},
		{"*table", "glue:gettable", true},
		{"*a*b*c*", "xaxxbxxcx", true},
		{"*a*b*c*", "xaxxcxxbx", false},
		{"a**b", "ab", true},
		{"arn:aws:glue:*:*:table/db/*", "arn:aws:glue:us-east-1:111122223333:table/db/t", true},
		{"arn:aws:glue:*:*:table/db/*", "arn:aws:glue:us-east-1:111122223333:table/db2/t", false},
		{"Abc", "abc", false}, // case-sensitive
	}
	for _, c := range cases {
		if got := globMatch(c.pat, c.s); got != c.want {
			t.Errorf("globMatch(%q,%q)=%v want %v", c.pat, c.s, got, c.want)
		}
		if got := newMatcher(c.pat).match(c.s); got != c.want {
			t.Errorf("matcher(%q).match(%q)=%v want %v", c.pat, c.s, got, c.want)
		}
	}
}

func TestParseARN(t *testing.T) {
	good := []string{
		"arn:aws:iam::111122223333:role/path/name",
		"arn:aws:iam::111122223333:user/alice",
		"arn:aws:sts::111122223333:assumed-role/r/s",
		"arn:aws:glue:us-east-1:111122223333:table/db/t",
		"arn:aws:glue:us-east-1:111122223333:catalog",
		"arn:aws:iam::aws:policy/AWSLakeFormationDataAdmin",
		"arn:aws:s3:::bucket/key:with:colons",
		"arn:aws-cn:glue:cn-north-1:111122223333:database/db",
	}
	for _, s := range good {
		a, err := ParseARN(s)
		if err != nil {
			t.Errorf("ParseARN(%q): %v", s, err)
			continue
		}
		if a.String() != s {
			t.Errorf("round trip %q -> %q", s, a.String())
		}
	}
	bad := []string{
		"", "arn", "arn:aws:iam", "aws:iam::111122223333:role/x",
		"arn:aws:iam::1111:role/x",            // short account
		"arn:aws:iam::111122223333:",          // empty resource
		"arn:AWS:iam::111122223333:role/x",    // bad partition
		"arn:aws:IAM::111122223333:role/x",    // bad service
		"arn:aws:glue:useast1:111122223333:x", // bad region
	}
	for _, s := range bad {
		if _, err := ParseARN(s); lferr.CodeOf(err) != lferr.InvalidInput {
			t.Errorf("ParseARN(%q) = %v, want InvalidInput", s, err)
		}
	}
}

func TestParsePrincipal(t *testing.T) {
	cases := []struct {
		in                  string
		kind                PrincipalKind
		path, name, session string
	}{
		{"arn:aws:iam::111122223333:root", KindRoot, "", "", ""},
		{"arn:aws:iam::111122223333:user/alice", KindUser, "/", "alice", ""},
		{"arn:aws:iam::111122223333:role/a/b/engine", KindRole, "/a/b/", "engine", ""},
		{"arn:aws:sts::111122223333:assumed-role/engine/sess-1", KindAssumedRole, "/", "engine", "sess-1"},
	}
	for _, c := range cases {
		p, err := ParsePrincipal(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if p.Kind != c.kind || p.Path != c.path || p.Name != c.name || p.Session != c.session || p.Account != "111122223333" {
			t.Errorf("%s: got %+v", c.in, p)
		}
	}
	for _, s := range []string{
		"arn:aws:iam::111122223333:group/x",
		"arn:aws:sts::111122223333:assumed-role/engine",
		"arn:aws:sts::111122223333:assumed-role/engine/s", // session too short
		"arn:aws:iam::111122223333:role/bad name",
		"arn:aws:iam::aws:role/x",
		"arn:aws:glue:us-east-1:111122223333:table/a/b",
	} {
		if _, err := ParsePrincipal(s); err == nil {
			t.Errorf("ParsePrincipal(%q) accepted", s)
		}
	}
	if got := AssumedRoleARN("111122223333", "r", "s1"); got != "arn:aws:sts::111122223333:assumed-role/r/s1" {
		t.Error(got)
	}
	if got := RoleARN("111122223333", "/x/", "r"); got != "arn:aws:iam::111122223333:role/x/r" {
		t.Error(got)
	}
}

func TestArnLike(t *testing.T) {
	cases := []struct {
		pat, v string
		want   bool
	}{
		{"arn:aws:iam::111122223333:role/*", "arn:aws:iam::111122223333:role/x", true},
		{"arn:aws:iam::*:role/x", "arn:aws:iam::111122223333:role/x", true},
		// a wildcard never crosses a field: "*" in the account field cannot
		// swallow the resource type
		{"arn:aws:iam::*", "arn:aws:iam::111122223333:role/x", false},
		{"arn:aws:iam::111122223333:role/x", "arn:aws:iam::111122223333:role/X", false},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/k:with:colon", true},
		{"not-an-arn", "not-an-arn", false},
	}
	for _, c := range cases {
		if got := ArnLike(c.pat, c.v); got != c.want {
			t.Errorf("ArnLike(%q,%q)=%v want %v", c.pat, c.v, got, c.want)
		}
	}
}

// TestMatcherAgreesWithGlob: the pre-analysed matcher (prefix, suffix,
// piece search) must agree with the reference backtracking glob on random
// patterns and strings.
func TestMatcherAgreesWithGlob(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alpha := []byte("ab*?/")
	gen := func(n int, wild bool) string {
		b := make([]byte, rng.IntN(n+1))
		for i := range b {
			c := alpha[rng.IntN(len(alpha))]
			if !wild && (c == '*' || c == '?') {
				c = 'a'
			}
			b[i] = c
		}
		return string(b)
	}
	for i := 0; i < 20000; i++ {
		p, s := gen(7, true), gen(9, false)
		if got, want := newMatcher(p).match(s), globMatch(p, s); got != want {
			t.Fatalf("pattern %q value %q: matcher %v, glob %v", p, s, got, want)
		}
		// Oracle: the same pattern as a regular expression.
		var re strings.Builder
		re.WriteString("(?s)^")
		for _, c := range p {
			switch c {
			case '*':
				re.WriteString(".*")
			case '?':
				re.WriteString(".")
			default:
				re.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		re.WriteString("$")
		if want := regexp.MustCompile(re.String()).MatchString(s); globMatch(p, s) != want {
			t.Fatalf("pattern %q value %q: glob %v, regexp %v", p, s, !want, want)
		}
	}
}

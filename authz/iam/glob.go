package iam

import "unicode/utf8"

// globMatch reports whether s matches pattern, where '*' matches any run of
// characters (including none) and '?' exactly one character. Matching is
// byte-exact (callers lower-case both sides for case-insensitive matching);
// '?' consumes one UTF-8 encoded rune so that non-ASCII names behave as IAM
// documents them. It never allocates and runs in O(len(pattern)*len(s))
// worst case via the classic backtrack-to-last-star algorithm.
func globMatch(pattern, s string) bool {
	p, i := 0, 0
	starP, starI := -1, 0
	for i < len(s) {
		if p < len(pattern) {
			switch c := pattern[p]; c {
			case '*':
				starP, starI = p, i
				p++
				continue
			case '?':
				_, n := utf8.DecodeRuneInString(s[i:])
				p++
				i += n
				continue
			default:
				if c == s[i] {
					p++
					i++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		// Backtrack: let the last '*' swallow one more rune.
		_, n := utf8.DecodeRuneInString(s[starI:])
		starI += n
		p, i = starP+1, starI
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// hasWildcard reports whether a pattern needs globMatch at all.
func hasWildcard(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] == '*' || p[i] == '?' {
			return true
		}
	}
	return false
}

// matcher is a pre-analysed glob pattern: most policy patterns are "*",
// exact strings or "prefix*", which are checked without the general loop.
type matcher struct {
	pat  string
	kind uint8 // matchAny, matchExact, matchPrefix, matchGlob
}

const (
	matchAny uint8 = iota
	matchExact
	matchPrefix
	matchGlob
)

func newMatcher(p string) matcher {
	switch {
	case p == "*":
		return matcher{pat: p, kind: matchAny}
	case !hasWildcard(p):
		return matcher{pat: p, kind: matchExact}
	case p[len(p)-1] == '*' && !hasWildcard(p[:len(p)-1]):
		return matcher{pat: p[:len(p)-1], kind: matchPrefix}
	}
	return matcher{pat: p, kind: matchGlob}
}

func (m matcher) match(s string) bool {
	switch m.kind {
	case matchAny:
		return true
	case matchExact:
		return m.pat == s
	case matchPrefix:
		return len(s) >= len(m.pat) && s[:len(m.pat)] == m.pat
	}
	return globMatch(m.pat, s)
}

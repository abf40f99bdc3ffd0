package iam

import (
	"strings"
	"unicode/utf8"
)

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
				p++
				i += runeLen(s, i)
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
		starI += runeLen(s, starI)
		p, i = starP+1, starI
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// runeLen is the byte length of the rune at s[i], with an ASCII fast path.
func runeLen(s string, i int) int {
	if s[i] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return n
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
	// For matchGlob: the literal text before the first and after the last
	// wildcard, checked first so most non-matching values are rejected
	// without running the general algorithm.
	head, tail string
	// mid: for '*'-only patterns, the literal pieces between the first and
	// the last '*', found left to right with strings.Index (greedy
	// leftmost placement is exact when there is no '?').
	mid      []string
	starOnly bool
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
	first := strings.IndexAny(p, "*?")
	last := strings.LastIndexAny(p, "*?")
	m := matcher{pat: p, kind: matchGlob, head: p[:first], tail: p[last+1:]}
	if !strings.Contains(p, "?") {
		m.starOnly = true
		for _, piece := range strings.Split(p[first:last+1], "*") {
			if piece != "" {
				m.mid = append(m.mid, piece)
			}
		}
	}
	return m
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
	if len(s) < len(m.head)+len(m.tail) || s[:len(m.head)] != m.head || s[len(s)-len(m.tail):] != m.tail {
		return false
	}
	if m.starOnly {
		rest := s[len(m.head) : len(s)-len(m.tail)]
		for _, piece := range m.mid {
			i := strings.Index(rest, piece)
			if i < 0 {
				return false
			}
			rest = rest[i+len(piece):]
		}
		return true
	}
	return globMatch(m.pat, s)
}

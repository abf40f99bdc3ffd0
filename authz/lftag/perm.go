package lftag

import (
	"slices"
	"strings"

	"github.com/sluicedb/sluice/authz/api"
)

// Pure helpers for permissions on LF-tags themselves (spec §5.5). The
// grants subsystem stores the grants; these decide what one grant covers.

// CoversValues reports whether a grant on the LFTag resource r (a key and
// some of its values, "*" for all) covers key with every one of values.
// Requesting "*" (say, to grant on an expression with "*") needs a grant on
// "*" itself: a grant on some values never covers all of them. Keys and
// values compare case-insensitively, as they are stored lower-cased.
func CoversValues(r api.LFTagKeyResource, key string, values []string) bool {
	if !strings.EqualFold(r.TagKey, key) || len(values) == 0 {
		return false
	}
	if slices.Contains(r.TagValues, "*") {
		return true
	}
	for _, v := range values {
		hit := false
		for _, g := range r.TagValues {
			if strings.EqualFold(g, v) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return true
}

// EquivalentExpressions reports whether two LF-tag expressions are the
// same condition written alike: the same keys, each with the same set of
// values, in any order and case. A holder of GRANT_WITH_LF_TAG_EXPRESSION
// on an expression may re-grant only that exact expression; this is the
// test. It is syntactic on purpose: an expression that merely implies the
// other (fewer values, more keys) is not the same grant.
func EquivalentExpressions(a, b []api.LFTag) bool {
	na, nb := canonical(a), canonical(b)
	if na == nil || nb == nil || len(na) != len(nb) {
		return false
	}
	for i := range na {
		if na[i].TagKey != nb[i].TagKey || !slices.Equal(na[i].TagValues, nb[i].TagValues) {
			return false
		}
	}
	return true
}

// canonical lower-cases an expression and sorts its entries and values.
// It is nil for an empty expression or one that names a key twice: such
// expressions are refused when stored, so they equal nothing.
func canonical(expr []api.LFTag) []api.LFTag {
	if len(expr) == 0 {
		return nil
	}
	out := normalizeExpression(expr)
	for i := range out {
		slices.Sort(out[i].TagValues)
		out[i].TagValues = slices.Compact(out[i].TagValues)
	}
	slices.SortFunc(out, func(x, y api.LFTag) int { return strings.Compare(x.TagKey, y.TagKey) })
	for i := 1; i < len(out); i++ {
		if out[i].TagKey == out[i-1].TagKey {
			return nil
		}
	}
	return out
}

// ExpressionCoveredBy reports whether every key:value an expression uses
// is covered by one of the LFTag resources granted (CreateLFTagExpression
// and LFTagPolicy grants need GRANT_WITH_LF_TAG_EXPRESSION on each pair).
func ExpressionCoveredBy(expr []api.LFTag, granted []api.LFTagKeyResource) bool {
	if len(expr) == 0 {
		return false
	}
	for _, entry := range expr {
		for _, v := range entry.TagValues {
			ok := false
			for _, g := range granted {
				if CoversValues(g, entry.TagKey, []string{v}) {
					ok = true
					break
				}
			}
			if !ok {
				return false
			}
		}
		if len(entry.TagValues) == 0 {
			return false
		}
	}
	return true
}

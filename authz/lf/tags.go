package lf

import (
	"slices"
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/lftag"
	"github.com/sluicedb/sluice/authz/store"
)

// tagExists checks that an LF-tag key and values exist (EntityNotFound
// otherwise) and returns them lower-cased, values sorted and deduplicated.
func tagExists(tx *store.Tx, catalogID, key string, values []string) (string, []string, error) {
	key = strings.ToLower(key)
	if key == "" {
		return "", nil, invalid("LF-tag key must not be empty.")
	}
	ok, err := lftag.TagExists(tx, catalogID, key)
	if err != nil {
		return "", nil, err
	}
	if !ok {
		return "", nil, lferr.New(lferr.EntityNotFound, "LF-tag %s not found.", key)
	}
	vals := make([]string, len(values))
	for i, v := range values {
		vals[i] = strings.ToLower(v)
	}
	slices.Sort(vals)
	vals = slices.Compact(vals)
	for _, v := range vals {
		if ok, err := lftag.ValuesExist(tx, catalogID, key, []string{v}); err != nil {
			return "", nil, err
		} else if !ok {
			return "", nil, lferr.New(lferr.EntityNotFound, "Tag or tag value does not exist: LF-tag %s has no value %s.", key, v)
		}
	}
	return key, vals, nil
}

func resolveExpression(tx *store.Tx, catalogID string, r *api.LFTagPolicyResource) ([]api.LFTag, error) {
	return lftag.ResolveExpression(tx, catalogID, r)
}

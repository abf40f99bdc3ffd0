package lftag

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// Limits (spec §5.1: service model and LF quotas).
const (
	MaxKeyLen            = 128  // LFTagKey
	MaxValueLen          = 256  // LFTagValue
	MaxValuesPerCall     = 50   // TagValues, TagValuesToAdd, TagValuesToDelete
	MaxKeysPerCatalog    = 1000 // soft limit: tag keys per account
	MaxValuesPerKey      = 1000 // soft limit: values of one key
	MaxTagsPerResource   = 50   // keys assigned to one database, table or column
	MaxTagsPerCall       = 50   // LFTags of Add/RemoveLFTagsToResource
	MaxListLFTags        = 1000 // MaxResults of ListLFTags
	MaxSearchResults     = 100  // MaxResults of Search*ByLFTags
	MaxExpressions       = 1000 // saved expressions per catalog
	MaxExpressionNameLen = 255
	MaxDescriptionLen    = 2048
	MaxListExpressions   = 1000 // MaxResults of ListLFTagExpressions
)

// validTagRune is the character class of the LFTagKey pattern
// ^([\p{L}\p{Z}\p{N}_.:\/=+\-@%]*)$; values also allow '*'.
func validTagRune(r rune, value bool) bool {
	switch {
	case unicode.IsLetter(r), unicode.In(r, unicode.Z), unicode.IsNumber(r):
		return true
	case strings.ContainsRune("_.:/=+-@%", r):
		return true
	case value && r == '*':
		return true
	}
	return false
}

// checkKey validates a tag key and returns it lower-cased.
func checkKey(key string) (string, error) {
	n := utf8.RuneCountInString(key)
	if n < 1 || n > MaxKeyLen {
		return "", lferr.New(lferr.InvalidInput, "LF-tag key %q must be 1 to %d characters long, it has %d.", short(key), MaxKeyLen, n)
	}
	if err := checkRunes("LF-tag key", key, false); err != nil {
		return "", err
	}
	return strings.ToLower(key), nil
}

// checkValue validates a tag value and returns it lower-cased. "*" is an
// expression's "any value" and cannot be a value of a tag: it would make
// the grant on "*" and the grant on the literal value indistinguishable.
func checkValue(key, v string) (string, error) {
	n := utf8.RuneCountInString(v)
	if n > MaxValueLen {
		return "", lferr.New(lferr.InvalidInput, "Value %q of LF-tag %s is %d characters long; the limit is %d.", short(v), key, n, MaxValueLen)
	}
	if v == "*" {
		return "", lferr.New(lferr.InvalidInput, "Value \"*\" of LF-tag %s is reserved: in expressions it means any value.", key)
	}
	if err := checkRunes("Value of LF-tag "+key, v, true); err != nil {
		return "", err
	}
	return strings.ToLower(v), nil
}

func checkRunes(what, s string, value bool) error {
	if !utf8.ValidString(s) {
		return lferr.New(lferr.InvalidInput, "%s is not valid UTF-8.", what)
	}
	for _, r := range s {
		if !validTagRune(r, value) {
			return lferr.New(lferr.InvalidInput, "%s %q contains %q; allowed are letters, numbers, spaces and _ . : / = + - @ %%.", what, short(s), r)
		}
	}
	return nil
}

// checkValues validates a list of values given in one call: 1 to 50 of
// them, each valid; returns them lower-cased and de-duplicated (values
// differing only in case are the same value).
func checkValues(key, field string, values []string) ([]string, error) {
	if len(values) == 0 {
		return nil, lferr.New(lferr.InvalidInput, "%s of LF-tag %s must have at least one value.", field, key)
	}
	if len(values) > MaxValuesPerCall {
		return nil, lferr.New(lferr.InvalidInput, "%s of LF-tag %s has %d values; at most %d may be given in one call.", field, key, len(values), MaxValuesPerCall)
	}
	out := make([]string, 0, len(values))
	for _, v := range values {
		lv, err := checkValue(key, v)
		if err != nil {
			return nil, err
		}
		out = append(out, lv)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// short truncates s for an error message.
func short(s string) string {
	if len(s) <= 64 {
		return s
	}
	cut := 64
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func notFoundTag(key string) error {
	return lferr.New(lferr.EntityNotFound, "Tag key %s does not exist.", key)
}

// ---- CreateLFTag ----

// CreateLFTag creates a tag key with its values.
func (s *Service) CreateLFTag(ctx context.Context, in api.CreateLFTagInput) error {
	return s.update(ctx, func(t Txn) error { return t.CreateLFTag(in) })
}

// CreateLFTag creates a tag key with its values, both lower-cased. An
// existing key (in any case) is AlreadyExistsException.
func (t Txn) CreateLFTag(in api.CreateLFTagInput) error {
	cat, err := t.catalogID(in.CatalogId)
	if err != nil {
		return err
	}
	key, err := checkKey(in.TagKey)
	if err != nil {
		return err
	}
	values, err := checkValues(key, "TagValues", in.TagValues)
	if err != nil {
		return err
	}
	if ok, err := t.tx.Has(BucketTags, tagKey(cat, key)); err != nil {
		return err
	} else if ok {
		return lferr.New(lferr.AlreadyExists, "Tag key %s already exists.", key)
	}
	n, err := t.tx.Count(BucketTags, store.Prefix(cat))
	if err != nil {
		return err
	}
	if n >= MaxKeysPerCatalog {
		return lferr.New(lferr.ResourceNumberLimitExceeded, "Catalog %s already has %d LF-tag keys, the limit.", cat, MaxKeysPerCatalog)
	}
	return t.tx.Put(BucketTags, tagKey(cat, key), tagRecord{TagKey: key, TagValues: values})
}

// ---- UpdateLFTag ----

// UpdateLFTag adds and removes values of a tag.
func (s *Service) UpdateLFTag(ctx context.Context, in api.UpdateLFTagInput) error {
	return s.update(ctx, func(t Txn) error { return t.UpdateLFTag(in) })
}

// UpdateLFTag adds TagValuesToAdd and removes TagValuesToDelete. Adding a
// value the tag has is a no-op; removing one it lacks is
// EntityNotFoundException; removing a value still assigned to any
// resource is InvalidInputException ("Update not allowed"), as LF answers;
// a tag keeps at least one value.
func (t Txn) UpdateLFTag(in api.UpdateLFTagInput) error {
	cat, err := t.catalogID(in.CatalogId)
	if err != nil {
		return err
	}
	key, err := checkKey(in.TagKey)
	if err != nil {
		return err
	}
	if len(in.TagValuesToAdd) == 0 && len(in.TagValuesToDelete) == 0 {
		return lferr.New(lferr.InvalidInput, "UpdateLFTag of %s needs TagValuesToAdd or TagValuesToDelete.", key)
	}
	var add, del []string
	if len(in.TagValuesToAdd) > 0 {
		if add, err = checkValues(key, "TagValuesToAdd", in.TagValuesToAdd); err != nil {
			return err
		}
	}
	if len(in.TagValuesToDelete) > 0 {
		if del, err = checkValues(key, "TagValuesToDelete", in.TagValuesToDelete); err != nil {
			return err
		}
	}
	for _, v := range add {
		if _, both := slices.BinarySearch(del, v); both {
			return lferr.New(lferr.InvalidInput, "Value %s of LF-tag %s is both in TagValuesToAdd and TagValuesToDelete.", v, key)
		}
	}
	rec, found, err := getTag(t.tx, cat, key)
	if err != nil {
		return err
	}
	if !found {
		return notFoundTag(key)
	}
	for _, v := range del {
		if !rec.has(v) {
			return lferr.New(lferr.EntityNotFound, "Tag value %s does not exist for tag key %s.", v, key)
		}
		where, err := firstUse(t.tx, cat, key, v)
		if err != nil {
			return err
		}
		if where != "" {
			return lferr.New(lferr.InvalidInput, "Update not allowed: value %s of LF-tag %s is still assigned to %s.", v, key, where)
		}
	}
	values := make([]string, 0, len(rec.TagValues)+len(add))
	for _, v := range rec.TagValues {
		if _, gone := slices.BinarySearch(del, v); !gone {
			values = append(values, v)
		}
	}
	values = append(values, add...)
	slices.Sort(values)
	values = slices.Compact(values)
	if len(values) == 0 {
		return lferr.New(lferr.InvalidInput, "Update not allowed: LF-tag %s must keep at least one value.", key)
	}
	if len(values) > MaxValuesPerKey {
		return lferr.New(lferr.ResourceNumberLimitExceeded, "LF-tag %s would have %d values; the limit is %d.", key, len(values), MaxValuesPerKey)
	}
	if slices.Equal(values, rec.TagValues) {
		return nil
	}
	rec.TagValues = values
	return t.tx.Put(BucketTags, tagKey(cat, key), rec)
}

// firstUse names one resource that has key=value assigned, or "". An
// assignment to a column the table no longer has (UpdateTable dropped it;
// the catalog has no hook for that) is not a use: it is deleted here, in
// the caller's write transaction, so it cannot block the update.
func firstUse(tx *store.Tx, catalogID, key, value string) (string, error) {
	var uses []target
	p := store.Prefix(catalogID, key, value)
	err := tx.Scan(BucketIndex, p, func(k string, _ []byte) error {
		parts := strings.Split(k[len(p):], store.Sep)
		if len(parts) != 3 {
			return lferr.New(lferr.InternalService, "corrupt LF-tag index key %q", strings.ReplaceAll(k, store.Sep, "/"))
		}
		uses = append(uses, target{Database: parts[0], Table: parts[1], Column: parts[2]})
		return nil
	})
	if err != nil {
		return "", err
	}
	columns := map[[2]string]map[string]bool{}
	for _, u := range uses {
		if u.level() != levelColumn {
			return u.String(), nil
		}
		tk := [2]string{u.Database, u.Table}
		set, ok := columns[tk]
		if !ok {
			if set, err = columnSet(tx, catalogID, u.Database, u.Table); err != nil {
				return "", err
			}
			columns[tk] = set
		}
		if set[u.Column] {
			return u.String(), nil
		}
		if tx.Writable() {
			if err := deleteAssignment(tx, catalogID, u, key, value); err != nil {
				return "", err
			}
		}
	}
	return "", nil
}

// columnSet returns the lower-cased column names of a table (nil when the
// table does not exist).
func columnSet(tx *store.Tx, catalogID, database, table string) (map[string]bool, error) {
	names, found, err := readColumns(tx, catalogID, database, table)
	if err != nil || !found {
		return nil, err
	}
	set := make(map[string]bool, len(names))
	for _, c := range names {
		set[strings.ToLower(c)] = true
	}
	return set, nil
}

// PruneColumnTags deletes the assignments of columns that a table no
// longer has and returns how many it deleted. Call it in the transaction
// of an UpdateTable that may drop columns, so a column re-added later
// under the same name does not come back tagged.
func PruneColumnTags(tx *store.Tx, catalogID, database, table string) (int, error) {
	database, table = strings.ToLower(database), strings.ToLower(table)
	if err := checkKeyParts(catalogID, database, table); err != nil {
		return 0, err
	}
	set, err := columnSet(tx, catalogID, database, table)
	if err != nil {
		return 0, err
	}
	all, err := scanUnder(tx, catalogID, database, table)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range all {
		if a.Column == "" || set[a.Column] {
			continue
		}
		if err := deleteAssignment(tx, catalogID, a.target, a.Key, a.Value); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// ---- DeleteLFTag ----

// DeleteLFTag deletes a tag key and all its assignments.
func (s *Service) DeleteLFTag(ctx context.Context, in api.DeleteLFTagInput) error {
	return s.update(ctx, func(t Txn) error { return t.DeleteLFTag(in) })
}

// DeleteLFTag deletes a tag key; every resource loses its assignment of
// the key (so effective values inherited from above show through again),
// then the OnDeleteTag hooks run. Saved expressions naming the key are
// kept: they match nothing while the key is absent.
func (t Txn) DeleteLFTag(in api.DeleteLFTagInput) error {
	cat, err := t.catalogID(in.CatalogId)
	if err != nil {
		return err
	}
	key, err := checkKey(in.TagKey)
	if err != nil {
		return err
	}
	existed, err := t.tx.Delete(BucketTags, tagKey(cat, key))
	if err != nil {
		return err
	}
	if !existed {
		return notFoundTag(key)
	}
	p := store.Prefix(cat, key)
	var targets []target
	err = t.tx.Scan(BucketIndex, p, func(k string, _ []byte) error {
		parts := strings.Split(k[len(p):], store.Sep)
		if len(parts) != 4 {
			return lferr.New(lferr.InternalService, "corrupt LF-tag index key %q", strings.ReplaceAll(k, store.Sep, "/"))
		}
		targets = append(targets, target{Database: parts[1], Table: parts[2], Column: parts[3]})
		return nil
	})
	if err != nil {
		return err
	}
	for _, tg := range targets {
		if _, err := t.tx.Delete(BucketAssignments, assignKey(cat, tg, key)); err != nil {
			return err
		}
	}
	if _, err := t.tx.DeletePrefix(BucketIndex, p); err != nil {
		return err
	}
	for _, h := range t.cfg.OnDeleteTag {
		if err := h(t.tx, cat, key); err != nil {
			return err
		}
	}
	return nil
}

// ---- GetLFTag / ListLFTags ----

// GetLFTag returns a tag key and its values.
func (s *Service) GetLFTag(ctx context.Context, in api.GetLFTagInput) (out *api.GetLFTagOutput, err error) {
	err = s.view(ctx, func(t Txn) error { out, err = t.GetLFTag(in); return err })
	return out, err
}

// GetLFTag returns a tag key and its values (sorted).
func (t Txn) GetLFTag(in api.GetLFTagInput) (*api.GetLFTagOutput, error) {
	cat, err := t.catalogID(in.CatalogId)
	if err != nil {
		return nil, err
	}
	key, err := checkKey(in.TagKey)
	if err != nil {
		return nil, err
	}
	rec, found, err := getTag(t.tx, cat, key)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, notFoundTag(key)
	}
	return &api.GetLFTagOutput{CatalogId: cat, TagKey: rec.TagKey, TagValues: rec.TagValues}, nil
}

// ListLFTags lists the tags of a catalog by key, a page at a time.
func (s *Service) ListLFTags(ctx context.Context, in api.ListLFTagsInput, visible func(*api.LFTagPair) bool) (out *api.ListLFTagsOutput, err error) {
	err = s.view(ctx, func(t Txn) error { out, err = t.ListLFTags(in, visible); return err })
	return out, err
}

// ListLFTags lists the tags of a catalog by key. visible, when not nil,
// filters the tags the caller may see (LF lists only those): it may also
// trim the pair's TagValues to the values the caller may see (the slice is
// the caller's own). It is applied before paging, so pages are full. ResourceShareType FOREIGN lists
// nothing: sluice has no tags shared from other accounts.
func (t Txn) ListLFTags(in api.ListLFTagsInput, visible func(*api.LFTagPair) bool) (*api.ListLFTagsOutput, error) {
	cat, err := t.catalogID(in.CatalogId)
	if err != nil {
		return nil, err
	}
	switch in.ResourceShareType {
	case "", api.ResourceShareAll:
	case api.ResourceShareForeign:
		return &api.ListLFTagsOutput{}, nil
	default:
		return nil, lferr.New(lferr.InvalidInput, "ResourceShareType must be %s or %s, got %q.", api.ResourceShareForeign, api.ResourceShareAll, in.ResourceShareType)
	}
	const op = "ListLFTags"
	limit, err := pageSize(op, in.MaxResults, MaxListLFTags)
	if err != nil {
		return nil, err
	}
	after, err := decodeToken(op, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &api.ListLFTagsOutput{}
	p := store.Prefix(cat)
	var last string
	err = t.tx.ScanAfter(BucketTags, p, p+after, func(k string, raw []byte) error {
		if len(out.LFTags) == limit {
			out.NextToken = encodeToken(op, last)
			return store.Stop
		}
		var rec tagRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return lferr.Wrap(lferr.InternalService, err, "corrupt LF-tag record %q: %v", k[len(p):], err)
		}
		pair := api.LFTagPair{CatalogId: cat, TagKey: rec.TagKey, TagValues: rec.TagValues}
		last = k[len(p):]
		if visible == nil || visible(&pair) {
			out.LFTags = append(out.LFTags, pair)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

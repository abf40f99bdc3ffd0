package lftag

import (
	"context"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// ValidateExpression checks an LF-tag expression against the catalog: at
// least one entry, no key twice, each entry 1 to 50 well-formed values,
// every key and value existing ("*" needs only the key). It returns the
// expression lower-cased. A missing key or value is EntityNotFoundException.
func ValidateExpression(tx *store.Tx, catalogID string, expr []api.LFTag) ([]api.LFTag, error) {
	if len(expr) == 0 {
		return nil, lferr.New(lferr.InvalidInput, "An LF-tag expression needs at least one LF-tag.")
	}
	out := make([]api.LFTag, len(expr))
	seen := make(map[string]bool, len(expr))
	for i, e := range expr {
		key, err := checkKey(e.TagKey)
		if err != nil {
			return nil, err
		}
		if seen[key] {
			return nil, lferr.New(lferr.InvalidInput, "LF-tag %s appears more than once in the expression; list its values in one entry.", key)
		}
		seen[key] = true
		if len(e.TagValues) == 0 || len(e.TagValues) > MaxValuesPerCall {
			return nil, lferr.New(lferr.InvalidInput, "LF-tag %s of the expression must list 1 to %d values, it lists %d.", key, MaxValuesPerCall, len(e.TagValues))
		}
		vals := make([]string, 0, len(e.TagValues))
		for _, v := range e.TagValues {
			if v == "*" {
				vals = append(vals, v)
				continue
			}
			lv, err := checkValue(key, v)
			if err != nil {
				return nil, err
			}
			vals = append(vals, lv)
		}
		rec, found, err := getTag(tx, catalogID, key)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, lferr.New(lferr.EntityNotFound, "Tag key %s in the expression does not exist.", key)
		}
		for _, v := range vals {
			if v != "*" && !rec.has(v) {
				return nil, lferr.New(lferr.EntityNotFound, "Tag value %s of tag key %s in the expression does not exist.", v, key)
			}
		}
		out[i] = api.LFTag{TagKey: key, TagValues: vals}
	}
	return out, nil
}

// checkExprName validates a saved expression's Name (NameString, 1–255).
// Names keep their case: LF does not say it folds them.
func checkExprName(name string) error {
	n := utf8.RuneCountInString(name)
	if n < 1 || n > MaxExpressionNameLen {
		return lferr.New(lferr.InvalidInput, "LF-tag expression name %q must be 1 to %d characters long, it has %d.", short(name), MaxExpressionNameLen, n)
	}
	return checkText("LF-tag expression name", name, false)
}

// checkText enforces the Glue/LF string patterns: any Unicode scalar from
// U+0020 and tab, plus CR and LF when multiLine; invalid UTF-8 never.
func checkText(what, s string, multiLine bool) error {
	if !utf8.ValidString(s) {
		return lferr.New(lferr.InvalidInput, "%s is not valid UTF-8.", what)
	}
	for _, r := range s {
		switch {
		case r == '\t', r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000:
		case multiLine && (r == '\n' || r == '\r'):
		default:
			return lferr.New(lferr.InvalidInput, "%s %q contains the character %U, which is not allowed.", what, short(s), r)
		}
	}
	return nil
}

func exprKey(catalogID, name string) string { return store.Key(catalogID, name) }

func notFoundExpr(name string) error {
	return lferr.New(lferr.EntityNotFound, "LF-tag expression %s not found.", name)
}

// checkExprInput validates a Create/Update request and returns the record
// to store.
func (t Txn) checkExprInput(in api.LFTagExpression) (string, api.LFTagExpression, error) {
	cat, err := t.catalogID(in.CatalogId)
	if err != nil {
		return "", api.LFTagExpression{}, err
	}
	if err := checkExprName(in.Name); err != nil {
		return "", api.LFTagExpression{}, err
	}
	if n := utf8.RuneCountInString(in.Description); n > MaxDescriptionLen {
		return "", api.LFTagExpression{}, lferr.New(lferr.InvalidInput, "Description of LF-tag expression %s is %d characters long; the limit is %d.", in.Name, n, MaxDescriptionLen)
	}
	if err := checkText("Description of LF-tag expression "+in.Name, in.Description, true); err != nil {
		return "", api.LFTagExpression{}, err
	}
	expr, err := ValidateExpression(t.tx, cat, in.Expression)
	if err != nil {
		return "", api.LFTagExpression{}, err
	}
	return cat, api.LFTagExpression{Name: in.Name, Description: in.Description, CatalogId: cat, Expression: expr}, nil
}

// CreateLFTagExpression saves a named LF-tag expression.
func (s *Service) CreateLFTagExpression(ctx context.Context, in api.CreateLFTagExpressionInput) error {
	return s.update(ctx, func(t Txn) error { return t.CreateLFTagExpression(in) })
}

// CreateLFTagExpression saves a named expression; its keys and values must
// exist. AlreadyExistsException for a taken name, and at most 1000 per
// catalog.
func (t Txn) CreateLFTagExpression(in api.CreateLFTagExpressionInput) error {
	cat, rec, err := t.checkExprInput(in)
	if err != nil {
		return err
	}
	if ok, err := t.tx.Has(BucketExpressions, exprKey(cat, rec.Name)); err != nil {
		return err
	} else if ok {
		return lferr.New(lferr.AlreadyExists, "LF-tag expression %s already exists.", rec.Name)
	}
	n, err := t.tx.Count(BucketExpressions, store.Prefix(cat))
	if err != nil {
		return err
	}
	if n >= MaxExpressions {
		return lferr.New(lferr.ResourceNumberLimitExceeded, "Catalog %s already has %d saved LF-tag expressions, the limit.", cat, MaxExpressions)
	}
	return t.tx.Put(BucketExpressions, exprKey(cat, rec.Name), rec)
}

// UpdateLFTagExpression replaces a saved expression's body and description.
func (s *Service) UpdateLFTagExpression(ctx context.Context, in api.UpdateLFTagExpressionInput) error {
	return s.update(ctx, func(t Txn) error { return t.UpdateLFTagExpression(in) })
}

// UpdateLFTagExpression replaces a saved expression's body and
// description. LFTagPolicy grants refer to it by name and resolve it at
// decision time, so they change with it at once, as LF specifies.
func (t Txn) UpdateLFTagExpression(in api.UpdateLFTagExpressionInput) error {
	cat, rec, err := t.checkExprInput(in)
	if err != nil {
		return err
	}
	if ok, err := t.tx.Has(BucketExpressions, exprKey(cat, rec.Name)); err != nil {
		return err
	} else if !ok {
		return notFoundExpr(rec.Name)
	}
	return t.tx.Put(BucketExpressions, exprKey(cat, rec.Name), rec)
}

// DeleteLFTagExpression deletes a saved expression.
func (s *Service) DeleteLFTagExpression(ctx context.Context, in api.DeleteLFTagExpressionInput) error {
	return s.update(ctx, func(t Txn) error { return t.DeleteLFTagExpression(in) })
}

// DeleteLFTagExpression deletes a saved expression, then runs the
// OnDeleteExpression hooks (LF deletes the grants that use it).
func (t Txn) DeleteLFTagExpression(in api.DeleteLFTagExpressionInput) error {
	cat, err := t.catalogID(in.CatalogId)
	if err != nil {
		return err
	}
	if err := checkExprName(in.Name); err != nil {
		return err
	}
	existed, err := t.tx.Delete(BucketExpressions, exprKey(cat, in.Name))
	if err != nil {
		return err
	}
	if !existed {
		return notFoundExpr(in.Name)
	}
	for _, h := range t.cfg.OnDeleteExpression {
		if err := h(t.tx, cat, in.Name); err != nil {
			return err
		}
	}
	return nil
}

// GetLFTagExpression returns a saved expression.
func (s *Service) GetLFTagExpression(ctx context.Context, in api.GetLFTagExpressionInput) (out *api.GetLFTagExpressionOutput, err error) {
	err = s.view(ctx, func(t Txn) error { out, err = t.GetLFTagExpression(in); return err })
	return out, err
}

// GetLFTagExpression returns a saved expression.
func (t Txn) GetLFTagExpression(in api.GetLFTagExpressionInput) (*api.GetLFTagExpressionOutput, error) {
	cat, err := t.catalogID(in.CatalogId)
	if err != nil {
		return nil, err
	}
	if err := checkExprName(in.Name); err != nil {
		return nil, err
	}
	rec, found, err := store.GetAs[api.LFTagExpression](t.tx, BucketExpressions, exprKey(cat, in.Name))
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, notFoundExpr(in.Name)
	}
	return &rec, nil
}

// ListLFTagExpressions lists saved expressions by name, a page at a time.
func (s *Service) ListLFTagExpressions(ctx context.Context, in api.ListLFTagExpressionsInput, visible func(*api.LFTagExpression) bool) (out *api.ListLFTagExpressionsOutput, err error) {
	err = s.view(ctx, func(t Txn) error { out, err = t.ListLFTagExpressions(in, visible); return err })
	return out, err
}

// ListLFTagExpressions lists saved expressions by name; visible, when not
// nil, keeps those the caller may describe (applied before paging).
func (t Txn) ListLFTagExpressions(in api.ListLFTagExpressionsInput, visible func(*api.LFTagExpression) bool) (*api.ListLFTagExpressionsOutput, error) {
	cat, err := t.catalogID(in.CatalogId)
	if err != nil {
		return nil, err
	}
	const op = "ListLFTagExpressions"
	limit, err := pageSize(op, in.MaxResults, MaxListExpressions)
	if err != nil {
		return nil, err
	}
	after, err := decodeToken(op, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &api.ListLFTagExpressionsOutput{}
	p := store.Prefix(cat)
	var last string
	err = t.tx.ScanAfter(BucketExpressions, p, p+after, func(k string, raw []byte) error {
		if len(out.LFTagExpressions) == limit {
			out.NextToken = encodeToken(op, last)
			return store.Stop
		}
		var rec api.LFTagExpression
		if err := json.Unmarshal(raw, &rec); err != nil {
			return lferr.Wrap(lferr.InternalService, err, "corrupt LF-tag expression record %q: %v", strings.ReplaceAll(k, store.Sep, "/"), err)
		}
		last = k[len(p):]
		if visible == nil || visible(&rec) {
			out.LFTagExpressions = append(out.LFTagExpressions, rec)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

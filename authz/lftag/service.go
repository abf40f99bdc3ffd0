package lftag

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/sluicedb/sluice/authz/catalog"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// Config customizes a Service.
type Config struct {
	// AccountID is the catalog used when a request has no CatalogId.
	AccountID string
	// OnDeleteTag hooks run inside the transaction of DeleteLFTag, after
	// the tag and its assignments are gone, so the grants subsystem can
	// drop or invalidate LFTag and LFTagPolicy grants that use the key. An
	// error aborts the deletion.
	OnDeleteTag []func(tx *store.Tx, catalogID, tagKey string) error
	// OnDeleteExpression hooks run inside the transaction of
	// DeleteLFTagExpression: LF deletes every LFTagPolicy grant that refers
	// to a deleted saved expression.
	OnDeleteExpression []func(tx *store.Tx, catalogID, name string) error
}

// Service runs the LF-tag APIs over one store: each method of Service is
// one API call in one transaction; the same methods on Txn run inside a
// transaction the caller holds. It does no authorization: the caller
// (the LF facade) checks CREATE_LF_TAG, ASSOCIATE, DESCRIBE, ... first.
type Service struct {
	db  *store.DB
	cat *catalog.Catalog
	cfg Config
}

// New returns the service over db; cat is the Data Catalog of the same
// store, used to check that tagged databases, tables and columns exist.
func New(db *store.DB, cat *catalog.Catalog, cfg Config) *Service {
	return &Service{db: db, cat: cat, cfg: cfg}
}

// In binds the service to a transaction the caller holds.
func (s *Service) In(tx *store.Tx) Txn {
	return Txn{tx: tx, cat: s.cat.In(tx, ""), cfg: &s.cfg}
}

// Txn is the service inside one transaction.
type Txn struct {
	tx  *store.Tx
	cat catalog.Txn
	cfg *Config
}

func (s *Service) update(ctx context.Context, fn func(Txn) error) error {
	if err := ctx.Err(); err != nil {
		return lferr.Wrap(lferr.OperationTimeout, err, "request cancelled: %v", err)
	}
	return s.db.Update(func(tx *store.Tx) error { return fn(s.In(tx)) })
}

func (s *Service) view(ctx context.Context, fn func(Txn) error) error {
	if err := ctx.Err(); err != nil {
		return lferr.Wrap(lferr.OperationTimeout, err, "request cancelled: %v", err)
	}
	return s.db.View(func(tx *store.Tx) error { return fn(s.In(tx)) })
}

// catalogID resolves a request's CatalogId (the account's when empty).
func (t Txn) catalogID(id string) (string, error) {
	if id == "" {
		id = t.cfg.AccountID
	}
	if id == "" {
		return "", lferr.New(lferr.InvalidInput, "CatalogId is required: no default account is configured.")
	}
	if err := catalog.CheckCatalogID(id); err != nil {
		return "", err
	}
	return id, nil
}

// Page tokens are opaque to clients: the operation's name and the last key
// returned, so a token of one listing is refused by another.
func encodeToken(op, last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(op + "\n" + last))
}

func decodeToken(op, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(raw), op+"\n"); ok && rest != "" {
			return rest, nil
		}
	}
	return "", lferr.New(lferr.InvalidInput, "The NextToken is not valid for %s.", op)
}

// pageSize applies a listing's default and bounds to MaxResults (0 = absent).
func pageSize(op string, max int32, limit int) (int, error) {
	if max == 0 {
		return limit, nil
	}
	if max < 1 || int(max) > limit {
		return 0, lferr.New(lferr.InvalidInput, "MaxResults of %s must be between 1 and %d, got %d.", op, limit, max)
	}
	return int(max), nil
}

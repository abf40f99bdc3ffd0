package engine

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/storage"
)

// query is one statement's authorization state: its id, the
// QueryAuthorizationId the control plane handed out on its first call,
// the metadata answers it received per table, and the credentials vended
// for it. Every integration call of the statement goes through its client,
// so the calls carry the same QuerySessionContext (rule 13) and the
// storage layer can only open what the answers allow (rule 11).
type query struct {
	s  *Session
	id string

	mu     sync.Mutex
	qaid   string
	tables map[string]*api.GetUnfilteredTableMetadataOutput // "db.table" → answer
	creds  map[string]*vended                               // "db.table|perms" → credentials
}

func (s *Session) newQuery() *query {
	return &query{s: s, id: newID(), tables: map[string]*api.GetUnfilteredTableMetadataOutput{}, creds: map[string]*vended{}}
}

func tableKey(db, table string) string { return strings.ToLower(db) + "." + strings.ToLower(table) }

// context returns the QuerySessionContext of the query's next call.
func (q *query) context(in *api.QuerySessionContext) *api.QuerySessionContext {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := &api.QuerySessionContext{}
	if in != nil {
		c := *in
		out = &c
	}
	out.QueryId = q.id
	if q.qaid != "" {
		out.QueryAuthorizationId = q.qaid
	}
	return out
}

func (q *query) noteQAID(id string) {
	q.mu.Lock()
	if q.qaid == "" {
		q.qaid = id
	}
	q.mu.Unlock()
}

// QueryAuthorizationID is the id the control plane gave this query ("" if
// it made no integration call).
func (q *query) QueryAuthorizationID() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.qaid
}

// client is the session's contract client for this query.
func (q *query) client() api.Client { return queryClient{Client: q.s.currentClient(), q: q} }

// queryClient stamps the query's context on every integration call and
// records the metadata answers.
type queryClient struct {
	api.Client
	q *query
}

func (c queryClient) GetUnfilteredTableMetadata(ctx context.Context, in *api.GetUnfilteredTableMetadataInput) (*api.GetUnfilteredTableMetadataOutput, error) {
	if in == nil {
		return nil, lferr.New(lferr.InvalidInput, "GetUnfilteredTableMetadata: no request")
	}
	req := *in
	req.QuerySessionContext = c.q.context(in.QuerySessionContext)
	out, err := c.Client.GetUnfilteredTableMetadata(ctx, &req)
	if err != nil {
		return nil, c.q.s.e.withSettingsHint(err)
	}
	if out == nil || out.Table == nil {
		return nil, lferr.New(lferr.InternalService, "GetUnfilteredTableMetadata returned no table for %s.%s", in.DatabaseName, in.Name)
	}
	c.q.noteQAID(out.QueryAuthorizationId)
	c.q.mu.Lock()
	c.q.tables[tableKey(in.DatabaseName, in.Name)] = out
	c.q.mu.Unlock()
	return out, nil
}

func (c queryClient) GetUnfilteredPartitionsMetadata(ctx context.Context, in *api.GetUnfilteredPartitionsMetadataInput) (*api.GetUnfilteredPartitionsMetadataOutput, error) {
	if in == nil {
		return nil, lferr.New(lferr.InvalidInput, "GetUnfilteredPartitionsMetadata: no request")
	}
	req := *in
	req.QuerySessionContext = c.q.context(in.QuerySessionContext)
	out, err := c.Client.GetUnfilteredPartitionsMetadata(ctx, &req)
	return out, c.q.s.e.withSettingsHint(err)
}

func (c queryClient) GetTemporaryGlueTableCredentials(ctx context.Context, in *api.GetTemporaryGlueTableCredentialsInput) (*api.GetTemporaryGlueTableCredentialsOutput, error) {
	if in == nil {
		return nil, lferr.New(lferr.InvalidInput, "GetTemporaryGlueTableCredentials: no request")
	}
	req := *in
	req.QuerySessionContext = c.q.context(in.QuerySessionContext)
	out, err := c.Client.GetTemporaryGlueTableCredentials(ctx, &req)
	return out, c.q.s.e.withSettingsHint(err)
}

// answer is the metadata answer this query received for a table, or nil.
func (q *query) answer(db, table string) *api.GetUnfilteredTableMetadataOutput {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.tables[tableKey(db, table)]
}

// authorize asks the control plane for a table's metadata with perms, for
// statements that reach a table the planner did not bind (CREATE TABLE AS
// writing the table it just created, DROP deleting managed data).
func (q *query) authorize(ctx context.Context, db, table string, perms []string) (*api.GetUnfilteredTableMetadataOutput, error) {
	return q.client().GetUnfilteredTableMetadata(ctx, &api.GetUnfilteredTableMetadataInput{
		CatalogId: q.s.e.accountID(), DatabaseName: db, Name: table,
		SupportedPermissionTypes: SupportedPermissionTypes, Permissions: perms,
	})
}

// unrestricted reports whether an answer gives the whole table: every
// column, every row and cell, no mask.
func unrestricted(md *api.GetUnfilteredTableMetadataOutput) bool {
	if md == nil || md.Table == nil {
		return false
	}
	all := 0
	if md.Table.StorageDescriptor != nil {
		all = len(md.Table.StorageDescriptor.Columns)
	}
	all += len(md.Table.PartitionKeys)
	if len(md.AuthorizedColumns) != all || all == 0 {
		return false
	}
	if f := strings.TrimSpace(md.RowFilter); f != "" && !strings.EqualFold(f, "TRUE") {
		return false
	}
	for _, cf := range md.CellFilters {
		if !strings.EqualFold(strings.TrimSpace(cf.RowFilterExpression), "TRUE") {
			return false
		}
	}
	return len(md.ColumnMasks) == 0
}

// checkWrite is rule 12 on the engine's side: the answer must hold each
// permission (or ALL) and no restriction of any kind. The control plane
// refuses such requests already; checking again costs nothing and keeps a
// lenient server from widening writes.
func checkWrite(md *api.GetUnfilteredTableMetadataOutput, db, table string, perms []string) error {
	for _, p := range perms {
		if !slices.Contains(md.Permissions, p) && !slices.Contains(md.Permissions, "ALL") {
			return lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s): %s on %s.%s is not granted", p, db, table)
		}
	}
	if !unrestricted(md) {
		return lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s): writing %s.%s needs access to the whole table, but a column, row, cell or mask restriction applies", db, table)
	}
	return nil
}

// queryStorage is the exec.StorageResolver of one query.
type queryStorage struct{ q *query }

func (r queryStorage) StoreFor(ctx context.Context, scan *plan.Scan, location string) (storage.Store, error) {
	if scan == nil {
		return nil, lferr.AssertionFailedf("StoreFor without a scan")
	}
	return r.q.store(ctx, scan.Database, scan.Table, location, nil)
}

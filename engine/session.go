package engine

import (
	"context"
	"strings"
	"sync"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/mask"
	"github.com/sluicedb/sluice/exec"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// Session runs SQL as one principal. It is not safe for concurrent use.
type Session struct {
	e        *Engine
	database string
	admin    bool
	role     string // as given to NewSession; "" for the administrator

	mu     sync.Mutex // guards caller and client, which a refresh replaces
	caller authz.Caller
	client api.Client

	// cur is the statement being run: its id, the answers and credentials
	// it holds. Streams (Rows) keep their own reference.
	cur *query
}

// currentClient is the contract client of the session's current role
// session, renewed when it nears expiry.
func (s *Session) currentClient() api.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client
}

// Database is the session's current database.
func (s *Session) Database() string { return s.database }

// Result is a fully materialized statement result.
type Result struct {
	Columns  []plan.Column
	Rows     [][]types.Value
	Affected int64  // rows inserted/deleted/updated by DML
	Message  string // what a DDL statement did, for the CLI
}

// Exec runs one statement and materializes its result.
func (s *Session) Exec(ctx context.Context, sql string) (*Result, error) {
	rows, err := s.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	res := &Result{Columns: rows.Columns, Affected: rows.Affected, Message: rows.Message}
	err = rows.Each(func(r []types.Value) error {
		res.Rows = append(res.Rows, append([]types.Value(nil), r...))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Query runs one statement and returns a stream of its result rows. The
// caller must Close the Rows.
func (s *Session) Query(ctx context.Context, sql string) (*Rows, error) {
	if strings.TrimSpace(sql) == "" {
		return nil, lferr.New(lferr.SyntaxError, "empty statement")
	}
	if err := s.ensureFresh(ctx); err != nil {
		return nil, err
	}
	s.cur = s.newQuery()
	stmt, err := s.newPlanner(s.database).Plan(ctx, sql)
	if err != nil {
		return nil, err
	}
	return s.run(ctx, stmt)
}

func (s *Session) run(ctx context.Context, stmt planner.Statement) (*Rows, error) {
	switch st := stmt.(type) {
	case *planner.Query:
		return s.openQuery(ctx, st.Plan, st.Columns)
	case *planner.Explain:
		text := plan.Explain(st.Plan, plan.ExplainOptions{ShowPolicyExpressions: s.admin})
		var out [][]types.Value
		for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
			out = append(out, []types.Value{types.NewString(line)})
		}
		return valueRows([]plan.Column{{Name: "plan", T: types.StringT}}, out), nil
	case *planner.Use:
		if _, err := s.cur.client().GetDatabase(ctx, st.Database); err != nil {
			return nil, err
		}
		s.database = strings.ToLower(st.Database)
		return messageRows("database changed to " + s.database), nil
	case *planner.ShowDatabases:
		dbs, err := s.cur.client().GetDatabases(ctx)
		if err != nil {
			return nil, err
		}
		out := make([][]types.Value, len(dbs))
		for i, d := range dbs {
			out[i] = []types.Value{types.NewString(d.Name)}
		}
		return valueRows([]plan.Column{{Name: "database", T: types.StringT}}, out), nil
	case *planner.ShowTables:
		db := st.Database
		if db == "" {
			db = s.database
		}
		tables, err := s.cur.client().GetTables(ctx, db)
		if err != nil {
			return nil, err
		}
		out := make([][]types.Value, len(tables))
		for i, t := range tables {
			out[i] = []types.Value{types.NewString(t.Name)}
		}
		return valueRows([]plan.Column{{Name: "table", T: types.StringT}}, out), nil
	case *planner.Describe:
		return s.describe(ctx, st.Database, st.Table)
	case *planner.NoOp:
		return messageRows(st.What), nil
	}
	return s.runDDLOrDML(ctx, stmt)
}

// describe lists the columns the caller may see (rule 8: unauthorized
// columns do not exist, not even in DESCRIBE), through the contract.
func (s *Session) describe(ctx context.Context, db, table string) (*Rows, error) {
	if db == "" {
		db = s.database
	}
	md, err := s.cur.client().GetUnfilteredTableMetadata(ctx, &api.GetUnfilteredTableMetadataInput{
		CatalogId: s.e.accountID(), DatabaseName: db, Name: table,
		SupportedPermissionTypes: SupportedPermissionTypes,
	})
	if err != nil {
		return nil, err
	}
	authorized := make(map[string]bool, len(md.AuthorizedColumns))
	for _, c := range md.AuthorizedColumns {
		authorized[strings.ToLower(c)] = true
	}
	var out [][]types.Value
	add := func(cols []api.Column, partition bool) {
		for _, c := range cols {
			if !authorized[strings.ToLower(c.Name)] {
				continue
			}
			extra := ""
			if partition {
				extra = "partition key"
			}
			out = append(out, []types.Value{types.NewString(c.Name), types.NewString(c.Type), types.NewString(extra)})
		}
	}
	if md.Table.StorageDescriptor != nil {
		add(md.Table.StorageDescriptor.Columns, false)
	}
	add(md.Table.PartitionKeys, true)
	cols := []plan.Column{{Name: "column", T: types.StringT}, {Name: "type", T: types.StringT}, {Name: "extra", T: types.StringT}}
	return valueRows(cols, out), nil
}

// Rows is a stream of result rows.
type Rows struct {
	Columns  []plan.Column
	Affected int64
	Message  string

	op     exec.Operator
	env    *exec.Env
	values [][]types.Value
	closed bool
}

func valueRows(cols []plan.Column, vals [][]types.Value) *Rows {
	return &Rows{Columns: cols, values: vals}
}

func messageRows(msg string) *Rows { return &Rows{Message: msg} }

func (s *Session) openQuery(ctx context.Context, n plan.Node, cols []plan.Column) (*Rows, error) {
	env := s.newEnv(ctx)
	op, err := exec.Build(n, env)
	if err != nil {
		return nil, err
	}
	if err := op.Init(ctx); err != nil {
		op.Close()
		return nil, err
	}
	return &Rows{Columns: cols, op: op, env: env}, nil
}

// newEnv is the execution environment of the current statement: its
// stores come only from the statement's own authorization (queryStorage).
func (s *Session) newEnv(ctx context.Context) *exec.Env {
	return &exec.Env{Ctx: ctx, Alloc: s.e.alloc, Storage: queryStorage{q: s.cur}}
}

// NextBatch returns the next batch of an operator-backed result, or nil at
// the end. Valid only until the next call.
func (r *Rows) NextBatch() (*exec.Batch, error) {
	if r.op == nil || r.closed {
		return nil, nil
	}
	b, err := r.op.Next()
	if err != nil || b == nil || (b.N == 0 && b.Len() == 0) {
		return nil, err
	}
	return b, nil
}

// Each calls fn for every row; the slice passed is reused between calls.
func (r *Rows) Each(fn func([]types.Value) error) error {
	if r.op == nil {
		for _, v := range r.values {
			if err := fn(v); err != nil {
				return err
			}
		}
		return nil
	}
	row := make([]types.Value, len(r.Columns))
	ts := make([]types.T, len(r.Columns))
	for i, c := range r.Columns {
		ts[i] = c.T
	}
	for {
		b, err := r.NextBatch()
		if err != nil {
			return err
		}
		if b == nil {
			return nil
		}
		if err := exec.EachRow(b, ts, row, fn); err != nil {
			return err
		}
	}
}

// Close releases the operators.
func (r *Rows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.op != nil {
		return r.op.Close()
	}
	return nil
}

// newPlanner returns a planner for the current statement: its calls carry
// the statement's query id and echo its QueryAuthorizationId.
func (s *Session) newPlanner(database string) *planner.Planner {
	return &planner.Planner{
		Client:                   s.cur.client(),
		CatalogID:                s.e.accountID(),
		Database:                 database,
		SupportedPermissionTypes: SupportedPermissionTypes,
		QueryID:                  s.cur.id,
		QueryAuthorizationID:     s.cur.QueryAuthorizationID(),
		Principal:                s.maskPrincipal(),
	}
}

// maskPrincipal is who masks are specialized for: the role session's ARN,
// account and session tags, or the account root for the administrator.
func (s *Session) maskPrincipal() mask.Principal {
	if s.admin {
		c := s.e.cp.Admin()
		return mask.Principal{ARN: c.Principal, Account: c.Account}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tags := make(map[string]string, len(s.caller.SessionTags))
	for k, v := range s.caller.SessionTags {
		tags[k] = v
	}
	return mask.Principal{ARN: s.caller.Principal, Account: s.caller.Account, Tags: tags}
}

// QueryID is the id of the session's last statement (QuerySessionContext
// QueryId of its integration calls, and of its audit events).
func (s *Session) QueryID() string {
	if s.cur == nil {
		return ""
	}
	return s.cur.id
}

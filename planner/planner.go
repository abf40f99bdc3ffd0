package planner

import (
	"context"
	"errors"
	"runtime/debug"
	"strings"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/mask"
	"github.com/sluicedb/sluice/planner/opt"
	"github.com/sluicedb/sluice/planner/plan"
)

// DefaultCatalogID is the account whose catalog the planner reads when
// Planner.CatalogID is empty.
const DefaultCatalogID = "111122223333"

// Planner plans SQL statements for one session. It is cheap to construct;
// a value must not be used by several goroutines at once because it
// records the QueryAuthorizationId handed out by the control plane.
type Planner struct {
	Client                   api.Client // Catalog + Integration, bound to the session's caller
	CatalogID                string     // default DefaultCatalogID
	Database                 string     // current database ("default" if unset)
	SupportedPermissionTypes []string   // what the engine declares
	QueryID                  string     // QuerySessionContext.QueryId
	// QueryAuthorizationID is the id the control plane returned on the
	// first authorization call of this query; later calls echo it.
	QueryAuthorizationID string
	// Principal is who the session runs as (ARN, account, session tags):
	// column masks are specialized for it (secure.go). The engine fills it.
	Principal mask.Principal
}

// bail carries an error out of deep recursion to Plan, which recovers it.
// It never crosses the package boundary.
type bail struct{ err error }

func fail(err error) { panic(bail{err}) }

func failf(c lferr.Code, format string, args ...any) { fail(lferr.New(c, format, args...)) }

var parserInstance = func() *sqlparser.Parser {
	p, err := sqlparser.New(sqlparser.Options{MySQLServerVersion: "8.0.30"})
	if err != nil {
		// Options are constant; failure here is a build problem, not input.
		panic(err)
	}
	return p
}()

// Plan parses and plans one SQL statement (see SplitStatements for
// scripts). Errors carry lferr codes: SyntaxError, UnknownTable,
// UnknownColumn, TypeError, Unsupported, AccessDeniedException, ...
func (p *Planner) Plan(ctx context.Context, sql string) (st Statement, err error) {
	defer func() {
		if r := recover(); r != nil {
			if b, ok := r.(bail); ok {
				st, err = nil, b.err
				return
			}
			st, err = nil, lferr.AssertionFailedf("planner panic: %v\n%s", r, debug.Stack())
		}
	}()
	if p.Client == nil {
		return nil, lferr.AssertionFailedf("planner has no catalog client")
	}
	b := newBuilder(ctx, p)
	return b.statement(sql), nil
}

type builder struct {
	ctx    context.Context
	p      *Planner
	db     string // default database for unqualified names (changes inside views)
	tables map[string]*boundTable
	views  int // nesting depth of views being expanded
}

func newBuilder(ctx context.Context, p *Planner) *builder {
	db := strings.ToLower(p.Database)
	if db == "" {
		db = "default"
	}
	return &builder{ctx: ctx, p: p, db: db, tables: map[string]*boundTable{}}
}

func (b *builder) catalogID() string {
	if b.p.CatalogID != "" {
		return b.p.CatalogID
	}
	return DefaultCatalogID
}

// statement plans one statement's text.
func (b *builder) statement(sql string) Statement {
	sql = strings.TrimSpace(sql)
	sql = strings.TrimSuffix(sql, ";")
	if len(sql) > maxStatementBytes {
		failf(lferr.InvalidInput, "statement is %d bytes; the limit is %d", len(sql), maxStatementBytes)
	}
	if d := nestingDepth(sql); d > maxNesting {
		failf(lferr.SyntaxError, "statement nests parentheses %d deep; the limit is %d", d, maxNesting)
	}
	if isCreateExternal(sql) {
		return b.createExternal(sql)
	}
	if st := b.compoundStatement(sql); st != nil {
		return st
	}
	ast := parse(rewriteAggAll(sql))
	return b.astStatement(ast, sql)
}

// parse runs vitess and turns its error into one SyntaxError line.
func parse(sql string) sqlparser.Statement {
	ast, err := parserInstance.ParseStrictDDL(sql)
	if err != nil {
		var pe sqlparser.PositionedErr
		if errors.As(err, &pe) {
			if pe.Near != "" {
				failf(lferr.SyntaxError, "syntax error at position %d near '%s'", pe.Pos, pe.Near)
			}
			failf(lferr.SyntaxError, "syntax error at position %d", pe.Pos)
		}
		msg := err.Error()
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		fail(lferr.Wrap(lferr.SyntaxError, err, "syntax error: %s", strings.TrimSpace(msg)))
	}
	if ast == nil {
		failf(lferr.SyntaxError, "empty statement")
	}
	return ast
}

func (b *builder) astStatement(ast sqlparser.Statement, text string) Statement {
	switch s := ast.(type) {
	case *sqlparser.Select, *sqlparser.Union:
		return b.query(s.(sqlparser.TableStatement))
	case *sqlparser.ExplainStmt:
		switch q := s.Statement.(type) {
		case *sqlparser.Select, *sqlparser.Union:
			return &Explain{Plan: b.query(q.(sqlparser.TableStatement)).Plan}
		}
		failf(lferr.Unsupported, "EXPLAIN supports SELECT statements only")
	case *sqlparser.ExplainTab:
		db, name := b.tableName(s.Table)
		return &Describe{Database: db, Table: name}
	case *sqlparser.Show:
		return b.show(s)
	case *sqlparser.Use:
		name := s.DBName.String()
		if name == "" {
			failf(lferr.SyntaxError, "USE needs a database name")
		}
		return &Use{Database: strings.ToLower(name)}
	case *sqlparser.CreateDatabase:
		return &CreateDatabase{Name: strings.ToLower(s.DBName.String()), IfNotExists: s.IfNotExists}
	case *sqlparser.DropDatabase:
		return &DropDatabase{Name: strings.ToLower(s.DBName.String()), IfExists: s.IfExists}
	case *sqlparser.CreateTable:
		return b.createTable(s)
	case *sqlparser.DropTable:
		if len(s.FromTables) != 1 {
			failf(lferr.Unsupported, "DROP TABLE of several tables at once is not supported; drop them one at a time")
		}
		db, name := b.tableName(s.FromTables[0])
		return &DropTable{Database: db, Name: name, IfExists: s.IfExists}
	case *sqlparser.CreateView:
		return b.createView(s, text)
	case *sqlparser.DropView:
		if len(s.FromTables) != 1 {
			failf(lferr.Unsupported, "DROP VIEW of several views at once is not supported; drop them one at a time")
		}
		db, name := b.tableName(s.FromTables[0])
		return &DropView{Database: db, Name: name, IfExists: s.IfExists}
	case *sqlparser.AlterTable:
		// vitess turns CREATE [UNIQUE] INDEX and DROP INDEX ... ON t into
		// ALTER TABLE; sluice has no indexes, so these are accepted no-ops.
		// (MySQL's DROP INDEX needs ON table, so a bare DROP INDEX is a
		// syntax error, as in MySQL.) The table must exist.
		if len(s.AlterOptions) == 1 {
			what := ""
			switch s.AlterOptions[0].(type) {
			case *sqlparser.AddIndexDefinition:
				what = "CREATE INDEX"
			case *sqlparser.DropKey:
				what = "DROP INDEX"
			}
			if what != "" {
				db, name := b.tableName(s.Table)
				if _, err := b.p.Client.GetTable(b.ctx, db, name); err != nil {
					if lferr.CodeOf(err) == lferr.EntityNotFound {
						fail(lferr.Wrap(lferr.UnknownTable, err, "table %s.%s does not exist", db, name))
					}
					fail(err)
				}
				return &NoOp{What: what}
			}
		}
		failf(lferr.Unsupported, "ALTER TABLE is not supported")
	case *sqlparser.Insert:
		return b.insert(s)
	case *sqlparser.Delete:
		return b.delete(s)
	case *sqlparser.Update:
		return b.update(s)
	}
	failf(lferr.Unsupported, "statement not supported: %s", firstWords(text))
	return nil
}

// firstWords names a statement in an error without echoing all of it.
func firstWords(s string) string {
	f := strings.Fields(s)
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.ToUpper(strings.Join(f, " "))
}

func (b *builder) tableName(t sqlparser.TableName) (db, name string) {
	db = strings.ToLower(t.Qualifier.String())
	if db == "" {
		db = b.db
	}
	return db, strings.ToLower(t.Name.String())
}

func (b *builder) show(s *sqlparser.Show) Statement {
	sb, ok := s.Internal.(*sqlparser.ShowBasic)
	if !ok {
		failf(lferr.Unsupported, "this SHOW statement is not supported")
	}
	if sb.Filter != nil {
		failf(lferr.Unsupported, "SHOW ... LIKE/WHERE is not supported")
	}
	switch sb.Command {
	case sqlparser.Database:
		return &ShowDatabases{}
	case sqlparser.Table:
		db := strings.ToLower(sb.DbName.String())
		if db == "" {
			db = b.db
		}
		return &ShowTables{Database: db}
	case sqlparser.Column:
		db, name := b.tableName(sb.Tbl)
		if q := strings.ToLower(sb.DbName.String()); q != "" {
			db = q
		}
		return &Describe{Database: db, Table: name}
	}
	failf(lferr.Unsupported, "this SHOW statement is not supported")
	return nil
}

func (b *builder) query(ts sqlparser.TableStatement) *Query {
	n, cols := b.planTop(ts)
	return &Query{Plan: n, Columns: cols}
}

// planTop plans a top-level query (no enclosing scope).
func (b *builder) planTop(ts sqlparser.TableStatement) (plan.Node, []plan.Column) {
	n := b.finish(b.planQuery(ts, nil, &level{}))
	return n, n.Schema()
}

// compoundStatement plans [EXPLAIN] SELECT ... INTERSECT / EXCEPT ...,
// which vitess cannot parse; nil when sql is not one.
func (b *builder) compoundStatement(sql string) Statement {
	body, explain := sql, false
	if ws := topLevelWords(sql); len(ws) > 0 && ws[0].w == "explain" {
		body, explain = sql[ws[0].end:], true
	}
	parts, tail, ok := splitCompound(body)
	if !ok {
		return nil
	}
	n := b.finish(b.compound(parts, tail))
	if explain {
		return &Explain{Plan: n}
	}
	return &Query{Plan: n, Columns: n.Schema()}
}

// Limits that keep hostile input from exhausting the stack: parsing and
// binding recurse once per nesting level.
const (
	maxStatementBytes = 16 << 20
	maxNesting        = 500
)

// nestingDepth is the deepest parenthesis nesting outside quotes and
// comments.
func nestingDepth(sql string) int {
	depth, deepest := 0, 0
	scanSQL(sql, func(i, j int) {
		for k := i; k < j; k++ {
			switch sql[k] {
			case '(':
				depth++
				deepest = max(deepest, depth)
			case ')':
				depth--
			}
		}
	})
	return deepest
}

// finish runs the rewrite rules over a complete plan, lists partitions
// with the predicates that reached each scan, and prunes columns.
func (b *builder) finish(n plan.Node) plan.Node {
	n = opt.PushFilters(opt.Decorrelate(n))
	b.resolvePartitions(n)
	return opt.PruneColumns(n)
}

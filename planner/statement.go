package planner

import (
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/planner/plan"
)

// Statement is one planned SQL statement; the engine executes it. It is one
// of the exported structs of this file.
type Statement interface{ statement() }

// Query is a SELECT (or UNION): run Plan, name the result columns Columns.
type Query struct {
	Plan    plan.Node
	Columns []plan.Column
}

// Explain is EXPLAIN <select>: the engine prints plan.Explain(Plan, ...).
type Explain struct{ Plan plan.Node }

// CreateDatabase is CREATE DATABASE.
type CreateDatabase struct {
	Name        string
	IfNotExists bool
	Location    string
}

// DropDatabase is DROP DATABASE.
type DropDatabase struct {
	Name     string
	IfExists bool
}

// CreateTable is CREATE [EXTERNAL] TABLE, possibly AS SELECT. Columns and
// PartitionKeys carry Glue type strings. InferSchema is set for an external
// table declared without a column list: the engine reads the schema from
// the files.
type CreateTable struct {
	Database, Name string
	Columns        []api.Column
	PartitionKeys  []api.Column
	Location       string
	External       bool
	IfNotExists    bool
	AsSelect       *Query
	InferSchema    bool
	Properties     map[string]string // TBLPROPERTIES
}

// DropTable is DROP TABLE (one per table named).
type DropTable struct {
	Database, Name string
	IfExists       bool
}

// CreateView is CREATE [OR REPLACE] VIEW; SQL is the text of the SELECT.
// Columns are the view's output columns (Glue types), planned with the
// creator's rights; storing them in the view's StorageDescriptor lets the
// control plane authorize the view's columns (an LF view without columns
// is DESCRIBE-only).
type CreateView struct {
	Database, Name string
	SQL            string
	OrReplace      bool
	Columns        []api.Column
}

// DropView is DROP VIEW.
type DropView struct {
	Database, Name string
	IfExists       bool
}

// Insert appends the rows of Source to Table. Source produces exactly the
// table's columns (StorageDescriptor.Columns then PartitionKeys), in that
// order, already cast to their types; columns the statement did not name
// are NULL.
type Insert struct {
	Table  *api.Table
	Source plan.Node
}

// Delete removes the rows of Table where Where is true (nil: all rows).
// ColRefs index the table's full column list (columns then partition keys).
type Delete struct {
	Table *api.Table
	Where plan.Expr
}

// Update sets Set[i] (column index → new value, same indexing as Delete) on
// the rows where Where is true (nil: all rows). Values are cast to the
// column types.
type Update struct {
	Table *api.Table
	Set   map[int]plan.Expr
	Where plan.Expr
}

// ShowDatabases is SHOW DATABASES.
type ShowDatabases struct{}

// ShowTables is SHOW TABLES [FROM db].
type ShowTables struct{ Database string }

// Describe is DESCRIBE db.table.
type Describe struct{ Database, Table string }

// Use is USE db.
type Use struct{ Database string }

// NoOp is a statement accepted for compatibility that has no effect
// (CREATE [UNIQUE] INDEX ... ON t, DROP INDEX ... ON t; t must exist).
type NoOp struct{ What string }

func (*Query) statement()          {}
func (*Explain) statement()        {}
func (*CreateDatabase) statement() {}
func (*DropDatabase) statement()   {}
func (*CreateTable) statement()    {}
func (*DropTable) statement()      {}
func (*CreateView) statement()     {}
func (*DropView) statement()       {}
func (*Insert) statement()         {}
func (*Delete) statement()         {}
func (*Update) statement()         {}
func (*ShowDatabases) statement()  {}
func (*ShowTables) statement()     {}
func (*Describe) statement()       {}
func (*Use) statement()            {}
func (*NoOp) statement()           {}

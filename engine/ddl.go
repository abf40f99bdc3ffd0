package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/planner/types"
	"github.com/sluicedb/sluice/storage"
	"github.com/sluicedb/sluice/storage/parquetio"
)

// Table parameters sluice sets. Managed tables own their data: DROP TABLE
// deletes it. External tables (CREATE EXTERNAL TABLE) never lose data to a
// DROP, as in Athena.
const (
	paramClassification = "classification"
	paramExternal       = "EXTERNAL"
)

func (s *Session) runDDLOrDML(ctx context.Context, stmt planner.Statement) (*Rows, error) {
	switch st := stmt.(type) {
	case *planner.CreateDatabase:
		return s.createDatabase(ctx, st)
	case *planner.DropDatabase:
		return s.dropDatabase(ctx, st)
	case *planner.CreateTable:
		return s.createTable(ctx, st)
	case *planner.DropTable:
		return s.dropTable(ctx, st.Database, st.Name, st.IfExists, false)
	case *planner.CreateView:
		return s.createView(ctx, st)
	case *planner.DropView:
		return s.dropTable(ctx, st.Database, st.Name, st.IfExists, true)
	case *planner.Insert:
		return s.insert(ctx, st)
	case *planner.Delete:
		return s.rewrite(ctx, st.Table, st.Where, nil)
	case *planner.Update:
		return s.rewrite(ctx, st.Table, st.Where, st.Set)
	}
	return nil, lferr.AssertionFailedf("engine: statement %T not handled", stmt)
}

func (s *Session) dbName(db string) string {
	if db == "" {
		return s.database
	}
	return strings.ToLower(db)
}

// databaseLocation is where a new database's tables go by default.
func (e *Engine) databaseLocation(name string) string {
	if e.warehouse == "" {
		return "" // the control plane's default: file://HOME/warehouse/<db>.db/
	}
	return e.warehouse + name + ".db/"
}

func (s *Session) createDatabase(ctx context.Context, st *planner.CreateDatabase) (*Rows, error) {
	if err := s.checkLocation("database "+st.Name, st.Location); err != nil {
		return nil, err
	}
	loc := st.Location
	if loc == "" {
		loc = s.e.databaseLocation(strings.ToLower(st.Name))
	}
	err := s.cur.client().CreateDatabase(ctx, api.DatabaseInput{Name: st.Name, LocationUri: loc})
	if err != nil {
		if st.IfNotExists && lferr.CodeOf(err) == lferr.AlreadyExists {
			return messageRows("database " + st.Name + " already exists"), nil
		}
		return nil, err
	}
	return messageRows("created database " + strings.ToLower(st.Name)), nil
}

func (s *Session) dropDatabase(ctx context.Context, st *planner.DropDatabase) (*Rows, error) {
	name := strings.ToLower(st.Name)
	if _, err := s.cur.client().GetDatabase(ctx, name); err != nil {
		if st.IfExists && lferr.CodeOf(err) == lferr.EntityNotFound {
			return messageRows("database " + name + " does not exist"), nil
		}
		return nil, err
	}
	if name == "default" {
		return nil, lferr.New(lferr.InvalidInput, "the default database cannot be dropped")
	}
	tables, err := s.cur.client().GetTables(ctx, name)
	if err != nil {
		return nil, err
	}
	stores := make([]storage.Store, len(tables))
	for i := range tables {
		if stores[i], err = s.managedDataStore(ctx, &tables[i]); err != nil {
			return nil, err
		}
	}
	// Managed data is deleted after the catalog change commits: a failure
	// in between leaves orphaned files, never a table pointing at nothing.
	if err := s.cur.client().DeleteDatabase(ctx, name); err != nil {
		return nil, err
	}
	for _, st := range stores {
		deleteAll(ctx, st)
	}
	return messageRows("dropped database " + name), nil
}

func tableLocation(t *api.Table) string {
	if t.StorageDescriptor == nil {
		return ""
	}
	return t.StorageDescriptor.Location
}

func isManaged(t *api.Table) bool {
	return t.TableType != api.VirtualView && !strings.EqualFold(t.Parameters[paramExternal], "TRUE")
}

// managedDataStore opens, before a DROP, the store of a managed table's
// data so the data can be deleted once the catalog entry is gone (nil for
// views and external tables). A principal needs credentials vended for
// DELETE: DROP alone would leave the files behind, and a table created
// later at the same location would then show them, so the DROP is refused
// instead.
func (s *Session) managedDataStore(ctx context.Context, t *api.Table) (storage.Store, error) {
	if !isManaged(t) || tableLocation(t) == "" {
		return nil, nil
	}
	if s.admin {
		st, err := storage.Open(ctx, tableLocation(t))
		if err != nil {
			return nil, nil // nothing this engine can delete; the DROP itself proceeds
		}
		return st, nil
	}
	if _, err := s.cur.authorize(ctx, t.DatabaseName, t.Name, []string{"DROP", "DELETE"}); err != nil {
		return nil, lferr.Wrap(lferr.CodeOf(err), err, "dropping managed table %s.%s deletes its data too, which needs DROP and DELETE on it: %s",
			t.DatabaseName, t.Name, lferr.MessageOf(err))
	}
	return s.cur.store(ctx, t.DatabaseName, t.Name, tableLocation(t), []string{"DELETE"})
}

// deleteAll removes every object of st (nil: nothing). Failures leave
// orphaned files, never a broken table, so they are not reported.
func deleteAll(ctx context.Context, st storage.Store) {
	if st == nil {
		return
	}
	objs, err := st.List(ctx, "")
	if err != nil {
		return
	}
	for _, o := range objs {
		_ = st.Delete(ctx, o.Key)
	}
}

// tableColumns returns the table's full column list: data columns, then
// partition keys, with their logical types.
func tableColumns(t *api.Table) ([]parquetio.Column, int, error) {
	var cols []parquetio.Column
	var data []api.Column
	if t.StorageDescriptor != nil {
		data = t.StorageDescriptor.Columns
	}
	for _, c := range append(append([]api.Column(nil), data...), t.PartitionKeys...) {
		typ, err := types.ParseGlue(c.Type)
		if err != nil {
			return nil, 0, lferr.Wrap(lferr.InvalidInput, err, "table %s column %s: %v", t.Name, c.Name, err)
		}
		cols = append(cols, parquetio.Column{Name: c.Name, T: typ})
	}
	return cols, len(data), nil
}

func (s *Session) createTable(ctx context.Context, st *planner.CreateTable) (*Rows, error) {
	dbName := s.dbName(st.Database)
	db, err := s.cur.client().GetDatabase(ctx, dbName)
	if err != nil {
		return nil, err
	}
	exists := func() (*Rows, error) {
		if st.IfNotExists {
			return messageRows(fmt.Sprintf("table %s.%s already exists", dbName, strings.ToLower(st.Name))), nil
		}
		return nil, lferr.New(lferr.AlreadyExists, "Table %s already exists in database %s", strings.ToLower(st.Name), dbName)
	}
	// A role session is told the same for a table it may not see as for a
	// missing one, so only the administrator checks first; for a
	// principal, CreateTable itself answers AlreadyExists or refuses.
	if s.admin {
		if existing, err := s.cur.client().GetTable(ctx, dbName, st.Name); err == nil && existing != nil {
			return exists()
		} else if err != nil && lferr.CodeOf(err) != lferr.EntityNotFound {
			return nil, err
		}
	}
	if err := s.checkLocation("table "+dbName+"."+st.Name, st.Location); err != nil {
		return nil, err
	}
	loc := st.Location
	if loc == "" {
		if st.External {
			return nil, lferr.New(lferr.InvalidInput, "CREATE EXTERNAL TABLE needs a LOCATION")
		}
		base := db.LocationUri
		if base == "" {
			return nil, lferr.New(lferr.InvalidInput, "database %s has no location; give the table a LOCATION", dbName)
		}
		if !strings.HasSuffix(base, "/") {
			base += "/"
		}
		loc = base + strings.ToLower(st.Name) + "/"
	}
	loc = normalizeLocation(loc)
	params := map[string]string{paramClassification: "parquet"}
	for k, v := range st.Properties {
		params[k] = v
	}
	if st.External {
		params[paramExternal] = "TRUE"
	}
	in := api.TableInput{
		Name:          st.Name,
		TableType:     api.ExternalTable,
		Parameters:    params,
		PartitionKeys: st.PartitionKeys,
		StorageDescriptor: &api.StorageDescriptor{
			Columns:      st.Columns,
			Location:     loc,
			InputFormat:  "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
			OutputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
			SerdeInfo:    &api.SerDeInfo{SerializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
		},
	}
	var partitions []api.PartitionInput
	if st.InferSchema {
		if !s.admin {
			// Inference reads files at a location no table names yet, so
			// no credentials can be vended for it.
			return nil, lferr.New(lferr.AccessDenied, "CREATE EXTERNAL TABLE without columns reads the files at its LOCATION to infer them, which a principal's session has no credentials for: list the columns")
		}
		cols, keys, parts, err := inferSchema(ctx, loc)
		if err != nil {
			return nil, err
		}
		in.StorageDescriptor.Columns, in.PartitionKeys, partitions = cols, keys, parts
	}
	if st.AsSelect != nil {
		in.StorageDescriptor.Columns = nil
		for _, c := range st.AsSelect.Columns {
			in.StorageDescriptor.Columns = append(in.StorageDescriptor.Columns, api.Column{Name: c.Name, Type: c.T.GlueName()})
		}
	}
	if err := s.cur.client().CreateTable(ctx, dbName, in); err != nil {
		if lferr.CodeOf(err) == lferr.AlreadyExists {
			return exists()
		}
		return nil, err
	}
	if len(partitions) > 0 {
		if err := s.cur.client().BatchCreatePartition(ctx, dbName, st.Name, partitions); err != nil {
			_ = s.cur.client().DeleteTable(ctx, dbName, st.Name)
			return nil, err
		}
	}
	msg := fmt.Sprintf("created table %s.%s", dbName, strings.ToLower(st.Name))
	if st.AsSelect != nil {
		t, err := s.cur.client().GetTable(ctx, dbName, st.Name)
		if err == nil && !s.admin {
			// The planner bound the source tables; the new table is
			// authorized for the write here (its creator holds ALL on it).
			_, err = s.cur.authorize(ctx, dbName, st.Name, []string{"INSERT"})
		}
		if err != nil {
			_ = s.cur.client().DeleteTable(ctx, dbName, st.Name)
			return nil, err
		}
		n, _, err := s.writeQuery(ctx, t, st.AsSelect.Plan)
		if err != nil {
			// CREATE TABLE AS is all or nothing.
			_ = s.cur.client().DeleteTable(ctx, dbName, st.Name)
			return nil, err
		}
		msg += fmt.Sprintf(" with %d rows", n)
	}
	return messageRows(msg), nil
}

// checkLocation refuses an explicit LOCATION from a principal's session.
// Pointing a catalog object at a location needs DATA_LOCATION_ACCESS on it
// in Lake Formation; the contract gives the engine no way to check that,
// and a table placed over another table's files would be vended
// credentials for them. So only the administrator chooses locations; a
// principal's tables go under their database's location.
func (s *Session) checkLocation(what, loc string) error {
	if s.admin || loc == "" {
		return nil
	}
	return lferr.New(lferr.AccessDenied, "%s: a LOCATION needs DATA_LOCATION_ACCESS on it, which this engine cannot verify for a principal's session; omit LOCATION (the table goes under its database) or ask an administrator", what)
}

// normalizeLocation turns a plain absolute path into a file:// URI and makes
// sure a location ends with '/'.
func normalizeLocation(loc string) string {
	if strings.HasPrefix(loc, "/") {
		loc = "file://" + loc
	}
	if !strings.HasSuffix(loc, "/") {
		loc += "/"
	}
	return loc
}

func (s *Session) createView(ctx context.Context, st *planner.CreateView) (*Rows, error) {
	dbName := s.dbName(st.Database)
	// Plan the view's query now: a broken view is refused at creation, and
	// its columns are recorded in the catalog as Glue and Athena do, so
	// that grants and AuthorizedColumns can name them.
	planned, err := s.newPlanner(dbName).Plan(ctx, st.SQL)
	if err != nil {
		return nil, err
	}
	q, ok := planned.(*planner.Query)
	if !ok {
		return nil, lferr.New(lferr.InvalidInput, "a view must be defined by a SELECT")
	}
	cols := make([]api.Column, len(q.Columns))
	for i, c := range q.Columns {
		cols[i] = api.Column{Name: c.Name, Type: c.T.GlueName()}
	}
	in := api.TableInput{Name: st.Name, TableType: api.VirtualView, ViewOriginalText: st.SQL, ViewExpandedText: st.SQL,
		StorageDescriptor: &api.StorageDescriptor{Columns: cols}}
	existing, err := s.cur.client().GetTable(ctx, dbName, st.Name)
	switch {
	case err == nil && existing != nil:
		if !st.OrReplace {
			return nil, lferr.New(lferr.AlreadyExists, "Table %s already exists in database %s", strings.ToLower(st.Name), dbName)
		}
		if existing.TableType != api.VirtualView {
			return nil, lferr.New(lferr.InvalidInput, "%s.%s is a table, not a view", dbName, strings.ToLower(st.Name))
		}
		err = s.cur.client().UpdateTable(ctx, dbName, in)
	case lferr.CodeOf(err) == lferr.EntityNotFound, !s.admin && lferr.CodeOf(err) == lferr.AccessDenied:
		// (a role session cannot tell a missing table from a hidden one;
		// CreateTable decides)
		err = s.cur.client().CreateTable(ctx, dbName, in)
	}
	if err != nil {
		return nil, err
	}
	return messageRows(fmt.Sprintf("created view %s.%s", dbName, strings.ToLower(st.Name))), nil
}

func (s *Session) dropTable(ctx context.Context, db, name string, ifExists, view bool) (*Rows, error) {
	dbName := s.dbName(db)
	what := "table"
	if view {
		what = "view"
	}
	t, err := s.cur.client().GetTable(ctx, dbName, name)
	if err != nil {
		if ifExists && lferr.CodeOf(err) == lferr.EntityNotFound {
			return messageRows(fmt.Sprintf("%s %s.%s does not exist", what, dbName, strings.ToLower(name))), nil
		}
		return nil, err
	}
	if view != (t.TableType == api.VirtualView) {
		if view {
			return nil, lferr.New(lferr.InvalidInput, "%s.%s is a table, not a view: use DROP TABLE", dbName, t.Name)
		}
		return nil, lferr.New(lferr.InvalidInput, "%s.%s is a view: use DROP VIEW", dbName, t.Name)
	}
	data, err := s.managedDataStore(ctx, t)
	if err != nil {
		return nil, err
	}
	if err := s.cur.client().DeleteTable(ctx, dbName, name); err != nil {
		return nil, err
	}
	deleteAll(ctx, data)
	return messageRows(fmt.Sprintf("dropped %s %s.%s", what, dbName, t.Name)), nil
}

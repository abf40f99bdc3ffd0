package planner

import (
	"context"
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
)

// fakeClient is an in-memory api.Client: tables with optional per-table
// authorization answers, and a log of the integration calls it received.
type fakeClient struct {
	tables     map[string]*api.Table // "db.name"
	answers    map[string]*api.GetUnfilteredTableMetadataOutput
	partitions map[string][]api.Partition
	calls      []*api.GetUnfilteredTableMetadataInput
	partCalls  []*api.GetUnfilteredPartitionsMetadataInput
}

func newFake() *fakeClient {
	return &fakeClient{tables: map[string]*api.Table{}, answers: map[string]*api.GetUnfilteredTableMetadataOutput{}, partitions: map[string][]api.Partition{}}
}

// add registers a table; cols are "name type" pairs.
func (f *fakeClient) add(db, name string, cols ...string) *api.Table {
	t := &api.Table{Name: name, DatabaseName: db, TableType: api.ExternalTable,
		StorageDescriptor: &api.StorageDescriptor{Location: "mem://" + db + "/" + name}}
	for _, c := range cols {
		p := strings.Fields(c)
		t.StorageDescriptor.Columns = append(t.StorageDescriptor.Columns, api.Column{Name: p[0], Type: p[1]})
	}
	f.tables[db+"."+name] = t
	return t
}

func (f *fakeClient) addView(db, name, sql string) {
	f.tables[db+"."+name] = &api.Table{Name: name, DatabaseName: db, TableType: api.VirtualView, ViewOriginalText: sql}
}

func (f *fakeClient) GetUnfilteredTableMetadata(_ context.Context, in *api.GetUnfilteredTableMetadataInput) (*api.GetUnfilteredTableMetadataOutput, error) {
	f.calls = append(f.calls, in)
	key := in.DatabaseName + "." + in.Name
	t, ok := f.tables[key]
	if !ok {
		return nil, lferr.New(lferr.EntityNotFound, "Table %s not found", in.Name)
	}
	out := &api.GetUnfilteredTableMetadataOutput{Table: t, QueryAuthorizationId: "qa-1", IsRegisteredWithLakeFormation: true}
	if a, ok := f.answers[key]; ok {
		cp := *a
		cp.Table = t
		cp.QueryAuthorizationId = "qa-1"
		return &cp, nil
	}
	if t.StorageDescriptor != nil {
		for _, c := range t.StorageDescriptor.Columns {
			out.AuthorizedColumns = append(out.AuthorizedColumns, c.Name)
		}
	}
	for _, c := range t.PartitionKeys {
		out.AuthorizedColumns = append(out.AuthorizedColumns, c.Name)
	}
	return out, nil
}

func (f *fakeClient) GetUnfilteredPartitionsMetadata(_ context.Context, in *api.GetUnfilteredPartitionsMetadataInput) (*api.GetUnfilteredPartitionsMetadataOutput, error) {
	f.partCalls = append(f.partCalls, in)
	out := &api.GetUnfilteredPartitionsMetadataOutput{}
	for i := range f.partitions[in.DatabaseName+"."+in.TableName] {
		p := f.partitions[in.DatabaseName+"."+in.TableName][i]
		out.UnfilteredPartitions = append(out.UnfilteredPartitions, api.UnfilteredPartition{Partition: &p})
	}
	return out, nil
}

func (f *fakeClient) GetTemporaryGlueTableCredentials(context.Context, *api.GetTemporaryGlueTableCredentialsInput) (*api.GetTemporaryGlueTableCredentialsOutput, error) {
	return nil, lferr.New(lferr.AccessDenied, "not in tests")
}

func (f *fakeClient) GetDatabases(context.Context) ([]api.Database, error) { return nil, nil }
func (f *fakeClient) GetDatabase(_ context.Context, name string) (*api.Database, error) {
	return &api.Database{Name: name}, nil
}
func (f *fakeClient) CreateDatabase(context.Context, api.DatabaseInput) error { return nil }
func (f *fakeClient) DeleteDatabase(context.Context, string) error            { return nil }
func (f *fakeClient) GetTables(context.Context, string) ([]api.Table, error)  { return nil, nil }
func (f *fakeClient) GetTable(_ context.Context, db, name string) (*api.Table, error) {
	if t, ok := f.tables[db+"."+name]; ok {
		return t, nil
	}
	return nil, lferr.New(lferr.EntityNotFound, "Table %s not found", name)
}
func (f *fakeClient) CreateTable(context.Context, string, api.TableInput) error { return nil }
func (f *fakeClient) UpdateTable(context.Context, string, api.TableInput) error { return nil }
func (f *fakeClient) DeleteTable(context.Context, string, string) error         { return nil }
func (f *fakeClient) GetPartitions(context.Context, string, string, string) ([]api.Partition, error) {
	return nil, nil
}
func (f *fakeClient) BatchCreatePartition(context.Context, string, string, []api.PartitionInput) error {
	return nil
}

var _ api.Client = (*fakeClient)(nil)

// testCatalog is the catalog most tests plan against.
func testCatalog() *fakeClient {
	f := newFake()
	f.add("default", "t1", "a int", "b int", "c int", "d int", "e int")
	f.add("default", "t2", "a bigint", "x string", "y double")
	f.add("default", "t3", "k int", "v decimal(10,2)", "s string", "dt date")
	f.add("sales", "orders", "id bigint", "customer string", "amount decimal(12,2)", "secret string")
	f.answers["sales.orders"] = &api.GetUnfilteredTableMetadataOutput{AuthorizedColumns: []string{"id", "customer", "amount"}}
	p := f.add("sales", "events", "id bigint", "payload string")
	p.PartitionKeys = []api.Column{{Name: "region", Type: "string"}, {Name: "day", Type: "date"}}
	f.partitions["sales.events"] = []api.Partition{
		{Values: []string{"EU", "2024-01-01"}, StorageDescriptor: &api.StorageDescriptor{Location: "mem://sales/events/region=EU/day=2024-01-01"}},
		{Values: []string{"US", "2024-01-02"}, StorageDescriptor: &api.StorageDescriptor{Location: "mem://sales/events/region=US/day=2024-01-02"}},
	}
	f.addView("default", "v1", "SELECT a, b + c AS bc FROM t1 WHERE a > 0")
	f.add("default", "lineitem", "l_orderkey bigint", "l_partkey bigint", "l_suppkey bigint", "l_linenumber bigint",
		"l_quantity double", "l_extendedprice double", "l_discount double", "l_tax double", "l_returnflag string",
		"l_linestatus string", "l_shipdate date", "l_commitdate date", "l_receiptdate date", "l_shipinstruct string",
		"l_shipmode string", "l_comment string", "region string", "customer_email string")
	return f
}

func newTestPlanner(f *fakeClient) *Planner {
	return &Planner{Client: f, QueryID: "q-1", SupportedPermissionTypes: []string{api.ColumnPermission}}
}

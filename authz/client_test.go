package authz

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
)

// lake opens a home with sales.orders (partitioned by year, region) and
// sales.items (unpartitioned), and a deterministic QueryAuthorizationId
// source.
func lake(t testing.TB) (*ControlPlane, api.Client) {
	t.Helper()
	cp, err := Open(t.TempDir(), Options{NoSync: true, Rand: bytes.NewReader(bytes.Repeat([]byte{0xab, 0xcd}, 1<<12))})
	must(t, err)
	t.Cleanup(func() { _ = cp.Close() })
	cl := cp.ClientFor(cp.Admin())
	must(t, cl.CreateDatabase(bg, api.DatabaseInput{Name: "sales"}))
	must(t, cl.CreateTable(bg, "sales", api.TableInput{
		Name: "orders",
		StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{
			{Name: "id", Type: "bigint"}, {Name: "amount", Type: "decimal(10,2)"}, {Name: "customer", Type: "string"}}},
		PartitionKeys: []api.Column{{Name: "year", Type: "int"}, {Name: "region", Type: "string"}},
	}))
	must(t, cl.CreateTable(bg, "sales", api.TableInput{
		Name:              "items",
		StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "sku", Type: "string"}}},
	}))
	var ps []api.PartitionInput
	for _, y := range []string{"2023", "2024", "2025"} {
		for _, r := range []string{"eu", "us"} {
			ps = append(ps, api.PartitionInput{Values: []string{y, r}})
		}
	}
	must(t, cl.BatchCreatePartition(bg, "sales", "orders", ps))
	return cp, cl
}

func gutm(db, name string, mod ...func(*api.GetUnfilteredTableMetadataInput)) *api.GetUnfilteredTableMetadataInput {
	in := &api.GetUnfilteredTableMetadataInput{CatalogId: DefaultAccountID, DatabaseName: db, Name: name,
		SupportedPermissionTypes: []string{api.ColumnPermission, api.CellFilterPermission}}
	for _, m := range mod {
		m(in)
	}
	return in
}

func TestGetUnfilteredTableMetadata(t *testing.T) {
	cp, cl := lake(t)
	out, err := cl.GetUnfilteredTableMetadata(bg, gutm("SALES", "Orders", func(in *api.GetUnfilteredTableMetadataInput) {
		in.Permissions = []string{"SELECT"}
		in.QuerySessionContext = &api.QuerySessionContext{QueryId: "q-1"}
	}))
	must(t, err)
	if want := []string{"id", "amount", "customer", "year", "region"}; !reflect.DeepEqual(out.AuthorizedColumns, want) {
		t.Errorf("AuthorizedColumns = %q, want %q (all columns, partition keys included)", out.AuthorizedColumns, want)
	}
	if out.IsRegisteredWithLakeFormation || out.Table.IsRegisteredWithLakeFormation {
		t.Error("an IAM-only table must not be registered with Lake Formation")
	}
	if len(out.CellFilters) != 0 || out.RowFilter != "" || len(out.ColumnMasks) != 0 {
		t.Errorf("IAM-only table has filters: %+v %q %+v", out.CellFilters, out.RowFilter, out.ColumnMasks)
	}
	if !reflect.DeepEqual(out.Permissions, []string{"ALL"}) {
		t.Errorf("Permissions = %q", out.Permissions)
	}
	if out.ResourceArn != "arn:aws:glue:us-east-1:111122223333:table/sales/orders" {
		t.Errorf("ResourceArn = %q", out.ResourceArn)
	}
	if out.QueryAuthorizationId != strings.Repeat("abcd", 8) {
		t.Errorf("QueryAuthorizationId = %q, want 32 hex digits drawn from Options.Rand", out.QueryAuthorizationId)
	}
	// The full, unfiltered table: the same as GetTable.
	tbl, err := cl.GetTable(bg, "sales", "orders")
	must(t, err)
	if !reflect.DeepEqual(out.Table, tbl) {
		t.Errorf("Table = %+v, want the stored table %+v", out.Table, tbl)
	}

	// The id of the query's first call is echoed on its later calls.
	out2, err := cl.GetUnfilteredTableMetadata(bg, gutm("sales", "items", func(in *api.GetUnfilteredTableMetadataInput) {
		in.QuerySessionContext = &api.QuerySessionContext{QueryId: "q-1", QueryAuthorizationId: out.QueryAuthorizationId}
	}))
	must(t, err)
	if out2.QueryAuthorizationId != out.QueryAuthorizationId || !reflect.DeepEqual(out2.AuthorizedColumns, []string{"sku"}) {
		t.Errorf("second call: %+v", out2)
	}

	// Fresh ids from the real source differ per query.
	cp2, err := Open(t.TempDir(), Options{NoSync: true})
	must(t, err)
	defer cp2.Close()
	must(t, cp2.Catalog().CreateDatabase(bg, DefaultAccountID, api.DatabaseInput{Name: "d"}))
	must(t, cp2.Catalog().CreateTable(bg, DefaultAccountID, "d", api.TableInput{Name: "t", StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "a", Type: "int"}}}}))
	seen := map[string]bool{}
	for i := 0; i < 20; i++ {
		o, err := cp2.ClientFor(cp2.Admin()).GetUnfilteredTableMetadata(bg, gutm("d", "t"))
		must(t, err)
		if _, err := hex.DecodeString(o.QueryAuthorizationId); err != nil || len(o.QueryAuthorizationId) != 32 || seen[o.QueryAuthorizationId] {
			t.Fatalf("QueryAuthorizationId %q is not a fresh 128-bit hex id", o.QueryAuthorizationId)
		}
		seen[o.QueryAuthorizationId] = true
	}
	_ = cp
}

func TestGetUnfilteredTableMetadataErrors(t *testing.T) {
	_, cl := lake(t)
	cases := []struct {
		name string
		in   *api.GetUnfilteredTableMetadataInput
		code lferr.Code
		msg  string
	}{
		{"nil request", nil, lferr.InvalidInput, "empty"},
		{"no catalog id", gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) { in.CatalogId = "" }), lferr.InvalidInput, "CatalogId is required"},
		{"no database", gutm("", "orders"), lferr.InvalidInput, "DatabaseName is required"},
		{"no name", gutm("sales", ""), lferr.InvalidInput, "Name is required"},
		{"long name", gutm("sales", strings.Repeat("x", 256)), lferr.InvalidInput, "Name is longer than 255"},
		{"no permission types", gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) { in.SupportedPermissionTypes = nil }), lferr.InvalidInput, "SupportedPermissionTypes is required"},
		{"unknown permission type", gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) {
			in.SupportedPermissionTypes = []string{api.ColumnPermission, "ROW_PERMISSION"}
		}), lferr.InvalidInput, `unknown value "ROW_PERMISSION"`},
		{"unknown permission", gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) { in.Permissions = []string{"READ"} }), lferr.InvalidInput, `unknown Glue permission "READ"`},
		{"other region", gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) { in.Region = "eu-west-1" }), lferr.InvalidInput, "cross-Region"},
		{"long query id", gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) {
			in.QuerySessionContext = &api.QuerySessionContext{QueryId: strings.Repeat("q", 256)}
		}), lferr.InvalidInput, "QueryId is longer than 255"},
		{"bad additional context", gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) {
			in.QuerySessionContext = &api.QuerySessionContext{AdditionalContext: map[string]string{"": "v"}}
		}), lferr.InvalidInput, "AdditionalContext keys"},
		{"bad requested column", gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) {
			in.AuditContext = &api.AuditContext{RequestedColumns: []string{""}}
		}), lferr.InvalidInput, "RequestedColumns"},
		{"bad name characters", gutm("sales", "a\x01"), lferr.InvalidInput, "U+0001"},
		{"missing table", gutm("sales", "nope"), lferr.EntityNotFound, "Table nope not found in database sales."},
		{"missing database", gutm("nodb", "orders"), lferr.EntityNotFound, "Database nodb not found."},
		{"other catalog", gutm("sales", "orders", func(in *api.GetUnfilteredTableMetadataInput) { in.CatalogId = "444455556666" }), lferr.EntityNotFound, "Database sales not found."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := cl.GetUnfilteredTableMetadata(bg, c.in)
			wantErr(t, err, c.code, c.msg)
			if out != nil {
				t.Errorf("output alongside an error: %+v", out)
			}
		})
	}
}

func TestGetUnfilteredPartitionsMetadata(t *testing.T) {
	_, cl := lake(t)
	req := func(expr string, max int32, token string) *api.GetUnfilteredPartitionsMetadataInput {
		return &api.GetUnfilteredPartitionsMetadataInput{CatalogId: DefaultAccountID, DatabaseName: "sales", TableName: "orders",
			Expression: expr, MaxResults: max, NextToken: token, SupportedPermissionTypes: []string{api.ColumnPermission}}
	}
	values := func(out *api.GetUnfilteredPartitionsMetadataOutput) []string {
		var v []string
		for _, p := range out.UnfilteredPartitions {
			v = append(v, strings.Join(p.Partition.Values, "/"))
			if !reflect.DeepEqual(p.AuthorizedColumns, []string{"id", "amount", "customer", "year", "region"}) || p.IsRegisteredWithLakeFormation {
				t.Errorf("partition %v: columns %q registered %v", p.Partition.Values, p.AuthorizedColumns, p.IsRegisteredWithLakeFormation)
			}
		}
		return v
	}
	out, err := cl.GetUnfilteredPartitionsMetadata(bg, req("year >= 2024 AND region = 'eu'", 0, ""))
	must(t, err)
	if got := values(out); !reflect.DeepEqual(got, []string{"2024/eu", "2025/eu"}) || out.NextToken != "" {
		t.Errorf("filtered = %q token %q", got, out.NextToken)
	}
	out, err = cl.GetUnfilteredPartitionsMetadata(bg, req("", 0, ""))
	must(t, err)
	if len(out.UnfilteredPartitions) != 6 {
		t.Errorf("all partitions: %d", len(out.UnfilteredPartitions))
	}
	if out.UnfilteredPartitions[0].Partition.StorageDescriptor.Location == "" {
		t.Error("partition without location")
	}

	// Paging.
	var all []string
	token := ""
	pages := 0
	for {
		out, err := cl.GetUnfilteredPartitionsMetadata(bg, req("region <> 'us'", 2, token))
		must(t, err)
		all = append(all, values(out)...)
		pages++
		if out.NextToken == "" {
			break
		}
		token = out.NextToken
	}
	if !reflect.DeepEqual(all, []string{"2023/eu", "2024/eu", "2025/eu"}) || pages != 2 {
		t.Errorf("paged = %q in %d pages", all, pages)
	}

	cases := []struct {
		name string
		in   *api.GetUnfilteredPartitionsMetadataInput
		code lferr.Code
		msg  string
	}{
		{"nil", nil, lferr.InvalidInput, "empty"},
		{"no table", &api.GetUnfilteredPartitionsMetadataInput{CatalogId: DefaultAccountID, DatabaseName: "sales", SupportedPermissionTypes: []string{api.ColumnPermission}}, lferr.InvalidInput, "TableName is required"},
		{"no permission types", &api.GetUnfilteredPartitionsMetadataInput{CatalogId: DefaultAccountID, DatabaseName: "sales", TableName: "orders"}, lferr.InvalidInput, "SupportedPermissionTypes is required"},
		{"max results", req("", 1001, ""), lferr.InvalidInput, "MaxResults 1001 is out of range"},
		{"negative max", req("", -1, ""), lferr.InvalidInput, "MaxResults -1"},
		{"bad token", req("", 2, "!!!"), lferr.InvalidInput, "NextToken"},
		{"foreign token", req("", 2, "Zm9v"), lferr.InvalidInput, "pagination token"},
		{"bad expression", req("month = 1", 0, ""), lferr.InvalidInput, "month is not a partition key of table sales.orders"},
		{"missing table", func() *api.GetUnfilteredPartitionsMetadataInput { r := req("", 0, ""); r.TableName = "nope"; return r }(), lferr.EntityNotFound, "Table nope not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := cl.GetUnfilteredPartitionsMetadata(bg, c.in)
			wantErr(t, err, c.code, c.msg)
		})
	}
}

func TestGetTemporaryGlueTableCredentials(t *testing.T) {
	_, cl := lake(t)
	arn := "arn:aws:glue:us-east-1:111122223333:table/sales/orders"
	req := func(mod ...func(*api.GetTemporaryGlueTableCredentialsInput)) *api.GetTemporaryGlueTableCredentialsInput {
		in := &api.GetTemporaryGlueTableCredentialsInput{TableArn: arn, Permissions: []string{"SELECT"}, DurationSeconds: 3600,
			SupportedPermissionTypes: []string{api.ColumnPermission}}
		for _, m := range mod {
			m(in)
		}
		return in
	}
	cases := []struct {
		name string
		in   *api.GetTemporaryGlueTableCredentialsInput
		code lferr.Code
		msg  string
	}{
		{"unregistered table", req(), lferr.InvalidInput, "Table sales.orders is not registered with Lake Formation"},
		{"minimal request", &api.GetTemporaryGlueTableCredentialsInput{TableArn: arn}, lferr.InvalidInput, "not registered with Lake Formation"},
		{"nil", nil, lferr.InvalidInput, "empty"},
		{"no arn", req(func(in *api.GetTemporaryGlueTableCredentialsInput) { in.TableArn = "" }), lferr.InvalidInput, "TableArn is required"},
		{"not an arn", req(func(in *api.GetTemporaryGlueTableCredentialsInput) { in.TableArn = "sales.orders" }), lferr.InvalidInput, "is not a Glue table ARN"},
		{"s3 arn", req(func(in *api.GetTemporaryGlueTableCredentialsInput) { in.TableArn = "arn:aws:s3:::bucket/key" }), lferr.InvalidInput, "is not a Glue table ARN"},
		{"database arn", req(func(in *api.GetTemporaryGlueTableCredentialsInput) {
			in.TableArn = "arn:aws:glue:us-east-1:111122223333:database/sales"
		}), lferr.InvalidInput, "does not name a table"},
		{"no table part", req(func(in *api.GetTemporaryGlueTableCredentialsInput) {
			in.TableArn = "arn:aws:glue:us-east-1:111122223333:table/sales"
		}), lferr.InvalidInput, "is incomplete"},
		{"other region", req(func(in *api.GetTemporaryGlueTableCredentialsInput) {
			in.TableArn = "arn:aws:glue:eu-west-1:111122223333:table/sales/orders"
		}), lferr.InvalidInput, "cross-Region"},
		{"short duration", req(func(in *api.GetTemporaryGlueTableCredentialsInput) { in.DurationSeconds = 899 }), lferr.InvalidInput, "DurationSeconds 899"},
		{"long duration", req(func(in *api.GetTemporaryGlueTableCredentialsInput) { in.DurationSeconds = 43201 }), lferr.InvalidInput, "DurationSeconds 43201"},
		{"unknown permission", req(func(in *api.GetTemporaryGlueTableCredentialsInput) { in.Permissions = []string{"READ"} }), lferr.InvalidInput, `unknown Lake Formation permission "READ"`},
		{"unknown permission type", req(func(in *api.GetTemporaryGlueTableCredentialsInput) { in.SupportedPermissionTypes = []string{"X"} }), lferr.InvalidInput, `unknown value "X"`},
		{"missing table", req(func(in *api.GetTemporaryGlueTableCredentialsInput) {
			in.TableArn = "arn:aws:glue:us-east-1:111122223333:table/sales/nope"
		}), lferr.EntityNotFound, "Table nope not found"},
		{"missing catalog", req(func(in *api.GetTemporaryGlueTableCredentialsInput) {
			in.TableArn = "arn:aws:glue:us-east-1:999999999999:table/sales/orders"
		}), lferr.EntityNotFound, "Database sales not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := cl.GetTemporaryGlueTableCredentials(bg, c.in)
			wantErr(t, err, c.code, c.msg)
			if out != nil {
				t.Errorf("credentials vended: %+v", out)
			}
		})
	}
}

// Every contract method refuses callers the control plane cannot verify,
// before it reads or writes anything.
func TestUnverifiedCallersAreRefused(t *testing.T) {
	cp, _ := lake(t)
	callers := map[string]Caller{
		"zero caller": {},
		"role session": {Kind: RoleSessionCaller, Principal: "arn:aws:sts::111122223333:assumed-role/analyst/s1", Account: DefaultAccountID,
			SessionTags: map[string]string{"LakeFormationAuthorizedCaller": "sluice"}},
		"admin without identity": {Kind: AdminCaller},
	}
	tin := api.TableInput{Name: "t", StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "a", Type: "int"}}}}
	calls := map[string]func(api.Client) error{
		"GetDatabases":   func(c api.Client) error { _, err := c.GetDatabases(bg); return err },
		"GetDatabase":    func(c api.Client) error { _, err := c.GetDatabase(bg, "sales"); return err },
		"CreateDatabase": func(c api.Client) error { return c.CreateDatabase(bg, api.DatabaseInput{Name: "x"}) },
		"DeleteDatabase": func(c api.Client) error { return c.DeleteDatabase(bg, "sales") },
		"GetTables":      func(c api.Client) error { _, err := c.GetTables(bg, "sales"); return err },
		"GetTable":       func(c api.Client) error { _, err := c.GetTable(bg, "sales", "orders"); return err },
		"CreateTable":    func(c api.Client) error { return c.CreateTable(bg, "sales", tin) },
		"UpdateTable":    func(c api.Client) error { return c.UpdateTable(bg, "sales", tin) },
		"DeleteTable":    func(c api.Client) error { return c.DeleteTable(bg, "sales", "orders") },
		"GetPartitions":  func(c api.Client) error { _, err := c.GetPartitions(bg, "sales", "orders", ""); return err },
		"BatchCreatePartition": func(c api.Client) error {
			return c.BatchCreatePartition(bg, "sales", "orders", []api.PartitionInput{{Values: []string{"1", "x"}}})
		},
		"GetUnfilteredTableMetadata": func(c api.Client) error {
			_, err := c.GetUnfilteredTableMetadata(bg, gutm("sales", "orders"))
			return err
		},
		"GetUnfilteredPartitionsMetadata": func(c api.Client) error {
			_, err := c.GetUnfilteredPartitionsMetadata(bg, &api.GetUnfilteredPartitionsMetadataInput{CatalogId: DefaultAccountID,
				DatabaseName: "sales", TableName: "orders", SupportedPermissionTypes: []string{api.ColumnPermission}})
			return err
		},
		"GetTemporaryGlueTableCredentials": func(c api.Client) error {
			_, err := c.GetTemporaryGlueTableCredentials(bg, &api.GetTemporaryGlueTableCredentialsInput{TableArn: "arn:aws:glue:us-east-1:111122223333:table/sales/orders"})
			return err
		},
	}
	v := cp.CatalogVersion()
	for cn, caller := range callers {
		for name, call := range calls {
			t.Run(cn+"/"+name, func(t *testing.T) {
				if err := call(cp.ClientFor(caller)); lferr.CodeOf(err) != lferr.AccessDenied {
					t.Errorf("err = %v, want AccessDeniedException", err)
				}
			})
		}
	}
	if cp.CatalogVersion() != v {
		t.Errorf("refused calls changed the catalog (version %d → %d)", v, cp.CatalogVersion())
	}
	// And the admin can do all of it.
	admin := cp.ClientFor(cp.Admin())
	for _, name := range []string{"GetDatabases", "GetDatabase", "CreateDatabase", "GetTables", "GetTable", "CreateTable", "UpdateTable",
		"GetPartitions", "BatchCreatePartition", "GetUnfilteredTableMetadata", "GetUnfilteredPartitionsMetadata", "DeleteTable", "DeleteDatabase"} {
		if err := calls[name](admin); err != nil {
			t.Errorf("admin %s: %v", name, err)
		}
	}
}

func TestCancelledContext(t *testing.T) {
	cp, _ := lake(t)
	ctx, cancel := context.WithCancel(bg)
	cancel()
	_, err := cp.ClientFor(cp.Admin()).GetUnfilteredTableMetadata(ctx, gutm("sales", "orders"))
	if lferr.CodeOf(err) != lferr.OperationTimeout {
		t.Errorf("err = %v, want OperationTimeoutException", err)
	}
}

func TestParseTableARN(t *testing.T) {
	ref, err := ParseTableARN("arn:aws:glue:us-east-1:111122223333:table/db/a/b")
	must(t, err)
	if ref != (TableRef{Region: "us-east-1", CatalogID: "111122223333", Database: "db", Table: "a/b"}) {
		t.Errorf("ref = %+v", ref)
	}
	if got := TableARN(ref.Region, ref.CatalogID, ref.Database, ref.Table); got != "arn:aws:glue:us-east-1:111122223333:table/db/a/b" {
		t.Errorf("round trip = %q", got)
	}
	for _, bad := range []string{"", "arn", "arn:aws:glue:us-east-1:1:table/", "arn::glue:r:a:table/d/t", "arn:aws:glue::a:table/d/t", "arn:aws:glue:r::table/d/t", "arn:aws:glue:r:a:table//t"} {
		if _, err := ParseTableARN(bad); lferr.CodeOf(err) != lferr.InvalidInput {
			t.Errorf("ParseTableARN(%q) err = %v", bad, err)
		}
	}
}

// Readers and writers run concurrently: readers see whole tables at one
// version, never a half-applied call.
func TestConcurrentReadersAndWriters(t *testing.T) {
	cp, cl := lake(t)
	done := make(chan error, 4)
	for w := 0; w < 2; w++ {
		go func(w int) {
			for i := 0; i < 50; i++ {
				err := cl.CreateTable(bg, "sales", api.TableInput{Name: fmt.Sprintf("w%d_%d", w, i),
					StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "a", Type: "int"}, {Name: "b", Type: "string"}}}})
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}(w)
	}
	for r := 0; r < 2; r++ {
		go func() {
			for i := 0; i < 200; i++ {
				out, err := cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders"))
				if err != nil {
					done <- err
					return
				}
				if len(out.AuthorizedColumns) != 5 {
					done <- fmt.Errorf("torn read: %q", out.AuthorizedColumns)
					return
				}
			}
			done <- nil
		}()
	}
	for i := 0; i < 4; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	ts, err := cl.GetTables(bg, "sales")
	must(t, err)
	if len(ts) != 102 {
		t.Errorf("tables = %d, want 102", len(ts))
	}
	if v := cp.CatalogVersion(); v != 4+100 {
		t.Errorf("version = %d, want 104 (one per successful call)", v)
	}
}

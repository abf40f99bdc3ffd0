package catalog

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

const acct = "111122223333"

var ctx = context.Background()

type fixture struct {
	t     *testing.T
	db    *store.DB
	cat   *Catalog
	clock time.Time
	hooks []Resource
	fail  error // returned by the OnDelete hook when set
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "catalog.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	f := &fixture{t: t, db: db, clock: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	f.cat = New(db, Config{
		Now:              func() time.Time { return f.clock },
		DatabaseLocation: func(c, d string) string { return "file:///wh/" + c + "/" + d + ".db/" },
		OnDelete: []func(*store.Tx, Resource) error{func(_ *store.Tx, r Resource) error {
			if f.fail != nil {
				return f.fail
			}
			f.hooks = append(f.hooks, r)
			return nil
		}},
	})
	return f
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code lferr.Code, msgPart string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if lferr.CodeOf(err) != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if msgPart != "" && !strings.Contains(lferr.MessageOf(err), msgPart) {
		t.Fatalf("message %q does not contain %q", lferr.MessageOf(err), msgPart)
	}
}

func cols(nameTypes ...string) []api.Column {
	var out []api.Column
	for i := 0; i+1 < len(nameTypes); i += 2 {
		out = append(out, api.Column{Name: nameTypes[i], Type: nameTypes[i+1]})
	}
	return out
}

func tableIn(name string, columns, keys []api.Column) api.TableInput {
	return api.TableInput{Name: name, StorageDescriptor: &api.StorageDescriptor{Columns: columns}, PartitionKeys: keys}
}

func TestDatabases(t *testing.T) {
	f := newFixture(t)
	f.must(f.cat.CreateDatabase(ctx, acct, api.DatabaseInput{Name: "Sales", Description: "d"}))
	f.must(f.cat.CreateDatabase(ctx, acct, api.DatabaseInput{Name: "hr", LocationUri: "s3://b/hr"}))
	f.must(f.cat.CreateDatabase(ctx, "444455556666", api.DatabaseInput{Name: "sales"}))

	cases := []struct {
		name string
		in   api.DatabaseInput
		cat  string
		code lferr.Code
		msg  string
	}{
		{"duplicate differing in case", api.DatabaseInput{Name: "SALES"}, acct, lferr.AlreadyExists, "Database sales already exists."},
		{"empty name", api.DatabaseInput{Name: ""}, acct, lferr.InvalidInput, "must not be empty"},
		{"too long", api.DatabaseInput{Name: strings.Repeat("a", 256)}, acct, lferr.InvalidInput, "256 characters long; the limit is 255"},
		{"255 is fine", api.DatabaseInput{Name: strings.Repeat("a", 255)}, acct, "", ""},
		{"255 runes of 3 bytes is fine", api.DatabaseInput{Name: strings.Repeat("é", 255)}, acct, "", ""},
		{"control character", api.DatabaseInput{Name: "a\x01b"}, acct, lferr.InvalidInput, "U+0001"},
		{"newline", api.DatabaseInput{Name: "a\nb"}, acct, lferr.InvalidInput, "U+000A"},
		{"U+FFFE", api.DatabaseInput{Name: "a\uFFFEb"}, acct, lferr.InvalidInput, "U+FFFE"},
		{"invalid utf-8", api.DatabaseInput{Name: "a\xffb"}, acct, lferr.InvalidInput, "not allowed"},
		{"tab and astral are allowed", api.DatabaseInput{Name: "a\tb😀"}, acct, "", ""},
		{"dot-dot escapes the warehouse", api.DatabaseInput{Name: ".."}, acct, lferr.InvalidInput, "escape"},
		{"empty catalog id", api.DatabaseInput{Name: "x"}, "", lferr.InvalidInput, "CatalogId must not be empty"},
		{"long description", api.DatabaseInput{Name: "x", Description: strings.Repeat("d", 2049)}, acct, lferr.InvalidInput, "Description"},
		{"empty parameter key", api.DatabaseInput{Name: "x", Parameters: map[string]string{"": "v"}}, acct, lferr.InvalidInput, "parameter key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, f.cat.CreateDatabase(ctx, c.cat, c.in), c.code, c.msg)
		})
	}

	d, err := f.cat.GetDatabase(ctx, acct, "SaLeS")
	f.must(err)
	want := &api.Database{Name: "sales", Description: "d", LocationUri: "file:///wh/" + acct + "/sales.db/", CreateTime: api.NewTime(f.clock), CatalogId: acct}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("GetDatabase = %+v, want %+v", d, want)
	}
	if d, _ := f.cat.GetDatabase(ctx, acct, "hr"); d.LocationUri != "s3://b/hr" {
		t.Errorf("explicit LocationUri replaced: %q", d.LocationUri)
	}
	_, err = f.cat.GetDatabase(ctx, acct, "nope")
	wantCode(t, err, lferr.EntityNotFound, "Database nope not found.")
	_, err = f.cat.GetDatabase(ctx, "999999999999", "hr")
	wantCode(t, err, lferr.EntityNotFound, "Database hr not found.")

	ds, err := f.cat.GetDatabases(ctx, "444455556666")
	f.must(err)
	if len(ds) != 1 || ds[0].Name != "sales" || ds[0].CatalogId != "444455556666" {
		t.Errorf("other catalog's databases = %+v", ds)
	}
	ds, err = f.cat.GetDatabases(ctx, acct)
	f.must(err)
	var names []string
	for _, d := range ds {
		names = append(names, d.Name)
	}
	wantNames := []string{"a\tb😀", strings.Repeat("a", 255), "hr", "sales", strings.Repeat("é", 255)}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("GetDatabases names = %q", names)
	}

	// UpdateDatabase replaces the definition but keeps location and creation time.
	f.clock = f.clock.Add(time.Hour)
	f.must(f.cat.UpdateDatabase(ctx, acct, "sales", api.DatabaseInput{Name: "SALES", Description: "new", Parameters: map[string]string{"k": "v"}}))
	d, _ = f.cat.GetDatabase(ctx, acct, "sales")
	if d.Description != "new" || d.Parameters["k"] != "v" || d.LocationUri != want.LocationUri || !d.CreateTime.Equal(want.CreateTime.Time) {
		t.Errorf("after UpdateDatabase: %+v", d)
	}
	wantCode(t, f.cat.UpdateDatabase(ctx, acct, "sales", api.DatabaseInput{Name: "other"}), lferr.InvalidInput, "Renaming database sales to other")
	wantCode(t, f.cat.UpdateDatabase(ctx, acct, "nope", api.DatabaseInput{Name: "nope"}), lferr.EntityNotFound, "Database nope not found.")
	wantCode(t, f.cat.DeleteDatabase(ctx, acct, "nope"), lferr.EntityNotFound, "Database nope not found.")
}

func TestTables(t *testing.T) {
	f := newFixture(t)
	f.must(f.cat.CreateDatabase(ctx, acct, api.DatabaseInput{Name: "db1"}))
	// A catalog without a default database location leaves LocationUri empty.
	f.must(New(f.db, Config{}).CreateDatabase(ctx, acct, api.DatabaseInput{Name: "noloc"}))
	good := tableIn("Orders", cols("id", "bigint", "Amount", "decimal(10,2)", "note", "string"), cols("year", "int"))

	cases := []struct {
		name string
		db   string
		in   api.TableInput
		code lferr.Code
		msg  string
	}{
		{"ok", "DB1", good, "", ""},
		{"duplicate", "db1", tableIn("ORDERS", cols("a", "int"), nil), lferr.AlreadyExists, "Table orders already exists in database db1."},
		{"missing database", "nodb", tableIn("t", cols("a", "int"), nil), lferr.EntityNotFound, "Database nodb not found."},
		{"empty name", "db1", tableIn("", cols("a", "int"), nil), lferr.InvalidInput, "Table name must not be empty"},
		{"dot name", "db1", tableIn(".", cols("a", "int"), nil), lferr.InvalidInput, "escape"},
		{"bad type", "db1", tableIn("t", cols("a", "varchar2"), nil), lferr.InvalidInput, `Column a of table db1.t: unsupported type "varchar2"`},
		{"bad decimal", "db1", tableIn("t", cols("a", "decimal(40,2)"), nil), lferr.InvalidInput, "decimal"},
		{"bad partition key type", "db1", tableIn("t", cols("a", "int"), cols("p", "map<string,int>")), lferr.InvalidInput, "Partition key p"},
		{"missing type", "db1", tableIn("t", cols("a", ""), nil), lferr.InvalidInput, "has no Type"},
		{"duplicate column", "db1", tableIn("t", cols("a", "int", "A", "int"), nil), lferr.InvalidInput, "duplicate column A"},
		{"column and key clash", "db1", tableIn("t", cols("a", "int"), cols("a", "string")), lferr.InvalidInput, "duplicate column a"},
		{"empty column name", "db1", tableIn("t", cols("", "int"), nil), lferr.InvalidInput, "must not be empty"},
		{"no columns", "db1", tableIn("t", nil, nil), lferr.InvalidInput, "has no columns"},
		{"unknown table type", "db1", api.TableInput{Name: "t", TableType: "MANAGED_TABLE", StorageDescriptor: &api.StorageDescriptor{Columns: cols("a", "int")}}, lferr.InvalidInput, `TableType "MANAGED_TABLE"`},
		{"view without text", "db1", api.TableInput{Name: "v", TableType: api.VirtualView}, lferr.InvalidInput, "has no ViewOriginalText"},
		{"view with partition keys", "db1", api.TableInput{Name: "v", TableType: api.VirtualView, ViewOriginalText: "SELECT 1", PartitionKeys: cols("p", "int")}, lferr.InvalidInput, "cannot have partition keys"},
		{"table with view text", "db1", api.TableInput{Name: "t", ViewOriginalText: "SELECT 1", StorageDescriptor: &api.StorageDescriptor{Columns: cols("a", "int")}}, lferr.InvalidInput, "cannot have view text"},
		{"no location to derive", "noloc", tableIn("t", cols("a", "int"), nil), lferr.InvalidInput, "no LocationUri"},
		{"view", "db1", api.TableInput{Name: "V1", TableType: api.VirtualView, ViewOriginalText: "SELECT id FROM orders"}, "", ""},
		{"slash in name is escaped", "db1", tableIn("a/b", cols("a", "int"), nil), "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, f.cat.CreateTable(ctx, acct, c.db, c.in), c.code, c.msg)
		})
	}

	tbl, err := f.cat.GetTable(ctx, acct, "db1", "ORDERS")
	f.must(err)
	if tbl.Name != "orders" || tbl.DatabaseName != "db1" || tbl.VersionId != "0" || tbl.TableType != api.ExternalTable ||
		tbl.CatalogId != acct || !tbl.CreateTime.Equal(f.clock) || !tbl.UpdateTime.Equal(f.clock) {
		t.Errorf("GetTable = %+v", tbl)
	}
	if got, want := tbl.StorageDescriptor.Location, "file:///wh/"+acct+"/db1.db/orders/"; got != want {
		t.Errorf("default location = %q, want %q", got, want)
	}
	if tbl.StorageDescriptor.Columns[1].Name != "Amount" {
		t.Errorf("column names must keep their case, got %q", tbl.StorageDescriptor.Columns[1].Name)
	}
	if tb, _ := f.cat.GetTable(ctx, acct, "db1", "a/b"); tb.StorageDescriptor.Location != "file:///wh/"+acct+"/db1.db/a%2Fb/" {
		t.Errorf("escaped location = %q", tb.StorageDescriptor.Location)
	}
	v, err := f.cat.GetTable(ctx, acct, "db1", "v1")
	f.must(err)
	if v.TableType != api.VirtualView || v.ViewOriginalText != "SELECT id FROM orders" || v.StorageDescriptor != nil {
		t.Errorf("view = %+v", v)
	}

	_, err = f.cat.GetTable(ctx, acct, "db1", "nope")
	wantCode(t, err, lferr.EntityNotFound, "Table nope not found in database db1.")
	_, err = f.cat.GetTable(ctx, acct, "nodb", "orders")
	wantCode(t, err, lferr.EntityNotFound, "Database nodb not found.")
	_, err = f.cat.GetTables(ctx, acct, "nodb")
	wantCode(t, err, lferr.EntityNotFound, "Database nodb not found.")

	ts, err := f.cat.GetTables(ctx, acct, "db1")
	f.must(err)
	var names []string
	for _, t := range ts {
		names = append(names, t.Name)
	}
	if !reflect.DeepEqual(names, []string{"a/b", "orders", "v1"}) {
		t.Errorf("GetTables = %q", names)
	}

	// UpdateTable: version and UpdateTime move, CreateTime and location stay.
	created := f.clock
	for i, want := range []string{"1", "2"} {
		f.clock = f.clock.Add(time.Minute)
		upd := tableIn("orders", cols("id", "bigint", "note", "string", "extra", "date"), cols("year", "int"))
		upd.Description = "v" + want
		f.must(f.cat.UpdateTable(ctx, acct, "db1", upd))
		tbl, _ = f.cat.GetTable(ctx, acct, "db1", "orders")
		if tbl.VersionId != want || !tbl.UpdateTime.Equal(f.clock) || !tbl.CreateTime.Equal(created) ||
			tbl.StorageDescriptor.Location != "file:///wh/"+acct+"/db1.db/orders/" || len(tbl.StorageDescriptor.Columns) != 3 {
			t.Errorf("after update %d: %+v", i+1, tbl)
		}
	}
	wantCode(t, f.cat.UpdateTable(ctx, acct, "db1", tableIn("nope", cols("a", "int"), nil)), lferr.EntityNotFound, "Table nope not found")
	wantCode(t, f.cat.UpdateTable(ctx, acct, "db1", tableIn("orders", cols("a", "blob"), nil)), lferr.InvalidInput, "unsupported type")
	// Without partitions the keys may change; with partitions they may not.
	f.must(f.cat.UpdateTable(ctx, acct, "db1", tableIn("orders", cols("id", "bigint"), cols("year", "int", "month", "int"))))
	f.must(f.cat.BatchCreatePartition(ctx, acct, "db1", "orders", []api.PartitionInput{{Values: []string{"2024", "1"}}}))
	wantCode(t, f.cat.UpdateTable(ctx, acct, "db1", tableIn("orders", cols("id", "bigint"), cols("year", "int"))), lferr.InvalidInput, "it has 1 partitions")
	f.must(f.cat.UpdateTable(ctx, acct, "db1", tableIn("orders", cols("id", "bigint", "x", "int"), cols("YEAR", "int", "month", "INT"))))

	// DeleteTable drops its partitions: a new table of the same name starts empty.
	f.must(f.cat.DeleteTable(ctx, acct, "db1", "Orders"))
	wantCode(t, f.cat.DeleteTable(ctx, acct, "db1", "orders"), lferr.EntityNotFound, "Table orders not found")
	f.must(f.cat.CreateTable(ctx, acct, "db1", tableIn("orders", cols("id", "bigint"), cols("year", "int", "month", "int"))))
	ps, err := f.cat.GetPartitions(ctx, acct, "db1", "orders", "")
	f.must(err)
	if len(ps) != 0 {
		t.Errorf("recreated table inherited %d partitions", len(ps))
	}
	if !reflect.DeepEqual(f.hooks, []Resource{{acct, "db1", "orders"}}) {
		t.Errorf("hooks = %+v", f.hooks)
	}
}

func TestDeleteDatabaseCascadesAtomically(t *testing.T) {
	f := newFixture(t)
	f.must(f.cat.CreateDatabase(ctx, acct, api.DatabaseInput{Name: "db1"}))
	f.must(f.cat.CreateDatabase(ctx, acct, api.DatabaseInput{Name: "db10"}))
	for _, db := range []string{"db1", "db10"} {
		f.must(f.cat.CreateTable(ctx, acct, db, tableIn("t", cols("a", "int"), cols("p", "string"))))
		f.must(f.cat.CreateTable(ctx, acct, db, tableIn("u", cols("a", "int"), nil)))
		f.must(f.cat.BatchCreatePartition(ctx, acct, db, "t", []api.PartitionInput{{Values: []string{"x"}}, {Values: []string{"y"}}}))
	}
	count := func(bucket string) int {
		n := 0
		f.must(f.db.View(func(tx *store.Tx) error { var err error; n, err = tx.Count(bucket, ""); return err }))
		return n
	}

	// A failing hook aborts the whole cascade: nothing is deleted.
	f.fail = lferr.New(lferr.ConcurrentModification, "grant store busy")
	v := f.db.Version()
	wantCode(t, f.cat.DeleteDatabase(ctx, acct, "db1"), lferr.ConcurrentModification, "grant store busy")
	if f.db.Version() != v || count(BucketDatabases) != 2 || count(BucketTables) != 4 || count(BucketPartitions) != 4 {
		t.Fatalf("failed DeleteDatabase left a trace: version %d→%d, dbs %d tables %d partitions %d",
			v, f.db.Version(), count(BucketDatabases), count(BucketTables), count(BucketPartitions))
	}

	f.fail = nil
	f.must(f.cat.DeleteDatabase(ctx, acct, "DB1"))
	if f.db.Version() != v+1 {
		t.Errorf("DeleteDatabase took %d versions, want one transaction", f.db.Version()-v)
	}
	if count(BucketDatabases) != 1 || count(BucketTables) != 2 || count(BucketPartitions) != 2 {
		t.Errorf("after cascade: dbs %d tables %d partitions %d; db10 must be untouched",
			count(BucketDatabases), count(BucketTables), count(BucketPartitions))
	}
	want := []Resource{{acct, "db1", "t"}, {acct, "db1", "u"}, {acct, "db1", ""}}
	if !reflect.DeepEqual(f.hooks, want) {
		t.Errorf("hooks = %+v, want %+v", f.hooks, want)
	}
	if _, err := f.cat.GetTable(ctx, acct, "db10", "t"); err != nil {
		t.Error(err)
	}
}

func TestPartitions(t *testing.T) {
	f := newFixture(t)
	f.must(f.cat.CreateDatabase(ctx, acct, api.DatabaseInput{Name: "db"}))
	in := tableIn("t", cols("a", "int"), cols("year", "int", "Region", "string"))
	in.StorageDescriptor.InputFormat = "parquet"
	f.must(f.cat.CreateTable(ctx, acct, "db", in))
	f.must(f.cat.CreateTable(ctx, acct, "db", tableIn("flat", cols("a", "int"), nil)))
	f.must(f.cat.CreateTable(ctx, acct, "db", api.TableInput{Name: "v", TableType: api.VirtualView, ViewOriginalText: "SELECT 1"}))

	pin := func(vals ...string) api.PartitionInput { return api.PartitionInput{Values: vals} }
	cases := []struct {
		name  string
		table string
		in    []api.PartitionInput
		code  lferr.Code
		msg   string
	}{
		{"ok", "t", []api.PartitionInput{pin("2024", "eu"), pin("2024", "us/east"), pin("2025", "")}, "", ""},
		{"explicit location", "t", []api.PartitionInput{{Values: []string{"2023", "eu"}, StorageDescriptor: &api.StorageDescriptor{Location: "s3://b/x/"}}}, "", ""},
		{"exists", "t", []api.PartitionInput{pin("2026", "eu"), pin("2024", "eu")}, lferr.AlreadyExists, `Partition ["2024", "eu"] of table db.t already exists.`},
		{"duplicate in batch", "t", []api.PartitionInput{pin("2027", "eu"), pin("2027", "eu")}, lferr.AlreadyExists, "already exists"},
		{"too few values", "t", []api.PartitionInput{pin("2028", "eu"), pin("2028")}, lferr.InvalidInput, "has 1 values; the table has 2 partition keys"},
		{"too many values", "t", []api.PartitionInput{pin("2028", "eu", "x")}, lferr.InvalidInput, "has 3 values"},
		{"value too long", "t", []api.PartitionInput{pin("2028", strings.Repeat("x", 1025))}, lferr.InvalidInput, "1025 characters long"},
		{"empty batch", "t", nil, lferr.InvalidInput, "must not be empty"},
		{"batch too big", "t", make([]api.PartitionInput, 101), lferr.InvalidInput, "has 101 entries; the limit is 100"},
		{"unpartitioned", "flat", []api.PartitionInput{pin("x")}, lferr.InvalidInput, "Table db.flat is not partitioned."},
		{"view", "v", []api.PartitionInput{pin("x")}, lferr.InvalidInput, "not partitioned"},
		{"missing table", "nope", []api.PartitionInput{pin("x")}, lferr.EntityNotFound, "Table nope not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := f.db.Version()
			err := f.cat.BatchCreatePartition(ctx, acct, "db", c.table, c.in)
			wantCode(t, err, c.code, c.msg)
			if err != nil && f.db.Version() != v {
				t.Errorf("failed batch changed the version")
			}
		})
	}

	ps, err := f.cat.GetPartitions(ctx, acct, "db", "t", "")
	f.must(err)
	var got [][]string
	for _, p := range ps {
		got = append(got, p.Values)
	}
	// The failed batches ("2026", "2027", "2028") left nothing behind.
	want := [][]string{{"2023", "eu"}, {"2024", "eu"}, {"2024", "us/east"}, {"2025", ""}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("partitions = %q, want %q", got, want)
	}
	p, err := f.cat.GetPartition(ctx, acct, "db", "t", []string{"2024", "us/east"})
	f.must(err)
	if p.StorageDescriptor.Location != "file:///wh/"+acct+"/db.db/t/year=2024/Region=us%2Feast/" ||
		p.StorageDescriptor.InputFormat != "parquet" || p.DatabaseName != "db" || p.TableName != "t" || p.CatalogId != acct ||
		!p.CreationTime.Equal(f.clock) || len(p.StorageDescriptor.Columns) != 1 {
		t.Errorf("partition = %+v sd %+v", p, p.StorageDescriptor)
	}
	if p, _ := f.cat.GetPartition(ctx, acct, "db", "t", []string{"2025", ""}); !strings.HasSuffix(p.StorageDescriptor.Location, "/Region=__HIVE_DEFAULT_PARTITION__/") {
		t.Errorf("empty value location = %q", p.StorageDescriptor.Location)
	}
	if p, _ := f.cat.GetPartition(ctx, acct, "db", "t", []string{"2023", "eu"}); p.StorageDescriptor.Location != "s3://b/x/" {
		t.Errorf("explicit location = %q", p.StorageDescriptor.Location)
	}
	_, err = f.cat.GetPartition(ctx, acct, "db", "t", []string{"1999", "eu"})
	wantCode(t, err, lferr.EntityNotFound, `Partition ["1999", "eu"] of table db.t not found.`)
	_, err = f.cat.GetPartition(ctx, acct, "db", "t", []string{"1999"})
	wantCode(t, err, lferr.InvalidInput, "has 1 values")

	// BatchDeletePartition is all or nothing.
	v := f.db.Version()
	err = f.cat.BatchDeletePartition(ctx, acct, "db", "t", [][]string{{"2024", "eu"}, {"1999", "eu"}})
	wantCode(t, err, lferr.EntityNotFound, `Partition ["1999", "eu"] of table db.t not found.`)
	if _, err := f.cat.GetPartition(ctx, acct, "db", "t", []string{"2024", "eu"}); err != nil || f.db.Version() != v {
		t.Errorf("failed BatchDeletePartition deleted something: %v", err)
	}
	wantCode(t, f.cat.BatchDeletePartition(ctx, acct, "db", "t", make([][]string, 26)), lferr.InvalidInput, "limit is 25")
	wantCode(t, f.cat.BatchDeletePartition(ctx, acct, "db", "t", nil), lferr.InvalidInput, "must not be empty")
	f.must(f.cat.BatchDeletePartition(ctx, acct, "db", "t", [][]string{{"2024", "eu"}, {"2023", "eu"}}))
	f.must(f.cat.DeletePartition(ctx, acct, "db", "t", []string{"2025", ""}))
	wantCode(t, f.cat.DeletePartition(ctx, acct, "db", "t", []string{"2025", ""}), lferr.EntityNotFound, "not found")
	ps, _ = f.cat.GetPartitions(ctx, acct, "db", "t", "")
	if len(ps) != 1 || ps[0].Values[1] != "us/east" {
		t.Errorf("after deletes: %+v", ps)
	}
	// Listing an unpartitioned table is empty, not an error; an expression on it is.
	ps, err = f.cat.GetPartitions(ctx, acct, "db", "flat", "")
	if err != nil || len(ps) != 0 {
		t.Errorf("flat partitions = %v, %v", ps, err)
	}
	_, err = f.cat.GetPartitions(ctx, acct, "db", "flat", "a = 1")
	wantCode(t, err, lferr.InvalidInput, "has no partition keys")
}

func TestListPartitionsPages(t *testing.T) {
	f := newFixture(t)
	f.must(f.cat.CreateDatabase(ctx, acct, api.DatabaseInput{Name: "db"}))
	f.must(f.cat.CreateTable(ctx, acct, "db", tableIn("t", cols("a", "int"), cols("k", "int"))))
	f.must(f.cat.CreateTable(ctx, acct, "db", tableIn("t2", cols("a", "int"), cols("k", "int"))))
	var in []api.PartitionInput
	for _, v := range []string{"1", "2", "3", "4", "5", "6", "7"} {
		in = append(in, api.PartitionInput{Values: []string{v}})
	}
	f.must(f.cat.BatchCreatePartition(ctx, acct, "db", "t", in))
	f.must(f.cat.BatchCreatePartition(ctx, acct, "db", "t2", in))
	var pages [][]string
	after := ""
	f.must(f.db.View(func(tx *store.Tx) error {
		for {
			ps, next, err := f.cat.In(tx, "").ListPartitions(acct, "db", "t", "k <> 4", after, 2)
			if err != nil {
				return err
			}
			var page []string
			for _, p := range ps {
				page = append(page, p.Values[0])
			}
			pages = append(pages, page)
			if next == "" {
				return nil
			}
			after = next
		}
	}))
	want := [][]string{{"1", "2"}, {"3", "5"}, {"6", "7"}}
	if !reflect.DeepEqual(pages, want) {
		t.Errorf("pages = %q, want %q (no empty last page)", pages, want)
	}
	// A token from another table is refused.
	err := f.db.View(func(tx *store.Tx) error {
		_, _, err := f.cat.In(tx, "").ListPartitions(acct, "db", "t2", "", after, 2)
		return err
	})
	wantCode(t, err, lferr.InvalidInput, "pagination token")
}

func TestCreatedByAndTxnComposition(t *testing.T) {
	f := newFixture(t)
	// Two API-level steps in one caller-held transaction: the second fails,
	// so the first must vanish too.
	err := f.db.Update(func(tx *store.Tx) error {
		c := f.cat.In(tx, "arn:aws:iam::111122223333:role/admin")
		if err := c.CreateDatabase(acct, api.DatabaseInput{Name: "db"}); err != nil {
			return err
		}
		if err := c.CreateTable(acct, "db", tableIn("t", cols("a", "int"), nil)); err != nil {
			return err
		}
		return c.CreateTable(acct, "db", tableIn("t", cols("a", "int"), nil))
	})
	wantCode(t, err, lferr.AlreadyExists, "Table t already exists")
	_, err = f.cat.GetDatabase(ctx, acct, "db")
	wantCode(t, err, lferr.EntityNotFound, "")
	if f.db.Version() != 0 {
		t.Errorf("version = %d after a rolled-back transaction", f.db.Version())
	}
	f.must(f.db.Update(func(tx *store.Tx) error {
		c := f.cat.In(tx, "arn:aws:iam::111122223333:role/admin")
		if err := c.CreateDatabase(acct, api.DatabaseInput{Name: "db"}); err != nil {
			return err
		}
		return c.CreateTable(acct, "db", tableIn("t", cols("a", "int"), nil))
	}))
	tbl, err := f.cat.GetTable(ctx, acct, "db", "t")
	f.must(err)
	if tbl.CreatedBy != "arn:aws:iam::111122223333:role/admin" {
		t.Errorf("CreatedBy = %q", tbl.CreatedBy)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.cat.GetTable(cctx, acct, "db", "t"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
}

// Names that are prefixes of one another never see each other's records.
func TestPrefixIsolation(t *testing.T) {
	f := newFixture(t)
	for _, db := range []string{"d", "d1"} {
		f.must(f.cat.CreateDatabase(ctx, acct, api.DatabaseInput{Name: db}))
		for _, tb := range []string{"t", "t1"} {
			f.must(f.cat.CreateTable(ctx, acct, db, tableIn(tb, cols("a", "int"), cols("p", "string"))))
			f.must(f.cat.BatchCreatePartition(ctx, acct, db, tb, []api.PartitionInput{{Values: []string{db + "." + tb}}}))
		}
	}
	ts, err := f.cat.GetTables(ctx, acct, "d")
	f.must(err)
	if len(ts) != 2 || ts[0].DatabaseName != "d" || ts[1].DatabaseName != "d" {
		t.Errorf("GetTables(d) = %+v", ts)
	}
	f.must(f.cat.DeleteTable(ctx, acct, "d", "t"))
	for _, c := range []struct{ db, tb string }{{"d", "t1"}, {"d1", "t"}, {"d1", "t1"}} {
		ps, err := f.cat.GetPartitions(ctx, acct, c.db, c.tb, "")
		f.must(err)
		if len(ps) != 1 || ps[0].Values[0] != c.db+"."+c.tb {
			t.Errorf("partitions of %s.%s after deleting d.t: %+v", c.db, c.tb, ps)
		}
	}
}

package lftag

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

func e(key string, values ...string) api.LFTag { return api.LFTag{TagKey: key, TagValues: values} }

func TestMatch(t *testing.T) {
	tags := kv("module=sales", "region=west", "empty=")
	cases := []struct {
		name string
		expr []api.LFTag
		want bool
	}{
		{"one key, its value", []api.LFTag{e("module", "sales")}, true},
		{"one key, another value", []api.LFTag{e("module", "orders")}, false},
		{"OR within an entry", []api.LFTag{e("module", "orders", "sales")}, true},
		{"AND across entries, both hold", []api.LFTag{e("module", "sales"), e("region", "west")}, true},
		{"AND across entries, one fails", []api.LFTag{e("module", "sales"), e("region", "east")}, false},
		{"missing key", []api.LFTag{e("owner", "bob")}, false},
		{"star on a present key", []api.LFTag{e("region", "*")}, true},
		{"star on a missing key", []api.LFTag{e("owner", "*")}, false},
		{"star and a failing entry", []api.LFTag{e("region", "*"), e("module", "orders")}, false},
		{"case-insensitive expression", []api.LFTag{e("MODULE", "Sales")}, true},
		{"empty value is a value", []api.LFTag{e("empty", "")}, true},
		{"empty value does not match others", []api.LFTag{e("module", "")}, false},
		{"star matches the empty value", []api.LFTag{e("empty", "*")}, true},
		{"entry with no values", []api.LFTag{e("module")}, false},
		{"empty expression matches nothing", nil, false},
		{"same key twice, consistent", []api.LFTag{e("module", "sales"), e("module", "sales", "x")}, true},
		{"same key twice, contradictory", []api.LFTag{e("module", "sales"), e("module", "x")}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Match(c.expr, tags); got != c.want {
				t.Fatalf("Match(%v) = %v, want %v", c.expr, got, c.want)
			}
		})
	}
	if Match([]api.LFTag{e("module", "*")}, nil) {
		t.Fatal("nil tags matched")
	}
}

func TestMatchAllocs(t *testing.T) {
	tags := kv("module=sales", "region=west")
	expr := []api.LFTag{e("module", "orders", "sales"), e("region", "*")}
	if n := testing.AllocsPerRun(100, func() { Match(expr, tags) }); n != 0 {
		t.Fatalf("Match allocates %v times per call", n)
	}
}

// guideFixture builds the example of the LF developer guide (and issue 3):
// databases A (module=sales), B (orders), C (customers); tables A.1, A.2
// (overridden to orders), B.1, B.2 (assigned customers), C.1–C.3.
func guideFixture(t *testing.T) *fixture {
	f := newFixture(t)
	f.tag("module", "Sales", "Orders", "Customers")
	for db, v := range map[string]string{"a": "Sales", "b": "Orders", "c": "Customers"} {
		f.database(db)
		f.assign(dbRes(db), "module", v)
	}
	for _, tb := range [][2]string{{"a", "t1"}, {"a", "t2"}, {"b", "t1"}, {"b", "t2"}, {"c", "t1"}, {"c", "t2"}, {"c", "t3"}} {
		f.table(tb[0], tb[1], "id", "name")
	}
	f.assign(tableRes("a", "t2"), "module", "orders")
	f.assign(tableRes("b", "t2"), "module", "customers")
	return f
}

func searchTables(t *testing.T, f *fixture, expr ...api.LFTag) []string {
	t.Helper()
	var names []string
	token := ""
	for {
		out, err := f.svc.SearchTablesByLFTags(ctx, api.SearchTablesByLFTagsInput{Expression: expr, MaxResults: 2, NextToken: token}, nil)
		f.must(err)
		for _, tt := range out.TableList {
			names = append(names, tt.Table.DatabaseName+"."+tt.Table.Name)
		}
		if out.NextToken == "" {
			return names
		}
		token = out.NextToken
	}
}

func TestGuideExample(t *testing.T) {
	f := guideFixture(t)
	want := map[string]string{"a.t1": "sales", "a.t2": "orders", "b.t1": "orders", "b.t2": "customers", "c.t1": "customers", "c.t2": "customers", "c.t3": "customers"}
	for name, v := range want {
		db, tb := name[:1], name[2:]
		tt := f.effective(db, tb)
		wantEqual(t, name+" table", tt.Table, kv("module="+v))
		wantEqual(t, name+" column", tt.Columns["name"], kv("module="+v))
	}
	wantEqual(t, "sales", searchTables(t, f, e("module", "sales")), []string{"a.t1"})
	wantEqual(t, "orders", searchTables(t, f, e("module", "Orders")), []string{"a.t2", "b.t1"})
	wantEqual(t, "customers", searchTables(t, f, e("module", "customers")), []string{"b.t2", "c.t1", "c.t2", "c.t3"})
	wantEqual(t, "sales or customers", searchTables(t, f, e("module", "sales", "customers")), []string{"a.t1", "b.t2", "c.t1", "c.t2", "c.t3"})
	wantEqual(t, "any", len(searchTables(t, f, e("module", "*"))), 7)

	dbs, err := f.svc.SearchDatabasesByLFTags(ctx, api.SearchDatabasesByLFTagsInput{Expression: []api.LFTag{e("module", "orders", "sales")}}, nil)
	f.must(err)
	var names []string
	for _, d := range dbs.DatabaseList {
		names = append(names, d.Database.Name)
		wantEqual(t, "db tags", len(d.LFTags), 1)
	}
	wantEqual(t, "databases", names, []string{"a", "b"})

	// Changing one assignment changes the answer.
	f.unassign(tableRes("a", "t2"), "module", "orders")
	wantEqual(t, "sales after removal", searchTables(t, f, e("module", "sales")), []string{"a.t1", "a.t2"})
	f.assign(dbRes("a"), "module", "customers")
	wantEqual(t, "sales after db change", searchTables(t, f, e("module", "sales")), []string(nil))
}

func TestColumnOverride(t *testing.T) {
	// A column classification=sensitive under a public table: a search or
	// grant on "public" reaches the table but the column's effective tags
	// no longer satisfy it.
	f := newFixture(t)
	f.tag("classification", "public", "sensitive")
	f.tag("module", "sales")
	f.database("d")
	f.table("d", "customers", "id", "SSN", "p:dt")
	f.assign(dbRes("d"), "module", "sales")
	f.assign(tableRes("d", "customers"), "classification", "public")
	f.assign(colRes("d", "customers", "ssn"), "classification", "sensitive")

	tt := f.effective("D", "Customers")
	wantEqual(t, "database", tt.Database, kv("module=sales"))
	wantEqual(t, "table", tt.Table, kv("module=sales", "classification=public"))
	wantEqual(t, "id", tt.Columns["id"], kv("module=sales", "classification=public"))
	wantEqual(t, "SSN (catalog's spelling)", tt.Columns["SSN"], kv("module=sales", "classification=sensitive"))
	wantEqual(t, "partition key", tt.Columns["dt"], kv("module=sales", "classification=public"))
	wantEqual(t, "columns listed", len(tt.Columns), 3)
	public := []api.LFTag{e("classification", "public")}
	var matched []string
	for _, c := range []string{"id", "SSN", "dt"} {
		if Match(public, tt.Columns[c]) {
			matched = append(matched, c)
		}
	}
	wantEqual(t, "columns matching public", matched, []string{"id", "dt"})

	out, err := f.svc.SearchTablesByLFTags(ctx, api.SearchTablesByLFTagsInput{Expression: public}, nil)
	f.must(err)
	if len(out.TableList) != 1 {
		t.Fatalf("tables = %+v", out.TableList)
	}
	got := out.TableList[0]
	wantEqual(t, "table resource", got.Table, &api.TableResource{CatalogId: acct, DatabaseName: "d", Name: "customers"})
	wantEqual(t, "db tags", got.LFTagOnDatabase, []api.LFTagPair{{CatalogId: acct, TagKey: "module", TagValues: []string{"sales"}}})
	wantEqual(t, "column order", []string{got.LFTagsOnColumns[0].Name, got.LFTagsOnColumns[1].Name, got.LFTagsOnColumns[2].Name}, []string{"id", "SSN", "dt"})
	wantEqual(t, "SSN tags", got.LFTagsOnColumns[1].LFTags, []api.LFTagPair{
		{CatalogId: acct, TagKey: "classification", TagValues: []string{"sensitive"}},
		{CatalogId: acct, TagKey: "module", TagValues: []string{"sales"}},
	})
	// Only a column carries "sensitive": the table does not match it.
	out, err = f.svc.SearchTablesByLFTags(ctx, api.SearchTablesByLFTagsInput{Expression: []api.LFTag{e("classification", "sensitive")}}, nil)
	f.must(err)
	wantEqual(t, "sensitive tables", len(out.TableList), 0)
}

func TestGetResourceLFTags(t *testing.T) {
	f := newFixture(t)
	f.tag("module", "sales", "orders")
	f.tag("class", "public", "sensitive")
	f.database("d")
	f.table("d", "t", "a", "B", "c")
	f.assign(dbRes("d"), "module", "sales")
	f.assign(tableRes("d", "t"), "class", "public")
	f.assign(colRes("d", "t", "b"), "class", "sensitive")
	f.assign(colRes("d", "t", "c"), "module", "orders")
	p := func(k, v string) api.LFTagPair {
		return api.LFTagPair{CatalogId: acct, TagKey: k, TagValues: []string{v}}
	}
	cases := []struct {
		name     string
		res      *api.Resource
		assigned bool
		want     *api.GetResourceLFTagsOutput
	}{
		{"database", dbRes("D"), false, &api.GetResourceLFTagsOutput{LFTagOnDatabase: []api.LFTagPair{p("module", "sales")}}},
		{"table assigned", tableRes("d", "t"), true, &api.GetResourceLFTagsOutput{
			LFTagOnDatabase: []api.LFTagPair{p("module", "sales")},
			LFTagsOnTable:   []api.LFTagPair{p("class", "public")},
			LFTagsOnColumns: []api.ColumnLFTag{{Name: "B", LFTags: []api.LFTagPair{p("class", "sensitive")}}, {Name: "c", LFTags: []api.LFTagPair{p("module", "orders")}}},
		}},
		{"table effective", tableRes("d", "t"), false, &api.GetResourceLFTagsOutput{
			LFTagOnDatabase: []api.LFTagPair{p("module", "sales")},
			LFTagsOnTable:   []api.LFTagPair{p("class", "public"), p("module", "sales")},
			LFTagsOnColumns: []api.ColumnLFTag{
				{Name: "a", LFTags: []api.LFTagPair{p("class", "public"), p("module", "sales")}},
				{Name: "B", LFTags: []api.LFTagPair{p("class", "sensitive"), p("module", "sales")}},
				{Name: "c", LFTags: []api.LFTagPair{p("class", "public"), p("module", "orders")}},
			},
		}},
		{"columns assigned", colRes("d", "t", "a", "b"), true, &api.GetResourceLFTagsOutput{
			LFTagOnDatabase: []api.LFTagPair{p("module", "sales")},
			LFTagsOnTable:   []api.LFTagPair{p("class", "public")},
			LFTagsOnColumns: []api.ColumnLFTag{{Name: "B", LFTags: []api.LFTagPair{p("class", "sensitive")}}},
		}},
		{"columns effective", colRes("d", "t", "c"), false, &api.GetResourceLFTagsOutput{
			LFTagOnDatabase: []api.LFTagPair{p("module", "sales")},
			LFTagsOnTable:   []api.LFTagPair{p("class", "public"), p("module", "sales")},
			LFTagsOnColumns: []api.ColumnLFTag{{Name: "c", LFTags: []api.LFTagPair{p("class", "public"), p("module", "orders")}}},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := f.svc.GetResourceLFTags(ctx, api.GetResourceLFTagsInput{Resource: c.res, ShowAssignedLFTags: c.assigned})
			f.must(err)
			wantEqual(t, "tags", got, c.want)
		})
	}
	_, err := f.svc.GetResourceLFTags(ctx, api.GetResourceLFTagsInput{Resource: tableRes("d", "nope")})
	wantCode(t, err, lferr.EntityNotFound, "nope")
}

func TestDroppedResourcesLoseTags(t *testing.T) {
	f := newFixture(t)
	f.tag("module", "sales", "orders")
	f.database("d")
	f.table("d", "t", "a")
	f.table("d", "u", "a")
	f.assign(dbRes("d"), "module", "sales")
	f.assign(tableRes("d", "t"), "module", "orders")
	f.assign(colRes("d", "u", "a"), "module", "orders")

	f.must(f.cat.DeleteTable(ctx, acct, "d", "t"))
	f.table("d", "t", "a")
	wantEqual(t, "re-created table inherits only", f.effective("d", "t").Table, kv("module=sales"))

	f.must(f.cat.DeleteDatabase(ctx, acct, "d"))
	f.database("d")
	f.table("d", "u", "a")
	tt := f.effective("d", "u")
	wantEqual(t, "re-created database", tt.Database, kv())
	wantEqual(t, "re-created column", tt.Columns["a"], kv())
	// No index entry is left: both values can now be deleted... but a tag
	// must keep one value, so delete one of them and check the other is free.
	f.must(f.svc.UpdateLFTag(ctx, api.UpdateLFTagInput{TagKey: "module", TagValuesToDelete: []string{"orders"}, TagValuesToAdd: []string{"x"}}))
	f.must(f.svc.UpdateLFTag(ctx, api.UpdateLFTagInput{TagKey: "module", TagValuesToDelete: []string{"sales"}}))
	f.must(f.db.View(func(tx *store.Tx) error {
		n, err := tx.Count(BucketIndex, "")
		if err == nil && n != 0 {
			t.Errorf("%d index entries left", n)
		}
		return err
	}))
}

func TestEffectiveTagsErrors(t *testing.T) {
	f := newFixture(t)
	f.database("d")
	f.must(f.db.View(func(tx *store.Tx) error {
		_, err := EffectiveTags(tx, acct, "d", "nope")
		wantCode(t, err, lferr.EntityNotFound, "d.nope")
		_, err = EffectiveTags(tx, acct, "", "x")
		wantCode(t, err, lferr.InvalidInput, "")
		_, err = EffectiveDatabaseTags(tx, acct, "nope")
		wantCode(t, err, lferr.EntityNotFound, "nope")
		m, err := EffectiveDatabaseTags(tx, acct, "D")
		wantCode(t, err, "", "")
		wantEqual(t, "untagged", m, map[string]string{})
		return nil
	}))
}

// TestEffectiveTagsProperty assigns random tags at three levels through
// the API and checks EffectiveTags against a naive nearest-assignment
// computation over the same assignments kept in plain maps.
func TestEffectiveTagsProperty(t *testing.T) {
	const (
		dbs, tables, cols, keys, vals = 2, 3, 3, 4, 3
		steps                         = 250
	)
	f := newFixture(t)
	r := rand.New(rand.NewPCG(7, 11))
	for k := 0; k < keys; k++ {
		var vs []string
		for v := 0; v < vals; v++ {
			vs = append(vs, fmt.Sprintf("v%d", v))
		}
		f.tag(fmt.Sprintf("k%d", k), vs...)
	}
	colNames := make([]string, cols)
	for c := range colNames {
		colNames[c] = fmt.Sprintf("c%d", c)
	}
	for d := 0; d < dbs; d++ {
		f.database(fmt.Sprintf("d%d", d))
		for tb := 0; tb < tables; tb++ {
			f.table(fmt.Sprintf("d%d", d), fmt.Sprintf("t%d", tb), colNames...)
		}
	}
	// model: "d", "d/t" or "d/t/c" → key → value.
	model := map[string]map[string]string{}
	set := func(path, k, v string) {
		if model[path] == nil {
			model[path] = map[string]string{}
		}
		if v == "" {
			delete(model[path], k)
		} else {
			model[path][k] = v
		}
	}
	for i := 0; i < steps; i++ {
		d := fmt.Sprintf("d%d", r.IntN(dbs))
		tb := fmt.Sprintf("t%d", r.IntN(tables))
		c := colNames[r.IntN(cols)]
		k := fmt.Sprintf("k%d", r.IntN(keys))
		v := fmt.Sprintf("v%d", r.IntN(vals))
		var res *api.Resource
		var path string
		switch r.IntN(3) {
		case 0:
			res, path = dbRes(d), d
		case 1:
			res, path = tableRes(d, tb), d+"/"+tb
		default:
			res, path = colRes(d, tb, c), d+"/"+tb+"/"+c
		}
		if cur, ok := model[path][k]; ok && r.IntN(2) == 0 {
			f.unassign(res, k, cur)
			set(path, k, "")
		} else {
			f.assign(res, k, v)
			set(path, k, v)
		}
	}
	naive := func(d, tb, c string) map[string]string {
		out := map[string]string{}
		for k := 0; k < keys; k++ {
			key := fmt.Sprintf("k%d", k)
			for _, p := range []string{d + "/" + tb + "/" + c, d + "/" + tb, d} {
				if v, ok := model[p][key]; ok {
					out[key] = v
					break
				}
			}
		}
		return out
	}
	for d := 0; d < dbs; d++ {
		for tb := 0; tb < tables; tb++ {
			dn, tn := fmt.Sprintf("d%d", d), fmt.Sprintf("t%d", tb)
			tt := f.effective(dn, tn)
			wantEqual(t, dn+" db", tt.Database, naive(dn, "\x00", "\x00"))
			wantEqual(t, dn+"."+tn, tt.Table, naive(dn, tn, "\x00"))
			for _, c := range colNames {
				wantEqual(t, dn+"."+tn+"."+c, tt.Columns[c], naive(dn, tn, c))
			}
			f.must(f.db.View(func(tx *store.Tx) error {
				oc, err := EffectiveTagsOfColumns(tx, acct, dn, tn, colNames)
				wantEqual(t, "EffectiveTagsOfColumns "+dn+"."+tn, oc, tt)
				return err
			}))
		}
	}
	checkIndex(t, f)
}

// checkIndex asserts that the index and the assignments agree: every
// assignment has exactly one index entry and vice versa.
func checkIndex(t *testing.T, f *fixture) {
	t.Helper()
	f.must(f.db.View(func(tx *store.Tx) error {
		var a, ix []string
		err := tx.Scan(BucketAssignments, "", func(k string, raw []byte) error {
			v, err := decodeValue(k, raw)
			parts := splitKey(k)
			a = append(a, fmt.Sprint(parts[4], "=", v, "@", parts[1:4]))
			return err
		})
		if err != nil {
			return err
		}
		err = tx.Scan(BucketIndex, "", func(k string, _ []byte) error {
			parts := splitKey(k)
			ix = append(ix, fmt.Sprint(parts[1], "=", parts[2], "@", parts[3:6]))
			return nil
		})
		sort.Strings(a)
		sort.Strings(ix)
		wantEqual(t, "index", ix, a)
		return err
	}))
}

func splitKey(k string) []string {
	var out []string
	start := 0
	for i := 0; i < len(k); i++ {
		if k[i] == store.Sep[0] {
			out = append(out, k[start:i])
			start = i + 1
		}
	}
	return append(out, k[start:])
}

func TestDroppedColumns(t *testing.T) {
	f := newFixture(t)
	f.tag("class", "public", "sensitive")
	f.database("d")
	f.table("d", "t", "a", "b")
	f.assign(colRes("d", "t", "b"), "class", "sensitive")
	f.assign(colRes("d", "t", "a"), "class", "public")
	drop := func(cols ...string) {
		in := api.TableInput{Name: "t", StorageDescriptor: &api.StorageDescriptor{}}
		for _, c := range cols {
			in.StorageDescriptor.Columns = append(in.StorageDescriptor.Columns, api.Column{Name: c, Type: "string"})
		}
		f.must(f.cat.UpdateTable(ctx, acct, "d", in))
	}
	drop("a")
	tt := f.effective("d", "t")
	if _, ok := tt.Columns["b"]; ok {
		t.Fatal("a dropped column is still listed")
	}
	got, err := f.svc.GetResourceLFTags(ctx, api.GetResourceLFTagsInput{Resource: tableRes("d", "t"), ShowAssignedLFTags: true})
	f.must(err)
	wantEqual(t, "assigned columns", len(got.LFTagsOnColumns), 1)
	// The stale assignment of b does not block deleting "sensitive".
	f.must(f.svc.UpdateLFTag(ctx, api.UpdateLFTagInput{TagKey: "class", TagValuesToDelete: []string{"sensitive"}}))
	// A live one still blocks "public".
	wantCode(t, f.svc.UpdateLFTag(ctx, api.UpdateLFTagInput{TagKey: "class", TagValuesToDelete: []string{"public"}}), lferr.InvalidInput, "column a of table d.t")

	// PruneColumnTags clears what a later drop leaves behind.
	f.must(f.svc.UpdateLFTag(ctx, api.UpdateLFTagInput{TagKey: "class", TagValuesToAdd: []string{"sensitive"}}))
	drop("a", "b")
	f.assign(colRes("d", "t", "b"), "class", "sensitive")
	drop("a")
	var n int
	f.must(f.db.Update(func(tx *store.Tx) error { var err error; n, err = PruneColumnTags(tx, acct, "D", "T"); return err }))
	wantEqual(t, "pruned", n, 1)
	drop("a", "b")
	wantEqual(t, "re-added column inherits only", f.effective("d", "t").Columns["b"], kv())
	checkIndex(t, f)
}

func TestNULInNames(t *testing.T) {
	f := newFixture(t)
	f.must(f.db.Update(func(tx *store.Tx) error {
		_, err := EffectiveTags(tx, acct, "a", "t\x00c")
		wantCode(t, err, lferr.InvalidInput, "NUL")
		_, err = EffectiveDatabaseTags(tx, acct, "a\x00")
		wantCode(t, err, lferr.InvalidInput, "NUL")
		wantCode(t, DeleteResourceTags(tx, acct+"\x00a", "d", ""), lferr.InvalidInput, "NUL")
		return nil
	}))
}

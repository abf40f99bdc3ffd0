package lftag

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

func pair(k string, v ...string) api.LFTagPair { return api.LFTagPair{TagKey: k, TagValues: v} }

func TestAddLFTagsToResource(t *testing.T) {
	type failure struct {
		key, code, msg string
	}
	cases := []struct {
		name     string
		res      *api.Resource
		tags     []api.LFTagPair
		code     lferr.Code // whole-request error
		msg      string
		failures []failure
		// effective tags of a.t after the call: table, then column c1
		table, c1 map[string]string
	}{
		{name: "database", res: dbRes("A"), tags: []api.LFTagPair{pair("Module", "Sales")},
			table: kv("module=sales"), c1: kv("module=sales")},
		{name: "table", res: tableRes("a", "T"), tags: []api.LFTagPair{pair("module", "orders"), pair("class", "public")},
			table: kv("module=orders", "class=public"), c1: kv("module=orders", "class=public")},
		{name: "columns", res: colRes("a", "t", "C1", "c1"), tags: []api.LFTagPair{pair("class", "sensitive")},
			table: kv(), c1: kv("class=sensitive")},
		{name: "partition key column", res: colRes("a", "t", "dt"), tags: []api.LFTagPair{pair("class", "public")},
			table: kv(), c1: kv()},
		{name: "partial failure", res: tableRes("a", "t"),
			tags: []api.LFTagPair{pair("module", "sales"), pair("nope", "x"), pair("class", "secret"), pair("class2", "a", "b"), pair("empty")},
			failures: []failure{
				{"nope", "EntityNotFoundException", msgTagMissing},
				{"class", "EntityNotFoundException", msgTagMissing},
				{"class2", "InvalidInputException", "2 were given"},
				{"empty", "InvalidInputException", "0 were given"},
			},
			table: kv("module=sales"), c1: kv("module=sales")},
		{name: "tag of another catalog", res: tableRes("a", "t"), tags: []api.LFTagPair{{CatalogId: "444455556666", TagKey: "module", TagValues: []string{"sales"}}},
			failures: []failure{{"module", "InvalidInputException", "catalog 444455556666"}}, table: kv(), c1: kv()},
		{name: "missing database", res: dbRes("zz"), tags: []api.LFTagPair{pair("module", "sales")}, code: lferr.EntityNotFound, msg: "zz"},
		{name: "missing table", res: tableRes("a", "zz"), tags: []api.LFTagPair{pair("module", "sales")}, code: lferr.EntityNotFound, msg: "zz"},
		{name: "missing column", res: colRes("a", "t", "c1", "zz"), tags: []api.LFTagPair{pair("module", "sales")}, code: lferr.EntityNotFound, msg: "Column zz not found"},
		{name: "table wildcard", res: &api.Resource{Table: &api.TableResource{DatabaseName: "a", TableWildcard: &api.TableWildcard{}}}, tags: []api.LFTagPair{pair("module", "sales")}, code: lferr.InvalidInput, msg: "wildcard"},
		{name: "column wildcard", res: &api.Resource{TableWithColumns: &api.TableWithColumnsResource{DatabaseName: "a", Name: "t", ColumnWildcard: &api.ColumnWildcard{}}}, tags: []api.LFTagPair{pair("module", "sales")}, code: lferr.InvalidInput, msg: "wildcard"},
		{name: "no columns", res: colRes("a", "t"), tags: []api.LFTagPair{pair("module", "sales")}, code: lferr.InvalidInput, msg: "at least one column"},
		{name: "catalog resource", res: &api.Resource{Catalog: &api.CatalogResource{}}, tags: []api.LFTagPair{pair("module", "sales")}, code: lferr.InvalidInput, msg: "only to a database"},
		{name: "two members", res: &api.Resource{Database: &api.DatabaseResource{Name: "a"}, Table: &api.TableResource{DatabaseName: "a", Name: "t"}}, tags: []api.LFTagPair{pair("module", "sales")}, code: lferr.InvalidInput, msg: "exactly one"},
		{name: "no resource", tags: []api.LFTagPair{pair("module", "sales")}, code: lferr.InvalidInput, msg: "Resource is required"},
		{name: "resource in another catalog", res: &api.Resource{Database: &api.DatabaseResource{CatalogId: "444455556666", Name: "a"}}, tags: []api.LFTagPair{pair("module", "sales")}, code: lferr.InvalidInput, msg: "same catalog"},
		{name: "no tags", res: dbRes("a"), code: lferr.InvalidInput, msg: "at least one"},
		{name: "key twice", res: dbRes("a"), tags: []api.LFTagPair{pair("module", "sales"), pair("MODULE", "orders")}, code: lferr.InvalidInput, msg: "more than once"},
		{name: "malformed key", res: dbRes("a"), tags: []api.LFTagPair{pair("mod;ule", "sales")}, code: lferr.InvalidInput, msg: "contains"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.database("a")
			f.table("a", "t", "c1", "c2", "p:dt")
			f.tag("module", "sales", "orders")
			f.tag("class", "public", "sensitive")
			f.tag("class2", "a", "b")
			f.tag("empty", "x")
			out, err := f.svc.AddLFTagsToResource(ctx, api.AddLFTagsToResourceInput{Resource: c.res, LFTags: c.tags})
			wantCode(t, err, c.code, c.msg)
			if c.code != "" {
				return
			}
			var got []failure
			for _, fl := range out.Failures {
				got = append(got, failure{fl.LFTag.TagKey, fl.Error.ErrorCode, fl.Error.ErrorMessage})
			}
			if len(got) != len(c.failures) {
				t.Fatalf("failures %+v, want %+v", got, c.failures)
			}
			for i := range got {
				if got[i].key != c.failures[i].key || got[i].code != c.failures[i].code || !strings.Contains(got[i].msg, c.failures[i].msg) {
					t.Fatalf("failure %d = %+v, want %+v", i, got[i], c.failures[i])
				}
			}
			tt := f.effective("a", "t")
			wantEqual(t, "table", tt.Table, c.table)
			wantEqual(t, "c1", tt.Columns["c1"], c.c1)
		})
	}
}

func TestAssignReplacesValue(t *testing.T) {
	f := newFixture(t)
	f.database("a")
	f.table("a", "t", "c1")
	f.tag("module", "sales", "orders")
	f.assign(tableRes("a", "t"), "module", "sales")
	f.assign(tableRes("a", "t"), "module", "ORDERS")
	wantEqual(t, "replaced", f.effective("a", "t").Table, kv("module=orders"))
	// The old value is no longer in use: it can be deleted.
	f.must(f.svc.UpdateLFTag(ctx, api.UpdateLFTagInput{TagKey: "module", TagValuesToDelete: []string{"sales"}}))
}

func TestTagsPerResourceLimit(t *testing.T) {
	f := newFixture(t)
	f.database("a")
	f.table("a", "t", "c1", "c2")
	f.must(f.db.Update(func(tx *store.Tx) error {
		for i := 0; i <= MaxTagsPerResource; i++ {
			if err := f.svc.In(tx).CreateLFTag(api.CreateLFTagInput{TagKey: fmt.Sprintf("k%02d", i), TagValues: []string{"a", "b"}}); err != nil {
				return err
			}
		}
		return nil
	}))
	// 50 keys on column c1, in one call.
	var tags []api.LFTagPair
	for i := 0; i < MaxTagsPerResource; i++ {
		tags = append(tags, pair(fmt.Sprintf("k%02d", i), "a"))
	}
	out, err := f.svc.AddLFTagsToResource(ctx, api.AddLFTagsToResourceInput{Resource: colRes("a", "t", "c1"), LFTags: tags})
	f.must(err)
	wantEqual(t, "failures", len(out.Failures), 0)
	// Replacing a value of an assigned key is still allowed at the limit.
	f.assign(colRes("a", "t", "c1"), "k00", "b")
	// A 51st key fails for the columns resource as a whole (c2 untouched).
	out, err = f.svc.AddLFTagsToResource(ctx, api.AddLFTagsToResourceInput{Resource: colRes("a", "t", "c2", "c1"), LFTags: []api.LFTagPair{pair("k50", "a")}})
	f.must(err)
	if len(out.Failures) != 1 || out.Failures[0].Error.ErrorCode != string(lferr.ResourceNumberLimitExceeded) || !strings.Contains(out.Failures[0].Error.ErrorMessage, "column c1 of table a.t") {
		t.Fatalf("failures = %+v", out.Failures)
	}
	if _, ok := f.effective("a", "t").Columns["c2"]["k50"]; ok {
		t.Fatal("a failed tag was applied to another column of the same call")
	}
	// More than 50 tags in one call is a bad request.
	_, err = f.svc.AddLFTagsToResource(ctx, api.AddLFTagsToResourceInput{Resource: tableRes("a", "t"), LFTags: append(tags, pair("k50", "a"))})
	wantCode(t, err, lferr.InvalidInput, "at most 50")
}

func TestRemoveLFTagsFromResource(t *testing.T) {
	f := newFixture(t)
	f.database("a")
	f.table("a", "t", "c1", "c2")
	f.tag("module", "sales", "orders", "customers")
	f.assign(dbRes("a"), "module", "sales")
	f.assign(tableRes("a", "t"), "module", "orders")
	f.assign(colRes("a", "t", "c1", "c2"), "module", "customers")

	// Not assigned with that value: failure, nothing removed.
	out, err := f.svc.RemoveLFTagsFromResource(ctx, api.RemoveLFTagsFromResourceInput{Resource: tableRes("a", "t"), LFTags: []api.LFTagPair{pair("module", "sales"), pair("nope", "x"), pair("module2")}})
	wantCode(t, err, "", "")
	if len(out.Failures) != 3 || !strings.Contains(out.Failures[0].Error.ErrorMessage, "not assigned to table a.t") ||
		out.Failures[1].Error.ErrorMessage != msgTagMissing || out.Failures[2].Error.ErrorCode != string(lferr.InvalidInput) {
		t.Fatalf("failures = %+v", out.Failures)
	}
	wantEqual(t, "unchanged", f.effective("a", "t").Table, kv("module=orders"))

	// Column removal: c1's own value goes, c1 shows the table's again.
	f.unassign(colRes("a", "t", "C1"), "module", "Customers")
	tt := f.effective("a", "t")
	wantEqual(t, "c1 restored", tt.Columns["c1"], kv("module=orders"))
	wantEqual(t, "c2 kept", tt.Columns["c2"], kv("module=customers"))
	// Removing from c1 and c2 when c1 no longer has it fails as a whole.
	out, err = f.svc.RemoveLFTagsFromResource(ctx, api.RemoveLFTagsFromResourceInput{Resource: colRes("a", "t", "c2", "c1"), LFTags: []api.LFTagPair{pair("module", "customers")}})
	f.must(err)
	if len(out.Failures) != 1 || !strings.Contains(out.Failures[0].Error.ErrorMessage, "column c1") {
		t.Fatalf("failures = %+v", out.Failures)
	}
	wantEqual(t, "c2 still", f.effective("a", "t").Columns["c2"], kv("module=customers"))
	// Any of several values given matches.
	f.unassign(tableRes("a", "t"), "module", "orders")
	tt = f.effective("a", "t")
	wantEqual(t, "table restored to the database's", tt.Table, kv("module=sales"))
	wantEqual(t, "c1 follows", tt.Columns["c1"], kv("module=sales"))
	out, err = f.svc.RemoveLFTagsFromResource(ctx, api.RemoveLFTagsFromResourceInput{Resource: dbRes("a"), LFTags: []api.LFTagPair{pair("module", "orders", "sales")}})
	f.must(err)
	wantEqual(t, "failures", len(out.Failures), 0)
	tt = f.effective("a", "t")
	wantEqual(t, "all gone", tt.Table, kv())
	wantEqual(t, "c2 own", tt.Columns["c2"], kv("module=customers"))
	checkIndex(t, f)
}

package lftag

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

func TestCreateLFTag(t *testing.T) {
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprint("v", i)
	}
	cases := []struct {
		name       string
		in         api.CreateLFTagInput
		code       lferr.Code
		msg        string
		wantKey    string
		wantValues []string
	}{
		{name: "lower-cased and sorted", in: api.CreateLFTagInput{TagKey: "Module", TagValues: []string{"Sales", "orders", "CUSTOMERS"}},
			wantKey: "module", wantValues: []string{"customers", "orders", "sales"}},
		{name: "values equal but for case collapse", in: api.CreateLFTagInput{TagKey: "level", TagValues: []string{"High", "high", "HIGH"}},
			wantKey: "level", wantValues: []string{"high"}},
		{name: "pattern characters", in: api.CreateLFTagInput{TagKey: "a_b.c:d/e=f+g-h@i%j k", TagValues: []string{"ümlaut 1", ""}},
			wantKey: "a_b.c:d/e=f+g-h@i%j k", wantValues: []string{"", "ümlaut 1"}},
		{name: "explicit catalog", in: api.CreateLFTagInput{CatalogId: acct, TagKey: "x", TagValues: []string{"1"}}, wantKey: "x", wantValues: []string{"1"}},
		{name: "empty key", in: api.CreateLFTagInput{TagKey: "", TagValues: []string{"a"}}, code: lferr.InvalidInput, msg: "1 to 128"},
		{name: "key too long", in: api.CreateLFTagInput{TagKey: strings.Repeat("k", 129), TagValues: []string{"a"}}, code: lferr.InvalidInput, msg: "it has 129"},
		{name: "key of 128 is fine", in: api.CreateLFTagInput{TagKey: strings.Repeat("k", 128), TagValues: []string{"a"}}, wantKey: strings.Repeat("k", 128), wantValues: []string{"a"}},
		{name: "bad key character", in: api.CreateLFTagInput{TagKey: "a*b", TagValues: []string{"a"}}, code: lferr.InvalidInput, msg: "contains '*'"},
		{name: "control character", in: api.CreateLFTagInput{TagKey: "a\x00b", TagValues: []string{"a"}}, code: lferr.InvalidInput},
		{name: "no values", in: api.CreateLFTagInput{TagKey: "k"}, code: lferr.InvalidInput, msg: "at least one value"},
		{name: "51 values", in: api.CreateLFTagInput{TagKey: "k", TagValues: many}, code: lferr.InvalidInput, msg: "51 values"},
		{name: "value too long", in: api.CreateLFTagInput{TagKey: "k", TagValues: []string{strings.Repeat("v", 257)}}, code: lferr.InvalidInput, msg: "limit is 256"},
		{name: "star is reserved", in: api.CreateLFTagInput{TagKey: "k", TagValues: []string{"*"}}, code: lferr.InvalidInput, msg: "reserved"},
		{name: "bad value character", in: api.CreateLFTagInput{TagKey: "k", TagValues: []string{"a;b"}}, code: lferr.InvalidInput, msg: "contains ';'"},
		{name: "invalid utf-8", in: api.CreateLFTagInput{TagKey: "k", TagValues: []string{"\xff"}}, code: lferr.InvalidInput, msg: "UTF-8"},
		{name: "bad catalog", in: api.CreateLFTagInput{CatalogId: "\x01", TagKey: "k", TagValues: []string{"a"}}, code: lferr.InvalidInput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			err := f.svc.CreateLFTag(ctx, c.in)
			wantCode(t, err, c.code, c.msg)
			if c.code != "" {
				n := 0
				f.must(f.db.View(func(tx *store.Tx) error { n, err = tx.Count(BucketTags, ""); return err }))
				if n != 0 {
					t.Fatalf("a failed CreateLFTag stored %d tags", n)
				}
				return
			}
			got, err := f.svc.GetLFTag(ctx, api.GetLFTagInput{TagKey: strings.ToUpper(c.in.TagKey)})
			f.must(err)
			wantEqual(t, "GetLFTag", got, &api.GetLFTagOutput{CatalogId: acct, TagKey: c.wantKey, TagValues: c.wantValues})
		})
	}
}

func TestCreateLFTagDuplicate(t *testing.T) {
	f := newFixture(t)
	f.tag("module", "sales")
	wantCode(t, f.svc.CreateLFTag(ctx, api.CreateLFTagInput{TagKey: "MODULE", TagValues: []string{"x"}}), lferr.AlreadyExists, "module already exists")
	// Another catalog is another namespace.
	f.must(f.svc.CreateLFTag(ctx, api.CreateLFTagInput{CatalogId: "444455556666", TagKey: "module", TagValues: []string{"x"}}))
	got, err := f.svc.GetLFTag(ctx, api.GetLFTagInput{TagKey: "module"})
	f.must(err)
	wantEqual(t, "values untouched", got.TagValues, []string{"sales"})
}

func TestTagLimits(t *testing.T) {
	f := newFixture(t)
	// 1000 keys in one transaction keeps the test fast.
	f.must(f.db.Update(func(tx *store.Tx) error {
		tt := f.svc.In(tx)
		for i := 0; i < MaxKeysPerCatalog; i++ {
			if err := tt.CreateLFTag(api.CreateLFTagInput{TagKey: fmt.Sprintf("k%04d", i), TagValues: []string{"v"}}); err != nil {
				return err
			}
		}
		return nil
	}))
	wantCode(t, f.svc.CreateLFTag(ctx, api.CreateLFTagInput{TagKey: "one-more", TagValues: []string{"v"}}), lferr.ResourceNumberLimitExceeded, "1000 LF-tag keys")

	// 1000 values per key: the key has "v"; 19 calls of 50 and one of 49
	// bring it to exactly 1000, and one more value is refused.
	f.must(f.db.Update(func(tx *store.Tx) error {
		tt := f.svc.In(tx)
		for call := 0; call < 20; call++ {
			n := 50
			if call == 19 {
				n = 49
			}
			vals := make([]string, n)
			for i := range vals {
				vals[i] = fmt.Sprintf("x%04d", call*50+i)
			}
			if err := tt.UpdateLFTag(api.UpdateLFTagInput{TagKey: "k0000", TagValuesToAdd: vals}); err != nil {
				return err
			}
		}
		return nil
	}))
	got, err := f.svc.GetLFTag(ctx, api.GetLFTagInput{TagKey: "k0000"})
	f.must(err)
	if len(got.TagValues) != MaxValuesPerKey {
		t.Fatalf("got %d values, want %d", len(got.TagValues), MaxValuesPerKey)
	}
	wantCode(t, f.svc.UpdateLFTag(ctx, api.UpdateLFTagInput{TagKey: "k0000", TagValuesToAdd: []string{"straw"}}), lferr.ResourceNumberLimitExceeded, "limit is 1000")
	// Re-adding existing values is not growth.
	f.must(f.svc.UpdateLFTag(ctx, api.UpdateLFTagInput{TagKey: "k0000", TagValuesToAdd: []string{"V", "x0001"}}))
}

func TestUpdateLFTag(t *testing.T) {
	cases := []struct {
		name string
		in   api.UpdateLFTagInput
		code lferr.Code
		msg  string
		want []string // values after the call
	}{
		{name: "add lower-cased", in: api.UpdateLFTagInput{TagKey: "Module", TagValuesToAdd: []string{"Billing"}}, want: []string{"billing", "customers", "orders", "sales"}},
		{name: "add existing is a no-op", in: api.UpdateLFTagInput{TagKey: "module", TagValuesToAdd: []string{"SALES"}}, want: []string{"customers", "orders", "sales"}},
		{name: "delete unassigned", in: api.UpdateLFTagInput{TagKey: "module", TagValuesToDelete: []string{"Customers"}}, want: []string{"orders", "sales"}},
		{name: "add and delete", in: api.UpdateLFTagInput{TagKey: "module", TagValuesToAdd: []string{"x"}, TagValuesToDelete: []string{"customers"}}, want: []string{"orders", "sales", "x"}},
		{name: "delete assigned to a database", in: api.UpdateLFTagInput{TagKey: "module", TagValuesToDelete: []string{"sales"}}, code: lferr.InvalidInput, msg: "Update not allowed: value sales of LF-tag module is still assigned to database a"},
		{name: "delete assigned to a column", in: api.UpdateLFTagInput{TagKey: "module", TagValuesToDelete: []string{"orders"}}, code: lferr.InvalidInput, msg: "still assigned to column c1 of table a.t"},
		{name: "delete missing value", in: api.UpdateLFTagInput{TagKey: "module", TagValuesToDelete: []string{"nope"}}, code: lferr.EntityNotFound, msg: "nope does not exist"},
		{name: "missing key", in: api.UpdateLFTagInput{TagKey: "nope", TagValuesToAdd: []string{"a"}}, code: lferr.EntityNotFound, msg: "nope does not exist"},
		{name: "nothing to do", in: api.UpdateLFTagInput{TagKey: "module"}, code: lferr.InvalidInput, msg: "needs TagValuesToAdd or TagValuesToDelete"},
		{name: "same value both ways", in: api.UpdateLFTagInput{TagKey: "module", TagValuesToAdd: []string{"X"}, TagValuesToDelete: []string{"x"}}, code: lferr.InvalidInput, msg: "both in"},
		{name: "star", in: api.UpdateLFTagInput{TagKey: "module", TagValuesToAdd: []string{"*"}}, code: lferr.InvalidInput, msg: "reserved"},
		{name: "too many", in: api.UpdateLFTagInput{TagKey: "module", TagValuesToAdd: make([]string, 51)}, code: lferr.InvalidInput, msg: "51 values"},
		{name: "delete the last values", in: api.UpdateLFTagInput{TagKey: "single", TagValuesToDelete: []string{"only"}}, code: lferr.InvalidInput, msg: "at least one value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.database("a")
			f.table("a", "t", "c1", "c2")
			f.tag("module", "sales", "orders", "customers")
			f.tag("single", "only")
			f.assign(dbRes("a"), "module", "sales")
			f.assign(colRes("a", "t", "c1"), "module", "orders")
			err := f.svc.UpdateLFTag(ctx, c.in)
			wantCode(t, err, c.code, c.msg)
			if c.code != "" {
				return
			}
			got, err := f.svc.GetLFTag(ctx, api.GetLFTagInput{TagKey: "module"})
			f.must(err)
			wantEqual(t, "values", got.TagValues, c.want)
		})
	}
}

func TestUpdateAfterUnassign(t *testing.T) {
	// Once the last assignment of a value goes, the value can be deleted.
	f := newFixture(t)
	f.database("a")
	f.table("a", "t", "c1")
	f.tag("module", "sales", "orders")
	f.assign(tableRes("a", "t"), "module", "orders")
	f.assign(colRes("a", "t", "c1"), "module", "orders")
	del := api.UpdateLFTagInput{TagKey: "module", TagValuesToDelete: []string{"orders"}}
	wantCode(t, f.svc.UpdateLFTag(ctx, del), lferr.InvalidInput, "Update not allowed")
	f.unassign(tableRes("a", "t"), "module", "orders")
	wantCode(t, f.svc.UpdateLFTag(ctx, del), lferr.InvalidInput, "column c1")
	// Replacing the value frees "orders" as well.
	f.assign(colRes("a", "t", "c1"), "module", "sales")
	f.must(f.svc.UpdateLFTag(ctx, del))
}

func TestDeleteLFTag(t *testing.T) {
	f := newFixture(t)
	f.database("a")
	f.table("a", "t", "c1", "c2")
	f.tag("module", "sales", "orders")
	f.tag("class", "public", "sensitive")
	f.assign(dbRes("a"), "module", "sales")
	f.assign(tableRes("a", "t"), "class", "public")
	f.assign(tableRes("a", "t"), "module", "orders")
	f.assign(colRes("a", "t", "c2"), "class", "sensitive")

	wantCode(t, f.svc.DeleteLFTag(ctx, api.DeleteLFTagInput{TagKey: "nope"}), lferr.EntityNotFound, "nope does not exist")
	f.must(f.svc.DeleteLFTag(ctx, api.DeleteLFTagInput{TagKey: "CLASS"}))
	wantEqual(t, "hooks", f.deletedTags, []string{acct + ":class"})
	tt := f.effective("a", "t")
	wantEqual(t, "table", tt.Table, kv("module=orders"))
	wantEqual(t, "c2", tt.Columns["c2"], kv("module=orders"))
	_, err := f.svc.GetLFTag(ctx, api.GetLFTagInput{TagKey: "class"})
	wantCode(t, err, lferr.EntityNotFound, "")
	// Nothing of the key is left in either bucket.
	f.must(f.db.View(func(tx *store.Tx) error {
		for _, b := range []string{BucketAssignments, BucketIndex} {
			err := tx.Scan(b, "", func(k string, _ []byte) error {
				if strings.Contains(k, store.Sep+"class"+store.Sep) || strings.HasSuffix(k, store.Sep+"class") {
					t.Errorf("%s still has %q", b, k)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}))
	// Re-created, the key starts unassigned.
	f.tag("class", "public")
	tt = f.effective("a", "t")
	if _, ok := tt.Table["class"]; ok {
		t.Fatal("a re-created tag key came back assigned")
	}
	// Deleting a key assigned at the table exposes the database's value.
	f.must(f.svc.DeleteLFTag(ctx, api.DeleteLFTagInput{TagKey: "module"}))
	wantEqual(t, "after module deleted", f.effective("a", "t").Table, kv())
	checkIndex(t, f)
}

func TestDeleteHookErrorRollsBack(t *testing.T) {
	f := newFixture(t)
	f.database("a")
	f.tag("module", "sales")
	f.assign(dbRes("a"), "module", "sales")
	f.svc.cfg.OnDeleteTag = append(f.svc.cfg.OnDeleteTag, func(*store.Tx, string, string) error {
		return lferr.New(lferr.ConcurrentModification, "grant table busy")
	})
	wantCode(t, f.svc.DeleteLFTag(ctx, api.DeleteLFTagInput{TagKey: "module"}), lferr.ConcurrentModification, "busy")
	var m map[string]string
	f.must(f.db.View(func(tx *store.Tx) error { var err error; m, err = EffectiveDatabaseTags(tx, acct, "a"); return err }))
	wantEqual(t, "assignment survives", m, kv("module=sales"))
}

func TestListLFTags(t *testing.T) {
	f := newFixture(t)
	for _, k := range []string{"e", "b", "d", "a", "c"} {
		f.tag(k, "v-"+k)
	}
	var keys []string
	token := ""
	pages := 0
	for {
		out, err := f.svc.ListLFTags(ctx, api.ListLFTagsInput{MaxResults: 2, NextToken: token}, nil)
		f.must(err)
		pages++
		for _, p := range out.LFTags {
			keys = append(keys, p.TagKey)
			wantEqual(t, "pair", p, api.LFTagPair{CatalogId: acct, TagKey: p.TagKey, TagValues: []string{"v-" + p.TagKey}})
		}
		if out.NextToken == "" {
			break
		}
		token = out.NextToken
	}
	wantEqual(t, "keys", keys, []string{"a", "b", "c", "d", "e"})
	if pages != 3 {
		t.Fatalf("%d pages, want 3", pages)
	}
	// A visibility filter is applied before paging.
	out, err := f.svc.ListLFTags(ctx, api.ListLFTagsInput{MaxResults: 2}, func(p *api.LFTagPair) bool {
		p.TagValues = nil
		return p.TagKey != "a" && p.TagKey != "b"
	})
	f.must(err)
	wantEqual(t, "filtered", len(out.LFTags), 2)
	wantEqual(t, "filtered first", out.LFTags[0].TagKey, "c")
	wantEqual(t, "values trimmed", out.LFTags[0].TagValues, []string(nil))
	got, err := f.svc.GetLFTag(ctx, api.GetLFTagInput{TagKey: "c"})
	f.must(err)
	wantEqual(t, "stored values untouched", got.TagValues, []string{"v-c"})
	out, err = f.svc.ListLFTags(ctx, api.ListLFTagsInput{ResourceShareType: "FOREIGN"}, nil)
	f.must(err)
	wantEqual(t, "foreign", len(out.LFTags), 0)

	for _, bad := range []api.ListLFTagsInput{
		{MaxResults: 1001},
		{MaxResults: -1},
		{NextToken: "!!!"},
		{NextToken: encodeToken("ListLFTagExpressions", "a")},
		{ResourceShareType: "MINE"},
	} {
		_, err := f.svc.ListLFTags(ctx, bad, nil)
		wantCode(t, err, lferr.InvalidInput, "")
	}
}

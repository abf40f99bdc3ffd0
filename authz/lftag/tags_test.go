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

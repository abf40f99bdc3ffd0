package lftag

import (
	"fmt"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/store"
)

// benchCatalog builds databases×tables tables of 50 columns; every database
// has 3 tags, every table 2 (one overriding), 5 columns of each table 1.
func benchCatalog(b *testing.B, databases, tables int) *fixture {
	f := newFixture(b)
	cols := make([]api.Column, 50)
	for i := range cols {
		cols[i] = api.Column{Name: fmt.Sprintf("col%02d", i), Type: "string"}
	}
	err := f.db.Update(func(tx *store.Tx) error {
		lt, ct := f.svc.In(tx), f.cat.In(tx, "")
		for _, k := range []string{"module", "region", "class", "owner"} {
			if err := lt.CreateLFTag(api.CreateLFTagInput{TagKey: k, TagValues: []string{"a", "b", "c"}}); err != nil {
				return err
			}
		}
		add := func(r *api.Resource, k, v string) error {
			_, err := lt.AddLFTagsToResource(api.AddLFTagsToResourceInput{Resource: r, LFTags: []api.LFTagPair{pair(k, v)}})
			return err
		}
		for d := 0; d < databases; d++ {
			db := fmt.Sprintf("db%03d", d)
			if err := ct.CreateDatabase(acct, api.DatabaseInput{Name: db, LocationUri: "file:///wh/" + db}); err != nil {
				return err
			}
			for _, k := range []string{"module", "region", "class"} {
				if err := add(dbRes(db), k, "a"); err != nil {
					return err
				}
			}
			for tb := 0; tb < tables; tb++ {
				name := fmt.Sprintf("t%04d", tb)
				if err := ct.CreateTable(acct, db, api.TableInput{Name: name, StorageDescriptor: &api.StorageDescriptor{Columns: cols}}); err != nil {
					return err
				}
				if err := add(tableRes(db, name), "module", "b"); err != nil {
					return err
				}
				if err := add(tableRes(db, name), "owner", "c"); err != nil {
					return err
				}
				if err := add(colRes(db, name, "col01", "col10", "col20", "col30", "col40"), "class", "c"); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkEffectiveTags: the resolver's per-table read (in a read
// transaction) at 100 and 10 000 tables; the cost must not grow with the
// catalog.
func BenchmarkEffectiveTags(b *testing.B) {
	for _, size := range [][2]int{{1, 100}, {10, 1000}} {
		b.Run(fmt.Sprintf("tables=%d", size[0]*size[1]), func(b *testing.B) {
			f := benchCatalog(b, size[0], size[1])
			defer f.db.Close()
			err := f.db.View(func(tx *store.Tx) error {
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := EffectiveTags(tx, acct, fmt.Sprintf("db%03d", i%size[0]), fmt.Sprintf("t%04d", i%size[1])); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkMatch: one expression against one column's tags (the resolver
// runs it per column per LF-tag policy grant).
func BenchmarkMatch(b *testing.B) {
	tags := kv("module=b", "region=a", "class=c", "owner=c")
	expr := []api.LFTag{e("module", "a", "b"), e("class", "*"), e("owner", "c")}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if !Match(expr, tags) {
			b.Fatal("no match")
		}
	}
}

// BenchmarkSearchTables: a full search over 1000 tables.
func BenchmarkSearchTables(b *testing.B) {
	f := benchCatalog(b, 10, 100)
	defer f.db.Close()
	in := api.SearchTablesByLFTagsInput{Expression: []api.LFTag{e("module", "b")}, MaxResults: 100}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		for tok := ""; ; {
			in.NextToken = tok
			out, err := f.svc.SearchTablesByLFTags(ctx, in, nil)
			if err != nil {
				b.Fatal(err)
			}
			n += len(out.TableList)
			if tok = out.NextToken; tok == "" {
				break
			}
		}
		if n != 1000 {
			b.Fatalf("found %d", n)
		}
	}
}

// BenchmarkEffectiveTagsOfColumns: the same read when the caller passes
// the column names it already has.
func BenchmarkEffectiveTagsOfColumns(b *testing.B) {
	f := benchCatalog(b, 1, 100)
	defer f.db.Close()
	cols := make([]string, 50)
	for i := range cols {
		cols[i] = fmt.Sprintf("col%02d", i)
	}
	err := f.db.View(func(tx *store.Tx) error {
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := EffectiveTagsOfColumns(tx, acct, "db000", fmt.Sprintf("t%04d", i%100), cols); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

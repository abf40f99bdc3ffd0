package lftag

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/catalog"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

const acct = "111122223333"

var ctx = context.Background()

type fixture struct {
	t            testing.TB
	db           *store.DB
	cat          *catalog.Catalog
	svc          *Service
	deletedTags  []string
	deletedExprs []string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "catalog.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	f := &fixture{t: t, db: db}
	f.cat = catalog.New(db, catalog.Config{
		DatabaseLocation: func(c, d string) string { return "file:///wh/" + d + ".db/" },
		OnDelete:         []func(*store.Tx, catalog.Resource) error{OnCatalogDelete},
	})
	f.svc = New(db, f.cat, Config{
		AccountID: acct,
		OnDeleteTag: []func(*store.Tx, string, string) error{func(_ *store.Tx, c, k string) error {
			f.deletedTags = append(f.deletedTags, c+":"+k)
			return nil
		}},
		OnDeleteExpression: []func(*store.Tx, string, string) error{func(_ *store.Tx, c, n string) error {
			f.deletedExprs = append(f.deletedExprs, c+":"+n)
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

// database creates a database.
func (f *fixture) database(name string) {
	f.t.Helper()
	f.must(f.cat.CreateDatabase(ctx, acct, api.DatabaseInput{Name: name}))
}

// table creates db.name with string columns cols; a column written
// "p:name" is a partition key.
func (f *fixture) table(db, name string, cols ...string) {
	f.t.Helper()
	in := api.TableInput{Name: name, StorageDescriptor: &api.StorageDescriptor{}}
	for _, c := range cols {
		if p, ok := strings.CutPrefix(c, "p:"); ok {
			in.PartitionKeys = append(in.PartitionKeys, api.Column{Name: p, Type: "string"})
		} else {
			in.StorageDescriptor.Columns = append(in.StorageDescriptor.Columns, api.Column{Name: c, Type: "string"})
		}
	}
	f.must(f.cat.CreateTable(ctx, acct, db, in))
}

func (f *fixture) tag(key string, values ...string) {
	f.t.Helper()
	f.must(f.svc.CreateLFTag(ctx, api.CreateLFTagInput{TagKey: key, TagValues: values}))
}

// assign adds key=value to res and fails the test on any failure.
func (f *fixture) assign(res *api.Resource, key, value string) {
	f.t.Helper()
	out, err := f.svc.AddLFTagsToResource(ctx, api.AddLFTagsToResourceInput{Resource: res, LFTags: []api.LFTagPair{{TagKey: key, TagValues: []string{value}}}})
	f.must(err)
	if len(out.Failures) > 0 {
		f.t.Fatalf("assign %s=%s: failures %+v", key, value, *out.Failures[0].Error)
	}
}

func (f *fixture) unassign(res *api.Resource, key, value string) {
	f.t.Helper()
	out, err := f.svc.RemoveLFTagsFromResource(ctx, api.RemoveLFTagsFromResourceInput{Resource: res, LFTags: []api.LFTagPair{{TagKey: key, TagValues: []string{value}}}})
	f.must(err)
	if len(out.Failures) > 0 {
		f.t.Fatalf("unassign %s=%s: failures %+v", key, value, *out.Failures[0].Error)
	}
}

func (f *fixture) effective(db, table string) *TableTags {
	f.t.Helper()
	var tt *TableTags
	f.must(f.db.View(func(tx *store.Tx) error {
		var err error
		tt, err = EffectiveTags(tx, acct, db, table)
		return err
	}))
	return tt
}

func dbRes(name string) *api.Resource {
	return &api.Resource{Database: &api.DatabaseResource{Name: name}}
}

func tableRes(db, name string) *api.Resource {
	return &api.Resource{Table: &api.TableResource{DatabaseName: db, Name: name}}
}

func colRes(db, table string, cols ...string) *api.Resource {
	return &api.Resource{TableWithColumns: &api.TableWithColumnsResource{DatabaseName: db, Name: table, ColumnNames: cols}}
}

func wantCode(t *testing.T, err error, code lferr.Code, msgPart string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	if lferr.CodeOf(err) != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if msgPart != "" && !strings.Contains(lferr.MessageOf(err), msgPart) {
		t.Fatalf("message %q does not contain %q", lferr.MessageOf(err), msgPart)
	}
}

func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}

// kv builds a tag map from "k=v" strings.
func kv(pairs ...string) map[string]string {
	m := map[string]string{}
	for _, p := range pairs {
		k, v, _ := strings.Cut(p, "=")
		m[k] = v
	}
	return m
}

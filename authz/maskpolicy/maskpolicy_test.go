package maskpolicy

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/catalog"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

const acct = "111122223333"

func setup(t *testing.T) (*store.DB, *catalog.Catalog) {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "c.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	cat := catalog.New(db, catalog.Config{Now: time.Now, DatabaseLocation: func(c, d string) string { return "file:///wh/" + d + "/" }})
	err = db.Update(func(tx *store.Tx) error {
		c := cat.In(tx, "")
		if err := c.CreateDatabase(acct, api.DatabaseInput{Name: "hr"}); err != nil {
			return err
		}
		return c.CreateTable(acct, "hr", api.TableInput{Name: "people", StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{
			{Name: "email", Type: "string"}, {Name: "salary", Type: "bigint"}, {Name: "born", Type: "date"}, {Name: "dept", Type: "string"}}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	return db, cat
}

func wantCode(t *testing.T, err error, code lferr.Code, part string) {
	t.Helper()
	if lferr.CodeOf(err) != code || !strings.Contains(lferr.MessageOf(err), part) {
		t.Fatalf("err = %v, want %s containing %q", err, code, part)
	}
}

func TestCreateValidation(t *testing.T) {
	db, cat := setup(t)
	col := func(name, c, expr string) api.ColumnMaskPolicy {
		return api.ColumnMaskPolicy{Name: name, DatabaseName: "hr", TableName: "people", ColumnName: c, MaskExpression: expr}
	}
	cases := []struct {
		name string
		p    api.ColumnMaskPolicy
		code lferr.Code
		msg  string
	}{
		{"redact email", col("m1", "email", "redact"), "", ""},
		{"salary default", col("m2", "SALARY", "default"), "", ""},
		{"refers to another column", col("m3", "email", `dept == "hr" ? value : redact(value)`), "", ""},
		{"date truncation", col("m4", "born", "truncate_date(year)"), "", ""},
		{"tag mask", api.ColumnMaskPolicy{Name: "t1", TagKey: "PII", TagValue: "yes", MaskExpression: "null"}, "", ""},
		{"wrong result type", col("x1", "salary", "redact"), lferr.InvalidInput, "does not type-check for a bigint column"},
		{"CEL syntax error", col("x2", "email", "value +"), lferr.InvalidInput, "does not type-check"},
		{"unknown column", col("x3", "nope", "redact"), lferr.InvalidInput, "has no column nope"},
		{"unknown table", api.ColumnMaskPolicy{Name: "x4", DatabaseName: "hr", TableName: "nope", ColumnName: "a", MaskExpression: "null"}, lferr.EntityNotFound, "nope"},
		{"both targets", api.ColumnMaskPolicy{Name: "x5", DatabaseName: "hr", TableName: "people", ColumnName: "email", TagKey: "k", TagValue: "v", MaskExpression: "null"}, lferr.InvalidInput, "exactly one target"},
		{"no target", api.ColumnMaskPolicy{Name: "x6", MaskExpression: "null"}, lferr.InvalidInput, "has no target"},
		{"partial column target", api.ColumnMaskPolicy{Name: "x7", TableName: "people", MaskExpression: "null"}, lferr.InvalidInput, "needs DatabaseName, TableName and ColumnName"},
		{"tag without value", api.ColumnMaskPolicy{Name: "x8", TagKey: "k", MaskExpression: "null"}, lferr.InvalidInput, "needs both TagKey and TagValue"},
		{"empty expression", col("x9", "email", " "), lferr.InvalidInput, "MaskExpression is required"},
		{"no name", col("", "email", "redact"), lferr.InvalidInput, "Name is required"},
		{"tag mask no type fits", api.ColumnMaskPolicy{Name: "x10", TagKey: "k", TagValue: "v", MaskExpression: "value.nope()"}, lferr.InvalidInput, "does not type-check for any column type"},
		{"duplicate", col("m1", "email", "sha256"), lferr.AlreadyExists, "m1 already exists"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := db.Update(func(tx *store.Tx) error { return Create(tx, cat, acct, c.p) })
			if c.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, c.code, c.msg)
		})
	}
	var ps []api.ColumnMaskPolicy
	_ = db.View(func(tx *store.Tx) (err error) { ps, err = List(tx, acct); return })
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	if !reflect.DeepEqual(names, []string{"m1", "m2", "m3", "m4", "t1"}) {
		t.Fatalf("List = %v", names)
	}
	if ps[1].ColumnName != "salary" || ps[4].TagKey != "pii" || ps[0].CatalogId != acct {
		t.Errorf("normalization: %+v %+v", ps[1], ps[4])
	}
}

func TestUpdateDeleteGetForTable(t *testing.T) {
	db, cat := setup(t)
	up := func(fn func(tx *store.Tx) error) error { return db.Update(fn) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(up(func(tx *store.Tx) error {
		return Create(tx, cat, acct, api.ColumnMaskPolicy{Name: "e", DatabaseName: "hr", TableName: "people", ColumnName: "email", MaskExpression: "redact"})
	}))
	must(up(func(tx *store.Tx) error {
		return Create(tx, cat, acct, api.ColumnMaskPolicy{Name: "pii", TagKey: "pii", TagValue: "YES", MaskExpression: "null"})
	}))
	wantCode(t, up(func(tx *store.Tx) error {
		return Update(tx, cat, acct, api.ColumnMaskPolicy{Name: "e", DatabaseName: "hr", TableName: "people", ColumnName: "email", MaskExpression: "1"})
	}), lferr.InvalidInput, "does not type-check")
	must(up(func(tx *store.Tx) error {
		return Update(tx, cat, acct, api.ColumnMaskPolicy{Name: "e", DatabaseName: "hr", TableName: "people", ColumnName: "email", MaskExpression: "sha256"})
	}))
	wantCode(t, up(func(tx *store.Tx) error {
		return Update(tx, cat, acct, api.ColumnMaskPolicy{Name: "zz", TagKey: "a", TagValue: "b", MaskExpression: "null"})
	}), lferr.EntityNotFound, "zz not found")

	tags := ColumnTags{"email": {"pii": "yes"}, "dept": {"pii": "no"}, "salary": {"pii": "yes", "x": "y"}}
	var cands []Candidate
	must(db.View(func(tx *store.Tx) (err error) {
		cands, err = ForTable(tx, acct, "HR", "People", func() (ColumnTags, error) { return tags, nil })
		return
	}))
	want := []Candidate{
		{Column: "email", Policy: "e", Expression: "sha256"},
		{Column: "email", Policy: "pii", Expression: "null", ViaTag: "pii=yes"},
		{Column: "salary", Policy: "pii", Expression: "null", ViaTag: "pii=yes"},
	}
	if !reflect.DeepEqual(cands, want) {
		t.Fatalf("ForTable = %+v", cands)
	}
	tbl := &api.Table{Name: "people", StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "email", Type: "string"}, {Name: "n", Type: "bigint"}}}}
	cc := &CompileCache{}
	for _, c := range []*CompileCache{nil, cc, cc} { // uncached, then cold and warm memo
		if err := c.CompileFor(tbl, Candidate{Column: "n", Policy: "p", Expression: "redact", ViaTag: "k=v"}); lferr.CodeOf(err) != lferr.InternalService {
			t.Errorf("redact on bigint: %v", err)
		}
		if err := c.CompileFor(tbl, Candidate{Column: "email", Policy: "p", Expression: "redact", ViaTag: "k=v"}); err != nil {
			t.Errorf("redact on string: %v", err)
		}
	}

	var got *api.ColumnMaskPolicy
	must(db.View(func(tx *store.Tx) (err error) { got, err = Get(tx, acct, "e"); return }))
	if got.MaskExpression != "sha256" {
		t.Errorf("Get = %+v", got)
	}
	must(up(func(tx *store.Tx) error { return Delete(tx, acct, "e") }))
	wantCode(t, up(func(tx *store.Tx) error { return Delete(tx, acct, "e") }), lferr.EntityNotFound, "e not found")
	wantCode(t, db.View(func(tx *store.Tx) error { _, err := Get(tx, acct, "e"); return err }), lferr.EntityNotFound, "not found")
}

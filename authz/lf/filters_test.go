package lf

import (
	"slices"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

func TestDataCellsFilterValidation(t *testing.T) {
	e := salesEnv(t)
	rf := func(expr string) *api.RowFilter { return &api.RowFilter{FilterExpression: expr} }
	all := &api.RowFilter{AllRowsWildcard: &struct{}{}}
	f := func(name string, row *api.RowFilter, cols []string, wc *api.ColumnWildcard) api.DataCellsFilter {
		return api.DataCellsFilter{DatabaseName: "sales", TableName: "orders", Name: name, RowFilter: row, ColumnNames: cols, ColumnWildcard: wc}
	}
	long := make([]byte, 2048)
	for i := range long {
		long[i] = 'a'
	}
	cases := []struct {
		name string
		f    api.DataCellsFilter
		code lferr.Code
		msg  string
	}{
		{"no name", f("", all, []string{"id"}, nil), lferr.InvalidInput, "Name must be 1 to 255"},
		{"bad name", f("a\x00b", all, []string{"id"}, nil), lferr.InvalidInput, "U+0000"},
		{"no table", api.DataCellsFilter{DatabaseName: "sales", Name: "x", RowFilter: all, ColumnNames: []string{"id"}}, lferr.InvalidInput, "needs DatabaseName and TableName"},
		{"missing table", api.DataCellsFilter{DatabaseName: "sales", TableName: "nope", Name: "x", RowFilter: all, ColumnNames: []string{"id"}}, lferr.EntityNotFound, "nope"},
		{"missing database", api.DataCellsFilter{DatabaseName: "nope", TableName: "orders", Name: "x", RowFilter: all, ColumnNames: []string{"id"}}, lferr.EntityNotFound, "Database nope"},
		{"other catalog", api.DataCellsFilter{TableCatalogId: "999988887777", DatabaseName: "sales", TableName: "orders", Name: "x", RowFilter: all, ColumnNames: []string{"id"}}, lferr.InvalidInput, "cross-account"},
		{"view", api.DataCellsFilter{DatabaseName: "sales", TableName: "v", Name: "x", RowFilter: all, ColumnNames: []string{"id"}}, lferr.InvalidInput, "not supported on views"},
		{"both column forms", f("x", all, []string{"id"}, &api.ColumnWildcard{}), lferr.InvalidInput, "both ColumnNames and ColumnWildcard"},
		{"no column form", f("x", all, nil, nil), lferr.InvalidInput, "needs ColumnNames or ColumnWildcard"},
		{"unknown column", f("x", all, []string{"id", "nope"}, nil), lferr.InvalidInput, "Column nope not found in table sales.orders"},
		{"unknown excluded column", f("x", all, nil, &api.ColumnWildcard{ExcludedColumnNames: []string{"nope"}}), lferr.InvalidInput, "Column nope not found"},
		{"excluded partition key", f("x", all, nil, &api.ColumnWildcard{ExcludedColumnNames: []string{"region"}}), lferr.InvalidInput, "partition key"},
		{"excludes everything", api.DataCellsFilter{DatabaseName: "sales", TableName: "items", Name: "x", RowFilter: all, ColumnWildcard: &api.ColumnWildcard{ExcludedColumnNames: []string{"sku", "qty"}}}, lferr.InvalidInput, "excludes every column of sales.items"},
		{"nested path", f("x", all, []string{`"customer"."name"`}, nil), lferr.InvalidInput, "nested column path"},
		{"no row filter", f("x", nil, []string{"id"}, nil), lferr.InvalidInput, "needs a RowFilter"},
		{"both row forms", f("x", &api.RowFilter{FilterExpression: "id = 1", AllRowsWildcard: &struct{}{}}, []string{"id"}, nil), lferr.InvalidInput, "both FilterExpression and AllRowsWildcard"},
		{"empty row filter", f("x", &api.RowFilter{}, []string{"id"}, nil), lferr.InvalidInput, "needs a FilterExpression or AllRowsWildcard"},
		{"syntax error", f("x", rf("id = "), []string{"id"}, nil), lferr.InvalidInput, "bad FilterExpression"},
		{"function call", f("x", rf("upper(product) = 'X'"), []string{"id"}, nil), lferr.InvalidInput, "bad FilterExpression"},
		{"column to column", f("x", rf("product = customer"), []string{"id"}, nil), lferr.InvalidInput, "bad FilterExpression"},
		{"unknown filter column", f("x", rf("nope = 1"), []string{"id"}, nil), lferr.InvalidInput, "does not fit table sales.orders"},
		{"type mismatch", f("x", rf("id = 'abc'"), []string{"id"}, nil), lferr.InvalidInput, "does not fit table sales.orders"},
		{"IS NULL on partition", f("x", rf("region IS NULL"), []string{"id"}, nil), lferr.InvalidInput, "does not fit"},
		{"too long", f("x", rf(string(long)), []string{"id"}, nil), lferr.InvalidInput, "shorter than 2048"},
		{"exists", f("eu", all, []string{"id"}, nil), lferr.AlreadyExists, "eu already exists"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := e.update(func(tx *store.Tx) error { return CreateDataCellsFilter(tx, acct, trusted, c.f) })
			wantErr(t, err, c.code, c.msg)
		})
	}
	// Fine shapes: row-level, column-level, cell-level.
	for _, g := range []api.DataCellsFilter{
		f("rows", rf("price > 10 AND region = 'us'"), nil, &api.ColumnWildcard{}),
		f("cols", all, nil, &api.ColumnWildcard{ExcludedColumnNames: []string{"CUSTOMER"}}),
		f("cells", rf("product LIKE 'a%' OR id BETWEEN 1 AND 9"), []string{"ID", "price"}, nil),
	} {
		if err := e.update(func(tx *store.Tx) error { return CreateDataCellsFilter(tx, acct, trusted, g) }); err != nil {
			t.Errorf("%s: %v", g.Name, err)
		}
	}
	e.view(func(tx *store.Tx) error {
		got, err := GetDataCellsFilter(tx, acct, "SALES", "Orders", "cells")
		if err != nil {
			return err
		}
		if !slices.Equal(got.ColumnNames, []string{"id", "price"}) || got.VersionId != "0" || got.TableCatalogId != acct {
			t.Errorf("stored filter: %+v", got)
		}
		got, _ = GetDataCellsFilter(tx, acct, "sales", "orders", "cols")
		if !slices.Equal(got.ColumnWildcard.ExcludedColumnNames, []string{"customer"}) {
			t.Errorf("excluded columns not canonical: %+v", got)
		}
		_, err = GetDataCellsFilter(tx, acct, "sales", "orders", "nope")
		wantErr(t, err, lferr.EntityNotFound, "nope")
		return nil
	})
}

func TestDataCellsFilterLifecycle(t *testing.T) {
	e := salesEnv(t)
	as := func(p string) Caller { return Caller{Principals: []string{p}} }
	base := api.DataCellsFilter{DatabaseName: "sales", TableName: "orders", Name: "big", RowFilter: &api.RowFilter{FilterExpression: "price > 100"}, ColumnNames: []string{"id"}}
	// Creating needs SELECT with grant option on the whole table.
	wantErr(t, e.update(func(tx *store.Tx) error { return CreateDataCellsFilter(tx, acct, as(analyst), base) }), lferr.AccessDenied, "SELECT with grant option")
	e.mustGrant(analyst, tableRes("sales", "orders"), []string{"SELECT"}, "SELECT")
	if err := e.update(func(tx *store.Tx) error { return CreateDataCellsFilter(tx, acct, as(analyst), base) }); err != nil {
		t.Fatal(err)
	}
	e.mustGrant(role("reader"), filterRes("sales", "orders", "big"), []string{"SELECT"})

	// Update bumps the version; a stale version is refused.
	upd := base
	upd.RowFilter = &api.RowFilter{FilterExpression: "price > 1000"}
	upd.VersionId = "0"
	if err := e.update(func(tx *store.Tx) error { return UpdateDataCellsFilter(tx, acct, as(adminRole), upd) }); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.update(func(tx *store.Tx) error { return UpdateDataCellsFilter(tx, acct, as(adminRole), upd) }), lferr.ConcurrentModification, "version 0 given, current version is 1")
	upd.RowFilter = &api.RowFilter{FilterExpression: "price > 'x'"}
	upd.VersionId = "1"
	wantErr(t, e.update(func(tx *store.Tx) error { return UpdateDataCellsFilter(tx, acct, as(adminRole), upd) }), lferr.InvalidInput, "does not fit")
	missing := base
	missing.Name = "nope"
	wantErr(t, e.update(func(tx *store.Tx) error { return UpdateDataCellsFilter(tx, acct, as(adminRole), missing) }), lferr.EntityNotFound, "nope")
	if a := e.access("sales", "orders", role("reader")); len(a.Select) != 1 || a.Select[0].RowFilter != "price > 1000" {
		t.Errorf("resolver reads the updated filter: %+v", a.Select)
	}

	// Listing: by table, by database wildcard, whole catalog, paged.
	e.view(func(tx *store.Tx) error {
		fs, _, err := ListDataCellsFilter(tx, acct, &api.TableResource{DatabaseName: "sales", Name: "orders"}, 0, "")
		if err != nil || len(fs) != 2 || fs[0].Name != "big" || fs[1].Name != "eu" || fs[0].VersionId != "1" {
			t.Errorf("list by table: %+v %v", fs, err)
		}
		fs, _, _ = ListDataCellsFilter(tx, acct, &api.TableResource{DatabaseName: "sales", TableWildcard: &api.TableWildcard{}}, 0, "")
		if len(fs) != 2 {
			t.Errorf("list by database: %+v", fs)
		}
		page, next, err := ListDataCellsFilter(tx, acct, nil, 1, "")
		if err != nil || len(page) != 1 || next == "" {
			t.Fatalf("first page: %+v %q %v", page, next, err)
		}
		page2, next2, err := ListDataCellsFilter(tx, acct, nil, 1, next)
		if err != nil || len(page2) != 1 || page2[0].Name != "eu" || next2 != "" {
			t.Errorf("second page: %+v %q %v", page2, next2, err)
		}
		_, _, err = ListDataCellsFilter(tx, acct, &api.TableResource{DatabaseName: "sales"}, 0, "")
		wantErr(t, err, lferr.InvalidInput, "cannot both be empty")
		_, _, err = ListDataCellsFilter(tx, acct, nil, 1001, "")
		wantErr(t, err, lferr.InvalidInput, "MaxResults")
		return nil
	})

	// Deleting a filter deletes the grants on it.
	wantErr(t, e.update(func(tx *store.Tx) error {
		return DeleteDataCellsFilter(tx, acct, as(role("reader")), "sales", "orders", "big")
	}), lferr.AccessDenied, "SELECT with grant option")
	wantErr(t, e.update(func(tx *store.Tx) error { return DeleteDataCellsFilter(tx, acct, as(adminRole), "sales", "orders", "") }), lferr.InvalidInput, "needs DatabaseName, TableName and Name")
	if err := e.update(func(tx *store.Tx) error {
		return DeleteDataCellsFilter(tx, acct, as(adminRole), "sales", "orders", "big")
	}); err != nil {
		t.Fatal(err)
	}
	if a := e.access("sales", "orders", role("reader")); len(a.Select) != 0 || len(a.Permissions) != 0 {
		t.Errorf("grant on deleted filter still effective: %+v", a)
	}
	e.view(func(tx *store.Tx) error {
		if n, _ := tx.Count(BucketGrants, store.Prefix(acct, role("reader"))); n != 0 {
			t.Errorf("grant on deleted filter survived")
		}
		return nil
	})
	wantErr(t, e.update(func(tx *store.Tx) error {
		return DeleteDataCellsFilter(tx, acct, as(adminRole), "sales", "orders", "big")
	}), lferr.EntityNotFound, "big")
	// DROP on a filter lets its holder delete it.
	e.mustGrant(role("dropper"), filterRes("sales", "orders", "eu"), []string{"DROP"})
	if err := e.update(func(tx *store.Tx) error {
		return DeleteDataCellsFilter(tx, acct, as(role("dropper")), "sales", "orders", "eu")
	}); err != nil {
		t.Fatal(err)
	}
}

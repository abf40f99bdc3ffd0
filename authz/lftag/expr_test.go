package lftag

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

func TestLFTagExpressionCRUD(t *testing.T) {
	f := newFixture(t)
	f.tag("module", "sales", "orders")
	f.tag("region", "west", "east")
	good := api.LFTagExpression{Name: "SalesWest", Description: "sales in\nthe west", Expression: []api.LFTag{e("Module", "SALES"), e("region", "west", "*")}}
	cases := []struct {
		name string
		in   api.LFTagExpression
		code lferr.Code
		msg  string
	}{
		{"no name", api.LFTagExpression{Expression: good.Expression}, lferr.InvalidInput, "1 to 255"},
		{"long name", api.LFTagExpression{Name: strings.Repeat("n", 256), Expression: good.Expression}, lferr.InvalidInput, "it has 256"},
		{"newline in name", api.LFTagExpression{Name: "a\nb", Expression: good.Expression}, lferr.InvalidInput, "not allowed"},
		{"long description", api.LFTagExpression{Name: "x", Description: strings.Repeat("d", 2049), Expression: good.Expression}, lferr.InvalidInput, "limit is 2048"},
		{"no expression", api.LFTagExpression{Name: "x"}, lferr.InvalidInput, "at least one"},
		{"missing key", api.LFTagExpression{Name: "x", Expression: []api.LFTag{e("owner", "bob")}}, lferr.EntityNotFound, "owner"},
		{"missing value", api.LFTagExpression{Name: "x", Expression: []api.LFTag{e("module", "hr")}}, lferr.EntityNotFound, "hr"},
		{"key twice", api.LFTagExpression{Name: "x", Expression: []api.LFTag{e("module", "sales"), e("MODULE", "orders")}}, lferr.InvalidInput, "more than once"},
		{"entry without values", api.LFTagExpression{Name: "x", Expression: []api.LFTag{e("module")}}, lferr.InvalidInput, "1 to 50"},
		{"bad catalog", api.LFTagExpression{Name: "x", CatalogId: "\x02", Expression: good.Expression}, lferr.InvalidInput, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantCode(t, f.svc.CreateLFTagExpression(ctx, c.in), c.code, c.msg)
		})
	}
	f.must(f.svc.CreateLFTagExpression(ctx, good))
	wantCode(t, f.svc.CreateLFTagExpression(ctx, good), lferr.AlreadyExists, "SalesWest")
	got, err := f.svc.GetLFTagExpression(ctx, api.GetLFTagExpressionInput{Name: "SalesWest"})
	f.must(err)
	wantEqual(t, "stored lower-cased", got, &api.LFTagExpression{Name: "SalesWest", Description: "sales in\nthe west", CatalogId: acct,
		Expression: []api.LFTag{e("module", "sales"), e("region", "west", "*")}})
	_, err = f.svc.GetLFTagExpression(ctx, api.GetLFTagExpressionInput{Name: "saleswest"})
	wantCode(t, err, lferr.EntityNotFound, "saleswest")

	upd := api.LFTagExpression{Name: "SalesWest", Expression: []api.LFTag{e("module", "orders")}}
	f.must(f.svc.UpdateLFTagExpression(ctx, upd))
	got, err = f.svc.GetLFTagExpression(ctx, api.GetLFTagExpressionInput{Name: "SalesWest"})
	f.must(err)
	wantEqual(t, "updated", got.Expression, []api.LFTag{e("module", "orders")})
	wantEqual(t, "description replaced", got.Description, "")
	wantCode(t, f.svc.UpdateLFTagExpression(ctx, api.LFTagExpression{Name: "nope", Expression: upd.Expression}), lferr.EntityNotFound, "nope")
	wantCode(t, f.svc.UpdateLFTagExpression(ctx, api.LFTagExpression{Name: "SalesWest", Expression: []api.LFTag{e("module", "hr")}}), lferr.EntityNotFound, "hr")

	wantCode(t, f.svc.DeleteLFTagExpression(ctx, api.DeleteLFTagExpressionInput{Name: "nope"}), lferr.EntityNotFound, "nope")
	f.must(f.svc.DeleteLFTagExpression(ctx, api.DeleteLFTagExpressionInput{Name: "SalesWest"}))
	wantEqual(t, "hooks", f.deletedExprs, []string{acct + ":SalesWest"})
	_, err = f.svc.GetLFTagExpression(ctx, api.GetLFTagExpressionInput{Name: "SalesWest"})
	wantCode(t, err, lferr.EntityNotFound, "")
}

func TestLFTagExpressionLimitAndList(t *testing.T) {
	f := newFixture(t)
	f.tag("module", "sales")
	expr := []api.LFTag{e("module", "sales")}
	f.must(f.db.Update(func(tx *store.Tx) error {
		for i := 0; i < MaxExpressions; i++ {
			if err := f.svc.In(tx).CreateLFTagExpression(api.LFTagExpression{Name: fmt.Sprintf("e%04d", i), Expression: expr}); err != nil {
				return err
			}
		}
		return nil
	}))
	wantCode(t, f.svc.CreateLFTagExpression(ctx, api.LFTagExpression{Name: "more", Expression: expr}), lferr.ResourceNumberLimitExceeded, "1000 saved")

	var names []string
	token := ""
	for pages := 0; ; pages++ {
		out, err := f.svc.ListLFTagExpressions(ctx, api.ListLFTagExpressionsInput{MaxResults: 300, NextToken: token}, nil)
		f.must(err)
		for _, x := range out.LFTagExpressions {
			names = append(names, x.Name)
		}
		if out.NextToken == "" {
			if pages != 3 {
				t.Fatalf("%d pages", pages+1)
			}
			break
		}
		token = out.NextToken
	}
	if len(names) != MaxExpressions || names[0] != "e0000" || names[999] != "e0999" {
		t.Fatalf("listed %d, first %s", len(names), names[0])
	}
	out, err := f.svc.ListLFTagExpressions(ctx, api.ListLFTagExpressionsInput{}, func(x *api.LFTagExpression) bool { return strings.HasSuffix(x.Name, "7") })
	f.must(err)
	wantEqual(t, "filtered", len(out.LFTagExpressions), 100)
	_, err = f.svc.ListLFTagExpressions(ctx, api.ListLFTagExpressionsInput{NextToken: encodeToken("ListLFTags", "x")}, nil)
	wantCode(t, err, lferr.InvalidInput, "NextToken")
}

func TestResolveExpression(t *testing.T) {
	f := newFixture(t)
	f.tag("module", "sales", "orders")
	f.must(f.svc.CreateLFTagExpression(ctx, api.LFTagExpression{Name: "saved", Expression: []api.LFTag{e("module", "orders")}}))
	cases := []struct {
		name string
		r    *api.LFTagPolicyResource
		want []api.LFTag
		code lferr.Code
		msg  string
	}{
		{"inline lower-cased", &api.LFTagPolicyResource{ResourceType: "TABLE", Expression: []api.LFTag{e("Module", "Sales", "*")}}, []api.LFTag{e("module", "sales", "*")}, "", ""},
		{"saved", &api.LFTagPolicyResource{ResourceType: "TABLE", ExpressionName: "saved"}, []api.LFTag{e("module", "orders")}, "", ""},
		{"missing saved", &api.LFTagPolicyResource{ResourceType: "TABLE", ExpressionName: "gone"}, nil, lferr.EntityNotFound, "gone"},
		{"both", &api.LFTagPolicyResource{Expression: []api.LFTag{e("module", "sales")}, ExpressionName: "saved"}, nil, lferr.InvalidInput, "not both"},
		{"neither", &api.LFTagPolicyResource{ResourceType: "DATABASE"}, nil, lferr.InvalidInput, "needs"},
		{"nil", nil, nil, lferr.InvalidInput, "required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.must(f.db.View(func(tx *store.Tx) error {
				got, err := ResolveExpression(tx, acct, c.r)
				wantCode(t, err, c.code, c.msg)
				if c.code == "" {
					wantEqual(t, "expression", got, c.want)
				}
				return nil
			}))
		})
	}
	// An update is seen by the next resolution: grants follow the saved
	// expression.
	f.must(f.svc.UpdateLFTagExpression(ctx, api.LFTagExpression{Name: "saved", Expression: []api.LFTag{e("module", "sales")}}))
	f.must(f.db.View(func(tx *store.Tx) error {
		got, err := ResolveExpression(tx, acct, &api.LFTagPolicyResource{ExpressionName: "saved"})
		wantEqual(t, "after update", got, []api.LFTag{e("module", "sales")})
		return err
	}))
}

func TestTagExistsValuesExist(t *testing.T) {
	f := newFixture(t)
	f.tag("module", "sales", "orders")
	f.must(f.db.View(func(tx *store.Tx) error {
		for _, c := range []struct {
			key    string
			values []string
			exists bool
			all    bool
		}{
			{"module", []string{"sales"}, true, true},
			{"MODULE", []string{"Sales", "orders"}, true, true},
			{"module", []string{"*"}, true, true},
			{"module", []string{"sales", "hr"}, true, false},
			{"module", nil, true, false},
			{"owner", []string{"*"}, false, false},
		} {
			ok, err := TagExists(tx, acct, c.key)
			if err != nil || ok != c.exists {
				t.Errorf("TagExists(%s) = %v, %v", c.key, ok, err)
			}
			ok, err = ValuesExist(tx, acct, c.key, c.values)
			if err != nil || ok != c.all {
				t.Errorf("ValuesExist(%s, %v) = %v, %v", c.key, c.values, ok, err)
			}
		}
		return nil
	}))
}

func TestSearchErrors(t *testing.T) {
	f := guideFixture(t)
	for _, c := range []struct {
		in   api.SearchTablesByLFTagsInput
		code lferr.Code
		msg  string
	}{
		{api.SearchTablesByLFTagsInput{}, lferr.InvalidInput, "at least one"},
		{api.SearchTablesByLFTagsInput{Expression: []api.LFTag{e("owner", "x")}}, lferr.EntityNotFound, "owner"},
		{api.SearchTablesByLFTagsInput{Expression: []api.LFTag{e("module", "hr")}}, lferr.EntityNotFound, "hr"},
		{api.SearchTablesByLFTagsInput{Expression: []api.LFTag{e("module", "sales")}, MaxResults: 101}, lferr.InvalidInput, "between 1 and 100"},
		{api.SearchTablesByLFTagsInput{Expression: []api.LFTag{e("module", "sales")}, NextToken: "AAAA"}, lferr.InvalidInput, "NextToken"},
	} {
		_, err := f.svc.SearchTablesByLFTags(ctx, c.in, nil)
		wantCode(t, err, c.code, c.msg)
		_, err = f.svc.SearchDatabasesByLFTags(ctx, c.in, nil)
		wantCode(t, err, c.code, c.msg)
	}
	// A table token is refused by the database search.
	out, err := f.svc.SearchTablesByLFTags(ctx, api.SearchTablesByLFTagsInput{Expression: []api.LFTag{e("module", "*")}, MaxResults: 1}, nil)
	f.must(err)
	_, err = f.svc.SearchDatabasesByLFTags(ctx, api.SearchDatabasesByLFTagsInput{Expression: []api.LFTag{e("module", "*")}, NextToken: out.NextToken}, nil)
	wantCode(t, err, lferr.InvalidInput, "NextToken")
	// Visibility filters apply before paging.
	vis, err := f.svc.SearchTablesByLFTags(ctx, api.SearchTablesByLFTagsInput{Expression: []api.LFTag{e("module", "*")}}, func(db, table string) bool { return db == "c" })
	f.must(err)
	wantEqual(t, "visible tables", len(vis.TableList), 3)
	dbs, err := f.svc.SearchDatabasesByLFTags(ctx, api.SearchDatabasesByLFTagsInput{Expression: []api.LFTag{e("module", "*")}, MaxResults: 1}, func(db string) bool { return db != "a" })
	f.must(err)
	wantEqual(t, "first visible db", dbs.DatabaseList[0].Database.Name, "b")
}

package lftag

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
)

// TestRandomInputNeverBreaks throws malformed and random requests at every
// API. Whatever they get, it must be a typed user error or success, never
// InternalServiceException (the store turns panics into that), and the
// tags of an untouched table must be unchanged afterwards.
func TestRandomInputNeverBreaks(t *testing.T) {
	f := newFixture(t)
	f.tag("module", "sales", "orders")
	f.database("d")
	f.table("d", "t", "a", "b", "p:dt")
	f.database("keep")
	f.table("keep", "t", "a")
	f.assign(dbRes("keep"), "module", "sales")
	f.assign(colRes("keep", "t", "a"), "module", "orders")
	before := f.effective("keep", "t")

	r := rand.New(rand.NewPCG(1, 2))
	atoms := []string{"", "module", "MODULE", "sales", "orders", "*", "d", "t", "a", "dt", "keep", "\x00", "a\x00b", "\xff",
		"é", "İ", " ", "x;y", strings.Repeat("k", 129), strings.Repeat("v", 257), strings.Repeat("n", 256), "111122223333", "444455556666"}
	valid := []string{"module", "sales", "orders", "d", "t", "a", "b", "dt", "new", "x"}
	str := func() string {
		if r.IntN(2) == 0 {
			return valid[r.IntN(len(valid))]
		}
		if r.IntN(4) == 0 {
			return atoms[r.IntN(len(atoms))] + atoms[r.IntN(len(atoms))]
		}
		return atoms[r.IntN(len(atoms))]
	}
	strs := func() []string {
		out := make([]string, r.IntN(3))
		for i := range out {
			out[i] = str()
		}
		return out
	}
	expr := func() []api.LFTag {
		out := make([]api.LFTag, r.IntN(3))
		for i := range out {
			out[i] = api.LFTag{TagKey: str(), TagValues: strs()}
		}
		return out
	}
	resource := func() *api.Resource {
		switch r.IntN(6) {
		case 0:
			return nil
		case 1:
			return &api.Resource{Database: &api.DatabaseResource{CatalogId: str(), Name: str()}}
		case 2:
			tr := &api.TableResource{DatabaseName: str(), Name: str()}
			if r.IntN(4) == 0 {
				tr.TableWildcard = &api.TableWildcard{}
			}
			return &api.Resource{Table: tr}
		case 3:
			return &api.Resource{TableWithColumns: &api.TableWithColumnsResource{DatabaseName: str(), Name: str(), ColumnNames: strs()}}
		case 4:
			return &api.Resource{LFTagPolicy: &api.LFTagPolicyResource{Expression: expr()}}
		}
		return &api.Resource{}
	}
	tagPairs := func() []api.LFTagPair {
		out := make([]api.LFTagPair, r.IntN(3))
		for i := range out {
			out[i] = api.LFTagPair{CatalogId: str(), TagKey: str(), TagValues: strs()}
		}
		return out
	}
	check := func(op string, err error) {
		t.Helper()
		if err != nil && (lferr.CodeOf(err) == "" || lferr.CodeOf(err) == lferr.InternalService) {
			t.Fatalf("%s: %v", op, err)
		}
	}
	cat := func() string {
		if r.IntN(3) == 0 {
			return str()
		}
		return ""
	}
	for i := 0; i < 2000; i++ {
		var err error
		switch r.IntN(12) {
		case 0:
			err = f.svc.CreateLFTag(ctx, api.CreateLFTagInput{CatalogId: cat(), TagKey: str(), TagValues: strs()})
		case 1:
			err = f.svc.UpdateLFTag(ctx, api.UpdateLFTagInput{CatalogId: cat(), TagKey: str(), TagValuesToAdd: strs(), TagValuesToDelete: strs()})
		case 2:
			if k := str(); !strings.EqualFold(k, "module") {
				err = f.svc.DeleteLFTag(ctx, api.DeleteLFTagInput{CatalogId: cat(), TagKey: k})
			}
		case 3:
			_, err = f.svc.GetLFTag(ctx, api.GetLFTagInput{CatalogId: cat(), TagKey: str()})
		case 4:
			_, err = f.svc.ListLFTags(ctx, api.ListLFTagsInput{CatalogId: cat(), MaxResults: int32(r.IntN(5)) - 1, NextToken: str()}, nil)
		case 5:
			res := resource()
			if res != nil && (res.Database != nil && strings.EqualFold(res.Database.Name, "keep") ||
				res.Table != nil && strings.EqualFold(res.Table.DatabaseName, "keep") ||
				res.TableWithColumns != nil && strings.EqualFold(res.TableWithColumns.DatabaseName, "keep")) {
				continue
			}
			_, err = f.svc.AddLFTagsToResource(ctx, api.AddLFTagsToResourceInput{CatalogId: cat(), Resource: res, LFTags: tagPairs()})
		case 6:
			_, err = f.svc.RemoveLFTagsFromResource(ctx, api.RemoveLFTagsFromResourceInput{CatalogId: cat(), Resource: resource(), LFTags: tagPairs()})
			if err == nil {
				// Removal from "keep" may succeed; put it back.
				f.assign(dbRes("keep"), "module", "sales")
				f.assign(colRes("keep", "t", "a"), "module", "orders")
			}
		case 7:
			_, err = f.svc.GetResourceLFTags(ctx, api.GetResourceLFTagsInput{CatalogId: cat(), Resource: resource(), ShowAssignedLFTags: r.IntN(2) == 0})
		case 8:
			_, err = f.svc.SearchTablesByLFTags(ctx, api.SearchTablesByLFTagsInput{CatalogId: cat(), Expression: expr(), MaxResults: int32(r.IntN(3)), NextToken: str()}, nil)
		case 9:
			_, err = f.svc.SearchDatabasesByLFTags(ctx, api.SearchDatabasesByLFTagsInput{CatalogId: cat(), Expression: expr()}, nil)
		case 10:
			err = f.svc.CreateLFTagExpression(ctx, api.LFTagExpression{CatalogId: cat(), Name: str(), Description: str(), Expression: expr()})
		case 11:
			_, err = f.svc.GetLFTagExpression(ctx, api.GetLFTagExpressionInput{CatalogId: cat(), Name: str()})
		}
		check("call", err)
	}
	wantEqual(t, "untouched table", f.effective("keep", "t"), before)
	checkIndex(t, f)
}

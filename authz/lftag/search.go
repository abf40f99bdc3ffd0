package lftag

import (
	"context"
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/catalog"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// SearchTablesByLFTags finds the tables whose effective tags match an expression.
func (s *Service) SearchTablesByLFTags(ctx context.Context, in api.SearchTablesByLFTagsInput, visible func(database, table string) bool) (out *api.SearchTablesByLFTagsOutput, err error) {
	err = s.view(ctx, func(t Txn) error { out, err = t.SearchTablesByLFTags(in, visible); return err })
	return out, err
}

// SearchTablesByLFTags lists, by database and table name, the tables whose
// table-level effective tags (own over inherited) match in.Expression,
// each with its database's tags, its effective tags and the effective tags
// of its columns. A table whose only match is a column override is not
// listed: the search is about tables. visible, when not nil, keeps the
// tables the caller may see; it is applied before paging.
func (t Txn) SearchTablesByLFTags(in api.SearchTablesByLFTagsInput, visible func(database, table string) bool) (*api.SearchTablesByLFTagsOutput, error) {
	const op = "SearchTablesByLFTags"
	cat, expr, limit, after, err := t.searchInput(op, in)
	if err != nil {
		return nil, err
	}
	out := &api.SearchTablesByLFTagsOutput{}
	p := store.Prefix(cat)
	var last string
	err = t.tx.ScanAfter(catalog.BucketTables, p, p+after, func(k string, _ []byte) error {
		if len(out.TableList) == limit {
			out.NextToken = encodeToken(op, last)
			return store.Stop
		}
		rest := k[len(p):]
		last = rest
		db, table, ok := strings.Cut(rest, store.Sep)
		if !ok || strings.Contains(table, store.Sep) {
			return lferr.New(lferr.InternalService, "corrupt table key %q", strings.ReplaceAll(k, store.Sep, "/"))
		}
		if visible != nil && !visible(db, table) {
			return nil
		}
		names, _, err := readColumns(t.tx, cat, db, table)
		if err != nil {
			return err
		}
		eff, err := EffectiveTagsOfColumns(t.tx, cat, db, table, names)
		if err != nil {
			return err
		}
		if !Match(expr, eff.Table) {
			return nil
		}
		tt := api.TaggedTable{
			Table:           &api.TableResource{CatalogId: cat, DatabaseName: db, Name: table},
			LFTagOnDatabase: pairs(cat, eff.Database),
			LFTagsOnTable:   pairs(cat, eff.Table),
		}
		for _, c := range names {
			if m := eff.Columns[c]; len(m) > 0 {
				tt.LFTagsOnColumns = append(tt.LFTagsOnColumns, api.ColumnLFTag{Name: c, LFTags: pairs(cat, m)})
			}
		}
		out.TableList = append(out.TableList, tt)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SearchDatabasesByLFTags finds the databases whose tags match an expression.
func (s *Service) SearchDatabasesByLFTags(ctx context.Context, in api.SearchDatabasesByLFTagsInput, visible func(database string) bool) (out *api.SearchDatabasesByLFTagsOutput, err error) {
	err = s.view(ctx, func(t Txn) error { out, err = t.SearchDatabasesByLFTags(in, visible); return err })
	return out, err
}

// SearchDatabasesByLFTags lists, by name, the databases whose own tags
// match in.Expression, with their tags. visible, when not nil, keeps the
// databases the caller may see; it is applied before paging.
func (t Txn) SearchDatabasesByLFTags(in api.SearchDatabasesByLFTagsInput, visible func(database string) bool) (*api.SearchDatabasesByLFTagsOutput, error) {
	const op = "SearchDatabasesByLFTags"
	cat, expr, limit, after, err := t.searchInput(op, in)
	if err != nil {
		return nil, err
	}
	out := &api.SearchDatabasesByLFTagsOutput{}
	p := store.Prefix(cat)
	var last string
	err = t.tx.ScanAfter(catalog.BucketDatabases, p, p+after, func(k string, _ []byte) error {
		if len(out.DatabaseList) == limit {
			out.NextToken = encodeToken(op, last)
			return store.Stop
		}
		db := k[len(p):]
		last = db
		if visible != nil && !visible(db) {
			return nil
		}
		tags, err := exactTags(t.tx, cat, target{Database: db})
		if err != nil {
			return err
		}
		if !Match(expr, tags) {
			return nil
		}
		out.DatabaseList = append(out.DatabaseList, api.TaggedDatabase{
			Database: &api.DatabaseResource{CatalogId: cat, Name: db},
			LFTags:   pairs(cat, tags),
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// searchInput validates the common request of the two searches.
func (t Txn) searchInput(op string, in api.SearchTablesByLFTagsInput) (cat string, expr []api.LFTag, limit int, after string, err error) {
	if cat, err = t.catalogID(in.CatalogId); err != nil {
		return
	}
	if limit, err = pageSize(op, in.MaxResults, MaxSearchResults); err != nil {
		return
	}
	if after, err = decodeToken(op, in.NextToken); err != nil {
		return
	}
	expr, err = ValidateExpression(t.tx, cat, in.Expression)
	return
}

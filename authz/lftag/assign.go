package lftag

import (
	"context"
	"slices"
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
)

// Error text of a failed entry naming a missing key or value. It is the
// text moto gives and AWS CLI users see.
const msgTagMissing = "Tag or tag value does not exist."

// resolved is a taggable resource of a request, checked to exist.
type resolved struct {
	cat      string
	database string // lower-cased, as stored
	table    string // "" for a database
	// columns are the catalog's column names (partition keys last), in
	// table order; named, for TableWithColumns, the ones requested.
	columns []string
	named   bool // TableWithColumns: columns lists the requested ones only
}

// targets are the resources an Add/Remove applies to.
func (r *resolved) targets() []target {
	switch {
	case r.table == "":
		return []target{{Database: r.database}}
	case !r.named:
		return []target{{Database: r.database, Table: r.table}}
	}
	out := make([]target, len(r.columns))
	for i, c := range r.columns {
		out[i] = target{Database: r.database, Table: r.table, Column: strings.ToLower(c)}
	}
	return out
}

// resolve checks that r names one existing database, table or set of
// columns of the request's catalog.
func (t Txn) resolve(catalogID string, r *api.Resource) (*resolved, error) {
	cat, err := t.catalogID(catalogID)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, lferr.New(lferr.InvalidInput, "Resource is required.")
	}
	n := 0
	for _, set := range []bool{r.Catalog != nil, r.Database != nil, r.Table != nil, r.TableWithColumns != nil,
		r.DataLocation != nil, r.DataCellsFilter != nil, r.LFTag != nil, r.LFTagPolicy != nil, r.LFTagExpression != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, lferr.New(lferr.InvalidInput, "Resource must have exactly one of the database, table or table-with-columns fields populated; it has %d fields.", n)
	}
	sameCatalog := func(id string) error {
		if id != "" && id != cat {
			return lferr.New(lferr.InvalidInput, "The resource is in catalog %s but the request is for catalog %s: LF-tags and the resources they are assigned to must be in the same catalog.", id, cat)
		}
		return nil
	}
	switch {
	case r.Database != nil:
		if err := sameCatalog(r.Database.CatalogId); err != nil {
			return nil, err
		}
		d, err := t.cat.GetDatabase(cat, r.Database.Name)
		if err != nil {
			return nil, err
		}
		return &resolved{cat: cat, database: d.Name}, nil
	case r.Table != nil:
		if err := sameCatalog(r.Table.CatalogId); err != nil {
			return nil, err
		}
		if r.Table.TableWildcard != nil {
			return nil, lferr.New(lferr.InvalidInput, "LF-tags are assigned to a named table, not to a table wildcard; tag the database %s instead.", r.Table.DatabaseName)
		}
		if r.Table.Name == "" {
			return nil, lferr.New(lferr.InvalidInput, "Table name and table wildcard cannot both be empty.")
		}
		tbl, err := t.cat.GetTable(cat, r.Table.DatabaseName, r.Table.Name)
		if err != nil {
			return nil, err
		}
		return &resolved{cat: cat, database: tbl.DatabaseName, table: tbl.Name, columns: columnNames(tbl)}, nil
	case r.TableWithColumns != nil:
		tc := r.TableWithColumns
		if err := sameCatalog(tc.CatalogId); err != nil {
			return nil, err
		}
		if tc.ColumnWildcard != nil {
			return nil, lferr.New(lferr.InvalidInput, "LF-tags are assigned to named columns (ColumnNames), not to a column wildcard; tag the table %s instead.", tc.Name)
		}
		if len(tc.ColumnNames) == 0 {
			return nil, lferr.New(lferr.InvalidInput, "TableWithColumns needs at least one column name.")
		}
		tbl, err := t.cat.GetTable(cat, tc.DatabaseName, tc.Name)
		if err != nil {
			return nil, err
		}
		all := columnNames(tbl)
		byLower := make(map[string]string, len(all))
		for _, c := range all {
			byLower[strings.ToLower(c)] = c
		}
		var cols []string
		seen := make(map[string]bool, len(tc.ColumnNames))
		for _, c := range tc.ColumnNames {
			name, ok := byLower[strings.ToLower(c)]
			if !ok {
				return nil, lferr.New(lferr.EntityNotFound, "Column %s not found in table %s.%s.", short(c), tbl.DatabaseName, tbl.Name)
			}
			if !seen[name] {
				seen[name] = true
				cols = append(cols, name)
			}
		}
		return &resolved{cat: cat, database: tbl.DatabaseName, table: tbl.Name, columns: cols, named: true}, nil
	}
	return nil, lferr.New(lferr.InvalidInput, "LF-tags can be assigned only to a database, a table or columns of a table (TableWithColumns).")
}

// columnNames lists a table's columns then its partition keys.
func columnNames(tbl *api.Table) []string {
	var out []string
	if tbl.StorageDescriptor != nil {
		for _, c := range tbl.StorageDescriptor.Columns {
			out = append(out, c.Name)
		}
	}
	for _, c := range tbl.PartitionKeys {
		out = append(out, c.Name)
	}
	return out
}

// checkPairs validates the LFTags of an Add/Remove call as a whole: 1 to
// 50 of them, well-formed, no key twice (the outcome of "k=a then k=b" in
// one call would depend on order).
func checkPairs(pairs []api.LFTagPair) ([]string, error) {
	if len(pairs) == 0 {
		return nil, lferr.New(lferr.InvalidInput, "LFTags must list at least one LF-tag.")
	}
	if len(pairs) > MaxTagsPerCall {
		return nil, lferr.New(lferr.InvalidInput, "LFTags lists %d LF-tags; at most %d may be given in one call.", len(pairs), MaxTagsPerCall)
	}
	keys := make([]string, len(pairs))
	seen := make(map[string]bool, len(pairs))
	for i, p := range pairs {
		k, err := checkKey(p.TagKey)
		if err != nil {
			return nil, err
		}
		if seen[k] {
			return nil, lferr.New(lferr.InvalidInput, "LF-tag %s appears more than once in LFTags.", k)
		}
		seen[k] = true
		if len(p.TagValues) > MaxValuesPerCall {
			return nil, lferr.New(lferr.InvalidInput, "LF-tag %s lists %d values; at most %d may be given.", k, len(p.TagValues), MaxValuesPerCall)
		}
		for _, v := range p.TagValues {
			if _, err := checkValue(k, v); err != nil {
				return nil, err
			}
		}
		keys[i] = k
	}
	return keys, nil
}

func failure(p api.LFTagPair, code lferr.Code, format string, args ...any) api.LFTagError {
	pair := p
	return api.LFTagError{LFTag: &pair, Error: &api.ErrorDetail{ErrorCode: string(code), ErrorMessage: lferr.New(code, format, args...).Message}}
}

// ---- AddLFTagsToResource ----

// AddLFTagsToResource assigns tags to a database, a table or columns.
func (s *Service) AddLFTagsToResource(ctx context.Context, in api.AddLFTagsToResourceInput) (out *api.AddLFTagsToResourceOutput, err error) {
	err = s.update(ctx, func(t Txn) error { out, err = t.AddLFTagsToResource(in); return err })
	return out, err
}

// AddLFTagsToResource assigns each of in.LFTags (one value each) to the
// resource, or to each named column. A key already assigned there gets
// the new value (one value per key per resource). A tag that cannot be
// assigned (missing key or value, several values, the 50-tag limit of a
// resource) is reported in Failures and the others are applied; a bad
// request (missing resource, malformed key) fails whole.
func (t Txn) AddLFTagsToResource(in api.AddLFTagsToResourceInput) (*api.AddLFTagsToResourceOutput, error) {
	res, err := t.resolve(in.CatalogId, in.Resource)
	if err != nil {
		return nil, err
	}
	keys, err := checkPairs(in.LFTags)
	if err != nil {
		return nil, err
	}
	targets := res.targets()
	// Keys per target, kept current as tags are added, for the limit.
	assigned := make([]map[string]string, len(targets))
	for i, tg := range targets {
		if assigned[i], err = exactTags(t.tx, res.cat, tg); err != nil {
			return nil, err
		}
		if assigned[i] == nil {
			assigned[i] = map[string]string{}
		}
	}
	out := &api.AddLFTagsToResourceOutput{}
	for i, p := range in.LFTags {
		key := keys[i]
		if p.CatalogId != "" && p.CatalogId != res.cat {
			out.Failures = append(out.Failures, failure(p, lferr.InvalidInput, "LF-tag %s is in catalog %s but the resource is in catalog %s.", key, p.CatalogId, res.cat))
			continue
		}
		if len(p.TagValues) != 1 {
			out.Failures = append(out.Failures, failure(p, lferr.InvalidInput, "Exactly one value of LF-tag %s can be assigned to a resource; %d were given.", key, len(p.TagValues)))
			continue
		}
		value := strings.ToLower(p.TagValues[0])
		ok, err := ValuesExist(t.tx, res.cat, key, []string{value})
		if err != nil {
			return nil, err
		}
		if !ok {
			out.Failures = append(out.Failures, failure(p, lferr.EntityNotFound, msgTagMissing))
			continue
		}
		full := -1
		for j := range targets {
			if _, has := assigned[j][key]; !has && len(assigned[j]) >= MaxTagsPerResource {
				full = j
				break
			}
		}
		if full >= 0 {
			out.Failures = append(out.Failures, failure(p, lferr.ResourceNumberLimitExceeded, "%s already has %d LF-tags, the limit.", targets[full], MaxTagsPerResource))
			continue
		}
		for j, tg := range targets {
			if err := putAssignment(t.tx, res.cat, tg, key, value); err != nil {
				return nil, err
			}
			assigned[j][key] = value
		}
	}
	return out, nil
}

// ---- RemoveLFTagsFromResource ----

// RemoveLFTagsFromResource removes tag assignments from a resource.
func (s *Service) RemoveLFTagsFromResource(ctx context.Context, in api.RemoveLFTagsFromResourceInput) (out *api.RemoveLFTagsFromResourceOutput, err error) {
	err = s.update(ctx, func(t Txn) error { out, err = t.RemoveLFTagsFromResource(in); return err })
	return out, err
}

// RemoveLFTagsFromResource removes each of in.LFTags from the resource (or
// from each named column), so the value inherited from above applies
// again. A tag is removed only where it is assigned with one of the values
// given; a tag whose key or value does not exist, or that is not assigned
// so on every target, is reported in Failures and left in place.
func (t Txn) RemoveLFTagsFromResource(in api.RemoveLFTagsFromResourceInput) (*api.RemoveLFTagsFromResourceOutput, error) {
	res, err := t.resolve(in.CatalogId, in.Resource)
	if err != nil {
		return nil, err
	}
	keys, err := checkPairs(in.LFTags)
	if err != nil {
		return nil, err
	}
	targets := res.targets()
	out := &api.RemoveLFTagsFromResourceOutput{}
	values := make([]string, len(targets))
pairs:
	for i, p := range in.LFTags {
		key := keys[i]
		if p.CatalogId != "" && p.CatalogId != res.cat {
			out.Failures = append(out.Failures, failure(p, lferr.InvalidInput, "LF-tag %s is in catalog %s but the resource is in catalog %s.", key, p.CatalogId, res.cat))
			continue
		}
		if len(p.TagValues) == 0 {
			out.Failures = append(out.Failures, failure(p, lferr.InvalidInput, "LF-tag %s lists no value to remove.", key))
			continue
		}
		want := make([]string, len(p.TagValues))
		for j, v := range p.TagValues {
			want[j] = strings.ToLower(v)
		}
		ok, err := ValuesExist(t.tx, res.cat, key, want)
		if err != nil {
			return nil, err
		}
		if !ok {
			out.Failures = append(out.Failures, failure(p, lferr.EntityNotFound, msgTagMissing))
			continue
		}
		for j, tg := range targets {
			v, has, err := getAssignment(t.tx, res.cat, tg, key)
			if err != nil {
				return nil, err
			}
			if !has || !slices.Contains(want, v) {
				out.Failures = append(out.Failures, failure(p, lferr.EntityNotFound, "LF-tag %s=%s is not assigned to %s.", key, strings.Join(want, ","), tg))
				continue pairs
			}
			values[j] = v
		}
		for j, tg := range targets {
			if err := deleteAssignment(t.tx, res.cat, tg, key, values[j]); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// ---- GetResourceLFTags ----

// GetResourceLFTags returns the tags of a database, a table or columns.
func (s *Service) GetResourceLFTags(ctx context.Context, in api.GetResourceLFTagsInput) (out *api.GetResourceLFTagsOutput, err error) {
	err = s.view(ctx, func(t Txn) error { out, err = t.GetResourceLFTags(in); return err })
	return out, err
}

// GetResourceLFTags returns the tags of a resource. With
// ShowAssignedLFTags it lists only explicit assignments at each level;
// without, the effective tags (inherited, with lower levels overriding).
// For a table it returns its database's tags, the table's, and those of
// every column that has any; for TableWithColumns, of the named columns.
func (t Txn) GetResourceLFTags(in api.GetResourceLFTagsInput) (*api.GetResourceLFTagsOutput, error) {
	res, err := t.resolve(in.CatalogId, in.Resource)
	if err != nil {
		return nil, err
	}
	dbTags, err := exactTags(t.tx, res.cat, target{Database: res.database})
	if err != nil {
		return nil, err
	}
	out := &api.GetResourceLFTagsOutput{LFTagOnDatabase: pairs(res.cat, dbTags)}
	if res.table == "" {
		return out, nil
	}
	var tableTags map[string]string
	colTags := make(map[string]map[string]string, len(res.columns))
	if in.ShowAssignedLFTags {
		all, err := scanUnder(t.tx, res.cat, res.database, res.table)
		if err != nil {
			return nil, err
		}
		for _, a := range all {
			if a.Column == "" {
				if tableTags == nil {
					tableTags = map[string]string{}
				}
				tableTags[a.Key] = a.Value
				continue
			}
			cm := colTags[a.Column]
			if cm == nil {
				cm = map[string]string{}
				colTags[a.Column] = cm
			}
			cm[a.Key] = a.Value
		}
		// Stored column names are lower-case; answer with the catalog's.
		byName := make(map[string]map[string]string, len(res.columns))
		for _, c := range res.columns {
			if m := colTags[strings.ToLower(c)]; m != nil {
				byName[c] = m
			}
		}
		colTags = byName
	} else {
		eff, err := EffectiveTags(t.tx, res.cat, res.database, res.table)
		if err != nil {
			return nil, err
		}
		tableTags = eff.Table
		colTags = eff.Columns
	}
	out.LFTagsOnTable = pairs(res.cat, tableTags)
	for _, c := range res.columns {
		if m := colTags[c]; len(m) > 0 {
			out.LFTagsOnColumns = append(out.LFTagsOnColumns, api.ColumnLFTag{Name: c, LFTags: pairs(res.cat, m)})
		}
	}
	return out, nil
}

// pairs lists tags as LFTagPairs sorted by key (nil when there are none).
func pairs(catalogID string, tags map[string]string) []api.LFTagPair {
	if len(tags) == 0 {
		return nil
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]api.LFTagPair, len(keys))
	for i, k := range keys {
		out[i] = api.LFTagPair{CatalogId: catalogID, TagKey: k, TagValues: []string{tags[k]}}
	}
	return out
}

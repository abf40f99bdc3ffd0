package declare

import (
	"maps"
	"slices"
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/maskpolicy"
	"github.com/sluicedb/sluice/authz/store"
)

// ---- LF-tags, expressions and assignments ----

func lowerAll(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = strings.ToLower(s)
	}
	return out
}

func (a *applier) lfTags() error {
	for _, t := range a.lake.LFTags {
		old, err := a.tags.GetLFTag(api.GetLFTagInput{CatalogId: t.CatalogId, TagKey: t.TagKey})
		if isNotFound(err) {
			if err := a.tags.CreateLFTag(t); err != nil {
				return fail("LFTag", t.TagKey, err)
			}
			a.note("LFTag", t.TagKey, Created, "")
			continue
		}
		if err != nil {
			return fail("LFTag", t.TagKey, err)
		}
		have, want := lowerAll(old.TagValues), lowerAll(t.TagValues)
		var add, del []string
		for i, v := range want {
			if !slices.Contains(have, v) && !slices.Contains(add, t.TagValues[i]) {
				add = append(add, t.TagValues[i])
			}
		}
		if a.lake.Prune {
			for i, v := range have {
				if !slices.Contains(want, v) {
					del = append(del, old.TagValues[i])
				}
			}
		}
		if len(add) == 0 && len(del) == 0 {
			a.note("LFTag", t.TagKey, Unchanged, "")
			continue
		}
		if err := a.tags.UpdateLFTag(api.UpdateLFTagInput{CatalogId: t.CatalogId, TagKey: t.TagKey, TagValuesToAdd: add, TagValuesToDelete: del}); err != nil {
			return fail("LFTag", t.TagKey, err)
		}
		var what []string
		if len(add) > 0 {
			what = append(what, "add "+strings.Join(add, ","))
		}
		if len(del) > 0 {
			what = append(what, "delete "+strings.Join(del, ","))
		}
		a.note("LFTag", t.TagKey, Updated, strings.Join(what, "; "))
	}
	return nil
}

func (a *applier) lfTagExpressions() error {
	for _, e := range a.lake.LFTagExpressions {
		old, err := a.tags.GetLFTagExpression(api.GetLFTagExpressionInput{CatalogId: e.CatalogId, Name: e.Name})
		if isNotFound(err) {
			if err := a.tags.CreateLFTagExpression(e); err != nil {
				return fail("LFTagExpression", e.Name, err)
			}
			a.note("LFTagExpression", e.Name, Created, "")
			continue
		}
		if err != nil {
			return fail("LFTagExpression", e.Name, err)
		}
		if old.Description == e.Description && sameExpression(old.Expression, e.Expression) {
			a.note("LFTagExpression", e.Name, Unchanged, "")
			continue
		}
		if err := a.tags.UpdateLFTagExpression(e); err != nil {
			return fail("LFTagExpression", e.Name, err)
		}
		a.note("LFTagExpression", e.Name, Updated, "")
	}
	return nil
}

// sameExpression compares LF-tag expressions as sets of lower-cased keys
// and values (the service stores them lower-cased).
func sameExpression(x, y []api.LFTag) bool {
	norm := func(l []api.LFTag) map[string][]string {
		m := map[string][]string{}
		for _, t := range l {
			m[strings.ToLower(t.TagKey)] = append(m[strings.ToLower(t.TagKey)], lowerAll(t.TagValues)...)
		}
		for k := range m {
			slices.Sort(m[k])
			m[k] = slices.Compact(m[k])
		}
		return m
	}
	nx, ny := norm(x), norm(y)
	return maps.EqualFunc(nx, ny, slices.Equal)
}

func resourceName(r *api.Resource) string {
	if r == nil {
		return "(no resource)"
	}
	switch {
	case r.Catalog != nil:
		return strings.TrimSpace("catalog " + r.Catalog.Id)
	case r.Database != nil:
		return "database " + r.Database.Name
	case r.Table != nil:
		if r.Table.TableWildcard != nil {
			return "tables " + r.Table.DatabaseName + ".*"
		}
		return "table " + r.Table.DatabaseName + "." + r.Table.Name
	case r.TableWithColumns != nil:
		t := r.TableWithColumns
		if t.ColumnWildcard != nil {
			s := "columns " + t.DatabaseName + "." + t.Name + ":*"
			if len(t.ColumnWildcard.ExcludedColumnNames) > 0 {
				s += " except " + strings.Join(t.ColumnWildcard.ExcludedColumnNames, ",")
			}
			return s
		}
		return "columns " + t.DatabaseName + "." + t.Name + ":" + strings.Join(t.ColumnNames, ",")
	case r.DataLocation != nil:
		return "location " + r.DataLocation.ResourceArn
	case r.DataCellsFilter != nil:
		f := r.DataCellsFilter
		return "filter " + f.DatabaseName + "." + f.TableName + ":" + f.Name
	case r.LFTag != nil:
		return "LF-tag " + r.LFTag.TagKey + "=" + strings.Join(r.LFTag.TagValues, ",")
	case r.LFTagPolicy != nil:
		p := r.LFTagPolicy
		if p.ExpressionName != "" {
			return "tag-policy " + p.ResourceType + ":" + p.ExpressionName
		}
		var parts []string
		for _, t := range p.Expression {
			parts = append(parts, t.TagKey+"="+strings.Join(t.TagValues, ","))
		}
		return "tag-policy " + p.ResourceType + ":" + strings.Join(parts, ";")
	case r.LFTagExpression != nil:
		return "tag-expression " + r.LFTagExpression.Name
	}
	return "(empty resource)"
}

// assignedTags are the tags assigned (not inherited) on the resource of
// an assignment: per target name (the database, the table, or each
// column), key → value.
func (a *applier) assignedTags(in api.AddLFTagsToResourceInput) (map[string]map[string]string, []string, error) {
	out, err := a.tags.GetResourceLFTags(api.GetResourceLFTagsInput{CatalogId: in.CatalogId, Resource: in.Resource, ShowAssignedLFTags: true})
	if err != nil {
		return nil, nil, err
	}
	pairs := func(l []api.LFTagPair) map[string]string {
		m := map[string]string{}
		for _, p := range l {
			if len(p.TagValues) > 0 {
				m[strings.ToLower(p.TagKey)] = strings.ToLower(p.TagValues[0])
			}
		}
		return m
	}
	r := in.Resource
	switch {
	case r.Database != nil:
		return map[string]map[string]string{"": pairs(out.LFTagOnDatabase)}, []string{""}, nil
	case r.Table != nil:
		return map[string]map[string]string{"": pairs(out.LFTagsOnTable)}, []string{""}, nil
	case r.TableWithColumns != nil && len(r.TableWithColumns.ColumnNames) > 0 && r.TableWithColumns.ColumnWildcard == nil:
		m := map[string]map[string]string{}
		var targets []string
		for _, c := range r.TableWithColumns.ColumnNames {
			targets = append(targets, strings.ToLower(c))
			m[strings.ToLower(c)] = map[string]string{}
		}
		for _, c := range out.LFTagsOnColumns {
			if cm, ok := m[strings.ToLower(c.Name)]; ok {
				maps.Copy(cm, pairs(c.LFTags))
			}
		}
		return m, targets, nil
	}
	return nil, nil, lferr.New(lferr.InvalidInput, "LF-tags are assigned to a Database, a Table, or named columns (TableWithColumns with ColumnNames, no ColumnWildcard)")
}

func (a *applier) assignments() error {
	for _, in := range a.lake.LFTagAssignments {
		name := resourceName(in.Resource)
		if in.Resource == nil {
			return fail("LFTagAssignment", name, lferr.New(lferr.InvalidInput, "Resource is required"))
		}
		have, targets, err := a.assignedTags(in)
		if err != nil {
			return fail("LFTagAssignment", name, err)
		}
		var add []api.LFTagPair
		want := map[string]bool{}
		for _, p := range in.LFTags {
			k := strings.ToLower(p.TagKey)
			want[k] = true
			if len(p.TagValues) != 1 {
				// Let the API say why (exactly one value per assignment).
				add = append(add, p)
				continue
			}
			v := strings.ToLower(p.TagValues[0])
			for _, t := range targets {
				if have[t][k] != v {
					add = append(add, p)
					break
				}
			}
		}
		var remove []api.LFTagPair
		if a.lake.Prune {
			seen := map[string]bool{}
			for _, t := range targets {
				for _, k := range slices.Sorted(maps.Keys(have[t])) {
					if !want[k] && !seen[k+"="+have[t][k]] {
						seen[k+"="+have[t][k]] = true
						remove = append(remove, api.LFTagPair{TagKey: k, TagValues: []string{have[t][k]}})
					}
				}
			}
		}
		if len(add) == 0 && len(remove) == 0 {
			a.note("LFTagAssignment", name, Unchanged, "")
			continue
		}
		act := Updated
		if len(remove) == 0 && allEmpty(have) {
			act = Created
		}
		var what []string
		if len(remove) > 0 {
			// Only removed where assigned with that value on every target.
			out, err := a.tags.RemoveLFTagsFromResource(api.RemoveLFTagsFromResourceInput{CatalogId: in.CatalogId, Resource: in.Resource, LFTags: remove})
			if err == nil && len(out.Failures) > 0 {
				err = failureErr(out.Failures[0])
			}
			if err != nil {
				return fail("LFTagAssignment", name, err)
			}
			what = append(what, "removed "+pairsString(remove))
		}
		if len(add) > 0 {
			out, err := a.tags.AddLFTagsToResource(api.AddLFTagsToResourceInput{CatalogId: in.CatalogId, Resource: in.Resource, LFTags: add})
			if err == nil && len(out.Failures) > 0 {
				err = failureErr(out.Failures[0])
			}
			if err != nil {
				return fail("LFTagAssignment", name, err)
			}
			what = append(what, "assigned "+pairsString(add))
		}
		a.note("LFTagAssignment", name, act, strings.Join(what, "; "))
	}
	return nil
}

func allEmpty(m map[string]map[string]string) bool {
	for _, v := range m {
		if len(v) > 0 {
			return false
		}
	}
	return true
}

func pairsString(l []api.LFTagPair) string {
	parts := make([]string, len(l))
	for i, p := range l {
		parts[i] = p.TagKey + "=" + strings.Join(p.TagValues, ",")
	}
	return strings.Join(parts, " ")
}

// failureErr turns a per-tag failure of a batch-style answer into an error:
// the file asked for it, so it must not be skipped silently.
func failureErr(f api.LFTagError) error {
	code, msg := lferr.InternalService, "LF-tag not applied"
	if f.Error != nil {
		code, msg = lferr.Code(f.Error.ErrorCode), f.Error.ErrorMessage
	}
	tag := ""
	if f.LFTag != nil {
		tag = f.LFTag.TagKey + "=" + strings.Join(f.LFTag.TagValues, ",") + ": "
	}
	return lferr.New(code, "%s%s", tag, msg)
}

// ---- data cells filters and column masks ----

func (a *applier) filters() error {
	for _, f := range a.lake.DataCellsFilters {
		name := f.DatabaseName + "." + f.TableName + ":" + f.Name
		catID := a.catalogOf(f.TableCatalogId)
		f.TableCatalogId = catID
		old, err := lf.GetDataCellsFilter(a.tx, catID, f.DatabaseName, f.TableName, f.Name)
		if isNotFound(err) {
			if err := lf.CreateDataCellsFilter(a.tx, catID, trusted, f); err != nil {
				return fail("DataCellsFilter", name, err)
			}
			a.note("DataCellsFilter", name, Created, "")
			continue
		}
		if err != nil {
			return fail("DataCellsFilter", name, err)
		}
		if sameFilter(old, &f) {
			a.note("DataCellsFilter", name, Unchanged, "")
			continue
		}
		f.VersionId = ""
		if err := lf.UpdateDataCellsFilter(a.tx, catID, trusted, f); err != nil {
			return fail("DataCellsFilter", name, err)
		}
		a.note("DataCellsFilter", name, Updated, "")
	}
	return nil
}

func sameFilter(old, f *api.DataCellsFilter) bool {
	rowOf := func(r *api.RowFilter) string {
		if r == nil || r.AllRowsWildcard != nil {
			return "*"
		}
		return strings.TrimSpace(r.FilterExpression)
	}
	if rowOf(old.RowFilter) != rowOf(f.RowFilter) {
		return false
	}
	if (old.ColumnWildcard == nil) != (f.ColumnWildcard == nil) {
		return false
	}
	if old.ColumnWildcard != nil && !sameSet(old.ColumnWildcard.ExcludedColumnNames, f.ColumnWildcard.ExcludedColumnNames) {
		return false
	}
	return sameSet(old.ColumnNames, f.ColumnNames)
}

func sameSet(x, y []string) bool {
	a, b := lowerAll(x), lowerAll(y)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func (a *applier) masks() error {
	for _, m := range a.lake.ColumnMasks {
		catID := a.catalogOf(m.CatalogId)
		old, err := maskpolicy.Get(a.tx, catID, m.Name)
		if isNotFound(err) {
			if err := maskpolicy.Create(a.tx, a.cp.Catalog(), a.account, m); err != nil {
				return fail("ColumnMask", m.Name, err)
			}
			a.note("ColumnMask", m.Name, Created, "")
			continue
		}
		if err != nil {
			return fail("ColumnMask", m.Name, err)
		}
		w := m
		w.CatalogId = catID
		if strings.EqualFold(old.DatabaseName, w.DatabaseName) && strings.EqualFold(old.TableName, w.TableName) &&
			strings.EqualFold(old.ColumnName, w.ColumnName) && strings.EqualFold(old.TagKey, w.TagKey) &&
			strings.EqualFold(old.TagValue, w.TagValue) && old.MaskExpression == w.MaskExpression && old.Description == w.Description {
			a.note("ColumnMask", m.Name, Unchanged, "")
			continue
		}
		if err := maskpolicy.Update(a.tx, a.cp.Catalog(), a.account, m); err != nil {
			return fail("ColumnMask", m.Name, err)
		}
		a.note("ColumnMask", m.Name, Updated, "")
	}
	return nil
}

// ---- grants ----

func (a *applier) grants() error {
	for _, g := range a.lake.Grants {
		who := ""
		if g.Principal != nil {
			who = g.Principal.DataLakePrincipalIdentifier
		}
		name := who + " on " + resourceName(g.Resource)
		held, err := a.holds(g)
		if err != nil {
			return fail("Grant", name, err)
		}
		if held {
			a.note("Grant", name, Unchanged, "")
			continue
		}
		if err := lf.GrantPermissions(a.tx, a.account, trusted, g, a.now); err != nil {
			return fail("Grant", name, err)
		}
		a.note("Grant", name, Created, strings.Join(g.Permissions, ","))
	}
	return nil
}

// holds says whether the principal already holds every permission (and
// grant option) of g by an explicit grant on the same resource. Granting
// again would change nothing but the grant's LastUpdated, which must not
// count as a change.
func (a *applier) holds(g lf.GrantInput) (bool, error) {
	if g.Principal == nil || g.Resource == nil {
		return false, nil // the API names what is missing
	}
	principal, err := lf.NormalizePrincipal(g.Principal.DataLakePrincipalIdentifier)
	if err != nil {
		return false, err
	}
	res := g.Resource
	if twc := res.TableWithColumns; twc != nil {
		res = &api.Resource{Table: &api.TableResource{CatalogId: twc.CatalogId, DatabaseName: twc.DatabaseName, Name: twc.Name}}
	}
	rows, err := listAll(a.tx, a.account, lf.ListInput{Resource: res})
	if err != nil {
		if isNotFound(err) {
			return false, nil // the grant itself reports the missing resource
		}
		return false, err
	}
	for _, r := range rows {
		if r.Principal == nil || r.Principal.DataLakePrincipalIdentifier != principal || r.Resource == nil {
			continue
		}
		if (r.Resource.TableWithColumns != nil) != (g.Resource.TableWithColumns != nil) {
			continue
		}
		if (r.Resource.Table != nil) != (g.Resource.Table != nil) {
			continue
		}
		if t := g.Resource.TableWithColumns; t != nil && !coversColumns(r.Resource.TableWithColumns, t) {
			continue
		}
		if subset(g.Permissions, r.Permissions) && subset(g.PermissionsWithGrantOption, r.PermissionsWithGrantOption) {
			return true, nil
		}
	}
	return false, nil
}

func subset(want, have []string) bool {
	for _, w := range want {
		if !slices.Contains(have, strings.ToUpper(w)) {
			return false
		}
	}
	return true
}

func coversColumns(have, want *api.TableWithColumnsResource) bool {
	switch {
	case want.ColumnWildcard != nil:
		return have.ColumnWildcard != nil && sameSet(have.ColumnWildcard.ExcludedColumnNames, want.ColumnWildcard.ExcludedColumnNames)
	case have.ColumnWildcard != nil:
		for _, c := range want.ColumnNames {
			if slices.Contains(lowerAll(have.ColumnWildcard.ExcludedColumnNames), strings.ToLower(c)) {
				return false
			}
		}
		return true
	}
	hc := lowerAll(have.ColumnNames)
	for _, c := range want.ColumnNames {
		if !slices.Contains(hc, strings.ToLower(c)) {
			return false
		}
	}
	return true
}

// listAll pages through ListPermissions as the home's owner.
func listAll(tx *store.Tx, catalogID string, in lf.ListInput) ([]api.PrincipalResourcePermissions, error) {
	var out []api.PrincipalResourcePermissions
	for {
		rows, next, err := lf.ListPermissions(tx, catalogID, trusted, in)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
		if next == "" {
			return out, nil
		}
		in.NextToken = next
	}
}

// resourceKey identifies a grant's resource the way the grant store does
// (kind and lower-cased names; LF-tag values as a set), ignoring a
// TableWithColumns' columns, which pruneGrants compares separately.
func resourceKey(r *api.Resource) string {
	if r == nil {
		return ""
	}
	lower := strings.ToLower
	switch {
	case r.Catalog != nil:
		return "catalog"
	case r.Database != nil:
		return "database:" + lower(r.Database.Name)
	case r.Table != nil:
		if r.Table.TableWildcard != nil {
			return "table:" + lower(r.Table.DatabaseName) + ".*"
		}
		return "table:" + lower(r.Table.DatabaseName) + "." + lower(r.Table.Name)
	case r.TableWithColumns != nil:
		return "columns:" + lower(r.TableWithColumns.DatabaseName) + "." + lower(r.TableWithColumns.Name)
	case r.DataCellsFilter != nil:
		f := r.DataCellsFilter
		return "filter:" + lower(f.DatabaseName) + "." + lower(f.TableName) + ":" + lower(f.Name)
	case r.DataLocation != nil:
		if n, err := lf.NormalizeLocation(r.DataLocation.ResourceArn); err == nil {
			return "location:" + n
		}
		return "location:" + r.DataLocation.ResourceArn
	case r.LFTag != nil:
		v := lowerAll(r.LFTag.TagValues)
		slices.Sort(v)
		return "tag:" + lower(r.LFTag.TagKey) + "=" + strings.Join(slices.Compact(v), ",")
	case r.LFTagPolicy != nil:
		p := r.LFTagPolicy
		if p.ExpressionName != "" {
			return "policy:" + strings.ToUpper(p.ResourceType) + ":@" + lower(p.ExpressionName)
		}
		var terms []string
		for _, t := range p.Expression {
			v := lowerAll(t.TagValues)
			slices.Sort(v)
			terms = append(terms, lower(t.TagKey)+"="+strings.Join(slices.Compact(v), ","))
		}
		slices.Sort(terms)
		return "policy:" + strings.ToUpper(p.ResourceType) + ":" + strings.Join(terms, ":")
	case r.LFTagExpression != nil:
		return "expression:" + lower(r.LFTagExpression.Name)
	}
	return ""
}

// pruneGrants (Prune only) revokes, for each principal the file grants
// to, the explicit grants and permissions the file does not list, so the
// file states exactly what those principals hold. Principals the file
// does not name keep everything.
func (a *applier) pruneGrants() error {
	if !a.lake.Prune || len(a.lake.Grants) == 0 {
		return nil
	}
	type want struct {
		perms, grantable []string
		cols             []string // include-list columns declared (TableWithColumns)
		wildcard         bool     // a TableWithColumns declared with a column wildcard
	}
	declared := map[string]map[string]*want{}
	for _, g := range a.lake.Grants {
		if g.Principal == nil || g.Resource == nil {
			continue
		}
		p, err := lf.NormalizePrincipal(g.Principal.DataLakePrincipalIdentifier)
		if err != nil {
			continue // GrantPermissions already refused it
		}
		if declared[p] == nil {
			declared[p] = map[string]*want{}
		}
		k := resourceKey(g.Resource)
		w := declared[p][k]
		if w == nil {
			w = &want{}
			declared[p][k] = w
		}
		w.perms = append(w.perms, upperAll(g.Permissions)...)
		w.grantable = append(w.grantable, upperAll(g.PermissionsWithGrantOption)...)
		if t := g.Resource.TableWithColumns; t != nil {
			if t.ColumnWildcard != nil {
				w.wildcard = true
			}
			w.cols = append(w.cols, lowerAll(t.ColumnNames)...)
		}
	}
	rows, err := listAll(a.tx, a.account, lf.ListInput{})
	if err != nil {
		return fail("Grant", "listing", err)
	}
	for _, r := range rows {
		if r.Principal == nil || r.Resource == nil {
			continue
		}
		p := r.Principal.DataLakePrincipalIdentifier
		mine, ok := declared[p]
		if !ok {
			continue
		}
		name := p + " on " + resourceName(r.Resource)
		rev := lf.GrantInput{Principal: r.Principal, Resource: r.Resource}
		w := mine[resourceKey(r.Resource)]
		if w == nil {
			rev.Permissions = r.Permissions
		} else {
			for _, perm := range r.Permissions {
				if !slices.Contains(w.perms, perm) {
					rev.Permissions = append(rev.Permissions, perm)
				}
			}
			for _, perm := range r.PermissionsWithGrantOption {
				if !slices.Contains(w.grantable, perm) && !slices.Contains(rev.Permissions, perm) {
					rev.PermissionsWithGrantOption = append(rev.PermissionsWithGrantOption, perm)
				}
			}
			// Columns granted beyond the declared include lists go too.
			if t := r.Resource.TableWithColumns; t != nil && t.ColumnWildcard == nil && !w.wildcard && len(rev.Permissions) == 0 {
				var extra []string
				for _, c := range t.ColumnNames {
					if !slices.Contains(w.cols, strings.ToLower(c)) {
						extra = append(extra, c)
					}
				}
				if len(extra) > 0 {
					cols := lf.GrantInput{Principal: r.Principal, Permissions: []string{"SELECT"}, Resource: &api.Resource{TableWithColumns: &api.TableWithColumnsResource{
						CatalogId: t.CatalogId, DatabaseName: t.DatabaseName, Name: t.Name, ColumnNames: extra}}}
					if err := lf.RevokePermissions(a.tx, a.account, trusted, cols, a.now); err != nil {
						return fail("Grant", name, err)
					}
					a.note("Grant", name, Deleted, "revoked SELECT on columns "+strings.Join(extra, ","))
				}
			}
		}
		if len(rev.Permissions) == 0 && len(rev.PermissionsWithGrantOption) == 0 {
			continue
		}
		if err := lf.RevokePermissions(a.tx, a.account, trusted, rev, a.now); err != nil {
			return fail("Grant", name, err)
		}
		what := "revoked " + strings.Join(rev.Permissions, ",")
		if len(rev.PermissionsWithGrantOption) > 0 {
			what = strings.TrimSpace(what + " grant option " + strings.Join(rev.PermissionsWithGrantOption, ","))
		}
		a.note("Grant", name, Deleted, what)
	}
	return nil
}

func upperAll(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = strings.ToUpper(s)
	}
	return out
}

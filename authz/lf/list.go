package lf

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/catalog"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// ListInput is ListPermissions' request (spec §4.7).
type ListInput struct {
	Principal      *api.DataLakePrincipal `json:"Principal,omitempty"`
	ResourceType   string                 `json:"ResourceType,omitempty"`
	Resource       *api.Resource          `json:"Resource,omitempty"`
	IncludeRelated string                 `json:"IncludeRelated,omitempty"`
	MaxResults     int                    `json:"MaxResults,omitempty"`
	NextToken      string                 `json:"NextToken,omitempty"`
}

// resourceTypeKinds maps ListPermissions' ResourceType to resource kinds
// (and, for policies, the policy's own ResourceType).
func resourceTypeKinds(rt string) (kinds []string, policyType string, err error) {
	switch rt {
	case "":
		return nil, "", nil
	case "CATALOG":
		return []string{kindCatalog}, "", nil
	case "DATABASE":
		return []string{kindDatabase}, "", nil
	case "TABLE":
		return []string{kindTable, kindWildcard, kindColumns}, "", nil
	case "DATA_LOCATION":
		return []string{kindLocation}, "", nil
	case "LF_TAG":
		return []string{kindTag}, "", nil
	case "LF_TAG_POLICY":
		return []string{kindPolicy}, "", nil
	case "LF_TAG_POLICY_DATABASE":
		return []string{kindPolicy}, "DATABASE", nil
	case "LF_TAG_POLICY_TABLE":
		return []string{kindPolicy}, "TABLE", nil
	case "LF_NAMED_TAG_EXPRESSION":
		return []string{kindTagExpr}, "", nil
	}
	return nil, "", invalid("ResourceType %q is not one of CATALOG, DATABASE, TABLE, DATA_LOCATION, LF_TAG, LF_TAG_POLICY, LF_TAG_POLICY_DATABASE, LF_TAG_POLICY_TABLE, LF_NAMED_TAG_EXPRESSION.", rt)
}

// row is one listing row with its sort key (the page cursor).
type row struct {
	key string
	p   api.PrincipalResourcePermissions
}

func rowOf(g *grantRec) api.PrincipalResourcePermissions {
	res := g.Resource
	return api.PrincipalResourcePermissions{
		Principal:                  &api.DataLakePrincipal{DataLakePrincipalIdentifier: g.Principal},
		Resource:                   &res,
		Permissions:                append([]string(nil), g.Permissions...),
		PermissionsWithGrantOption: append([]string(nil), g.Grantable...),
		LastUpdated:                g.LastUpdated,
		LastUpdatedBy:              g.LastUpdatedBy,
	}
}

// ListPermissions lists grants (spec §4.7). With both Principal and
// Resource it lists the principal's effective permissions on the resource
// (grants, LF-tag policies, wildcards and implicit permissions, resolved).
// Otherwise it lists explicit grants, filtered by ResourceType and
// Resource; a Table resource also yields its TableWithColumns rows, and
// with IncludeRelated its data cells filter rows. Callers other than
// administrators (and Trusted callers) see their own rows, and rows on
// resources where they hold grant options, cut to those permissions.
func ListPermissions(tx *store.Tx, catalogID string, caller Caller, in ListInput) ([]api.PrincipalResourcePermissions, string, error) {
	if err := checkCatalogID(catalogID); err != nil {
		return nil, "", err
	}
	if in.Principal != nil && in.Resource == nil {
		return nil, "", invalid("Resource is mandatory if Principal is set in the input.")
	}
	related := false
	switch in.IncludeRelated {
	case "", "FALSE":
	case "TRUE":
		related = true
		if in.Principal != nil {
			return nil, "", invalid("IncludeRelated cannot be used together with Principal.")
		}
	default:
		return nil, "", invalid("IncludeRelated must be TRUE or FALSE, got %q.", in.IncludeRelated)
	}
	kinds, policyType, err := resourceTypeKinds(in.ResourceType)
	if err != nil {
		return nil, "", err
	}
	limit, after, err := pageArgs(in.MaxResults, in.NextToken)
	if err != nil {
		return nil, "", err
	}
	if in.Resource != nil && in.Resource.TableWithColumns != nil {
		return nil, "", invalid("Cannot list permissions on a TableWithColumns resource: list the Table to get both its table and table-with-columns rows.")
	}
	view, err := newViewer(tx, catalogID, caller)
	if err != nil {
		return nil, "", err
	}
	var rows []row
	switch {
	case in.Principal != nil:
		principal, err := NormalizePrincipal(in.Principal.DataLakePrincipalIdentifier)
		if err != nil {
			return nil, "", err
		}
		tgt, err := resolveTarget(tx, catalogID, in.Resource)
		if err != nil {
			return nil, "", err
		}
		if rows, err = effectiveRows(tx, catalogID, principal, tgt); err != nil {
			return nil, "", err
		}
	case in.Resource != nil:
		tgt, err := resolveTarget(tx, catalogID, in.Resource)
		if err != nil {
			return nil, "", err
		}
		type scan struct {
			key    string
			prefix bool
		}
		scans := []scan{{tgt.key, false}}
		if tgt.kind == kindTable {
			scans = append(scans, scan{store.Key(kindColumns, tgt.db, tgt.table), false})
			if related {
				scans = append(scans, scan{store.Key(kindFilter, tgt.db, tgt.table), true})
			}
		}
		for _, s := range scans {
			if rows, err = appendRowsOn(tx, catalogID, s.key, s.prefix, rows); err != nil {
				return nil, "", err
			}
		}
	default:
		err := tx.Scan(BucketGrants, store.Prefix(catalogID), func(key string, raw []byte) error {
			var g grantRec
			if err := jsonUnmarshal(raw, &g); err != nil {
				return err
			}
			rows = append(rows, row{key: key, p: rowOf(&g)})
			return nil
		})
		if err != nil {
			return nil, "", err
		}
	}
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.key, b.key) })
	var out []api.PrincipalResourcePermissions
	last := ""
	for _, r := range rows {
		if after != "" && r.key <= after {
			continue
		}
		if !kindMatches(kinds, policyType, r.p.Resource) {
			continue
		}
		p, ok, err := view.filter(r.p)
		if err != nil {
			return nil, "", err
		}
		if !ok {
			continue
		}
		if len(out) == limit {
			return out, encodeToken(last), nil
		}
		out = append(out, p)
		last = r.key
	}
	return out, "", nil
}

func kindMatches(kinds []string, policyType string, r *api.Resource) bool {
	if len(kinds) == 0 {
		return true
	}
	k := kindOf(r)
	if !slices.Contains(kinds, k) {
		return false
	}
	return policyType == "" || (r.LFTagPolicy != nil && r.LFTagPolicy.ResourceType == policyType)
}

func kindOf(r *api.Resource) string {
	switch {
	case r.Catalog != nil:
		return kindCatalog
	case r.Database != nil:
		return kindDatabase
	case r.Table != nil && r.Table.TableWildcard != nil:
		return kindWildcard
	case r.Table != nil:
		return kindTable
	case r.TableWithColumns != nil:
		return kindColumns
	case r.DataLocation != nil:
		return kindLocation
	case r.DataCellsFilter != nil:
		return kindFilter
	case r.LFTag != nil:
		return kindTag
	case r.LFTagPolicy != nil:
		return kindPolicy
	case r.LFTagExpression != nil:
		return kindTagExpr
	}
	return ""
}

// appendRowsOn appends the grants on resource key (or keys under it).
func appendRowsOn(tx *store.Tx, catalogID, resKey string, prefix bool, rows []row) ([]row, error) {
	base := len(store.Key(catalogID)) + len(store.Sep)
	var keys [][2]string
	err := tx.Scan(BucketGrantsRes, store.Key(catalogID)+store.Sep+resKey+store.Sep, func(k string, _ []byte) error {
		rest := k[base:]
		i := strings.LastIndex(rest, store.Sep)
		if !prefix && rest[:i] != resKey {
			return nil
		}
		keys = append(keys, [2]string{rest[i+len(store.Sep):], rest[:i]})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, pk := range keys {
		g, err := getGrant(tx, catalogID, pk[0], pk[1])
		if err != nil {
			return nil, err
		}
		if g == nil {
			return nil, lferr.New(lferr.InternalService, "grant index names a missing grant of %s", pk[0])
		}
		rows = append(rows, row{key: grantKey(catalogID, pk[0], pk[1]), p: rowOf(g)})
	}
	return rows, nil
}

// effectiveRows renders a principal's resolved permissions on a resource
// as listing rows.
func effectiveRows(tx *store.Tx, catalogID, principal string, tgt *target) ([]row, error) {
	pr := &api.DataLakePrincipal{DataLakePrincipalIdentifier: principal}
	mk := func(suffix string, res api.Resource, perms, grantable []string) row {
		return row{key: grantKey(catalogID, principal, tgt.key) + suffix, p: api.PrincipalResourcePermissions{
			Principal: pr, Resource: &res, Permissions: perms, PermissionsWithGrantOption: grantable}}
	}
	if principal == api.IAMAllowedPrincipals {
		// Not an identity the resolvers evaluate: its grants are its rows.
		return appendRowsOn(tx, catalogID, tgt.key, false, nil)
	}
	ps := []string{principal}
	switch tgt.kind {
	case kindTable:
		ta, err := TableAccess(tx, catalogID, ps, tgt.db, tgt.table)
		if err != nil {
			return nil, err
		}
		var rows []row
		if len(ta.Permissions) > 0 {
			rows = append(rows, mk("", tgt.res, ta.Permissions, ta.Grantable))
		}
		for i, sg := range ta.Select {
			if sg.FilterName != "" {
				rows = append(rows, mk(store.Sep+"F"+sg.FilterName, api.Resource{DataCellsFilter: &api.DataCellsFilterResource{
					TableCatalogId: catalogID, DatabaseName: tgt.db, TableName: tgt.table, Name: sg.FilterName}}, []string{PermSelect}, nil))
				continue
			}
			if sg.AllColumns && len(sg.Excluded) == 0 {
				continue // the table row holds SELECT
			}
			cr := &api.TableWithColumnsResource{DatabaseName: tgt.db, Name: tgt.table}
			if sg.AllColumns {
				cr.ColumnWildcard = &api.ColumnWildcard{ExcludedColumnNames: sg.Excluded}
			} else {
				cr.ColumnNames = sg.Columns
			}
			rows = append(rows, mk(fmt.Sprintf("%sC%06d", store.Sep, i), api.Resource{TableWithColumns: cr}, []string{PermSelect}, nil))
		}
		return rows, nil
	case kindDatabase:
		da, err := DatabaseAccessOf(tx, catalogID, ps, tgt.db)
		if err != nil || len(da.Permissions) == 0 {
			return nil, err
		}
		return []row{mk("", tgt.res, da.Permissions, da.Grantable)}, nil
	case kindCatalog:
		ca, err := CatalogAccessOf(tx, catalogID, ps)
		if err != nil || len(ca.Permissions) == 0 {
			return nil, err
		}
		return []row{mk("", tgt.res, ca.Permissions, ca.Grantable)}, nil
	}
	var rows []row
	for _, p := range expandPrincipals(ps) {
		g, err := getGrant(tx, catalogID, p, tgt.key)
		if err != nil {
			return nil, err
		}
		if g != nil {
			rows = append(rows, row{key: grantKey(catalogID, p, tgt.key), p: rowOf(g)})
		}
	}
	return rows, nil
}

// viewer decides which rows a caller may see.
type viewer struct {
	tx        *store.Tx
	catalogID string
	all       bool
	caller    Caller
	own       []string
	cache     map[string]permSet
}

func newViewer(tx *store.Tx, catalogID string, caller Caller) (*viewer, error) {
	v := &viewer{tx: tx, catalogID: catalogID, caller: caller, own: expandPrincipals(caller.Principals), cache: map[string]permSet{}}
	if caller.Trusted {
		v.all = true
		return v, nil
	}
	s, err := GetSettings(tx, catalogID)
	if err != nil {
		return nil, err
	}
	v.all = IsAdmin(&s, caller.Principals...) || IsReadOnlyAdmin(&s, caller.Principals...)
	return v, nil
}

func (v *viewer) filter(p api.PrincipalResourcePermissions) (api.PrincipalResourcePermissions, bool, error) {
	if v.all || slices.Contains(v.own, p.Principal.DataLakePrincipalIdentifier) {
		return p, true, nil
	}
	tgt, err := resolveTarget(v.tx, v.catalogID, p.Resource)
	if err != nil {
		if lferr.CodeOf(err) == lferr.InternalService {
			return p, false, err
		}
		return p, false, nil
	}
	held, ok := v.cache[tgt.key]
	if !ok {
		if held, err = grantableOn(v.tx, v.catalogID, v.caller.Principals, tgt); err != nil {
			return p, false, err
		}
		v.cache[tgt.key] = held
	}
	if held.has(PermAll) {
		return p, true, nil
	}
	p.Permissions = []string(newPermSet(p.Permissions...).minus(newPermSet(p.Permissions...).minus(held)))
	p.PermissionsWithGrantOption = []string(newPermSet(p.PermissionsWithGrantOption...).minus(newPermSet(p.PermissionsWithGrantOption...).minus(held)))
	return p, len(p.Permissions) > 0, nil
}

// GetEffectivePermissionsForPath lists the grants on databases and tables
// whose location lies at or under resourceArn (spec §4.7).
func GetEffectivePermissionsForPath(tx *store.Tx, catalogID string, caller Caller, resourceArn string, maxResults int, nextToken string) ([]api.PrincipalResourcePermissions, string, error) {
	if err := checkCatalogID(catalogID); err != nil {
		return nil, "", err
	}
	path, err := NormalizeLocation(resourceArn)
	if err != nil {
		return nil, "", err
	}
	limit, after, err := pageArgs(maxResults, nextToken)
	if err != nil {
		return nil, "", err
	}
	view, err := newViewer(tx, catalogID, caller)
	if err != nil {
		return nil, "", err
	}
	var rows []row
	dbs, err := store.List[api.Database](tx, catalog.BucketDatabases, store.Prefix(catalogID))
	if err != nil {
		return nil, "", err
	}
	for _, d := range dbs {
		if loc, ok := locationOfTable(d.LocationUri); ok && covers(path, loc) {
			if rows, err = appendRowsOn(tx, catalogID, store.Key(kindDatabase, d.Name), false, rows); err != nil {
				return nil, "", err
			}
		}
	}
	err = tx.Scan(catalog.BucketTables, store.Prefix(catalogID), func(_ string, raw []byte) error {
		var t api.Table
		if err := jsonUnmarshal(raw, &t); err != nil {
			return err
		}
		if t.StorageDescriptor == nil {
			return nil
		}
		if loc, ok := locationOfTable(t.StorageDescriptor.Location); ok && covers(path, loc) {
			for _, k := range []string{store.Key(kindTable, t.DatabaseName, t.Name), store.Key(kindColumns, t.DatabaseName, t.Name)} {
				if rows, err = appendRowsOn(tx, catalogID, k, false, rows); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.key, b.key) })
	var out []api.PrincipalResourcePermissions
	last := ""
	for _, r := range rows {
		if after != "" && r.key <= after {
			continue
		}
		p, ok, err := view.filter(r.p)
		if err != nil {
			return nil, "", err
		}
		if !ok {
			continue
		}
		if len(out) == limit {
			return out, encodeToken(last), nil
		}
		out = append(out, p)
		last = r.key
	}
	return out, "", nil
}

package lf

import (
	"slices"
	"strings"
	"time"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// Caller is who makes a grant, revoke or listing call.
type Caller struct {
	// Principals is the caller's principal set (role ARN of a role
	// session, user ARN, account id), as the resolver takes it.
	Principals []string
	// Trusted marks the home's owner acting through the declarative setup
	// or the admin CLI: LF permission checks are skipped. Network callers
	// are never Trusted.
	Trusted bool
}

func (c Caller) by() string {
	if len(c.Principals) > 0 {
		return c.Principals[0]
	}
	if c.Trusted {
		return "sluice"
	}
	return ""
}

// GrantInput is GrantPermissions' (and RevokePermissions') request.
type GrantInput struct {
	Principal                  *api.DataLakePrincipal `json:"Principal,omitempty"`
	Resource                   *api.Resource          `json:"Resource,omitempty"`
	Permissions                []string               `json:"Permissions,omitempty"`
	PermissionsWithGrantOption []string               `json:"PermissionsWithGrantOption,omitempty"`
	Condition                  *api.Condition         `json:"Condition,omitempty"`
}

// BatchEntry is one BatchPermissionsRequestEntry.
type BatchEntry struct {
	Id string `json:"Id"`
	GrantInput
}

// ErrorDetail is an LF ErrorDetail.
type ErrorDetail struct {
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

// BatchFailure is one failed entry of a batch call.
type BatchFailure struct {
	RequestEntry BatchEntry  `json:"RequestEntry"`
	Error        ErrorDetail `json:"Error"`
}

// grantRec is the stored grant of one principal on one resource: the set
// of permissions (and of those held with grant option). For
// TableWithColumns the resource carries the merged column set.
type grantRec struct {
	Principal     string       `json:"Principal"`
	Resource      api.Resource `json:"Resource"`
	Permissions   []string     `json:"Permissions"`
	Grantable     []string     `json:"Grantable,omitempty"`
	LastUpdated   *api.Time    `json:"LastUpdated,omitempty"`
	LastUpdatedBy string       `json:"LastUpdatedBy,omitempty"`
}

func grantKey(catalogID, principal, resKey string) string {
	return store.Key(catalogID, principal) + store.Sep + resKey
}

func resIndexKey(catalogID, resKey, principal string) string {
	return store.Key(catalogID) + store.Sep + resKey + store.Sep + principal
}

func getGrant(tx *store.Tx, catalogID, principal, resKey string) (*grantRec, error) {
	raw, err := tx.GetRaw(BucketGrants, grantKey(catalogID, principal, resKey))
	if err != nil || raw == nil {
		return nil, err
	}
	var g grantRec
	if err := jsonUnmarshal(raw, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

func putGrant(tx *store.Tx, catalogID, resKey string, g *grantRec) error {
	if err := tx.Put(BucketGrants, grantKey(catalogID, g.Principal, resKey), g); err != nil {
		return err
	}
	return tx.PutRaw(BucketGrantsRes, resIndexKey(catalogID, resKey, g.Principal), []byte{})
}

func deleteGrant(tx *store.Tx, catalogID, principal, resKey string) error {
	if _, err := tx.Delete(BucketGrants, grantKey(catalogID, principal, resKey)); err != nil {
		return err
	}
	_, err := tx.Delete(BucketGrantsRes, resIndexKey(catalogID, resKey, principal))
	return err
}

// deleteGrantsOn removes every grant whose resource key is resKey or,
// with prefix, starts with resKey+Sep (all filters of a table, ...).
func deleteGrantsOn(tx *store.Tx, catalogID, resKey string, prefix bool) error {
	scan := store.Key(catalogID) + store.Sep + resKey + store.Sep
	type pair struct{ res, principal string }
	var del []pair
	base := len(store.Key(catalogID)) + len(store.Sep)
	err := tx.Scan(BucketGrantsRes, scan, func(k string, _ []byte) error {
		rest := k[base:]
		i := strings.LastIndex(rest, store.Sep)
		if !prefix && rest[:i] != resKey {
			return nil
		}
		del = append(del, pair{rest[:i], rest[i+len(store.Sep):]})
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range del {
		if err := deleteGrant(tx, catalogID, d.principal, d.res); err != nil {
			return err
		}
	}
	return nil
}

// deleteGrantsOnKeyPrefixAllCatalogs runs deleteGrantsOn for a resource
// key in every catalog that has grants (locations are not per catalog).
func deleteGrantsOnKeyPrefixAllCatalogs(tx *store.Tx, keyOf func(cat string) string) error {
	var cats []string
	err := tx.Scan(BucketSettings, "", func(k string, _ []byte) error { cats = append(cats, k); return nil })
	if err != nil {
		return err
	}
	// Catalogs with grants but default settings have no settings record;
	// find them from the index's first key part, seeking past each one
	// (one probe per catalog, not a scan of every grant).
	for after := ""; ; {
		c := ""
		err := tx.ScanAfter(BucketGrantsRes, "", after, func(k string, _ []byte) error {
			c = k[:strings.Index(k, store.Sep)]
			return store.Stop
		})
		if err != nil {
			return err
		}
		if c == "" {
			break
		}
		cats = append(cats, c)
		after = c + "\x01" // sorts after every key of catalog c (c + Sep + …)
	}
	slices.Sort(cats)
	for _, c := range slices.Compact(cats) {
		full := keyOf(c)
		if err := deleteGrantsOn(tx, c, full[len(c)+len(store.Sep):], false); err != nil {
			return err
		}
	}
	return nil
}

// request is a validated grant or revoke.
type request struct {
	principal string
	tgt       *target
	perms     permSet
	grantable permSet
}

func validateRequest(tx *store.Tx, catalogID string, in *GrantInput, revoke bool) (*request, error) {
	if err := checkCatalogID(catalogID); err != nil {
		return nil, err
	}
	if in.Condition != nil {
		return nil, invalid("Condition is not supported: sluice does not evaluate Cedar conditions on grants.")
	}
	if in.Principal == nil {
		return nil, invalid("Principal is required.")
	}
	principal, err := NormalizePrincipal(in.Principal.DataLakePrincipalIdentifier)
	if err != nil {
		return nil, err
	}
	if err := checkPermNames("Permissions", in.Permissions); err != nil {
		return nil, err
	}
	if err := checkPermNames("PermissionsWithGrantOption", in.PermissionsWithGrantOption); err != nil {
		return nil, err
	}
	perms, grantable := newPermSet(in.Permissions...), newPermSet(in.PermissionsWithGrantOption...)
	if len(perms) == 0 && (!revoke || len(grantable) == 0) {
		return nil, invalid("Permissions must not be empty.")
	}
	if !revoke {
		for _, p := range grantable {
			if !perms.has(p) {
				return nil, invalid("PermissionsWithGrantOption must be a subset of Permissions: %s is not in Permissions.", p)
			}
		}
	}
	tgt, err := resolveTarget(tx, catalogID, in.Resource)
	if err != nil {
		return nil, err
	}
	for _, p := range perms.union(grantable) {
		if !slices.Contains(tgt.valid, p) {
			return nil, invalid("Permission %s is not valid on %s; valid permissions are %s.", p, tgt.desc, strings.Join(tgt.valid, ", "))
		}
	}
	return &request{principal: principal, tgt: tgt, perms: perms, grantable: grantable}, nil
}

// GrantPermissions grants permissions on a resource to a principal. Grants
// are sets per (principal, resource): granting merges.
func GrantPermissions(tx *store.Tx, catalogID string, caller Caller, in GrantInput, now time.Time) error {
	req, err := validateRequest(tx, catalogID, &in, false)
	if err != nil {
		return err
	}
	tgt := req.tgt
	if tgt.kind == kindColumns && len(req.grantable) > 0 && tgt.res.TableWithColumns.ColumnWildcard != nil &&
		len(tgt.res.TableWithColumns.ColumnWildcard.ExcludedColumnNames) > 0 {
		return invalid("Column-filtered SELECT can carry the grant option only with an include list (ColumnNames), not with excluded columns.")
	}
	// Authorize first: the conflict check below tells what the grantee
	// holds, which only someone allowed to grant may learn.
	if err := authorize(tx, catalogID, caller, tgt, req.perms.union(req.grantable)); err != nil {
		return err
	}
	if err := checkPartialConflicts(tx, catalogID, req); err != nil {
		return err
	}
	g, err := getGrant(tx, catalogID, req.principal, tgt.key)
	if err != nil {
		return err
	}
	if g == nil && tgt.kind == kindFilter {
		if err := checkFilterGrantLimit(tx, catalogID, req.principal, tgt); err != nil {
			return err
		}
	}
	if g == nil {
		g = &grantRec{Principal: req.principal, Resource: tgt.res}
	} else if tgt.kind == kindColumns {
		g.Resource.TableWithColumns = mergeColumns(g.Resource.TableWithColumns, tgt.res.TableWithColumns)
	}
	g.Permissions = newPermSet(g.Permissions...).union(req.perms)
	g.Grantable = newPermSet(g.Grantable...).union(req.grantable)
	g.LastUpdated = api.NewTime(now)
	g.LastUpdatedBy = caller.by()
	return putGrant(tx, catalogID, tgt.key, g)
}

// RevokePermissions revokes permissions (and, through
// PermissionsWithGrantOption, only grant options). Revoking ALL leaves
// separately granted permissions in place; revoking nothing held is
// InvalidInputException, as LF answers.
func RevokePermissions(tx *store.Tx, catalogID string, caller Caller, in GrantInput, now time.Time) error {
	req, err := validateRequest(tx, catalogID, &in, true)
	if err != nil {
		return err
	}
	tgt := req.tgt
	if err := authorize(tx, catalogID, caller, tgt, req.perms.union(req.grantable)); err != nil {
		return err
	}
	g, err := getGrant(tx, catalogID, req.principal, tgt.key)
	if err != nil {
		return err
	}
	noop := invalid("No permissions revoked. Grantee %s has none of %s on %s.", req.principal, strings.Join(req.perms.union(req.grantable), ", "), tgt.desc)
	if g == nil {
		return noop
	}
	perms, grantable := newPermSet(g.Permissions...), newPermSet(g.Grantable...)
	newPerms := perms.minus(req.perms)
	newGrantable := grantable.minus(req.perms).minus(req.grantable)
	changed := len(newPerms) != len(perms) || len(newGrantable) != len(grantable)
	if tgt.kind == kindColumns && req.perms.has(PermSelect) {
		// Revoking columns removes those columns; SELECT stays on the rest.
		rest := subtractColumns(g.Resource.TableWithColumns, tgt.res.TableWithColumns)
		if rest != nil {
			newPerms = perms
			newGrantable = grantable.minus(req.grantable)
			changed = !sameColumns(rest, g.Resource.TableWithColumns) || len(newGrantable) != len(grantable)
			g.Resource.TableWithColumns = rest
		}
	}
	if !changed {
		return noop
	}
	if len(newPerms) == 0 {
		return deleteGrant(tx, catalogID, req.principal, tgt.key)
	}
	g.Permissions, g.Grantable = newPerms, newGrantable
	g.LastUpdated = api.NewTime(now)
	g.LastUpdatedBy = caller.by()
	return putGrant(tx, catalogID, tgt.key, g)
}

const maxBatchEntries = 20

// BatchGrantPermissions grants each entry; entries that fail are reported
// and the others applied (partial success, spec §4.7). Only a failure of
// the store itself fails the call (and the whole transaction).
func BatchGrantPermissions(tx *store.Tx, catalogID string, caller Caller, entries []BatchEntry, now time.Time) ([]BatchFailure, error) {
	return batch(tx, catalogID, caller, entries, now, GrantPermissions)
}

// BatchRevokePermissions is BatchGrantPermissions for revokes.
func BatchRevokePermissions(tx *store.Tx, catalogID string, caller Caller, entries []BatchEntry, now time.Time) ([]BatchFailure, error) {
	return batch(tx, catalogID, caller, entries, now, RevokePermissions)
}

func batch(tx *store.Tx, catalogID string, caller Caller, entries []BatchEntry, now time.Time,
	op func(*store.Tx, string, Caller, GrantInput, time.Time) error) ([]BatchFailure, error) {
	if err := checkCatalogID(catalogID); err != nil {
		return nil, err
	}
	if len(entries) == 0 || len(entries) > maxBatchEntries {
		return nil, invalid("Entries must list 1 to %d entries, got %d.", maxBatchEntries, len(entries))
	}
	ids := map[string]bool{}
	for _, e := range entries {
		if e.Id == "" || len(e.Id) > 255 {
			return nil, invalid("Entry Id %q must be 1 to 255 characters long.", e.Id)
		}
		if ids[e.Id] {
			return nil, invalid("Entry Id %s is used twice.", e.Id)
		}
		ids[e.Id] = true
	}
	var failures []BatchFailure
	for _, e := range entries {
		err := op(tx, catalogID, caller, e.GrantInput, now)
		if err == nil {
			continue
		}
		code := lferr.CodeOf(err)
		if code == "" || code == lferr.InternalService {
			return nil, err
		}
		failures = append(failures, BatchFailure{RequestEntry: e, Error: ErrorDetail{ErrorCode: string(code), ErrorMessage: lferr.MessageOf(err)}})
	}
	return failures, nil
}

// checkPartialConflicts refuses mixing partial SELECT with whole-table
// write, metadata or DESCRIBE permissions for one grantee (spec §4.4;
// where LF says "has no effect" sluice fails closed with an error).
func checkPartialConflicts(tx *store.Tx, catalogID string, req *request) error {
	tgt := req.tgt
	switch tgt.kind {
	case kindTable:
		var conflict []string
		for _, p := range []string{PermAlter, PermDrop, PermDelete, PermInsert, PermDescribe} {
			if req.perms.has(p) {
				conflict = append(conflict, p)
			}
		}
		if len(conflict) == 0 {
			return nil
		}
		partial, err := hasPartialSelect(tx, catalogID, req.principal, tgt.db, tgt.table)
		if err != nil || !partial {
			return err
		}
		return invalid("Cannot grant %s on %s to %s: it holds a partial SELECT (column-filtered or through a data cells filter) on the table.", strings.Join(conflict, ", "), tgt.desc, req.principal)
	case kindColumns, kindFilter:
		if !req.perms.has(PermSelect) {
			return nil
		}
		g, err := getGrant(tx, catalogID, req.principal, store.Key(kindTable, tgt.db, tgt.table))
		if err != nil || g == nil {
			return err
		}
		held := newPermSet(g.Permissions...)
		for _, p := range []string{PermAll, PermAlter, PermDrop, PermDelete, PermInsert} {
			if held.has(p) {
				return invalid("Cannot grant a partial SELECT on %s to %s: it holds %s on the whole table, and a partial SELECT would have no effect.", tgt.desc, req.principal, p)
			}
		}
	}
	return nil
}

// maxFilterGrants is LF's limit of data-filter grants per principal per
// table (spec §6.1).
const maxFilterGrants = 100

func checkFilterGrantLimit(tx *store.Tx, catalogID, principal string, tgt *target) error {
	n, err := tx.Count(BucketGrants, grantKey(catalogID, principal, store.Prefix(kindFilter, tgt.db, tgt.table)))
	if err != nil {
		return err
	}
	if n >= maxFilterGrants {
		return lferr.New(lferr.ResourceNumberLimitExceeded, "%s already holds grants on %d data cells filters of table %s.%s, the limit.", principal, n, tgt.db, tgt.table)
	}
	return nil
}

func hasPartialSelect(tx *store.Tx, catalogID, principal, db, table string) (bool, error) {
	if g, err := getGrant(tx, catalogID, principal, store.Key(kindColumns, db, table)); err != nil || g != nil {
		return g != nil, err
	}
	found := false
	err := tx.Scan(BucketGrants, grantKey(catalogID, principal, store.Prefix(kindFilter, db, table)), func(string, []byte) error {
		found = true
		return store.Stop
	})
	return found, err
}

// authorize checks that caller may grant or revoke perms on tgt: data lake
// administrators may grant anything; others need each permission with
// grant option (spec §4.4, §4.8).
func authorize(tx *store.Tx, catalogID string, caller Caller, tgt *target, perms permSet) error {
	if caller.Trusted {
		return nil
	}
	s, err := GetSettings(tx, catalogID)
	if err != nil {
		return err
	}
	if IsAdmin(&s, caller.Principals...) {
		return nil
	}
	held, err := grantableOn(tx, catalogID, caller.Principals, tgt)
	if err != nil {
		return err
	}
	for _, p := range perms {
		if !held.has(p) && !held.has(PermAll) {
			return lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s): %s needs %s with grant option on %s.", caller.by(), p, tgt.desc)
		}
	}
	return nil
}

// grantableOn returns the permissions the principals hold with grant
// option on tgt.
func grantableOn(tx *store.Tx, catalogID string, principals []string, tgt *target) (permSet, error) {
	ps := expandPrincipals(principals)
	direct := func(key string) (permSet, error) {
		var out permSet
		for _, p := range ps {
			g, err := getGrant(tx, catalogID, p, key)
			if err != nil {
				return nil, err
			}
			if g != nil {
				out = out.union(g.Grantable)
			}
		}
		return out, nil
	}
	switch tgt.kind {
	case kindTable:
		ta, err := TableAccess(tx, catalogID, principals, tgt.db, tgt.table)
		if err != nil {
			return nil, err
		}
		return newPermSet(ta.Grantable...), nil
	case kindColumns, kindFilter:
		ta, err := TableAccess(tx, catalogID, principals, tgt.db, tgt.table)
		if err != nil {
			return nil, err
		}
		tg := newPermSet(ta.Grantable...)
		// SELECT with grant option on the whole table, all rows (§4.4).
		if tg.has(PermSelect) || tg.has(PermAll) {
			return newPermSet(PermSelect, PermDescribe, PermDrop), nil
		}
		out, err := direct(tgt.key)
		if err != nil || tgt.kind == kindFilter {
			return out, err
		}
		// Column-filtered re-grant: only the same columns or a subset of
		// what the caller holds with grant option (include lists only).
		want := tgt.res.TableWithColumns
		for _, p := range ps {
			g, err := getGrant(tx, catalogID, p, tgt.key)
			if err != nil {
				return nil, err
			}
			if g != nil && newPermSet(g.Grantable...).has(PermSelect) && want.ColumnWildcard == nil &&
				columnsSubset(want.ColumnNames, g.Resource.TableWithColumns) {
				return newPermSet(PermSelect), nil
			}
		}
		return nil, nil
	case kindDatabase:
		da, err := DatabaseAccessOf(tx, catalogID, principals, tgt.db)
		if err != nil {
			return nil, err
		}
		return newPermSet(da.Grantable...), nil
	case kindCatalog:
		ca, err := CatalogAccessOf(tx, catalogID, principals)
		if err != nil {
			return nil, err
		}
		return newPermSet(ca.Grantable...), nil
	case kindPolicy:
		out, err := direct(tgt.key)
		if err != nil {
			return nil, err
		}
		ok, err := holdsTagExpression(tx, catalogID, ps, tgt.res.LFTagPolicy)
		if err != nil || !ok {
			return out, err
		}
		return out.union(tgt.valid), nil
	}
	return direct(tgt.key)
}

// holdsTagExpression reports whether principals hold
// GRANT_WITH_LF_TAG_EXPRESSION on every key:values of an inline policy
// expression (spec §5.5): that is what lets a non-administrator grant data
// permissions through LF-tags. A saved expression needs the grant option
// on the policy itself.
func holdsTagExpression(tx *store.Tx, catalogID string, ps []string, p *api.LFTagPolicyResource) (bool, error) {
	if len(p.Expression) == 0 {
		return false, nil
	}
	for _, e := range p.Expression {
		covered := false
		for _, pr := range ps {
			err := tx.Scan(BucketGrants, grantKey(catalogID, pr, store.Prefix(kindTag, e.TagKey)), func(_ string, raw []byte) error {
				var g grantRec
				if err := jsonUnmarshal(raw, &g); err != nil {
					return err
				}
				if !slices.Contains(g.Permissions, PermGrantWithLFTagExpression) {
					return nil
				}
				held := g.Resource.LFTag.TagValues
				if slices.Contains(held, "*") || len(minus(e.TagValues, held)) == 0 {
					covered = true
					return store.Stop
				}
				return nil
			})
			if err != nil {
				return false, err
			}
			if covered {
				break
			}
		}
		if !covered {
			return false, nil
		}
	}
	return true, nil
}

// ---- column sets of TableWithColumns grants ----

func columnsSubset(want []string, have *api.TableWithColumnsResource) bool {
	for _, c := range want {
		if !columnIn(c, have) {
			return false
		}
	}
	return true
}

func columnIn(c string, r *api.TableWithColumnsResource) bool {
	if r.ColumnWildcard != nil {
		return !slices.Contains(r.ColumnWildcard.ExcludedColumnNames, c)
	}
	return slices.Contains(r.ColumnNames, c)
}

func sortedSet(xs []string) []string {
	out := append([]string(nil), xs...)
	slices.Sort(out)
	return slices.Compact(out)
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return sortedSet(out)
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return sortedSet(out)
}

// mergeColumns is the union of two column grants.
func mergeColumns(old, add *api.TableWithColumnsResource) *api.TableWithColumnsResource {
	out := &api.TableWithColumnsResource{DatabaseName: old.DatabaseName, Name: old.Name}
	switch {
	case old.ColumnWildcard == nil && add.ColumnWildcard == nil:
		out.ColumnNames = sortedSet(append(append([]string(nil), old.ColumnNames...), add.ColumnNames...))
	case old.ColumnWildcard != nil && add.ColumnWildcard != nil:
		out.ColumnWildcard = &api.ColumnWildcard{ExcludedColumnNames: intersect(old.ColumnWildcard.ExcludedColumnNames, add.ColumnWildcard.ExcludedColumnNames)}
	case old.ColumnWildcard != nil:
		out.ColumnWildcard = &api.ColumnWildcard{ExcludedColumnNames: minus(old.ColumnWildcard.ExcludedColumnNames, add.ColumnNames)}
	default:
		out.ColumnWildcard = &api.ColumnWildcard{ExcludedColumnNames: minus(add.ColumnWildcard.ExcludedColumnNames, old.ColumnNames)}
	}
	return out
}

// subtractColumns removes the columns of rev from old; nil when nothing is
// left.
func subtractColumns(old, rev *api.TableWithColumnsResource) *api.TableWithColumnsResource {
	out := &api.TableWithColumnsResource{DatabaseName: old.DatabaseName, Name: old.Name}
	switch {
	case old.ColumnWildcard == nil && rev.ColumnWildcard == nil:
		out.ColumnNames = minus(old.ColumnNames, rev.ColumnNames)
	case old.ColumnWildcard == nil:
		out.ColumnNames = intersect(old.ColumnNames, rev.ColumnWildcard.ExcludedColumnNames)
	case rev.ColumnWildcard == nil:
		out.ColumnWildcard = &api.ColumnWildcard{ExcludedColumnNames: sortedSet(append(append([]string(nil), old.ColumnWildcard.ExcludedColumnNames...), rev.ColumnNames...))}
		return out
	default:
		out.ColumnNames = minus(rev.ColumnWildcard.ExcludedColumnNames, old.ColumnWildcard.ExcludedColumnNames)
	}
	if len(out.ColumnNames) == 0 {
		return nil
	}
	return out
}

func sameColumns(a, b *api.TableWithColumnsResource) bool {
	if (a.ColumnWildcard == nil) != (b.ColumnWildcard == nil) {
		return false
	}
	if a.ColumnWildcard != nil {
		return slices.Equal(a.ColumnWildcard.ExcludedColumnNames, b.ColumnWildcard.ExcludedColumnNames)
	}
	return slices.Equal(a.ColumnNames, b.ColumnNames)
}

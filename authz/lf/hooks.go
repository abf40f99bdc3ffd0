package lf

import (
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/catalog"
	"github.com/sluicedb/sluice/authz/lftag"
	"github.com/sluicedb/sluice/authz/store"
)

// OnCreate is the catalog.Config OnCreate hook: it records a database's
// creator (tables record theirs in CreatedBy) for the implicit permissions
// of §4.8, and grants IAM_ALLOWED_PRINCIPALS ALL on the new database or
// table when the settings' Create*DefaultPermissions say so (spec §4.6).
func OnCreate(tx *store.Tx, r catalog.Resource, principal string) error {
	s, err := GetSettings(tx, r.CatalogID)
	if err != nil {
		return err
	}
	defaults := s.CreateTableDefaultPermissions
	res := api.Resource{Table: &api.TableResource{DatabaseName: r.Database, Name: r.Table}}
	key := store.Key(kindTable, r.Database, r.Table)
	if r.Table == "" {
		defaults = s.CreateDatabaseDefaultPermissions
		res = api.Resource{Database: &api.DatabaseResource{Name: r.Database}}
		key = store.Key(kindDatabase, r.Database)
		if principal != "" {
			if err := tx.Put(BucketCreators, store.Key(r.CatalogID, r.Database), principal); err != nil {
				return err
			}
		}
	}
	if r.Table != "" && principal != "" {
		if err := tx.PutRaw(BucketTableCreators, store.Key(r.CatalogID, r.Database, principal, r.Table), []byte{}); err != nil {
			return err
		}
	}
	if len(defaults) == 0 {
		return nil
	}
	// Validated on Put: the only non-empty value is IAM_ALLOWED_PRINCIPALS/ALL.
	g := &grantRec{Principal: api.IAMAllowedPrincipals, Resource: res, Permissions: []string{PermAll}, LastUpdatedBy: principal}
	return putGrant(tx, r.CatalogID, key, g)
}

// OnDelete is the catalog.Config OnDelete hook: dropping a table drops the
// grants on it, on its columns and on its data cells filters, the filters,
// and its LF-tag assignments; dropping a database (after its tables) drops
// the grants on it and on all its tables, and its creator record.
func OnDelete(tx *store.Tx, r catalog.Resource) error {
	cat := r.CatalogID
	if r.Table != "" {
		for _, k := range []string{store.Key(kindTable, r.Database, r.Table), store.Key(kindColumns, r.Database, r.Table)} {
			if err := deleteGrantsOn(tx, cat, k, false); err != nil {
				return err
			}
		}
		if err := deleteGrantsOn(tx, cat, store.Key(kindFilter, r.Database, r.Table), true); err != nil {
			return err
		}
		if _, err := tx.DeletePrefix(BucketFilters, store.Prefix(cat, r.Database, r.Table)); err != nil {
			return err
		}
		// The creator is not known any more (the table record is gone):
		// find the index row by its table suffix.
		var stale []string
		err := tx.Scan(BucketTableCreators, store.Prefix(cat, r.Database), func(key string, _ []byte) error {
			if strings.HasSuffix(key, store.Sep+r.Table) {
				stale = append(stale, key)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range stale {
			if _, err := tx.Delete(BucketTableCreators, k); err != nil {
				return err
			}
		}
	} else {
		for _, k := range []string{store.Key(kindDatabase, r.Database), store.Key(kindWildcard, r.Database)} {
			if err := deleteGrantsOn(tx, cat, k, false); err != nil {
				return err
			}
		}
		if _, err := tx.Delete(BucketCreators, store.Key(cat, r.Database)); err != nil {
			return err
		}
		if _, err := tx.DeletePrefix(BucketTableCreators, store.Prefix(cat, r.Database)); err != nil {
			return err
		}
	}
	// lftag.OnCatalogDelete may also be registered by the facade; a second
	// run finds nothing left to delete.
	return lftag.DeleteResourceTags(tx, cat, r.Database, r.Table)
}

// OnDeleteTag is the lftag Config OnDeleteTag hook: LF drops the grants on
// a deleted LF-tag key and the inline LF-tag policy grants that use it.
func OnDeleteTag(tx *store.Tx, catalogID, tagKey string) error {
	key := strings.ToLower(tagKey)
	if err := deleteGrantsOn(tx, catalogID, store.Key(kindTag, key), true); err != nil {
		return err
	}
	return deletePolicyGrants(tx, catalogID, func(p *api.LFTagPolicyResource) bool {
		for _, e := range p.Expression {
			if e.TagKey == key {
				return true
			}
		}
		return false
	})
}

// OnDeleteExpression is the lftag Config OnDeleteExpression hook: LF
// deletes every LF-tag policy grant naming a deleted saved expression, and
// the grants on the expression itself.
func OnDeleteExpression(tx *store.Tx, catalogID, name string) error {
	if err := deleteGrantsOn(tx, catalogID, store.Key(kindTagExpr, name), false); err != nil {
		return err
	}
	return deletePolicyGrants(tx, catalogID, func(p *api.LFTagPolicyResource) bool { return p.ExpressionName == name })
}

func deletePolicyGrants(tx *store.Tx, catalogID string, match func(*api.LFTagPolicyResource) bool) error {
	rows, err := appendRowsOn(tx, catalogID, kindPolicy, true, nil)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if p := r.p.Resource.LFTagPolicy; p != nil && match(p) {
			tgtKey := r.key[len(store.Key(catalogID, r.p.Principal.DataLakePrincipalIdentifier))+len(store.Sep):]
			if err := deleteGrant(tx, catalogID, r.p.Principal.DataLakePrincipalIdentifier, tgtKey); err != nil {
				return err
			}
		}
	}
	return nil
}

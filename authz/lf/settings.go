package lf

import (
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// Buckets owned by this package.
const (
	BucketSettings  = "lf.settings"
	BucketLocations = "lf.locations"
	BucketGrants    = "lf.grants"
	BucketGrantsRes = "lf.grants.res"
	BucketFilters   = "lf.filters"
	BucketCreators  = "lf.creators"
	// BucketTableCreators indexes tables by creator: Key(catalog, db,
	// creator, table) → "", so that DatabaseAccessOf finds whether a
	// principal created a table in a database without scanning them.
	BucketTableCreators = "lf.creators.tables"
)

const (
	maxAdmins          = 30
	maxParamKeyLen     = 255
	maxParamValueLen   = 512000
	maxSessionTagValue = 255
)

// DefaultSettings are a fresh account's settings (spec §3.1): new databases
// and tables are IAM-only (IAM_ALLOWED_PRINCIPALS gets ALL), external data
// filtering is off, every list is empty.
func DefaultSettings() api.DataLakeSettings {
	iamOnly := func() []api.PrincipalPermissions {
		return []api.PrincipalPermissions{{
			Principal:   &api.DataLakePrincipal{DataLakePrincipalIdentifier: api.IAMAllowedPrincipals},
			Permissions: []string{PermAll},
		}}
	}
	return api.DataLakeSettings{
		CreateDatabaseDefaultPermissions: iamOnly(),
		CreateTableDefaultPermissions:    iamOnly(),
	}
}

func checkCatalogID(catalogID string) error {
	if !isAccountID(catalogID) {
		return lferr.New(lferr.InvalidInput, "CatalogId %q is not a 12-digit account id.", catalogID)
	}
	return nil
}

// isAccountID is iam.IsAccountID without a regular expression: the
// resolver checks ids on every call.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// GetSettings returns the catalog's settings, or the defaults when none
// were ever put.
func GetSettings(tx *store.Tx, catalogID string) (api.DataLakeSettings, error) {
	if err := checkCatalogID(catalogID); err != nil {
		return api.DataLakeSettings{}, err
	}
	s, found, err := store.GetAs[api.DataLakeSettings](tx, BucketSettings, catalogID)
	if err != nil {
		return api.DataLakeSettings{}, err
	}
	if !found {
		return DefaultSettings(), nil
	}
	return s, nil
}

// PutSettings validates s and replaces the catalog's whole settings with it
// (spec §3.1: Put is not a merge). Omitted default permissions mean [].
func PutSettings(tx *store.Tx, catalogID string, s api.DataLakeSettings) error {
	if err := checkCatalogID(catalogID); err != nil {
		return err
	}
	if err := ValidateSettings(&s); err != nil {
		return err
	}
	return tx.Put(BucketSettings, catalogID, s)
}

// ValidateSettings checks s against spec §3.1 and canonicalizes principal
// spellings in place.
func ValidateSettings(s *api.DataLakeSettings) error {
	checkAdmins := func(field string, list []api.DataLakePrincipal) error {
		if len(list) > maxAdmins {
			return lferr.New(lferr.InvalidInput, "%s has %d entries; the limit is %d.", field, len(list), maxAdmins)
		}
		seen := map[string]bool{}
		for i := range list {
			id := list[i].DataLakePrincipalIdentifier
			if _, err := NormalizePrincipal(id); err != nil {
				return lferr.New(lferr.InvalidInput, "%s: %s", field, lferr.MessageOf(err))
			}
			if !isIAMUserOrRole(id) {
				return lferr.New(lferr.InvalidInput, "%s: %q is not an IAM user or role ARN; only IAM users and roles can be data lake administrators.", field, id)
			}
			if seen[id] {
				return lferr.New(lferr.InvalidInput, "%s lists %s twice.", field, id)
			}
			seen[id] = true
		}
		return nil
	}
	if err := checkAdmins("DataLakeAdmins", s.DataLakeAdmins); err != nil {
		return err
	}
	if err := checkAdmins("ReadOnlyAdmins", s.ReadOnlyAdmins); err != nil {
		return err
	}
	for _, id := range s.ReadOnlyAdmins {
		if slices.ContainsFunc(s.DataLakeAdmins, func(p api.DataLakePrincipal) bool {
			return p.DataLakePrincipalIdentifier == id.DataLakePrincipalIdentifier
		}) {
			return lferr.New(lferr.InvalidInput, "%s cannot be both a data lake administrator and a read-only administrator.", id.DataLakePrincipalIdentifier)
		}
	}
	for _, f := range []struct {
		name string
		list []api.PrincipalPermissions
	}{{"CreateDatabaseDefaultPermissions", s.CreateDatabaseDefaultPermissions}, {"CreateTableDefaultPermissions", s.CreateTableDefaultPermissions}} {
		if len(f.list) == 0 {
			continue
		}
		bad := len(f.list) != 1 || f.list[0].Principal == nil
		if !bad {
			id, err := NormalizePrincipal(f.list[0].Principal.DataLakePrincipalIdentifier)
			bad = err != nil || id != api.IAMAllowedPrincipals || len(f.list[0].Permissions) != 1 || f.list[0].Permissions[0] != PermAll
			if !bad {
				f.list[0].Principal.DataLakePrincipalIdentifier = id
			}
		}
		if bad {
			return lferr.New(lferr.InvalidInput, "%s must be empty or exactly [{Principal: %s, Permissions: [ALL]}].", f.name, api.IAMAllowedPrincipals)
		}
	}
	for k, v := range s.Parameters {
		if k == "" || utf8.RuneCountInString(k) > maxParamKeyLen {
			return lferr.New(lferr.InvalidInput, "Parameters key %q must be 1 to %d characters long.", k, maxParamKeyLen)
		}
		if len(v) > maxParamValueLen {
			return lferr.New(lferr.InvalidInput, "Parameters value of %s is %d bytes long; the limit is %d.", k, len(v), maxParamValueLen)
		}
		switch k {
		case "CROSS_ACCOUNT_VERSION":
			if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 5 {
				return lferr.New(lferr.InvalidInput, "Parameters CROSS_ACCOUNT_VERSION must be one of 1 to 5, got %q.", v)
			}
		case "SET_SOURCE_IDENTITY":
			if v != "TRUE" && v != "FALSE" {
				return lferr.New(lferr.InvalidInput, "Parameters SET_SOURCE_IDENTITY must be TRUE or FALSE, got %q.", v)
			}
		default:
			// Unknown keys could be settings we do not enforce; refusing
			// them beats silently ignoring an intended restriction.
			return lferr.New(lferr.InvalidInput, "Parameters key %q is not supported; supported keys are CROSS_ACCOUNT_VERSION and SET_SOURCE_IDENTITY.", k)
		}
	}
	for _, a := range s.TrustedResourceOwners {
		if !iam.IsAccountID(a) {
			return lferr.New(lferr.InvalidInput, "TrustedResourceOwners entry %q is not a 12-digit account id.", a)
		}
	}
	if len(s.ExternalDataFilteringAllowList) > maxAdmins {
		return lferr.New(lferr.InvalidInput, "ExternalDataFilteringAllowList has %d entries; the limit is %d.", len(s.ExternalDataFilteringAllowList), maxAdmins)
	}
	for _, p := range s.ExternalDataFilteringAllowList {
		if !iam.IsAccountID(p.DataLakePrincipalIdentifier) {
			return lferr.New(lferr.InvalidInput, "ExternalDataFilteringAllowList entry %q is not a 12-digit account id.", p.DataLakePrincipalIdentifier)
		}
	}
	if s.AllowExternalDataFiltering && len(s.ExternalDataFilteringAllowList) == 0 {
		return lferr.New(lferr.InvalidInput, "ExternalDataFilteringAllowList must not be empty when AllowExternalDataFiltering is true: an empty list is not allowed.")
	}
	for _, v := range s.AuthorizedSessionTagValueList {
		if v == "" || utf8.RuneCountInString(v) > maxSessionTagValue {
			return lferr.New(lferr.InvalidInput, "AuthorizedSessionTagValueList entry %q must be 1 to %d characters long.", v, maxSessionTagValue)
		}
		if r, ok := validSingleLine(v); !ok {
			return lferr.New(lferr.InvalidInput, "AuthorizedSessionTagValueList entry %q contains the character %U, which is not allowed.", v, r)
		}
	}
	return nil
}

// IsAdmin reports whether one of principals is a data lake administrator.
func IsAdmin(s *api.DataLakeSettings, principals ...string) bool {
	return listed(s.DataLakeAdmins, principals)
}

// IsReadOnlyAdmin reports whether one of principals is a read-only
// administrator.
func IsReadOnlyAdmin(s *api.DataLakeSettings, principals ...string) bool {
	return listed(s.ReadOnlyAdmins, principals)
}

func listed(list []api.DataLakePrincipal, principals []string) bool {
	for _, a := range list {
		for _, p := range principals {
			if p != "" && a.DataLakePrincipalIdentifier == p {
				return true
			}
		}
	}
	return false
}

// validSingleLine is Glue's single-line string pattern (see authz/catalog).
func validSingleLine(s string) (bad rune, ok bool) {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return r, false
			}
		}
		switch {
		case r == '\t':
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return r, false
		}
	}
	return 0, true
}

package lf

import (
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

func TestDefaultSettingsAreIAMOnly(t *testing.T) {
	e := newEnv(t)
	e.view(func(tx *store.Tx) error {
		s, err := GetSettings(tx, "999988887777")
		if err != nil {
			return err
		}
		for _, l := range [][]api.PrincipalPermissions{s.CreateDatabaseDefaultPermissions, s.CreateTableDefaultPermissions} {
			if len(l) != 1 || l[0].Principal.DataLakePrincipalIdentifier != api.IAMAllowedPrincipals || len(l[0].Permissions) != 1 || l[0].Permissions[0] != PermAll {
				t.Errorf("fresh account default permissions = %+v, want IAM_ALLOWED_PRINCIPALS/ALL", l)
			}
		}
		if s.AllowExternalDataFiltering || len(s.DataLakeAdmins) != 0 {
			t.Errorf("fresh account settings = %+v", s)
		}
		return nil
	})
}

func TestPutSettingsReplacesAndValidates(t *testing.T) {
	p := func(id string) api.DataLakePrincipal { return api.DataLakePrincipal{DataLakePrincipalIdentifier: id} }
	many := make([]api.DataLakePrincipal, 31)
	for i := range many {
		many[i] = p(role("r" + string(rune('a'+i%26)) + string(rune('a'+i/26))))
	}
	iamAll := []api.PrincipalPermissions{{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: api.IAMAllowedPrincipals}, Permissions: []string{"ALL"}}}
	cases := []struct {
		name string
		s    api.DataLakeSettings
		msg  string
	}{
		{"too many admins", api.DataLakeSettings{DataLakeAdmins: many}, "DataLakeAdmins has 31 entries"},
		{"admin not a role", api.DataLakeSettings{DataLakeAdmins: []api.DataLakePrincipal{p(acct)}}, "not an IAM user or role ARN"},
		{"admin bad arn", api.DataLakeSettings{DataLakeAdmins: []api.DataLakePrincipal{p("arn:aws:iam::1:role/x")}}, "Invalid principal"},
		{"duplicate admin", api.DataLakeSettings{DataLakeAdmins: []api.DataLakePrincipal{p(adminRole), p(adminRole)}}, "twice"},
		{"admin and read-only", api.DataLakeSettings{DataLakeAdmins: []api.DataLakePrincipal{p(adminRole)}, ReadOnlyAdmins: []api.DataLakePrincipal{p(adminRole)}}, "both"},
		{"default perms other principal", api.DataLakeSettings{CreateTableDefaultPermissions: []api.PrincipalPermissions{{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: analyst}, Permissions: []string{"ALL"}}}}, "CreateTableDefaultPermissions must be empty or exactly"},
		{"default perms SELECT", api.DataLakeSettings{CreateDatabaseDefaultPermissions: []api.PrincipalPermissions{{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: api.IAMAllowedPrincipals}, Permissions: []string{"SELECT"}}}}, "CreateDatabaseDefaultPermissions must be empty"},
		{"default perms two entries", api.DataLakeSettings{CreateTableDefaultPermissions: append(iamAll, iamAll...)}, "must be empty or exactly"},
		{"allow list empty", api.DataLakeSettings{AllowExternalDataFiltering: true}, "ExternalDataFilteringAllowList must not be empty"},
		{"allow list not account", api.DataLakeSettings{AllowExternalDataFiltering: true, ExternalDataFilteringAllowList: []api.DataLakePrincipal{p(analyst)}}, "not a 12-digit account id"},
		{"tag value empty", api.DataLakeSettings{AuthorizedSessionTagValueList: []string{""}}, "AuthorizedSessionTagValueList entry"},
		{"tag value control char", api.DataLakeSettings{AuthorizedSessionTagValueList: []string{"a\x01b"}}, "U+0001"},
		{"param unknown", api.DataLakeSettings{Parameters: map[string]string{"FOO": "1"}}, `key "FOO" is not supported`},
		{"param cross account", api.DataLakeSettings{Parameters: map[string]string{"CROSS_ACCOUNT_VERSION": "6"}}, "CROSS_ACCOUNT_VERSION must be one of 1 to 5"},
		{"param source identity", api.DataLakeSettings{Parameters: map[string]string{"SET_SOURCE_IDENTITY": "yes"}}, "TRUE or FALSE"},
		{"trusted owner", api.DataLakeSettings{TrustedResourceOwners: []string{"abc"}}, "TrustedResourceOwners entry"},
	}
	e := newEnv(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := e.update(func(tx *store.Tx) error { return PutSettings(tx, acct, c.s) })
			wantErr(t, err, lferr.InvalidInput, c.msg)
		})
	}
	// A valid Put replaces the whole structure: omitted fields are gone.
	good := api.DataLakeSettings{
		DataLakeAdmins:                   []api.DataLakePrincipal{p(analyst)},
		CreateTableDefaultPermissions:    []api.PrincipalPermissions{{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: "IAMAllowedPrincipals"}, Permissions: []string{"ALL"}}},
		AllowExternalDataFiltering:       true,
		ExternalDataFilteringAllowList:   []api.DataLakePrincipal{p(acct)},
		AuthorizedSessionTagValueList:    []string{"Amazon EMR"},
		Parameters:                       map[string]string{"CROSS_ACCOUNT_VERSION": "4", "SET_SOURCE_IDENTITY": "TRUE"},
		AllowFullTableExternalDataAccess: true,
	}
	e.must(func(tx *store.Tx) error { return PutSettings(tx, acct, good) })
	e.view(func(tx *store.Tx) error {
		s, err := GetSettings(tx, acct)
		if err != nil {
			return err
		}
		if !IsAdmin(&s, analyst) || IsAdmin(&s, adminRole) || IsReadOnlyAdmin(&s, roAdminRole) {
			t.Errorf("admins after replace: %+v", s)
		}
		if len(s.CreateDatabaseDefaultPermissions) != 0 {
			t.Errorf("omitted CreateDatabaseDefaultPermissions must become [], got %+v", s.CreateDatabaseDefaultPermissions)
		}
		if got := s.CreateTableDefaultPermissions[0].Principal.DataLakePrincipalIdentifier; got != api.IAMAllowedPrincipals {
			t.Errorf("console spelling not canonicalized: %s", got)
		}
		return nil
	})
	err := e.update(func(tx *store.Tx) error { return PutSettings(tx, "12", good) })
	wantErr(t, err, lferr.InvalidInput, "CatalogId")
}

func TestNormalizePrincipal(t *testing.T) {
	ok := map[string]string{
		analyst: analyst,
		"arn:aws:iam::111122223333:user/a/b/alice": "arn:aws:iam::111122223333:user/a/b/alice",
		acct:                     acct,
		"IAM_ALLOWED_PRINCIPALS": api.IAMAllowedPrincipals,
		"IAM_Allowed_Principals": api.IAMAllowedPrincipals,
		"IAMAllowedPrincipals":   api.IAMAllowedPrincipals,
		acct + ":IAMPrincipals":  acct + ":IAMPrincipals",
		"arn:aws:iam::111122223333:saml-provider/okta:user/bob":                "arn:aws:iam::111122223333:saml-provider/okta:user/bob",
		"arn:aws:iam::111122223333:saml-provider/okta:group/eng":               "arn:aws:iam::111122223333:saml-provider/okta:group/eng",
		"arn:aws:quicksight:us-east-1:111122223333:user/default/carol":         "arn:aws:quicksight:us-east-1:111122223333:user/default/carol",
		"arn:aws:organizations::111122223333:organization/o-abcdefghij":        "arn:aws:organizations::111122223333:organization/o-abcdefghij",
		"arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-abcdefgh": "arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-abcdefgh",
		"arn:aws:identitystore:::user/9067-abcd":                               "arn:aws:identitystore:::user/9067-abcd",
	}
	for in, want := range ok {
		got, err := NormalizePrincipal(in)
		if err != nil || got != want {
			t.Errorf("NormalizePrincipal(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":                                     "must not be empty",
		"12":                                   "Invalid principal",
		"arn:aws:iam::111122223333:group/devs": "Invalid principal",
		"arn:aws:sts::111122223333:assumed-role/analyst/s1":           "not to one of its sessions",
		"arn:aws:quicksight:us-east-1:111122223333:user/other/carol":  "Invalid principal",
		"arn:aws:organizations::111122223333:organization/o-short":    "Invalid principal",
		"1111222233334:IAMPrincipals":                                 "Invalid principal",
		"arn:aws:iam::111122223333:role/" + string(make([]byte, 250)): "characters long",
	}
	for in, msg := range bad {
		_, err := NormalizePrincipal(in)
		wantErr(t, err, lferr.InvalidInput, msg)
	}
}

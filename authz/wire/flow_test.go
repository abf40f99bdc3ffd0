package wire_test

import (
	"encoding/xml"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gtypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	lftypes "github.com/aws/aws-sdk-go-v2/service/lakeformation/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/sluicedb/sluice/authz/wire"
)

const (
	trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	analystPol   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:Get*","lakeformation:GetDataAccess"],"Resource":"*"}]}`
	enginePol    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"arn:aws:iam::111122223333:role/*"}]}`
	denyPol      = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["glue:GetTable","lakeformation:GetDataAccess"],"Resource":"*"}]}`
	engineTag    = "sluice-engine"
	tagKey       = "LakeFormationAuthorizedCaller"
)

func arnRole(name string) string { return "arn:aws:iam::" + account + ":role/" + name }

var bothTypes = []gtypes.PermissionType{gtypes.PermissionTypeColumnPermission, gtypes.PermissionTypeCellFilterPermission}

// setupLake is the administrator's part of the flow, all over the wire:
// IAM roles (analyst, engine, denied), settings that authorize engines,
// the warehouse registered, db1.t1 (cell filter) and db1.t2 (LF-tags),
// and the grants.
func setupLake(t testing.TB, e *env) {
	t.Helper()
	a := e.admin
	for _, r := range []struct{ name, pol string }{{"analyst", analystPol}, {"engine", enginePol}, {"describer", analystPol}} {
		e.iam(t, a, "CreateRole", "RoleName", r.name, "AssumeRolePolicyDocument", trustAccount)
		e.iam(t, a, "PutRolePolicy", "RoleName", r.name, "PolicyName", "p", "PolicyDocument", r.pol)
	}
	e.iam(t, a, "CreateRole", "RoleName", "denied", "AssumeRolePolicyDocument", trustAccount)
	e.iam(t, a, "PutRolePolicy", "RoleName", "denied", "PolicyName", "allow", "PolicyDocument", analystPol)
	pb := e.iam(t, a, "CreatePolicy", "PolicyName", "no-get-table", "PolicyDocument", denyPol)
	var cp struct {
		Arn string `xml:"CreatePolicyResult>Policy>Arn"`
	}
	must(t, xml.Unmarshal(pb, &cp))
	e.iam(t, a, "AttachRolePolicy", "RoleName", "denied", "PolicyArn", cp.Arn)

	lfc, gc := e.lf(a), e.glue(a)
	_, err := lfc.PutDataLakeSettings(bg, &lakeformation.PutDataLakeSettingsInput{DataLakeSettings: &lftypes.DataLakeSettings{
		DataLakeAdmins:                 []lftypes.DataLakePrincipal{{DataLakePrincipalIdentifier: aws.String("arn:aws:iam::" + account + ":user/" + wire.AdminUserName)}},
		AllowExternalDataFiltering:     aws.Bool(true),
		ExternalDataFilteringAllowList: []lftypes.DataLakePrincipal{{DataLakePrincipalIdentifier: aws.String(account)}},
		AuthorizedSessionTagValueList:  []string{engineTag},
	}})
	must(t, err)
	_, err = lfc.RegisterResource(bg, &lakeformation.RegisterResourceInput{ResourceArn: aws.String(strings.TrimSuffix(e.cp.WarehouseURI(), "/")), UseServiceLinkedRole: aws.Bool(true)})
	must(t, err)
	_, err = gc.CreateDatabase(bg, &glue.CreateDatabaseInput{DatabaseInput: &gtypes.DatabaseInput{Name: aws.String("db1")}})
	must(t, err)
	cols := []gtypes.Column{{Name: aws.String("id"), Type: aws.String("bigint")}, {Name: aws.String("region"), Type: aws.String("string")},
		{Name: aws.String("secret"), Type: aws.String("string")}}
	for _, tb := range []string{"t1", "t2"} {
		_, err = gc.CreateTable(bg, &glue.CreateTableInput{DatabaseName: aws.String("db1"), TableInput: &gtypes.TableInput{Name: aws.String(tb),
			TableType: aws.String("EXTERNAL_TABLE"), StorageDescriptor: &gtypes.StorageDescriptor{Columns: cols}}})
		must(t, err)
	}
	_, err = lfc.CreateDataCellsFilter(bg, &lakeformation.CreateDataCellsFilterInput{TableData: &lftypes.DataCellsFilter{
		TableCatalogId: aws.String(account), DatabaseName: aws.String("db1"), TableName: aws.String("t1"), Name: aws.String("eu_rows"),
		RowFilter: &lftypes.RowFilter{FilterExpression: aws.String("region = 'eu'")}, ColumnNames: []string{"id", "region"}}})
	must(t, err)
	_, err = lfc.GrantPermissions(bg, &lakeformation.GrantPermissionsInput{Principal: &lftypes.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(arnRole("analyst"))},
		Resource: &lftypes.Resource{DataCellsFilter: &lftypes.DataCellsFilterResource{TableCatalogId: aws.String(account), DatabaseName: aws.String("db1"),
			TableName: aws.String("t1"), Name: aws.String("eu_rows")}}, Permissions: []lftypes.Permission{lftypes.PermissionSelect}})
	must(t, err)
	// LF-tags: t2 is public, its column secret is sensitive (the nearest
	// assignment wins, VISION rule 3); analyst gets SELECT on public tables.
	_, err = lfc.CreateLFTag(bg, &lakeformation.CreateLFTagInput{TagKey: aws.String("classification"), TagValues: []string{"public", "sensitive"}})
	must(t, err)
	_, err = lfc.AddLFTagsToResource(bg, &lakeformation.AddLFTagsToResourceInput{Resource: &lftypes.Resource{Table: &lftypes.TableResource{DatabaseName: aws.String("db1"), Name: aws.String("t2")}},
		LFTags: []lftypes.LFTagPair{{TagKey: aws.String("classification"), TagValues: []string{"public"}}}})
	must(t, err)
	_, err = lfc.AddLFTagsToResource(bg, &lakeformation.AddLFTagsToResourceInput{Resource: &lftypes.Resource{TableWithColumns: &lftypes.TableWithColumnsResource{DatabaseName: aws.String("db1"), Name: aws.String("t2"), ColumnNames: []string{"secret"}}},
		LFTags: []lftypes.LFTagPair{{TagKey: aws.String("classification"), TagValues: []string{"sensitive"}}}})
	must(t, err)
	for _, role := range []string{"analyst", "denied"} {
		_, err = lfc.GrantPermissions(bg, &lakeformation.GrantPermissionsInput{Principal: &lftypes.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(arnRole(role))},
			Resource: &lftypes.Resource{LFTagPolicy: &lftypes.LFTagPolicyResource{ResourceType: lftypes.ResourceTypeTable,
				Expression: []lftypes.LFTag{{TagKey: aws.String("classification"), TagValues: []string{"public"}}}}},
			Permissions: []lftypes.Permission{lftypes.PermissionSelect}})
		must(t, err)
	}
	_, err = lfc.GrantPermissions(bg, &lakeformation.GrantPermissionsInput{Principal: &lftypes.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(arnRole("describer"))},
		Resource: &lftypes.Resource{Table: &lftypes.TableResource{DatabaseName: aws.String("db1"), Name: aws.String("t1")}}, Permissions: []lftypes.Permission{lftypes.PermissionDescribe}})
	must(t, err)
}

func creds(c *ststypes.Credentials) aws.Credentials {
	return aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}
}

// engineSession is the engine role's own session (the admin assumes it).
func engineSession(t testing.TB, e *env) aws.Credentials {
	t.Helper()
	out, err := e.sts(e.admin).AssumeRole(bg, &sts.AssumeRoleInput{RoleArn: aws.String(arnRole("engine")), RoleSessionName: aws.String("engine")})
	must(t, err)
	return creds(out.Credentials)
}

// userSession is role assumed by the engine with the given session tags.
func userSession(t testing.TB, e *env, eng aws.Credentials, role string, tags map[string]string) aws.Credentials {
	t.Helper()
	in := &sts.AssumeRoleInput{RoleArn: aws.String(arnRole(role)), RoleSessionName: aws.String("alice")}
	for k, v := range tags {
		in.Tags = append(in.Tags, ststypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	out, err := e.sts(eng).AssumeRole(bg, in)
	must(t, err)
	return creds(out.Credentials)
}

func gutm(e *env, c aws.Credentials, table string, types []gtypes.PermissionType, perms ...gtypes.Permission) (*glue.GetUnfilteredTableMetadataOutput, error) {
	return e.glue(c).GetUnfilteredTableMetadata(bg, &glue.GetUnfilteredTableMetadataInput{CatalogId: aws.String(account), DatabaseName: aws.String("db1"),
		Name: aws.String(table), SupportedPermissionTypes: types, Permissions: perms})
}

func TestIntegrationFlow(t *testing.T) {
	e := newEnv(t)
	setupLake(t, e)
	eng := engineSession(t, e)
	analyst := userSession(t, e, eng, "analyst", map[string]string{tagKey: engineTag})

	id, err := e.sts(analyst).GetCallerIdentity(bg, &sts.GetCallerIdentityInput{})
	must(t, err)
	if want := "arn:aws:sts::" + account + ":assumed-role/analyst/alice"; aws.ToString(id.Arn) != want || aws.ToString(id.Account) != account {
		t.Fatalf("GetCallerIdentity = %s %s, want %s", aws.ToString(id.Arn), aws.ToString(id.Account), want)
	}

	t.Run("cell filter", func(t *testing.T) {
		out, err := gutm(e, analyst, "t1", bothTypes)
		must(t, err)
		if !slices.Equal(out.AuthorizedColumns, []string{"id", "region"}) {
			t.Errorf("AuthorizedColumns = %v", out.AuthorizedColumns)
		}
		if aws.ToString(out.RowFilter) != "region = 'eu'" {
			t.Errorf("RowFilter = %q", aws.ToString(out.RowFilter))
		}
		if len(out.CellFilters) != 2 {
			t.Fatalf("CellFilters = %d entries, want one per authorized column", len(out.CellFilters))
		}
		for _, cf := range out.CellFilters {
			if aws.ToString(cf.RowFilterExpression) != "region = 'eu'" {
				t.Errorf("CellFilter %s = %q", aws.ToString(cf.ColumnName), aws.ToString(cf.RowFilterExpression))
			}
		}
		if !out.IsRegisteredWithLakeFormation || out.Table == nil || len(out.Table.StorageDescriptor.Columns) != 3 {
			t.Errorf("registered %v, table %+v: the full schema must be returned", out.IsRegisteredWithLakeFormation, out.Table)
		}
	})
	t.Run("tags: nearest assignment wins", func(t *testing.T) {
		out, err := gutm(e, analyst, "t2", bothTypes)
		must(t, err)
		if !slices.Equal(out.AuthorizedColumns, []string{"id", "region"}) {
			t.Errorf("AuthorizedColumns = %v, want secret (tagged sensitive) excluded", out.AuthorizedColumns)
		}
	})
	t.Run("vend by tag grant", func(t *testing.T) {
		_, err := e.lf(analyst).GetTemporaryGlueTableCredentials(bg, &lakeformation.GetTemporaryGlueTableCredentialsInput{
			TableArn: aws.String("arn:aws:glue:us-east-1:" + account + ":table/db1/t2"), Permissions: []lftypes.Permission{lftypes.PermissionSelect},
			SupportedPermissionTypes: []lftypes.PermissionType{lftypes.PermissionTypeColumnPermission, lftypes.PermissionTypeCellFilterPermission}})
		must(t, err)
	})
	t.Run("vend", func(t *testing.T) {
		out, err := e.lf(analyst).GetTemporaryGlueTableCredentials(bg, &lakeformation.GetTemporaryGlueTableCredentialsInput{
			TableArn: aws.String("arn:aws:glue:us-east-1:" + account + ":table/db1/t1"), Permissions: []lftypes.Permission{lftypes.PermissionSelect},
			SupportedPermissionTypes: []lftypes.PermissionType{lftypes.PermissionTypeColumnPermission, lftypes.PermissionTypeCellFilterPermission},
			DurationSeconds:          aws.Int32(900)})
		must(t, err)
		if aws.ToString(out.AccessKeyId) == "" || aws.ToString(out.SessionToken) == "" || out.Expiration == nil {
			t.Fatalf("vended %+v", out)
		}
		if d := time.Until(*out.Expiration); d < 10*time.Minute || d > 16*time.Minute {
			t.Errorf("expiration in %v, want about 900 s", d)
		}
	})

	refusals := []struct {
		name  string
		call  func(t *testing.T) error
		codes []string
	}{
		{"no session tag", func(t *testing.T) error {
			_, err := gutm(e, userSession(t, e, eng, "analyst", nil), "t1", bothTypes)
			return err
		}, []string{"AccessDeniedException"}},
		{"tag value not authorized", func(t *testing.T) error {
			_, err := gutm(e, userSession(t, e, eng, "analyst", map[string]string{tagKey: "rogue"}), "t1", bothTypes)
			return err
		}, []string{"AccessDeniedException"}},
		{"DESCRIBE only", func(t *testing.T) error {
			_, err := gutm(e, userSession(t, e, eng, "describer", map[string]string{tagKey: engineTag}), "t1", bothTypes, gtypes.PermissionSelect)
			return err
		}, []string{"AccessDeniedException"}},
		{"PermissionTypeMismatch", func(t *testing.T) error {
			_, err := gutm(e, analyst, "t1", []gtypes.PermissionType{gtypes.PermissionTypeColumnPermission})
			return err
		}, []string{"PermissionTypeMismatchException"}},
		{"IAM explicit deny", func(t *testing.T) error {
			_, err := gutm(e, userSession(t, e, eng, "denied", map[string]string{tagKey: engineTag}), "t2", bothTypes)
			if err != nil && !strings.Contains(err.Error(), "explicit deny") {
				t.Errorf("refused, but not by IAM's explicit deny: %v", err)
			}
			return err
		}, []string{"AccessDeniedException"}},
		{"IAM explicit deny on vending", func(t *testing.T) error {
			sess := userSession(t, e, eng, "denied", map[string]string{tagKey: engineTag})
			_, err := e.lf(sess).GetTemporaryGlueTableCredentials(bg, &lakeformation.GetTemporaryGlueTableCredentialsInput{
				TableArn: aws.String("arn:aws:glue:us-east-1:" + account + ":table/db1/t2"), Permissions: []lftypes.Permission{lftypes.PermissionSelect},
				SupportedPermissionTypes: []lftypes.PermissionType{lftypes.PermissionTypeColumnPermission, lftypes.PermissionTypeCellFilterPermission}})
			if err != nil && !strings.Contains(err.Error(), "explicit deny") {
				t.Errorf("refused, but not by IAM's explicit deny: %v", err)
			}
			return err
		}, []string{"AccessDeniedException"}},
		{"bad signature", func(t *testing.T) error {
			bad := analyst
			// Change one character (never to itself).
			first := "x"
			if bad.SecretAccessKey[0] == 'x' {
				first = "y"
			}
			bad.SecretAccessKey = first + bad.SecretAccessKey[1:]
			_, err := gutm(e, bad, "t1", bothTypes)
			return err
		}, []string{"InvalidSignatureException"}},
		{"unknown key", func(t *testing.T) error {
			bad := analyst
			bad.AccessKeyID = "ASIAUNKNOWNUNKNOWN00"
			_, err := gutm(e, bad, "t1", bothTypes)
			return err
		}, []string{"UnrecognizedClientException"}},
		{"expired token", func(t *testing.T) error {
			// The session is issued two hours ago (the server's clock), for
			// 15 minutes.
			e.clock.set(-2 * time.Hour)
			st, b := e.queryCall(t, eng, "sts", time.Now().Add(-2*time.Hour), url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"},
				"RoleArn": {arnRole("analyst")}, "RoleSessionName": {"old"}, "DurationSeconds": {"900"},
				"Tags.member.1.Key": {tagKey}, "Tags.member.1.Value": {engineTag}})
			e.clock.set(0)
			if st != 200 {
				t.Fatalf("AssumeRole at -2h: %d %s", st, b)
			}
			var r struct {
				C struct {
					AccessKeyId, SecretAccessKey, SessionToken string
				} `xml:"AssumeRoleResult>Credentials"`
			}
			must(t, xml.Unmarshal(b, &r))
			_, err := gutm(e, aws.Credentials{AccessKeyID: r.C.AccessKeyId, SecretAccessKey: r.C.SecretAccessKey, SessionToken: r.C.SessionToken}, "t1", bothTypes)
			return err
		}, []string{"ExpiredTokenException"}},
		{"IAM user other than the admin", func(t *testing.T) error {
			e.iam(t, e.admin, "CreateUser", "UserName", "bob")
			b := e.iam(t, e.admin, "CreateAccessKey", "UserName", "bob")
			var r struct {
				ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
				Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
			}
			must(t, xml.Unmarshal(b, &r))
			_, err := gutm(e, aws.Credentials{AccessKeyID: r.ID, SecretAccessKey: r.Secret}, "t1", bothTypes)
			return err
		}, []string{"AccessDeniedException"}},
		// Last: it changes the settings.
		{"account not allow-listed", func(t *testing.T) error {
			_, err := e.lf(e.admin).PutDataLakeSettings(bg, &lakeformation.PutDataLakeSettingsInput{DataLakeSettings: &lftypes.DataLakeSettings{
				DataLakeAdmins:                 []lftypes.DataLakePrincipal{{DataLakePrincipalIdentifier: aws.String("arn:aws:iam::" + account + ":user/" + wire.AdminUserName)}},
				AllowExternalDataFiltering:     aws.Bool(true),
				ExternalDataFilteringAllowList: []lftypes.DataLakePrincipal{{DataLakePrincipalIdentifier: aws.String("444455556666")}},
				AuthorizedSessionTagValueList:  []string{engineTag}}})
			must(t, err)
			_, err = gutm(e, analyst, "t1", bothTypes)
			return err
		}, []string{"AccessDeniedException"}},
	}
	for _, r := range refusals {
		t.Run("refused/"+r.name, func(t *testing.T) {
			err := r.call(t)
			if err == nil {
				t.Fatalf("%s: allowed", r.name)
			}
			if !slices.Contains(r.codes, code(err)) {
				t.Fatalf("%s: %v, want %v", r.name, err, r.codes)
			}
		})
	}
}

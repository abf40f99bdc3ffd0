package authz

import (
	"strings"
	"unicode/utf8"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
)

// This file holds the pure part of the integration calls: request
// validation and the answers, as functions of the request and of catalog
// records already read. No I/O, clock or randomness here.

// Glue's Permission enum (GetUnfilteredTableMetadata.Permissions).
var gluePermissions = map[string]bool{
	"ALL": true, "SELECT": true, "ALTER": true, "DROP": true, "DELETE": true, "INSERT": true,
	"CREATE_DATABASE": true, "CREATE_TABLE": true, "DATA_LOCATION_ACCESS": true,
}

// Lake Formation's Permission enum (GetTemporaryGlueTableCredentials.Permissions).
var lfPermissions = map[string]bool{
	"ALL": true, "SELECT": true, "ALTER": true, "DROP": true, "DELETE": true, "INSERT": true, "DESCRIBE": true,
	"CREATE_DATABASE": true, "CREATE_TABLE": true, "DATA_LOCATION_ACCESS": true, "CREATE_LF_TAG": true,
	"ASSOCIATE": true, "GRANT_WITH_LF_TAG_EXPRESSION": true, "CREATE_LF_TAG_EXPRESSION": true,
	"CREATE_CATALOG": true, "SUPER_USER": true,
}

var permissionTypes = map[string]bool{
	api.ColumnPermission: true, api.CellFilterPermission: true, api.NestedPermission: true,
	api.NestedCellPermission: true, api.ColumnMaskPermission: true,
}

// Credential lifetimes LF accepts (service model: 900–43200 s).
const (
	minDurationSeconds = 900
	maxDurationSeconds = 43200
)

func invalid(format string, args ...any) error { return lferr.New(lferr.InvalidInput, format, args...) }

func checkRequiredName(field, v string) error {
	if v == "" {
		return invalid("%s is required.", field)
	}
	if utf8.RuneCountInString(v) > 255 {
		return invalid("%s is longer than 255 characters.", field)
	}
	return nil
}

func checkSupportedPermissionTypes(v []string, required bool) error {
	if len(v) == 0 {
		if required {
			return invalid("SupportedPermissionTypes is required and must not be empty.")
		}
		return nil
	}
	if len(v) > 255 {
		return invalid("SupportedPermissionTypes has %d entries; the limit is 255.", len(v))
	}
	for _, t := range v {
		if !permissionTypes[t] {
			return invalid("SupportedPermissionTypes has an unknown value %q; valid values are %s, %s, %s, %s and %s.", t,
				api.ColumnPermission, api.CellFilterPermission, api.NestedPermission, api.NestedCellPermission, api.ColumnMaskPermission)
		}
	}
	return nil
}

func checkPermissions(v []string, valid map[string]bool, service string) error {
	for _, p := range v {
		if !valid[p] {
			return invalid("Permissions has an unknown %s permission %q.", service, p)
		}
	}
	return nil
}

func checkRegion(requested, home string) error {
	if requested != "" && requested != home {
		return invalid("Region %s: cross-Region access is not supported; this catalog is in %s.", requested, home)
	}
	return nil
}

func checkQuerySessionContext(q *api.QuerySessionContext) error {
	if q == nil {
		return nil
	}
	if utf8.RuneCountInString(q.QueryId) > 255 {
		return invalid("QuerySessionContext.QueryId is longer than 255 characters.")
	}
	if utf8.RuneCountInString(q.QueryAuthorizationId) > 255 {
		return invalid("QuerySessionContext.QueryAuthorizationId is longer than 255 characters.")
	}
	for k, v := range q.AdditionalContext {
		if n := utf8.RuneCountInString(k); n < 1 || n > 128 {
			return invalid("QuerySessionContext.AdditionalContext keys must be 1 to 128 characters long.")
		}
		if utf8.RuneCountInString(v) > 256 {
			return invalid("QuerySessionContext.AdditionalContext value of %q is longer than 256 characters.", k)
		}
	}
	return nil
}

func checkAuditContext(a *api.AuditContext) error {
	if a == nil {
		return nil
	}
	if utf8.RuneCountInString(a.AdditionalAuditContext) > 2048 {
		return invalid("AuditContext.AdditionalAuditContext is longer than 2048 characters.")
	}
	for _, c := range a.RequestedColumns {
		if n := utf8.RuneCountInString(c); n < 1 || n > 1024 {
			return invalid("AuditContext.RequestedColumns entries must be 1 to 1024 characters long.")
		}
	}
	return nil
}

// ValidateTableMetadataInput checks a GetUnfilteredTableMetadata request
// as Glue's model constrains it.
func ValidateTableMetadataInput(in *api.GetUnfilteredTableMetadataInput, region string) error {
	if in == nil {
		return invalid("The request is empty.")
	}
	if err := checkRequiredName("CatalogId", in.CatalogId); err != nil {
		return err
	}
	if err := checkRequiredName("DatabaseName", in.DatabaseName); err != nil {
		return err
	}
	if err := checkRequiredName("Name", in.Name); err != nil {
		return err
	}
	if err := checkSupportedPermissionTypes(in.SupportedPermissionTypes, true); err != nil {
		return err
	}
	if err := checkPermissions(in.Permissions, gluePermissions, "Glue"); err != nil {
		return err
	}
	if err := checkRegion(in.Region, region); err != nil {
		return err
	}
	if err := checkAuditContext(in.AuditContext); err != nil {
		return err
	}
	return checkQuerySessionContext(in.QuerySessionContext)
}

// ValidatePartitionsMetadataInput checks a GetUnfilteredPartitionsMetadata
// request.
func ValidatePartitionsMetadataInput(in *api.GetUnfilteredPartitionsMetadataInput, region string) error {
	if in == nil {
		return invalid("The request is empty.")
	}
	if err := checkRequiredName("CatalogId", in.CatalogId); err != nil {
		return err
	}
	if err := checkRequiredName("DatabaseName", in.DatabaseName); err != nil {
		return err
	}
	if err := checkRequiredName("TableName", in.TableName); err != nil {
		return err
	}
	if err := checkSupportedPermissionTypes(in.SupportedPermissionTypes, true); err != nil {
		return err
	}
	if in.MaxResults < 0 || in.MaxResults > 1000 {
		return invalid("MaxResults %d is out of range; it must be 1 to 1000.", in.MaxResults)
	}
	if err := checkRegion(in.Region, region); err != nil {
		return err
	}
	if err := checkAuditContext(in.AuditContext); err != nil {
		return err
	}
	return checkQuerySessionContext(in.QuerySessionContext)
}

// TableRef names a table: the parts of a Glue table ARN.
type TableRef struct {
	Region, CatalogID, Database, Table string
}

// ParseTableARN parses arn:<partition>:glue:<region>:<account>:table/<db>/<table>.
// The table name is everything after the database's "/", so a table name
// may contain "/" but a database name in an ARN may not.
func ParseTableARN(arn string) (TableRef, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "glue" {
		return TableRef{}, invalid("TableArn %q is not a Glue table ARN (arn:aws:glue:REGION:ACCOUNT:table/DATABASE/TABLE).", arn)
	}
	res, ok := strings.CutPrefix(parts[5], "table/")
	if !ok {
		return TableRef{}, invalid("TableArn %q does not name a table (its resource must be table/DATABASE/TABLE).", arn)
	}
	db, tbl, ok := strings.Cut(res, "/")
	if !ok || db == "" || tbl == "" || parts[3] == "" || parts[4] == "" {
		return TableRef{}, invalid("TableArn %q is incomplete: it needs a region, an account, a database and a table.", arn)
	}
	return TableRef{Region: parts[3], CatalogID: parts[4], Database: db, Table: tbl}, nil
}

// TableARN is the Glue ARN of a table.
func TableARN(region, catalogID, database, table string) string {
	return "arn:aws:glue:" + region + ":" + catalogID + ":table/" + database + "/" + table
}

// ValidateCredentialsInput checks a GetTemporaryGlueTableCredentials
// request and returns the table it names.
func ValidateCredentialsInput(in *api.GetTemporaryGlueTableCredentialsInput, region string) (TableRef, error) {
	if in == nil {
		return TableRef{}, invalid("The request is empty.")
	}
	if in.TableArn == "" {
		return TableRef{}, invalid("TableArn is required.")
	}
	ref, err := ParseTableARN(in.TableArn)
	if err != nil {
		return TableRef{}, err
	}
	if err := checkRegion(ref.Region, region); err != nil {
		return TableRef{}, err
	}
	if err := checkPermissions(in.Permissions, lfPermissions, "Lake Formation"); err != nil {
		return TableRef{}, err
	}
	if d := in.DurationSeconds; d != 0 && (d < minDurationSeconds || d > maxDurationSeconds) {
		return TableRef{}, invalid("DurationSeconds %d is out of range; it must be %d to %d.", d, minDurationSeconds, maxDurationSeconds)
	}
	if err := checkSupportedPermissionTypes(in.SupportedPermissionTypes, false); err != nil {
		return TableRef{}, err
	}
	if err := checkAuditContext(in.AuditContext); err != nil {
		return TableRef{}, err
	}
	return ref, checkQuerySessionContext(in.QuerySessionContext)
}

// authorizedColumns is every column of tbl, partition keys last: the
// table order the decision's AuthorizedColumns follow.
func authorizedColumns(tbl *api.Table) []string {
	var out []string
	if tbl.StorageDescriptor != nil {
		out = make([]string, 0, len(tbl.StorageDescriptor.Columns)+len(tbl.PartitionKeys))
		for _, c := range tbl.StorageDescriptor.Columns {
			out = append(out, c.Name)
		}
	}
	for _, c := range tbl.PartitionKeys {
		out = append(out, c.Name)
	}
	return out
}

// notRegistered is the vending answer for a table whose location is not
// registered: Lake Formation vends only for registered locations, so it
// refuses, and the engine reads with the caller's own credentials.
func notRegistered(tbl *api.Table) error {
	return invalid("Table %s.%s is not registered with Lake Formation: its location is not a registered data location, so no credentials are vended.", tbl.DatabaseName, tbl.Name)
}

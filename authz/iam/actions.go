package iam

import "github.com/sluicedb/sluice/authz/lferr"

// Scope says which resource ARNs an API call is authorized against.
type Scope uint8

const (
	// ScopeAny: the action supports only Resource "*"; the request resource
	// is "*".
	ScopeAny Scope = iota
	// ScopeCatalog: the catalog ARN.
	ScopeCatalog
	// ScopeDatabase: the catalog and database ARNs.
	ScopeDatabase
	// ScopeTable: catalog, database and table ARNs (all must be allowed).
	ScopeTable
	// ScopeAllTables: catalog, database and "table/DB/*" (GetTables).
	ScopeAllTables
	// ScopeRole: the target role ARN (sts:AssumeRole, iam:PassRole).
	ScopeRole
	// ScopeNone: no IAM check (sts:GetCallerIdentity is always allowed).
	ScopeNone
)

// Requirement is what IAM must allow for one API operation.
type Requirement struct {
	// Actions must all be allowed on every resource of Scope.
	Actions []string
	Scope   Scope
	// Conditional names further actions needed only for some requests
	// (e.g. "sts:TagSession when Tags are passed"); the API enforces them.
	Conditional string
}

func req(scope Scope, actions ...string) Requirement {
	return Requirement{Actions: actions, Scope: scope}
}

// requirements is spec §8.4 as a table: service → operation → what IAM
// must allow. Integration APIs are mapped to the actions the service model
// documents (GetUnfilteredTableMetadata → glue:GetTable; credential
// vending → lakeformation:GetDataAccess).
var requirements = map[string]map[string]Requirement{
	"glue": {
		"GetDatabases":                    req(ScopeCatalog, "glue:GetDatabases"),
		"GetDatabase":                     req(ScopeDatabase, "glue:GetDatabase"),
		"CreateDatabase":                  req(ScopeDatabase, "glue:CreateDatabase"),
		"UpdateDatabase":                  req(ScopeDatabase, "glue:UpdateDatabase"),
		"DeleteDatabase":                  req(ScopeDatabase, "glue:DeleteDatabase"),
		"GetTables":                       req(ScopeAllTables, "glue:GetTables"),
		"GetTable":                        req(ScopeTable, "glue:GetTable"),
		"GetTableVersions":                req(ScopeTable, "glue:GetTableVersions"),
		"SearchTables":                    req(ScopeCatalog, "glue:SearchTables"),
		"CreateTable":                     req(ScopeTable, "glue:CreateTable"),
		"UpdateTable":                     req(ScopeTable, "glue:UpdateTable"),
		"DeleteTable":                     req(ScopeTable, "glue:DeleteTable"),
		"BatchDeleteTable":                req(ScopeAllTables, "glue:BatchDeleteTable"),
		"GetPartition":                    req(ScopeTable, "glue:GetPartition"),
		"GetPartitions":                   req(ScopeTable, "glue:GetPartitions"),
		"BatchGetPartition":               req(ScopeTable, "glue:BatchGetPartition"),
		"CreatePartition":                 req(ScopeTable, "glue:CreatePartition"),
		"BatchCreatePartition":            req(ScopeTable, "glue:BatchCreatePartition"),
		"UpdatePartition":                 req(ScopeTable, "glue:UpdatePartition"),
		"DeletePartition":                 req(ScopeTable, "glue:DeletePartition"),
		"BatchDeletePartition":            req(ScopeTable, "glue:BatchDeletePartition"),
		"GetUserDefinedFunction":          req(ScopeDatabase, "glue:GetUserDefinedFunction"),
		"GetUserDefinedFunctions":         req(ScopeDatabase, "glue:GetUserDefinedFunctions"),
		"GetResourcePolicy":               req(ScopeCatalog, "glue:GetResourcePolicy"),
		"PutResourcePolicy":               req(ScopeCatalog, "glue:PutResourcePolicy"),
		"DeleteResourcePolicy":            req(ScopeCatalog, "glue:DeleteResourcePolicy"),
		"GetUnfilteredTableMetadata":      req(ScopeTable, "glue:GetTable"),
		"GetUnfilteredPartitionMetadata":  req(ScopeTable, "glue:GetPartition"),
		"GetUnfilteredPartitionsMetadata": req(ScopeTable, "glue:GetPartitions"),
	},
	"lakeformation": {
		"GetDataLakeSettings":                  req(ScopeAny, "lakeformation:GetDataLakeSettings"),
		"PutDataLakeSettings":                  req(ScopeAny, "lakeformation:PutDataLakeSettings"),
		"RegisterResource":                     {Actions: []string{"lakeformation:RegisterResource"}, Scope: ScopeAny, Conditional: "iam:PassRole (and iam:GetRole) on RoleArn when a custom role is given"},
		"DeregisterResource":                   req(ScopeAny, "lakeformation:DeregisterResource"),
		"UpdateResource":                       {Actions: []string{"lakeformation:UpdateResource"}, Scope: ScopeAny, Conditional: "iam:PassRole on RoleArn"},
		"DescribeResource":                     req(ScopeAny, "lakeformation:DescribeResource"),
		"ListResources":                        req(ScopeAny, "lakeformation:ListResources"),
		"GrantPermissions":                     {Actions: []string{"lakeformation:GrantPermissions"}, Scope: ScopeAny, Conditional: "glue:GetTable or glue:GetDatabase on the named resource"},
		"RevokePermissions":                    {Actions: []string{"lakeformation:RevokePermissions"}, Scope: ScopeAny, Conditional: "glue:GetTable or glue:GetDatabase on the named resource"},
		"BatchGrantPermissions":                req(ScopeAny, "lakeformation:BatchGrantPermissions"),
		"BatchRevokePermissions":               req(ScopeAny, "lakeformation:BatchRevokePermissions"),
		"ListPermissions":                      req(ScopeAny, "lakeformation:ListPermissions"),
		"GetEffectivePermissionsForPath":       req(ScopeAny, "lakeformation:GetEffectivePermissionsForPath"),
		"CreateLFTag":                          req(ScopeAny, "lakeformation:CreateLFTag"),
		"GetLFTag":                             req(ScopeAny, "lakeformation:GetLFTag"),
		"UpdateLFTag":                          req(ScopeAny, "lakeformation:UpdateLFTag"),
		"DeleteLFTag":                          req(ScopeAny, "lakeformation:DeleteLFTag"),
		"ListLFTags":                           req(ScopeAny, "lakeformation:ListLFTags"),
		"AddLFTagsToResource":                  req(ScopeAny, "lakeformation:AddLFTagsToResource"),
		"RemoveLFTagsFromResource":             req(ScopeAny, "lakeformation:RemoveLFTagsFromResource"),
		"GetResourceLFTags":                    req(ScopeAny, "lakeformation:GetResourceLFTags"),
		"SearchTablesByLFTags":                 req(ScopeAny, "lakeformation:SearchTablesByLFTags"),
		"SearchDatabasesByLFTags":              req(ScopeAny, "lakeformation:SearchDatabasesByLFTags"),
		"CreateLFTagExpression":                req(ScopeAny, "lakeformation:CreateLFTagExpression"),
		"GetLFTagExpression":                   req(ScopeAny, "lakeformation:GetLFTagExpression"),
		"UpdateLFTagExpression":                req(ScopeAny, "lakeformation:UpdateLFTagExpression"),
		"DeleteLFTagExpression":                req(ScopeAny, "lakeformation:DeleteLFTagExpression"),
		"ListLFTagExpressions":                 req(ScopeAny, "lakeformation:ListLFTagExpressions"),
		"CreateDataCellsFilter":                req(ScopeAny, "lakeformation:CreateDataCellsFilter"),
		"GetDataCellsFilter":                   req(ScopeAny, "lakeformation:GetDataCellsFilter"),
		"UpdateDataCellsFilter":                req(ScopeAny, "lakeformation:UpdateDataCellsFilter"),
		"DeleteDataCellsFilter":                req(ScopeAny, "lakeformation:DeleteDataCellsFilter"),
		"ListDataCellsFilter":                  req(ScopeAny, "lakeformation:ListDataCellsFilter"),
		"GetDataAccess":                        req(ScopeAny, "lakeformation:GetDataAccess"),
		"GetTemporaryGlueTableCredentials":     req(ScopeAny, "lakeformation:GetDataAccess"),
		"GetTemporaryGluePartitionCredentials": req(ScopeAny, "lakeformation:GetDataAccess"),
		"GetTemporaryDataLocationCredentials":  req(ScopeAny, "lakeformation:GetDataAccess"),
		"StartQueryPlanning":                   req(ScopeAny, "lakeformation:StartQueryPlanning"),
		"GetQueryState":                        req(ScopeAny, "lakeformation:GetQueryState"),
		"GetWorkUnits":                         req(ScopeAny, "lakeformation:GetWorkUnits"),
		"GetWorkUnitResults":                   req(ScopeAny, "lakeformation:GetWorkUnitResults"),
	},
	"sts": {
		"AssumeRole":        {Actions: []string{"sts:AssumeRole"}, Scope: ScopeRole, Conditional: "sts:TagSession when Tags or TransitiveTagKeys are passed; sts:SetSourceIdentity when SourceIdentity is passed"},
		"GetCallerIdentity": req(ScopeNone),
	},
	"iam": {},
}

func init() {
	// IAM operations map one to one onto iam:<Operation> on "*" (sluice
	// does not scope IAM administration by resource).
	for _, op := range []string{"CreateRole", "GetRole", "DeleteRole", "ListRoles", "UpdateAssumeRolePolicy", "TagRole",
		"PutRolePolicy", "GetRolePolicy", "DeleteRolePolicy", "ListRolePolicies", "AttachRolePolicy", "DetachRolePolicy",
		"ListAttachedRolePolicies", "CreateUser", "GetUser", "DeleteUser", "ListUsers", "PutUserPolicy", "AttachUserPolicy",
		"CreateAccessKey", "DeleteAccessKey", "ListAccessKeys", "CreatePolicy", "GetPolicy", "DeletePolicy", "ListPolicies",
		"GetPolicyVersion", "PassRole"} {
		requirements["iam"][op] = req(ScopeAny, "iam:"+op)
	}
}

// RequiredActions returns what IAM must allow for service's operation
// (service is "glue", "lakeformation", "sts" or "iam").
func RequiredActions(service, operation string) (Requirement, error) {
	ops, ok := requirements[service]
	if !ok {
		return Requirement{}, lferr.New(lferr.InvalidInput, "unknown service %q", service)
	}
	r, ok := ops[operation]
	if !ok {
		return Requirement{}, lferr.New(lferr.InvalidInput, "unknown %s operation %q", service, operation)
	}
	r.Actions = append([]string(nil), r.Actions...) // the table stays immutable
	return r, nil
}

// Resources returns the ARNs a requirement is checked against for a call
// on db.table in region/account (role is the target role ARN for
// ScopeRole).
func (r Requirement) Resources(region, account, db, table, role string) []string {
	switch r.Scope {
	case ScopeCatalog:
		return []string{GlueCatalogARN(region, account)}
	case ScopeDatabase:
		return GlueResourceARNs(region, account, db, "")
	case ScopeTable:
		return GlueResourceARNs(region, account, db, table)
	case ScopeAllTables:
		return GlueResourceARNs(region, account, db, "*")
	case ScopeRole:
		return []string{role}
	case ScopeNone:
		return nil
	}
	return []string{"*"}
}

// Authorize checks every action of the requirement on every resource with
// one base context (action and resource are replaced per check) and
// returns the first denial as an AccessDenied error with AWS's message.
// code is lferr.AccessDenied (LF/Glue) or lferr.STSAccessDenied.
func Authorize(base *Context, in *Input, r Requirement, resources []string, code lferr.Code) error {
	for _, a := range r.Actions {
		for _, res := range resources {
			ctx := base.WithResource(res).WithAction(a)
			if res := Evaluate(ctx, in); res.Decision != Allowed {
				return res.Error(code, ctx)
			}
		}
	}
	return nil
}

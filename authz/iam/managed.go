package iam

import (
	"sort"
	"strings"
	"time"

	"github.com/sluicedb/sluice/authz/lferr"
)

// The built-in AWS managed policies that Lake Formation's personas
// reference use. The documents are reconstructions of the published
// policies (AWS managed policy reference, LF developer guide "Personas and
// IAM permissions reference"), reduced to the statements that matter to a
// data lake: services sluice does not serve (EC2, CloudWatch, RAM, …) are
// kept where AWS has them, so that an admin reading a policy recognises it,
// but they grant nothing in sluice.
var builtinDocs = map[string]string{
	"AWSLakeFormationDataAdmin": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AWSLakeFormationDataAdminAllow",
      "Effect": "Allow",
      "Action": [
        "lakeformation:*",
        "cloudtrail:DescribeTrails", "cloudtrail:LookupEvents",
        "glue:CreateCatalog", "glue:UpdateCatalog", "glue:DeleteCatalog", "glue:GetCatalog", "glue:GetCatalogs",
        "glue:GetDatabase", "glue:GetDatabases", "glue:CreateDatabase", "glue:UpdateDatabase", "glue:DeleteDatabase",
        "glue:GetConnections", "glue:SearchTables",
        "glue:GetTable", "glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable", "glue:GetTableVersions",
        "glue:GetPartitions", "glue:GetTables",
        "glue:ListWorkflows", "glue:BatchGetWorkflows", "glue:DeleteWorkflow", "glue:GetWorkflowRuns",
        "glue:StartWorkflowRun", "glue:GetWorkflow",
        "s3:ListBucket", "s3:GetBucketLocation", "s3:ListAllMyBuckets", "s3:GetBucketAcl",
        "iam:ListUsers", "iam:ListRoles", "iam:GetRole", "iam:GetRolePolicy"
      ],
      "Resource": "*"
    },
    {
      "Sid": "AWSLakeFormationDataAdminDeny",
      "Effect": "Deny",
      "Action": ["lakeformation:PutDataLakeSettings"],
      "Resource": "*"
    }
  ]
}`,
	"AWSLakeFormationCrossAccountManager": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowCreateResourceShare",
      "Effect": "Allow",
      "Action": ["ram:CreateResourceShare"],
      "Resource": "*",
      "Condition": {"StringLikeIfExists": {"ram:RequestedResourceType": ["glue:Table", "glue:Database", "glue:Catalog"]}}
    },
    {
      "Sid": "AllowManageResourceShare",
      "Effect": "Allow",
      "Action": ["ram:UpdateResourceShare", "ram:DeleteResourceShare", "ram:AssociateResourceShare",
                 "ram:DisassociateResourceShare", "ram:GetResourceShares"],
      "Resource": "*",
      "Condition": {"StringLike": {"ram:ResourceShareName": ["LakeFormation*"]}}
    },
    {
      "Sid": "AllowManageResourceSharePermissions",
      "Effect": "Allow",
      "Action": ["ram:AssociateResourceSharePermission"],
      "Resource": "*",
      "Condition": {"ArnLike": {"ram:PermissionArn": ["arn:aws:ram::aws:permission/AWSRAMLFEnabled*"]}}
    },
    {
      "Sid": "AllowXAcctManagerPermissions",
      "Effect": "Allow",
      "Action": ["glue:PutResourcePolicy", "glue:DeleteResourcePolicy", "organizations:DescribeOrganization",
                 "organizations:DescribeAccount", "ram:Get*", "ram:List*"],
      "Resource": "*"
    },
    {
      "Sid": "AllowOrganizationsPermissions",
      "Effect": "Allow",
      "Action": ["organizations:ListRoots", "organizations:ListAccountsForParent", "organizations:ListOrganizationalUnitsForParent"],
      "Resource": "*"
    }
  ]
}`,
	"AWSGlueConsoleFullAccess": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "BaseAppPermissions",
      "Effect": "Allow",
      "Action": [
        "glue:*",
        "redshift:DescribeClusters", "redshift:DescribeClusterSubnetGroups",
        "iam:ListRoles", "iam:ListUsers", "iam:ListGroups", "iam:ListRolePolicies", "iam:GetRole",
        "iam:GetRolePolicy", "iam:ListAttachedRolePolicies",
        "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeVpcEndpoints",
        "ec2:DescribeRouteTables", "ec2:DescribeVpcAttribute", "ec2:DescribeKeyPairs", "ec2:DescribeInstances",
        "ec2:DescribeImages",
        "rds:DescribeDBInstances", "rds:DescribeDBClusters", "rds:DescribeDBSubnetGroups",
        "s3:ListAllMyBuckets", "s3:ListBucket", "s3:GetBucketAcl", "s3:GetBucketLocation",
        "cloudformation:ListStacks", "cloudformation:DescribeStacks", "cloudformation:GetTemplateSummary",
        "dynamodb:ListTables", "kms:ListAliases", "kms:DescribeKey",
        "cloudwatch:GetMetricData", "cloudwatch:ListDashboards"
      ],
      "Resource": ["*"]
    },
    {
      "Sid": "BucketPermissions",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject"],
      "Resource": ["arn:aws:s3:::aws-glue-*/*", "arn:aws:s3:::*/*aws-glue-*/*", "arn:aws:s3:::aws-glue-*"]
    },
    {
      "Sid": "CreateBucket",
      "Effect": "Allow",
      "Action": ["s3:CreateBucket", "s3:PutBucketPublicAccessBlock"],
      "Resource": ["arn:aws:s3:::aws-glue-*"]
    },
    {
      "Sid": "LogsReadWrite",
      "Effect": "Allow",
      "Action": ["logs:GetLogEvents"],
      "Resource": ["arn:aws:logs:*:*:/aws-glue/*"]
    },
    {
      "Sid": "PassRoleToGlue",
      "Effect": "Allow",
      "Action": ["iam:PassRole"],
      "Resource": "arn:aws:iam::*:role/AWSGlueServiceRole*",
      "Condition": {"StringLike": {"iam:PassedToService": ["glue.amazonaws.com"]}}
    },
    {
      "Sid": "PassRoleToGlueNotebook",
      "Effect": "Allow",
      "Action": ["iam:PassRole"],
      "Resource": "arn:aws:iam::*:role/AWSGlueServiceNotebookRole*",
      "Condition": {"StringLike": {"iam:PassedToService": ["ec2.amazonaws.com"]}}
    },
    {
      "Sid": "PassRoleServiceRoles",
      "Effect": "Allow",
      "Action": ["iam:PassRole"],
      "Resource": ["arn:aws:iam::*:role/service-role/AWSGlueServiceRole*"],
      "Condition": {"StringLike": {"iam:PassedToService": ["glue.amazonaws.com"]}}
    }
  ]
}`,
	"LakeFormationDataAccessServiceRolePolicy": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "LakeFormationDataAccessServiceRolePolicy",
      "Effect": "Allow",
      "Action": ["s3:ListAllMyBuckets"],
      "Resource": ["arn:aws:s3:::*"]
    }
  ]
}`,
	"AWSGlueServiceRole": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "glue:*",
        "s3:GetBucketLocation", "s3:ListBucket", "s3:ListAllMyBuckets", "s3:GetBucketAcl",
        "ec2:DescribeVpcEndpoints", "ec2:DescribeRouteTables", "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets", "ec2:DescribeVpcAttribute",
        "iam:ListRolePolicies", "iam:GetRole", "iam:GetRolePolicy", "cloudwatch:PutMetricData"
      ],
      "Resource": ["*"]
    },
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject"],
      "Resource": ["arn:aws:s3:::aws-glue-*/*", "arn:aws:s3:::*/*aws-glue-*/*"]
    },
    {
      "Effect": "Allow",
      "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
      "Resource": ["arn:aws:logs:*:*:*:/aws-glue/*"]
    }
  ]
}`,
	"AmazonAthenaFullAccess": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "BaseAthenaPermissions",
      "Effect": "Allow",
      "Action": ["athena:*"],
      "Resource": ["*"]
    },
    {
      "Sid": "BaseGluePermissions",
      "Effect": "Allow",
      "Action": [
        "glue:CreateDatabase", "glue:DeleteDatabase", "glue:GetCatalog", "glue:GetCatalogs",
        "glue:GetDatabase", "glue:GetDatabases", "glue:UpdateDatabase",
        "glue:CreateTable", "glue:DeleteTable", "glue:BatchDeleteTable", "glue:UpdateTable",
        "glue:GetTable", "glue:GetTables", "glue:BatchCreatePartition", "glue:CreatePartition",
        "glue:DeletePartition", "glue:BatchDeletePartition", "glue:UpdatePartition",
        "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition",
        "glue:StartColumnStatisticsTaskRun", "glue:GetColumnStatisticsTaskRun", "glue:GetColumnStatisticsTaskRuns",
        "glue:GetCatalogImportStatus"
      ],
      "Resource": ["*"]
    },
    {
      "Sid": "BaseQueryResultsPermissions",
      "Effect": "Allow",
      "Action": ["s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket", "s3:ListBucketMultipartUploads",
                 "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload", "s3:CreateBucket", "s3:PutObject",
                 "s3:PutBucketPublicAccessBlock"],
      "Resource": ["arn:aws:s3:::aws-athena-query-results-*"]
    },
    {
      "Sid": "BaseAthenaExamplesPermissions",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:ListBucket"],
      "Resource": ["arn:aws:s3:::athena-examples*"]
    },
    {
      "Sid": "BaseS3BucketPermissions",
      "Effect": "Allow",
      "Action": ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListAllMyBuckets"],
      "Resource": ["*"]
    }
  ]
}`,
	"CloudWatchLogsReadOnlyAccess": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "CloudWatchLogsReadOnlyAccess",
      "Effect": "Allow",
      "Action": ["logs:Describe*", "logs:Get*", "logs:List*", "logs:StartQuery", "logs:StopQuery",
                 "logs:TestMetricFilter", "logs:FilterLogEvents", "logs:StartLiveTail", "logs:StopLiveTail",
                 "cloudwatch:GenerateQuery"],
      "Resource": "*"
    }
  ]
}`,
}

var builtinDescriptions = map[string]string{
	"AWSLakeFormationDataAdmin":                "Grants administrative access to AWS Lake Formation and related services, such as AWS Glue, to manage data lakes",
	"AWSLakeFormationCrossAccountManager":      "Provides cross account access to Glue resources via Lake Formation",
	"AWSGlueConsoleFullAccess":                 "Provides full access to AWS Glue via the AWS Management Console",
	"LakeFormationDataAccessServiceRolePolicy": "Policy for the Lake Formation data access service-linked role",
	"AWSGlueServiceRole":                       "Policy for AWS Glue service role which allows access to related services",
	"AmazonAthenaFullAccess":                   "Provides full access to Amazon Athena",
	"CloudWatchLogsReadOnlyAccess":             "Provides read only access to CloudWatch Logs",
}

// builtins is computed once from builtinDocs; it is immutable after init
// (package-level, but never mutated).
var builtins, builtinsParsed = func() (map[string]*ManagedPolicy, map[string]*Policy) {
	ms := map[string]*ManagedPolicy{}
	ps := map[string]*Policy{}
	for name, doc := range builtinDocs {
		arn := AWSManagedPolicyARN(name)
		path := "/"
		if name == "LakeFormationDataAccessServiceRolePolicy" || name == "AWSGlueServiceRole" {
			path = "/service-role/"
			if name == "LakeFormationDataAccessServiceRolePolicy" {
				path = "/aws-service-role/"
			}
			arn = "arn:aws:iam::aws:policy" + path + name
		}
		ms[arn] = &ManagedPolicy{Account: "aws", PolicyName: name, Path: path, Arn: arn, PolicyId: "ANPA" + strings.ToUpper(name[:min(len(name), 17)]),
			Description: builtinDescriptions[name], Document: doc, IsAWSManaged: true, DefaultVersionId: "v1",
			CreateDate: time.Date(2019, 8, 8, 0, 0, 0, 0, time.UTC)}
		p := MustParsePolicy(doc, IdentityPolicy)
		p.Name = arn
		ps[arn] = p
	}
	return ms, ps
}()

// BuiltinPolicy returns a copy of the built-in AWS managed policy at arn.
func BuiltinPolicy(arn string) (*ManagedPolicy, bool) {
	p, ok := builtins[arn]
	if !ok {
		return nil, false
	}
	c := *p
	return &c, true
}

// BuiltinPolicyByName returns a built-in AWS managed policy by name.
func BuiltinPolicyByName(name string) (*ManagedPolicy, bool) {
	for arn, p := range builtins {
		if p.PolicyName == name {
			return BuiltinPolicy(arn)
		}
	}
	return nil, false
}

// BuiltinPolicies lists the built-in AWS managed policy ARNs, sorted.
func BuiltinPolicies() []string {
	out := make([]string, 0, len(builtins))
	for arn := range builtins {
		out = append(out, arn)
	}
	sort.Strings(out)
	return out
}

func builtinParsed(arn string) (*Policy, bool) {
	p, ok := builtinsParsed[arn]
	return p, ok
}

// Persona is a Lake Formation persona of the LF developer guide: the AWS
// managed policies to attach and the inline policies to put, so an admin
// creates the persona's role in one step (CreatePersonaRole).
type Persona struct {
	Name        string
	Description string
	Managed     []string          // AWS managed policy ARNs
	Inline      map[string]string // policy name → document template
}

// Placeholders in persona inline policy templates.
const (
	PlaceholderAccount      = "<account-id>"
	PlaceholderWorkflowRole = "<workflow_role>"
)

// Persona names.
const (
	PersonaDataLakeAdmin   = "DataLakeAdministrator"
	PersonaReadOnlyAdmin   = "ReadOnlyAdministrator"
	PersonaDataEngineer    = "DataEngineer"
	PersonaDataAnalyst     = "DataAnalyst"
	PersonaWorkflowRole    = "WorkflowRole"
	defaultWorkflowRoleArn = "arn:aws:iam::" + PlaceholderAccount + ":role/" + PlaceholderWorkflowRole
)

var personas = map[string]Persona{
	PersonaDataLakeAdmin: {
		Name:        PersonaDataLakeAdmin,
		Description: "registers locations, administers the Data Catalog, grants Lake Formation permissions, views CloudTrail; cannot add data lake administrators",
		Managed: []string{
			AWSManagedPolicyARN("AWSLakeFormationDataAdmin"),
			AWSManagedPolicyARN("AWSGlueConsoleFullAccess"),
			AWSManagedPolicyARN("CloudWatchLogsReadOnlyAccess"),
			AWSManagedPolicyARN("AWSLakeFormationCrossAccountManager"),
			AWSManagedPolicyARN("AmazonAthenaFullAccess"),
		},
		Inline: map[string]string{
			"LakeFormationSLR": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "iam:CreateServiceLinkedRole",
      "Resource": "*",
      "Condition": {"StringEquals": {"iam:AWSServiceName": "lakeformation.amazonaws.com"}}
    },
    {
      "Effect": "Allow",
      "Action": ["iam:PutRolePolicy"],
      "Resource": "arn:aws:iam::<account-id>:role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess"
    }
  ]
}`,
			"UserPassRole": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "PassRolePermissions",
      "Effect": "Allow",
      "Action": ["iam:PassRole"],
      "Resource": ["arn:aws:iam::<account-id>:role/<workflow_role>"]
    }
  ]
}`,
		},
	},
	PersonaReadOnlyAdmin: {
		Name:        PersonaReadOnlyAdmin,
		Description: "views principals, Data Catalog resources, permissions and CloudTrail logs without permission to change anything",
		Inline: map[string]string{
			"ReadOnlyDataLakeAdmin": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadOnlyAdminRead",
      "Effect": "Allow",
      "Action": [
        "lakeformation:Get*", "lakeformation:List*", "lakeformation:Describe*", "lakeformation:Search*",
        "glue:Get*", "glue:BatchGet*", "glue:SearchTables",
        "cloudtrail:DescribeTrails", "cloudtrail:LookupEvents",
        "iam:ListUsers", "iam:ListRoles", "iam:GetRole", "iam:GetRolePolicy",
        "s3:ListAllMyBuckets", "s3:GetBucketLocation"
      ],
      "Resource": "*"
    },
    {
      "Sid": "ReadOnlyAdminNoDataAccess",
      "Effect": "Deny",
      "Action": [
        "lakeformation:GetDataAccess", "lakeformation:GetTemporaryGlueTableCredentials",
        "lakeformation:GetTemporaryGluePartitionCredentials", "lakeformation:GetTemporaryDataLocationCredentials"
      ],
      "Resource": "*"
    }
  ]
}`,
		},
	},
	PersonaDataEngineer: {
		Name:        PersonaDataEngineer,
		Description: "creates databases, runs crawlers and workflows, grants Lake Formation permissions on the tables they create",
		Managed:     []string{AWSManagedPolicyARN("AWSGlueConsoleFullAccess")},
		Inline: map[string]string{
			"DataEngineer": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "lakeformation:GetDataAccess", "lakeformation:GrantPermissions", "lakeformation:RevokePermissions",
        "lakeformation:BatchGrantPermissions", "lakeformation:BatchRevokePermissions", "lakeformation:ListPermissions",
        "lakeformation:AddLFTagsToResource", "lakeformation:RemoveLFTagsFromResource",
        "lakeformation:GetResourceLFTags", "lakeformation:ListLFTags", "lakeformation:GetLFTag",
        "lakeformation:SearchTablesByLFTags", "lakeformation:SearchDatabasesByLFTags",
        "lakeformation:GetWorkUnits", "lakeformation:GetWorkUnitResults", "lakeformation:StartQueryPlanning",
        "lakeformation:GetQueryState", "lakeformation:GetQueryStatistics",
        "lakeformation:CreateDataCellsFilter", "lakeformation:GetDataCellsFilter",
        "lakeformation:UpdateDataCellsFilter", "lakeformation:DeleteDataCellsFilter", "lakeformation:ListDataCellsFilter"
      ],
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Action": ["iam:PassRole"],
      "Resource": "arn:aws:iam::<account-id>:role/<workflow_role>"
    }
  ]
}`,
		},
	},
	PersonaDataAnalyst: {
		Name:        PersonaDataAnalyst,
		Description: "runs queries against the data lake; only enough permissions to run queries",
		Managed:     []string{AWSManagedPolicyARN("AmazonAthenaFullAccess")},
		Inline: map[string]string{
			"DataAnalyst": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "lakeformation:GetDataAccess",
        "glue:GetTable", "glue:GetTables", "glue:SearchTables", "glue:GetDatabase", "glue:GetDatabases",
        "glue:GetPartition", "glue:GetPartitions",
        "lakeformation:GetResourceLFTags", "lakeformation:ListLFTags", "lakeformation:GetLFTag",
        "lakeformation:SearchTablesByLFTags", "lakeformation:SearchDatabasesByLFTags"
      ],
      "Resource": "*"
    }
  ]
}`,
		},
	},
	PersonaWorkflowRole: {
		Name:        PersonaWorkflowRole,
		Description: "the role a blueprint workflow runs as",
		Managed:     []string{"arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole"},
		Inline: map[string]string{
			"LakeFormationWorkflow": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["lakeformation:GetDataAccess", "lakeformation:GrantPermissions"],
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Action": ["iam:PassRole"],
      "Resource": ["arn:aws:iam::<account-id>:role/<workflow_role>"]
    }
  ]
}`,
		},
	},
}

// Personas lists the persona names, sorted.
func Personas() []string {
	out := make([]string, 0, len(personas))
	for n := range personas {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// PersonaByName returns the persona with its inline policy templates
// instantiated for account and workflowRole (the workflow role's name;
// empty means "LakeFormationWorkflowRole").
func PersonaByName(name, account, workflowRole string) (Persona, error) {
	p, ok := personas[name]
	if !ok {
		return Persona{}, lferr.New(lferr.InvalidInput, "unknown persona %q (want one of %s)", name, strings.Join(Personas(), ", "))
	}
	if workflowRole == "" {
		workflowRole = "LakeFormationWorkflowRole"
	}
	out := Persona{Name: p.Name, Description: p.Description, Managed: append([]string(nil), p.Managed...), Inline: map[string]string{}}
	for k, v := range p.Inline {
		v = strings.ReplaceAll(v, PlaceholderAccount, account)
		out.Inline[k] = strings.ReplaceAll(v, PlaceholderWorkflowRole, workflowRole)
	}
	return out, nil
}

// CreatePersonaRole creates a role for a persona in one step: the role
// with the given trust policy, the persona's managed policies attached and
// its inline policies put, all on the same Records (one transaction).
func (a *Admin) CreatePersonaRole(r Records, now time.Time, in CreateRoleInput, persona, workflowRole string) (*Role, error) {
	p, err := PersonaByName(persona, in.Account, workflowRole)
	if err != nil {
		return nil, err
	}
	if _, err := a.CreateRole(r, now, in); err != nil {
		return nil, err
	}
	for _, arn := range p.Managed {
		if err := a.AttachRolePolicy(r, in.Account, in.RoleName, arn); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(p.Inline))
	for n := range p.Inline {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := a.PutRolePolicy(r, in.Account, in.RoleName, n, p.Inline[n]); err != nil {
			return nil, err
		}
	}
	return a.GetRole(r, in.Account, in.RoleName)
}

"""The integration flow with boto3 against `sluice serve`.

Environment (set by authz/wire's TestRealClients, or by hand):
  SLUICE_ENDPOINT   http://127.0.0.1:PORT
  SLUICE_WAREHOUSE  the warehouse location to register (file:///.../warehouse)
  AWS_SHARED_CREDENTIALS_FILE  HOME/credentials (the administrator's key)
Exits non-zero on the first unexpected answer.
"""
import json
import os
import sys

import boto3
from botocore.exceptions import ClientError

ENDPOINT = os.environ["SLUICE_ENDPOINT"]
WAREHOUSE = os.environ["SLUICE_WAREHOUSE"]
ACCT = "111122223333"
TYPES = ["COLUMN_PERMISSION", "CELL_FILTER_PERMISSION"]


def client(service, creds=None):
    kw = {}
    if creds:
        kw = dict(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                  aws_session_token=creds.get("SessionToken"))
    return boto3.session.Session(**kw).client(service, endpoint_url=ENDPOINT, region_name="us-east-1")


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def expect_error(code, fn):
    try:
        fn()
    except ClientError as e:
        got = e.response["Error"]["Code"]
        if got != code:
            fail(f"expected {code}, got {got}: {e}")
        print("refused as expected:", code)
        return
    fail(f"expected {code}, got success")


trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
                                                            "Action": ["sts:AssumeRole", "sts:TagSession"]}]})
analyst_pol = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["glue:Get*", "lakeformation:GetDataAccess"], "Resource": "*"}]})
engine_pol = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
                                                                 "Resource": f"arn:aws:iam::{ACCT}:role/*"}]})
deny_pol = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "glue:GetTable", "Resource": "*"}]})

# --- the administrator sets the lake up ---
iam, lf, glue, sts = client("iam"), client("lakeformation"), client("glue"), client("sts")
me = sts.get_caller_identity()["Arn"]
if me != f"arn:aws:iam::{ACCT}:user/sluice-admin":
    fail(f"admin identity {me}")
for name, pol in (("analyst", analyst_pol), ("engine", engine_pol), ("denied", analyst_pol)):
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=pol)
parn = iam.create_policy(PolicyName="no-get-table", PolicyDocument=deny_pol)["Policy"]["Arn"]
iam.attach_role_policy(RoleName="denied", PolicyArn=parn)
lf.put_data_lake_settings(DataLakeSettings={
    "DataLakeAdmins": [{"DataLakePrincipalIdentifier": f"arn:aws:iam::{ACCT}:user/sluice-admin"}],
    "AllowExternalDataFiltering": True,
    "ExternalDataFilteringAllowList": [{"DataLakePrincipalIdentifier": ACCT}],
    "AuthorizedSessionTagValueList": ["sluice-engine"]})
lf.register_resource(ResourceArn=WAREHOUSE, UseServiceLinkedRole=True)
glue.create_database(DatabaseInput={"Name": "db1"})
cols = [{"Name": "id", "Type": "bigint"}, {"Name": "region", "Type": "string"}, {"Name": "secret", "Type": "string"}]
glue.create_table(DatabaseName="db1", TableInput={"Name": "t1", "TableType": "EXTERNAL_TABLE", "StorageDescriptor": {"Columns": cols}})
lf.create_data_cells_filter(TableData={"TableCatalogId": ACCT, "DatabaseName": "db1", "TableName": "t1", "Name": "eu_rows",
                                       "RowFilter": {"FilterExpression": "region = 'eu'"}, "ColumnNames": ["id", "region"]})
f = lf.get_data_cells_filter(TableCatalogId=ACCT, DatabaseName="db1", TableName="t1", Name="eu_rows")["DataCellsFilter"]
if f["RowFilter"]["FilterExpression"] != "region = 'eu'":
    fail(f"get_data_cells_filter: {f}")
for role in ("analyst", "denied"):
    lf.grant_permissions(Principal={"DataLakePrincipalIdentifier": f"arn:aws:iam::{ACCT}:role/{role}"},
                         Resource={"DataCellsFilter": {"TableCatalogId": ACCT, "DatabaseName": "db1", "TableName": "t1", "Name": "eu_rows"}},
                         Permissions=["SELECT"])
lf.create_lf_tag(TagKey="classification", TagValues=["public", "sensitive"])
lf.add_lf_tags_to_resource(Resource={"Table": {"DatabaseName": "db1", "Name": "t1"}},
                           LFTags=[{"TagKey": "classification", "TagValues": ["public"]}])
found = lf.search_tables_by_lf_tags(Expression=[{"TagKey": "classification", "TagValues": ["public"]}])["TableList"]
if [t["Table"]["Name"] for t in found] != ["t1"]:
    fail(f"search_tables_by_lf_tags: {found}")

# --- the engine assumes the analyst's role with the session tag ---
eng = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCT}:role/engine", RoleSessionName="engine")["Credentials"]
ests = client("sts", eng)


def user(role, tags):
    return ests.assume_role(RoleArn=f"arn:aws:iam::{ACCT}:role/{role}", RoleSessionName="alice",
                            Tags=[{"Key": k, "Value": v} for k, v in tags.items()])["Credentials"]


analyst = user("analyst", {"LakeFormationAuthorizedCaller": "sluice-engine"})
ag = client("glue", analyst)
out = ag.get_unfiltered_table_metadata(CatalogId=ACCT, DatabaseName="db1", Name="t1", SupportedPermissionTypes=TYPES)
if out["AuthorizedColumns"] != ["id", "region"] or out.get("RowFilter") != "region = 'eu'":
    fail(f"get_unfiltered_table_metadata: {out['AuthorizedColumns']} {out.get('RowFilter')}")
if {c["ColumnName"]: c["RowFilterExpression"] for c in out["CellFilters"]} != {"id": "region = 'eu'", "region": "region = 'eu'"}:
    fail(f"CellFilters: {out['CellFilters']}")
v = client("lakeformation", analyst).get_temporary_glue_table_credentials(
    TableArn=f"arn:aws:glue:us-east-1:{ACCT}:table/db1/t1", Permissions=["SELECT"], SupportedPermissionTypes=TYPES, DurationSeconds=900)
if not v.get("AccessKeyId") or not hasattr(v.get("Expiration"), "year"):
    fail(f"vended: {v}")
print("analyst sees", out["AuthorizedColumns"], "where", out["RowFilter"], "; vended", v["AccessKeyId"])

# --- refusals ---
call = dict(CatalogId=ACCT, DatabaseName="db1", Name="t1", SupportedPermissionTypes=TYPES)
expect_error("AccessDeniedException", lambda: client("glue", user("analyst", {})).get_unfiltered_table_metadata(**call))
expect_error("AccessDeniedException", lambda: client("glue", user("analyst", {"LakeFormationAuthorizedCaller": "rogue"})).get_unfiltered_table_metadata(**call))
expect_error("AccessDeniedException", lambda: client("glue", user("denied", {"LakeFormationAuthorizedCaller": "sluice-engine"})).get_unfiltered_table_metadata(**call))
expect_error("PermissionTypeMismatchException", lambda: ag.get_unfiltered_table_metadata(
    CatalogId=ACCT, DatabaseName="db1", Name="t1", SupportedPermissionTypes=["COLUMN_PERMISSION"]))
expect_error("InvalidSignatureException", lambda: client("glue", dict(analyst, SecretAccessKey="wrong" + analyst["SecretAccessKey"])).get_table(DatabaseName="db1", Name="t1"))
expect_error("UnrecognizedClientException", lambda: client("glue", {"AccessKeyId": "ASIAUNKNOWN000000000", "SecretAccessKey": "x", "SessionToken": "y"}).get_table(DatabaseName="db1", Name="t1"))
expect_error("AccessDenied", lambda: client("iam", analyst).create_role(RoleName="x", AssumeRolePolicyDocument=trust))
expect_error("NoSuchEntity", lambda: iam.get_role(RoleName="nope"))
lf.put_data_lake_settings(DataLakeSettings={
    "DataLakeAdmins": [{"DataLakePrincipalIdentifier": f"arn:aws:iam::{ACCT}:user/sluice-admin"}],
    "AllowExternalDataFiltering": True,
    "ExternalDataFilteringAllowList": [{"DataLakePrincipalIdentifier": "444455556666"}],
    "AuthorizedSessionTagValueList": ["sluice-engine"]})
expect_error("AccessDeniedException", lambda: ag.get_unfiltered_table_metadata(**call))
print("boto3 flow: ok")

#!/usr/bin/env bash
# The integration flow with the AWS CLI against `sluice serve`.
# Environment (set by authz/wire's TestRealClients, or by hand):
#   SLUICE_ENDPOINT   http://127.0.0.1:PORT
#   SLUICE_WAREHOUSE  the warehouse location to register (file:///…/warehouse)
#   AWS_SHARED_CREDENTIALS_FILE  HOME/credentials (the administrator's key)
# Exits non-zero on the first unexpected answer.
set -euo pipefail

ACCT=111122223333
A=(--endpoint-url "$SLUICE_ENDPOINT" --region us-east-1 --output json)
aws() { command aws "${A[@]}" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_error CODE CMD…: the command must fail with that error code.
expect_error() {
  local code=$1; shift
  local out
  if out=$("$@" 2>&1); then fail "expected $code, got success: $out"; fi
  [[ $out == *"($code)"* ]] || fail "expected $code, got: $out"
  echo "refused as expected: $code"
}

TRUST='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::'$ACCT':root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}'
ANALYST='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:Get*","lakeformation:GetDataAccess"],"Resource":"*"}]}'
ENGINE='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession"],"Resource":"arn:aws:iam::'$ACCT':role/*"}]}'

# --- the administrator sets the lake up ---
me=$(aws sts get-caller-identity --query Arn --output text)
[[ $me == "arn:aws:iam::$ACCT:user/sluice-admin" ]] || fail "admin identity $me"
aws iam create-role --role-name analyst --assume-role-policy-document "$TRUST" >/dev/null
aws iam put-role-policy --role-name analyst --policy-name p --policy-document "$ANALYST"
aws iam create-role --role-name engine --assume-role-policy-document "$TRUST" >/dev/null
aws iam put-role-policy --role-name engine --policy-name p --policy-document "$ENGINE"
[[ $(aws iam get-role --role-name analyst --query Role.Arn --output text) == "arn:aws:iam::$ACCT:role/analyst" ]] || fail "get-role"

aws lakeformation put-data-lake-settings --data-lake-settings '{
  "DataLakeAdmins":[{"DataLakePrincipalIdentifier":"arn:aws:iam::'$ACCT':user/sluice-admin"}],
  "AllowExternalDataFiltering":true,
  "ExternalDataFilteringAllowList":[{"DataLakePrincipalIdentifier":"'$ACCT'"}],
  "AuthorizedSessionTagValueList":["sluice-engine"]}'
# Through --cli-input-json: the CLI would read a file:// parameter as a file.
aws lakeformation register-resource --cli-input-json '{"ResourceArn":"'"$SLUICE_WAREHOUSE"'","UseServiceLinkedRole":true}'
[[ $(aws lakeformation list-resources --query 'length(ResourceInfoList)') == 1 ]] || fail "list-resources"
aws glue create-database --database-input Name=db1
aws glue create-table --database-name db1 --table-input '{"Name":"t1","TableType":"EXTERNAL_TABLE",
  "StorageDescriptor":{"Columns":[{"Name":"id","Type":"bigint"},{"Name":"region","Type":"string"},{"Name":"secret","Type":"string"}]}}'
[[ $(aws glue get-tables --database-name db1 --query 'length(TableList)') == 1 ]] || fail "get-tables"
aws lakeformation create-data-cells-filter --table-data '{"TableCatalogId":"'$ACCT'","DatabaseName":"db1","TableName":"t1","Name":"eu_rows",
  "RowFilter":{"FilterExpression":"region = '"'eu'"'"},"ColumnNames":["id","region"]}'
aws lakeformation grant-permissions --principal DataLakePrincipalIdentifier=arn:aws:iam::$ACCT:role/analyst \
  --resource '{"DataCellsFilter":{"TableCatalogId":"'$ACCT'","DatabaseName":"db1","TableName":"t1","Name":"eu_rows"}}' --permissions SELECT
aws lakeformation create-lf-tag --tag-key classification --tag-values public sensitive
aws lakeformation add-lf-tags-to-resource --resource '{"Table":{"DatabaseName":"db1","Name":"t1"}}' \
  --lf-tags TagKey=classification,TagValues=public >/dev/null
[[ $(aws lakeformation get-resource-lf-tags --resource '{"Table":{"DatabaseName":"db1","Name":"t1"}}' --query 'LFTagsOnTable[0].TagValues[0]' --output text) == public ]] || fail "get-resource-lf-tags"
[[ $(aws lakeformation list-permissions --query 'length(PrincipalResourcePermissions)') -ge 1 ]] || fail "list-permissions"

# --- the engine assumes the analyst's role with the session tag ---
read -r EK ES ET < <(aws sts assume-role --role-arn arn:aws:iam::$ACCT:role/engine --role-session-name engine \
  --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
as_engine() { AWS_ACCESS_KEY_ID=$EK AWS_SECRET_ACCESS_KEY=$ES AWS_SESSION_TOKEN=$ET "$@"; }
read -r UK US UT < <(as_engine aws sts assume-role --role-arn arn:aws:iam::$ACCT:role/analyst --role-session-name alice \
  --tags Key=LakeFormationAuthorizedCaller,Value=sluice-engine --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
as_analyst() { AWS_ACCESS_KEY_ID=$UK AWS_SECRET_ACCESS_KEY=$US AWS_SESSION_TOKEN=$UT "$@"; }

cols=$(as_analyst aws glue get-unfiltered-table-metadata --catalog-id $ACCT --database-name db1 --name t1 \
  --supported-permission-types COLUMN_PERMISSION CELL_FILTER_PERMISSION --query 'AuthorizedColumns' --output text)
[[ $cols == $'id\tregion' ]] || fail "AuthorizedColumns: $cols"
rf=$(as_analyst aws glue get-unfiltered-table-metadata --catalog-id $ACCT --database-name db1 --name t1 \
  --supported-permission-types COLUMN_PERMISSION CELL_FILTER_PERMISSION --query 'RowFilter' --output text)
[[ $rf == "region = 'eu'" ]] || fail "RowFilter: $rf"
key=$(as_analyst aws lakeformation get-temporary-glue-table-credentials --table-arn arn:aws:glue:us-east-1:$ACCT:table/db1/t1 \
  --permissions SELECT --supported-permission-types COLUMN_PERMISSION CELL_FILTER_PERMISSION --query AccessKeyId --output text)
[[ -n $key && $key != None ]] || fail "no vended credentials"
echo "analyst sees: $cols where $rf; vended $key"

# --- refusals ---
read -r NK NS NT < <(as_engine aws sts assume-role --role-arn arn:aws:iam::$ACCT:role/analyst --role-session-name untagged \
  --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
expect_error AccessDeniedException env AWS_ACCESS_KEY_ID=$NK AWS_SECRET_ACCESS_KEY=$NS AWS_SESSION_TOKEN=$NT \
  aws "${A[@]}" glue get-unfiltered-table-metadata --catalog-id $ACCT --database-name db1 --name t1 --supported-permission-types COLUMN_PERMISSION CELL_FILTER_PERMISSION
expect_error PermissionTypeMismatchException as_analyst aws glue get-unfiltered-table-metadata --catalog-id $ACCT --database-name db1 --name t1 \
  --supported-permission-types COLUMN_PERMISSION
expect_error InvalidSignatureException env AWS_ACCESS_KEY_ID=$UK AWS_SECRET_ACCESS_KEY=wrong$US AWS_SESSION_TOKEN=$UT \
  aws "${A[@]}" glue get-table --database-name db1 --name t1
expect_error UnrecognizedClientException env AWS_ACCESS_KEY_ID=ASIAUNKNOWN000000000 AWS_SECRET_ACCESS_KEY=x AWS_SESSION_TOKEN=y \
  aws "${A[@]}" glue get-table --database-name db1 --name t1
expect_error AccessDenied as_analyst aws iam create-role --role-name x --assume-role-policy-document "$TRUST"
echo "cli flow: ok"

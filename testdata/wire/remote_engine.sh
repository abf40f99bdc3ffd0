#!/usr/bin/env bash
# README "Using the wire API", command for command: load a lake in process,
# serve it, set it up with the AWS CLI, query it with
# `sluice query --endpoint`. Run by cmd/sluice's TestReadmeWireFlow.
# Environment:
#   SLUICE  the sluice binary (default: sluice on PATH)
#   LAKE    the home directory to create (default ./lake)
#   PORT    the port to serve on (default 8181)
# Exits non-zero on the first unexpected answer.
set -euo pipefail

sluice() { command "${SLUICE:-sluice}" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
LAKE=${LAKE:-./lake}
PORT=${PORT:-8181}
EP=http://127.0.0.1:$PORT

# 1. Load data in process (the home's administrator), before serving:
#    the served home is locked by the server.
sluice --home "$LAKE" query "CREATE DATABASE hr;
  CREATE TABLE hr.staff (id BIGINT, name VARCHAR(20), dept VARCHAR(10), salary DOUBLE);
  INSERT INTO hr.staff VALUES (1, 'ann', 'hr', 120), (2, 'bob', 'it', 200), (3, 'cy', 'hr', 90)"

# 2. Serve it. The first start writes the administrator's key to
#    $LAKE/credentials.
sluice --home "$LAKE" serve --addr 127.0.0.1:$PORT > "$LAKE.serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
export AWS_SHARED_CREDENTIALS_FILE=$LAKE/credentials AWS_DEFAULT_REGION=us-east-1
for _ in $(seq 100); do
  aws --endpoint-url $EP sts get-caller-identity > /dev/null 2>&1 && break
  sleep 0.1
done

# 3. Set the lake up with the AWS CLI.
aws --endpoint-url $EP iam create-role --role-name analyst --assume-role-policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}' > /dev/null
aws --endpoint-url $EP iam put-role-policy --role-name analyst --policy-name lake --policy-document \
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:Get*","lakeformation:GetDataAccess"],"Resource":"*"}]}'
aws --endpoint-url $EP lakeformation put-data-lake-settings --data-lake-settings '{
  "DataLakeAdmins":[{"DataLakePrincipalIdentifier":"arn:aws:iam::111122223333:user/sluice-admin"}],
  "AllowExternalDataFiltering":true,
  "ExternalDataFilteringAllowList":[{"DataLakePrincipalIdentifier":"111122223333"}],
  "AuthorizedSessionTagValueList":["sluice"]}'
aws --endpoint-url $EP lakeformation revoke-permissions \
  --principal DataLakePrincipalIdentifier=IAM_ALLOWED_PRINCIPALS \
  --resource '{"Table":{"DatabaseName":"hr","Name":"staff"}}' --permissions ALL > /dev/null
aws --endpoint-url $EP lakeformation create-data-cells-filter --table-data '{"TableCatalogId":"111122223333",
  "DatabaseName":"hr","TableName":"staff","Name":"hr_only",
  "RowFilter":{"FilterExpression":"dept = '"'hr'"'"},"ColumnNames":["id","name","dept"]}' > /dev/null
aws --endpoint-url $EP lakeformation grant-permissions \
  --principal DataLakePrincipalIdentifier=arn:aws:iam::111122223333:role/analyst \
  --resource '{"DataCellsFilter":{"TableCatalogId":"111122223333","DatabaseName":"hr","TableName":"staff","Name":"hr_only"}}' \
  --permissions SELECT > /dev/null

# 4. Query it as the analyst, over the wire.
got=$(sluice --home "$LAKE" query --endpoint $EP --as analyst --format csv "SELECT * FROM hr.staff ORDER BY id")
echo "$got"
want=$'id,name,dept\n1,ann,hr\n3,cy,hr'
[[ $got == "$want" ]] || fail "analyst's answer: got
$got
want
$want"
if err=$(sluice --home "$LAKE" query --endpoint $EP --as analyst "SELECT salary FROM hr.staff" 2>&1); then
  fail "the analyst read salary: $err"
fi
echo "refused as expected: $err"
echo "remote engine flow: ok"

#!/usr/bin/env bash
# The Lake Formation / Glue / STS / IAM wire server driven by real clients:
# the integration flow scripted with the AWS CLI and with boto3
# (testdata/wire), plus the aws-sdk-go-v2 flow and protocol tests. The Go
# test skips a client only when it is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
go test -count=1 -v -run 'TestRealClients|TestIntegrationFlow|TestProtocolErrors' ./authz/wire/

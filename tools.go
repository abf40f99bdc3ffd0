//go:build tools

// This file pins the modules sluice depends on before every package uses
// them, so that go.mod and go.sum stay complete while packages are built up.
package sluice

import (
	_ "cel.dev/cel-go/cel"
	_ "github.com/apache/arrow-go/v18/arrow"
	_ "github.com/apache/arrow-go/v18/arrow/array"
	_ "github.com/apache/arrow-go/v18/arrow/compute"
	_ "github.com/apache/arrow-go/v18/arrow/memory"
	_ "github.com/apache/arrow-go/v18/parquet/file"
	_ "github.com/apache/arrow-go/v18/parquet/pqarrow"
	_ "github.com/aws/aws-sdk-go-v2/aws"
	_ "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/credentials"
	_ "github.com/aws/aws-sdk-go-v2/service/glue"
	_ "github.com/aws/aws-sdk-go-v2/service/lakeformation"
	_ "github.com/aws/aws-sdk-go-v2/service/sts"
	_ "github.com/minio/minio-go/v7"
	_ "github.com/minio/minio-go/v7/pkg/credentials"
	_ "github.com/peterh/liner"
	_ "github.com/xitongsys/parquet-go/writer"
	_ "go.etcd.io/bbolt"
	_ "golang.org/x/term"
	_ "gopkg.in/yaml.v3"
	_ "vitess.io/vitess/go/vt/sqlparser"
)

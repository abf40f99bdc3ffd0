// Package lferr defines sluice's typed errors. Codes are the exception names
// of the AWS service models (Lake Formation, Glue, IAM, STS), plus a small
// set for SQL errors, so that every layer, the wire server and the CLI can
// report the same code without string matching.
package lferr

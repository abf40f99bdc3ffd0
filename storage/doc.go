// Package storage is sluice's data plane: object stores (local directory,
// in memory, S3/MinIO) behind one small interface, and Parquet reading and
// writing straight into and out of Arrow arrays.
package storage

// Package parquetio reads and writes Parquet files held in a storage.Store,
// straight into and out of Arrow arrays in the layouts of planner/types.
//
// It owns:
//
//   - File: an open Parquet file (footer parsed once), its Arrow schema and
//     its row-group statistics converted to types.Value, for CREATE EXTERNAL
//     TABLE inference and for pruning.
//   - Reader: a streaming record reader with column projection by name,
//     row-group selection, a batch size, optional dictionary-encoded string
//     columns, and conversion of whatever physical layout the file uses
//     (int32, decimal, timestamp(ms), binary, ...) into the engine's layout
//     (types.T.Arrow()). It reads one row group at a time, so memory does not
//     grow with file size.
//   - Pruning: Constraint and CanSkip decide from statistics whether a row
//     group can be skipped. Statistics may skip data, never produce values
//     (VISION rule 9); absent or untrustworthy statistics never skip.
//   - Writer: Arrow record batches → Parquet (snappy or zstd, statistics on,
//     ~128k-row row groups) into a storage.Writer, committed atomically.
//   - DataFiles: the list of data files a scan must read under a location,
//     honouring compaction manifests. Scans must use it instead of
//     Store.List, or they may read a compaction's input and output both.
//   - Compact: rewriting many small files into one, with a per-directory
//     compaction manifest so that a concurrent reader never sees duplicate
//     or missing rows (the protocol is documented in compact.go).
//   - Infer: a table's columns and Hive partition keys from its data, for
//     CREATE EXTERNAL TABLE without a column list.
//   - NewFileName: collision-free data file names for INSERT.
//
// Corrupt files yield StorageError, never a panic: arrow-go panics on some
// malformed inputs, and every entry point here recovers them.
//
// It must not import planner (other than planner/types), exec, authz or
// engine: it is the bottom of the data plane.
package parquetio

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
//   - Compaction: rewriting many small files into one, with a per-directory
//     compaction manifest that readers honour through DataFiles so that a
//     concurrent reader never sees duplicate rows (see compact.go).
//
// It must not import planner (other than planner/types), exec, authz or
// engine: it is the bottom of the data plane.
package parquetio

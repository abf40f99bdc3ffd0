// Package bench owns sluice's benchmark data and yardstick:
//
//   - a deterministic, seeded generator of a TPC-H lineitem-like table plus a
//     low-cardinality `region` and a unique-ish `customer_email` column,
//     streamed to Parquet with arrow-go's pqarrow in bounded memory
//     (WriteLineitem, GenerateLineitem);
//   - the benchmark queries, as constants (queries.go);
//   - DuckDB, driven through its Node API (bench/duckdb/run.mjs), as the
//     speed yardstick (DuckDB) and as a second engine whose answers the
//     engine's are cross-checked against (DuckDBQuery, EqualRows).
//
// bench may import engine (to time sluice itself), but nothing in the engine
// may import bench. The generator is not a TPC-H implementation: it follows
// dbgen's column distributions closely enough for the scan, filter and
// aggregate shapes of Q1 to behave realistically, and says where it differs.
package bench

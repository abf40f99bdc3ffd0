// Package types is sluice's SQL type system: the logical types the planner
// binds expressions to, their Arrow physical layout in exec, and Value, the
// row-at-a-time datum used for constants, parameters and result rendering.
//
// Physical layout (what exec kernels see in a column of this type):
//
//	Null      arrow.Null            (only for untyped NULL literals)
//	Bool      arrow.Boolean         (bit-packed)
//	Int64     arrow.Int64
//	Float64   arrow.Float64
//	Decimal   arrow.Float64         (computed in binary floating point; see T.Scale)
//	String    arrow.String, or arrow.Dictionary{Int32 → String} straight from a scan
//	Date      arrow.Date32          (days since 1970-01-01)
//	Timestamp arrow.Timestamp(µs)   (UTC, no zone)
//
// DECIMAL keeps its declared precision and scale for DDL, storage and
// rendering, but arithmetic runs on float64. This is a known limitation:
// exact decimal arithmetic is future work (scaled int64 kernels).
package types

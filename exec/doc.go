// Package exec runs physical plans (package planner/plan) as trees of
// vectorized operators over Arrow record batches with selection vectors.
//
// The operator contract (see Operator) is deliberately tiny. A Batch is a set
// of equally long Arrow arrays plus an optional selection vector; filters
// narrow the selection instead of copying, and operators that must produce
// dense output (project, join, aggregate) gather only the selected rows.
// Kernels are typed loops over Arrow value buffers: no per-row interface
// calls or allocations in hot paths.
package exec

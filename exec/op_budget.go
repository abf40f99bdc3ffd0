package exec

import (
	"context"
	"sync/atomic"

	"github.com/sluicedb/sluice/authz/lferr"
)

// Memory budget.
//
// The operators that materialize their input (sort, hash aggregation,
// distinct, the build side of joins) keep it in Go-owned columns and hash
// tables. A query can bound that memory with WithMemoryLimit on the context
// it runs under (the ctx given to Init): every such operator charges the
// bytes it holds, once per input batch, to a budget shared by the whole
// query, and the query fails with a clear error instead of exhausting the
// process. Streaming operators hold at most a batch and are not charged.
// Without a limit nothing is counted.

type memBudget struct {
	limit int64
	used  atomic.Int64
}

type budgetKey struct{}

// WithMemoryLimit returns a context under which the materializing operators
// of a query may hold at most bytes (approximately: the Go-owned columns,
// hash tables and aggregate states, not transient batches).
func WithMemoryLimit(ctx context.Context, bytes int64) context.Context {
	if bytes <= 0 {
		return ctx
	}
	return context.WithValue(ctx, budgetKey{}, &memBudget{limit: bytes})
}

func budgetOf(ctx context.Context) *memBudget {
	if ctx == nil {
		return nil
	}
	b, _ := ctx.Value(budgetKey{}).(*memBudget)
	return b
}

// memCharge is one operator's account with the query budget.
type memCharge struct {
	b       *memBudget
	charged int64
	what    string
}

func newMemCharge(ctx context.Context, what string) memCharge {
	return memCharge{b: budgetOf(ctx), what: what}
}

// set records that the operator now holds size bytes.
func (m *memCharge) set(size int64) error {
	if m.b == nil {
		return nil
	}
	d := size - m.charged
	m.charged = size
	if used := m.b.used.Add(d); d > 0 && used > m.b.limit {
		return lferr.New(lferr.ExecutionError, "query exceeded its memory limit of %d bytes (%s holds %d bytes)", m.b.limit, m.what, size)
	}
	return nil
}

// release returns everything the operator charged.
func (m *memCharge) release() {
	if m.b != nil && m.charged != 0 {
		m.b.used.Add(-m.charged)
		m.charged = 0
	}
}

// bytes approximates the memory a materialized column holds.
func (v *mcol) bytes() int64 {
	return int64(cap(v.nulls) + 8*cap(v.i64) + 8*cap(v.f64) + cap(v.sdata) + 8*cap(v.soffs))
}

func (t *hashTable) bytes() int64 {
	n := int64(8*cap(t.hashes) + 4*cap(t.slots))
	for _, k := range t.keys {
		n += k.bytes()
	}
	return n
}

func mcolsBytes(vs []*mcol) int64 {
	var n int64
	for _, v := range vs {
		if v != nil {
			n += v.bytes()
		}
	}
	return n
}

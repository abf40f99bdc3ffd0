package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
)

// BatchSize is the number of rows operators aim to put in one batch.
const BatchSize = 4096

// Batch is a chunk of rows in columnar form.
//
// Cols all have length N. Sel, when non-nil, lists the positions (ascending,
// each < N) of the rows that are part of the batch; the others are dead and
// their values must not be observed (they may be garbage, and evaluating an
// expression on them must not raise errors). Sel == nil means all N rows.
type Batch struct {
	Cols []arrow.Array
	N    int
	Sel  []int32
}

// Len is the number of live rows.
func (b *Batch) Len() int {
	if b.Sel != nil {
		return len(b.Sel)
	}
	return b.N
}

// Operator is a node of the running plan.
//
//   - Init prepares the operator (and its inputs); it is called once.
//   - Next returns the next batch; a batch with Len() == 0 and N == 0 (or a
//     nil batch) ends the stream. A returned batch, and the arrays in it, are
//     valid only until the next call to Next: a consumer that keeps them must
//     Retain the arrays.
//   - Close releases resources; it is idempotent and safe without Init.
type Operator interface {
	Init(ctx context.Context) error
	Next() (*Batch, error)
	Close() error
}

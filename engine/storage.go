package engine

import (
	"context"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/storage"
)

// directStorage opens table locations with the engine's own access. It is
// what the data lake administrator's in-process session uses; sessions as a
// principal open stores only with credentials vended for the table.
type directStorage struct{}

func (directStorage) StoreFor(ctx context.Context, _ *plan.Scan, location string) (storage.Store, error) {
	return storage.Open(ctx, location)
}

package parquetio

import (
	"context"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedb/sluice/authz/lferr"
)

// TestCorruptFilesNeverPanic flips bytes in, and truncates, a valid file:
// every outcome must be rows or a typed error, never a panic.
func TestCorruptFilesNeverPanic(t *testing.T) {
	ctx := context.Background()
	st := memStore(t)
	writeFile(t, st, "ok.parquet", allTypes, 300, 100, WriterOptions{RowGroupRows: 100, Compression: Snappy})
	f, _ := st.Open(ctx, "ok.parquet")
	good := make([]byte, f.Size())
	f.ReadAt(good, 0)
	f.Close()
	rnd := rand.New(rand.NewSource(7))
	try := func(data []byte) {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("panic on corrupt input: %v", r)
			}
		}()
		pf, err := Open(ctx, "corrupt.parquet", newBytesFile(data), memory.NewGoAllocator())
		if err != nil {
			if lferr.CodeOf(err) == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		defer pf.Close()
		for rg := 0; rg < pf.NumRowGroups(); rg++ {
			pf.RowGroupStats(rg, allTypes)
		}
		r, err := pf.NewReader(ctx, ReadOptions{Columns: allTypes})
		if err != nil {
			return
		}
		defer r.Close()
		for {
			b, err := r.Next()
			if err != nil {
				if lferr.CodeOf(err) == "" {
					t.Fatalf("untyped error %v", err)
				}
				return
			}
			if b == nil {
				return
			}
		}
	}
	for i := 0; i < 120; i++ {
		data := append([]byte(nil), good...)
		switch i % 3 {
		case 0: // flip a few bytes anywhere
			for k := 0; k < 1+rnd.Intn(4); k++ {
				data[rnd.Intn(len(data))] ^= byte(1 + rnd.Intn(255))
			}
		case 1: // flip bytes in the footer region
			for k := 0; k < 1+rnd.Intn(3); k++ {
				p := len(data) - 1 - rnd.Intn(min(len(data), 600))
				data[p] ^= byte(1 + rnd.Intn(255))
			}
		case 2: // truncate
			data = data[:rnd.Intn(len(data))]
		}
		try(data)
	}
}

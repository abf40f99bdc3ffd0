package audit

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Concurrent appends share fsyncs (group commit) and each still returns
// only once a sync that began after its own line was written has finished
// (rule 13: durable before the answer). The substituted sync is slow, so
// writers pile up behind it as they do behind a real disk.
func TestGroupCommit(t *testing.T) {
	l, err := Open(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var (
		mu      sync.Mutex
		durable = map[string]bool{} // query ids covered by a finished sync
	)
	l.sync = func(f *os.File) error {
		b, err := os.ReadFile(l.path) // what this sync covers: the file as it starts
		if err != nil {
			return err
		}
		time.Sleep(2 * time.Millisecond)
		if err := f.Sync(); err != nil {
			return err
		}
		mu.Lock()
		for _, line := range strings.Split(string(b), "\n") {
			if i := strings.Index(line, `"queryId":"`); i >= 0 {
				id := line[i+len(`"queryId":"`):]
				durable[id[:strings.IndexByte(id, '"')]] = true
			}
		}
		mu.Unlock()
		return nil
	}
	const writers, each = 16, 8
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				if err := l.Append(&Event{EventName: "X", Principal: "p", Decision: Allow, QueryId: id}); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ok := durable[id]
				mu.Unlock()
				if !ok {
					t.Errorf("Append of %s returned before a sync covered it", id)
				}
			}
		}()
	}
	wg.Wait()
	l.syncMu.Lock()
	syncs := l.syncs
	l.syncMu.Unlock()
	if total := uint64(writers * each); syncs > total/2 {
		t.Errorf("%d appends took %d syncs: concurrent appends are not sharing fsyncs", total, syncs)
	}
	evs, err := Read(filepath.Dir(l.path), Filter{EventName: "X"})
	if err != nil || len(evs) != writers*each {
		t.Fatalf("read back %d events (%v), want %d", len(evs), err, writers*each)
	}
}

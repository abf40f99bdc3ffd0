package parquetio

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/storage"
)

// ReplaceFiles atomically replaces the data files replaces, all directly
// under directory dir, by one new file whose rows write produces: the
// copy-on-write step of DELETE and UPDATE. It follows the compaction
// protocol (see compact.go): readers using DataFiles see either all the old
// files or the new one, never both and never neither, including across a
// crash at any point. If write produces no rows, no new file is kept and
// the old files simply disappear at the commit.
//
// Writers of one directory must be serialized by the caller, as for
// Compact. opts.Grace, StaleAfter, Writer and Now apply as for Compact.
func ReplaceFiles(ctx context.Context, st storage.Store, dir string, replaces []string, cols []Column,
	write func(w *Writer) error, opts CompactOptions) (output string, rows int64, err error) {
	if err := storage.CheckPrefix(dir); err != nil {
		return "", 0, err
	}
	for _, k := range replaces {
		if dirOf(k) != dir {
			return "", 0, lferr.AssertionFailedf("ReplaceFiles: %s is not directly under %q", k, dir)
		}
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	stale := opts.StaleAfter
	if stale <= 0 {
		stale = time.Hour
	}
	if _, err := finishCompactions(ctx, st, dir, opts.Grace, stale, now()); err != nil {
		return "", 0, err
	}
	m, err := readManifest(ctx, st, dir)
	if err != nil {
		return "", 0, err
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	id := hex.EncodeToString(rnd[:])
	entry := manifestEntry{ID: id, State: stateWriting, Output: dir + "part-rewrite-" + id + ".parquet",
		Replaces: append([]string(nil), replaces...), Started: now().UTC()}
	m.Version++
	m.Entries = append(m.Entries, entry)
	if err := writeManifest(ctx, st, dir, m); err != nil {
		return "", 0, err
	}
	myVersion := m.Version
	withdraw := func() {
		if m2, rerr := readManifest(ctx, st, dir); rerr == nil && m2.Version == myVersion {
			m2.Entries = removeEntry(m2.Entries, id)
			m2.Version++
			_ = writeManifest(ctx, st, dir, m2)
		}
	}

	out, err := st.Create(ctx, entry.Output)
	if err != nil {
		withdraw()
		return "", 0, err
	}
	w, err := NewWriter(out, entry.Output, cols, opts.Writer)
	if err != nil {
		withdraw()
		return "", 0, err
	}
	if err := write(w); err != nil {
		_ = w.Abort()
		withdraw()
		return "", 0, err
	}
	rows = w.NumRows()
	if rows == 0 {
		_ = w.Abort()
	} else if err := w.Commit(); err != nil {
		withdraw()
		return "", 0, err
	}

	m2, err := readManifest(ctx, st, dir)
	if err != nil {
		return "", 0, err
	}
	if m2.Version != myVersion {
		if rows > 0 {
			_ = st.Delete(ctx, entry.Output)
		}
		return "", 0, lferr.New(lferr.ConcurrentModification, "%s: manifest of %q changed during a rewrite (concurrent writers must be serialized)", st.Root(), dir)
	}
	for i := range m2.Entries {
		if m2.Entries[i].ID == id {
			m2.Entries[i].State = stateCommitted
			m2.Entries[i].CommittedAt = now().UTC()
			if rows == 0 {
				m2.Entries[i].Output = ""
			}
		}
	}
	m2.Version++
	if err := writeManifest(ctx, st, dir, m2); err != nil {
		return "", 0, err
	}
	if _, err := finishCompactions(ctx, st, dir, opts.Grace, stale, now()); err != nil {
		// The rewrite is committed; leftover files are cleaned up later.
		return outputName(entry.Output, rows), rows, nil
	}
	return outputName(entry.Output, rows), rows, nil
}

func outputName(key string, rows int64) string {
	if rows == 0 {
		return ""
	}
	return key
}

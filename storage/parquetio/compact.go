package parquetio

// Compaction protocol
//
// Many small INSERTs leave many small files; Compact rewrites the small
// files of one directory into one file. Object stores have no atomic
// multi-object operation, so without help a reader listing the directory
// mid-compaction could see both the new file and the files it replaces
// (duplicate rows) or neither (missing rows). The protocol:
//
// Each directory may hold a compaction manifest, "_sluice_compaction.json"
// (hidden: List skips '_' names), with a version number and a list of
// entries {id, state, output, replaces, committed_at}. The manifest is only
// ever replaced whole (Create + Commit is atomic in every store), and only
// by a compactor; compactions of one directory must be serialized by the
// caller (the engine holds a per-table lock). Compact:
//
//  1. adds an entry {state: "writing", output: part-compact-<id>.parquet};
//  2. writes the output file (atomically, as every object);
//  3. sets the entry to "committed" ← the linearization point;
//  4. after the grace period (now, if Grace is 0), deletes the replaced
//     files, then drops the entry.
//
// Readers call DataFiles, which lists the directory, reads the manifests,
// lists again and re-reads the manifests, retrying unless both manifest
// reads saw the same versions: the second listing then lies within one
// manifest state. In that state, a "writing" entry's output is ignored (it
// may be partial in the sense of not yet committed as a replacement) and a
// "committed" entry's replaced files are ignored (its output holds their
// rows). Every state between two manifest writes therefore yields each
// row exactly once.
//
// A reader that resolved its file list just before step 3 reads the old
// files afterwards; the grace period keeps them in place for it. A reader
// slower than the grace period fails with "object not found" (an error,
// never wrong rows) and can retry. A crashed compaction leaves a "writing"
// entry, whose output readers ignore; the next Compact removes it once it
// is older than StaleAfter.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/storage"
)

// ManifestName is the per-directory compaction manifest's object name.
const ManifestName = "_sluice_compaction.json"

// DefaultGrace is a sensible grace period for replaced files: longer than
// any query should run.
const DefaultGrace = 15 * time.Minute

type manifest struct {
	Version int64           `json:"version"`
	Entries []manifestEntry `json:"entries"`
}

type manifestEntry struct {
	ID          string    `json:"id"`
	State       string    `json:"state"` // "writing" or "committed"
	Output      string    `json:"output"`
	Replaces    []string  `json:"replaces"`
	Started     time.Time `json:"started"`
	CommittedAt time.Time `json:"committed_at,omitzero"`
}

const (
	stateWriting   = "writing"
	stateCommitted = "committed"
)

func manifestKey(dir string) string { return dir + ManifestName }

// dirOf is the directory part of key, with a trailing '/' ("" at the root).
func dirOf(key string) string { return key[:strings.LastIndexByte(key, '/')+1] }

func readManifest(ctx context.Context, st storage.Store, dir string) (manifest, error) {
	var m manifest
	f, err := st.Open(ctx, manifestKey(dir))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return m, nil
		}
		return m, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.NewSectionReader(f, 0, f.Size()))
	if err != nil {
		return m, lferr.Wrap(lferr.StorageError, err, "reading compaction manifest %s%s: %v", dir, ManifestName, err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, lferr.Wrap(lferr.StorageError, err, "compaction manifest %s%s is corrupt: %v", dir, ManifestName, err)
	}
	return m, nil
}

func writeManifest(ctx context.Context, st storage.Store, dir string, m manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return lferr.AssertionFailedf("encoding manifest: %v", err)
	}
	w, err := st.Create(ctx, manifestKey(dir))
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		w.Abort()
		return err
	}
	return w.Commit()
}

// DataFiles lists the data files under prefix that a scan must read:
// every visible object, minus those a committed compaction replaced and
// the outputs of compactions still in progress (see the protocol above).
// Use it instead of Store.List for table and partition scans.
func DataFiles(ctx context.Context, st storage.Store, prefix string) ([]storage.ObjectInfo, error) {
	const attempts = 8
	for try := 0; try < attempts; try++ {
		l1, err := st.List(ctx, prefix)
		if err != nil {
			return nil, err
		}
		dirs := map[string]bool{dirOf(prefix): true}
		for _, o := range l1 {
			dirs[dirOf(o.Key)] = true
		}
		m1, err := readManifests(ctx, st, dirs)
		if err != nil {
			return nil, err
		}
		l2, err := st.List(ctx, prefix)
		if err != nil {
			return nil, err
		}
		newDir := false
		for _, o := range l2 {
			if !dirs[dirOf(o.Key)] {
				newDir = true
				break
			}
		}
		if newDir {
			continue
		}
		m2, err := readManifests(ctx, st, dirs)
		if err != nil {
			return nil, err
		}
		stable := true
		for d, m := range m2 {
			if m1[d].Version != m.Version {
				stable = false
				break
			}
		}
		if !stable {
			continue
		}
		skip := make(map[string]bool)
		for _, m := range m2 {
			for _, e := range m.Entries {
				switch e.State {
				case stateCommitted:
					for _, r := range e.Replaces {
						skip[r] = true
					}
				default: // writing, or a state from a newer version: ignore its output
					skip[e.Output] = true
				}
			}
		}
		out := l2[:0]
		for _, o := range l2 {
			if !skip[o.Key] {
				out = append(out, o)
			}
		}
		return out, nil
	}
	return nil, lferr.New(lferr.ConcurrentModification, "%s: file list under %q kept changing during %d attempts (compaction in progress?); retry", st.Root(), prefix, attempts)
}

func readManifests(ctx context.Context, st storage.Store, dirs map[string]bool) (map[string]manifest, error) {
	out := make(map[string]manifest, len(dirs))
	for d := range dirs {
		m, err := readManifest(ctx, st, d)
		if err != nil {
			return nil, err
		}
		out[d] = m
	}
	return out, nil
}

// CompactOptions configures Compact.
type CompactOptions struct {
	// SmallFileBytes: files smaller than this are compacted (0: 32 MiB).
	SmallFileBytes int64
	// MinFiles: compact only if at least this many small files share a
	// schema (0: 2).
	MinFiles int
	// TargetBytes caps the input of one compaction (0: 256 MiB); call
	// Compact again to merge the rest into further files.
	TargetBytes int64
	// Grace is how long replaced files stay after the commit, for readers
	// that listed before it. 0 deletes them at once (only safe when no
	// reader can be running, e.g. in tests); see DefaultGrace.
	Grace time.Duration
	// StaleAfter: a "writing" entry older than this is a crashed
	// compaction; its output is deleted (0: 1 h).
	StaleAfter time.Duration
	// Writer options of the output file.
	Writer WriterOptions
	// Now is the clock (nil: time.Now).
	Now func() time.Time

	// hook, in tests, runs after each protocol step.
	hook func(step string)
}

// CompactResult says what Compact did.
type CompactResult struct {
	Output   string   // key of the new file ("" when nothing was compacted)
	Replaced []string // keys of the files it replaces
	Rows     int64
	Deleted  []string // files (replaced or stale outputs) deleted by this call
}

// Compact rewrites the small Parquet files directly under directory dir
// (a key prefix ending in '/', or "" for the root) into one file, following
// the protocol above, and completes earlier compactions whose grace period
// has passed. Only files sharing the most common schema are merged.
func Compact(ctx context.Context, st storage.Store, dir string, opts CompactOptions) (CompactResult, error) {
	var res CompactResult
	if dir != "" && !strings.HasSuffix(dir, "/") {
		return res, lferr.New(lferr.InvalidInput, "compaction directory %q must end with '/'", dir)
	}
	if err := storage.CheckPrefix(dir); err != nil {
		return res, err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	small := opts.SmallFileBytes
	if small <= 0 {
		small = 32 << 20
	}
	minFiles := opts.MinFiles
	if minFiles <= 0 {
		minFiles = 2
	}
	stale := opts.StaleAfter
	if stale <= 0 {
		stale = time.Hour
	}
	hook := opts.hook
	if hook == nil {
		hook = func(string) {}
	}

	deleted, err := finishCompactions(ctx, st, dir, opts.Grace, stale, now())
	res.Deleted = deleted
	if err != nil {
		return res, err
	}

	files, err := DataFiles(ctx, st, dir)
	if err != nil {
		return res, err
	}
	m, err := readManifest(ctx, st, dir)
	if err != nil {
		return res, err
	}
	busy := make(map[string]bool)
	for _, e := range m.Entries {
		busy[e.Output] = true
	}
	// Group the small files by schema.
	target := opts.TargetBytes
	if target <= 0 {
		target = 256 << 20
	}
	type group struct {
		keys  []string
		rows  int64
		bytes int64
		sc    *arrow.Schema
	}
	groups := make(map[string]*group)
	var order []string
	for _, o := range files {
		if dirOf(o.Key) != dir || o.Size >= small || busy[o.Key] {
			continue
		}
		f, err := OpenObject(ctx, st, o.Key, nil)
		if err != nil {
			return res, err
		}
		sc := f.Schema()
		sig := sc.String()
		rows := f.NumRows()
		_, cerr := f.Columns()
		f.Close()
		if cerr != nil {
			continue // not a table file sluice reads (nested, uint64, ...): leave it
		}
		g := groups[sig]
		if g == nil {
			g = &group{sc: sc}
			groups[sig] = g
			order = append(order, sig)
		}
		if g.bytes >= target {
			continue // this group's compaction is full; the next call takes the rest
		}
		g.keys = append(g.keys, o.Key)
		g.rows += rows
		g.bytes += o.Size
	}
	var best *group
	for _, sig := range order {
		if g := groups[sig]; best == nil || len(g.keys) > len(best.keys) {
			best = g
		}
	}
	if best == nil || len(best.keys) < minFiles {
		return res, nil
	}

	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	id := hex.EncodeToString(rnd[:])
	entry := manifestEntry{ID: id, State: stateWriting, Output: dir + "part-compact-" + id + ".parquet",
		Replaces: best.keys, Started: now().UTC()}
	m.Version++
	m.Entries = append(m.Entries, entry)
	if err := writeManifest(ctx, st, dir, m); err != nil {
		return res, err
	}
	myVersion := m.Version
	hook("writing")

	rows, err := mergeFiles(ctx, st, entry.Output, best.keys, best.sc, opts.Writer)
	if err == nil && rows != best.rows {
		err = lferr.AssertionFailedf("compaction of %s copied %d rows, inputs hold %d", dir, rows, best.rows)
		_ = st.Delete(ctx, entry.Output)
	}
	if err != nil {
		// Withdraw the entry; if even that fails, readers still ignore the
		// "writing" entry's output and a later Compact cleans it up.
		if m2, rerr := readManifest(ctx, st, dir); rerr == nil && m2.Version == myVersion {
			m2.Entries = removeEntry(m2.Entries, id)
			m2.Version++
			_ = writeManifest(ctx, st, dir, m2)
		}
		return res, err
	}
	hook("written")

	m2, err := readManifest(ctx, st, dir)
	if err != nil {
		return res, err
	}
	if m2.Version != myVersion {
		_ = st.Delete(ctx, entry.Output)
		return res, lferr.New(lferr.ConcurrentModification, "%s: compaction manifest of %q changed during compaction (concurrent compactions must be serialized)", st.Root(), dir)
	}
	for i := range m2.Entries {
		if m2.Entries[i].ID == id {
			m2.Entries[i].State = stateCommitted
			m2.Entries[i].CommittedAt = now().UTC()
		}
	}
	m2.Version++
	if err := writeManifest(ctx, st, dir, m2); err != nil {
		return res, err
	}
	hook("committed")
	res.Output, res.Replaced, res.Rows = entry.Output, best.keys, rows

	more, err := finishCompactions(ctx, st, dir, opts.Grace, stale, now())
	res.Deleted = append(res.Deleted, more...)
	if err != nil {
		return res, err
	}
	hook("finished")
	return res, nil
}

// finishCompactions deletes the replaced files of committed entries whose
// grace period has passed and the outputs of stale "writing" entries, then
// drops those entries from the manifest.
func finishCompactions(ctx context.Context, st storage.Store, dir string, grace, stale time.Duration, now time.Time) ([]string, error) {
	m, err := readManifest(ctx, st, dir)
	if err != nil || len(m.Entries) == 0 {
		return nil, err
	}
	var deleted []string
	keep := m.Entries[:0:0]
	for _, e := range m.Entries {
		switch {
		case e.State == stateCommitted && !now.Before(e.CommittedAt.Add(grace)):
			for _, r := range e.Replaces {
				if err := st.Delete(ctx, r); err != nil {
					return deleted, err
				}
				deleted = append(deleted, r)
			}
		case e.State == stateWriting && !now.Before(e.Started.Add(stale)):
			if e.Output != "" {
				if err := st.Delete(ctx, e.Output); err != nil {
					return deleted, err
				}
				deleted = append(deleted, e.Output)
			}
		default:
			keep = append(keep, e)
		}
	}
	if len(keep) == len(m.Entries) {
		return deleted, nil
	}
	m.Entries = keep
	m.Version++
	sort.Strings(deleted)
	return deleted, writeManifest(ctx, st, dir, m)
}

func removeEntry(es []manifestEntry, id string) []manifestEntry {
	out := es[:0:0]
	for _, e := range es {
		if e.ID != id {
			out = append(out, e)
		}
	}
	return out
}

// mergeFiles copies all rows of keys, in order, into a new file out with
// Arrow schema sc (which every input has). The copy is lossless: values go
// from the decoder to the encoder in the files' own types, never through
// the engine layout (which would round DECIMAL(p>15) through float64 and
// timestamps to microseconds).
func mergeFiles(ctx context.Context, st storage.Store, out string, keys []string, sc *arrow.Schema, wo WriterOptions) (int64, error) {
	sw, err := st.Create(ctx, out)
	if err != nil {
		return 0, err
	}
	w, err := newWriter(sw, out, sc, nil, wo)
	if err != nil {
		return 0, err
	}
	mem := wo.Alloc
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	for _, k := range keys {
		if err := copyFile(ctx, st, k, mem, w); err != nil {
			w.Abort()
			return 0, err
		}
	}
	if err := w.Commit(); err != nil {
		return 0, err
	}
	return w.NumRows(), nil
}

func copyFile(ctx context.Context, st storage.Store, key string, mem memory.Allocator, w *Writer) (err error) {
	f, err := OpenObject(ctx, st, key, mem)
	if err != nil {
		return err
	}
	defer f.Close()
	defer recoverCorrupt(key, &err)
	if f.NumRowGroups() == 0 {
		return nil
	}
	fr, err := pqarrow.NewFileReader(f.pq, pqarrow.ArrowReadProperties{BatchSize: decodeBatch}, mem)
	if err != nil {
		return lferr.Wrap(lferr.StorageError, err, "%s: %v", key, err)
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		return lferr.Wrap(lferr.StorageError, err, "%s: %v", key, err)
	}
	defer rr.Release()
	for rr.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.Write(rr.RecordBatch()); err != nil {
			return err
		}
	}
	if err := rr.Err(); err != nil {
		return lferr.Wrap(lferr.StorageError, err, "%s: reading: %v", key, err)
	}
	return nil
}

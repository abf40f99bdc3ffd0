package parquetio

import (
	"context"

	"errors"
	"fmt"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"io/fs"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
	"github.com/sluicedb/sluice/storage"
)

var compactCols = []Column{{Name: "i", T: types.Int64T}, {Name: "s", T: types.StringT}, {Name: "dec", T: types.DecimalT(10, 2)}}

// readAllRows returns every row a scan of dir would see, as sorted strings.
func readAllRows(t *testing.T, st storage.Store, dir string) []string {
	t.Helper()
	ctx := context.Background()
	files, err := DataFiles(ctx, st, dir)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, o := range files {
		f, err := OpenObject(ctx, st, o.Key, nil)
		if err != nil {
			t.Fatalf("open %s: %v", o.Key, err)
		}
		r, err := f.NewReader(ctx, ReadOptions{Columns: compactCols})
		if err != nil {
			t.Fatal(err)
		}
		for {
			b, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if b == nil {
				break
			}
			for j := 0; j < int(b.NumRows()); j++ {
				var parts []string
				for c, col := range compactCols {
					parts = append(parts, valueAt(b.Column(c), col.T, j).String())
				}
				rows = append(rows, strings.Join(parts, "|"))
			}
		}
		r.Close()
		f.Close()
	}
	sort.Strings(rows)
	return rows
}

// smallFiles writes n files of k rows each under dir (the INSERT pattern).
func smallFiles(t *testing.T, st storage.Store, dir string, n, k int) {
	for i := 0; i < n; i++ {
		writeFile(t, st, fmt.Sprintf("%spart-%03d.parquet", dir, i), compactCols, k, k, WriterOptions{})
	}
}

func equalRows(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: row %d = %q want %q", what, i, got[i], want[i])
		}
	}
}

func TestCompactReadersSeeEachRowOnce(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ kind, dir string }{{"mem", ""}, {"mem", "k=1/"}, {"local", ""}, {"local", "k=1/"}} {
		dir := tc.dir
		t.Run(tc.kind+"/dir="+dir, func(t *testing.T) {
			st := memStore(t)
			if tc.kind == "local" {
				l, err := storage.NewLocal(t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				st = l
			}
			smallFiles(t, st, dir, 6, 50)
			// Data in another partition is untouched.
			writeFile(t, st, "other=1/x.parquet", compactCols, 10, 10, WriterOptions{})
			want := readAllRows(t, st, dir)
			if wantN := map[string]int{"": 310, "k=1/": 300}[dir]; len(want) != wantN {
				t.Fatalf("setup: %d rows", len(want))
			}
			steps := []string{}
			res, err := Compact(ctx, st, dir, CompactOptions{hook: func(step string) {
				// A reader at every step of the protocol sees every row once.
				steps = append(steps, step)
				equalRows(t, "reader at step "+step, readAllRows(t, st, dir), want)
			}})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(steps, ",") != "writing,written,committed,finished" {
				t.Fatalf("steps %v", steps)
			}
			if len(res.Replaced) != 6 || res.Rows != 300 || len(res.Deleted) != 6 {
				t.Fatalf("result %+v", res)
			}
			objs, _ := st.List(ctx, dir)
			var ks []string
			for _, o := range objs {
				if dirOf(o.Key) == dir {
					ks = append(ks, o.Key)
				}
			}
			if len(ks) != 1 || ks[0] != res.Output {
				t.Fatalf("after compaction: %v", ks)
			}
			equalRows(t, "after", readAllRows(t, st, dir), want)
			// Nothing more to do.
			res2, err := Compact(ctx, st, dir, CompactOptions{})
			if err != nil || res2.Output != "" {
				t.Fatalf("second compaction: %+v %v", res2, err)
			}
		})
	}
}

func TestCompactGraceKeepsOldFiles(t *testing.T) {
	ctx := context.Background()
	st := memStore(t)
	smallFiles(t, st, "", 3, 20)
	want := readAllRows(t, st, "")
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	// A reader resolves its file list before the compaction commits...
	before, err := DataFiles(ctx, st, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Compact(ctx, st, "", CompactOptions{Grace: time.Minute, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Deleted) != 0 {
		t.Fatalf("deleted during grace: %v", res.Deleted)
	}
	// ...and can still read those files afterwards.
	for _, o := range before {
		f, err := st.Open(ctx, o.Key)
		if err != nil {
			t.Fatalf("old file %s gone during grace: %v", o.Key, err)
		}
		f.Close()
	}
	equalRows(t, "new readers", readAllRows(t, st, ""), want)
	// After the grace period the next Compact deletes them.
	clock = clock.Add(2 * time.Minute)
	res, err = Compact(ctx, st, "", CompactOptions{Grace: time.Minute, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Deleted) != 3 {
		t.Fatalf("deleted %v", res.Deleted)
	}
	if _, err := st.Open(ctx, before[0].Key); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("old file survives: %v", err)
	}
	equalRows(t, "after cleanup", readAllRows(t, st, ""), want)
}

// errStore fails Create of the compaction output, like a full disk.
type errStore struct {
	storage.Store
}

func (s errStore) Create(ctx context.Context, key string) (storage.Writer, error) {
	if strings.Contains(key, "part-compact-") {
		w, err := s.Store.Create(ctx, key)
		if err != nil {
			return nil, err
		}
		return &failingStoreWriter{Writer: w}, nil
	}
	return s.Store.Create(ctx, key)
}

type failingStoreWriter struct{ storage.Writer }

func (w *failingStoreWriter) Write(p []byte) (int, error) {
	return 0, lferr.New(lferr.StorageError, "writing compaction output: no space left on device")
}

func TestCompactFailureLeavesDataIntact(t *testing.T) {
	ctx := context.Background()
	st := memStore(t)
	smallFiles(t, st, "", 4, 10)
	want := readAllRows(t, st, "")
	_, err := Compact(ctx, errStore{st}, "", CompactOptions{})
	if lferr.CodeOf(err) != lferr.StorageError {
		t.Fatalf("compaction on a full disk: %v", err)
	}
	equalRows(t, "after failed compaction", readAllRows(t, st, ""), want)
	objs, _ := st.List(ctx, "")
	if len(objs) != 4 {
		t.Fatalf("failed compaction left %v", objs)
	}
	m, err := readManifest(ctx, st, "")
	if err != nil || len(m.Entries) != 0 {
		t.Fatalf("manifest after failure: %+v %v", m, err)
	}
}

func TestCompactCrashedWritingEntry(t *testing.T) {
	ctx := context.Background()
	st := memStore(t)
	smallFiles(t, st, "", 2, 10)
	want := readAllRows(t, st, "")
	// Simulate a compactor that crashed after writing its output but before
	// committing: the output exists, the entry says "writing".
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mergeOut := "part-compact-dead.parquet"
	sc, _ := FileSchema(compactCols)
	if _, err := mergeFiles(ctx, st, mergeOut, []string{"part-000.parquet", "part-001.parquet"}, sc, WriterOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := writeManifest(ctx, st, "", manifest{Version: 1, Entries: []manifestEntry{{ID: "dead", State: stateWriting,
		Output: mergeOut, Replaces: []string{"part-000.parquet", "part-001.parquet"}, Started: start}}}); err != nil {
		t.Fatal(err)
	}
	equalRows(t, "reader ignores uncommitted output", readAllRows(t, st, ""), want)
	res, err := Compact(ctx, st, "", CompactOptions{Now: func() time.Time { return start.Add(2 * time.Hour) }, MinFiles: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Deleted) != 1 || res.Deleted[0] != mergeOut {
		t.Fatalf("stale output not removed: %+v", res)
	}
	equalRows(t, "after cleanup", readAllRows(t, st, ""), want)
}

func TestCompactSchemaGroups(t *testing.T) {
	ctx := context.Background()
	st := memStore(t)
	smallFiles(t, st, "", 3, 5)
	other := []Column{{Name: "x", T: types.StringT}}
	writeFile(t, st, "z-other.parquet", other, 5, 5, WriterOptions{})
	res, err := Compact(ctx, st, "", CompactOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Replaced) != 3 {
		t.Fatalf("replaced %v", res.Replaced)
	}
	files, _ := DataFiles(ctx, st, "")
	if len(files) != 2 {
		t.Fatalf("files after: %v", files)
	}
	if _, err := Compact(ctx, st, "no-slash", CompactOptions{}); lferr.CodeOf(err) != lferr.InvalidInput {
		t.Fatalf("bad dir: %v", err)
	}
}

// TestCompactLossless: compaction copies values in the files' own types, so
// DECIMAL(30,4) beyond float64 precision and nanosecond timestamps survive.
func TestCompactLossless(t *testing.T) {
	ctx := context.Background()
	mem := checkedAlloc(t)
	st := memStore(t)
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "d", Type: &arrow.Decimal128Type{Precision: 30, Scale: 4}, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.LargeString, Nullable: true},
	}, nil)
	jsons := []string{
		`[{"d": "12345678901234567890.1234", "ts": 1700000000123456789, "s": "a"}, {"d": null, "ts": null, "s": null}]`,
		`[{"d": "-99999999999999999999.9999", "ts": -1, "s": "bb"}]`,
		`[{"d": "0.0001", "ts": 7, "s": ""}]`,
	}
	var want []arrow.RecordBatch
	for i, js := range jsons {
		rec, _, err := array.RecordFromJSON(mem, sc, strings.NewReader(js))
		if err != nil {
			t.Fatal(err)
		}
		w, _ := st.Create(ctx, fmt.Sprintf("f%d.parquet", i))
		w.Write(writeRaw(t, sc, 100, rec))
		w.Commit()
		want = append(want, rec)
		defer rec.Release()
	}
	res, err := Compact(ctx, st, "", CompactOptions{})
	if err != nil || res.Rows != 4 {
		t.Fatalf("compact: %+v %v", res, err)
	}
	f, err := OpenObject(ctx, st, res.Output, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, fld := range f.Schema().Fields() {
		if fld.Name != sc.Field(i).Name || !arrow.TypeEqual(fld.Type, sc.Field(i).Type) {
			t.Fatalf("schema changed: %s", f.Schema())
		}
	}
	fr, _ := pqarrow.NewFileReader(f.pq, pqarrow.ArrowReadProperties{}, mem)
	tbl, err := fr.ReadTable(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	for c := 0; c < 3; c++ {
		var got []string
		for _, ch := range tbl.Column(c).Data().Chunks() {
			for j := 0; j < ch.Len(); j++ {
				got = append(got, ch.ValueStr(j))
			}
		}
		var exp []string
		for _, r := range want {
			for j := 0; j < int(r.NumRows()); j++ {
				exp = append(exp, r.Column(c).ValueStr(j))
			}
		}
		if strings.Join(got, ",") != strings.Join(exp, ",") {
			t.Fatalf("column %s: got %v want %v", sc.Field(c).Name, got, exp)
		}
	}
}

func TestCompactTargetBytes(t *testing.T) {
	ctx := context.Background()
	st := memStore(t)
	smallFiles(t, st, "", 10, 20)
	want := readAllRows(t, st, "")
	objs, _ := st.List(ctx, "")
	each := objs[0].Size
	res, err := Compact(ctx, st, "", CompactOptions{TargetBytes: 4 * each})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Replaced) < 4 || len(res.Replaced) > 5 {
		t.Fatalf("first compaction took %d files", len(res.Replaced))
	}
	for i := 0; i < 5; i++ {
		if _, err := Compact(ctx, st, "", CompactOptions{TargetBytes: 4 * each}); err != nil {
			t.Fatal(err)
		}
	}
	equalRows(t, "after repeated compactions", readAllRows(t, st, ""), want)
	files, _ := DataFiles(ctx, st, "")
	if len(files) > 3 {
		t.Fatalf("%d files left", len(files))
	}
}

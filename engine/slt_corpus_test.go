package engine_test

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/engine"
	"github.com/sluicedb/sluice/engine/slt"
	"github.com/sluicedb/sluice/storage"
)

// sltOpener gives each script a fresh lake with an in-memory warehouse.
func sltOpener(t testing.TB) slt.Opener {
	return func(ctx context.Context) (slt.DB, io.Closer, error) {
		home, err := os.MkdirTemp(t.TempDir(), "lake")
		if err != nil {
			return nil, nil, err
		}
		memName := "slt-" + filepath.Base(home)
		eng, err := engine.Open(ctx, engine.Options{Home: home, Warehouse: "mem://" + memName + "/"})
		if err != nil {
			return nil, nil, err
		}
		sess, err := eng.NewSession(ctx, "")
		if err != nil {
			eng.Close()
			return nil, nil, err
		}
		return sltDB{sess}, closerFunc(func() error {
			storage.DropMem(memName)
			return eng.Close()
		}), nil
	}
}

type sltDB struct{ s *engine.Session }

func (d sltDB) Exec(ctx context.Context, sql string) (slt.Result, error) {
	res, err := d.s.Exec(ctx, sql)
	if err != nil {
		return slt.Result{}, err
	}
	return slt.Result{Columns: len(res.Columns), Rows: res.Rows}, nil
}

// corpusTarget is the conformance target for a corpus file, per record
// (issue: select1-3 and select5 >= 99 %; random/* and index/* >= 97 %;
// evidence >= 90 %; select4 everything but INTERSECT/EXCEPT, which the
// vitess v0.24 parser rejects: 878 records).
func corpusTarget(path string) (minRate float64, maxFailures int) {
	p := filepath.ToSlash(path)
	switch {
	case strings.HasSuffix(p, "/select4.test"):
		return 0, 878
	case strings.Contains(p, "/random/"), strings.Contains(p, "/index/"):
		return 0.97, -1
	case strings.Contains(p, "/evidence/"):
		return 0.90, -1
	}
	return 0.99, -1
}

// TestSQLLogicTestCorpus runs the corpus files carried in testdata/slt and,
// with SLUICE_FULL_CORPUS=1 (set by .ci/run), the whole shared corpus in
// ../shared/sqllogictest, and holds each file to its conformance target.
func TestSQLLogicTestCorpus(t *testing.T) {
	files, err := filepath.Glob("../testdata/slt/*.test")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sqllogictest files in testdata/slt: %v", err)
	}
	if testing.Short() {
		files = files[:1]
	}
	if os.Getenv("SLUICE_FULL_CORPUS") == "1" {
		shared := "../../shared/sqllogictest"
		if _, err := os.Stat(shared); err != nil {
			t.Fatalf("SLUICE_FULL_CORPUS=1 but %s is missing: %v", shared, err)
		}
		err := filepath.WalkDir(shared, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			base := filepath.Base(p)
			if !d.IsDir() && strings.HasSuffix(p, ".test") && !(filepath.Dir(p) == shared && slices.Contains([]string{"select1.test", "select2.test", "select3.test", "select5.test"}, base)) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		name := strings.TrimPrefix(filepath.ToSlash(f), "../../shared/sqllogictest/")
		t.Run(strings.TrimPrefix(name, "../testdata/slt/"), func(t *testing.T) {
			t.Parallel()
			sum, err := slt.Run(context.Background(), sltOpener(t), []string{f}, slt.Options{Timeout: 60 * time.Second, MaxFailures: 5})
			if err != nil {
				t.Fatal(err)
			}
			fr := sum.Files[0]
			if fr.Err != nil {
				t.Fatalf("%s: %v", f, fr.Err)
			}
			total := fr.Passed + fr.Failed
			t.Logf("%s", fr.Line())
			minRate, maxFail := corpusTarget(f)
			bad := total == 0 || float64(fr.Passed) < minRate*float64(total)
			if maxFail >= 0 && fr.Failed > maxFail {
				bad = true
			}
			if bad {
				for _, fl := range fr.Failures {
					t.Logf("failure: %+v", fl)
				}
				t.Errorf("%s: %d of %d records passed, below its target", f, fr.Passed, total)
			}
		})
	}
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

package engine_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
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

// TestSQLLogicTestCorpus runs the corpus files carried in testdata/slt and
// holds them to the conformance target of at least 99 % of records per file.
func TestSQLLogicTestCorpus(t *testing.T) {
	files, err := filepath.Glob("../testdata/slt/*.test")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sqllogictest files in testdata/slt: %v", err)
	}
	if testing.Short() {
		files = files[:1]
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			sum, err := slt.Run(context.Background(), sltOpener(t), []string{f}, slt.Options{Timeout: 30 * time.Second, MaxFailures: 5})
			if err != nil {
				t.Fatal(err)
			}
			fr := sum.Files[0]
			if fr.Err != nil {
				t.Fatalf("%s: %v", f, fr.Err)
			}
			total := fr.Passed + fr.Failed
			t.Logf("%s", fr.Line())
			if total == 0 || float64(fr.Passed) < 0.99*float64(total) {
				for _, fl := range fr.Failures {
					t.Logf("failure: %+v", fl)
				}
				t.Errorf("%s: %d of %d records passed, below the 99%% target", f, fr.Passed, total)
			}
		})
	}
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

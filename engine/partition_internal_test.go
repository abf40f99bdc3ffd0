package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
)

// failPartitions is a control plane whose BatchCreatePartition fails after
// the engine has written the partition files.
type failPartitions struct{ api.Client }

func (failPartitions) BatchCreatePartition(context.Context, string, string, []api.PartitionInput) error {
	return lferr.New(lferr.InternalService, "injected BatchCreatePartition failure")
}

// TestPartitionedInsertUndoesFilesWhenCatalogFails: files committed for
// partitions the catalog then refuses are deleted, and the statement
// fails with the catalog's error.
func TestPartitionedInsertUndoesFilesWhenCatalogFails(t *testing.T) {
	ctx := context.Background()
	e, err := Open(ctx, Options{Home: t.TempDir(), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s, err := e.NewSession(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(e.Home(), "warehouse", "d.db", "p")
	for _, q := range []string{"CREATE DATABASE d",
		fmt.Sprintf("CREATE EXTERNAL TABLE d.p (id BIGINT) PARTITIONED BY (k VARCHAR(5)) STORED AS PARQUET LOCATION 'file://%s'", filepath.ToSlash(dir)),
		"INSERT INTO d.p VALUES (1, 'old')"} {
		if _, err := s.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	files := func() []string {
		var out []string
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
				rel, _ := filepath.Rel(dir, p)
				out = append(out, filepath.Dir(rel))
			}
			return nil
		})
		return out
	}
	orig := s.client
	s.mu.Lock()
	s.client = failPartitions{Client: orig}
	s.mu.Unlock()
	// Rows for the existing partition and a new one: both files go.
	_, err = s.Exec(ctx, "INSERT INTO d.p VALUES (2, 'old'), (3, 'new')")
	if lferr.CodeOf(err) != lferr.InternalService || !strings.Contains(fmt.Sprint(err), "injected") {
		t.Fatalf("INSERT with a failing catalog: %v", err)
	}
	s.mu.Lock()
	s.client = orig
	s.mu.Unlock()
	if got := files(); len(got) != 1 || got[0] != "k=old" {
		t.Errorf("files after the failed INSERT: %v, want only the first INSERT's", got)
	}
	res, err := s.Exec(ctx, "SELECT id FROM d.p")
	if err != nil || len(res.Rows) != 1 || res.Rows[0][0].I != 1 {
		t.Errorf("rows after the failed INSERT: %v %v", res, err)
	}
}

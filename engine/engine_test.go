package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/engine"
	"github.com/sluicedb/sluice/planner/types"
)

func openTestSession(t *testing.T) (*engine.Engine, *engine.Session) {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	sess, err := eng.NewSession(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	return eng, sess
}

// rowsText renders a result as "a,b;c,d" for compact assertions.
func rowsText(rows [][]types.Value) string {
	var out []string
	for _, r := range rows {
		var cells []string
		for _, v := range r {
			cells = append(cells, v.String())
		}
		out = append(out, strings.Join(cells, ","))
	}
	return strings.Join(out, ";")
}

func mustExec(t *testing.T, s *engine.Session, sql string) *engine.Result {
	t.Helper()
	res, err := s.Exec(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return res
}

func TestDDLAndDMLRoundTrip(t *testing.T) {
	_, s := openTestSession(t)
	steps := []struct{ sql, want string }{
		{"CREATE DATABASE shop", ""},
		{"CREATE TABLE shop.items (id BIGINT, name VARCHAR(20), price DOUBLE, added DATE)", ""},
		{"INSERT INTO shop.items VALUES (1, 'apple', 0.5, DATE '2024-01-02'), (2, 'pear', 0.75, NULL), (3, NULL, 2, DATE '2024-03-04')", ""},
		{"INSERT INTO shop.items (id, name) VALUES (4, 'fig')", ""},
		{"SELECT id, name, price, added FROM shop.items ORDER BY id", "1,apple,0.5,2024-01-02;2,pear,0.75,NULL;3,NULL,2,2024-03-04;4,fig,NULL,NULL"},
		{"SELECT count(*), sum(price) FROM shop.items", "4,3.25"},
		{"DELETE FROM shop.items WHERE price > 1", ""},
		{"SELECT id FROM shop.items ORDER BY id", "1;2;4"},
		{"UPDATE shop.items SET price = price * 2, name = 'big pear' WHERE id = 2", ""},
		{"SELECT id, name, price FROM shop.items ORDER BY id", "1,apple,0.5;2,big pear,1.5;4,fig,NULL"},
		{"CREATE TABLE shop.cheap AS SELECT id, name FROM shop.items WHERE price < 1", ""},
		{"SELECT * FROM shop.cheap", "1,apple"},
		{"CREATE VIEW shop.named AS SELECT id, name FROM shop.items WHERE name IS NOT NULL", ""},
		{"SELECT count(*) FROM shop.named", "3"},
		{"DROP VIEW shop.named", ""},
		{"DROP TABLE shop.cheap", ""},
		{"SHOW TABLES FROM shop", "items"},
	}
	for _, st := range steps {
		res := mustExec(t, s, st.sql)
		if st.want != "" {
			if got := rowsText(res.Rows); got != st.want {
				t.Errorf("%s\n got %s\nwant %s", st.sql, got, st.want)
			}
		}
	}
}

func TestErrorsAreTypedAndAtomic(t *testing.T) {
	_, s := openTestSession(t)
	mustExec(t, s, "CREATE TABLE t (a BIGINT)")
	mustExec(t, s, "INSERT INTO t VALUES (1), (2)")
	cases := []struct {
		sql  string
		code lferr.Code
	}{
		{"SELEC 1", lferr.SyntaxError},
		{"SELECT nope FROM t", lferr.UnknownColumn},
		{"SELECT * FROM missing", lferr.UnknownTable},
		{"CREATE TABLE t (a BIGINT)", lferr.AlreadyExists},
		{"INSERT INTO t VALUES (9223372036854775807 + 1)", lferr.ExecutionError},
	}
	for _, c := range cases {
		_, err := s.Exec(context.Background(), c.sql)
		if err == nil {
			t.Errorf("%s: no error", c.sql)
			continue
		}
		if got := lferr.CodeOf(err); got != c.code {
			t.Errorf("%s: code %q (%v), want %q", c.sql, got, err, c.code)
		}
	}
	// The failed INSERT left nothing behind.
	if got := rowsText(mustExec(t, s, "SELECT a FROM t ORDER BY a").Rows); got != "1;2" {
		t.Errorf("after failed insert: %s", got)
	}
}

func TestCreateExternalTableInfersColumnsAndPartitions(t *testing.T) {
	eng, s := openTestSession(t)
	// Write Parquet files with sluice itself, into a Hive layout.
	mustExec(t, s, "CREATE TABLE src (id BIGINT, v VARCHAR(10))")
	mustExec(t, s, "INSERT INTO src VALUES (1,'a'), (2,'b')")
	dir := filepath.Join(t.TempDir(), "ext")
	srcDir := filepath.Join(eng.Home(), "warehouse", "default.db", "src")
	files, _ := filepath.Glob(filepath.Join(srcDir, "*.parquet"))
	if len(files) != 1 {
		t.Fatalf("expected one data file in %s, found %v", srcDir, files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"year=2023", "year=2024"} {
		os.MkdirAll(filepath.Join(dir, p), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p, "part-0.parquet"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(t, s, fmt.Sprintf("CREATE EXTERNAL TABLE ext STORED AS PARQUET LOCATION 'file://%s'", filepath.ToSlash(dir)))
	if got := rowsText(mustExec(t, s, "DESCRIBE ext").Rows); got != "id,bigint,;v,string,;year,bigint,partition key" {
		t.Errorf("DESCRIBE ext = %s", got)
	}
	if got := rowsText(mustExec(t, s, "SELECT year, count(*) FROM ext GROUP BY year ORDER BY year").Rows); got != "2023,2;2024,2" {
		t.Errorf("per-partition counts = %s", got)
	}
	if got := rowsText(mustExec(t, s, "SELECT id, v FROM ext WHERE year = 2024 ORDER BY id").Rows); got != "1,a;2,b" {
		t.Errorf("partition filter = %s", got)
	}
	// DROP of an external table keeps the data.
	mustExec(t, s, "DROP TABLE ext")
	if _, err := os.Stat(filepath.Join(dir, "year=2024", "part-0.parquet")); err != nil {
		t.Errorf("external data removed by DROP TABLE: %v", err)
	}
}

func TestHomeSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	eng, err := engine.Open(ctx, engine.Options{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := eng.NewSession(ctx, "")
	mustExec(t, s, "CREATE TABLE kept (a BIGINT)")
	mustExec(t, s, "INSERT INTO kept VALUES (42)")
	eng.Close()
	eng, err = engine.Open(ctx, engine.Options{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	s, _ = eng.NewSession(ctx, "")
	if got := rowsText(mustExec(t, s, "SELECT a FROM kept").Rows); got != "42" {
		t.Errorf("after reopen: %s", got)
	}
}

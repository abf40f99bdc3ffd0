package engine_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/audit"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/storage"
	"github.com/sluicedb/sluice/storage/parquetio"
)

// partitioned creates sales.ev, partitioned by (region string, year
// bigint), inside the registered warehouse, and returns its directory.
func partitioned(t *testing.T, l *lake) string {
	t.Helper()
	dir := filepath.Join(l.eng.Home(), "warehouse", "sales.db", "ev")
	l.exec(fmt.Sprintf("CREATE EXTERNAL TABLE sales.ev (id BIGINT, v VARCHAR(20)) PARTITIONED BY (region VARCHAR(20), year BIGINT) STORED AS PARQUET LOCATION 'file://%s'", filepath.ToSlash(dir)))
	return dir
}

// partitionDirs lists the directories under dir holding Parquet files,
// relative to dir.
func partitionDirs(t *testing.T, dir string) []string {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			rel, _ := filepath.Rel(dir, filepath.Dir(p))
			seen[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for d := range seen {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

func TestPartitionedInsert(t *testing.T) {
	l := shop(t)
	dir := partitioned(t, l)
	res := mustExec(t, l.admin, "INSERT INTO sales.ev VALUES (1,'a','eu',2024), (2,'b','us',2024), (3,'c','eu',2025), (4,'d',NULL,2024), (5,'e','a/b=c',NULL), (6,'f','eu',2024)")
	if res.Affected != 6 {
		t.Errorf("affected = %d, want 6", res.Affected)
	}
	// A second INSERT into existing and new partitions.
	mustExec(t, l.admin, "INSERT INTO sales.ev SELECT id + 10, v, region, year + 1 FROM sales.ev WHERE region = 'eu'")

	wantDirs := []string{
		"region=__HIVE_DEFAULT_PARTITION__/year=2024",
		"region=a%2Fb%3Dc/year=__HIVE_DEFAULT_PARTITION__",
		"region=eu/year=2024", "region=eu/year=2025", "region=eu/year=2026",
		"region=us/year=2024",
	}
	if got := partitionDirs(t, dir); strings.Join(got, " ") != strings.Join(wantDirs, " ") {
		t.Errorf("partition directories = %v, want %v", got, wantDirs)
	}

	// The partition keys are in the path only, not in the files.
	if got := query(t, l.admin, "DESCRIBE sales.ev"); got != "id,bigint,;v,varchar(20),;region,varchar(20),partition key;year,bigint,partition key" {
		t.Errorf("DESCRIBE = %s", got)
	}
	cases := []struct{ sql, want string }{
		{"SELECT id, v, region, year FROM sales.ev ORDER BY id",
			"1,a,eu,2024;2,b,us,2024;3,c,eu,2025;4,d,NULL,2024;5,e,a/b=c,NULL;6,f,eu,2024;11,a,eu,2025;13,c,eu,2026;16,f,eu,2025"},
		{"SELECT id FROM sales.ev WHERE region = 'eu' AND year = 2024 ORDER BY id", "1;6"},
		{"SELECT id FROM sales.ev WHERE region IS NULL", "4"},
		{"SELECT id FROM sales.ev WHERE year IS NULL", "5"},
		{"SELECT id FROM sales.ev WHERE region = 'a/b=c'", "5"},
		{"SELECT region, count(*) FROM sales.ev WHERE year = 2025 GROUP BY region", "eu,3"},
	}
	for _, c := range cases {
		if got := query(t, l.admin, c.sql); got != c.want {
			t.Errorf("%s = %s, want %s", c.sql, got, c.want)
		}
	}

	// The catalog holds each partition once, at its directory.
	parts, err := l.cp.ClientFor(l.cp.Admin()).GetPartitions(bg, "sales", "ev", "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range parts {
		loc := ""
		if p.StorageDescriptor != nil {
			loc = p.StorageDescriptor.Location
		}
		rel := strings.TrimPrefix(loc, "file://"+filepath.ToSlash(dir)+"/")
		got = append(got, strings.Join(p.Values, "|")+"@"+strings.TrimSuffix(rel, "/"))
	}
	sort.Strings(got)
	want := []string{
		"__HIVE_DEFAULT_PARTITION__|2024@region=__HIVE_DEFAULT_PARTITION__/year=2024",
		"a/b=c|__HIVE_DEFAULT_PARTITION__@region=a%2Fb%3Dc/year=__HIVE_DEFAULT_PARTITION__",
		"eu|2024@region=eu/year=2024", "eu|2025@region=eu/year=2025", "eu|2026@region=eu/year=2026",
		"us|2024@region=us/year=2024",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("catalog partitions = %v\nwant %v", got, want)
	}

	// Pruning: EXPLAIN of a partition filter reads one partition.
	if got := query(t, l.admin, "EXPLAIN SELECT id FROM sales.ev WHERE region = 'us'"); !strings.Contains(got, "partitions: 1;") {
		t.Errorf("EXPLAIN of a one-partition filter: %s", got)
	}
}

// TestPartitionedInsertFailsAtomically: a statement whose source fails
// midway leaves no files and no partitions.
func TestPartitionedInsertFailsAtomically(t *testing.T) {
	l := shop(t)
	dir := partitioned(t, l)
	// The second partition's value is longer than the catalog allows.
	long := strings.Repeat("x", 1100)
	err := execErr(l.admin, "INSERT INTO sales.ev VALUES (1,'a','eu',2024), (2,'b','"+long+"',2024)")
	if err == nil {
		t.Fatal("a partition value of 1100 characters was accepted")
	}
	t.Logf("refused: %.200v", err)
	if got := partitionDirs(t, dir); len(got) != 0 {
		t.Errorf("files left behind: %v", got)
	}
	parts, err := l.cp.ClientFor(l.cp.Admin()).GetPartitions(bg, "sales", "ev", "")
	if err != nil || len(parts) != 0 {
		t.Errorf("partitions left behind: %v %v", parts, err)
	}
}

// TestPartitionedInsertRule12: a role with INSERT on the whole table
// writes new partitions with the credentials vended for the table
// location; one whose access is restricted cannot write at all.
func TestPartitionedInsertRule12(t *testing.T) {
	l := shop(t)
	partitioned(t, l)
	l.role("writer")
	l.grant("writer", tableRes("sales", "ev"), "SELECT", "INSERT")
	w := l.as("writer")
	mustExec(t, w, "INSERT INTO sales.ev VALUES (1,'a','eu',2024), (2,'b','us',2025)")
	// One read-write vend, for the table location (covering both new
	// partition directories).
	vends, err := audit.Read(l.eng.Home(), audit.Filter{QueryId: w.QueryID(), EventName: "GetDataAccess"})
	if err != nil || len(vends) != 1 || vends[0].Scope != "READWRITE" || !strings.HasSuffix(vends[0].VendedPath, "/ev/") {
		t.Errorf("INSERT's credential vend: %+v %v", vends, err)
	}
	if got := query(t, w, "SELECT id, region, year FROM sales.ev ORDER BY id"); got != "1,eu,2024;2,us,2025" {
		t.Errorf("writer reads back %s", got)
	}

	// LF refuses a named INSERT beside a partial SELECT; tags produce the
	// combination (column v tagged away from the table's tag, rule 3).
	l.role("clerk")
	l.createTag("area", "shop", "pci")
	l.assign("sales", "ev", "area", "shop")
	l.assign("sales", "ev", "area", "pci", "v")
	l.grant("clerk", tagPolicy("TABLE", "area", "shop"), "SELECT", "INSERT")
	c := l.as("clerk")
	wantCode(t, "column-restricted INSERT", execErr(c, "INSERT INTO sales.ev VALUES (3,'c','eu',2024)"), lferr.AccessDenied)
	if got := query(t, l.admin, "SELECT count(*) FROM sales.ev"); got != "2" {
		t.Errorf("rows after refused insert: %s", got)
	}
}

func TestPartitionedDeleteUpdate(t *testing.T) {
	l := shop(t)
	dir := partitioned(t, l)
	mustExec(t, l.admin, "INSERT INTO sales.ev VALUES (1,'a','eu',2024), (2,'b','us',2024), (3,'c','eu',2025), (4,'d',NULL,2024), (5,'e','a/b=c',NULL), (6,'f','eu',2024)")
	steps := []struct {
		sql      string
		affected int64
		want     string // all rows after the statement, by id
	}{
		// WHERE on a data column, across partitions.
		{"DELETE FROM sales.ev WHERE v = 'b'", 1, "1,a,eu,2024;3,c,eu,2025;4,d,NULL,2024;5,e,a/b=c,NULL;6,f,eu,2024"},
		// WHERE on partition keys only (a NULL key and an escaped one).
		{"DELETE FROM sales.ev WHERE region IS NULL OR region = 'a/b=c'", 2, "1,a,eu,2024;3,c,eu,2025;6,f,eu,2024"},
		// Mixed: a partition key and a data column.
		{"UPDATE sales.ev SET v = concat(v, region, year) WHERE year = 2024 AND id > 1", 1, "1,a,eu,2024;3,c,eu,2025;6,feu2024,eu,2024"},
		{"UPDATE sales.ev SET id = id * 10", 3, "10,a,eu,2024;30,c,eu,2025;60,feu2024,eu,2024"},
		{"DELETE FROM sales.ev WHERE id > 1000", 0, "10,a,eu,2024;30,c,eu,2025;60,feu2024,eu,2024"},
		{"DELETE FROM sales.ev WHERE year = 2025", 1, "10,a,eu,2024;60,feu2024,eu,2024"},
	}
	for _, st := range steps {
		res := mustExec(t, l.admin, st.sql)
		if res.Affected != st.affected {
			t.Errorf("%s: affected %d, want %d", st.sql, res.Affected, st.affected)
		}
		if got := query(t, l.admin, "SELECT id, v, region, year FROM sales.ev ORDER BY id"); got != st.want {
			t.Errorf("after %s:\n got %s\nwant %s", st.sql, got, st.want)
		}
	}
	// Untouched partitions keep their files; the rewritten ones hold no
	// partition-key columns either.
	if got := query(t, l.admin, "SELECT count(*) FROM sales.ev WHERE region = 'eu' AND year = 2024"); got != "2" {
		t.Errorf("eu/2024 rows: %s", got)
	}
	// Each rewritten partition directory still holds data files only
	// (no file at the table root).
	for _, d := range partitionDirs(t, dir) {
		if !strings.HasPrefix(d, "region=") {
			t.Errorf("data file outside a partition directory: %s", d)
		}
	}

	wantCode(t, "UPDATE of a partition key", execErr(l.admin, "UPDATE sales.ev SET year = 2030 WHERE id = 10"), lferr.Unsupported, "partition key year")
	if got := query(t, l.admin, "SELECT id, year FROM sales.ev ORDER BY id"); got != "10,2024;60,2024" {
		t.Errorf("after refused key update: %s", got)
	}
}

// TestPartitionedDeleteRule12: DELETE (and for UPDATE, INSERT and
// DELETE) on the whole table lets a role rewrite partitions; a
// column-restricted one cannot.
func TestPartitionedDeleteRule12(t *testing.T) {
	l := shop(t)
	partitioned(t, l)
	mustExec(t, l.admin, "INSERT INTO sales.ev VALUES (1,'a','eu',2024), (2,'b','us',2025)")
	l.role("cleaner")
	l.grant("cleaner", tableRes("sales", "ev"), "SELECT", "DELETE")
	mustExec(t, l.as("cleaner"), "DELETE FROM sales.ev WHERE region = 'us'")
	l.role("editor")
	l.grant("editor", tableRes("sales", "ev"), "SELECT", "INSERT", "DELETE")
	mustExec(t, l.as("editor"), "UPDATE sales.ev SET v = 'z' WHERE year = 2024")
	if got := query(t, l.admin, "SELECT id, v FROM sales.ev"); got != "1,z" {
		t.Errorf("after the editor's UPDATE: %s", got)
	}
	l.role("clerk")
	l.createTag("area", "shop", "pci")
	l.assign("sales", "ev", "area", "shop")
	l.assign("sales", "ev", "area", "pci", "v")
	l.grant("clerk", tagPolicy("TABLE", "area", "shop"), "SELECT", "DELETE")
	wantCode(t, "column-restricted DELETE", execErr(l.as("clerk"), "DELETE FROM sales.ev WHERE id = 1"), lferr.AccessDenied)
	if got := query(t, l.admin, "SELECT id, v, region FROM sales.ev"); got != "1,z,eu" {
		t.Errorf("rows: %s", got)
	}
}

// TestPartitionedInsertCompacts: many small INSERTs into one partition
// are merged, as for an unpartitioned table, and read back once each.
func TestPartitionedInsertCompacts(t *testing.T) {
	l := shop(t)
	dir := partitioned(t, l)
	for i := 0; i < 20; i++ {
		mustExec(t, l.admin, fmt.Sprintf("INSERT INTO sales.ev VALUES (%d, 'x', 'eu', 2024)", i))
	}
	if got := query(t, l.admin, "SELECT count(*), sum(id) FROM sales.ev WHERE region = 'eu'"); got != "20,190" {
		t.Errorf("after 20 inserts: %s", got)
	}
	// The replaced files stay on disk for a grace period; what a scan
	// reads is what DataFiles lists.
	st, err := storage.Open(bg, "file://"+filepath.ToSlash(filepath.Join(dir, "region=eu", "year=2024")))
	if err != nil {
		t.Fatal(err)
	}
	files, err := parquetio.DataFiles(bg, st, "")
	if err != nil || len(files) >= 20 {
		t.Errorf("%d data files in the partition (%v): small files were not compacted", len(files), err)
	}
	mustExec(t, l.admin, "DELETE FROM sales.ev WHERE id < 10")
	if got := query(t, l.admin, "SELECT count(*), sum(id) FROM sales.ev"); got != "10,145" {
		t.Errorf("after delete: %s", got)
	}
}

// TestPartitionedKeyTypes: each partition key type is written to a
// directory, registered, read back typed, and used by DELETE.
func TestPartitionedKeyTypes(t *testing.T) {
	cases := []struct {
		typ, a, b string // key type, two key literals
		wantA     string // key a as read back
	}{
		{"BIGINT", "-7", "8", "-7"},
		{"DATE", "DATE '2024-02-29'", "DATE '2025-01-01'", "2024-02-29"},
		{"BOOLEAN", "true", "false", "true"},
		{"DOUBLE", "1.5", "2.25", "1.5"},
		{"TIMESTAMP", "TIMESTAMP '2024-01-02 03:04:05'", "TIMESTAMP '2024-01-02 03:04:06'", "2024-01-02 03:04:05"},
		{"VARCHAR(10)", "'x y'", "'%=/'", "x y"},
	}
	for _, c := range cases {
		t.Run(c.typ, func(t *testing.T) {
			l := newLake(t)
			l.exec("CREATE DATABASE sales")
			dir := filepath.Join(l.eng.Home(), "warehouse", "sales.db", "kt")
			l.exec(fmt.Sprintf("CREATE EXTERNAL TABLE sales.kt (id BIGINT) PARTITIONED BY (k %s) STORED AS PARQUET LOCATION 'file://%s'", c.typ, filepath.ToSlash(dir)))
			mustExec(t, l.admin, fmt.Sprintf("INSERT INTO sales.kt VALUES (1, %s), (2, %s), (3, %s)", c.a, c.b, c.a))
			if got := query(t, l.admin, fmt.Sprintf("SELECT id, k FROM sales.kt WHERE k = %s ORDER BY id", c.a)); got != "1,"+c.wantA+";3,"+c.wantA {
				t.Errorf("rows of partition %s: %s", c.a, got)
			}
			if n := len(partitionDirs(t, dir)); n != 2 {
				t.Errorf("%d partition directories, want 2", n)
			}
			res := mustExec(t, l.admin, fmt.Sprintf("DELETE FROM sales.kt WHERE k = %s AND id = 3", c.a))
			if res.Affected != 1 {
				t.Errorf("DELETE affected %d", res.Affected)
			}
			if got := query(t, l.admin, "SELECT id FROM sales.kt ORDER BY id"); got != "1;2" {
				t.Errorf("after DELETE: %s", got)
			}
		})
	}
}

// TestPartitionedInsertManyBatches: 6400 rows (exec.BatchSize is 4096),
// alternating between partitions row by row, each land in their
// partition once.
func TestPartitionedInsertManyBatches(t *testing.T) {
	l := shop(t)
	partitioned(t, l)
	var vals []string
	for i := 0; i < 80; i++ {
		vals = append(vals, fmt.Sprintf("(%d)", i))
	}
	l.exec("CREATE TABLE sales.n (i BIGINT)", "INSERT INTO sales.n VALUES "+strings.Join(vals, ","))
	mustExec(t, l.admin, `INSERT INTO sales.ev SELECT a.i * 100 + b.i, 'v',
		CASE (a.i + b.i) % 3 WHEN 0 THEN 'eu' WHEN 1 THEN 'us' ELSE NULL END, 2020 + b.i % 2 FROM sales.n a, sales.n b`)
	want := map[string][2]int{} // region|year → count, sum of id
	for a := 0; a < 80; a++ {
		for b := 0; b < 80; b++ {
			r := []string{"eu", "us", "NULL"}[(a+b)%3]
			k := fmt.Sprintf("%s,%d", r, 2020+b%2)
			w := want[k]
			w[0]++
			w[1] += a*100 + b
			want[k] = w
		}
	}
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var exp []string
	for _, k := range keys {
		exp = append(exp, fmt.Sprintf("%s,%d,%d", k, want[k][0], want[k][1]))
	}
	got := query(t, l.admin, "SELECT coalesce(region, 'NULL') AS r, year, count(*), CAST(sum(id) AS SIGNED) FROM sales.ev GROUP BY region, year ORDER BY r, year")
	if got != strings.Join(exp, ";") {
		t.Errorf("per partition:\n got %s\nwant %s", got, strings.Join(exp, ";"))
	}
}

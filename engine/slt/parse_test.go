package slt

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const allKinds = "# leading comment\r\n" +
	"hash-threshold 3\r\n" +
	"\r\n" +
	"statement ok\r\n" +
	"CREATE TABLE t1(a INTEGER,\r\n" +
	"# a comment inside a record is dropped, not a separator\r\n" +
	"b INTEGER)\r\n" +
	"\r\n" +
	"   \t\r\n" +
	"skipif mysql # not compatible\r\n" +
	"onlyif sqlite\r\n" +
	"statement error\r\n" +
	"SELECT 1\r\n" +
	"----\r\n" +
	"\r\n" +
	"query ITR rowsort label-abcdefghijklmnopqrstuvwxyz\r\n" +
	"SELECT a, b,\r\n" +
	"c FROM t1\r\n" +
	"----\r\n" +
	"1\r\n" +
	"x\r\n" +
	"2.500\r\n" +
	"\r\n" +
	"query I\r\n" +
	"SELECT a FROM t1 WHERE 0\r\n" +
	"\r\n" +
	"query T valuesort\r\n" +
	"SELECT b FROM t1\r\n" +
	"----\r\n" +
	"\r\n" +
	"query II nosort\r\n" +
	"SELECT a, b FROM t1\r\n" +
	"----\r\n" +
	"30 values hashing to 0123456789abcdef0123456789abcdef\r\n" +
	"\r\n" +
	"onlyif mssql\r\n" +
	"halt\r\n" +
	"\r\n" +
	"statement ok\r\n" +
	"DROP TABLE t1"

func TestParseAllKinds(t *testing.T) {
	recs, err := Parse(strings.NewReader(allKinds), "all.test")
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{Kind: HashThreshold, Line: 2, Threshold: 3},
		{Kind: Statement, Line: 4, SQL: "CREATE TABLE t1(a INTEGER,\nb INTEGER)"},
		{Kind: Statement, Line: 12, ExpectError: true, SQL: "SELECT 1\n----",
			Conditions: []Condition{{Skip: true, Engine: "mysql"}, {Skip: false, Engine: "sqlite"}}},
		{Kind: Query, Line: 16, Types: "ITR", Sort: RowSort, Label: "label-abcdefghijklmn",
			SQL: "SELECT a, b,\nc FROM t1", Expected: []string{"1", "x", "2.500"}},
		{Kind: Query, Line: 24, Types: "I", SQL: "SELECT a FROM t1 WHERE 0"},
		{Kind: Query, Line: 27, Types: "T", Sort: ValueSort, SQL: "SELECT b FROM t1"},
		{Kind: Query, Line: 31, Types: "II", Sort: NoSort, SQL: "SELECT a, b FROM t1",
			Expected: []string{"30 values hashing to 0123456789abcdef0123456789abcdef"}},
		{Kind: Halt, Line: 37, Conditions: []Condition{{Engine: "mssql"}}},
		{Kind: Statement, Line: 39, SQL: "DROP TABLE t1"},
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d: %+v", len(recs), len(want), recs)
	}
	for i := range want {
		if !reflect.DeepEqual(recs[i], want[i]) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, recs[i], want[i])
		}
	}
	n, h, ok := recs[6].ExpectedHash()
	if !ok || n != 30 || h != "0123456789abcdef0123456789abcdef" {
		t.Errorf("ExpectedHash = %d %q %v", n, h, ok)
	}
	if _, _, ok := recs[3].ExpectedHash(); ok {
		t.Error("a value list parsed as a hash line")
	}
}

func TestSkipped(t *testing.T) {
	tests := []struct {
		conds  []Condition
		engine string
		skip   bool
	}{
		{nil, "mysql", false},
		{[]Condition{{Skip: true, Engine: "mysql"}}, "mysql", true},
		{[]Condition{{Skip: true, Engine: "MySQL"}}, "mysql", true},
		{[]Condition{{Skip: true, Engine: "postgresql"}}, "mysql", false},
		{[]Condition{{Engine: "mysql"}}, "mysql", false},
		{[]Condition{{Engine: "mysql"}}, "sqlite", true},
		{[]Condition{{Engine: "mssql"}}, "mysql", true},
		{[]Condition{{Skip: true, Engine: "postgresql"}, {Skip: true, Engine: "mysql"}}, "mysql", true},
		{[]Condition{{Skip: true, Engine: "postgresql"}, {Engine: "mysql"}}, "mysql", false},
	}
	for _, tc := range tests {
		r := Record{Conditions: tc.conds}
		if got := r.Skipped(tc.engine); got != tc.skip {
			t.Errorf("%+v as %s: skipped=%v, want %v", tc.conds, tc.engine, got, tc.skip)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, script string
		line         int
		msg          string
		records      int
	}{
		{"unknown header", "statement ok\nSELECT 1\n\nselect 2\n", 4, "unknown record type", 1},
		{"bad type letter", "query IX\nSELECT 1, 2\n", 1, "unknown type letter", 0},
		{"bad sort mode", "statement ok\nSELECT 1\n\nquery I sorted\nSELECT 1\n", 4, "unknown sort mode", 1},
		{"statement neither ok nor error", "statement maybe\nSELECT 1\n", 1, "ok or error", 0},
		{"query without types", "query\nSELECT 1\n", 1, "without a type", 0},
		{"dangling condition", "skipif mysql\n\nstatement ok\nSELECT 1\n", 1, "not followed", 0},
		{"no SQL", "statement ok\n\n", 1, "without SQL", 0},
		{"bad threshold", "hash-threshold many\n", 1, "bad hash-threshold", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := Parse(strings.NewReader(tc.script), "bad.test")
			var se *ScriptError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *ScriptError", err)
			}
			if se.Line != tc.line || !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("got %v, want line %d containing %q", se, tc.line, tc.msg)
			}
			if len(recs) != tc.records {
				t.Errorf("got %d records before the error, want %d", len(recs), tc.records)
			}
		})
	}
}

// corpusDir is ../shared/sqllogictest relative to the repository root.
const corpusDir = "../../../shared/sqllogictest"

// independentCount counts record headers without the parser: lines (CR
// stripped) starting "statement " or "query ".
func independentCount(t *testing.T, path string) (statements, queries int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, maxLine)
	for sc.Scan() {
		l := strings.TrimSuffix(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(l, "statement "):
			statements++
		case strings.HasPrefix(l, "query "):
			queries++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return
}

func corpusFiles(t *testing.T) []string {
	var files []string
	for _, root := range []string{"../../testdata/slt", corpusDir} {
		if _, err := os.Stat(root); err != nil {
			t.Logf("%s absent, not parsed", root)
			continue
		}
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".test") {
				files = append(files, p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// TestParseCorpus parses every corpus file without a script error and checks
// the record counts against a line count made without the parser.
func TestParseCorpus(t *testing.T) {
	files := corpusFiles(t)
	if len(files) == 0 {
		t.Skip("no corpus files")
	}
	var total int
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := Parse(f, p)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		var st, q int
		for i := range recs {
			switch recs[i].Kind {
			case Statement:
				st++
			case Query:
				q++
				if recs[i].SQL == "" || len(recs[i].Types) == 0 {
					t.Errorf("%s:%d: empty query", p, recs[i].Line)
				}
			}
		}
		wst, wq := independentCount(t, p)
		if st != wst || q != wq {
			t.Errorf("%s: parsed %d statements and %d queries, line count says %d and %d", p, st, q, wst, wq)
		}
		total += len(recs)
	}
	t.Logf("parsed %d files, %d records", len(files), total)
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCLI runs the CLI in process and returns exit status, stdout, stderr.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestQueryFormats(t *testing.T) {
	home := t.TempDir()
	code, _, stderr := runCLI(t, "", "--home", home, "query",
		"CREATE TABLE t (a BIGINT, b VARCHAR(5), c DOUBLE); INSERT INTO t VALUES (1, 'x', 0.5), (2, NULL, NULL)")
	if code != 0 {
		t.Fatalf("setup: exit %d: %s", code, stderr)
	}
	cases := []struct {
		format, want string
	}{
		{"jsonl", "{\"a\":1,\"b\":\"x\",\"c\":0.5}\n{\"a\":2,\"b\":null,\"c\":null}\n"},
		{"csv", "a,b,c\n1,x,0.5\n2,,\n"},
		{"table", "+---+------+------+\n| a | b    | c    |\n+---+------+------+\n| 1 | x    |  0.5 |\n| 2 | NULL | NULL |\n+---+------+------+\n(2 rows)\n"},
	}
	for _, c := range cases {
		code, out, stderr := runCLI(t, "", "--home", home, "query", "--format", c.format, "SELECT a, b, c FROM t ORDER BY a")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.format, code, stderr)
		}
		if out != c.want {
			t.Errorf("%s output:\n%q\nwant\n%q", c.format, out, c.want)
		}
	}
	// --home after the command works too, and SQL can come from stdin.
	code, out, _ := runCLI(t, "SELECT count(*) AS n FROM t;", "query", "--home", home, "--format", "csv")
	if code != 0 || out != "n\n2\n" {
		t.Errorf("stdin query: exit %d, out %q", code, out)
	}
}

func TestQueryErrorsAreOneLineWithCode(t *testing.T) {
	home := t.TempDir()
	cases := []struct {
		sql, prefix string
	}{
		{"SELECT * FROM nowhere", "UnknownTable:"},
		{"SELEC 1", "SyntaxError:"},
	}
	for _, c := range cases {
		code, out, stderr := runCLI(t, "", "--home", home, "query", c.sql)
		if code == 0 {
			t.Errorf("%s: exit 0", c.sql)
		}
		if out != "" {
			t.Errorf("%s: stdout %q", c.sql, out)
		}
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if len(lines) != 1 || !strings.HasPrefix(lines[0], c.prefix) {
			t.Errorf("%s: stderr %q, want one line starting %q", c.sql, stderr, c.prefix)
		}
	}
	if code, _, stderr := runCLI(t, "", "--home", home, "query", "--format", "xml", "SELECT 1"); code == 0 || !strings.Contains(stderr, "unknown --format") {
		t.Errorf("bad format: exit %d, stderr %q", code, stderr)
	}
	if code, _, _ := runCLI(t, "", "--home", home, "frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
}

func TestShellReadsStatementsFromAPipe(t *testing.T) {
	home := t.TempDir()
	script := "CREATE TABLE s (x BIGINT);\nINSERT INTO s\n  VALUES (7);\n\\format csv\nSELECT x FROM s;\n\\q\n"
	code, out, stderr := runCLI(t, script, "--home", home, "shell")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "x\n7\n") {
		t.Errorf("shell output %q", out)
	}
}

func TestSLTCommandPrintsSummaryLine(t *testing.T) {
	code, out, stderr := runCLI(t, "", "slt", "--quiet", "../../testdata/slt/select1.test")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if !strings.HasSuffix(last, " passed, 0 failed") {
		t.Errorf("last line %q", last)
	}
}

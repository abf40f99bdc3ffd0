package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const exampleLake = "../../authz/declare/testdata/lakes/tag-example.yaml"

func TestApplyCommand(t *testing.T) {
	home := t.TempDir()
	code, out, stderr := runCLI(t, "", "--home", home, "apply", "--dry-run", exampleLake)
	if code != 0 || !strings.HasSuffix(out, "25 created, 1 updated, 0 unchanged (dry run: nothing applied)\n") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = runCLI(t, "", "--home", home, "apply", exampleLake)
	if code != 0 || !strings.Contains(out, "created   Database a\n") || !strings.Contains(out, "created   Table a.t1\n") ||
		!strings.HasSuffix(out, "25 created, 1 updated, 0 unchanged; catalog version 1\n") {
		t.Fatalf("apply: exit %d\n%s%s", code, out, stderr)
	}
	// The second run is all unchanged, the version the same; the file
	// may come from stdin.
	src, err := os.ReadFile(exampleLake)
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, string(src), "--home", home, "apply", "-")
	if code != 0 || strings.Contains(out, "created ") || strings.Contains(out, "updated ") ||
		!strings.HasSuffix(out, "0 created, 0 updated, 26 unchanged; catalog version 1\n") {
		t.Fatalf("second apply: exit %d\n%s", code, out)
	}

	// Errors: one line with the code, naming the line or the object.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("Databases:\n  - Name: x\n    Tabels: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = runCLI(t, "", "--home", home, "apply", bad)
	if code != 1 || out != "" || stderr != "InvalidInputException: "+bad+": line 3: unknown field Tabels in Databases[0] (allowed: CatalogId, Description, LocationUri, Name, Parameters, Tables)\n" {
		t.Errorf("typo: exit %d out %q stderr %q", code, out, stderr)
	}
	if err := os.WriteFile(bad, []byte("Databases: [{Name: fresh}]\nGrants: [{Principal: {DataLakePrincipalIdentifier: x}, Resource: {Database: {Name: fresh}}, Permissions: [SELECT]}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI(t, "", "--home", home, "apply", bad)
	if code != 1 || !strings.HasPrefix(stderr, "InvalidInputException: Grant x on database fresh: ") || !strings.HasSuffix(stderr, "(nothing was applied)\n") ||
		strings.Count(stderr, "\n") != 1 {
		t.Errorf("bad grant: exit %d stderr %q", code, stderr)
	}
	if code, _, _ = runCLI(t, "", "--home", home, "admin", "permissions", "--resource", "database:fresh"); code != 1 {
		t.Errorf("database fresh exists after a failed apply (exit %d)", code)
	}
	if code, _, stderr = runCLI(t, "", "--home", home, "apply"); code != 2 || !strings.Contains(stderr, "want exactly one lake file") {
		t.Errorf("no file: exit %d %q", code, stderr)
	}
}

func TestAdminCommands(t *testing.T) {
	home := t.TempDir()
	if code, _, stderr := runCLI(t, "", "--home", home, "apply", exampleLake); code != 0 {
		t.Fatalf("apply: %s", stderr)
	}
	steps := []struct {
		args []string
		code int
		want string // stdout (code 0) or stderr, exact
	}{
		{[]string{"admin", "grant", "principal2", "columns:a.t1:id", "select"}, 0,
			"granted SELECT on columns:a.t1:id to arn:aws:iam::111122223333:role/principal2\n"},
		{[]string{"admin", "permissions", "--principal", "principal2", "--resource", "table:a.t1"}, 0,
			// Effective permissions: the column grant implies DESCRIBE.
			"PRINCIPAL                                  RESOURCE         PERMISSIONS  GRANTABLE\n" +
				"arn:aws:iam::111122223333:role/principal2  table:a.t1       DESCRIBE     -\n" +
				"arn:aws:iam::111122223333:role/principal2  columns:a.t1:id  SELECT       -\n" +
				"(2 rows)\n"},
		{[]string{"admin", "explain", "--principal", "principal2", "a.t1"}, 0,
			"principal: arn:aws:iam::111122223333:role/principal2\ntable:     a.t1\nLF-tags:   module=sales\nbecause:\n" +
				"  grant SELECT on columns (id) of table a.t1 to arn:aws:iam::111122223333:role/principal2 implies DESCRIBE: DESCRIBE\n" +
				"  columns restricted: 1 of 2 authorized (id)\n" +
				"outcome:   RESTRICTED\nengine must support: COLUMN_PERMISSION\n" +
				"AuthorizedColumns: id\nPermissions:       SELECT, DESCRIBE\nRowFilter:         -\n"},
		{[]string{"admin", "revoke", "principal2", "columns:a.t1:id", "SELECT"}, 0,
			"revoked SELECT on columns:a.t1:id from arn:aws:iam::111122223333:role/principal2\n"},
		{[]string{"admin", "revoke", "principal2", "columns:a.t1:id", "SELECT"}, 1,
			"InvalidInputException: No permissions revoked. Grantee arn:aws:iam::111122223333:role/principal2 has none of SELECT on columns of table a.t1.\n"},
		{[]string{"admin", "explain", "--principal", "principal2", "a.t1"}, 0,
			"principal: arn:aws:iam::111122223333:role/principal2\ntable:     a.t1\nLF-tags:   module=sales\nbecause:\n  no Lake Formation permission on a.t1\n" +
				"  refused: AccessDeniedException: Insufficient Lake Formation permission(s) on a.t1\noutcome:   DENIED\n"},
		{[]string{"admin", "grant", "principal2", "table:a.nope", "SELECT"}, 1,
			"EntityNotFoundException: Table nope not found in database a.\n"},
		{[]string{"admin", "grant", "principal2", "tabel:a.t1", "SELECT"}, 1, ""},
		{[]string{"admin", "tag", "create", "tier", "gold,silver"}, 0, "created LF-tag tier (gold, silver)\n"},
		{[]string{"admin", "tag", "assign", "columns:a.t1:v", "tier=gold"}, 0, "assigned tier=gold to columns:a.t1:v\n"},
		{[]string{"admin", "tag", "show", "table:a.t1", "--assigned"}, 0, "database\tmodule=sales\ncolumn v\ttier=gold\n"},
		{[]string{"admin", "tag", "show", "table:a.t2"}, 0, "database\tmodule=sales\ntable\tmodule=orders\ncolumn id\tmodule=orders\ncolumn v\tmodule=orders\n"},
		{[]string{"admin", "tag", "list"}, 0, "module\tcustomers,orders,sales\ntier\tgold,silver\n"},
		{[]string{"admin", "tag", "assign", "table:a.t1", "tier=bronze"}, 1, ""},
		{[]string{"admin", "filter", "create", "a.t1", "small", "--row", "id < 10", "--columns", "id"}, 0, "created data cells filter small on a.t1\n"},
		{[]string{"admin", "filter", "create", "a.t1", "bad", "--row", "upper(v) = 'X'"}, 1, ""},
		{[]string{"admin", "filter", "list"}, 0, "TABLE  NAME   ROWS     COLUMNS\na.t1   small  id < 10  id\n"},
		{[]string{"admin", "grant", "principal3", "filter:a.t1:small", "SELECT"}, 0, "granted SELECT on filter:a.t1:small to arn:aws:iam::111122223333:role/principal3\n"},
		{[]string{"admin", "mask", "create", "gold_v", "--tag", "tier=gold", "'***'"}, 0, "created column mask gold_v\n"},
		{[]string{"admin", "mask", "list"}, 0, "NAME    ON             EXPRESSION\ngold_v  tag tier=gold  '***'\n"},
		{[]string{"admin", "role", "create", "eve", "--persona", "DataAnalyst"}, 0, ""},
		{[]string{"admin", "role", "create", "eve"}, 1, "EntityAlreadyExists: Role with name eve already exists.\n"},
		{[]string{"admin", "role", "create", "zed", "--persona", "Nobody"}, 1, ""},
		{[]string{"admin", "bogus"}, 2, ""},
		{[]string{"admin", "grant", "principal2"}, 2, ""},
	}
	for _, s := range steps {
		code, out, stderr := runCLI(t, "", append([]string{"--home", home}, s.args...)...)
		if code != s.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", s.args, code, s.code, out, stderr)
			continue
		}
		got := out
		if code != 0 {
			got = stderr
			if code == 1 && strings.Count(stderr, "\n") != 1 {
				t.Errorf("%v: error is not one line: %q", s.args, stderr)
			}
		}
		if s.want != "" && got != s.want {
			t.Errorf("%v:\n got %q\nwant %q", s.args, got, s.want)
		}
	}
	// principal3 gets a.t1 through the filter only: its rows and columns.
	code, out, _ := runCLI(t, "", "--home", home, "admin", "explain", "--principal", "principal3", "a.t1")
	if code != 0 || !strings.Contains(out, "AuthorizedColumns: id\n") || !strings.Contains(out, "RowFilter:         id < 10\n") {
		t.Errorf("explain with a filter: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "", "--home", home, "admin", "explain", "--principal", "principal1", "a.t1")
	if code != 0 || !strings.Contains(out, "LF-tags:   module=sales v:tier=gold\n") || !strings.Contains(out, "ColumnMask:        v: '***' (gold_v)\n") {
		t.Errorf("explain with a tag mask: exit %d\n%s", code, out)
	}
}

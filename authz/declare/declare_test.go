package declare

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

var ctx = context.Background()

func openCP(t *testing.T) *authz.ControlPlane {
	t.Helper()
	cp, err := authz.Open(t.TempDir(), authz.Options{NoSync: true, LockTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cp.Close() })
	return cp
}

func parse(t *testing.T, src string) *Lake {
	t.Helper()
	l, err := Parse(strings.NewReader(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return l
}

func apply(t *testing.T, cp *authz.ControlPlane, l *Lake) Report {
	t.Helper()
	rep, err := Apply(ctx, cp, l, Options{})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return rep
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"unknown top-level field", "Databses: []\n", "line 1: unknown field Databses in the lake file"},
		{"unknown nested field", "Databases:\n  - Name: a\n    Tabels: []\n", "line 3: unknown field Tabels in Databases[0]"},
		{"typo in an API shape", "Grants:\n  - Principal: {DataLakePrincipalIdentifer: x}\n", "line 2: unknown field DataLakePrincipalIdentifer in Grants[0].Principal"},
		{"list where a mapping is expected", "Settings: [a]\n", "line 1: Settings must be a mapping, not a list"},
		{"scalar where a list is expected", "LFTags:\n  - {TagKey: k, TagValues: v}\n", "line 2: LFTags[0].TagValues must be a list, not a scalar \"v\""},
		{"string where a bool is expected", "Settings: {AllowExternalDataFiltering: yes please}\n", "line 1: Settings.AllowExternalDataFiltering must be true or false"},
		{"string where an integer is expected", "Roles:\n  - {RoleName: r, MaxSessionDuration: long}\n", "line 2: Roles[0].MaxSessionDuration must be an integer"},
		{"field twice", "Prune: true\nPrune: false\n", "line 2: field Prune given twice in the lake file"},
		{"two documents", "Prune: true\n---\nPrune: false\n", "line 2: the lake file must hold one document"},
		{"not YAML", "Databases: [\n", "not valid YAML or JSON"},
		{"empty", "", "the lake file is empty"},
		{"a list at the top", "- a\n", "the lake file must be a mapping"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(c.src))
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if lferr.CodeOf(err) != lferr.InvalidInput {
				t.Errorf("code %q, want InvalidInputException (%v)", lferr.CodeOf(err), err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
		})
	}
}

func TestParseJSONAndShapes(t *testing.T) {
	// The API's own JSON pastes in; tags as a mapping or as Key/Value pairs;
	// a policy document as a JSON string or as a mapping.
	l := parse(t, `{
  "Settings": {"DataLakeAdmins": [{"DataLakePrincipalIdentifier": "arn:aws:iam::111122223333:role/admin"}], "AllowExternalDataFiltering": true},
  "Roles": [
    {"RoleName": "a", "Tags": {"team": "x"}, "AssumeRolePolicyDocument": "{\"Version\":\"2012-10-17\",\"Statement\":[]}"},
    {"RoleName": "b", "Tags": [{"Key": "team", "Value": "y"}], "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}}
  ],
  "Grants": [{"Principal": {"DataLakePrincipalIdentifier": "p"}, "Resource": {"Table": {"DatabaseName": "d", "TableWildcard": {}}}, "Permissions": ["SELECT"]}]
}`)
	if !l.Settings.AllowExternalDataFiltering || l.Settings.DataLakeAdmins[0].DataLakePrincipalIdentifier != "arn:aws:iam::111122223333:role/admin" {
		t.Errorf("settings: %+v", l.Settings)
	}
	if got := l.Roles[0].Tags; len(got) != 1 || got[0] != (Tag{"team", "x"}) {
		t.Errorf("mapping tags: %+v", got)
	}
	if got := l.Roles[1].Tags; len(got) != 1 || got[0] != (Tag{"team", "y"}) {
		t.Errorf("list tags: %+v", got)
	}
	if canonicalJSON(string(l.Roles[0].AssumeRolePolicyDocument)) != canonicalJSON(string(l.Roles[1].AssumeRolePolicyDocument)) {
		t.Errorf("policy spellings differ: %s vs %s", l.Roles[0].AssumeRolePolicyDocument, l.Roles[1].AssumeRolePolicyDocument)
	}
	if r := l.Grants[0].Resource.Table; r == nil || r.TableWildcard == nil || r.DatabaseName != "d" {
		t.Errorf("table wildcard: %+v", r)
	}
}

func TestParseMergeKeys(t *testing.T) {
	l := parse(t, `
Databases:
  - Name: a
    Tables:
      - &base {Name: t1, Description: base, StorageDescriptor: {Columns: [{Name: id, Type: bigint}]}}
      - {<<: *base, Name: t2}
      - <<: [*base]
        Name: t3
        Description: own
`)
	ts := l.Databases[0].Tables
	if len(ts) != 3 || ts[1].Name != "t2" || ts[1].Description != "base" || ts[2].Name != "t3" || ts[2].Description != "own" ||
		ts[2].StorageDescriptor == nil || ts[2].StorageDescriptor.Columns[0].Name != "id" {
		t.Errorf("merge keys: %+v", ts)
	}
	if _, err := Parse(strings.NewReader("Roles:\n  - {<<: 3, RoleName: r}\n")); lferr.CodeOf(err) != lferr.InvalidInput {
		t.Errorf("merge of a scalar: %v", err)
	}
}

func TestParseAliasExpansionBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("x: &c [")
	for i := 0; i < 200; i++ {
		b.WriteString("{Name: c, Type: int},")
	}
	b.WriteString("]\nt: &t [")
	for i := 0; i < 200; i++ {
		b.WriteString("{Name: t, StorageDescriptor: {Columns: *c}},")
	}
	b.WriteString("]\nDatabases: [")
	for i := 0; i < 200; i++ {
		b.WriteString("{Name: d, Tables: *t},")
	}
	b.WriteString("]\n")
	// x and t are unknown fields: put the anchors where they are allowed.
	src := strings.Replace(strings.Replace(b.String(), "x: &c [", "Databases: [{Name: a, Tables: [{Name: a, StorageDescriptor: {Columns: &c [", 1),
		"]\nt: &t [", "]}}]}, {Name: b, Tables: &t [", 1)
	src = strings.Replace(src, "]\nDatabases: [", "]}, ", 1)
	src = strings.TrimSuffix(src, "]\n") + "]\n"
	_, err := Parse(strings.NewReader(src))
	if lferr.CodeOf(err) != lferr.InvalidInput || !strings.Contains(err.Error(), "aliases expand to more than") {
		t.Errorf("alias expansion: %v", err)
	}
}

func readExample(t *testing.T) *Lake {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "lakes", "tag-example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var exampleTables = map[string][]string{"a": {"t1", "t2"}, "b": {"t1", "t2"}, "c": {"t1", "t2", "t3"}}

// visible is what principal gets on the example lake, through the
// control plane's own explain (tables) and resolver (CREATE_TABLE).
func visible(t *testing.T, cp *authz.ControlPlane, principal string) (tables, createTable []string) {
	t.Helper()
	arn := "arn:aws:iam::" + cp.AccountID() + ":role/" + principal
	for _, db := range []string{"a", "b", "c"} {
		err := cp.Store().View(func(tx *store.Tx) error {
			acc, err := lf.DatabaseAccessOf(tx, cp.AccountID(), []string{arn, cp.AccountID()}, db)
			if err == nil && acc.Has("CREATE_TABLE") {
				createTable = append(createTable, db)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, tb := range exampleTables[db] {
			x, err := cp.Explain(ctx, principal, db, tb)
			if err != nil {
				t.Fatal(err)
			}
			if x.Answer == nil {
				continue
			}
			if !slices.Contains(x.Answer.Permissions, "SELECT") || !slices.Contains(x.Answer.Permissions, "INSERT") {
				t.Errorf("%s on %s.%s: permissions %v", principal, db, tb, x.Answer.Permissions)
			}
			if !slices.Equal(x.Answer.AuthorizedColumns, []string{"id", "v"}) || x.Answer.RowFilter != "" {
				t.Errorf("%s on %s.%s: columns %v row filter %q", principal, db, tb, x.Answer.AuthorizedColumns, x.Answer.RowFilter)
			}
			tables = append(tables, db+"."+tb)
		}
	}
	return tables, createTable
}

func TestTagExampleIdempotentAndChange(t *testing.T) {
	cp := openCP(t)
	lake := readExample(t)
	rep := apply(t, cp, lake)
	if n := rep.Count(Created); n == 0 || rep.Count(Unchanged) != 0 {
		t.Fatalf("first apply: %d created, %d unchanged: %v", n, rep.Count(Unchanged), rep.Changes)
	}
	want := map[string][2][]string{
		"principal1": {{"a.t1", "b.t2", "c.t1", "c.t2", "c.t3"}, {"a", "c"}},
		"principal2": {{"a.t2", "b.t1"}, {"b"}},
		"principal3": {{"b.t2", "c.t1", "c.t2", "c.t3"}, {"c"}},
		"outsider":   {nil, nil},
	}
	check := func(stage string) {
		for p, w := range want {
			tables, ct := visible(t, cp, p)
			if !slices.Equal(tables, w[0]) || !slices.Equal(ct, w[1]) {
				t.Errorf("%s: %s sees %v, CREATE_TABLE on %v; want %v on %v", stage, p, tables, ct, w[0], w[1])
			}
		}
	}
	check("first apply")
	// The persona's policies came with the role.
	err := cp.Store().View(func(tx *store.Tx) error {
		r, err := iam.BoltRecords{Tx: tx}.GetRole(cp.AccountID(), "principal1")
		if err != nil || r == nil {
			t.Fatalf("role: %v %v", r, err)
		}
		if len(r.AttachedPolicies) == 0 && len(r.InlinePolicies) == 0 {
			t.Errorf("persona DataAnalyst attached nothing: %+v", r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Applying the same file again changes nothing, not even the version.
	v := cp.CatalogVersion()
	rep = apply(t, cp, readExample(t))
	if rep.Count(Unchanged) != len(rep.Changes) || len(rep.Changes) != len(lakeObjects(lake)) {
		t.Errorf("second apply is not all unchanged: %v", rep.Changes)
	}
	if cp.CatalogVersion() != v || rep.Version != v {
		t.Errorf("second apply moved the catalog version %d → %d", v, cp.CatalogVersion())
	}

	// Changing one assignment changes exactly that object and the result.
	lake = readExample(t)
	lake.LFTagAssignments = append(lake.LFTagAssignments, parse(t, `
LFTagAssignments:
  - {Resource: {Table: {DatabaseName: c, Name: t3}}, LFTags: [{TagKey: module, TagValues: [Orders]}]}
`).LFTagAssignments...)
	rep = apply(t, cp, lake)
	var changed []string
	for _, c := range rep.Changes {
		if c.Action != Unchanged {
			changed = append(changed, c.String())
		}
	}
	if len(changed) != 1 || !strings.Contains(changed[0], "created   LFTagAssignment table c.t3") {
		t.Errorf("changes after re-tagging c.t3: %q", changed)
	}
	want["principal2"] = [2][]string{{"a.t2", "b.t1", "c.t3"}, {"b"}}
	want["principal1"] = [2][]string{{"a.t1", "b.t2", "c.t1", "c.t2"}, {"a", "c"}}
	want["principal3"] = [2][]string{{"b.t2", "c.t1", "c.t2"}, {"c"}}
	check("after re-tagging c.t3")
}

// lakeObjects counts the objects of a lake as the report lists them.
func lakeObjects(l *Lake) []string {
	var out []string
	if l.Settings != nil {
		out = append(out, "settings")
	}
	for range l.Roles {
		out = append(out, "role")
	}
	for _, d := range l.Databases {
		out = append(out, "db")
		for range d.Tables {
			out = append(out, "table")
		}
	}
	for range len(l.RegisteredLocations) + len(l.LFTags) + len(l.LFTagExpressions) + len(l.LFTagAssignments) +
		len(l.DataCellsFilters) + len(l.ColumnMasks) + len(l.Grants) {
		out = append(out, "x")
	}
	return out
}

const salesLake = `
Settings:
  CreateDatabaseDefaultPermissions: []
  CreateTableDefaultPermissions: []
Roles:
  - RoleName: analyst
    AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::111122223333:root"}, Action: "sts:AssumeRole"}]}
    Policies:
      - PolicyName: read
        PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "lakeformation:GetDataAccess", Resource: "*"}]}
    Tags: {team: sales}
Databases:
  - Name: sales
    Description: the sales mart
    Tables:
      - Name: orders
        StorageDescriptor:
          Columns: [{Name: id, Type: bigint}, {Name: region, Type: string}, {Name: email, Type: string}, {Name: amount, Type: double}]
RegisteredLocations:
  - {ResourceArn: "s3://sales-bucket/", RoleArn: "arn:aws:iam::111122223333:role/lf-access"}
LFTagExpressions: []
DataCellsFilters:
  - TableCatalogId: "111122223333"
    DatabaseName: sales
    TableName: orders
    Name: eu_only
    RowFilter: {FilterExpression: "region = 'eu'"}
    ColumnWildcard: {ExcludedColumnNames: [amount]}
ColumnMasks:
  - {Name: hide_email, DatabaseName: sales, TableName: orders, ColumnName: email, MaskExpression: "'***'"}
Grants:
  - Principal: {DataLakePrincipalIdentifier: "arn:aws:iam::111122223333:role/analyst"}
    Resource: {DataCellsFilter: {TableCatalogId: "111122223333", DatabaseName: sales, TableName: orders, Name: eu_only}}
    Permissions: [SELECT]
  - Principal: {DataLakePrincipalIdentifier: "arn:aws:iam::111122223333:role/analyst"}
    Resource: {TableWithColumns: {DatabaseName: sales, Name: orders, ColumnNames: [id, region]}}
    Permissions: [SELECT]
  - Principal: {DataLakePrincipalIdentifier: "arn:aws:iam::111122223333:role/analyst"}
    Resource: {Database: {Name: sales}}
    Permissions: [DESCRIBE]
`

func TestUpdatesAndExplain(t *testing.T) {
	cp := openCP(t)
	rep := apply(t, cp, parse(t, salesLake))
	if rep.Count(Created)+rep.Count(Updated) != len(rep.Changes) {
		t.Fatalf("first apply: %v", rep.Changes)
	}
	x, err := cp.Explain(ctx, "analyst", "sales", "orders")
	if err != nil {
		t.Fatal(err)
	}
	if x.Answer == nil {
		t.Fatalf("analyst refused: %v\n%s", x.Refusal, strings.Join(x.Lines, "\n"))
	}
	if !slices.Equal(x.Answer.AuthorizedColumns, []string{"id", "region", "email"}) {
		t.Errorf("authorized columns %v", x.Answer.AuthorizedColumns)
	}
	if len(x.Answer.ColumnMasks) != 1 || x.Answer.ColumnMasks[0].ColumnName != "email" {
		t.Errorf("masks %+v", x.Answer.ColumnMasks)
	}
	v := cp.CatalogVersion()
	if rep := apply(t, cp, parse(t, salesLake)); rep.Count(Unchanged) != len(rep.Changes) || cp.CatalogVersion() != v {
		t.Fatalf("re-apply changed something (version %d → %d): %v", v, cp.CatalogVersion(), rep.Changes)
	}

	// Edit several objects: each edited one is updated, the rest unchanged.
	edited := strings.NewReplacer(
		"the sales mart", "the EU sales mart",
		"{Name: amount, Type: double}", "{Name: amount, Type: double}, {Name: note, Type: string}",
		"region = 'eu'", "region = 'eu' OR region = 'uk'",
		`"'***'"`, `"'###'"`,
		"Tags: {team: sales}", "Tags: {team: emea}",
		"ColumnNames: [id, region]", "ColumnNames: [id, region, note]",
	).Replace(salesLake)
	rep = apply(t, cp, parse(t, edited))
	got := map[string]Action{}
	for _, c := range rep.Changes {
		got[c.Kind+" "+c.Name] = c.Action
	}
	wantAct := map[string]Action{
		"Settings 111122223333":                 Unchanged,
		"Role analyst":                          Updated,
		"Database sales":                        Updated,
		"Table sales.orders":                    Updated,
		"RegisteredLocation s3://sales-bucket/": Unchanged,
		"DataCellsFilter sales.orders:eu_only":  Updated,
		"ColumnMask hide_email":                 Updated,
		"Grant arn:aws:iam::111122223333:role/analyst on filter sales.orders:eu_only":         Unchanged,
		"Grant arn:aws:iam::111122223333:role/analyst on columns sales.orders:id,region,note": Created,
		"Grant arn:aws:iam::111122223333:role/analyst on database sales":                      Unchanged,
	}
	for k, w := range wantAct {
		if got[k] != w {
			t.Errorf("%s: %q, want %q (report %v)", k, got[k], w, rep.Changes)
		}
	}
	if len(got) != len(wantAct) {
		t.Errorf("report has %d objects, want %d: %v", len(got), len(wantAct), rep.Changes)
	}
	tbl, err := cp.Catalog().GetTable(ctx, cp.AccountID(), "sales", "orders")
	if err != nil || len(tbl.StorageDescriptor.Columns) != 5 || tbl.StorageDescriptor.Location == "" {
		t.Errorf("updated table: %+v %v", tbl, err)
	}
	x, err = cp.Explain(ctx, "analyst", "sales", "orders")
	if err != nil || x.Answer == nil {
		t.Fatalf("explain after edit: %v %v", err, x.Refusal)
	}
	if !slices.Equal(x.Answer.AuthorizedColumns, []string{"id", "region", "email", "note"}) {
		t.Errorf("authorized columns after edit %v", x.Answer.AuthorizedColumns)
	}
	v = cp.CatalogVersion()
	if rep := apply(t, cp, parse(t, edited)); rep.Count(Unchanged) != len(rep.Changes) || cp.CatalogVersion() != v {
		t.Errorf("re-apply of the edited file changed something: %v", rep.Changes)
	}
}

func TestFailureAppliesNothing(t *testing.T) {
	cp := openCP(t)
	v := cp.CatalogVersion()
	bad := salesLake + `
  - Principal: {DataLakePrincipalIdentifier: "arn:aws:iam::111122223333:role/analyst"}
    Resource: {Table: {DatabaseName: sales, Name: nowhere}}
    Permissions: [SELECT]
`
	rep, err := Apply(ctx, cp, parse(t, bad), Options{})
	if err == nil {
		t.Fatal("no error for a grant on a missing table")
	}
	if lferr.CodeOf(err) != lferr.EntityNotFound || !strings.Contains(err.Error(), "Grant arn:aws:iam::111122223333:role/analyst on table sales.nowhere:") {
		t.Errorf("error %v", err)
	}
	if len(rep.Changes) != 0 || cp.CatalogVersion() != v {
		t.Errorf("failed apply left changes %v, version %d → %d", rep.Changes, v, cp.CatalogVersion())
	}
	if _, err := cp.Catalog().GetDatabase(ctx, cp.AccountID(), "sales"); lferr.CodeOf(err) != lferr.EntityNotFound {
		t.Errorf("database sales exists after a failed apply: %v", err)
	}
	// Tags go on named columns only: a column wildcard is refused, not
	// silently skipped.
	_, err = Apply(ctx, cp, parse(t, salesLake+`
LFTags: [{TagKey: tier, TagValues: [gold]}]
LFTagAssignments: [{Resource: {TableWithColumns: {DatabaseName: sales, Name: orders, ColumnWildcard: {}}}, LFTags: [{TagKey: tier, TagValues: [gold]}]}]
`), Options{})
	if lferr.CodeOf(err) != lferr.InvalidInput || !strings.Contains(err.Error(), "LFTagAssignment columns sales.orders:*: LF-tags are assigned to") {
		t.Errorf("column wildcard assignment: %v", err)
	}
	// A validation error of an API names the object and keeps its code.
	_, err = Apply(ctx, cp, parse(t, "LFTags: [{TagKey: 'bad key!', TagValues: [x]}]\n"), Options{})
	if lferr.CodeOf(err) != lferr.InvalidInput || !strings.Contains(err.Error(), "LFTag bad key!:") {
		t.Errorf("bad tag key: %v", err)
	}
}

func TestDryRunCommitsNothing(t *testing.T) {
	cp := openCP(t)
	v := cp.CatalogVersion()
	rep, err := Apply(ctx, cp, parse(t, salesLake), Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.DryRun || rep.Count(Created) == 0 || cp.CatalogVersion() != v {
		t.Errorf("dry run: %+v, version %d → %d", rep, v, cp.CatalogVersion())
	}
	if _, err := cp.Catalog().GetDatabase(ctx, cp.AccountID(), "sales"); lferr.CodeOf(err) != lferr.EntityNotFound {
		t.Errorf("dry run created the database: %v", err)
	}
}

func TestPrune(t *testing.T) {
	cp := openCP(t)
	apply(t, cp, parse(t, salesLake+`
LFTags: [{TagKey: tier, TagValues: [gold, silver]}]
LFTagAssignments: [{Resource: {Table: {DatabaseName: sales, Name: orders}}, LFTags: [{TagKey: tier, TagValues: [gold]}]}]
`))
	// Without Prune, dropping a value, a policy and an assignment deletes nothing.
	smaller := strings.Replace(salesLake, "    Policies:\n      - PolicyName: read\n        PolicyDocument: {Version: \"2012-10-17\", Statement: [{Effect: Allow, Action: \"lakeformation:GetDataAccess\", Resource: \"*\"}]}\n", "", 1) + `
LFTags: [{TagKey: tier, TagValues: [gold]}]
LFTagAssignments: [{Resource: {Table: {DatabaseName: sales, Name: orders}}, LFTags: []}]
`
	if smaller == salesLake {
		t.Fatal("test edit did not apply")
	}
	rep := apply(t, cp, parse(t, smaller))
	if rep.Count(Unchanged) != len(rep.Changes) {
		t.Errorf("without Prune: %v", rep.Changes)
	}
	rep = apply(t, cp, parse(t, smaller+"Prune: true\n"))
	got := map[string]string{}
	for _, c := range rep.Changes {
		if c.Action != Unchanged {
			got[c.Kind] = c.Detail
		}
	}
	if got["Role"] != "delete policy read" || got["LFTag"] != "delete silver" || got["LFTagAssignment"] != "removed tier=gold" || len(got) != 3 {
		t.Errorf("with Prune: %v", rep.Changes)
	}
}

func TestGrantKindsIdempotent(t *testing.T) {
	cp := openCP(t)
	src := `{
  "Databases": [{"Name": "d", "Tables": [{"Name": "t", "StorageDescriptor": {"Columns": [{"Name": "a", "Type": "int"}, {"Name": "b", "Type": "string"}]}}]}],
  "RegisteredLocations": [{"ResourceArn": "s3://bucket/d/", "RoleArn": "arn:aws:iam::111122223333:role/lf"}],
  "LFTags": [{"TagKey": "k", "TagValues": ["x", "y"]}],
  "Grants": [
    {"Principal": {"DataLakePrincipalIdentifier": "arn:aws:iam::111122223333:role/r"}, "Resource": {"Catalog": {}}, "Permissions": ["CREATE_DATABASE"]},
    {"Principal": {"DataLakePrincipalIdentifier": "arn:aws:iam::111122223333:role/r"}, "Resource": {"DataLocation": {"ResourceArn": "s3://bucket/d/"}}, "Permissions": ["DATA_LOCATION_ACCESS"]},
    {"Principal": {"DataLakePrincipalIdentifier": "arn:aws:iam::111122223333:role/r"}, "Resource": {"LFTag": {"TagKey": "k", "TagValues": ["x"]}}, "Permissions": ["ASSOCIATE"], "PermissionsWithGrantOption": ["ASSOCIATE"]},
    {"Principal": {"DataLakePrincipalIdentifier": "arn:aws:iam::111122223333:role/r"}, "Resource": {"Table": {"DatabaseName": "d", "TableWildcard": {}}}, "Permissions": ["SELECT"]},
    {"Principal": {"DataLakePrincipalIdentifier": "arn:aws:iam::111122223333:role/s"}, "Resource": {"TableWithColumns": {"DatabaseName": "d", "Name": "t", "ColumnWildcard": {"ExcludedColumnNames": ["b"]}}}, "Permissions": ["SELECT"]},
    {"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"}, "Resource": {"Database": {"Name": "d"}}, "Permissions": ["ALL"]}
  ]
}`
	rep := apply(t, cp, parse(t, src))
	// The database's default permissions (no Settings here: the fresh
	// account's IAM_ALLOWED_PRINCIPALS ALL) already hold the last grant.
	if rep.Count(Created) != len(rep.Changes)-1 || rep.Changes[len(rep.Changes)-1].String() != "unchanged Grant IAM_ALLOWED_PRINCIPALS on database d" {
		t.Fatalf("first apply: %v", rep.Changes)
	}
	v := cp.CatalogVersion()
	rep = apply(t, cp, parse(t, src))
	if rep.Count(Unchanged) != len(rep.Changes) || cp.CatalogVersion() != v {
		t.Errorf("second apply: %v (version %d → %d)", rep.Changes, v, cp.CatalogVersion())
	}
	// Asking for more than is held is a change: the grant option on the
	// wildcard grant.
	more := strings.Replace(src, `"TableWildcard": {}}}, "Permissions": ["SELECT"]}`, `"TableWildcard": {}}}, "Permissions": ["SELECT"], "PermissionsWithGrantOption": ["SELECT"]}`, 1)
	rep = apply(t, cp, parse(t, more))
	if rep.Count(Created) != 1 || rep.Count(Unchanged) != len(rep.Changes)-1 {
		t.Errorf("grant option added: %v", rep.Changes)
	}
}

func TestPruneGrants(t *testing.T) {
	cp := openCP(t)
	extra := salesLake + `
  - Principal: {DataLakePrincipalIdentifier: "arn:aws:iam::111122223333:role/analyst"}
    Resource: {Database: {Name: sales}}
    Permissions: [CREATE_TABLE, DESCRIBE]
    PermissionsWithGrantOption: [DESCRIBE]
  - Principal: {DataLakePrincipalIdentifier: "arn:aws:iam::111122223333:role/analyst"}
    Resource: {TableWithColumns: {DatabaseName: sales, Name: orders, ColumnNames: [email]}}
    Permissions: [SELECT]
  - Principal: {DataLakePrincipalIdentifier: "arn:aws:iam::111122223333:role/other"}
    Resource: {Database: {Name: sales}}
    Permissions: [DESCRIBE]
`
	apply(t, cp, parse(t, extra))
	// Pruning to salesLake takes back what it does not list from analyst,
	// and leaves "other", whom it does not name, alone.
	rep := apply(t, cp, parse(t, salesLake+"Prune: true\n"))
	var got []string
	for _, c := range rep.Changes {
		if c.Action != Unchanged {
			got = append(got, c.String())
		}
	}
	want := []string{
		"deleted   Grant arn:aws:iam::111122223333:role/analyst on columns sales.orders:email,id,region (revoked SELECT on columns email)",
		"deleted   Grant arn:aws:iam::111122223333:role/analyst on database sales (revoked CREATE_TABLE grant option DESCRIBE)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("prune:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	x, err := cp.Explain(ctx, "analyst", "sales", "orders")
	if err != nil || x.Answer == nil || !slices.Equal(x.Answer.AuthorizedColumns, []string{"id", "region", "email"}) {
		t.Errorf("after prune: %+v %v", x, err)
	}
	x, err = cp.Explain(ctx, "other", "sales", "orders")
	if err != nil || x.Answer != nil {
		t.Errorf("other: %+v %v", x, err)
	}
	v := cp.CatalogVersion()
	if rep := apply(t, cp, parse(t, salesLake+"Prune: true\n")); rep.Count(Unchanged) != len(rep.Changes) || cp.CatalogVersion() != v {
		t.Errorf("second prune changed something: %v", rep.Changes)
	}
}

// The output of "aws glue get-table" and "aws lakeformation
// list-permissions" pastes in: read-only fields are skipped, fields that
// would grant something are not.
func TestPasteAPIOutput(t *testing.T) {
	cp := openCP(t)
	src := `{
  "Databases": [{"Name": "web", "CreateTime": "2024-05-01T10:00:00+00:00", "Tables": [
    {
      "Name": "clicks", "DatabaseName": "web", "CreateTime": "2024-05-01T10:00:00+00:00", "UpdateTime": 1714557600,
      "Retention": 0, "CreatedBy": "arn:aws:iam::111122223333:user/x", "IsRegisteredWithLakeFormation": true,
      "CatalogId": "111122223333", "VersionId": "3", "TableType": "EXTERNAL_TABLE",
      "StorageDescriptor": {
        "Columns": [{"Name": "ts", "Type": "timestamp"}, {"Name": "url", "Type": "string"}],
        "Location": "s3://web/clicks/", "Compressed": false, "NumberOfBuckets": -1,
        "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
        "BucketColumns": [], "SortColumns": [], "StoredAsSubDirectories": false
      },
      "PartitionKeys": [{"Name": "day", "Type": "string"}]
    }]}],
  "Grants": [{
    "Principal": {"DataLakePrincipalIdentifier": "arn:aws:iam::111122223333:role/web"},
    "Resource": {"Table": {"CatalogId": "111122223333", "DatabaseName": "web", "Name": "clicks"}},
    "Permissions": ["SELECT"], "PermissionsWithGrantOption": [],
    "LastUpdated": "2024-05-01T10:00:00+00:00", "LastUpdatedBy": "arn:aws:iam::111122223333:user/x"
  }]
}`
	rep := apply(t, cp, parse(t, src))
	if rep.Count(Created) != 3 {
		t.Fatalf("apply: %v", rep.Changes)
	}
	tbl, err := cp.Catalog().GetTable(ctx, cp.AccountID(), "web", "clicks")
	if err != nil || tbl.StorageDescriptor.Location != "s3://web/clicks/" || len(tbl.PartitionKeys) != 1 {
		t.Fatalf("table: %+v %v", tbl, err)
	}
	if rep := apply(t, cp, parse(t, src)); rep.Count(Unchanged) != 3 {
		t.Errorf("re-apply: %v", rep.Changes)
	}
	_, err = Parse(strings.NewReader(`{"Databases": [{"Name": "web", "CreateTableDefaultPermissions": []}]}`))
	if err == nil || !strings.Contains(err.Error(), "unknown field CreateTableDefaultPermissions in Databases[0]") {
		t.Errorf("a permission field must not be skipped: %v", err)
	}
}

func TestSalesExample(t *testing.T) {
	cp := openCP(t)
	f, err := os.Open(filepath.Join("testdata", "lakes", "sales.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lake, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	rep := apply(t, cp, lake)
	if rep.Count(Unchanged) != 0 {
		t.Fatalf("first apply: %v", rep.Changes)
	}
	cases := []struct {
		role      string
		table     string
		columns   []string
		rowFilter string
		masks     int
	}{
		{"data_analyst", "orders", []string{"order_id", "region", "amount", "order_date"}, "", 0},
		{"data_analyst", "customers", []string{"customer_id", "country"}, "", 0},
		{"eu_analyst", "orders", []string{"order_id", "region", "amount", "order_date"}, "region = 'eu'", 0},
		{"eu_analyst", "customers", nil, "", 0},
	}
	for _, c := range cases {
		x, err := cp.Explain(ctx, c.role, "sales", c.table)
		if err != nil {
			t.Fatal(err)
		}
		if c.columns == nil {
			if x.Answer != nil {
				t.Errorf("%s on %s: granted %v", c.role, c.table, x.Answer.AuthorizedColumns)
			}
			continue
		}
		if x.Answer == nil {
			t.Errorf("%s on %s: refused: %v", c.role, c.table, x.Refusal)
			continue
		}
		if !slices.Equal(x.Answer.AuthorizedColumns, c.columns) || x.Answer.RowFilter != c.rowFilter || len(x.Answer.ColumnMasks) != c.masks {
			t.Errorf("%s on %s: columns %v row filter %q masks %v", c.role, c.table, x.Answer.AuthorizedColumns, x.Answer.RowFilter, x.Answer.ColumnMasks)
		}
	}
	v := cp.CatalogVersion()
	if rep := apply(t, cp, lake); rep.Count(Unchanged) != len(rep.Changes) || cp.CatalogVersion() != v {
		t.Errorf("second apply: %v", rep.Changes)
	}
}

package engine_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/audit"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/engine"
)

// shop is a lake with sales.orders (id, customer, amount, card) and
// sales.returns, loaded by the administrator, and the analyst role.
func shop(t testing.TB, opts ...func(*engine.Options)) *lake {
	l := newLake(t, opts...)
	l.exec("CREATE DATABASE sales",
		"CREATE TABLE sales.orders (id BIGINT, customer VARCHAR(20), amount DOUBLE, card VARCHAR(20))",
		"INSERT INTO sales.orders VALUES (1, 'ann', 10, '4111'), (2, 'bob', 20, '4222'), (3, 'cy', 30, '4333')",
		"CREATE TABLE sales.returns (id BIGINT, reason VARCHAR(20))",
		"INSERT INTO sales.returns VALUES (2, 'broken')")
	l.role("analyst")
	return l
}

func TestSessionAsPrincipalTableByTable(t *testing.T) {
	l := shop(t)
	l.grant("analyst", tableRes("sales", "orders"), "SELECT")
	s := l.as("analyst")
	if !strings.Contains(s.Principal(), ":assumed-role/analyst/") {
		t.Errorf("principal %q is not the analyst's role session", s.Principal())
	}
	if got := rowsText(mustExec(t, s, "SELECT id, customer FROM sales.orders ORDER BY id").Rows); got != "1,ann;2,bob;3,cy" {
		t.Errorf("granted table: %s", got)
	}
	// A table without a grant and a table that does not exist are refused
	// alike: a principal cannot learn which tables exist.
	e1 := execErr(s, "SELECT * FROM sales.returns")
	e2 := execErr(s, "SELECT * FROM sales.nothere")
	wantCode(t, "ungranted table", e1, lferr.AccessDenied, "sales.returns")
	if e1 == nil || e2 == nil || strings.ReplaceAll(e1.Error(), "returns", "X") != strings.ReplaceAll(e2.Error(), "nothere", "X") {
		t.Errorf("ungranted and missing tables differ: %v / %v", e1, e2)
	}
	// A join reaching the ungranted table fails as a whole.
	wantCode(t, "join", execErr(s, "SELECT o.id FROM sales.orders o JOIN sales.returns r ON o.id = r.id"), lferr.AccessDenied)
	// The administrator session is unchanged.
	if got := rowsText(mustExec(t, l.admin, "SELECT count(*) FROM sales.returns").Rows); got != "1" {
		t.Errorf("admin: %s", got)
	}
}

func TestRule8_UnauthorizedColumnsDoNotExist(t *testing.T) {
	l := shop(t)
	l.grant("analyst", columnsRes("sales", "orders", "id", "customer", "amount"), "SELECT")
	s := l.as("analyst")
	res := mustExec(t, s, "SELECT * FROM sales.orders ORDER BY id")
	var names []string
	for _, c := range res.Columns {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "id,customer,amount" || rowsText(res.Rows) != "1,ann,10;2,bob,20;3,cy,30" {
		t.Errorf("SELECT * = %v %s", names, rowsText(res.Rows))
	}
	if got := rowsText(mustExec(t, s, "DESCRIBE sales.orders").Rows); strings.Contains(got, "card") {
		t.Errorf("DESCRIBE shows the unauthorized column: %s", got)
	}
	for _, q := range []string{"SELECT card FROM sales.orders", "SELECT id FROM sales.orders WHERE card = '4111'",
		"SELECT count(*) FROM sales.orders GROUP BY card", "SELECT orders.card FROM sales.orders"} {
		e1 := execErr(s, q)
		e2 := execErr(s, strings.ReplaceAll(q, "card", "nosuch"))
		wantCode(t, q, e1, lferr.UnknownColumn)
		if e1 == nil || e2 == nil || strings.ReplaceAll(e1.Error(), "card", "X") != strings.ReplaceAll(e2.Error(), "nosuch", "X") {
			t.Errorf("%s: unauthorized and missing columns differ: %v / %v", q, e1, e2)
		}
	}
	// EXPLAIN does not name it either.
	if got := rowsText(mustExec(t, s, "EXPLAIN SELECT * FROM sales.orders").Rows); strings.Contains(got, "card") {
		t.Errorf("EXPLAIN shows the unauthorized column: %s", got)
	}
}

func TestRule4_DescribeOnlyFailsTheQuery(t *testing.T) {
	l := shop(t)
	l.grant("analyst", tableRes("sales", "orders"), "DESCRIBE")
	s := l.as("analyst")
	for _, q := range []string{"SELECT * FROM sales.orders", "SELECT count(*) FROM sales.orders", "SELECT 1 FROM sales.orders"} {
		wantCode(t, q, execErr(s, q), lferr.AccessDenied, "sales.orders")
	}
	// DESCRIBE itself answers, with no column to show.
	if got := rowsText(mustExec(t, s, "DESCRIBE sales.orders").Rows); got != "" {
		t.Errorf("DESCRIBE-only DESCRIBE shows %q", got)
	}
}

func TestRule12_WritesNeedTheWholeTable(t *testing.T) {
	l := shop(t)
	l.role("clerk")
	l.grant("analyst", tableRes("sales", "orders"), "SELECT", "INSERT")
	// LF refuses a named INSERT beside a partial SELECT; tags produce the
	// combination: a tag grant on the table, and the card column tagged
	// away from it (the nearest assignment wins, rule 3).
	l.createTag("area", "shop", "pci")
	l.assign("sales", "orders", "area", "shop")
	l.assign("sales", "orders", "area", "pci", "card")
	l.grant("clerk", tagPolicy("TABLE", "area", "shop"), "SELECT", "INSERT", "DELETE")
	a, c := l.as("analyst"), l.as("clerk")

	mustExec(t, a, "INSERT INTO sales.orders VALUES (4, 'dee', 40, '4444')")
	if got := rowsText(mustExec(t, l.admin, "SELECT count(*) FROM sales.orders").Rows); got != "4" {
		t.Errorf("after the analyst's INSERT: %s rows", got)
	}
	// The write used read-write credentials vended for INSERT.
	vends, err := audit.Read(l.eng.Home(), audit.Filter{QueryId: a.QueryID(), EventName: "GetDataAccess"})
	if err != nil || len(vends) != 1 || vends[0].Scope != "READWRITE" || strings.Join(vends[0].RequestedPermissions, ",") != "INSERT" {
		t.Errorf("INSERT's credential vend: %+v %v", vends, err)
	}
	cases := []struct {
		who  *engine.Session
		name string
		sql  string
		msg  string
	}{
		{a, "DELETE without DELETE", "DELETE FROM sales.orders WHERE id = 4", "DELETE"},
		{a, "UPDATE without DELETE", "UPDATE sales.orders SET amount = 0 WHERE id = 4", "DELETE"},
		{c, "INSERT with a column restriction", "INSERT INTO sales.orders (id, customer, amount) VALUES (5, 'eve', 50)", "sales.orders"},
		{c, "DELETE with a column restriction", "DELETE FROM sales.orders WHERE id = 1", "sales.orders"},
		{a, "INSERT into a table without INSERT", "INSERT INTO sales.returns VALUES (9, 'x')", "sales.returns"},
		{a, "CREATE TABLE without CREATE_TABLE", "CREATE TABLE sales.mine (a BIGINT)", ""},
		{a, "DROP TABLE without DROP", "DROP TABLE sales.orders", ""},
		{a, "CREATE VIEW without CREATE_TABLE", "CREATE VIEW sales.v AS SELECT id FROM sales.orders", ""},
	}
	for _, cs := range cases {
		wantCode(t, cs.name, execErr(cs.who, cs.sql), lferr.AccessDenied, cs.msg)
	}
	if got := rowsText(mustExec(t, l.admin, "SELECT id, amount FROM sales.orders ORDER BY id").Rows); got != "1,10;2,20;3,30;4,40" {
		t.Errorf("refused writes changed the table: %s", got)
	}
	wantCode(t, "table refused to CREATE TABLE stays absent", execErr(l.admin, "SELECT * FROM sales.mine"), lferr.UnknownTable)

	// With DELETE too, and the whole table, DELETE and UPDATE work.
	l.grant("analyst", tableRes("sales", "orders"), "DELETE")
	mustExec(t, a, "UPDATE sales.orders SET amount = 41 WHERE id = 4")
	mustExec(t, a, "DELETE FROM sales.orders WHERE id = 1")
	if got := rowsText(mustExec(t, a, "SELECT id, amount FROM sales.orders ORDER BY id").Rows); got != "2,20;3,30;4,41" {
		t.Errorf("after the analyst's UPDATE and DELETE: %s", got)
	}
	// CREATE_TABLE on the database: CREATE TABLE, CTAS, and the creator
	// may write and drop what it created.
	l.grant("analyst", dbRes("sales"), "CREATE_TABLE")
	mustExec(t, a, "CREATE TABLE sales.mine AS SELECT id, customer FROM sales.orders WHERE id > 2")
	mustExec(t, a, "INSERT INTO sales.mine VALUES (9, 'zed')")
	if got := rowsText(mustExec(t, a, "SELECT id FROM sales.mine ORDER BY id").Rows); got != "3;4;9" {
		t.Errorf("the analyst's own table: %s", got)
	}
	mine := filepath.Join(l.eng.Home(), "warehouse", "sales.db", "mine")
	if files, _ := filepath.Glob(filepath.Join(mine, "*.parquet")); len(files) == 0 {
		t.Fatalf("no data files in %s", mine)
	}
	mustExec(t, a, "DROP TABLE sales.mine")
	// Its data went with it, deleted with credentials vended for DELETE.
	if files, _ := filepath.Glob(filepath.Join(mine, "*.parquet")); len(files) != 0 {
		t.Errorf("DROP TABLE by its creator left %v", files)
	}
}

func TestCatalogCallsAreEnforcedForRoleSessions(t *testing.T) {
	l := shop(t)
	l.exec("CREATE DATABASE hr")
	l.grant("analyst", dbRes("sales"), "CREATE_TABLE")
	s := l.as("analyst")
	mustExec(t, s, "CREATE TABLE sales.scratch (a BIGINT)")
	wantCode(t, "CREATE TABLE in hr", execErr(s, "CREATE TABLE hr.scratch (a BIGINT)"), lferr.AccessDenied)
	wantCode(t, "CREATE DATABASE", execErr(s, "CREATE DATABASE mine"), lferr.AccessDenied)
	wantCode(t, "DROP DATABASE", execErr(s, "DROP DATABASE hr"), lferr.AccessDenied)
	// Listings show only what the principal may see.
	if got := rowsText(mustExec(t, s, "SHOW TABLES FROM sales").Rows); got != "scratch" {
		t.Errorf("SHOW TABLES = %q", got)
	}
	// A principal cannot point a table's inference at files it has no
	// credentials for.
	wantCode(t, "inferring an external table", execErr(s, "CREATE EXTERNAL TABLE sales.peek STORED AS PARQUET LOCATION 'file:///etc/'"), lferr.AccessDenied)
}

func TestSessionErrorsNameTheProblem(t *testing.T) {
	l := shop(t)
	l.grant("analyst", tableRes("sales", "orders"), "SELECT")
	_, err := l.eng.NewSession(context.Background(), "nobody")
	wantCode(t, "unknown role", err, lferr.STSAccessDenied, "nobody", "trust policy")
	// A role whose trust policy does not admit this account's engine.
	l.update(func(tx *store.Tx) error {
		_, err := (&iam.Admin{Rand: rand.Reader}).CreateRole(iam.BoltRecords{Tx: tx}, l.clock.Now(), iam.CreateRoleInput{Account: acct, RoleName: "foreign",
			AssumeRolePolicyDocument: strings.ReplaceAll(trustAccount, acct, "444455556666")})
		return err
	})
	_, err = l.eng.NewSession(context.Background(), "foreign")
	wantCode(t, "trust policy refuses", err, lferr.STSAccessDenied, "foreign", "trust policy", "sts:AssumeRole")
	_, err = l.eng.NewSession(context.Background(), "bad/name")
	wantCode(t, "malformed role", err, lferr.InvalidInput)

	settings := []struct {
		name string
		mod  func(*api.DataLakeSettings)
		hint string
	}{
		{"filtering off", func(s *api.DataLakeSettings) { s.AllowExternalDataFiltering = false }, "AllowExternalDataFiltering"},
		{"account not listed", func(s *api.DataLakeSettings) {
			s.ExternalDataFilteringAllowList = []api.DataLakePrincipal{{DataLakePrincipalIdentifier: "444455556666"}}
		}, "ExternalDataFilteringAllowList"},
		{"tag value not listed", func(s *api.DataLakeSettings) { s.AuthorizedSessionTagValueList = []string{"other"} }, `add "sluice" to AuthorizedSessionTagValueList`},
	}
	for _, c := range settings {
		l.settings(c.mod)
		wantCode(t, c.name, execErr(l.as("analyst"), "SELECT id FROM sales.orders"), lferr.AccessDenied, "hint", c.hint)
	}
	l.settings(func(*api.DataLakeSettings) {})
	mustExec(t, l.as("analyst"), "SELECT id FROM sales.orders")
}

func TestSessionIsRenewedBeforeItExpires(t *testing.T) {
	l := shop(t)
	l.grant("analyst", tableRes("sales", "orders"), "SELECT")
	s := l.as("analyst")
	mustExec(t, s, "SELECT id FROM sales.orders")
	// Role chaining caps the session at one hour; a shell lives longer.
	for i := 0; i < 4; i++ {
		l.clock.Advance(50 * time.Minute)
		if got := rowsText(mustExec(t, s, "SELECT count(*) FROM sales.orders").Rows); got != "3" {
			t.Fatalf("after %d×50 min: %s", i+1, got)
		}
	}
}

func TestAuditEventsCarryQueryIDAndAuthorizationID(t *testing.T) {
	l := shop(t)
	l.grant("analyst", tableRes("sales", "orders"), "SELECT")
	l.grant("analyst", tableRes("sales", "returns"), "SELECT")
	s := l.as("analyst")
	mustExec(t, s, "SELECT o.id, r.reason FROM sales.orders o JOIN sales.returns r ON o.id = r.id")
	qid := s.QueryID()
	evs, err := audit.Read(l.eng.Home(), audit.Filter{QueryId: qid})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	qaid := ""
	for _, e := range evs {
		count[e.EventName]++
		if e.QueryAuthorizationId == "" || (qaid != "" && e.QueryAuthorizationId != qaid) {
			t.Errorf("event %s has QueryAuthorizationId %q, want one id for the query (%q)", e.EventName, e.QueryAuthorizationId, qaid)
		}
		qaid = e.QueryAuthorizationId
		if !strings.Contains(e.Principal, "assumed-role/analyst/") || e.Decision != audit.Allow {
			t.Errorf("event %s: principal %s decision %s", e.EventName, e.Principal, e.Decision)
		}
	}
	if count["GetUnfilteredTableMetadata"] != 2 || count["GetDataAccess"] != 2 {
		t.Errorf("query %s events: %v, want 2 metadata calls and 2 credential vends", qid, count)
	}
	// A refused query is audited too, with its own id.
	_ = execErr(s, "SELECT * FROM sales.nothere")
	evs, _ = audit.Read(l.eng.Home(), audit.Filter{QueryId: s.QueryID(), Decision: audit.Deny})
	if len(evs) != 1 || evs[0].QueryId == qid {
		t.Errorf("refusal events: %+v", evs)
	}
}

func TestRule11_CredentialsAreRefreshedDuringLongScans(t *testing.T) {
	l := shop(t, func(o *engine.Options) { o.CredentialSeconds = 900 })
	l.exec("INSERT INTO sales.orders VALUES (4, 'dee', 40, '4444')", "INSERT INTO sales.orders VALUES (5, 'eve', 50, '4555')")
	l.grant("analyst", tableRes("sales", "orders"), "SELECT")
	s := l.as("analyst")
	ctx := context.Background()
	rows, err := s.Query(ctx, "SELECT id FROM sales.orders")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for {
		b, err := rows.NextBatch()
		if err != nil {
			t.Fatalf("batch %d: %v", n, err)
		}
		if b == nil {
			break
		}
		n++
		// Each file is one batch here; time passes between them, past
		// the first credentials' 15 minutes in total.
		l.clock.Advance(11 * time.Minute)
	}
	if n < 3 {
		t.Fatalf("the scan read %d batches; the test needs one per file", n)
	}
	evs, err := audit.Read(l.eng.Home(), audit.Filter{QueryId: s.QueryID(), EventName: "GetDataAccess"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) < 2 {
		t.Fatalf("credentials vended %d times during a scan longer than their lifetime", len(evs))
	}
	for _, e := range evs {
		if e.DurationSeconds != 900 || e.Scope != "READ" {
			t.Errorf("vend: %d s, scope %s", e.DurationSeconds, e.Scope)
		}
	}
	// A revoked grant stops the next refresh: the scan fails rather than
	// reading on with what it had.
	rows2, err := s.Query(ctx, "SELECT id FROM sales.orders")
	if err != nil {
		t.Fatal(err)
	}
	defer rows2.Close()
	if _, err := rows2.NextBatch(); err != nil {
		t.Fatal(err)
	}
	l.update(revokeAll(l, "analyst", tableRes("sales", "orders")))
	l.clock.Advance(12 * time.Minute)
	var scanErr error
	for {
		b, err := rows2.NextBatch()
		if err != nil {
			scanErr = err
			break
		}
		if b == nil {
			break
		}
	}
	wantCode(t, "scan after the grant was revoked", scanErr, lferr.AccessDenied)
}

func TestUnregisteredLocationsNeedUnrestrictedAccess(t *testing.T) {
	l := shop(t)
	// An external table outside the (registered) warehouse: LF vends no
	// credentials, the engine reads with the caller's own access.
	dir := filepath.Join(t.TempDir(), "ext")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	l.exec(fmt.Sprintf("CREATE EXTERNAL TABLE sales.ext (id BIGINT, reason VARCHAR(20)) STORED AS PARQUET LOCATION 'file://%s'", filepath.ToSlash(dir)))
	src := filepath.Join(l.eng.Home(), "warehouse", "sales.db", "returns")
	files, _ := filepath.Glob(filepath.Join(src, "*.parquet"))
	if len(files) != 1 {
		t.Fatalf("files of returns: %v", files)
	}
	data, _ := os.ReadFile(files[0])
	if err := os.WriteFile(filepath.Join(dir, "part-0.parquet"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	l.role("clerk")
	l.grant("analyst", tableRes("sales", "ext"), "SELECT")
	l.grant("clerk", columnsRes("sales", "ext", "id"), "SELECT")
	if got := rowsText(mustExec(t, l.as("analyst"), "SELECT id FROM sales.ext").Rows); got != "2" {
		t.Errorf("unrestricted read of an unregistered location: %s", got)
	}
	wantCode(t, "restricted read of an unregistered location", execErr(l.as("clerk"), "SELECT id FROM sales.ext"),
		lferr.AccessDenied, "not registered with Lake Formation")
}

// TestMasksAreSpecializedForTheSessionPrincipal: one mask, two roles; the
// mask reads the principal, which the engine takes from the role session.
func TestMasksAreSpecializedForTheSessionPrincipal(t *testing.T) {
	l := shop(t)
	l.role("auditor")
	if err := l.cp.CreateColumnMask(api.ColumnMaskPolicy{Name: "card_mask", DatabaseName: "sales", TableName: "orders", ColumnName: "card",
		MaskExpression: `principal.arn.contains(":assumed-role/auditor/") ? value : show_last(value, 1)`}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"analyst", "auditor"} {
		l.grant(r, tableRes("sales", "orders"), "SELECT")
	}
	want := map[string]string{"analyst": "nnn1;nnn2;nnn3", "auditor": "4111;4222;4333"}
	for _, r := range []string{"analyst", "auditor"} {
		res, err := l.as(r).Exec(bg, "SELECT card FROM sales.orders ORDER BY id")
		if err != nil {
			t.Errorf("%s: %v", r, err)
			continue
		}
		if got := rowsText(res.Rows); got != want[r] {
			t.Errorf("%s sees card %s, want %s", r, got, want[r])
		}
	}
	// A role ARN names the same principal as the role's name.
	s, err := l.eng.NewSession(bg, roleArn("auditor"))
	if err != nil {
		t.Fatal(err)
	}
	if got := rowsText(mustExec(t, s, "SELECT card FROM sales.orders WHERE id = 1").Rows); got != "4111" {
		t.Errorf("session by role ARN sees %s", got)
	}
}

// TestRule11_PartitionsAreReadWithTheTablesCredentials: a partitioned
// table inside the registered warehouse, read by a principal: each
// partition's store is opened with the credentials vended for the table
// location, which covers the partitions under it.
func TestRule11_PartitionsAreReadWithTheTablesCredentials(t *testing.T) {
	l := shop(t)
	src, _ := filepath.Glob(filepath.Join(l.eng.Home(), "warehouse", "sales.db", "returns", "*.parquet"))
	if len(src) != 1 {
		t.Fatalf("files of returns: %v", src)
	}
	data, err := os.ReadFile(src[0])
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(l.eng.Home(), "warehouse", "sales.db", "returns_by_year")
	for _, p := range []string{"year=2023", "year=2024"} {
		if err := os.MkdirAll(filepath.Join(dir, p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p, "part-0.parquet"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l.exec(fmt.Sprintf("CREATE EXTERNAL TABLE sales.returns_by_year STORED AS PARQUET LOCATION 'file://%s'", filepath.ToSlash(dir)))
	l.grant("analyst", tableRes("sales", "returns_by_year"), "SELECT")
	s := l.as("analyst")
	if got := rowsText(mustExec(t, s, "SELECT year, reason FROM sales.returns_by_year ORDER BY year").Rows); got != "2023,broken;2024,broken" {
		t.Errorf("all partitions: %s", got)
	}
	if got := rowsText(mustExec(t, s, "SELECT count(*) FROM sales.returns_by_year WHERE year = 2024").Rows); got != "1" {
		t.Errorf("one partition: %s", got)
	}
	evs, err := audit.Read(l.eng.Home(), audit.Filter{QueryId: s.QueryID(), EventName: "GetDataAccess"})
	if err != nil || len(evs) != 1 || !strings.HasSuffix(evs[0].VendedPath, "/returns_by_year/") {
		t.Errorf("vends: %+v %v", evs, err)
	}
}

// TestPrincipalsCannotPointTablesAtOtherData: a principal with
// CREATE_TABLE cannot create a table over another table's files (or any
// explicit location) and so obtain credentials for them.
func TestPrincipalsCannotPointTablesAtOtherData(t *testing.T) {
	l := shop(t)
	l.grant("analyst", dbRes("sales"), "CREATE_TABLE")
	s := l.as("analyst")
	orders := "file://" + filepath.ToSlash(filepath.Join(l.eng.Home(), "warehouse", "sales.db", "orders")) + "/"
	salesDB := "file://" + filepath.ToSlash(filepath.Join(l.eng.Home(), "warehouse", "sales.db")) + "/"
	for _, loc := range []string{orders, salesDB, "file:///tmp/elsewhere/"} {
		sql := fmt.Sprintf("CREATE EXTERNAL TABLE sales.steal (id BIGINT, customer VARCHAR(20), amount DOUBLE, card VARCHAR(20)) STORED AS PARQUET LOCATION '%s'", loc)
		wantCode(t, "table over "+loc, execErr(s, sql), lferr.AccessDenied, "DATA_LOCATION_ACCESS")
	}
	wantCode(t, "the refused table is absent", execErr(s, "SELECT * FROM sales.steal"), lferr.AccessDenied)
	// Without LOCATION the table goes under its database, as its own.
	mustExec(t, s, "CREATE TABLE sales.own (a BIGINT)")
	mustExec(t, s, "INSERT INTO sales.own VALUES (7)")
	if got := rowsText(mustExec(t, s, "SELECT a FROM sales.own").Rows); got != "7" {
		t.Errorf("own table: %s", got)
	}
}

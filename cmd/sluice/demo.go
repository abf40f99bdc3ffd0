package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/engine"
	"github.com/sluicedb/sluice/planner/types"
)

// The demo lake is the ERP example of the Lake Formation developer guide's
// tag-based access control chapter, with sluice's additions: LF-tag module
// (Sales, Orders, Customers) on three databases, one table overriding its
// database's value and one column tagged away from its table; a data cells
// filter in the style of the guide's restrict-pharma; a masked e-mail
// column; the guide's personas as IAM roles, plus principal1–3 of the tag
// example. Setup uses the control plane's administrative APIs; every query
// runs in an engine session as the persona, so what each sees is what the
// control plane decided for it.

// demoPersonas are the roles the demo queries run as, in display order.
var demoPersonas = []struct{ role, persona, about string }{
	{"datalake_admin", iam.PersonaDataLakeAdmin, "data lake administrator: manages the lake; LF gives it DESCRIBE, not data"},
	{"data_engineer", iam.PersonaDataEngineer, "all three modules, read and write"},
	{"data_analyst", iam.PersonaDataAnalyst, "pharma rows of sales_data without unit_price; Orders; some customer columns"},
	{"read_only_admin", iam.PersonaReadOnlyAdmin, "read-only administrator (ReadOnlyAdmins): metadata, no data"},
	{"principal1", "", "tag example: module Sales or Customers"},
	{"principal2", "", "tag example: module Orders"},
	{"principal3", "", "tag example: module Customers"},
}

var demoQueries = []struct{ title, sql string }{
	{"Sales by product type (data cells filter restrict_pharma on sales_data)",
		"SELECT product_type, count(*) AS orders, sum(quantity) AS units FROM sales.sales_data GROUP BY product_type ORDER BY product_type"},
	{"The pipeline table: database sales (module=Sales), table overridden to module=Orders",
		"SELECT stage, count(*) AS deals FROM sales.pipeline GROUP BY stage ORDER BY stage"},
	{"Orders by status (database orders, module=Orders)",
		"SELECT status, count(*) AS orders FROM orders.orders GROUP BY status ORDER BY status"},
	{"Customers: email is masked, credit_limit is tagged module=Sales",
		"SELECT * FROM customers.customers ORDER BY customer_id LIMIT 3"},
	{"What each persona sees of the customers table", "DESCRIBE customers.customers"},
}

// demoWhy are the tables whose decisions the demo explains per persona.
var demoWhy = [][2]string{{"sales", "sales_data"}, {"sales", "pipeline"}, {"customers", "customers"}}

const (
	demoTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	// demoPrincipalPolicy is the IAM side of principal1–3: catalog calls
	// and data access; Lake Formation decides the rest.
	demoPrincipalPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:*","lakeformation:GetDataAccess"],"Resource":"*"}]}`
	// demoEmailMask keeps e-mail addresses for the data engineers and
	// shows the first two characters to everyone else.
	demoEmailMask = `principal.arn.contains(":assumed-role/data_engineer/") ? value : show_first(value, 2)`
)

func runDemo(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("demo", "sluice [--home DIR] demo [--no-shell]", g)
	noShell := fs.Bool("no-shell", false, "do not offer to open a shell as a persona afterwards")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	eng, err := openEngine(ctx, g)
	if err != nil {
		return err
	}
	defer eng.Close()
	out := g.stdout
	fmt.Fprintf(out, "sluice demo — lake at %s\n", eng.Home())
	if err := buildDemoLake(ctx, g, eng); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nPersonas (IAM roles; each query below runs in an engine session as the role):")
	for _, p := range demoPersonas {
		fmt.Fprintf(out, "  %-16s %s\n", p.role, p.about)
	}
	sessions := make([]*engine.Session, len(demoPersonas))
	for i, p := range demoPersonas {
		if sessions[i], err = eng.NewSession(ctx, p.role); err != nil {
			return fmt.Errorf("session as %s: %w", p.role, err)
		}
	}
	for qi, q := range demoQueries {
		fmt.Fprintf(out, "\n── %d. %s\n   %s;\n", qi+1, q.title, q.sql)
		for i, p := range demoPersonas {
			showPersonaResult(ctx, out, p.role, sessions[i], q.sql)
		}
	}
	if err := explainDemo(ctx, out, eng); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nTry it yourself: sluice --home %s shell --as data_analyst   (or any persona above; without --as you are the administrator)\n", g.home)
	fmt.Fprintf(out, "The audit log of these queries: sluice --home %s audit --since 10m\n", g.home)
	if !*noShell && g.stdin == os.Stdin && term.IsTerminal(int(os.Stdin.Fd())) {
		return offerShell(ctx, g, eng)
	}
	return nil
}

// showPersonaResult prints one persona's answer to sql: a few rows, or
// the refusal as the engine reported it.
func showPersonaResult(ctx context.Context, out io.Writer, role string, s *engine.Session, sql string) {
	const maxRows = 4
	pad := strings.Repeat(" ", 20)
	res, err := s.Exec(ctx, sql)
	if err != nil {
		msg := err.Error()
		if lferr.CodeOf(err) == lferr.PermissionTypeMismatch {
			msg += " — the engine does not declare that capability yet, so it refuses rather than answer wider (rule 5)"
		}
		fmt.Fprintf(out, "   %-16s ✗ %s\n", role, msg)
		return
	}
	var names []string
	for _, c := range res.Columns {
		names = append(names, c.Name)
	}
	fmt.Fprintf(out, "   %-16s %s\n", role, strings.Join(names, " | "))
	for i, r := range res.Rows {
		if i == maxRows {
			fmt.Fprintf(out, "   %s… %d rows\n", pad[:17], len(res.Rows))
			break
		}
		cells := make([]string, len(r))
		for j, v := range r {
			cells[j] = demoCell(v)
		}
		fmt.Fprintf(out, "   %s%s\n", pad[:17], strings.Join(cells, " | "))
	}
	if len(res.Rows) == 0 {
		fmt.Fprintf(out, "   %s(no rows)\n", pad[:17])
	}
}

func demoCell(v types.Value) string {
	s := v.String()
	if len(s) > 24 {
		s = s[:23] + "…"
	}
	return s
}

// explainDemo shows, per persona, why the control plane decided as it did
// on the demo's key tables (cp.Explain: the administrator's "why").
func explainDemo(ctx context.Context, out io.Writer, eng *engine.Engine) error {
	cp := eng.ControlPlane()
	fmt.Fprintln(out, "\n── Why: the control plane's decision per persona and table")
	for _, p := range demoPersonas {
		fmt.Fprintf(out, "   %s\n", p.role)
		for _, t := range demoWhy {
			x, err := cp.Explain(ctx, p.role, t[0], t[1])
			if err != nil {
				return err
			}
			line := fmt.Sprintf("%-22s %s", t[0]+"."+t[1], x.Outcome)
			if x.Answer != nil && x.Outcome != authz.OutcomeDenied {
				line += fmt.Sprintf(" columns=%s", strings.Join(x.Answer.AuthorizedColumns, ","))
			}
			if len(x.Filters) > 0 {
				line += " filters=" + strings.Join(x.Filters, ",")
			}
			if len(x.Masks) > 0 {
				line += " masks=" + strings.Join(x.Masks, ",")
			}
			if len(x.Needed) > 0 {
				line += " needs=" + strings.Join(x.Needed, ",")
			}
			fmt.Fprintf(out, "     %s\n", line)
			for _, l := range x.Lines {
				fmt.Fprintf(out, "       · %s\n", l)
			}
		}
	}
	return nil
}

// offerShell lets a newcomer at a terminal continue as one persona.
func offerShell(ctx context.Context, g *globals, eng *engine.Engine) error {
	fmt.Fprint(g.stdout, "\nOpen a shell as which persona? (name, or Enter to finish): ")
	line, err := bufio.NewReader(g.stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return err
	}
	role := strings.TrimSpace(line)
	if role == "" {
		return nil
	}
	sess, err := eng.NewSession(ctx, role)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "(shell as %s; \\q to leave)\n", role)
	return shellLoop(ctx, g, eng, sess)
}

// buildDemoLake creates the demo lake in the home. Every step is
// idempotent: running the demo again reuses what exists.
func buildDemoLake(ctx context.Context, g *globals, eng *engine.Engine) error {
	cp := eng.ControlPlane()
	acct := cp.AccountID()
	roleArn := func(name string) string { return "arn:aws:iam::" + acct + ":role/" + name }
	now := time.Now()
	update := func(what string, fn func(tx *store.Tx) error) error {
		if err := cp.Store().Update(fn); err != nil {
			return fmt.Errorf("demo setup (%s): %w", what, err)
		}
		return nil
	}
	ignoreExists := func(err error) error {
		if c := lferr.CodeOf(err); c == lferr.AlreadyExists || c == lferr.EntityAlreadyExists {
			return nil
		}
		return err
	}

	// 1. Settings first, so new databases and tables are governed by Lake
	// Formation alone (no IAM_ALLOWED_PRINCIPALS defaults), and this
	// engine is admitted as a third-party engine (rule 1).
	err := update("data lake settings", func(tx *store.Tx) error {
		return lf.PutSettings(tx, acct, api.DataLakeSettings{
			DataLakeAdmins:                 []api.DataLakePrincipal{{DataLakePrincipalIdentifier: roleArn("datalake_admin")}},
			ReadOnlyAdmins:                 []api.DataLakePrincipal{{DataLakePrincipalIdentifier: roleArn("read_only_admin")}},
			AllowExternalDataFiltering:     true,
			ExternalDataFilteringAllowList: []api.DataLakePrincipal{{DataLakePrincipalIdentifier: acct}},
			AuthorizedSessionTagValueList:  []string{engine.DefaultAuthorizedCallerTag},
		})
	})
	if err != nil {
		return err
	}

	// 2. Personas and the tag example's principals as IAM roles.
	adm := &iam.Admin{Rand: rand.Reader}
	err = update("IAM roles", func(tx *store.Tx) error {
		recs := iam.BoltRecords{Tx: tx}
		for _, p := range demoPersonas {
			r, err := recs.GetRole(acct, p.role)
			if err != nil {
				return err
			}
			if r != nil {
				continue
			}
			in := iam.CreateRoleInput{Account: acct, RoleName: p.role, AssumeRolePolicyDocument: fmt.Sprintf(demoTrust, acct),
				Description: "sluice demo: " + p.about}
			if p.persona != "" {
				_, err = adm.CreatePersonaRole(recs, now, in, p.persona, "")
			} else if _, err = adm.CreateRole(recs, now, in); err == nil {
				err = adm.PutRolePolicy(recs, acct, p.role, "lake-access", demoPrincipalPolicy)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	// 3. Databases and tables, with generated data, as the administrator.
	admin, err := eng.NewSession(ctx, "")
	if err != nil {
		return err
	}
	created := false
	for _, t := range demoTables() {
		for _, sql := range t.ddl {
			res, err := admin.Exec(ctx, sql)
			if err != nil {
				return fmt.Errorf("demo setup %q: %w", sql, err)
			}
			if strings.HasPrefix(res.Message, "created table") {
				created = true
				for _, ins := range t.rows() {
					if _, err := admin.Exec(ctx, ins); err != nil {
						return fmt.Errorf("demo data for %s: %w", t.name, err)
					}
				}
			}
		}
	}
	if created {
		fmt.Fprintln(g.stdout, "built the demo lake: databases sales, orders, customers with generated data")
	} else {
		fmt.Fprintln(g.stdout, "(the demo lake exists already; reusing it)")
	}

	// 4. LF-tags: the guide's ERP example, with the override on one table
	// and a column tagged away from its table (nearest assignment wins).
	if err := update("LF-tag module", func(tx *store.Tx) error {
		return ignoreExists(cp.LFTags().In(tx).CreateLFTag(api.CreateLFTagInput{TagKey: "module", TagValues: []string{"Sales", "Orders", "Customers"}}))
	}); err != nil {
		return err
	}
	assignments := []struct {
		res   api.Resource
		value string
	}{
		{api.Resource{Database: &api.DatabaseResource{Name: "sales"}}, "Sales"},
		{api.Resource{Database: &api.DatabaseResource{Name: "orders"}}, "Orders"},
		{api.Resource{Database: &api.DatabaseResource{Name: "customers"}}, "Customers"},
		{api.Resource{Table: &api.TableResource{DatabaseName: "sales", Name: "pipeline"}}, "Orders"},
		{api.Resource{TableWithColumns: &api.TableWithColumnsResource{DatabaseName: "customers", Name: "customers", ColumnNames: []string{"credit_limit"}}}, "Sales"},
	}
	for _, a := range assignments {
		err := update("LF-tag assignment", func(tx *store.Tx) error {
			out, err := cp.LFTags().In(tx).AddLFTagsToResource(api.AddLFTagsToResourceInput{Resource: &a.res,
				LFTags: []api.LFTagPair{{TagKey: "module", TagValues: []string{a.value}}}})
			if err == nil && len(out.Failures) > 0 && out.Failures[0].Error != nil {
				return lferr.New(lferr.Code(out.Failures[0].Error.ErrorCode), "%s", out.Failures[0].Error.ErrorMessage)
			}
			return err
		})
		if err != nil {
			return err
		}
	}

	// 5. The data cells filter and the e-mail mask.
	if err := update("data cells filter restrict_pharma", func(tx *store.Tx) error {
		return ignoreExists(lf.CreateDataCellsFilter(tx, acct, lf.Caller{Trusted: true}, api.DataCellsFilter{
			TableCatalogId: acct, DatabaseName: "sales", TableName: "sales_data", Name: "restrict_pharma",
			RowFilter:      &api.RowFilter{FilterExpression: "product_type = 'pharma'"},
			ColumnWildcard: &api.ColumnWildcard{ExcludedColumnNames: []string{"unit_price"}},
		}))
	}); err != nil {
		return err
	}
	if err := ignoreExists(cp.CreateColumnMask(api.ColumnMaskPolicy{Name: "mask_email", DatabaseName: "customers", TableName: "customers",
		ColumnName: "email", MaskExpression: demoEmailMask, Description: "e-mail addresses in clear for data engineers only"})); err != nil {
		return fmt.Errorf("demo setup (mask_email): %w", err)
	}

	// 6. Grants. Granting is a merge, so running them again changes nothing.
	tagPolicy := func(typ string, values ...string) api.Resource {
		return api.Resource{LFTagPolicy: &api.LFTagPolicyResource{CatalogId: acct, ResourceType: typ,
			Expression: []api.LFTag{{TagKey: "module", TagValues: values}}}}
	}
	all := []string{"Sales", "Orders", "Customers"}
	grants := []struct {
		role  string
		res   api.Resource
		perms []string
	}{
		{"data_engineer", tagPolicy("DATABASE", all...), []string{"CREATE_TABLE", "DESCRIBE"}},
		{"data_engineer", tagPolicy("TABLE", all...), []string{"SELECT", "INSERT", "DELETE", "DESCRIBE"}},
		{"data_analyst", api.Resource{DataCellsFilter: &api.DataCellsFilterResource{TableCatalogId: acct, DatabaseName: "sales",
			TableName: "sales_data", Name: "restrict_pharma"}}, []string{"SELECT"}},
		{"data_analyst", tagPolicy("TABLE", "Orders"), []string{"SELECT", "DESCRIBE"}},
		{"data_analyst", api.Resource{TableWithColumns: &api.TableWithColumnsResource{CatalogId: acct, DatabaseName: "customers",
			Name: "customers", ColumnNames: []string{"customer_id", "name", "email", "country"}}}, []string{"SELECT"}},
		{"principal1", tagPolicy("DATABASE", "Sales", "Customers"), []string{"CREATE_TABLE"}},
		{"principal1", tagPolicy("TABLE", "Sales", "Customers"), []string{"SELECT", "INSERT"}},
		{"principal2", tagPolicy("DATABASE", "Orders"), []string{"CREATE_TABLE"}},
		{"principal2", tagPolicy("TABLE", "Orders"), []string{"SELECT", "INSERT"}},
		{"principal3", tagPolicy("DATABASE", "Customers"), []string{"CREATE_TABLE"}},
		{"principal3", tagPolicy("TABLE", "Customers"), []string{"SELECT", "INSERT"}},
	}
	for _, gr := range grants {
		err := update("grant to "+gr.role, func(tx *store.Tx) error {
			return lf.GrantPermissions(tx, acct, lf.Caller{Trusted: true}, lf.GrantInput{
				Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: roleArn(gr.role)}, Resource: &gr.res, Permissions: gr.perms}, now)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// demoTable is one demo table: its DDL and, when it was just created, the
// INSERT statements of its generated data.
type demoTable struct {
	name string
	ddl  []string
	rows func() []string
}

func demoTables() []demoTable {
	return []demoTable{
		{"sales.sales_data", []string{"CREATE DATABASE IF NOT EXISTS sales",
			"CREATE TABLE IF NOT EXISTS sales.sales_data (order_id BIGINT, product_type VARCHAR(16), product VARCHAR(32), region VARCHAR(8), quantity BIGINT, unit_price DOUBLE, sold_on DATE)"},
			func() []string {
				types := []string{"pharma", "hardware", "grocery", "apparel"}
				products := map[string][]string{"pharma": {"aspirin", "insulin", "ibuprofen"}, "hardware": {"drill", "hammer", "saw"},
					"grocery": {"rice", "coffee", "tea"}, "apparel": {"jacket", "boots", "scarf"}}
				regions := []string{"EU", "US", "APAC", "LATAM"}
				return demoInserts("sales.sales_data", 2000, func(i int) string {
					pt := types[(i*7)%len(types)]
					return fmt.Sprintf("(%d, '%s', '%s', '%s', %d, %.2f, DATE '2025-%02d-%02d')", i+1, pt, products[pt][i%3], regions[(i*3)%4],
						1+(i*13)%20, 2.5+float64((i*37)%400)/4, 1+i%12, 1+i%28)
				})
			}},
		{"sales.pipeline", []string{"CREATE TABLE IF NOT EXISTS sales.pipeline (deal_id BIGINT, customer_id BIGINT, stage VARCHAR(16), amount DOUBLE)"},
			func() []string {
				stages := []string{"lead", "qualified", "proposal", "won", "lost"}
				return demoInserts("sales.pipeline", 60, func(i int) string {
					return fmt.Sprintf("(%d, %d, '%s', %.2f)", i+1, 1+(i*11)%50, stages[i%len(stages)], 1000+float64((i*977)%50000))
				})
			}},
		{"orders.orders", []string{"CREATE DATABASE IF NOT EXISTS orders",
			"CREATE TABLE IF NOT EXISTS orders.orders (order_id BIGINT, customer_id BIGINT, status VARCHAR(12), total DOUBLE, ordered_on DATE)"},
			func() []string {
				status := []string{"open", "shipped", "delivered", "returned"}
				return demoInserts("orders.orders", 1000, func(i int) string {
					return fmt.Sprintf("(%d, %d, '%s', %.2f, DATE '2025-%02d-%02d')", i+1, 1+(i*7)%50, status[(i*5)%len(status)],
						10+float64((i*389)%5000)/10, 1+i%12, 1+i%28)
				})
			}},
		{"customers.customers", []string{"CREATE DATABASE IF NOT EXISTS customers",
			"CREATE TABLE IF NOT EXISTS customers.customers (customer_id BIGINT, name VARCHAR(32), email VARCHAR(64), country VARCHAR(16), credit_limit DOUBLE)"},
			func() []string {
				first := []string{"ana", "ben", "chloe", "dev", "emma", "femi", "gus", "hana", "ivan", "jun"}
				last := []string{"silva", "okafor", "nguyen", "muller", "rossi"}
				countries := []string{"Portugal", "Nigeria", "Vietnam", "Germany", "Italy"}
				return demoInserts("customers.customers", 50, func(i int) string {
					f, l := first[i%len(first)], last[(i/len(first))%len(last)]
					return fmt.Sprintf("(%d, '%s %s', '%s.%s@example.com', '%s', %d)", i+1, strings.ToUpper(f[:1])+f[1:], strings.ToUpper(l[:1])+l[1:],
						f, l, countries[(i*3)%len(countries)], 1000*(1+(i*7)%20))
				})
			}},
	}
}

// demoInserts returns INSERT statements for n generated rows, 500 a
// statement.
func demoInserts(table string, n int, row func(i int) string) []string {
	var out []string
	for start := 0; start < n; start += 500 {
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " VALUES ")
		for i := start; i < n && i < start+500; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString(row(i))
		}
		out = append(out, b.String())
	}
	return out
}

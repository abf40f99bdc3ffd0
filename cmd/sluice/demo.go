package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/bench"
	"github.com/sluicedb/sluice/engine"
)

// demoRows is the size of the demo's generated lineitem table: big enough
// to show real scans, small enough to build in a couple of seconds.
const demoRows = 200_000

var demoQueries = []struct{ title, sql string }{
	{"What is in the lake", "SHOW TABLES FROM demo"},
	{"Columns inferred from the Parquet files", "DESCRIBE demo.lineitem"},
	{"A scan and an aggregate", "SELECT count(*) AS line_items, sum(l_extendedprice) AS revenue FROM demo.lineitem"},
	{"TPC-H Q1 (pricing summary)", strings.ReplaceAll(bench.Q1, "FROM lineitem", "FROM demo.lineitem")},
	{"A join with a table created and loaded in SQL", "SELECT r.name, count(*) AS items, round(avg(l.l_quantity), 2) AS avg_qty " +
		"FROM demo.lineitem l JOIN demo.regions r ON l.region = r.code GROUP BY r.name ORDER BY items DESC"},
	{"How sluice runs it", "EXPLAIN SELECT region, count(*) FROM demo.lineitem WHERE l_quantity < 10 GROUP BY region"},
}

var demoSetup = []string{
	"CREATE DATABASE IF NOT EXISTS demo",
	"CREATE TABLE demo.regions (code VARCHAR(8), name VARCHAR(40))",
	"INSERT INTO demo.regions VALUES ('EU','Europe'), ('US','United States'), ('APAC','Asia Pacific'), ('LATAM','Latin America'), ('MEA','Middle East and Africa')",
}

func runDemo(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("demo", "sluice [--home DIR] demo", g)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	eng, err := openEngine(ctx, g)
	if err != nil {
		return err
	}
	defer eng.Close()
	sess, err := eng.NewSession(ctx, "")
	if err != nil {
		return err
	}
	out := g.stdout
	fmt.Fprintf(out, "sluice demo — lake at %s\n", eng.Home())
	if err := buildDemoLake(ctx, g, eng, sess); err != nil {
		return err
	}
	for _, q := range demoQueries {
		fmt.Fprintf(out, "\n-- %s\n%s;\n", q.title, q.sql)
		if err := runStatement(ctx, sess, q.sql, "table", out, g.stderr, true); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "\nTry it yourself: sluice --home %s shell\n", g.home)
	return nil
}

// buildDemoLake creates the demo database once; running the demo again
// reuses it (idempotent).
func buildDemoLake(ctx context.Context, g *globals, eng *engine.Engine, sess *engine.Session) error {
	if _, err := sess.Exec(ctx, "DESCRIBE demo.lineitem"); err == nil {
		fmt.Fprintln(g.stdout, "(the demo lake exists already; reusing it)")
		return nil
	} else if c := lferr.CodeOf(err); c != lferr.EntityNotFound && c != lferr.UnknownTable {
		return err
	}
	fmt.Fprintf(g.stdout, "building the demo lake: generating %d lineitem rows as Parquet…\n", demoRows)
	for _, sql := range demoSetup {
		if _, err := sess.Exec(ctx, sql); err != nil {
			return fmt.Errorf("demo setup %q: %w", sql, err)
		}
	}
	dir := filepath.Join(eng.Home(), "demo-data")
	if _, err := bench.GenerateLineitem(ctx, dir, demoRows); err != nil {
		return err
	}
	loc := "file://" + filepath.ToSlash(filepath.Join(dir, "lineitem")) + "/"
	sql := "CREATE EXTERNAL TABLE IF NOT EXISTS demo.lineitem STORED AS PARQUET LOCATION '" + loc + "'"
	fmt.Fprintf(g.stdout, "%s;\n", sql)
	if _, err := sess.Exec(ctx, sql); err != nil {
		return err
	}
	return nil
}

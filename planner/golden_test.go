package planner

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/plan"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// describe renders a planned statement for golden files.
func describe(st Statement, err error) string {
	if err != nil {
		return fmt.Sprintf("error %s: %s\n", lferr.CodeOf(err), lferr.MessageOf(err))
	}
	var b strings.Builder
	switch s := st.(type) {
	case *Query:
		b.WriteString(plan.Explain(s.Plan, plan.ExplainOptions{}))
		cols := make([]string, len(s.Columns))
		for i, c := range s.Columns {
			cols[i] = c.Name + " " + c.T.String()
		}
		fmt.Fprintf(&b, "columns: %s\n", strings.Join(cols, ", "))
	case *Explain:
		b.WriteString("EXPLAIN\n")
		b.WriteString(plan.Explain(s.Plan, plan.ExplainOptions{}))
	case *Insert:
		fmt.Fprintf(&b, "Insert into %s.%s\n", s.Table.DatabaseName, s.Table.Name)
		b.WriteString(plan.Explain(s.Source, plan.ExplainOptions{}))
		if v, ok := s.Source.(*plan.Values); ok {
			for _, row := range v.Rows {
				items := make([]string, len(row))
				for i, e := range row {
					items[i] = e.String() + " " + e.Type().String()
				}
				fmt.Fprintf(&b, "  row: %s\n", strings.Join(items, ", "))
			}
		}
	case *Delete:
		fmt.Fprintf(&b, "Delete from %s.%s where %v\n", s.Table.DatabaseName, s.Table.Name, s.Where)
	case *Update:
		keys := make([]int, 0, len(s.Set))
		for k := range s.Set {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		fmt.Fprintf(&b, "Update %s.%s", s.Table.DatabaseName, s.Table.Name)
		for _, k := range keys {
			fmt.Fprintf(&b, " #%d=%v", k, s.Set[k])
		}
		fmt.Fprintf(&b, " where %v\n", s.Where)
	case *CreateTable:
		fmt.Fprintf(&b, "CreateTable %s.%s external=%v ifnotexists=%v infer=%v location=%q\n", s.Database, s.Name, s.External, s.IfNotExists, s.InferSchema, s.Location)
		for _, c := range s.Columns {
			fmt.Fprintf(&b, "  column %s %s\n", c.Name, c.Type)
		}
		for _, c := range s.PartitionKeys {
			fmt.Fprintf(&b, "  partition key %s %s\n", c.Name, c.Type)
		}
		if len(s.Properties) > 0 {
			keys := make([]string, 0, len(s.Properties))
			for k := range s.Properties {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(&b, "  property %s=%s\n", k, s.Properties[k])
			}
		}
		if s.AsSelect != nil {
			b.WriteString(plan.Explain(s.AsSelect.Plan, plan.ExplainOptions{}))
		}
	default:
		fmt.Fprintf(&b, "%T %+v\n", st, st)
	}
	return b.String()
}

// TestGolden plans every query of testdata/*.txt and compares the result
// with the recorded one. Run `go test ./planner -run TestGolden -update`
// to regenerate, then review the diff.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cases := parseGolden(string(raw))
			var out strings.Builder
			for _, c := range cases {
				p := newTestPlanner(testCatalog())
				st, err := p.Plan(context.Background(), c.sql)
				if err == nil {
					if perr := checkStatement(st); perr != nil {
						t.Errorf("%s: invalid plan: %v", c.sql, perr)
					}
				}
				got := describe(st, err)
				if *update {
					fmt.Fprintf(&out, "query\n%s\n----\n%s\n", c.sql, got)
					continue
				}
				if got != c.want {
					t.Errorf("%s\n--- got\n%s--- want\n%s", c.sql, got, c.want)
				}
			}
			if *update {
				if err := os.WriteFile(file, []byte(out.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

type goldenCase struct{ sql, want string }

func parseGolden(s string) []goldenCase {
	var out []goldenCase
	for _, block := range strings.Split(s, "\nquery\n") {
		block = strings.TrimPrefix(block, "query\n")
		if strings.TrimSpace(block) == "" {
			continue
		}
		sql, want, _ := strings.Cut(block, "\n----\n")
		want = strings.TrimRight(want, "\n") + "\n"
		out = append(out, goldenCase{sql: strings.TrimSpace(sql), want: want})
	}
	return out
}

// checkStatement validates the plans a statement carries.
func checkStatement(st Statement) error {
	switch s := st.(type) {
	case *Query:
		return checkPlan(s.Plan, nil)
	case *Explain:
		return checkPlan(s.Plan, nil)
	case *Insert:
		return checkPlan(s.Source, nil)
	case *CreateTable:
		if s.AsSelect != nil {
			return checkPlan(s.AsSelect.Plan, nil)
		}
	}
	return nil
}

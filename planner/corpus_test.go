package planner

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
)

// corpusDir is the shared sqllogictest corpus (outside the repository).
const corpusDir = "../../shared/sqllogictest"

type sltRecord struct {
	sql       string
	expectErr bool
	query     bool
}

// sltRecords extracts the records that run under engine "mysql".
func sltRecords(text string) []sltRecord {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		lines = append(lines, l)
	}
	var out []sltRecord
	for i := 0; i < len(lines); {
		if strings.TrimSpace(lines[i]) == "" {
			i++
			continue
		}
		j := i
		for j < len(lines) && strings.TrimSpace(lines[j]) != "" {
			j++
		}
		rec := lines[i:j]
		i = j
		skip := false
		for len(rec) > 0 {
			f := strings.Fields(rec[0])
			if len(f) >= 2 && f[0] == "skipif" {
				skip = skip || f[1] == "mysql"
				rec = rec[1:]
				continue
			}
			if len(f) >= 2 && f[0] == "onlyif" {
				skip = skip || f[1] != "mysql"
				rec = rec[1:]
				continue
			}
			break
		}
		if skip || len(rec) < 2 {
			continue
		}
		f := strings.Fields(rec[0])
		r := sltRecord{}
		switch {
		case f[0] == "statement":
			r.expectErr = len(f) > 1 && f[1] == "error"
		case f[0] == "query":
			r.query = true
		default:
			continue
		}
		var sql []string
		for _, l := range rec[1:] {
			if l == "----" {
				break
			}
			sql = append(sql, l)
		}
		r.sql = strings.Join(sql, "\n")
		out = append(out, r)
	}
	return out
}

// applyDDL mirrors planned DDL into the fake catalog so later statements
// of the file bind.
func applyDDL(f *fakeClient, st Statement) {
	switch s := st.(type) {
	case *CreateTable:
		t := &api.Table{Name: s.Name, DatabaseName: s.Database, TableType: api.ExternalTable,
			StorageDescriptor: &api.StorageDescriptor{Columns: s.Columns, Location: "mem://" + s.Name}, PartitionKeys: s.PartitionKeys}
		f.tables[s.Database+"."+s.Name] = t
	case *DropTable:
		delete(f.tables, s.Database+"."+s.Name)
	case *CreateView:
		f.addView(s.Database, s.Name, s.SQL)
	case *DropView:
		delete(f.tables, s.Database+"."+s.Name)
	}
}

// TestCorpusPlans plans every record of the shared sqllogictest corpus
// that runs under engine mysql and fails if a statement the corpus
// expects to succeed does not plan.
func TestCorpusPlans(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("corpus not present at %s", corpusDir)
	}
	var files []string
	_ = filepath.Walk(corpusDir, func(p string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".test") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	byCode := map[lferr.Code]int{}
	examples := map[string]int{}
	total, failed := 0, 0
	var slowest time.Duration
	var slowestSQL string
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		f := newFake()
		p := newTestPlanner(f)
		fileFailed := 0
		recs := sltRecords(string(raw))
		if os.Getenv("SLUICE_CORPUS_FULL") == "" && len(recs) > 2500 {
			// the default run keeps the suite fast; the statements that
			// create the tables come first in every file
			recs = recs[:2500]
		}
		for _, r := range recs {
			start := time.Now()
			st, err := p.Plan(context.Background(), r.sql)
			if d := time.Since(start); d > slowest {
				slowest, slowestSQL = d, r.sql
			}
			if err == nil {
				applyDDL(f, st)
				if perr := checkStatement(st); perr != nil {
					failed++
					fileFailed++
					t.Errorf("%s: invalid plan for %s: %v", filepath.Base(file), strings.ReplaceAll(r.sql, "\n", " "), perr)
					continue
				}
			}
			if r.expectErr {
				continue
			}
			total++
			if err != nil {
				failed++
				fileFailed++
				byCode[lferr.CodeOf(err)]++
				msg := lferr.MessageOf(err)
				if examples[msg] == 0 {
					t.Logf("%s: %v\n    %s", filepath.Base(file), err, strings.ReplaceAll(r.sql, "\n", " "))
				}
				examples[msg]++
			}
		}
		t.Logf("%-40s %6d records, %4d failed to plan", strings.TrimPrefix(file, corpusDir+"/"), len(recs), fileFailed)
	}
	t.Logf("planned %d records, %d failed (%v); slowest %v: %.80s", total, failed, byCode, slowest, slowestSQL)
	if failed > 0 {
		t.Errorf("%d of %d corpus records failed to plan", failed, total)
	}
}

package lftag

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

var update = flag.Bool("update", false, "rewrite the expected output of testdata/*.txt")

// TestScripts runs the scenario files of testdata: each "> command" line
// is followed by its expected output up to the next command, comment or
// blank line. go test -run TestScripts -update rewrites the outputs, to be
// reviewed in the diff. The files fix LF-tag semantics in readable form:
// inheritance, override, removal, search and errors.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			f := newFixture(t)
			var out strings.Builder
			lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
			for i := 0; i < len(lines); i++ {
				line := lines[i]
				cmd, ok := strings.CutPrefix(line, "> ")
				if !ok {
					out.WriteString(line + "\n")
					continue
				}
				var want []string
				for i+1 < len(lines) && lines[i+1] != "" && !strings.HasPrefix(lines[i+1], "> ") && !strings.HasPrefix(lines[i+1], "#") {
					i++
					want = append(want, lines[i])
				}
				got := runCommand(f, cmd)
				out.WriteString(line + "\n")
				for _, g := range got {
					out.WriteString(g + "\n")
				}
				if !*update && !slices.Equal(got, want) {
					t.Errorf("%s:%d: %s\n got:\n\t%s\nwant:\n\t%s", file, i+1, cmd, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
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

// parseResource reads db:NAME, table:DB.NAME or cols:DB.TABLE:C1,C2.
func parseResource(s string) *api.Resource {
	kind, rest, _ := strings.Cut(s, ":")
	switch kind {
	case "db":
		return dbRes(rest)
	case "table":
		db, tb, _ := strings.Cut(rest, ".")
		return tableRes(db, tb)
	case "cols":
		dt, cols, _ := strings.Cut(rest, ":")
		db, tb, _ := strings.Cut(dt, ".")
		return colRes(db, tb, strings.Split(cols, ",")...)
	}
	return &api.Resource{}
}

// parseExpr reads k=v1|v2 entries.
func parseExpr(args []string) []api.LFTag {
	var out []api.LFTag
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		out = append(out, api.LFTag{TagKey: k, TagValues: strings.Split(v, "|")})
	}
	return out
}

func parsePairs(args []string) []api.LFTagPair {
	var out []api.LFTagPair
	for _, e := range parseExpr(args) {
		out = append(out, api.LFTagPair{TagKey: e.TagKey, TagValues: e.TagValues})
	}
	return out
}

func errLine(err error) []string {
	if err == nil {
		return []string{"ok"}
	}
	return []string{fmt.Sprintf("error %s: %s", lferr.CodeOf(err), lferr.MessageOf(err))}
}

func fmtTags(m map[string]string) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + m[k])
	}
	return b.String()
}

func fmtPairs(ps []api.LFTagPair) string {
	m := map[string]string{}
	for _, p := range ps {
		m[p.TagKey] = strings.Join(p.TagValues, "|")
	}
	return fmtTags(m)
}

func failures(fs []api.LFTagError, err error) []string {
	if err != nil {
		return errLine(err)
	}
	if len(fs) == 0 {
		return []string{"ok"}
	}
	var out []string
	for _, fl := range fs {
		out = append(out, fmt.Sprintf("failure %s: %s: %s", fl.LFTag.TagKey, fl.Error.ErrorCode, fl.Error.ErrorMessage))
	}
	return out
}

func runCommand(f *fixture, line string) []string {
	args := strings.Fields(line)
	if len(args) == 0 {
		return []string{"bad command"}
	}
	switch cmd, args := args[0], args[1:]; cmd {
	case "tag":
		return errLine(f.svc.CreateLFTag(ctx, api.CreateLFTagInput{TagKey: args[0], TagValues: args[1:]}))
	case "update-tag":
		in := api.UpdateLFTagInput{TagKey: args[0]}
		for _, a := range args[1:] {
			if v, ok := strings.CutPrefix(a, "+"); ok {
				in.TagValuesToAdd = append(in.TagValuesToAdd, v)
			} else {
				in.TagValuesToDelete = append(in.TagValuesToDelete, strings.TrimPrefix(a, "-"))
			}
		}
		return errLine(f.svc.UpdateLFTag(ctx, in))
	case "delete-tag":
		return errLine(f.svc.DeleteLFTag(ctx, api.DeleteLFTagInput{TagKey: args[0]}))
	case "database":
		return errLine(f.cat.CreateDatabase(ctx, acct, api.DatabaseInput{Name: args[0]}))
	case "table":
		in := api.TableInput{Name: args[1], StorageDescriptor: &api.StorageDescriptor{}}
		for _, c := range args[2:] {
			if p, ok := strings.CutPrefix(c, "p:"); ok {
				in.PartitionKeys = append(in.PartitionKeys, api.Column{Name: p, Type: "string"})
			} else {
				in.StorageDescriptor.Columns = append(in.StorageDescriptor.Columns, api.Column{Name: c, Type: "string"})
			}
		}
		return errLine(f.cat.CreateTable(ctx, acct, args[0], in))
	case "drop-table":
		return errLine(f.cat.DeleteTable(ctx, acct, args[0], args[1]))
	case "drop-database":
		return errLine(f.cat.DeleteDatabase(ctx, acct, args[0]))
	case "add":
		out, err := f.svc.AddLFTagsToResource(ctx, api.AddLFTagsToResourceInput{Resource: parseResource(args[0]), LFTags: parsePairs(args[1:])})
		if out == nil {
			return failures(nil, err)
		}
		return failures(out.Failures, err)
	case "remove":
		out, err := f.svc.RemoveLFTagsFromResource(ctx, api.RemoveLFTagsFromResourceInput{Resource: parseResource(args[0]), LFTags: parsePairs(args[1:])})
		if out == nil {
			return failures(nil, err)
		}
		return failures(out.Failures, err)
	case "effective":
		var tt *TableTags
		err := f.db.View(func(tx *store.Tx) error {
			var err error
			tt, err = EffectiveTags(tx, acct, args[0], args[1])
			return err
		})
		if err != nil {
			return errLine(err)
		}
		out := []string{"database: " + fmtTags(tt.Database), "table: " + fmtTags(tt.Table)}
		names := make([]string, 0, len(tt.Columns))
		for c := range tt.Columns {
			names = append(names, c)
		}
		slices.Sort(names)
		for _, c := range names {
			out = append(out, "column "+c+": "+fmtTags(tt.Columns[c]))
		}
		return out
	case "assigned", "tags":
		got, err := f.svc.GetResourceLFTags(ctx, api.GetResourceLFTagsInput{Resource: parseResource(args[0]), ShowAssignedLFTags: cmd == "assigned"})
		if err != nil {
			return errLine(err)
		}
		out := []string{"database: " + fmtPairs(got.LFTagOnDatabase)}
		if got.LFTagsOnTable != nil || got.LFTagsOnColumns != nil || !strings.HasPrefix(args[0], "db:") {
			out = append(out, "table: "+fmtPairs(got.LFTagsOnTable))
		}
		for _, c := range got.LFTagsOnColumns {
			out = append(out, "column "+c.Name+": "+fmtPairs(c.LFTags))
		}
		return out
	case "search-tables":
		got, err := f.svc.SearchTablesByLFTags(ctx, api.SearchTablesByLFTagsInput{Expression: parseExpr(args)}, nil)
		if err != nil {
			return errLine(err)
		}
		if len(got.TableList) == 0 {
			return []string{"(none)"}
		}
		var out []string
		for _, tt := range got.TableList {
			out = append(out, tt.Table.DatabaseName+"."+tt.Table.Name+": "+fmtPairs(tt.LFTagsOnTable))
		}
		return out
	case "search-databases":
		got, err := f.svc.SearchDatabasesByLFTags(ctx, api.SearchDatabasesByLFTagsInput{Expression: parseExpr(args)}, nil)
		if err != nil {
			return errLine(err)
		}
		if len(got.DatabaseList) == 0 {
			return []string{"(none)"}
		}
		var out []string
		for _, d := range got.DatabaseList {
			out = append(out, d.Database.Name+": "+fmtPairs(d.LFTags))
		}
		return out
	case "match":
		// match EXPR... on k=v k=v
		i := slices.Index(args, "on")
		if i < 0 {
			return []string{"bad match"}
		}
		tags := map[string]string{}
		for _, a := range args[i+1:] {
			k, v, _ := strings.Cut(a, "=")
			tags[k] = v
		}
		return []string{fmt.Sprint(Match(parseExpr(args[:i]), tags))}
	}
	return []string{"unknown command " + args[0]}
}

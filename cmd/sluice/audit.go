package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sluicedb/sluice/authz/audit"
)

// runAudit shows the home's audit log: every authorization decision and
// credential vend (rule 13), filtered, as a table or as JSON lines.
func runAudit(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("audit", "sluice [--home DIR] audit [--principal P] [--table db.t] [--query ID] [--since DURATION] [--denied] [--limit N] [--format table|jsonl]", g)
	principal := fs.String("principal", "", "only events of this principal: a role name, role ARN or session ARN")
	table := fs.String("table", "", "only events on this table (db.table)")
	query := fs.String("query", "", "only events of this engine query id")
	since := fs.Duration("since", 0, "only events newer than this (e.g. 15m, 2h)")
	denied := fs.Bool("denied", false, "only refusals")
	limit := fs.Int("limit", 0, "only the last N matching events")
	format := fs.String("format", "table", "output format: table or jsonl (the log's own JSON events)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(g.stderr, "sluice audit: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	if *format != "table" && *format != "jsonl" {
		fmt.Fprintf(g.stderr, "sluice audit: unknown format %q (table or jsonl)\n", *format)
		return errUsage
	}
	var db, tbl string
	if *table != "" {
		var ok bool
		db, tbl, ok = strings.Cut(strings.ToLower(*table), ".")
		if !ok || db == "" || tbl == "" || strings.Contains(tbl, ".") {
			fmt.Fprintf(g.stderr, "sluice audit: --table wants db.table, got %q\n", *table)
			return errUsage
		}
	}
	home, err := filepath.Abs(g.home)
	if err != nil {
		return err
	}
	f := audit.Filter{QueryId: *query}
	if *since > 0 {
		f.Since = time.Now().Add(-*since)
	}
	if *denied {
		f.Decision = audit.Deny
	}
	evs, err := audit.Read(home, f)
	if err != nil {
		return err
	}
	var out []audit.Event
	for i := range evs {
		e := &evs[i]
		if *principal != "" && !principalMatches(e.Principal, *principal) {
			continue
		}
		if db != "" && !strings.HasSuffix(e.Resource, ":table/"+db+"/"+tbl) {
			continue
		}
		out = append(out, *e)
	}
	if *limit > 0 && len(out) > *limit {
		out = out[len(out)-*limit:]
	}
	if *format == "jsonl" {
		enc := json.NewEncoder(g.stdout)
		for i := range out {
			if err := enc.Encode(&out[i]); err != nil {
				return err
			}
		}
		return nil
	}
	return writeAuditTable(g, out)
}

// principalMatches accepts the principal's exact ARN, or a role (name or
// ARN) for the sessions of that role.
func principalMatches(got, want string) bool {
	if got == want {
		return true
	}
	role := want
	if i := strings.Index(want, ":role/"); i >= 0 {
		role = want[i+len(":role/"):]
		if j := strings.LastIndexByte(role, '/'); j >= 0 {
			role = role[j+1:] // a path is not part of the session ARN
		}
	}
	return strings.Contains(got, ":assumed-role/"+role+"/")
}

// shortPrincipal turns a session ARN into role/session and the root into
// "admin", which is what a reader scans for.
func shortPrincipal(p string) string {
	if i := strings.Index(p, ":assumed-role/"); i >= 0 {
		return p[i+len(":assumed-role/"):]
	}
	if strings.HasSuffix(p, ":root") {
		return "admin"
	}
	return p
}

// shortResource turns a table ARN into db.table.
func shortResource(r string) string {
	if i := strings.Index(r, ":table/"); i >= 0 {
		return strings.Replace(r[i+len(":table/"):], "/", ".", 1)
	}
	return r
}

func writeAuditTable(g *globals, evs []audit.Event) error {
	if len(evs) == 0 {
		fmt.Fprintln(g.stdout, "(no audit events match)")
		return nil
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tDECISION\tEVENT\tPRINCIPAL\tTABLE\tQUERY\tDETAIL")
	for i := range evs {
		e := &evs[i]
		q := e.QueryId
		if len(q) > 12 {
			q = q[:12]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.UTC().Format(time.RFC3339), e.Decision, e.EventName,
			shortPrincipal(e.Principal), shortResource(e.Resource), q, auditDetail(e))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "(%d events)\n", len(evs))
	return nil
}

// auditDetail is what the decision gave or why it refused.
func auditDetail(e *audit.Event) string {
	var parts []string
	if e.ErrorCode != "" {
		parts = append(parts, e.ErrorCode+": "+e.Reason)
	}
	if len(e.RequestedPermissions) > 0 {
		parts = append(parts, "asked "+strings.Join(e.RequestedPermissions, ","))
	}
	if e.VendedPath != "" {
		parts = append(parts, fmt.Sprintf("vended %s for %ds", e.Scope, e.DurationSeconds))
	} else if e.Decision == audit.Allow && e.AuthorizedColumns != nil {
		parts = append(parts, "columns "+strings.Join(e.AuthorizedColumns, ","))
	}
	if len(e.Filters) > 0 {
		parts = append(parts, "filters "+strings.Join(e.Filters, ","))
	}
	if len(e.Masks) > 0 {
		parts = append(parts, "masks "+strings.Join(e.Masks, ","))
	}
	if e.QueryAuthorizationId != "" {
		q := e.QueryAuthorizationId
		if len(q) > 8 {
			q = q[:8]
		}
		parts = append(parts, "qaid "+q)
	}
	return strings.Join(parts, "; ")
}

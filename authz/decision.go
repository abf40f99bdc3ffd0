package authz

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/sluicedb/sluice/authz/access"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/rowfilter"
)

// This file is THE decision of GetUnfilteredTableMetadata (spec §6.3–6.5,
// VISION rules 4, 5, 6 and masks): a pure function of the principal's
// resolved access, the table, the request and the masks that exist. No
// I/O, no clock, no randomness.

// MaskCandidate is a column mask policy that reaches a column of the
// table: attached to it directly, or through an LF-tag value the column's
// effective tags carry.
type MaskCandidate struct {
	Column     string
	Policy     string // the policy's name
	Expression string
	// ViaTag is "key=value" for a tag-based mask, "" for a column mask.
	ViaTag string
}

// DecisionInput is everything the decision reads.
type DecisionInput struct {
	// Table is the full table; it is consumed (the caller hands over a
	// fresh copy) and returned unfiltered in the answer.
	Table  *api.Table
	Region string
	// Access is the principal's resolved access (authz/lf).
	Access access.TableAccess
	// SupportedPermissionTypes are what the engine declared.
	SupportedPermissionTypes []string
	// Requested are the Glue permissions the engine says it needs
	// (GetUnfilteredTableMetadata.Permissions): each must be held, and
	// INSERT/DELETE only without any restriction (rule 12).
	Requested []string
	// Masks are the mask policies reaching the table's columns.
	Masks []MaskCandidate
	// Unmasked skips masks (the account's administrator).
	Unmasked bool
	// Registered is whether the table's location is registered with LF.
	Registered           bool
	QueryAuthorizationID string
	// Filters memoizes filter parsing across decisions (nil: none).
	Filters *FilterCache
}

// Decision outcomes (Diagnostic.Outcome).
const (
	OutcomeIAMOnly      = "FULL (IAM only)"
	OutcomeFull         = "FULL"
	OutcomeRestricted   = "RESTRICTED"
	OutcomeDescribeOnly = "DESCRIBE_ONLY"
	OutcomeDenied       = "DENIED"
)

// Diagnostic says why the decision came out as it did: for explain and
// audit.
type Diagnostic struct {
	Outcome string
	// Needed are the capabilities the policy needs (COLUMN_PERMISSION,
	// CELL_FILTER_PERMISSION, COLUMN_MASK_PERMISSION).
	Needed []string
	// Filters are the data cells filters that contributed grants.
	Filters []string
	// Masks are "column: policy" for the masks applied.
	Masks []string
	// CellFiltered are the authorized columns visible only on some rows.
	CellFiltered []string
	// Restricted is true when any column, row, cell or mask restriction
	// applies (such a principal cannot write, rule 12).
	Restricted bool
	// Lines explain the decision in words.
	Lines []string
}

func (d *Diagnostic) line(format string, args ...any) {
	d.Lines = append(d.Lines, fmt.Sprintf(format, args...))
}

// capability levels of the LF ladder (spec §6.4): each includes the ones
// below it.
func capLevel(t string) int {
	switch t {
	case api.ColumnPermission:
		return 1
	case api.CellFilterPermission:
		return 2
	case api.NestedPermission:
		return 3
	case api.NestedCellPermission:
		return 4
	}
	return 0
}

// tableColumns is every column in table order, partition keys last.
func tableColumns(t *api.Table) []string { return authorizedColumns(t) }

// Decide answers GetUnfilteredTableMetadata for one principal:
//
//   - IAM-only table: the whole table, Permissions [ALL] (masks still apply).
//   - No SELECT-bearing grant reaching a column: DESCRIBE only (empty, not
//     absent, AuthorizedColumns) when any permission is held, else
//     AccessDenied (rule 4).
//   - Otherwise AuthorizedColumns = ∪ C_i in table order; RowFilter =
//     OR_i R_i ("" when every row is visible); when any row or cell is
//     restricted, one CellFilters entry per authorized column carrying OR
//     of the R_i that cover it ("TRUE" when unrestricted, rule 6); masks on
//     authorized columns (column mask over tag mask; different tag masks
//     conflict).
//   - The capability ladder (rule 5): a column restriction needs
//     COLUMN_PERMISSION, a row or cell restriction CELL_FILTER_PERMISSION
//     (NESTED_* include both), a mask COLUMN_MASK_PERMISSION; short of that
//     PermissionTypeMismatch, never a wider answer.
//   - The permissions the engine says it needs (Requested) must be held;
//     INSERT, DELETE and ALL only without any restriction (rule 12).
//   - Every expression emitted is parsed back (InternalService otherwise).
//
// Grant columns that name no top-level column (nested paths, dropped
// columns) grant nothing: narrower, never wider.
func Decide(in DecisionInput) (*api.GetUnfilteredTableMetadataOutput, Diagnostic, error) {
	var d Diagnostic
	tbl := in.Table
	if tbl == nil {
		return nil, d, lferr.New(lferr.InternalService, "decision without a table")
	}
	name := tbl.DatabaseName + "." + tbl.Name
	arn := TableARN(in.Region, tbl.CatalogId, tbl.DatabaseName, tbl.Name)
	a := &in.Access
	d.Lines = append(d.Lines, a.Explain...)
	level := 0
	masksDeclared := false
	for _, t := range in.SupportedPermissionTypes {
		level = max(level, capLevel(t))
		masksDeclared = masksDeclared || t == api.ColumnMaskPermission
	}
	all := tableColumns(tbl)
	tbl.IsRegisteredWithLakeFormation = in.Registered
	out := &api.GetUnfilteredTableMetadataOutput{
		Table:                         tbl,
		IsRegisteredWithLakeFormation: in.Registered,
		QueryAuthorizationId:          in.QueryAuthorizationID,
		ResourceArn:                   arn,
	}

	if a.IAMOnly {
		d.Outcome = OutcomeIAMOnly
		d.line("IAMAllowedPrincipals holds ALL on %s: access is decided by IAM alone; the whole table is authorized", name)
		out.AuthorizedColumns = all
		out.Permissions = []string{"ALL"}
		if err := finishMasks(in, out, &d, masksDeclared, name); err != nil {
			return nil, d, err
		}
		full := access.TableAccess{Permissions: []string{"ALL"}}
		if err := checkRequested(in.Requested, &full, d.Restricted, false, name, &d); err != nil {
			return nil, d, err
		}
		return out, d, nil
	}

	// Collect the SELECT-bearing grants per authorized column (spec §6.3).
	index := make(map[string]int, len(all)) // lower-case name → table position
	for i, c := range all {
		index[strings.ToLower(c)] = i
	}
	type colRows struct {
		covered bool
		terms   []rowfilter.Expr
	}
	cols := make([]colRows, len(all))
	var rowTerms []rowfilter.Expr
	for gi := range a.Select {
		g := &a.Select[gi]
		r, err := parseGrantFilter(in.Filters, g, name)
		if err != nil {
			return nil, d, err
		}
		n := 0
		if g.AllColumns {
			excl := make(map[int]bool, len(g.Excluded))
			for _, e := range g.Excluded {
				if i, ok := index[strings.ToLower(e)]; ok {
					excl[i] = true
				}
			}
			for i := range all {
				if !excl[i] {
					cols[i].covered = true
					cols[i].terms = append(cols[i].terms, r)
					n++
				}
			}
		} else {
			seen := make(map[int]bool, len(g.Columns))
			for _, c := range g.Columns {
				// Nested paths ("a"."b", a.b) name no top-level column
				// and grant nothing here: narrower, never wider.
				i, ok := index[strings.ToLower(c)]
				if !ok || seen[i] {
					if !ok {
						d.line("grant %q names column %q, which %s has not (top-level): ignored", g.Source, c, name)
					}
					continue
				}
				seen[i] = true
				cols[i].covered = true
				cols[i].terms = append(cols[i].terms, r)
				n++
			}
		}
		if n == 0 {
			continue
		}
		rowTerms = append(rowTerms, r)
		if g.FilterName != "" && !slices.Contains(d.Filters, g.FilterName) {
			d.Filters = append(d.Filters, g.FilterName)
		}
	}

	perms := slices.Clone(a.Permissions)
	if len(rowTerms) == 0 {
		// No SELECT reaches any column: DESCRIBE only (rule 4), or nothing.
		if len(a.Permissions) == 0 {
			d.Outcome = OutcomeDenied
			d.line("no Lake Formation permission on %s", name)
			return nil, d, lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s) on %s", name)
		}
		if err := checkRequested(in.Requested, a, false, true, name, &d); err != nil {
			return nil, d, err
		}
		d.Outcome = OutcomeDescribeOnly
		d.line("no SELECT-bearing grant on %s: DESCRIBE only, AuthorizedColumns is empty and a query must fail", name)
		out.AuthorizedColumns = []string{}
		out.Permissions = sortPerms(perms)
		return out, d, nil
	}
	if !slices.Contains(perms, "SELECT") && !slices.Contains(perms, "ALL") {
		perms = append(perms, "SELECT")
	}
	out.Permissions = sortPerms(perms)

	out.AuthorizedColumns = make([]string, 0, len(all))
	for i, c := range all {
		if cols[i].covered {
			out.AuthorizedColumns = append(out.AuthorizedColumns, c)
		}
	}
	rows := rowfilter.OrOf(rowTerms...)
	columnRestricted := len(out.AuthorizedColumns) < len(all)
	rowRestricted := !rowfilter.IsTrue(rows)
	cell := make([]string, 0, len(out.AuthorizedColumns))
	cellRestricted := false
	for i := range all {
		if !cols[i].covered {
			continue
		}
		e := rowfilter.OrOf(cols[i].terms...)
		if !rowfilter.IsTrue(e) {
			cellRestricted = true
			d.CellFiltered = append(d.CellFiltered, all[i])
		}
		cell = append(cell, rowfilter.String(e))
	}

	if columnRestricted {
		d.Needed = append(d.Needed, api.ColumnPermission)
		d.line("columns restricted: %d of %d authorized (%s)", len(out.AuthorizedColumns), len(all), strings.Join(out.AuthorizedColumns, ", "))
		if level < 1 {
			d.Outcome = OutcomeDenied
			return nil, d, mismatch(name, "a column restriction applies", api.ColumnPermission)
		}
	}
	if rowRestricted || cellRestricted {
		d.Needed = append(d.Needed, api.CellFilterPermission)
		if level < 2 {
			d.Outcome = OutcomeDenied
			return nil, d, mismatch(name, "a row or cell filter applies", api.CellFilterPermission)
		}
		if rowRestricted {
			out.RowFilter = rowfilter.String(rows)
			if err := validEmitted(in.Filters, out.RowFilter, name, "RowFilter"); err != nil {
				return nil, d, err
			}
			d.line("rows restricted: RowFilter %s", out.RowFilter)
		}
		out.CellFilters = make([]api.ColumnRowFilter, len(cell))
		for i, e := range cell {
			if err := validEmitted(in.Filters, e, name, "CellFilters["+out.AuthorizedColumns[i]+"]"); err != nil {
				return nil, d, err
			}
			out.CellFilters[i] = api.ColumnRowFilter{ColumnName: out.AuthorizedColumns[i], RowFilterExpression: e}
		}
		if cellRestricted {
			d.line("cells restricted on %s", strings.Join(d.CellFiltered, ", "))
		}
	}
	d.Restricted = columnRestricted || rowRestricted || cellRestricted
	if err := finishMasks(in, out, &d, masksDeclared, name); err != nil {
		return nil, d, err
	}
	if err := checkRequested(in.Requested, a, d.Restricted, false, name, &d); err != nil {
		return nil, d, err
	}
	if d.Restricted {
		d.Outcome = OutcomeRestricted
	} else {
		d.Outcome = OutcomeFull
	}
	return out, d, nil
}

// finishMasks adds the masks that apply to authorized columns.
func finishMasks(in DecisionInput, out *api.GetUnfilteredTableMetadataOutput, d *Diagnostic, declared bool, name string) error {
	if in.Unmasked || len(in.Masks) == 0 || len(out.AuthorizedColumns) == 0 {
		return nil
	}
	ms, err := resolveMasks(in.Masks, out.AuthorizedColumns, name)
	if err != nil {
		d.Outcome = OutcomeDenied
		return err
	}
	if len(ms) == 0 {
		return nil
	}
	d.Needed = append(d.Needed, api.ColumnMaskPermission)
	d.Restricted = true
	for _, m := range ms {
		d.Masks = append(d.Masks, m.ColumnName+": "+m.MaskName)
	}
	d.line("masks apply: %s", strings.Join(d.Masks, "; "))
	if !declared {
		d.Outcome = OutcomeDenied
		return mismatch(name, "a column mask applies", api.ColumnMaskPermission)
	}
	out.ColumnMasks = ms
	return nil
}

// resolveMasks picks one mask per authorized column: a column mask wins
// over tag masks; two different tag masks on one column fail closed.
func resolveMasks(cands []MaskCandidate, authorized []string, name string) ([]api.ColumnMask, error) {
	var out []api.ColumnMask
	for _, c := range authorized {
		var col, tag *MaskCandidate
		for i := range cands {
			m := &cands[i]
			if !strings.EqualFold(m.Column, c) {
				continue
			}
			if m.ViaTag == "" {
				if col != nil && col.Expression != m.Expression {
					return nil, lferr.New(lferr.Conflict, "Column %s of %s has two column masks, %s and %s, with different expressions; the decision fails closed until one is removed", c, name, col.Policy, m.Policy)
				}
				if col == nil {
					col = m
				}
				continue
			}
			if tag != nil && tag.Expression != m.Expression {
				return nil, lferr.New(lferr.Conflict, "Column %s of %s carries tags with two different masks, %s (%s) and %s (%s); the decision fails closed until one is removed or a column mask decides", c, name, tag.Policy, tag.ViaTag, m.Policy, m.ViaTag)
			}
			if tag == nil {
				tag = m
			}
		}
		pick := col
		if pick == nil {
			pick = tag
		}
		if pick != nil {
			out = append(out, api.ColumnMask{ColumnName: c, MaskExpression: pick.Expression, MaskName: pick.Policy})
		}
	}
	return out, nil
}

// FilterCache memoizes rowfilter.Parse for the decision: the same few
// filter texts are parsed on every decision, and the emitted combinations
// re-parsed to validate them. Parsed expressions are immutable (OrOf shares
// terms, String only reads), so sharing them is safe. It is owned by the
// caller (the ControlPlane holds one), bounded by emptying when full, and
// safe for concurrent use. A nil *FilterCache parses every time.
type FilterCache struct {
	mu sync.Mutex
	m  map[string]rowfilter.Expr
}

const filterCacheMax = 8192

// Parse is rowfilter.Parse, memoized. Errors are not cached: they are rare
// and must stay fresh.
func (c *FilterCache) Parse(text string) (rowfilter.Expr, error) {
	if c == nil {
		return rowfilter.Parse(text)
	}
	c.mu.Lock()
	e, ok := c.m[text]
	c.mu.Unlock()
	if ok {
		return e, nil
	}
	e, err := rowfilter.Parse(text)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= filterCacheMax {
		c.m = make(map[string]rowfilter.Expr, 256)
	}
	c.m[text] = e
	c.mu.Unlock()
	return e, nil
}

func parseGrantFilter(fc *FilterCache, g *access.SelectGrant, table string) (rowfilter.Expr, error) {
	if strings.TrimSpace(g.RowFilter) == "" {
		return &rowfilter.Bool{Value: true}, nil
	}
	e, err := fc.Parse(g.RowFilter)
	if err != nil {
		// Stored filters were validated at creation; one that no longer
		// parses must not widen anything.
		return nil, lferr.Wrap(lferr.InternalService, err, "The row filter of %s on %s does not parse (%s); refusing to answer", grantName(g), table, lferr.MessageOf(err))
	}
	return e, nil
}

func grantName(g *access.SelectGrant) string {
	if g.FilterName != "" {
		return "data cells filter " + g.FilterName
	}
	if g.Source != "" {
		return g.Source
	}
	return "a grant"
}

// validEmitted fails closed when an expression the decision built does
// not parse back: an engine must never receive one it cannot enforce.
func validEmitted(fc *FilterCache, e, table, field string) error {
	if _, err := fc.Parse(e); err != nil {
		return lferr.Wrap(lferr.InternalService, err, "The combined %s of %s is not a valid row filter expression (%s); refusing to answer", field, table, lferr.MessageOf(err))
	}
	return nil
}

func mismatch(table, why, need string) error {
	return lferr.New(lferr.PermissionTypeMismatch, "Permission type mismatch on %s: %s, which needs %s in SupportedPermissionTypes", table, why, need)
}

// checkRequested enforces the Permissions the engine declared it needs.
func checkRequested(req []string, a *access.TableAccess, restricted, describeOnly bool, table string, d *Diagnostic) error {
	for _, p := range req {
		switch p {
		case "SELECT":
			if describeOnly {
				d.Outcome = OutcomeDenied
				return lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s): SELECT on %s is not granted (DESCRIBE only)", table)
			}
		case "DESCRIBE":
			if len(a.Permissions) == 0 && len(a.Select) == 0 && !a.IAMOnly {
				d.Outcome = OutcomeDenied
				return lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s): DESCRIBE on %s is not granted", table)
			}
		case "INSERT", "DELETE", "ALTER", "DROP", "ALL":
			if !a.Has(p) {
				d.Outcome = OutcomeDenied
				return lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s): %s on %s is not granted", p, table)
			}
			if restricted && (p == "INSERT" || p == "DELETE" || p == "ALL") {
				d.Outcome = OutcomeDenied
				return lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s): %s on %s needs access to the whole table, but a column, row, cell or mask restriction applies", p, table)
			}
		default:
			d.Outcome = OutcomeDenied
			return lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s): %s is not a permission on table %s", p, table)
		}
	}
	return nil
}

var permOrder = []string{"ALL", "SELECT", "INSERT", "DELETE", "ALTER", "DROP", "DESCRIBE"}

func sortPerms(p []string) []string {
	out := make([]string, 0, len(p))
	for _, q := range permOrder {
		if slices.Contains(p, q) {
			out = append(out, q)
		}
	}
	for _, q := range p {
		if !slices.Contains(out, q) {
			out = append(out, q)
		}
	}
	return out
}

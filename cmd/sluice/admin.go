package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/declare"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

const adminUsage = `Usage: sluice admin <command> [args]

See and change what a principal gets (the home's administrator; no IAM check):
  grant PRINCIPAL RESOURCE PERM[,PERM] [--grant-option PERM,...]
  revoke PRINCIPAL RESOURCE PERM[,PERM] [--grant-option PERM,...]
  permissions [--principal P] [--resource RESOURCE]
                     explicit grants; with both, the principal's effective permissions
  explain --principal ROLE DB.TABLE
                     the grants, tags, filters and masks behind ROLE's access to DB.TABLE
  tag create KEY V1,V2,...          tag assign RESOURCE KEY=V [KEY=V...]
  tag show RESOURCE [--assigned]    tag list
  filter create DB.TABLE NAME [--row EXPR] [--columns a,b | --exclude a,b]
  filter list [DB.TABLE]
  mask create NAME DB.TABLE.COLUMN EXPR      mask create NAME --tag KEY=VALUE EXPR
  mask list
  role create NAME [--persona P] [--trust-policy JSON] [--workflow-role NAME]

PRINCIPAL is a role name (a role of the home's account), an ARN, an account
id or IAM_ALLOWED_PRINCIPALS. RESOURCE is one of:
  ` + declare.ResourceSpecHelp + "\n"

// runAdmin dispatches sluice admin's subcommands.
func runAdmin(ctx context.Context, g *globals, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(g.stderr, adminUsage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	type sub struct {
		name string
		run  func(a *adminCmd, args []string) error
	}
	subs := []sub{
		{"grant", func(a *adminCmd, args []string) error { return a.grant(args, false) }},
		{"revoke", func(a *adminCmd, args []string) error { return a.grant(args, true) }},
		{"permissions", (*adminCmd).permissions},
		{"explain", (*adminCmd).explain},
		{"tag", (*adminCmd).tag},
		{"filter", (*adminCmd).filter},
		{"mask", (*adminCmd).mask},
		{"role", (*adminCmd).role},
	}
	for _, s := range subs {
		if s.name == args[0] {
			a := &adminCmd{ctx: ctx, g: g}
			defer a.close()
			return s.run(a, args[1:])
		}
	}
	fmt.Fprintf(g.stderr, "sluice admin: unknown command %q\n\n%s", args[0], adminUsage)
	return errUsage
}

// adminCmd opens the home lazily, so usage errors never touch it.
type adminCmd struct {
	ctx context.Context
	g   *globals
	cp  *authz.ControlPlane
}

func (a *adminCmd) open() (*authz.ControlPlane, error) {
	if a.cp == nil {
		cp, err := authz.Open(a.g.home, authz.Options{})
		if err != nil {
			return nil, err
		}
		a.cp = cp
	}
	return a.cp, nil
}

func (a *adminCmd) close() {
	if a.cp != nil {
		_ = a.cp.Close()
	}
}

func (a *adminCmd) usage(synopsis string) error {
	fmt.Fprintf(a.g.stderr, "Usage: sluice admin %s\n", synopsis)
	return errUsage
}

// owner is the home's owner acting through the CLI: LF grant checks are
// skipped, as for the declarative setup.
var owner = lf.Caller{Trusted: true}

func perms(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.ToUpper(strings.TrimSpace(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (a *adminCmd) grant(args []string, revoke bool) error {
	verb := "grant"
	if revoke {
		verb = "revoke"
	}
	synopsis := verb + " PRINCIPAL RESOURCE PERM[,PERM...] [--grant-option PERM,...]"
	fs := newFlagSet("admin "+verb, "sluice admin "+synopsis, a.g)
	grantOpt := fs.String("grant-option", "", "permissions (also) held with the grant option")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 3 && !(len(pos) == 2 && *grantOpt != "") {
		return a.usage(synopsis)
	}
	res, err := declare.ParseResource(pos[1])
	if err != nil {
		return err
	}
	cp, err := a.open()
	if err != nil {
		return err
	}
	in := lf.GrantInput{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: declare.PrincipalARN(pos[0], cp.AccountID())},
		Resource: res, PermissionsWithGrantOption: perms(*grantOpt)}
	if len(pos) == 3 {
		in.Permissions = perms(pos[2])
	}
	op := lf.GrantPermissions
	if revoke {
		op = lf.RevokePermissions
	}
	if err := cp.Store().Update(func(tx *store.Tx) error {
		return op(tx, cp.AccountID(), owner, in, time.Now())
	}); err != nil {
		return err
	}
	done, prep := "granted", "to"
	if revoke {
		done, prep = "revoked", "from"
	}
	all := slices.Concat(in.Permissions, in.PermissionsWithGrantOption)
	slices.Sort(all)
	fmt.Fprintf(a.g.stdout, "%s %s on %s %s %s\n", done, strings.Join(slices.Compact(all), ","), declare.ResourceString(res), prep, in.Principal.DataLakePrincipalIdentifier)
	return nil
}

func (a *adminCmd) permissions(args []string) error {
	fs := newFlagSet("admin permissions", "sluice admin permissions [--principal P] [--resource RESOURCE]", a.g)
	principal := fs.String("principal", "", "only this principal's grants (with --resource: its effective permissions)")
	resource := fs.String("resource", "", "only grants on this resource")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return a.usage("permissions [--principal P] [--resource RESOURCE]")
	}
	in := lf.ListInput{}
	if *resource != "" {
		if in.Resource, err = declare.ParseResource(*resource); err != nil {
			return err
		}
		if t := in.Resource.TableWithColumns; t != nil {
			// ListPermissions takes the table; its rows include the columns.
			in.Resource = &api.Resource{Table: &api.TableResource{DatabaseName: t.DatabaseName, Name: t.Name}}
		}
	}
	cp, err := a.open()
	if err != nil {
		return err
	}
	want := ""
	if *principal != "" {
		want = declare.PrincipalARN(*principal, cp.AccountID())
		if in.Resource != nil {
			in.Principal = &api.DataLakePrincipal{DataLakePrincipalIdentifier: want}
		}
	}
	var rows []api.PrincipalResourcePermissions
	err = cp.Store().View(func(tx *store.Tx) error {
		for {
			page, next, err := lf.ListPermissions(tx, cp.AccountID(), owner, in)
			if err != nil {
				return err
			}
			rows = append(rows, page...)
			if next == "" {
				return nil
			}
			in.NextToken = next
		}
	})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PRINCIPAL\tRESOURCE\tPERMISSIONS\tGRANTABLE")
	n := 0
	for _, r := range rows {
		p := ""
		if r.Principal != nil {
			p = r.Principal.DataLakePrincipalIdentifier
		}
		if want != "" && p != want {
			continue
		}
		n++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p, declare.ResourceString(r.Resource), orDash(strings.Join(r.Permissions, ",")), orDash(strings.Join(r.PermissionsWithGrantOption, ",")))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(a.g.stdout, "(%d rows)\n", n)
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (a *adminCmd) explain(args []string) error {
	synopsis := "explain --principal ROLE DB.TABLE"
	fs := newFlagSet("admin explain", "sluice admin "+synopsis, a.g)
	principal := fs.String("principal", "", "the role (name or ARN)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *principal == "" {
		return a.usage(synopsis)
	}
	db, tbl, ok := strings.Cut(pos[0], ".")
	if !ok || db == "" || tbl == "" {
		return lferr.New(lferr.InvalidInput, "table %q: want DB.TABLE", pos[0])
	}
	cp, err := a.open()
	if err != nil {
		return err
	}
	x, err := cp.Explain(a.ctx, *principal, db, tbl)
	if err != nil {
		return err
	}
	w := a.g.stdout
	fmt.Fprintf(w, "principal: %s\ntable:     %s\n", x.Principal, x.Table)
	// The table's effective LF-tags: what tag policies were matched against.
	if tags, err := cp.LFTags().GetResourceLFTags(a.ctx, api.GetResourceLFTagsInput{
		Resource: &api.Resource{Table: &api.TableResource{DatabaseName: db, Name: tbl}}}); err == nil {
		var parts []string
		onTable := map[string]string{}
		for _, p := range tags.LFTagsOnTable {
			v := strings.Join(p.TagValues, ",")
			onTable[p.TagKey] = v
			parts = append(parts, p.TagKey+"="+v)
		}
		// Columns inherit the table's tags; show only where they differ.
		for _, c := range tags.LFTagsOnColumns {
			for _, p := range c.LFTags {
				if v := strings.Join(p.TagValues, ","); onTable[p.TagKey] != v {
					parts = append(parts, c.Name+":"+p.TagKey+"="+v)
				}
			}
		}
		if len(parts) > 0 {
			fmt.Fprintf(w, "LF-tags:   %s\n", strings.Join(parts, " "))
		}
	}
	fmt.Fprintln(w, "because:")
	for _, l := range x.Lines {
		fmt.Fprintf(w, "  %s\n", l)
	}
	fmt.Fprintf(w, "outcome:   %s\n", x.Outcome)
	if len(x.Needed) > 0 {
		fmt.Fprintf(w, "engine must support: %s\n", strings.Join(x.Needed, ", "))
	}
	for _, f := range x.Filters {
		fmt.Fprintf(w, "filter:    %s\n", f)
	}
	for _, m := range x.Masks {
		fmt.Fprintf(w, "mask:      %s\n", m)
	}
	if x.Answer == nil {
		return nil // the refusal is the last line of x.Lines
	}
	out := x.Answer
	fmt.Fprintf(w, "AuthorizedColumns: %s\n", strings.Join(out.AuthorizedColumns, ", "))
	fmt.Fprintf(w, "Permissions:       %s\n", strings.Join(out.Permissions, ", "))
	fmt.Fprintf(w, "RowFilter:         %s\n", orDash(out.RowFilter))
	for _, c := range out.CellFilters {
		fmt.Fprintf(w, "CellFilter:        %s: %s\n", c.ColumnName, orDash(c.RowFilterExpression))
	}
	for _, m := range out.ColumnMasks {
		fmt.Fprintf(w, "ColumnMask:        %s: %s (%s)\n", m.ColumnName, m.MaskExpression, m.MaskName)
	}
	return nil
}

func (a *adminCmd) tag(args []string) error {
	const synopsis = "tag create KEY V1,V2 | tag assign RESOURCE KEY=V [KEY=V...] | tag show RESOURCE [--assigned] | tag list"
	if len(args) == 0 {
		return a.usage(synopsis)
	}
	fs := newFlagSet("admin tag", "sluice admin "+synopsis, a.g)
	assigned := fs.Bool("assigned", false, "show: only tags assigned on the resource itself, not inherited")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	ctx := a.ctx
	switch args[0] {
	case "create":
		if len(pos) != 2 {
			return a.usage("tag create KEY V1,V2,...")
		}
		cp, err := a.open()
		if err != nil {
			return err
		}
		vals := strings.Split(pos[1], ",")
		if err := cp.LFTags().CreateLFTag(ctx, api.CreateLFTagInput{TagKey: pos[0], TagValues: vals}); err != nil {
			return err
		}
		fmt.Fprintf(a.g.stdout, "created LF-tag %s (%s)\n", pos[0], strings.Join(vals, ", "))
	case "assign":
		if len(pos) < 2 {
			return a.usage("tag assign RESOURCE KEY=V [KEY=V...]")
		}
		res, err := declare.ParseResource(pos[0])
		if err != nil {
			return err
		}
		tags, err := declare.ParseTagPairs(pos[0], pos[1:])
		if err != nil {
			return err
		}
		pairs := make([]api.LFTagPair, len(tags))
		for i, t := range tags {
			pairs[i] = api.LFTagPair{TagKey: t.TagKey, TagValues: t.TagValues}
		}
		cp, err := a.open()
		if err != nil {
			return err
		}
		out, err := cp.LFTags().AddLFTagsToResource(ctx, api.AddLFTagsToResourceInput{Resource: res, LFTags: pairs})
		if err != nil {
			return err
		}
		for _, f := range out.Failures {
			if f.Error != nil && f.LFTag != nil {
				return lferr.New(lferr.Code(f.Error.ErrorCode), "%s=%s: %s (the other tags were assigned)", f.LFTag.TagKey, strings.Join(f.LFTag.TagValues, ","), f.Error.ErrorMessage)
			}
		}
		fmt.Fprintf(a.g.stdout, "assigned %s to %s\n", strings.Join(pos[1:], " "), declare.ResourceString(res))
	case "show":
		if len(pos) != 1 {
			return a.usage("tag show RESOURCE [--assigned]")
		}
		res, err := declare.ParseResource(pos[0])
		if err != nil {
			return err
		}
		cp, err := a.open()
		if err != nil {
			return err
		}
		out, err := cp.LFTags().GetResourceLFTags(ctx, api.GetResourceLFTagsInput{Resource: res, ShowAssignedLFTags: *assigned})
		if err != nil {
			return err
		}
		w := a.g.stdout
		show := func(what string, l []api.LFTagPair) {
			for _, p := range l {
				fmt.Fprintf(w, "%s\t%s=%s\n", what, p.TagKey, strings.Join(p.TagValues, ","))
			}
		}
		show("database", out.LFTagOnDatabase)
		show("table", out.LFTagsOnTable)
		for _, c := range out.LFTagsOnColumns {
			show("column "+c.Name, c.LFTags)
		}
	case "list":
		if len(pos) != 0 {
			return a.usage("tag list")
		}
		cp, err := a.open()
		if err != nil {
			return err
		}
		in := api.ListLFTagsInput{}
		for {
			out, err := cp.LFTags().ListLFTags(ctx, in, nil)
			if err != nil {
				return err
			}
			for _, t := range out.LFTags {
				fmt.Fprintf(a.g.stdout, "%s\t%s\n", t.TagKey, strings.Join(t.TagValues, ","))
			}
			if out.NextToken == "" {
				break
			}
			in.NextToken = out.NextToken
		}
	default:
		return a.usage(synopsis)
	}
	return nil
}

func (a *adminCmd) filter(args []string) error {
	const synopsis = "filter create DB.TABLE NAME [--row EXPR] [--columns a,b | --exclude a,b] | filter list [DB.TABLE]"
	if len(args) == 0 {
		return a.usage(synopsis)
	}
	fs := newFlagSet("admin filter", "sluice admin "+synopsis, a.g)
	row := fs.String("row", "", "row filter expression (PartiQL subset); all rows when empty")
	cols := fs.String("columns", "", "the columns the filter shows")
	exclude := fs.String("exclude", "", "show all columns except these")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	switch args[0] {
	case "create":
		if len(pos) != 2 {
			return a.usage("filter create DB.TABLE NAME [--row EXPR] [--columns a,b | --exclude a,b]")
		}
		db, tbl, ok := strings.Cut(pos[0], ".")
		if !ok {
			return lferr.New(lferr.InvalidInput, "table %q: want DB.TABLE", pos[0])
		}
		cp, err := a.open()
		if err != nil {
			return err
		}
		f := api.DataCellsFilter{TableCatalogId: cp.AccountID(), DatabaseName: db, TableName: tbl, Name: pos[1]}
		if *row != "" {
			f.RowFilter = &api.RowFilter{FilterExpression: *row}
		} else {
			f.RowFilter = &api.RowFilter{AllRowsWildcard: &struct{}{}}
		}
		switch {
		case *cols != "" && *exclude != "":
			return lferr.New(lferr.InvalidInput, "give --columns or --exclude, not both")
		case *cols != "":
			f.ColumnNames = strings.Split(*cols, ",")
		default:
			f.ColumnWildcard = &api.ColumnWildcard{}
			if *exclude != "" {
				f.ColumnWildcard.ExcludedColumnNames = strings.Split(*exclude, ",")
			}
		}
		if err := cp.Store().Update(func(tx *store.Tx) error {
			return lf.CreateDataCellsFilter(tx, cp.AccountID(), owner, f)
		}); err != nil {
			return err
		}
		fmt.Fprintf(a.g.stdout, "created data cells filter %s on %s.%s\n", f.Name, db, tbl)
	case "list":
		if len(pos) > 1 {
			return a.usage("filter list [DB.TABLE]")
		}
		var tr *api.TableResource
		if len(pos) == 1 {
			db, tbl, ok := strings.Cut(pos[0], ".")
			if !ok {
				return lferr.New(lferr.InvalidInput, "table %q: want DB.TABLE", pos[0])
			}
			tr = &api.TableResource{DatabaseName: db, Name: tbl}
		}
		cp, err := a.open()
		if err != nil {
			return err
		}
		var fl []api.DataCellsFilter
		if err := cp.Store().View(func(tx *store.Tx) error {
			next := ""
			for {
				page, n, err := lf.ListDataCellsFilter(tx, cp.AccountID(), tr, 0, next)
				if err != nil {
					return err
				}
				fl = append(fl, page...)
				if n == "" {
					return nil
				}
				next = n
			}
		}); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(a.g.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TABLE\tNAME\tROWS\tCOLUMNS")
		for _, f := range fl {
			rows := "all rows"
			if f.RowFilter != nil && f.RowFilter.FilterExpression != "" {
				rows = f.RowFilter.FilterExpression
			}
			c := strings.Join(f.ColumnNames, ",")
			if f.ColumnWildcard != nil {
				c = "*"
				if len(f.ColumnWildcard.ExcludedColumnNames) > 0 {
					c = "all but " + strings.Join(f.ColumnWildcard.ExcludedColumnNames, ",")
				}
			}
			fmt.Fprintf(tw, "%s.%s\t%s\t%s\t%s\n", f.DatabaseName, f.TableName, f.Name, rows, c)
		}
		return tw.Flush()
	default:
		return a.usage(synopsis)
	}
	return nil
}

func (a *adminCmd) mask(args []string) error {
	const synopsis = "mask create NAME DB.TABLE.COLUMN EXPR | mask create NAME --tag KEY=VALUE EXPR | mask list"
	if len(args) == 0 {
		return a.usage(synopsis)
	}
	fs := newFlagSet("admin mask", "sluice admin "+synopsis, a.g)
	tag := fs.String("tag", "", "mask every column tagged KEY=VALUE")
	desc := fs.String("description", "", "the mask's description")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	switch args[0] {
	case "create":
		p := api.ColumnMaskPolicy{Description: *desc}
		switch {
		case *tag != "" && len(pos) == 2:
			k, v, ok := strings.Cut(*tag, "=")
			if !ok {
				return lferr.New(lferr.InvalidInput, "--tag %q: want KEY=VALUE", *tag)
			}
			p.Name, p.TagKey, p.TagValue, p.MaskExpression = pos[0], k, v, pos[1]
		case *tag == "" && len(pos) == 3:
			parts := strings.Split(pos[1], ".")
			if len(parts) != 3 {
				return lferr.New(lferr.InvalidInput, "column %q: want DB.TABLE.COLUMN", pos[1])
			}
			p.Name, p.DatabaseName, p.TableName, p.ColumnName, p.MaskExpression = pos[0], parts[0], parts[1], parts[2], pos[2]
		default:
			return a.usage(synopsis)
		}
		cp, err := a.open()
		if err != nil {
			return err
		}
		if err := cp.CreateColumnMask(p); err != nil {
			return err
		}
		fmt.Fprintf(a.g.stdout, "created column mask %s\n", p.Name)
	case "list":
		if len(pos) != 0 {
			return a.usage("mask list")
		}
		cp, err := a.open()
		if err != nil {
			return err
		}
		ms, err := cp.ListColumnMasks()
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(a.g.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tON\tEXPRESSION")
		for _, m := range ms {
			on := m.DatabaseName + "." + m.TableName + "." + m.ColumnName
			if m.TagKey != "" {
				on = "tag " + m.TagKey + "=" + m.TagValue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", m.Name, on, m.MaskExpression)
		}
		return tw.Flush()
	default:
		return a.usage(synopsis)
	}
	return nil
}

// defaultTrust lets principals of the home's own account assume the role
// and tag the session (subject to their own IAM policies), as the IAM
// console's "this account" trusted entity does.
func defaultTrust(account string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account +
		`:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
}

func (a *adminCmd) role(args []string) error {
	const synopsis = "role create NAME [--persona P] [--trust-policy JSON] [--workflow-role NAME]"
	if len(args) == 0 || args[0] != "create" {
		return a.usage(synopsis)
	}
	fs := newFlagSet("admin role create", "sluice admin "+synopsis, a.g)
	persona := fs.String("persona", "", "LF persona: "+strings.Join(iam.Personas(), ", "))
	trust := fs.String("trust-policy", "", "trust policy JSON (default: this account may assume it and tag sessions)")
	workflow := fs.String("workflow-role", "", "the workflow role name in persona policies")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return a.usage(synopsis)
	}
	cp, err := a.open()
	if err != nil {
		return err
	}
	in := iam.CreateRoleInput{Account: cp.AccountID(), RoleName: pos[0], AssumeRolePolicyDocument: *trust}
	if in.AssumeRolePolicyDocument == "" {
		in.AssumeRolePolicyDocument = defaultTrust(cp.AccountID())
	}
	adm := &iam.Admin{Rand: rand.Reader, Sealer: cp.Sealer()}
	var role *iam.Role
	err = cp.Store().Update(func(tx *store.Tx) error {
		recs := iam.BoltRecords{Tx: tx}
		var err error
		if *persona != "" {
			role, err = adm.CreatePersonaRole(recs, time.Now(), in, *persona, *workflow)
		} else {
			role, err = adm.CreateRole(recs, time.Now(), in)
		}
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.g.stdout, "created role %s\n", role.Arn)
	if len(role.AttachedPolicies) > 0 {
		fmt.Fprintf(a.g.stdout, "  attached: %s\n", strings.Join(role.AttachedPolicies, ", "))
	}
	if len(role.InlinePolicies) > 0 {
		names := make([]string, 0, len(role.InlinePolicies))
		for n := range role.InlinePolicies {
			names = append(names, n)
		}
		slices.Sort(names)
		fmt.Fprintf(a.g.stdout, "  inline policies: %s\n", strings.Join(names, ", "))
	}
	return nil
}

package declare

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/catalog"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/lftag"
	"github.com/sluicedb/sluice/authz/maskpolicy"
	"github.com/sluicedb/sluice/authz/store"
)

// Action is what Apply did (or, in a dry run, would do) to one object.
type Action string

// Actions.
const (
	Created   Action = "created"
	Updated   Action = "updated"
	Unchanged Action = "unchanged"
	Deleted   Action = "deleted"
)

// Change is one line of a Report.
type Change struct {
	Kind   string // "Role", "Database", "Table", "Grant", ...
	Name   string // the object's name as the file gives it
	Action Action
	Detail string // what changed, for updates and deletions
}

func (c Change) String() string {
	s := fmt.Sprintf("%-9s %s %s", c.Action, c.Kind, c.Name)
	if c.Detail != "" {
		s += " (" + c.Detail + ")"
	}
	return s
}

// Report is the outcome of Apply: one Change per object, in file order.
type Report struct {
	Changes []Change
	DryRun  bool
	// Version is the catalog version after the call (unchanged when
	// nothing changed, or on a dry run).
	Version uint64
}

// Count returns how many changes had action a.
func (r Report) Count(a Action) int {
	n := 0
	for _, c := range r.Changes {
		if c.Action == a {
			n++
		}
	}
	return n
}

// Options configure Apply.
type Options struct {
	// DryRun validates and reports but commits nothing: the transaction
	// is rolled back.
	DryRun bool
	// Now is the time recorded on grants and registrations (time.Now when
	// zero).
	Now time.Time
}

// errRollback ends a transaction that must not commit (dry run, or a file
// that changed nothing).
var errRollback = errors.New("declare: roll back")

// Apply applies lake to cp in one transaction: all of it or, on the first
// error, none of it. The error names the object that failed and keeps the
// API's error code. The report lists every object of the file.
func Apply(ctx context.Context, cp *authz.ControlPlane, lake *Lake, opts Options) (Report, error) {
	rep := Report{DryRun: opts.DryRun}
	if err := ctx.Err(); err != nil {
		return rep, lferr.Wrap(lferr.OperationTimeout, err, "request cancelled: %v", err)
	}
	if lake == nil {
		return rep, lferr.New(lferr.InvalidInput, "no lake file to apply")
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	err := cp.Store().Update(func(tx *store.Tx) error {
		a := &applier{ctx: ctx, cp: cp, tx: tx, now: now, lake: lake, account: cp.AccountID(),
			cat:  cp.Catalog().In(tx, cp.Admin().Principal),
			tags: cp.LFTags().In(tx), recs: iam.BoltRecords{Tx: tx},
			adm: &iam.Admin{Rand: rand.Reader, Sealer: cp.Sealer()}}
		if err := a.run(); err != nil {
			rep.Changes = a.changes
			return err
		}
		rep.Changes = a.changes
		if opts.DryRun || rep.Count(Unchanged) == len(rep.Changes) {
			return errRollback
		}
		return nil
	})
	rep.Version = cp.CatalogVersion()
	if errors.Is(err, errRollback) {
		err = nil
	}
	if err != nil {
		// The transaction rolled back: report nothing as applied.
		rep.Changes = nil
	}
	return rep, err
}

type applier struct {
	ctx     context.Context
	cp      *authz.ControlPlane
	tx      *store.Tx
	now     time.Time
	lake    *Lake
	account string
	cat     catalog.Txn
	tags    lftag.Txn
	recs    iam.BoltRecords
	adm     *iam.Admin
	changes []Change
}

var trusted = lf.Caller{Trusted: true}

func (a *applier) note(kind, name string, act Action, detail string) {
	a.changes = append(a.changes, Change{Kind: kind, Name: name, Action: act, Detail: detail})
}

// codeOf is err's LF code, InternalServiceException for an untyped error.
func codeOf(err error) lferr.Code {
	if c := lferr.CodeOf(err); c != "" {
		return c
	}
	return lferr.InternalService
}

// fail names the object in the error and keeps the API's code.
func fail(kind, name string, err error) error {
	code := codeOf(err)
	msg := lferr.MessageOf(err)
	if msg == "" {
		msg = err.Error()
	}
	return lferr.Wrap(code, err, "%s %s: %s", kind, name, msg)
}

func isNotFound(err error) bool {
	c := lferr.CodeOf(err)
	return c == lferr.EntityNotFound || c == lferr.NoSuchEntity
}

func (a *applier) run() error {
	steps := []func() error{a.settings, a.managedPolicies, a.users, a.roles, a.databases, a.locations, a.lfTags, a.lfTagExpressions,
		a.assignments, a.filters, a.masks, a.grants, a.pruneGrants}
	for _, step := range steps {
		if err := a.ctx.Err(); err != nil {
			return lferr.Wrap(lferr.OperationTimeout, err, "request cancelled: %v", err)
		}
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) settings() error {
	if a.lake.Settings == nil {
		return nil
	}
	want := *a.lake.Settings
	if err := lf.ValidateSettings(&want); err != nil {
		return fail("Settings", a.account, err)
	}
	have, err := lf.GetSettings(a.tx, a.account)
	if err != nil {
		return fail("Settings", a.account, err)
	}
	if sameJSON(have, want) {
		a.note("Settings", a.account, Unchanged, "")
		return nil
	}
	if err := lf.PutSettings(a.tx, a.account, want); err != nil {
		return fail("Settings", a.account, err)
	}
	a.note("Settings", a.account, Updated, "")
	return nil
}

func sameJSON(x, y any) bool {
	bx, ex := json.Marshal(x)
	by, ey := json.Marshal(y)
	return ex == nil && ey == nil && string(bx) == string(by)
}

// ---- IAM roles ----

func (a *applier) roles() error {
	for _, r := range a.lake.Roles {
		if err := a.role(r); err != nil {
			return fail("Role", r.RoleName, err)
		}
	}
	return nil
}

func (a *applier) role(r Role) error {
	var persona *iam.Persona
	if r.Persona != "" {
		p, err := iam.PersonaByName(r.Persona, a.account, r.WorkflowRole)
		if err != nil {
			return err
		}
		persona = &p
	}
	// The role's whole intended policy set: the persona's, then the file's.
	inline := map[string]string{}
	var managed []string
	if persona != nil {
		maps.Copy(inline, persona.Inline)
		managed = append(managed, persona.Managed...)
	}
	for _, p := range r.Policies {
		if p.PolicyName == "" {
			return lferr.New(lferr.ValidationError, "an inline policy of role %s has no PolicyName", r.RoleName)
		}
		if _, dup := inline[p.PolicyName]; dup && (persona == nil || persona.Inline[p.PolicyName] == "") {
			return lferr.New(lferr.ValidationError, "inline policy %s is given twice", p.PolicyName)
		}
		inline[p.PolicyName] = string(p.PolicyDocument)
	}
	for _, arn := range r.ManagedPolicyArns {
		if !slices.Contains(managed, arn) {
			managed = append(managed, arn)
		}
	}
	tags := make([]iam.Tag, len(r.Tags))
	for i, t := range r.Tags {
		tags[i] = iam.Tag{Key: t.Key, Value: t.Value}
	}
	old, err := a.recs.GetRole(a.account, r.RoleName)
	if err != nil {
		return err
	}
	var details []string
	if old == nil {
		if r.AssumeRolePolicyDocument == "" {
			return lferr.New(lferr.ValidationError, "AssumeRolePolicyDocument is required to create role %s", r.RoleName)
		}
		if _, err := a.adm.CreateRole(a.recs, a.now, iam.CreateRoleInput{Account: a.account, RoleName: r.RoleName, Path: r.Path,
			AssumeRolePolicyDocument: string(r.AssumeRolePolicyDocument), Description: r.Description,
			MaxSessionDuration: r.MaxSessionDuration, Tags: tags}); err != nil {
			return err
		}
	} else {
		if r.Path != "" && r.Path != old.Path {
			return lferr.New(lferr.ValidationError, "role %s has path %s; a role's path cannot change", r.RoleName, old.Path)
		}
		if r.AssumeRolePolicyDocument != "" && canonicalJSON(string(r.AssumeRolePolicyDocument)) != canonicalJSON(old.AssumeRolePolicyDocument) {
			if err := a.adm.UpdateAssumeRolePolicy(a.recs, a.account, r.RoleName, string(r.AssumeRolePolicyDocument)); err != nil {
				return err
			}
			details = append(details, "trust policy")
		}
		if changed := changedTags(old.Tags, tags); len(changed) > 0 {
			if err := a.adm.TagRole(a.recs, a.account, r.RoleName, changed); err != nil {
				return err
			}
			details = append(details, "tags")
		}
		if d, err := a.roleAttributes(r); err != nil {
			return err
		} else if d != "" {
			details = append(details, d)
		}
	}
	cur, err := a.adm.GetRole(a.recs, a.account, r.RoleName)
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(inline)) {
		have, ok := cur.InlinePolicies[name]
		if ok && canonicalJSON(have) == canonicalJSON(inline[name]) {
			continue
		}
		if err := a.adm.PutRolePolicy(a.recs, a.account, r.RoleName, name, inline[name]); err != nil {
			return lferr.Wrap(codeOf(err), err, "inline policy %s: %s", name, lferr.MessageOf(err))
		}
		details = append(details, "policy "+name)
	}
	for _, arn := range managed {
		if slices.Contains(cur.AttachedPolicies, arn) {
			continue
		}
		if err := a.adm.AttachRolePolicy(a.recs, a.account, r.RoleName, arn); err != nil {
			return err
		}
		details = append(details, "attach "+arn)
	}
	if a.lake.Prune {
		for _, name := range slices.Sorted(maps.Keys(cur.InlinePolicies)) {
			if _, keep := inline[name]; !keep {
				if err := a.adm.DeleteRolePolicy(a.recs, a.account, r.RoleName, name); err != nil {
					return err
				}
				details = append(details, "delete policy "+name)
			}
		}
		for _, arn := range cur.AttachedPolicies {
			if !slices.Contains(managed, arn) {
				if err := a.adm.DetachRolePolicy(a.recs, a.account, r.RoleName, arn); err != nil {
					return err
				}
				details = append(details, "detach "+arn)
			}
		}
	}
	switch {
	case old == nil:
		a.note("Role", r.RoleName, Created, "")
	case len(details) > 0:
		a.note("Role", r.RoleName, Updated, strings.Join(details, ", "))
	default:
		a.note("Role", r.RoleName, Unchanged, "")
	}
	return nil
}

// roleAttributes updates Description and MaxSessionDuration, which IAM's
// UpdateRole changes (iam.Admin has no UpdateRole: the same bounds as
// CreateRole are checked here).
func (a *applier) roleAttributes(r Role) (string, error) {
	old, err := a.adm.GetRole(a.recs, a.account, r.RoleName)
	if err != nil {
		return "", err
	}
	var what []string
	if r.Description != "" && r.Description != old.Description {
		if len(r.Description) > 1000 {
			return "", lferr.New(lferr.ValidationError, "Description is longer than 1000 characters")
		}
		old.Description = r.Description
		what = append(what, "description")
	}
	if r.MaxSessionDuration != 0 && r.MaxSessionDuration != old.MaxSessionDuration {
		if r.MaxSessionDuration < iam.MinMaxSession || r.MaxSessionDuration > iam.MaxMaxSession {
			return "", lferr.New(lferr.ValidationError, "MaxSessionDuration %d must be between %d and %d seconds", r.MaxSessionDuration, iam.MinMaxSession, iam.MaxMaxSession)
		}
		old.MaxSessionDuration = r.MaxSessionDuration
		what = append(what, "max session duration")
	}
	if len(what) == 0 {
		return "", nil
	}
	return strings.Join(what, ", "), a.recs.PutRole(old)
}

// changedTags are the tags of want that old lacks or holds with another
// value (IAM tag keys compare case-insensitively).
func changedTags(old, want []iam.Tag) []iam.Tag {
	var out []iam.Tag
	for _, w := range want {
		found := false
		for _, o := range old {
			if strings.EqualFold(o.Key, w.Key) {
				found = o.Value == w.Value && o.Key == w.Key
				break
			}
		}
		if !found {
			out = append(out, w)
		}
	}
	return out
}

func (a *applier) managedPolicies() error {
	for _, p := range a.lake.ManagedPolicies {
		if err := a.managedPolicy(p); err != nil {
			return fail("ManagedPolicy", p.PolicyName, err)
		}
	}
	return nil
}

func (a *applier) managedPolicy(p ManagedPolicy) error {
	path := p.Path
	if path == "" {
		path = "/"
	}
	arn := iam.PolicyARN(a.account, path, p.PolicyName)
	old, err := a.recs.GetPolicy(arn)
	if err != nil {
		return err
	}
	if old == nil {
		if _, err := a.adm.CreatePolicy(a.recs, a.now, iam.CreatePolicyInput{Account: a.account, PolicyName: p.PolicyName, Path: p.Path,
			PolicyDocument: string(p.PolicyDocument), Description: p.Description}); err != nil {
			return err
		}
		a.note("ManagedPolicy", p.PolicyName, Created, "")
		return nil
	}
	if canonicalJSON(old.Document) == canonicalJSON(string(p.PolicyDocument)) {
		a.note("ManagedPolicy", p.PolicyName, Unchanged, "")
		return nil
	}
	// iam.Admin has no CreatePolicyVersion: the new document is checked as
	// CreatePolicy checks one, then becomes the next default version.
	if _, err := iam.ParsePolicy(string(p.PolicyDocument), iam.IdentityPolicy); err != nil {
		return iam.AsMalformed(err)
	}
	n := 1
	if _, err := fmt.Sscanf(old.DefaultVersionId, "v%d", &n); err != nil {
		n = 1
	}
	old.Document = string(p.PolicyDocument)
	old.DefaultVersionId = fmt.Sprintf("v%d", n+1)
	if err := a.recs.PutPolicy(old); err != nil {
		return err
	}
	a.note("ManagedPolicy", p.PolicyName, Updated, "document, now "+old.DefaultVersionId)
	return nil
}

func (a *applier) users() error {
	for _, u := range a.lake.Users {
		if err := a.user(u); err != nil {
			return fail("User", u.UserName, err)
		}
	}
	return nil
}

func (a *applier) user(u User) error {
	tags := make([]iam.Tag, len(u.Tags))
	for i, t := range u.Tags {
		tags[i] = iam.Tag{Key: t.Key, Value: t.Value}
	}
	old, err := a.recs.GetUser(a.account, u.UserName)
	if err != nil {
		return err
	}
	var details []string
	if old == nil {
		if _, err := a.adm.CreateUser(a.recs, a.now, iam.CreateUserInput{Account: a.account, UserName: u.UserName, Path: u.Path, Tags: tags}); err != nil {
			return err
		}
	} else if changed := changedTags(old.Tags, tags); len(changed) > 0 {
		merged := iam.MergeTags(old.Tags, changed)
		if err := iam.ValidateTags(merged); err != nil {
			return err
		}
		old.Tags = merged
		if err := a.recs.PutUser(old); err != nil {
			return err
		}
		details = append(details, "tags")
	}
	cur, err := a.adm.GetUser(a.recs, a.account, u.UserName)
	if err != nil {
		return err
	}
	for _, p := range u.Policies {
		if have, ok := cur.InlinePolicies[p.PolicyName]; ok && canonicalJSON(have) == canonicalJSON(string(p.PolicyDocument)) {
			continue
		}
		if err := a.adm.PutUserPolicy(a.recs, a.account, u.UserName, p.PolicyName, string(p.PolicyDocument)); err != nil {
			return lferr.Wrap(codeOf(err), err, "inline policy %s: %s", p.PolicyName, lferr.MessageOf(err))
		}
		details = append(details, "policy "+p.PolicyName)
	}
	for _, arn := range u.ManagedPolicyArns {
		if slices.Contains(cur.AttachedPolicies, arn) {
			continue
		}
		if err := a.adm.AttachUserPolicy(a.recs, a.account, u.UserName, arn); err != nil {
			return err
		}
		details = append(details, "attach "+arn)
	}
	switch {
	case old == nil:
		a.note("User", u.UserName, Created, "")
	case len(details) > 0:
		a.note("User", u.UserName, Updated, strings.Join(details, ", "))
	default:
		a.note("User", u.UserName, Unchanged, "")
	}
	return nil
}

// ---- Glue databases and tables ----

func (a *applier) catalogOf(id string) string {
	if id == "" {
		return a.account
	}
	return id
}

func (a *applier) databases() error {
	for _, d := range a.lake.Databases {
		if err := a.database(d); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) database(d Database) error {
	catID := a.catalogOf(d.CatalogId)
	in := api.DatabaseInput{Name: d.Name, Description: d.Description, LocationUri: d.LocationUri, Parameters: d.Parameters}
	old, err := a.cat.GetDatabase(catID, d.Name)
	switch {
	case isNotFound(err):
		if err := a.cat.CreateDatabase(catID, in); err != nil {
			return fail("Database", d.Name, err)
		}
		a.note("Database", d.Name, Created, "")
	case err != nil:
		return fail("Database", d.Name, err)
	default:
		var what []string
		if d.Description != old.Description {
			what = append(what, "description")
		}
		if d.LocationUri != "" && d.LocationUri != old.LocationUri {
			what = append(what, "location")
		}
		if !maps.Equal(d.Parameters, old.Parameters) {
			what = append(what, "parameters")
		}
		if len(what) == 0 {
			a.note("Database", d.Name, Unchanged, "")
			break
		}
		if err := a.cat.UpdateDatabase(catID, d.Name, in); err != nil {
			return fail("Database", d.Name, err)
		}
		a.note("Database", d.Name, Updated, strings.Join(what, ", "))
	}
	for _, t := range d.Tables {
		if err := a.table(catID, d.Name, t); err != nil {
			return fail("Table", d.Name+"."+t.Name, err)
		}
	}
	return nil
}

func (a *applier) table(catID, db string, t api.TableInput) error {
	name := db + "." + t.Name
	old, err := a.cat.GetTable(catID, db, t.Name)
	if isNotFound(err) {
		if err := a.cat.CreateTable(catID, db, t); err != nil {
			return err
		}
		a.note("Table", name, Created, "")
		return nil
	}
	if err != nil {
		return err
	}
	have := tableInputOf(old)
	want := overlayTable(have, t)
	what := tableDiff(have, want)
	if len(what) == 0 {
		a.note("Table", name, Unchanged, "")
		return nil
	}
	if err := a.cat.UpdateTable(catID, db, want); err != nil {
		return err
	}
	a.note("Table", name, Updated, strings.Join(what, ", "))
	return nil
}

func tableInputOf(t *api.Table) api.TableInput {
	in := api.TableInput{Name: t.Name, Description: t.Description, Owner: t.Owner, PartitionKeys: t.PartitionKeys,
		ViewOriginalText: t.ViewOriginalText, ViewExpandedText: t.ViewExpandedText, TableType: t.TableType, Parameters: t.Parameters}
	if t.StorageDescriptor != nil {
		sd := *t.StorageDescriptor
		in.StorageDescriptor = &sd
	}
	return in
}

// overlayTable is the stored table with what the file says laid over it:
// fields the file leaves out keep their stored (often defaulted) values,
// so a file that says less than the catalog holds is not a change.
func overlayTable(have, file api.TableInput) api.TableInput {
	out := have
	out.Name = file.Name
	if file.Description != "" {
		out.Description = file.Description
	}
	if file.Owner != "" {
		out.Owner = file.Owner
	}
	if file.TableType != "" {
		out.TableType = file.TableType
	}
	if file.ViewOriginalText != "" {
		out.ViewOriginalText = file.ViewOriginalText
	}
	if file.ViewExpandedText != "" {
		out.ViewExpandedText = file.ViewExpandedText
	}
	if file.Parameters != nil {
		out.Parameters = file.Parameters
	}
	if file.PartitionKeys != nil {
		out.PartitionKeys = file.PartitionKeys
	}
	if f := file.StorageDescriptor; f != nil {
		var sd api.StorageDescriptor
		if have.StorageDescriptor != nil {
			sd = *have.StorageDescriptor
		}
		if f.Columns != nil {
			sd.Columns = f.Columns
		}
		if f.Location != "" {
			sd.Location = f.Location
		}
		if f.InputFormat != "" {
			sd.InputFormat = f.InputFormat
		}
		if f.OutputFormat != "" {
			sd.OutputFormat = f.OutputFormat
		}
		if f.Compressed {
			sd.Compressed = true
		}
		if f.SerdeInfo != nil {
			sd.SerdeInfo = f.SerdeInfo
		}
		if f.Parameters != nil {
			sd.Parameters = f.Parameters
		}
		out.StorageDescriptor = &sd
	}
	return out
}

func tableDiff(have, want api.TableInput) []string {
	var what []string
	add := func(changed bool, w string) {
		if changed {
			what = append(what, w)
		}
	}
	add(have.Description != want.Description, "description")
	add(have.Owner != want.Owner, "owner")
	add(have.TableType != want.TableType, "table type")
	add(have.ViewOriginalText != want.ViewOriginalText || have.ViewExpandedText != want.ViewExpandedText, "view text")
	add(!maps.Equal(have.Parameters, want.Parameters), "parameters")
	add(!sameColumns(have.PartitionKeys, want.PartitionKeys), "partition keys")
	var hs, ws api.StorageDescriptor
	if have.StorageDescriptor != nil {
		hs = *have.StorageDescriptor
	}
	if want.StorageDescriptor != nil {
		ws = *want.StorageDescriptor
	}
	add(!sameColumns(hs.Columns, ws.Columns), "columns")
	add(hs.Location != ws.Location, "location")
	hs.Columns, ws.Columns, hs.Location, ws.Location = nil, nil, "", ""
	add(!sameJSON(hs, ws), "storage descriptor")
	return what
}

// sameColumns compares columns as the catalog does: names and types
// case-insensitively.
func sameColumns(a, b []api.Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i].Name, b[i].Name) || !strings.EqualFold(a[i].Type, b[i].Type) ||
			a[i].Comment != b[i].Comment || !maps.Equal(a[i].Parameters, b[i].Parameters) {
			return false
		}
	}
	return true
}

// ---- registered locations ----

func (a *applier) locations() error {
	for _, l := range a.lake.RegisteredLocations {
		old, err := lf.DescribeResource(a.tx, l.ResourceArn)
		if isNotFound(err) {
			if err := lf.RegisterResource(a.tx, l, a.now); err != nil {
				return fail("RegisteredLocation", l.ResourceArn, err)
			}
			a.note("RegisteredLocation", l.ResourceArn, Created, "")
			continue
		}
		if err != nil {
			return fail("RegisteredLocation", l.ResourceArn, err)
		}
		if (l.RoleArn == "" || l.RoleArn == old.RoleArn) && l.WithFederation == old.WithFederation &&
			l.HybridAccessEnabled == old.HybridAccessEnabled && l.WithPrivilegedAccess == old.WithPrivilegedAccess {
			a.note("RegisteredLocation", l.ResourceArn, Unchanged, "")
			continue
		}
		if err := lf.UpdateResource(a.tx, l, a.now); err != nil {
			return fail("RegisteredLocation", l.ResourceArn, err)
		}
		a.note("RegisteredLocation", l.ResourceArn, Updated, "")
	}
	return nil
}

// ---- LF-tags, expressions and assignments ----

func lowerAll(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = strings.ToLower(s)
	}
	return out
}

func (a *applier) lfTags() error {
	for _, t := range a.lake.LFTags {
		old, err := a.tags.GetLFTag(api.GetLFTagInput{CatalogId: t.CatalogId, TagKey: t.TagKey})
		if isNotFound(err) {
			if err := a.tags.CreateLFTag(t); err != nil {
				return fail("LFTag", t.TagKey, err)
			}
			a.note("LFTag", t.TagKey, Created, "")
			continue
		}
		if err != nil {
			return fail("LFTag", t.TagKey, err)
		}
		have, want := lowerAll(old.TagValues), lowerAll(t.TagValues)
		var add, del []string
		for i, v := range want {
			if !slices.Contains(have, v) && !slices.Contains(add, t.TagValues[i]) {
				add = append(add, t.TagValues[i])
			}
		}
		if a.lake.Prune {
			for i, v := range have {
				if !slices.Contains(want, v) {
					del = append(del, old.TagValues[i])
				}
			}
		}
		if len(add) == 0 && len(del) == 0 {
			a.note("LFTag", t.TagKey, Unchanged, "")
			continue
		}
		if err := a.tags.UpdateLFTag(api.UpdateLFTagInput{CatalogId: t.CatalogId, TagKey: t.TagKey, TagValuesToAdd: add, TagValuesToDelete: del}); err != nil {
			return fail("LFTag", t.TagKey, err)
		}
		var what []string
		if len(add) > 0 {
			what = append(what, "add "+strings.Join(add, ","))
		}
		if len(del) > 0 {
			what = append(what, "delete "+strings.Join(del, ","))
		}
		a.note("LFTag", t.TagKey, Updated, strings.Join(what, "; "))
	}
	return nil
}

func (a *applier) lfTagExpressions() error {
	for _, e := range a.lake.LFTagExpressions {
		old, err := a.tags.GetLFTagExpression(api.GetLFTagExpressionInput{CatalogId: e.CatalogId, Name: e.Name})
		if isNotFound(err) {
			if err := a.tags.CreateLFTagExpression(e); err != nil {
				return fail("LFTagExpression", e.Name, err)
			}
			a.note("LFTagExpression", e.Name, Created, "")
			continue
		}
		if err != nil {
			return fail("LFTagExpression", e.Name, err)
		}
		if old.Description == e.Description && sameExpression(old.Expression, e.Expression) {
			a.note("LFTagExpression", e.Name, Unchanged, "")
			continue
		}
		if err := a.tags.UpdateLFTagExpression(e); err != nil {
			return fail("LFTagExpression", e.Name, err)
		}
		a.note("LFTagExpression", e.Name, Updated, "")
	}
	return nil
}

// sameExpression compares LF-tag expressions as sets of lower-cased keys
// and values (the service stores them lower-cased).
func sameExpression(x, y []api.LFTag) bool {
	norm := func(l []api.LFTag) map[string][]string {
		m := map[string][]string{}
		for _, t := range l {
			m[strings.ToLower(t.TagKey)] = append(m[strings.ToLower(t.TagKey)], lowerAll(t.TagValues)...)
		}
		for k := range m {
			slices.Sort(m[k])
			m[k] = slices.Compact(m[k])
		}
		return m
	}
	nx, ny := norm(x), norm(y)
	return maps.EqualFunc(nx, ny, slices.Equal)
}

func resourceName(r *api.Resource) string {
	if r == nil {
		return "(no resource)"
	}
	switch {
	case r.Catalog != nil:
		return strings.TrimSpace("catalog " + r.Catalog.Id)
	case r.Database != nil:
		return "database " + r.Database.Name
	case r.Table != nil:
		if r.Table.TableWildcard != nil {
			return "tables " + r.Table.DatabaseName + ".*"
		}
		return "table " + r.Table.DatabaseName + "." + r.Table.Name
	case r.TableWithColumns != nil:
		t := r.TableWithColumns
		if t.ColumnWildcard != nil {
			s := "columns " + t.DatabaseName + "." + t.Name + ":*"
			if len(t.ColumnWildcard.ExcludedColumnNames) > 0 {
				s += " except " + strings.Join(t.ColumnWildcard.ExcludedColumnNames, ",")
			}
			return s
		}
		return "columns " + t.DatabaseName + "." + t.Name + ":" + strings.Join(t.ColumnNames, ",")
	case r.DataLocation != nil:
		return "location " + r.DataLocation.ResourceArn
	case r.DataCellsFilter != nil:
		f := r.DataCellsFilter
		return "filter " + f.DatabaseName + "." + f.TableName + ":" + f.Name
	case r.LFTag != nil:
		return "LF-tag " + r.LFTag.TagKey + "=" + strings.Join(r.LFTag.TagValues, ",")
	case r.LFTagPolicy != nil:
		p := r.LFTagPolicy
		if p.ExpressionName != "" {
			return "tag-policy " + p.ResourceType + ":" + p.ExpressionName
		}
		var parts []string
		for _, t := range p.Expression {
			parts = append(parts, t.TagKey+"="+strings.Join(t.TagValues, ","))
		}
		return "tag-policy " + p.ResourceType + ":" + strings.Join(parts, ";")
	case r.LFTagExpression != nil:
		return "tag-expression " + r.LFTagExpression.Name
	}
	return "(empty resource)"
}

// assignedTags are the tags assigned (not inherited) on the resource of
// an assignment: per target name (the database, the table, or each
// column), key → value.
func (a *applier) assignedTags(in api.AddLFTagsToResourceInput) (map[string]map[string]string, []string, error) {
	out, err := a.tags.GetResourceLFTags(api.GetResourceLFTagsInput{CatalogId: in.CatalogId, Resource: in.Resource, ShowAssignedLFTags: true})
	if err != nil {
		return nil, nil, err
	}
	pairs := func(l []api.LFTagPair) map[string]string {
		m := map[string]string{}
		for _, p := range l {
			if len(p.TagValues) > 0 {
				m[strings.ToLower(p.TagKey)] = strings.ToLower(p.TagValues[0])
			}
		}
		return m
	}
	r := in.Resource
	switch {
	case r.Database != nil:
		return map[string]map[string]string{"": pairs(out.LFTagOnDatabase)}, []string{""}, nil
	case r.Table != nil:
		return map[string]map[string]string{"": pairs(out.LFTagsOnTable)}, []string{""}, nil
	case r.TableWithColumns != nil && len(r.TableWithColumns.ColumnNames) > 0 && r.TableWithColumns.ColumnWildcard == nil:
		m := map[string]map[string]string{}
		var targets []string
		for _, c := range r.TableWithColumns.ColumnNames {
			targets = append(targets, strings.ToLower(c))
			m[strings.ToLower(c)] = map[string]string{}
		}
		for _, c := range out.LFTagsOnColumns {
			if cm, ok := m[strings.ToLower(c.Name)]; ok {
				maps.Copy(cm, pairs(c.LFTags))
			}
		}
		return m, targets, nil
	}
	return nil, nil, lferr.New(lferr.InvalidInput, "LF-tags are assigned to a Database, a Table, or named columns (TableWithColumns with ColumnNames, no ColumnWildcard)")
}

func (a *applier) assignments() error {
	for _, in := range a.lake.LFTagAssignments {
		name := resourceName(in.Resource)
		if in.Resource == nil {
			return fail("LFTagAssignment", name, lferr.New(lferr.InvalidInput, "Resource is required"))
		}
		have, targets, err := a.assignedTags(in)
		if err != nil {
			return fail("LFTagAssignment", name, err)
		}
		var add []api.LFTagPair
		want := map[string]bool{}
		for _, p := range in.LFTags {
			k := strings.ToLower(p.TagKey)
			want[k] = true
			if len(p.TagValues) != 1 {
				// Let the API say why (exactly one value per assignment).
				add = append(add, p)
				continue
			}
			v := strings.ToLower(p.TagValues[0])
			for _, t := range targets {
				if have[t][k] != v {
					add = append(add, p)
					break
				}
			}
		}
		var remove []api.LFTagPair
		if a.lake.Prune {
			seen := map[string]bool{}
			for _, t := range targets {
				for _, k := range slices.Sorted(maps.Keys(have[t])) {
					if !want[k] && !seen[k+"="+have[t][k]] {
						seen[k+"="+have[t][k]] = true
						remove = append(remove, api.LFTagPair{TagKey: k, TagValues: []string{have[t][k]}})
					}
				}
			}
		}
		if len(add) == 0 && len(remove) == 0 {
			a.note("LFTagAssignment", name, Unchanged, "")
			continue
		}
		act := Updated
		if len(remove) == 0 && allEmpty(have) {
			act = Created
		}
		var what []string
		if len(remove) > 0 {
			// Only removed where assigned with that value on every target.
			out, err := a.tags.RemoveLFTagsFromResource(api.RemoveLFTagsFromResourceInput{CatalogId: in.CatalogId, Resource: in.Resource, LFTags: remove})
			if err == nil && len(out.Failures) > 0 {
				err = failureErr(out.Failures[0])
			}
			if err != nil {
				return fail("LFTagAssignment", name, err)
			}
			what = append(what, "removed "+pairsString(remove))
		}
		if len(add) > 0 {
			out, err := a.tags.AddLFTagsToResource(api.AddLFTagsToResourceInput{CatalogId: in.CatalogId, Resource: in.Resource, LFTags: add})
			if err == nil && len(out.Failures) > 0 {
				err = failureErr(out.Failures[0])
			}
			if err != nil {
				return fail("LFTagAssignment", name, err)
			}
			what = append(what, "assigned "+pairsString(add))
		}
		a.note("LFTagAssignment", name, act, strings.Join(what, "; "))
	}
	return nil
}

func allEmpty(m map[string]map[string]string) bool {
	for _, v := range m {
		if len(v) > 0 {
			return false
		}
	}
	return true
}

func pairsString(l []api.LFTagPair) string {
	parts := make([]string, len(l))
	for i, p := range l {
		parts[i] = p.TagKey + "=" + strings.Join(p.TagValues, ",")
	}
	return strings.Join(parts, " ")
}

// failureErr turns a per-tag failure of a batch-style answer into an error:
// the file asked for it, so it must not be skipped silently.
func failureErr(f api.LFTagError) error {
	code, msg := lferr.InternalService, "LF-tag not applied"
	if f.Error != nil {
		code, msg = lferr.Code(f.Error.ErrorCode), f.Error.ErrorMessage
	}
	tag := ""
	if f.LFTag != nil {
		tag = f.LFTag.TagKey + "=" + strings.Join(f.LFTag.TagValues, ",") + ": "
	}
	return lferr.New(code, "%s%s", tag, msg)
}

// ---- data cells filters and column masks ----

func (a *applier) filters() error {
	for _, f := range a.lake.DataCellsFilters {
		name := f.DatabaseName + "." + f.TableName + ":" + f.Name
		catID := a.catalogOf(f.TableCatalogId)
		f.TableCatalogId = catID
		old, err := lf.GetDataCellsFilter(a.tx, catID, f.DatabaseName, f.TableName, f.Name)
		if isNotFound(err) {
			if err := lf.CreateDataCellsFilter(a.tx, catID, trusted, f); err != nil {
				return fail("DataCellsFilter", name, err)
			}
			a.note("DataCellsFilter", name, Created, "")
			continue
		}
		if err != nil {
			return fail("DataCellsFilter", name, err)
		}
		if sameFilter(old, &f) {
			a.note("DataCellsFilter", name, Unchanged, "")
			continue
		}
		f.VersionId = ""
		if err := lf.UpdateDataCellsFilter(a.tx, catID, trusted, f); err != nil {
			return fail("DataCellsFilter", name, err)
		}
		a.note("DataCellsFilter", name, Updated, "")
	}
	return nil
}

func sameFilter(old, f *api.DataCellsFilter) bool {
	rowOf := func(r *api.RowFilter) string {
		if r == nil || r.AllRowsWildcard != nil {
			return "*"
		}
		return strings.TrimSpace(r.FilterExpression)
	}
	if rowOf(old.RowFilter) != rowOf(f.RowFilter) {
		return false
	}
	if (old.ColumnWildcard == nil) != (f.ColumnWildcard == nil) {
		return false
	}
	if old.ColumnWildcard != nil && !sameSet(old.ColumnWildcard.ExcludedColumnNames, f.ColumnWildcard.ExcludedColumnNames) {
		return false
	}
	return sameSet(old.ColumnNames, f.ColumnNames)
}

func sameSet(x, y []string) bool {
	a, b := lowerAll(x), lowerAll(y)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func (a *applier) masks() error {
	for _, m := range a.lake.ColumnMasks {
		catID := a.catalogOf(m.CatalogId)
		old, err := maskpolicy.Get(a.tx, catID, m.Name)
		if isNotFound(err) {
			if err := maskpolicy.Create(a.tx, a.cp.Catalog(), a.account, m); err != nil {
				return fail("ColumnMask", m.Name, err)
			}
			a.note("ColumnMask", m.Name, Created, "")
			continue
		}
		if err != nil {
			return fail("ColumnMask", m.Name, err)
		}
		w := m
		w.CatalogId = catID
		if strings.EqualFold(old.DatabaseName, w.DatabaseName) && strings.EqualFold(old.TableName, w.TableName) &&
			strings.EqualFold(old.ColumnName, w.ColumnName) && strings.EqualFold(old.TagKey, w.TagKey) &&
			strings.EqualFold(old.TagValue, w.TagValue) && old.MaskExpression == w.MaskExpression && old.Description == w.Description {
			a.note("ColumnMask", m.Name, Unchanged, "")
			continue
		}
		if err := maskpolicy.Update(a.tx, a.cp.Catalog(), a.account, m); err != nil {
			return fail("ColumnMask", m.Name, err)
		}
		a.note("ColumnMask", m.Name, Updated, "")
	}
	return nil
}

// ---- grants ----

func (a *applier) grants() error {
	for _, g := range a.lake.Grants {
		who := ""
		if g.Principal != nil {
			who = g.Principal.DataLakePrincipalIdentifier
		}
		name := who + " on " + resourceName(g.Resource)
		held, err := a.holds(g)
		if err != nil {
			return fail("Grant", name, err)
		}
		if held {
			a.note("Grant", name, Unchanged, "")
			continue
		}
		if err := lf.GrantPermissions(a.tx, a.account, trusted, g, a.now); err != nil {
			return fail("Grant", name, err)
		}
		a.note("Grant", name, Created, strings.Join(g.Permissions, ","))
	}
	return nil
}

// holds says whether the principal already holds every permission (and
// grant option) of g by an explicit grant on the same resource. Granting
// again would change nothing but the grant's LastUpdated, which must not
// count as a change.
func (a *applier) holds(g lf.GrantInput) (bool, error) {
	if g.Principal == nil || g.Resource == nil {
		return false, nil // the API names what is missing
	}
	principal, err := lf.NormalizePrincipal(g.Principal.DataLakePrincipalIdentifier)
	if err != nil {
		return false, err
	}
	res := g.Resource
	if twc := res.TableWithColumns; twc != nil {
		res = &api.Resource{Table: &api.TableResource{CatalogId: twc.CatalogId, DatabaseName: twc.DatabaseName, Name: twc.Name}}
	}
	rows, err := listAll(a.tx, a.account, lf.ListInput{Resource: res})
	if err != nil {
		if isNotFound(err) {
			return false, nil // the grant itself reports the missing resource
		}
		return false, err
	}
	for _, r := range rows {
		if r.Principal == nil || r.Principal.DataLakePrincipalIdentifier != principal || r.Resource == nil {
			continue
		}
		if (r.Resource.TableWithColumns != nil) != (g.Resource.TableWithColumns != nil) {
			continue
		}
		if (r.Resource.Table != nil) != (g.Resource.Table != nil) {
			continue
		}
		if t := g.Resource.TableWithColumns; t != nil && !coversColumns(r.Resource.TableWithColumns, t) {
			continue
		}
		if subset(g.Permissions, r.Permissions) && subset(g.PermissionsWithGrantOption, r.PermissionsWithGrantOption) {
			return true, nil
		}
	}
	return false, nil
}

func subset(want, have []string) bool {
	for _, w := range want {
		if !slices.Contains(have, strings.ToUpper(w)) {
			return false
		}
	}
	return true
}

func coversColumns(have, want *api.TableWithColumnsResource) bool {
	switch {
	case want.ColumnWildcard != nil:
		return have.ColumnWildcard != nil && sameSet(have.ColumnWildcard.ExcludedColumnNames, want.ColumnWildcard.ExcludedColumnNames)
	case have.ColumnWildcard != nil:
		for _, c := range want.ColumnNames {
			if slices.Contains(lowerAll(have.ColumnWildcard.ExcludedColumnNames), strings.ToLower(c)) {
				return false
			}
		}
		return true
	}
	hc := lowerAll(have.ColumnNames)
	for _, c := range want.ColumnNames {
		if !slices.Contains(hc, strings.ToLower(c)) {
			return false
		}
	}
	return true
}

// listAll pages through ListPermissions as the home's owner.
func listAll(tx *store.Tx, catalogID string, in lf.ListInput) ([]api.PrincipalResourcePermissions, error) {
	var out []api.PrincipalResourcePermissions
	for {
		rows, next, err := lf.ListPermissions(tx, catalogID, trusted, in)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
		if next == "" {
			return out, nil
		}
		in.NextToken = next
	}
}

// resourceKey identifies a grant's resource the way the grant store does
// (kind and lower-cased names; LF-tag values as a set), ignoring a
// TableWithColumns' columns, which pruneGrants compares separately.
func resourceKey(r *api.Resource) string {
	if r == nil {
		return ""
	}
	lower := strings.ToLower
	switch {
	case r.Catalog != nil:
		return "catalog"
	case r.Database != nil:
		return "database:" + lower(r.Database.Name)
	case r.Table != nil:
		if r.Table.TableWildcard != nil {
			return "table:" + lower(r.Table.DatabaseName) + ".*"
		}
		return "table:" + lower(r.Table.DatabaseName) + "." + lower(r.Table.Name)
	case r.TableWithColumns != nil:
		return "columns:" + lower(r.TableWithColumns.DatabaseName) + "." + lower(r.TableWithColumns.Name)
	case r.DataCellsFilter != nil:
		f := r.DataCellsFilter
		return "filter:" + lower(f.DatabaseName) + "." + lower(f.TableName) + ":" + lower(f.Name)
	case r.DataLocation != nil:
		if n, err := lf.NormalizeLocation(r.DataLocation.ResourceArn); err == nil {
			return "location:" + n
		}
		return "location:" + r.DataLocation.ResourceArn
	case r.LFTag != nil:
		v := lowerAll(r.LFTag.TagValues)
		slices.Sort(v)
		return "tag:" + lower(r.LFTag.TagKey) + "=" + strings.Join(slices.Compact(v), ",")
	case r.LFTagPolicy != nil:
		p := r.LFTagPolicy
		if p.ExpressionName != "" {
			return "policy:" + strings.ToUpper(p.ResourceType) + ":@" + lower(p.ExpressionName)
		}
		var terms []string
		for _, t := range p.Expression {
			v := lowerAll(t.TagValues)
			slices.Sort(v)
			terms = append(terms, lower(t.TagKey)+"="+strings.Join(slices.Compact(v), ","))
		}
		slices.Sort(terms)
		return "policy:" + strings.ToUpper(p.ResourceType) + ":" + strings.Join(terms, ":")
	case r.LFTagExpression != nil:
		return "expression:" + lower(r.LFTagExpression.Name)
	}
	return ""
}

// pruneGrants (Prune only) revokes, for each principal the file grants
// to, the explicit grants and permissions the file does not list, so the
// file states exactly what those principals hold. Principals the file
// does not name keep everything.
func (a *applier) pruneGrants() error {
	if !a.lake.Prune || len(a.lake.Grants) == 0 {
		return nil
	}
	type want struct {
		perms, grantable []string
		cols             []string // include-list columns declared (TableWithColumns)
		wildcard         bool     // a TableWithColumns declared with a column wildcard
	}
	declared := map[string]map[string]*want{}
	for _, g := range a.lake.Grants {
		if g.Principal == nil || g.Resource == nil {
			continue
		}
		p, err := lf.NormalizePrincipal(g.Principal.DataLakePrincipalIdentifier)
		if err != nil {
			continue // GrantPermissions already refused it
		}
		if declared[p] == nil {
			declared[p] = map[string]*want{}
		}
		k := resourceKey(g.Resource)
		w := declared[p][k]
		if w == nil {
			w = &want{}
			declared[p][k] = w
		}
		w.perms = append(w.perms, upperAll(g.Permissions)...)
		w.grantable = append(w.grantable, upperAll(g.PermissionsWithGrantOption)...)
		if t := g.Resource.TableWithColumns; t != nil {
			if t.ColumnWildcard != nil {
				w.wildcard = true
			}
			w.cols = append(w.cols, lowerAll(t.ColumnNames)...)
		}
	}
	rows, err := listAll(a.tx, a.account, lf.ListInput{})
	if err != nil {
		return fail("Grant", "listing", err)
	}
	for _, r := range rows {
		if r.Principal == nil || r.Resource == nil {
			continue
		}
		p := r.Principal.DataLakePrincipalIdentifier
		mine, ok := declared[p]
		if !ok {
			continue
		}
		name := p + " on " + resourceName(r.Resource)
		rev := lf.GrantInput{Principal: r.Principal, Resource: r.Resource}
		w := mine[resourceKey(r.Resource)]
		if w == nil {
			rev.Permissions = r.Permissions
		} else {
			for _, perm := range r.Permissions {
				if !slices.Contains(w.perms, perm) {
					rev.Permissions = append(rev.Permissions, perm)
				}
			}
			for _, perm := range r.PermissionsWithGrantOption {
				if !slices.Contains(w.grantable, perm) && !slices.Contains(rev.Permissions, perm) {
					rev.PermissionsWithGrantOption = append(rev.PermissionsWithGrantOption, perm)
				}
			}
			// Columns granted beyond the declared include lists go too.
			if t := r.Resource.TableWithColumns; t != nil && t.ColumnWildcard == nil && !w.wildcard && len(rev.Permissions) == 0 {
				var extra []string
				for _, c := range t.ColumnNames {
					if !slices.Contains(w.cols, strings.ToLower(c)) {
						extra = append(extra, c)
					}
				}
				if len(extra) > 0 {
					cols := lf.GrantInput{Principal: r.Principal, Permissions: []string{"SELECT"}, Resource: &api.Resource{TableWithColumns: &api.TableWithColumnsResource{
						CatalogId: t.CatalogId, DatabaseName: t.DatabaseName, Name: t.Name, ColumnNames: extra}}}
					if err := lf.RevokePermissions(a.tx, a.account, trusted, cols, a.now); err != nil {
						return fail("Grant", name, err)
					}
					a.note("Grant", name, Deleted, "revoked SELECT on columns "+strings.Join(extra, ","))
				}
			}
		}
		if len(rev.Permissions) == 0 && len(rev.PermissionsWithGrantOption) == 0 {
			continue
		}
		if err := lf.RevokePermissions(a.tx, a.account, trusted, rev, a.now); err != nil {
			return fail("Grant", name, err)
		}
		what := "revoked " + strings.Join(rev.Permissions, ",")
		if len(rev.PermissionsWithGrantOption) > 0 {
			what = strings.TrimSpace(what + " grant option " + strings.Join(rev.PermissionsWithGrantOption, ","))
		}
		a.note("Grant", name, Deleted, what)
	}
	return nil
}

func upperAll(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = strings.ToUpper(s)
	}
	return out
}

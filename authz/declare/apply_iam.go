package declare

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lferr"
)

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

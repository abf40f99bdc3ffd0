package iam

import (
	"strconv"
	"strings"
	"time"
)

// Tag is an IAM or session tag. Keys compare case-insensitively (case is
// preserved), values case-sensitively.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Caller is the principal making a request, as resource-based (trust)
// policies match it.
type Caller struct {
	ARN     string // the caller's ARN (assumed-role ARN for role sessions)
	Kind    PrincipalKind
	Account string
	RoleARN string // role sessions: the IAM ARN of the role
	Service string // service principals: "glue.amazonaws.com"
	UserID  string // "AIDA…" or "AROA…:session"
}

// Context is the request context of one authorization question: the
// action, one resource ARN, the time, the caller and the condition keys.
// Build it once per request; evaluation does not allocate.
type Context struct {
	Action   string
	action   string // lower-cased
	Resource string
	Now      time.Time
	Caller   Caller
	keys     map[string][]string // lower-cased key → values
}

// NewContext starts a request context.
func NewContext(action, resource string, now time.Time) *Context {
	return &Context{Action: action, action: strings.ToLower(action), Resource: resource, Now: now.UTC(),
		keys: make(map[string][]string, 8)}
}

// WithResource returns a shallow copy for another resource ARN of the same
// request (Glue calls authorize catalog, database and table ARNs).
func (c *Context) WithResource(resource string) *Context {
	cp := *c
	cp.Resource = resource
	return &cp
}

// WithAction returns a shallow copy for another action of the same request
// (sts:AssumeRole then sts:TagSession). The condition keys are shared.
func (c *Context) WithAction(action string) *Context {
	cp := *c
	cp.Action, cp.action = action, strings.ToLower(action)
	return &cp
}

// Set sets condition key key (case-insensitive) to values; no values
// removes it.
func (c *Context) Set(key string, values ...string) *Context {
	k := strings.ToLower(key)
	if len(values) == 0 {
		delete(c.keys, k)
		return c
	}
	c.keys[k] = values
	return c
}

// Get returns the values of a condition key.
func (c *Context) Get(key string) ([]string, bool) { return c.lookup(strings.ToLower(key)) }

// SetCaller records the calling principal and its tags (IAM user/role tags
// merged with session tags, session tags winning — see MergeTags), and the
// global keys derived from it.
func (c *Context) SetCaller(caller Caller, principalTags []Tag) *Context {
	c.Caller = caller
	if caller.Account != "" {
		c.Set("aws:PrincipalAccount", caller.Account)
	}
	switch caller.Kind {
	case KindAssumedRole:
		// aws:PrincipalArn of a role session is the role's ARN.
		c.Set("aws:PrincipalArn", caller.RoleARN)
		c.Set("aws:PrincipalType", "AssumedRole")
	case KindUser:
		c.Set("aws:PrincipalArn", caller.ARN)
		c.Set("aws:PrincipalType", "User")
		if p, err := ParsePrincipal(caller.ARN); err == nil {
			c.Set("aws:username", p.Name)
		}
	case KindRoot:
		c.Set("aws:PrincipalArn", caller.ARN)
		c.Set("aws:PrincipalType", "Account")
	case KindRole:
		c.Set("aws:PrincipalArn", caller.ARN)
	case KindService:
		c.Set("aws:PrincipalServiceName", caller.Service)
	}
	if caller.UserID != "" {
		c.Set("aws:userid", caller.UserID)
	}
	for _, t := range principalTags {
		c.keys["aws:principaltag/"+strings.ToLower(t.Key)] = []string{t.Value}
	}
	return c
}

// SetRequestTags records tags passed in the request (session tags for
// sts:AssumeRole / sts:TagSession): aws:RequestTag/KEY and aws:TagKeys.
func (c *Context) SetRequestTags(tags []Tag) *Context {
	if len(tags) == 0 {
		return c
	}
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		c.keys["aws:requesttag/"+strings.ToLower(t.Key)] = []string{t.Value}
		keys = append(keys, t.Key)
	}
	c.keys["aws:tagkeys"] = keys
	return c
}

// lookup returns the values of lower-cased key k; present is false for an
// absent key or an empty list. Time keys are derived from Now.
func (c *Context) lookup(k string) ([]string, bool) {
	if v, ok := c.keys[k]; ok {
		return v, len(v) > 0
	}
	switch k {
	case "aws:currenttime":
		if c.Now.IsZero() {
			return nil, false
		}
		return []string{c.Now.Format(time.RFC3339)}, true
	case "aws:epochtime":
		if c.Now.IsZero() {
			return nil, false
		}
		return []string{strconv.FormatInt(c.Now.Unix(), 10)}, true
	}
	return nil, false
}

// resolveVars substitutes policy variables ${key} and ${key, 'default'}
// (and the escapes ${*}, ${?}, ${$}). ok is false when a variable has no
// single value and no default: the pattern then matches nothing.
func (c *Context) resolveVars(s string) (string, bool) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		b.WriteString(s[:i])
		expr := strings.TrimSpace(s[i+2 : i+j])
		s = s[i+j+1:]
		switch expr {
		case "*", "?", "$":
			b.WriteString(expr)
			continue
		}
		key, def, hasDef := expr, "", false
		if k, d, ok := strings.Cut(expr, ","); ok {
			d = strings.TrimSpace(d)
			if len(d) >= 2 && d[0] == '\'' && d[len(d)-1] == '\'' {
				key, def, hasDef = strings.TrimSpace(k), d[1:len(d)-1], true
			}
		}
		vals, ok := c.lookup(strings.ToLower(key))
		switch {
		case ok && len(vals) == 1:
			b.WriteString(vals[0])
		case hasDef:
			b.WriteString(def)
		default:
			return "", false
		}
	}
}

// MergeTags returns base overlaid with override: a tag of override replaces
// a base tag with the same key compared case-insensitively (session tags
// override role or user tags, spec §8.2).
func MergeTags(base, override []Tag) []Tag {
	out := make([]Tag, 0, len(base)+len(override))
	for _, t := range base {
		dup := false
		for _, o := range override {
			if strings.EqualFold(o.Key, t.Key) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, t)
		}
	}
	return append(out, override...)
}

package iam

import (
	"sort"
	"sync"

	"github.com/sluicedb/sluice/authz/lferr"
)

// MemDirectory is an in-memory Records (and, through AsDirectory, a
// Directory) for tests and for engines that set IAM up in process. Records
// are copied in and out so callers cannot mutate stored state.
type MemDirectory struct {
	mu       sync.RWMutex
	roles    map[string]*Role // account/name
	users    map[string]*User
	policies map[string]*ManagedPolicy // by ARN
}

// NewMemDirectory returns an empty directory.
func NewMemDirectory() *MemDirectory {
	return &MemDirectory{roles: map[string]*Role{}, users: map[string]*User{}, policies: map[string]*ManagedPolicy{}}
}

func cloneRole(r *Role) *Role {
	c := *r
	c.Tags = append([]Tag(nil), r.Tags...)
	c.AttachedPolicies = append([]string(nil), r.AttachedPolicies...)
	if r.InlinePolicies != nil {
		c.InlinePolicies = make(map[string]string, len(r.InlinePolicies))
		for k, v := range r.InlinePolicies {
			c.InlinePolicies[k] = v
		}
	}
	return &c
}

func cloneUser(u *User) *User {
	c := *u
	c.Tags = append([]Tag(nil), u.Tags...)
	c.AttachedPolicies = append([]string(nil), u.AttachedPolicies...)
	c.AccessKeys = append([]AccessKey(nil), u.AccessKeys...)
	if u.InlinePolicies != nil {
		c.InlinePolicies = make(map[string]string, len(u.InlinePolicies))
		for k, v := range u.InlinePolicies {
			c.InlinePolicies[k] = v
		}
	}
	return &c
}

func (m *MemDirectory) GetRole(account, name string) (*Role, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if r, ok := m.roles[account+"/"+name]; ok {
		return cloneRole(r), nil
	}
	return nil, nil
}

func (m *MemDirectory) PutRole(r *Role) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.roles[r.Account+"/"+r.RoleName] = cloneRole(r)
	return nil
}

func (m *MemDirectory) DeleteRole(account, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.roles, account+"/"+name)
	return nil
}

func (m *MemDirectory) ListRoles(account string) ([]*Role, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []*Role
	for _, r := range m.roles {
		if r.Account == account {
			out = append(out, cloneRole(r))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RoleName < out[j].RoleName })
	return out, nil
}

func (m *MemDirectory) GetUser(account, name string) (*User, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if u, ok := m.users[account+"/"+name]; ok {
		return cloneUser(u), nil
	}
	return nil, nil
}

func (m *MemDirectory) PutUser(u *User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users[u.Account+"/"+u.UserName] = cloneUser(u)
	return nil
}

func (m *MemDirectory) DeleteUser(account, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.users, account+"/"+name)
	return nil
}

func (m *MemDirectory) ListUsers(account string) ([]*User, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []*User
	for _, u := range m.users {
		if u.Account == account {
			out = append(out, cloneUser(u))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UserName < out[j].UserName })
	return out, nil
}

func (m *MemDirectory) UserByAccessKey(id string) (*User, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, u := range m.users {
		for _, k := range u.AccessKeys {
			if k.AccessKeyId == id {
				return cloneUser(u), nil
			}
		}
	}
	return nil, nil
}

func (m *MemDirectory) GetPolicy(arn string) (*ManagedPolicy, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if p, ok := m.policies[arn]; ok {
		c := *p
		return &c, nil
	}
	return nil, nil
}

func (m *MemDirectory) PutPolicy(p *ManagedPolicy) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := *p
	m.policies[p.Arn] = &c
	return nil
}

func (m *MemDirectory) DeletePolicy(arn string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.policies, arn)
	return nil
}

func (m *MemDirectory) ListPolicies(account string) ([]*ManagedPolicy, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []*ManagedPolicy
	for _, p := range m.policies {
		if p.Account == account {
			c := *p
			out = append(out, &c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Arn < out[j].Arn })
	return out, nil
}

// Role, User and ManagedPolicy make MemDirectory a Directory.
func (m *MemDirectory) Role(account, name string) (*Role, error) {
	return AsDirectory(m).Role(account, name)
}

func (m *MemDirectory) User(account, name string) (*User, error) {
	return AsDirectory(m).User(account, name)
}

func (m *MemDirectory) ManagedPolicy(arn string) (*ManagedPolicy, error) {
	return AsDirectory(m).ManagedPolicy(arn)
}

// AsDirectory adapts Records to the Directory that evaluation reads,
// turning absence into NoSuchEntity.
func AsDirectory(r Records) Directory { return recordsDir{r} }

type recordsDir struct{ r Records }

func (d recordsDir) Role(account, name string) (*Role, error) {
	x, err := d.r.GetRole(account, name)
	if err == nil && x == nil {
		err = lferr.New(lferr.NoSuchEntity, "The role with name %s cannot be found.", name)
	}
	return x, err
}

func (d recordsDir) User(account, name string) (*User, error) {
	x, err := d.r.GetUser(account, name)
	if err == nil && x == nil {
		err = lferr.New(lferr.NoSuchEntity, "The user with name %s cannot be found.", name)
	}
	return x, err
}

func (d recordsDir) ManagedPolicy(arn string) (*ManagedPolicy, error) {
	if p, ok := BuiltinPolicy(arn); ok {
		return p, nil
	}
	x, err := d.r.GetPolicy(arn)
	if err == nil && x == nil {
		err = lferr.New(lferr.NoSuchEntity, "Policy %s was not found.", arn)
	}
	return x, err
}

package storage

import (
	"context"
	"strings"

	"github.com/sluicedb/sluice/authz/lferr"
)

// Sub returns a store rooted at prefix inside st: key k of the result is
// key prefix+"/"+k of st, and nothing outside prefix is reachable through
// it. Used for partition locations and to scope a store to one table.
// prefix must be a valid key (CheckKey) and may end with '/'.
func Sub(st Store, prefix string) (Store, error) {
	p := strings.TrimSuffix(prefix, "/")
	if p == "" {
		return st, nil
	}
	if err := CheckKey(p); err != nil {
		return nil, err
	}
	return &sub{parent: st, prefix: p + "/"}, nil
}

type sub struct {
	parent Store
	prefix string // ends with '/'
}

func (s *sub) Root() string {
	return strings.TrimSuffix(s.parent.Root(), "/") + "/" + strings.TrimSuffix(s.prefix, "/")
}

func (s *sub) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	if err := CheckPrefix(prefix); err != nil {
		return nil, err
	}
	objs, err := s.parent.List(ctx, s.prefix+prefix)
	if err != nil {
		return nil, err
	}
	for i := range objs {
		objs[i].Key = strings.TrimPrefix(objs[i].Key, s.prefix)
	}
	return objs, nil
}

func (s *sub) Open(ctx context.Context, key string) (File, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	return s.parent.Open(ctx, s.prefix+key)
}

func (s *sub) Create(ctx context.Context, key string) (Writer, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	return s.parent.Create(ctx, s.prefix+key)
}

func (s *sub) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	return s.parent.Delete(ctx, s.prefix+key)
}

// Op is the kind of access a Guard is asked about.
type Op uint8

const (
	OpList Op = iota
	OpRead
	OpWrite
	OpDelete
)

func (o Op) String() string {
	switch o {
	case OpList:
		return "list"
	case OpRead:
		return "read"
	case OpWrite:
		return "write"
	case OpDelete:
		return "delete"
	}
	return "Op(?)"
}

// Access is one attempted store operation: Op on Key (a List prefix for
// OpList) of the store rooted at Root. URI is the full location.
type Access struct {
	Op   Op
	Root string
	Key  string
}

// URI is Root joined with Key: the full location being accessed, which is
// what a credential scoped to a location prefix is checked against.
func (a Access) URI() string {
	if a.Key == "" {
		return a.Root
	}
	return strings.TrimSuffix(a.Root, "/") + "/" + a.Key
}

// Guard decides whether an access is allowed. It is where vended-credential
// verification goes: a guard built from a table's vended credentials checks
// that every URI lies under the credential's location prefix, that the
// credential has not expired, and that it grants the operation (SELECT ⇒
// read-only). A refusal should be an lferr.AccessDenied (or lferr.Expired)
// error; the guarded store returns it unchanged.
type Guard interface {
	Check(ctx context.Context, a Access) error
}

// GuardFunc adapts a function to Guard.
type GuardFunc func(ctx context.Context, a Access) error

// Check calls f.
func (f GuardFunc) Check(ctx context.Context, a Access) error { return f(ctx, a) }

// WithGuard returns st with g consulted before every List, Open, Create and
// Delete (after the key itself has been validated). Objects returned by
// List are not re-checked individually: the guard has approved the prefix.
func WithGuard(st Store, g Guard) Store {
	if g == nil {
		return st
	}
	return &guarded{st: st, g: g}
}

type guarded struct {
	st Store
	g  Guard
}

func (s *guarded) Root() string { return s.st.Root() }

func (s *guarded) check(ctx context.Context, op Op, key string) error {
	err := s.g.Check(ctx, Access{Op: op, Root: s.st.Root(), Key: key})
	if err != nil && lferr.CodeOf(err) == "" {
		return &lferr.Error{Code: lferr.AccessDenied, Message: op.String() + " of " + Access{Root: s.st.Root(), Key: key}.URI() + " refused: " + err.Error(), Resource: key, Err: err}
	}
	return err
}

func (s *guarded) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	if err := CheckPrefix(prefix); err != nil {
		return nil, err
	}
	if err := s.check(ctx, OpList, prefix); err != nil {
		return nil, err
	}
	return s.st.List(ctx, prefix)
}

func (s *guarded) Open(ctx context.Context, key string) (File, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	if err := s.check(ctx, OpRead, key); err != nil {
		return nil, err
	}
	return s.st.Open(ctx, key)
}

func (s *guarded) Create(ctx context.Context, key string) (Writer, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	if err := s.check(ctx, OpWrite, key); err != nil {
		return nil, err
	}
	return s.st.Create(ctx, key)
}

func (s *guarded) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if err := s.check(ctx, OpDelete, key); err != nil {
		return err
	}
	return s.st.Delete(ctx, key)
}

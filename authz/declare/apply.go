package declare

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/catalog"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/lftag"
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

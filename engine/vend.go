package engine

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/storage"
	"github.com/sluicedb/sluice/storage/cred"
)

// credRefreshMargin is how long before expiry vended credentials are
// replaced: a scan that opens its next file within the margin asks for new
// ones first, so a long query never reads with credentials about to lapse.
const credRefreshMargin = 5 * time.Minute

// store opens location (a table or partition location of db.table) for
// this query. writePerms nil means reading (SELECT); otherwise the LF
// permissions the write needs (INSERT, DELETE).
//
// The administrator's in-process session uses the engine's own access.
// A principal's session gets the store only through the credentials the
// control plane vends for the table (rule 11), verified by the store on
// every access; a table whose location is not registered is read with the
// caller's own access only when the caller may see all of it.
func (q *query) store(ctx context.Context, db, table, location string, writePerms []string) (storage.Store, error) {
	if q.s.admin {
		return storage.Open(ctx, location)
	}
	md := q.answer(db, table)
	if md == nil {
		// Every table a statement reaches is authorized before it runs;
		// a store asked for anything else is refused.
		return nil, lferr.New(lferr.AccessDenied, "no authorization for %s.%s in this query: its storage cannot be opened", db, table)
	}
	if writePerms != nil {
		if err := checkWrite(md, db, table, writePerms); err != nil {
			return nil, err
		}
	} else if len(md.AuthorizedColumns) == 0 {
		return nil, lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s): no data access on %s.%s (DESCRIBE only)", db, table)
	}
	if !md.IsRegisteredWithLakeFormation {
		// LF: the engine then reads with the caller's own (IAM) access,
		// which cannot enforce a column, row or cell restriction at the
		// storage layer. Fail closed unless there is none.
		if !unrestricted(md) {
			return nil, lferr.New(lferr.AccessDenied, "%s.%s is not registered with Lake Formation, so no credentials are vended for it, and the caller's access to it is restricted: reading it with the caller's own access is refused", db, table)
		}
		return storage.Open(ctx, location)
	}
	perms := writePerms
	if perms == nil {
		perms = []string{"SELECT"}
	}
	key := tableKey(db, table) + "|" + strings.Join(perms, ",")
	q.mu.Lock()
	v := q.creds[key]
	if v == nil {
		v = &vended{q: q, arn: authz.TableARN(q.s.e.region(), q.s.e.accountID(), md.Table.DatabaseName, md.Table.Name), perms: perms}
		q.creds[key] = v
	}
	q.mu.Unlock()
	// Fetch now, so a refusal fails the statement before any data moves.
	if _, err := v.current(ctx); err != nil {
		return nil, err
	}
	st, err := storage.Open(ctx, location)
	if err != nil {
		return nil, err
	}
	return storage.WithGuard(st, v), nil
}

// vended holds the credentials of one table and permission set for one
// query, and is the storage.Guard of the stores opened with them. The
// credentials stay inside: nothing returns them to SQL, EXPLAIN or an
// error message.
type vended struct {
	q     *query
	arn   string
	perms []string

	mu    sync.Mutex
	creds cred.Credentials
	guard storage.Guard
}

// current returns the guard of valid credentials, asking for new ones
// when none were fetched yet or the current ones expire within the margin.
func (v *vended) current(ctx context.Context) (storage.Guard, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	e := v.q.s.e
	if v.guard != nil && e.now().Add(credRefreshMargin).Before(v.creds.Expiration) {
		return v.guard, nil
	}
	// A long scan may outlive the role session (one hour); renew it first.
	if err := v.q.s.ensureFresh(ctx); err != nil {
		return nil, err
	}
	out, err := v.q.client().GetTemporaryGlueTableCredentials(ctx, &api.GetTemporaryGlueTableCredentialsInput{
		TableArn: v.arn, Permissions: v.perms, DurationSeconds: e.credSecs, SupportedPermissionTypes: SupportedPermissionTypes,
	})
	if err != nil {
		return nil, err
	}
	if out == nil || out.SessionToken == "" || out.Expiration == nil {
		return nil, lferr.New(lferr.InternalService, "GetTemporaryGlueTableCredentials returned no credentials for %s", v.arn)
	}
	if e.signer == nil {
		// A remote engine without the served home's vending key cannot
		// verify local credentials: fail closed (RemoteOptions).
		return nil, lferr.New(lferr.AccessDenied, "cannot verify the credentials vended for %s: this remote engine has no vending key (give the served home's keys/vending.key)", v.arn)
	}
	v.creds = cred.Credentials{AccessKeyId: out.AccessKeyId, SecretAccessKey: out.SecretAccessKey, SessionToken: out.SessionToken,
		Expiration: out.Expiration.Time}
	v.guard = e.signer.Guard(v.creds, e.now)
	return v.guard, nil
}

// Check verifies every store access against the current credentials
// (signature, expiry, location prefix, read or read-write scope).
func (v *vended) Check(ctx context.Context, a storage.Access) error {
	g, err := v.current(ctx)
	if err != nil {
		return err
	}
	return g.Check(ctx, a)
}

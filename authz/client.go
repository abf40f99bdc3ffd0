package authz

import (
	"context"
	"slices"
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/authz/sts"
)

// client is the in-process api.Client: authorize (IAM for role sessions,
// then Lake Formation where the call touches a table or database), then
// one store transaction per call.
type client struct {
	cp     *ControlPlane
	caller Caller
}

var _ api.Client = (*client)(nil)

// catalogID is the CatalogId of the caller's Glue calls: its own account,
// as in Glue when CatalogId is omitted.
func (c *client) catalogID() string {
	if c.caller.Account != "" {
		return c.caller.Account
	}
	return c.cp.account
}

func live(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return lferr.Wrap(lferr.OperationTimeout, err, "request cancelled: %v", err)
	}
	return nil
}

// principals are the LF principals a role session's grants are looked up
// for: its role (LF maps a session to its role, spec §8.3) and its account.
func (c *client) principals() []string { return []string{c.caller.RoleArn(), c.caller.Account} }

func (c *client) isAdmin() bool { return c.caller.Kind == AdminCaller }

// gate authorizes a Glue operation in its own read transaction, then, for
// role sessions, runs lfCheck (the Lake Formation permission the call
// needs) in the same transaction.
func (c *client) gate(ctx context.Context, op string, t sts.Target, lfCheck func(tx *store.Tx) error) error {
	if err := live(ctx); err != nil {
		return err
	}
	if t.Account == "" {
		t.Account = c.catalogID()
	}
	if c.isAdmin() {
		_, err := c.cp.principalOf(c.caller)
		return err
	}
	err := c.cp.db.View(func(tx *store.Tx) error {
		if err := c.cp.authorize(tx, c.caller, "glue", op, t); err != nil {
			return err
		}
		if lfCheck != nil {
			return lfCheck(tx)
		}
		return nil
	})
	return c.auditCatalog(op, t, err)
}

// auditCatalog records a role session's catalog-call decision (rule 13:
// every authorization decision, allowed or refused; the administrator's
// own catalog calls are not decisions). A failed audit write fails the
// call.
func (c *client) auditCatalog(op string, t sts.Target, err error) error {
	res := "arn:aws:glue:" + c.cp.region + ":" + t.Account + ":catalog"
	switch {
	case t.Table != "":
		res = TableARN(c.cp.region, t.Account, t.Database, t.Table)
	case t.Database != "":
		res = "arn:aws:glue:" + c.cp.region + ":" + t.Account + ":database/" + t.Database
	}
	e := c.event(op, "glue:"+op)
	e.Resource = res
	return c.record(e, err)
}

// needDB requires one of perms on a database (LF).
func (c *client) needDB(db string, perms ...string) func(tx *store.Tx) error {
	return func(tx *store.Tx) error {
		refuse := lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s): %s on database %s is required", strings.Join(perms, " or "), strings.ToLower(db))
		have, err := c.cp.lf.DatabasePermissions(tx, c.catalogID(), c.principals(), db)
		if err != nil {
			if lferr.CodeOf(err) == lferr.EntityNotFound {
				return refuse // the same answer as for a database it may not use
			}
			return err
		}
		for _, p := range perms {
			if slices.Contains(have, p) || slices.Contains(have, "ALL") {
				return nil
			}
		}
		return refuse
	}
}

// needTable requires one of perms held on the whole table (LF; rule 12 for
// writes: a restricted grant does not count) — except SELECT and DESCRIBE,
// which any SELECT-bearing grant satisfies for metadata reads.
func (c *client) needTable(db, table string, perms ...string) func(tx *store.Tx) error {
	return func(tx *store.Tx) error {
		refuse := lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s) on %s.%s: %s is required", strings.ToLower(db), strings.ToLower(table), strings.Join(perms, " or "))
		a, err := c.cp.lf.TableAccess(tx, c.catalogID(), c.principals(), db, table)
		if err != nil {
			if lferr.CodeOf(err) == lferr.EntityNotFound {
				return refuse // the same answer as for a table it may not see
			}
			return err
		}
		for _, p := range perms {
			switch {
			case a.IAMOnly || a.Has(p):
				return nil
			case p == "SELECT" && len(a.Select) > 0:
				// Reading metadata (partitions): a restricted SELECT counts.
				return nil
			case p == "DESCRIBE" && (len(a.Permissions) > 0 || len(a.Select) > 0):
				return nil
			}
		}
		return refuse
	}
}

// ---- api.Catalog ----

func (c *client) GetDatabases(ctx context.Context) ([]api.Database, error) {
	if err := c.gate(ctx, "GetDatabases", sts.Target{}, nil); err != nil {
		return nil, err
	}
	return c.cp.cat.GetDatabases(ctx, c.catalogID())
}

func (c *client) GetDatabase(ctx context.Context, name string) (*api.Database, error) {
	if err := c.gate(ctx, "GetDatabase", sts.Target{Database: name}, nil); err != nil {
		return nil, err
	}
	return c.cp.cat.GetDatabase(ctx, c.catalogID(), name)
}

func (c *client) CreateDatabase(ctx context.Context, in api.DatabaseInput) error {
	needCatalog := func(tx *store.Tx) error {
		have, err := c.cp.lf.CatalogPermissions(tx, c.catalogID(), c.principals())
		if err != nil {
			return err
		}
		if slices.Contains(have, "CREATE_DATABASE") || slices.Contains(have, "ALL") {
			return nil
		}
		return lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s): CREATE_DATABASE on catalog %s is required", c.catalogID())
	}
	if err := c.gate(ctx, "CreateDatabase", sts.Target{Database: in.Name}, needCatalog); err != nil {
		return err
	}
	return c.cp.db.Update(func(tx *store.Tx) error {
		return c.cp.cat.In(tx, c.caller.Principal).CreateDatabase(c.catalogID(), in)
	})
}

func (c *client) DeleteDatabase(ctx context.Context, name string) error {
	if err := c.gate(ctx, "DeleteDatabase", sts.Target{Database: name}, c.needDB(name, "DROP")); err != nil {
		return err
	}
	return c.cp.cat.DeleteDatabase(ctx, c.catalogID(), name)
}

func (c *client) GetTables(ctx context.Context, database string) ([]api.Table, error) {
	if err := c.gate(ctx, "GetTables", sts.Target{Database: database}, nil); err != nil {
		return nil, err
	}
	if c.isAdmin() {
		return c.cp.cat.GetTables(ctx, c.catalogID(), database)
	}
	var out []api.Table
	err := c.cp.db.View(func(tx *store.Tx) error {
		ts, err := c.cp.cat.In(tx, "").GetTables(c.catalogID(), database)
		if err != nil {
			return err
		}
		for i := range ts {
			ok, err := c.visibleTable(tx, &ts[i])
			if err != nil {
				return err
			}
			if ok {
				out = append(out, ts[i])
			}
		}
		return nil
	})
	return out, err
}

// visibleTable restricts a table's metadata to what a role session may
// see (spec §4.9: any permission implies DESCRIBE; partial SELECT hides
// the other columns; VISION rule 8) and reports whether it sees it at all.
func (c *client) visibleTable(tx *store.Tx, t *api.Table) (bool, error) {
	a, err := c.cp.lf.TableAccess(tx, t.CatalogId, c.principals(), t.DatabaseName, t.Name)
	if err != nil {
		return false, err
	}
	if a.IAMOnly {
		return true, nil
	}
	tc := *t // Decide consumes its table
	out, _, err := Decide(DecisionInput{Table: &tc, Region: c.cp.region, Access: a,
		SupportedPermissionTypes: []string{api.NestedCellPermission, api.ColumnMaskPermission}, Filters: c.cp.filters})
	if err != nil {
		if lferr.CodeOf(err) == lferr.AccessDenied {
			return false, nil
		}
		return false, err
	}
	if len(out.AuthorizedColumns) == 0 && len(a.Select) == 0 {
		// DESCRIBE only: the schema is visible (spec §4.9).
		return true, nil
	}
	keep := make(map[string]bool, len(out.AuthorizedColumns))
	for _, n := range out.AuthorizedColumns {
		keep[n] = true
	}
	if t.StorageDescriptor != nil {
		t.StorageDescriptor.Columns = slices.DeleteFunc(t.StorageDescriptor.Columns, func(col api.Column) bool { return !keep[col.Name] })
	}
	// Partition keys stay: they name the storage layout, and hiding them
	// would make the table unreadable; their values are not data cells.
	return true, nil
}

func (c *client) GetTable(ctx context.Context, database, name string) (*api.Table, error) {
	if err := c.gate(ctx, "GetTable", sts.Target{Database: database, Table: name}, nil); err != nil {
		return nil, err
	}
	if c.isAdmin() {
		return c.cp.cat.GetTable(ctx, c.catalogID(), database, name)
	}
	var out *api.Table
	err := c.cp.db.View(func(tx *store.Tx) error {
		t, err := c.cp.cat.In(tx, "").GetTable(c.catalogID(), database, name)
		if err != nil {
			return notVisible(err, database, name)
		}
		ok, err := c.visibleTable(tx, t)
		if err != nil {
			return err
		}
		if !ok {
			return noPermission(database, name)
		}
		out = t
		return nil
	})
	if err != nil {
		// The gate allowed IAM; the Lake Formation refusal is a decision too.
		if aerr := c.auditCatalog("GetTable", sts.Target{Account: c.catalogID(), Database: database, Table: name}, err); aerr != nil {
			return nil, aerr
		}
		return nil, err
	}
	return out, nil
}

// noPermission is the one answer a role session gets for a table it may
// not see and for a table that does not exist (anti-enumeration, spec
// §2.7).
func noPermission(db, table string) error {
	return lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s) on %s.%s", strings.ToLower(db), strings.ToLower(table))
}

func notVisible(err error, db, table string) error {
	if lferr.CodeOf(err) == lferr.EntityNotFound {
		return noPermission(db, table)
	}
	return err
}

func (c *client) CreateTable(ctx context.Context, database string, in api.TableInput) error {
	if err := c.gate(ctx, "CreateTable", sts.Target{Database: database, Table: in.Name}, c.needDB(database, "CREATE_TABLE")); err != nil {
		return err
	}
	// Through In, so the table records its creator (Table.CreatedBy).
	return c.cp.db.Update(func(tx *store.Tx) error {
		if err := c.cp.cat.In(tx, c.creator()).CreateTable(c.catalogID(), database, in); err != nil {
			return err
		}
		// Check the location the table ended up with (the catalog fills in
		// the default), inside the same transaction: a refusal undoes it.
		t, err := c.cp.cat.In(tx, "").GetTable(c.catalogID(), database, in.Name)
		if err != nil {
			return err
		}
		return c.checkLocations(tx, database, in.Name, []string{tableLocationOf(t)})
	})
}

// creator is the principal recorded as a resource's creator: a role
// session's role (LF's implicit creator permissions name the role).
func (c *client) creator() string {
	if r := c.caller.RoleArn(); r != "" {
		return r
	}
	return c.caller.Principal
}

func (c *client) UpdateTable(ctx context.Context, database string, in api.TableInput) error {
	if err := c.gate(ctx, "UpdateTable", sts.Target{Database: database, Table: in.Name}, c.needTable(database, in.Name, "ALTER")); err != nil {
		return err
	}
	return c.cp.db.Update(func(tx *store.Tx) error {
		if err := c.cp.cat.In(tx, c.creator()).UpdateTable(c.catalogID(), database, in); err != nil {
			return err
		}
		t, err := c.cp.cat.In(tx, "").GetTable(c.catalogID(), database, in.Name)
		if err != nil {
			return err
		}
		return c.checkLocations(tx, database, in.Name, []string{tableLocationOf(t)})
	})
}

func tableLocationOf(t *api.Table) string {
	if t.StorageDescriptor == nil {
		return ""
	}
	return t.StorageDescriptor.Location
}

func (c *client) DeleteTable(ctx context.Context, database, name string) error {
	if err := c.gate(ctx, "DeleteTable", sts.Target{Database: database, Table: name}, c.needTable(database, name, "DROP")); err != nil {
		return err
	}
	return c.cp.cat.DeleteTable(ctx, c.catalogID(), database, name)
}

func (c *client) GetPartitions(ctx context.Context, database, table, expression string) ([]api.Partition, error) {
	if err := c.gate(ctx, "GetPartitions", sts.Target{Database: database, Table: table}, c.needTable(database, table, "SELECT", "INSERT", "ALTER", "DESCRIBE")); err != nil {
		return nil, err
	}
	return c.cp.cat.GetPartitions(ctx, c.catalogID(), database, table, expression)
}

func (c *client) BatchCreatePartition(ctx context.Context, database, table string, in []api.PartitionInput) error {
	if err := c.gate(ctx, "BatchCreatePartition", sts.Target{Database: database, Table: table}, c.needTable(database, table, "INSERT", "ALTER")); err != nil {
		return err
	}
	return c.cp.db.Update(func(tx *store.Tx) error {
		if err := c.cp.cat.In(tx, c.creator()).BatchCreatePartition(c.catalogID(), database, table, in); err != nil {
			return err
		}
		var locs []string
		for _, p := range in {
			if p.StorageDescriptor != nil {
				locs = append(locs, p.StorageDescriptor.Location)
			}
		}
		return c.checkLocations(tx, database, table, locs)
	})
}

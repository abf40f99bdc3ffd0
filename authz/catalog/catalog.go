package catalog

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// Buckets of the control-plane database owned by this package.
const (
	BucketDatabases  = "glue.databases"  // Key(catalog, db) → api.Database
	BucketTables     = "glue.tables"     // Key(catalog, db, table) → api.Table
	BucketPartitions = "glue.partitions" // Key(catalog, db, table, hex(v1), …) → api.Partition
)

// Resource names a database (Table == "") or a table of one catalog.
type Resource struct {
	CatalogID string
	Database  string
	Table     string
}

// Config customizes a Catalog. The zero value is usable.
type Config struct {
	// Now is the clock for CreateTime / UpdateTime (time.Now when nil).
	Now func() time.Time
	// DatabaseLocation returns the default LocationUri of a new database
	// created without one; nil or "" leaves it empty, and tables of such a
	// database then need an explicit location.
	DatabaseLocation func(catalogID, database string) string
	// OnDelete hooks run inside the transaction that deletes a database or
	// a table (once per deleted table, then once for the database), so
	// other subsystems drop the records that refer to it atomically. An
	// error aborts the whole deletion.
	OnDelete []func(tx *store.Tx, r Resource) error
	// OnCreate hooks run inside the transaction that creates a database or
	// a table, after its record is written, with the principal bound by In
	// ("" when none), so the permission model can record creators and
	// default grants atomically with the creation. An error aborts it.
	OnCreate []func(tx *store.Tx, r Resource, principal string) error
}

// Catalog is the Data Catalog over one store. Each method is one API call
// run as one transaction. They record no CreatedBy: the principal is never
// read from a context (STYLE.md), so callers that know it use In.
type Catalog struct {
	db  *store.DB
	cfg Config
}

// New returns the catalog over db.
func New(db *store.DB, cfg Config) *Catalog {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Catalog{db: db, cfg: cfg}
}

// Store is the underlying database.
func (c *Catalog) Store() *store.DB { return c.db }

// In binds the catalog to a transaction the caller holds. principal is
// recorded as CreatedBy of tables created through it ("" for none).
func (c *Catalog) In(tx *store.Tx, principal string) Txn {
	return Txn{tx: tx, cfg: &c.cfg, principal: principal}
}

// Txn is the catalog inside one transaction.
type Txn struct {
	tx        *store.Tx
	cfg       *Config
	principal string
}

func (c *Catalog) update(ctx context.Context, fn func(Txn) error) error {
	if err := ctx.Err(); err != nil {
		return lferr.Wrap(lferr.OperationTimeout, err, "request cancelled: %v", err)
	}
	return c.db.Update(func(tx *store.Tx) error { return fn(c.In(tx, "")) })
}

func (c *Catalog) view(ctx context.Context, fn func(Txn) error) error {
	if err := ctx.Err(); err != nil {
		return lferr.Wrap(lferr.OperationTimeout, err, "request cancelled: %v", err)
	}
	return c.db.View(func(tx *store.Tx) error { return fn(c.In(tx, "")) })
}

func (t Txn) now() *api.Time { return api.NewTime(t.cfg.Now()) }

// ---- databases ----

func dbKey(catalogID, name string) string { return store.Key(catalogID, name) }

func notFoundDB(name string) error {
	return lferr.New(lferr.EntityNotFound, "Database %s not found.", name)
}

// CreateDatabase creates a database.
func (c *Catalog) CreateDatabase(ctx context.Context, catalogID string, in api.DatabaseInput) error {
	return c.update(ctx, func(t Txn) error { return t.CreateDatabase(catalogID, in) })
}

// CreateDatabase creates a database.
func (t Txn) CreateDatabase(catalogID string, in api.DatabaseInput) error {
	if err := CheckCatalogID(catalogID); err != nil {
		return err
	}
	name, err := checkPathName("Database name", in.Name)
	if err != nil {
		return err
	}
	if err := checkDatabaseInput(in); err != nil {
		return err
	}
	key := dbKey(catalogID, name)
	if ok, err := t.tx.Has(BucketDatabases, key); err != nil {
		return err
	} else if ok {
		return lferr.New(lferr.AlreadyExists, "Database %s already exists.", name)
	}
	loc := in.LocationUri
	if loc == "" && t.cfg.DatabaseLocation != nil {
		loc = t.cfg.DatabaseLocation(catalogID, name)
	}
	d := api.Database{
		Name:        name,
		Description: in.Description,
		LocationUri: loc,
		Parameters:  in.Parameters,
		CreateTime:  t.now(),
		CatalogId:   catalogID,
	}
	if err := t.tx.Put(BucketDatabases, key, d); err != nil {
		return err
	}
	return t.runCreateHooks(Resource{CatalogID: catalogID, Database: name})
}

func (t Txn) runCreateHooks(r Resource) error {
	for _, h := range t.cfg.OnCreate {
		if err := h(t.tx, r, t.principal); err != nil {
			return err
		}
	}
	return nil
}

func checkDatabaseInput(in api.DatabaseInput) error {
	if err := checkMultiLine("Description", in.Description, maxDescriptionLen); err != nil {
		return err
	}
	if err := checkText("LocationUri", in.LocationUri, maxURILen); err != nil {
		return err
	}
	return checkParams("Parameters", in.Parameters)
}

// GetDatabase returns one database.
func (c *Catalog) GetDatabase(ctx context.Context, catalogID, name string) (d *api.Database, err error) {
	err = c.view(ctx, func(t Txn) error { d, err = t.GetDatabase(catalogID, name); return err })
	return d, err
}

// GetDatabase returns one database.
func (t Txn) GetDatabase(catalogID, name string) (*api.Database, error) {
	if err := CheckCatalogID(catalogID); err != nil {
		return nil, err
	}
	n, err := checkName("Database name", name)
	if err != nil {
		return nil, err
	}
	var d api.Database
	ok, err := t.tx.Get(BucketDatabases, dbKey(catalogID, n), &d)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFoundDB(n)
	}
	return &d, nil
}

// GetDatabases lists the databases of a catalog, by name.
func (c *Catalog) GetDatabases(ctx context.Context, catalogID string) (ds []api.Database, err error) {
	err = c.view(ctx, func(t Txn) error { ds, err = t.GetDatabases(catalogID); return err })
	return ds, err
}

// GetDatabases lists the databases of a catalog, by name.
func (t Txn) GetDatabases(catalogID string) ([]api.Database, error) {
	if err := CheckCatalogID(catalogID); err != nil {
		return nil, err
	}
	return store.List[api.Database](t.tx, BucketDatabases, store.Prefix(catalogID))
}

// UpdateDatabase replaces a database's definition. Renaming is refused;
// an empty LocationUri keeps the current one, because existing tables'
// default locations were derived from it.
func (c *Catalog) UpdateDatabase(ctx context.Context, catalogID, name string, in api.DatabaseInput) error {
	return c.update(ctx, func(t Txn) error { return t.UpdateDatabase(catalogID, name, in) })
}

// UpdateDatabase replaces a database's definition (see Catalog.UpdateDatabase).
func (t Txn) UpdateDatabase(catalogID, name string, in api.DatabaseInput) error {
	d, err := t.GetDatabase(catalogID, name)
	if err != nil {
		return err
	}
	if in.Name != "" {
		newName, err := checkName("Database name", in.Name)
		if err != nil {
			return err
		}
		if newName != d.Name {
			return lferr.New(lferr.InvalidInput, "Renaming database %s to %s is not supported.", d.Name, newName)
		}
	}
	if err := checkDatabaseInput(in); err != nil {
		return err
	}
	d.Description = in.Description
	d.Parameters = in.Parameters
	if in.LocationUri != "" {
		d.LocationUri = in.LocationUri
	}
	return t.tx.Put(BucketDatabases, dbKey(catalogID, d.Name), d)
}

// DeleteDatabase deletes a database with all its tables and partitions.
func (c *Catalog) DeleteDatabase(ctx context.Context, catalogID, name string) error {
	return c.update(ctx, func(t Txn) error { return t.DeleteDatabase(catalogID, name) })
}

// DeleteDatabase deletes a database with all its tables and partitions.
func (t Txn) DeleteDatabase(catalogID, name string) error {
	d, err := t.GetDatabase(catalogID, name)
	if err != nil {
		return err
	}
	var tables []string
	err = t.tx.Scan(BucketTables, store.Prefix(catalogID, d.Name), func(key string, _ []byte) error {
		tables = append(tables, key[strings.LastIndex(key, store.Sep)+1:])
		return nil
	})
	if err != nil {
		return err
	}
	for _, tbl := range tables {
		if err := t.deleteTable(catalogID, d.Name, tbl); err != nil {
			return err
		}
	}
	if _, err := t.tx.Delete(BucketDatabases, dbKey(catalogID, d.Name)); err != nil {
		return err
	}
	return t.runHooks(Resource{CatalogID: catalogID, Database: d.Name})
}

func (t Txn) runHooks(r Resource) error {
	for _, h := range t.cfg.OnDelete {
		if err := h(t.tx, r); err != nil {
			return err
		}
	}
	return nil
}

// ---- tables ----

func tableKey(catalogID, db, name string) string { return store.Key(catalogID, db, name) }

func notFoundTable(db, name string) error {
	return lferr.New(lferr.EntityNotFound, "Table %s not found in database %s.", name, db)
}

// CreateTable creates a table in an existing database.
func (c *Catalog) CreateTable(ctx context.Context, catalogID, database string, in api.TableInput) error {
	return c.update(ctx, func(t Txn) error { return t.CreateTable(catalogID, database, in) })
}

// CreateTable creates a table in an existing database. VersionId starts at
// "0"; an EXTERNAL_TABLE without a location gets <database location>/<name>/.
func (t Txn) CreateTable(catalogID, database string, in api.TableInput) error {
	d, err := t.GetDatabase(catalogID, database)
	if err != nil {
		return err
	}
	name, err := checkPathName("Table name", in.Name)
	if err != nil {
		return err
	}
	key := tableKey(catalogID, d.Name, name)
	if ok, err := t.tx.Has(BucketTables, key); err != nil {
		return err
	} else if ok {
		return lferr.New(lferr.AlreadyExists, "Table %s already exists in database %s.", name, d.Name)
	}
	now := t.now()
	tbl := api.Table{
		Name:         name,
		DatabaseName: d.Name,
		CreateTime:   now,
		UpdateTime:   now,
		CreatedBy:    t.principal,
		CatalogId:    catalogID,
		VersionId:    "0",
	}
	if err := t.fillTable(&tbl, d, in, ""); err != nil {
		return err
	}
	if err := t.tx.Put(BucketTables, key, tbl); err != nil {
		return err
	}
	return t.runCreateHooks(Resource{CatalogID: catalogID, Database: d.Name, Table: name})
}

// fillTable validates in and copies it into tbl. oldLocation is kept when
// in has no location (updates).
func (t Txn) fillTable(tbl *api.Table, d *api.Database, in api.TableInput, oldLocation string) error {
	qname := d.Name + "." + tbl.Name
	tt := in.TableType
	if tt == "" {
		tt = api.ExternalTable
	}
	if tt != api.ExternalTable && tt != api.VirtualView {
		return lferr.New(lferr.InvalidInput, "Table %s has TableType %q; supported types are %s and %s.", qname, in.TableType, api.ExternalTable, api.VirtualView)
	}
	if err := checkMultiLine("Description of table "+qname, in.Description, maxDescriptionLen); err != nil {
		return err
	}
	if err := checkText("Owner of table "+qname, in.Owner, maxNameLen); err != nil {
		return err
	}
	if err := checkMultiLine("ViewOriginalText of table "+qname, in.ViewOriginalText, maxViewTextLen); err != nil {
		return err
	}
	if err := checkMultiLine("ViewExpandedText of table "+qname, in.ViewExpandedText, maxViewTextLen); err != nil {
		return err
	}
	if err := checkParams("Parameters of table "+qname, in.Parameters); err != nil {
		return err
	}
	var sd api.StorageDescriptor
	if in.StorageDescriptor != nil {
		sd = cloneSD(*in.StorageDescriptor)
	}
	if err := checkText("Location of table "+qname, sd.Location, maxURILen); err != nil {
		return err
	}
	if err := checkParams("StorageDescriptor parameters of table "+qname, sd.Parameters); err != nil {
		return err
	}
	isView := tt == api.VirtualView
	switch {
	case isView && strings.TrimSpace(in.ViewOriginalText) == "":
		return lferr.New(lferr.InvalidInput, "View %s has no ViewOriginalText.", qname)
	case isView && len(in.PartitionKeys) > 0:
		return lferr.New(lferr.InvalidInput, "View %s cannot have partition keys.", qname)
	case !isView && (in.ViewOriginalText != "" || in.ViewExpandedText != ""):
		return lferr.New(lferr.InvalidInput, "Table %s of type %s cannot have view text.", qname, tt)
	case !isView && len(sd.Columns) == 0:
		return lferr.New(lferr.InvalidInput, "Table %s has no columns.", qname)
	}
	if err := checkColumns(qname, sd.Columns, in.PartitionKeys, !isView); err != nil {
		return err
	}
	if !isView && sd.Location == "" {
		sd.Location = oldLocation
		if sd.Location == "" {
			if d.LocationUri == "" {
				return lferr.New(lferr.InvalidInput, "Table %s has no location and database %s has no LocationUri to derive one from.", qname, d.Name)
			}
			sd.Location = JoinLocation(d.LocationUri, tbl.Name)
		}
	}
	tbl.Description = in.Description
	tbl.Owner = in.Owner
	tbl.TableType = tt
	tbl.ViewOriginalText = in.ViewOriginalText
	tbl.ViewExpandedText = in.ViewExpandedText
	tbl.Parameters = in.Parameters
	tbl.PartitionKeys = append([]api.Column(nil), in.PartitionKeys...)
	if in.StorageDescriptor != nil || !isView {
		tbl.StorageDescriptor = &sd
	} else {
		tbl.StorageDescriptor = nil
	}
	return nil
}

// GetTable returns one table.
func (c *Catalog) GetTable(ctx context.Context, catalogID, database, name string) (tbl *api.Table, err error) {
	err = c.view(ctx, func(t Txn) error { tbl, err = t.GetTable(catalogID, database, name); return err })
	return tbl, err
}

// GetTable returns one table. A missing database is reported as such, as
// Glue does, before a missing table.
func (t Txn) GetTable(catalogID, database, name string) (*api.Table, error) {
	if err := CheckCatalogID(catalogID); err != nil {
		return nil, err
	}
	db, err := checkName("Database name", database)
	if err != nil {
		return nil, err
	}
	n, err := checkName("Table name", name)
	if err != nil {
		return nil, err
	}
	var tbl api.Table
	ok, err := t.tx.Get(BucketTables, tableKey(catalogID, db, n), &tbl)
	if err != nil {
		return nil, err
	}
	if ok {
		return &tbl, nil
	}
	if ok, err := t.tx.Has(BucketDatabases, dbKey(catalogID, db)); err != nil {
		return nil, err
	} else if !ok {
		return nil, notFoundDB(db)
	}
	return nil, notFoundTable(db, n)
}

// GetTables lists the tables of a database, by name.
func (c *Catalog) GetTables(ctx context.Context, catalogID, database string) (ts []api.Table, err error) {
	err = c.view(ctx, func(t Txn) error { ts, err = t.GetTables(catalogID, database); return err })
	return ts, err
}

// GetTables lists the tables of a database, by name.
func (t Txn) GetTables(catalogID, database string) ([]api.Table, error) {
	d, err := t.GetDatabase(catalogID, database)
	if err != nil {
		return nil, err
	}
	return store.List[api.Table](t.tx, BucketTables, store.Prefix(catalogID, d.Name))
}

// UpdateTable replaces a table's definition (in.Name names the table).
// VersionId increments, UpdateTime is set, CreateTime and CreatedBy are
// kept, and a missing location keeps the current one. Changing the
// partition keys of a table that has partitions is refused: its partitions
// would no longer match.
func (c *Catalog) UpdateTable(ctx context.Context, catalogID, database string, in api.TableInput) error {
	return c.update(ctx, func(t Txn) error { return t.UpdateTable(catalogID, database, in) })
}

// UpdateTable replaces a table's definition (see Catalog.UpdateTable).
func (t Txn) UpdateTable(catalogID, database string, in api.TableInput) error {
	tbl, err := t.GetTable(catalogID, database, in.Name)
	if err != nil {
		return err
	}
	d, err := t.GetDatabase(catalogID, tbl.DatabaseName)
	if err != nil {
		return err
	}
	if !sameKeys(tbl.PartitionKeys, in.PartitionKeys) {
		n, err := t.tx.Count(BucketPartitions, store.Prefix(catalogID, tbl.DatabaseName, tbl.Name))
		if err != nil {
			return err
		}
		if n > 0 {
			return lferr.New(lferr.InvalidInput, "Cannot change the partition keys of table %s.%s: it has %d partitions.", tbl.DatabaseName, tbl.Name, n)
		}
	}
	old := ""
	if tbl.StorageDescriptor != nil {
		old = tbl.StorageDescriptor.Location
	}
	if err := t.fillTable(tbl, d, in, old); err != nil {
		return err
	}
	v, err := strconv.ParseUint(tbl.VersionId, 10, 64)
	if err != nil {
		return lferr.AssertionFailedf("table %s.%s has a non-numeric VersionId %q", tbl.DatabaseName, tbl.Name, tbl.VersionId)
	}
	tbl.VersionId = strconv.FormatUint(v+1, 10)
	tbl.UpdateTime = t.now()
	return t.tx.Put(BucketTables, tableKey(catalogID, tbl.DatabaseName, tbl.Name), tbl)
}

func sameKeys(a, b []api.Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i].Name, b[i].Name) || !strings.EqualFold(a[i].Type, b[i].Type) {
			return false
		}
	}
	return true
}

// DeleteTable deletes a table and its partitions.
func (c *Catalog) DeleteTable(ctx context.Context, catalogID, database, name string) error {
	return c.update(ctx, func(t Txn) error { return t.DeleteTable(catalogID, database, name) })
}

// DeleteTable deletes a table and its partitions.
func (t Txn) DeleteTable(catalogID, database, name string) error {
	tbl, err := t.GetTable(catalogID, database, name)
	if err != nil {
		return err
	}
	return t.deleteTable(catalogID, tbl.DatabaseName, tbl.Name)
}

func (t Txn) deleteTable(catalogID, db, name string) error {
	if _, err := t.tx.DeletePrefix(BucketPartitions, store.Prefix(catalogID, db, name)); err != nil {
		return err
	}
	if _, err := t.tx.Delete(BucketTables, tableKey(catalogID, db, name)); err != nil {
		return err
	}
	return t.runHooks(Resource{CatalogID: catalogID, Database: db, Table: name})
}

// JoinLocation returns base/segment/, with segment Hive-escaped so that a
// name can never add path levels.
func JoinLocation(base, segment string) string {
	return strings.TrimRight(base, "/") + "/" + EscapePathName(segment) + "/"
}

// EscapePathName escapes s as Hive's FileUtils.escapePathName does for
// partition directory names (%XX for control characters and
// "#%'*/:=?\{[]^ and DEL); the empty string becomes Hive's default
// partition name.
func EscapePathName(s string) string {
	if s == "" {
		return "__HIVE_DEFAULT_PARTITION__"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if needsEscape(ch) {
			const hex = "0123456789ABCDEF"
			b.WriteByte('%')
			b.WriteByte(hex[ch>>4])
			b.WriteByte(hex[ch&15])
			continue
		}
		b.WriteByte(ch)
	}
	return b.String()
}

func needsEscape(ch byte) bool {
	if ch < 0x20 || ch == 0x7F {
		return true
	}
	switch ch {
	case '"', '#', '%', '\'', '*', '/', ':', '=', '?', '\\', '{', '[', ']', '^':
		return true
	}
	return false
}

func cloneSD(sd api.StorageDescriptor) api.StorageDescriptor {
	sd.Columns = append([]api.Column(nil), sd.Columns...)
	return sd
}

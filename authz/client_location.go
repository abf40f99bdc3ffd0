package authz

import (
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/storage/cred"
)

// checkLocations refuses a role session's catalog change that points a
// table or partition at data it may not claim. Vending scopes credentials
// to the location a table names, so a table created over another table's
// files would be a way around that table's policy: a location that
// overlaps (contains, or lies inside) another table's or partition's
// location needs DATA_LOCATION_ACCESS, as does a registered location
// outside the database's own location (spec §4.3 CREATE_TABLE). Data lake
// administrators hold it implicitly.
func (c *client) checkLocations(tx *store.Tx, database, table string, locs []string) error {
	if c.isAdmin() {
		return nil
	}
	cat := c.cp.cat.In(tx, "")
	db, err := cat.GetDatabase(c.catalogID(), database)
	if err != nil {
		return err
	}
	for _, loc := range locs {
		if loc == "" {
			continue
		}
		owner, err := overlappingTable(tx, c, database, table, loc)
		if err != nil {
			return err
		}
		_, registered, err := lf.RegistrationFor(tx, loc)
		if err != nil {
			return err
		}
		in, known := contains(db.LocationUri, loc)
		insideDB := db.LocationUri != "" && known && in
		if owner == "" && (!registered || insideDB) {
			continue
		}
		ok, why, err := lf.DataLocationAccess(tx, c.catalogID(), c.principals(), loc)
		if err != nil {
			return err
		}
		if !ok {
			if owner != "" {
				return lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s): location %s overlaps the data of table %s and needs DATA_LOCATION_ACCESS (%s)", loc, owner, why)
			}
			return lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s): registered location %s is outside database %s and needs DATA_LOCATION_ACCESS (%s)", loc, database, why)
		}
	}
	return nil
}

// overlappingTable names a table other than database.table whose location,
// or one of whose partitions' locations, overlaps loc; "" if none.
func overlappingTable(tx *store.Tx, c *client, database, table, loc string) (string, error) {
	cat := c.cp.cat.In(tx, "")
	dbs, err := cat.GetDatabases(c.catalogID())
	if err != nil {
		return "", err
	}
	for _, d := range dbs {
		ts, err := cat.GetTables(c.catalogID(), d.Name)
		if err != nil {
			return "", err
		}
		for i := range ts {
			t := &ts[i]
			if t.DatabaseName == database && t.Name == strings.ToLower(table) {
				continue
			}
			if t.TableType == api.VirtualView || t.StorageDescriptor == nil {
				continue
			}
			if overlaps(t.StorageDescriptor.Location, loc) {
				return t.DatabaseName + "." + t.Name, nil
			}
			if len(t.PartitionKeys) == 0 {
				continue
			}
			ps, err := cat.GetPartitions(c.catalogID(), t.DatabaseName, t.Name, "")
			if err != nil {
				return "", err
			}
			for _, p := range ps {
				if p.StorageDescriptor != nil && overlaps(p.StorageDescriptor.Location, loc) {
					return t.DatabaseName + "." + t.Name, nil
				}
			}
		}
	}
	return "", nil
}

// overlaps reports whether locations a and b overlap (one contains the
// other), comparing them in the canonical form credentials carry
// (cred.NormalizePrefix), so "/wh/t", "file:///wh/t" and "/wh//t/" are the
// same place. Locations it cannot compare count as overlapping (fail
// closed: the change then needs DATA_LOCATION_ACCESS).
func overlaps(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	ab, ok1 := contains(a, b)
	ba, ok2 := contains(b, a)
	return !ok1 || !ok2 || ab || ba
}

// contains reports whether location p contains location l on a path
// segment boundary; known is false when the two cannot be compared.
func contains(p, l string) (yes, known bool) {
	np, err1 := cred.NormalizePrefix(p)
	nl, err2 := cred.NormalizePrefix(l)
	if err1 == nil && err2 == nil {
		return strings.HasPrefix(nl, np), true
	}
	// Object-store URIs (s3://...) are not normalized by cred: compare
	// them textually, unless anything looks like a path trick.
	if isObjectURI(p) && isObjectURI(l) {
		return strings.HasPrefix(strings.TrimSuffix(l, "/")+"/", strings.TrimSuffix(p, "/")+"/"), true
	}
	return false, false
}

func isObjectURI(u string) bool {
	return strings.HasPrefix(u, "s3://") && !strings.Contains(u, "..") && !strings.Contains(u[len("s3://"):], "//")
}

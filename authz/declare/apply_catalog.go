package declare

import (
	"maps"
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lf"
)

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

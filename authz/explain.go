package authz

import (
	"context"
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// Explanation is why a principal gets what it gets on one table.
type Explanation struct {
	Principal string // the LF principal (a role ARN)
	Table     string // db.table
	// Lines are the grants, tag matches and implicit rules considered
	// (from the permission model), then the decision's own reasoning.
	Lines   []string
	Outcome string
	Needed  []string // capabilities an engine must declare
	Filters []string
	Masks   []string
	// Answer is what GetUnfilteredTableMetadata returns to an engine that
	// declares every capability; nil when the decision refuses.
	Answer *api.GetUnfilteredTableMetadataOutput
	// Refusal is the decision's error when it refuses.
	Refusal error
}

// Explain is the administrator's "why": the resolved access of principal
// (a role name in the home's account or a role ARN) on db.table in the
// home's catalog, and the decision an engine declaring every capability
// would get. Caller validation is not applied (it depends on the engine's
// session, not the principal). Not an engine call: it is not audited and
// never reaches a role session.
func (cp *ControlPlane) Explain(ctx context.Context, principal, db, table string) (*Explanation, error) {
	if err := live(ctx); err != nil {
		return nil, err
	}
	arn := principal
	if !strings.HasPrefix(arn, "arn:") {
		if principal == "" || strings.ContainsAny(principal, ":/") {
			return nil, lferr.New(lferr.InvalidInput, "Principal %q is neither a role name nor an ARN.", principal)
		}
		arn = "arn:aws:iam::" + cp.account + ":role/" + principal
	}
	x := &Explanation{Principal: arn, Table: strings.ToLower(db) + "." + strings.ToLower(table)}
	var in DecisionInput
	err := cp.db.View(func(tx *store.Tx) error {
		tbl, err := cp.cat.In(tx, "").GetTable(cp.account, db, table)
		if err != nil {
			return err
		}
		acc, err := cp.lf.TableAccess(tx, cp.account, []string{arn, cp.account}, tbl.DatabaseName, tbl.Name)
		if err != nil {
			return err
		}
		masks, err := cp.masksFor(tx, tbl)
		if err != nil {
			return err
		}
		var reg *api.ResourceInfo
		if tbl.StorageDescriptor != nil && tbl.StorageDescriptor.Location != "" {
			if reg, err = cp.lf.RegistrationFor(tx, cp.account, tbl.StorageDescriptor.Location); err != nil {
				return err
			}
		}
		in = DecisionInput{Table: tbl, Region: cp.region, Access: acc, Masks: masks, Registered: reg != nil, Filters: cp.filters,
			SupportedPermissionTypes: []string{api.NestedCellPermission, api.ColumnMaskPermission}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out, d, err := Decide(in)
	x.Lines, x.Outcome, x.Needed, x.Filters, x.Masks = d.Lines, d.Outcome, d.Needed, d.Filters, d.Masks
	x.Answer, x.Refusal = out, err
	if err != nil {
		x.Lines = append(x.Lines, "refused: "+err.Error())
	}
	return x, nil
}

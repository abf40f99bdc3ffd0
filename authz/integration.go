package authz

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/sluicedb/sluice/authz/access"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/audit"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/lftag"
	"github.com/sluicedb/sluice/authz/maskpolicy"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/authz/sts"
	"github.com/sluicedb/sluice/storage/cred"
)

// AuthorizedCallerTag is the session tag key that marks an authorized
// engine session (spec §3.1).
const AuthorizedCallerTag = "LakeFormationAuthorizedCaller"

// Vended credential lifetime (VISION Defaults; rule 11).
const DefaultCredentialSeconds = 3600

// ValidateCaller is VISION rule 1 / spec §3.3 steps 2–4 for an integration
// call by a role session: external data filtering on, the caller's
// account allow-listed, and the LakeFormationAuthorizedCaller session tag
// with an authorized value — or, failing any of those, the full-table
// access path when the settings enable it and the caller's access to the
// table is unfiltered. Pure: settings, session tags and account in.
func ValidateCaller(s *api.DataLakeSettings, account string, tags map[string]string, fullAccess bool) error {
	err := validateEngine(s, account, tags)
	if err == nil {
		return nil
	}
	if s != nil && s.AllowFullTableExternalDataAccess && fullAccess {
		return nil
	}
	return err
}

func validateEngine(s *api.DataLakeSettings, account string, tags map[string]string) error {
	if s == nil || !s.AllowExternalDataFiltering {
		return lferr.New(lferr.AccessDenied, "External data filtering is not enabled for catalog: AllowExternalDataFiltering is off in the data lake settings, so third-party engines may not call the integration APIs")
	}
	listed := false
	for _, p := range s.ExternalDataFilteringAllowList {
		if p.DataLakePrincipalIdentifier == account {
			listed = true
			break
		}
	}
	if !listed {
		return lferr.New(lferr.AccessDenied, "Account %s is not in ExternalDataFilteringAllowList: its engines may not call the integration APIs", account)
	}
	val, ok := "", false
	for k, v := range tags {
		if strings.EqualFold(k, AuthorizedCallerTag) {
			val, ok = v, true
			break
		}
	}
	if !ok {
		return lferr.New(lferr.AccessDenied, "The caller's role session has no %s session tag: it is not an authorized engine session", AuthorizedCallerTag)
	}
	if !slices.Contains(s.AuthorizedSessionTagValueList, val) {
		return lferr.New(lferr.AccessDenied, "Session tag %s=%q is not in AuthorizedSessionTagValueList: the engine is not authorized", AuthorizedCallerTag, val)
	}
	return nil
}

// fullAccess reports whether a resolved access is whole-table, all rows,
// all columns (the full-table access path's condition).
func fullAccess(a *access.TableAccess) bool {
	if a.IAMOnly || a.Has("SELECT") {
		return true
	}
	for _, g := range a.Select {
		if g.AllColumns && len(g.Excluded) == 0 && strings.TrimSpace(g.RowFilter) == "" {
			return true
		}
	}
	return false
}

// sessionTags are the verified session's tags (never the display copy).
func (c *client) sessionTags() map[string]string {
	if c.caller.session == nil {
		return nil
	}
	m := make(map[string]string, len(c.caller.session.Tags))
	for _, t := range c.caller.session.Tags {
		m[t.Key] = t.Value
	}
	return m
}

// queryAuthorizationID echoes the id of the query's QuerySessionContext,
// or draws a fresh one (128 random bits) for a query's first call.
func (c *client) queryAuthorizationID(q *api.QuerySessionContext) (string, error) {
	if q != nil && q.QueryAuthorizationId != "" {
		return q.QueryAuthorizationId, nil
	}
	var b [16]byte
	if _, err := io.ReadFull(c.cp.rand, b[:]); err != nil {
		return "", lferr.Wrap(lferr.InternalService, err, "cannot draw a QueryAuthorizationId: %v", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// event starts the audit record of an integration call.
func (c *client) event(name, action string) *audit.Event {
	return &audit.Event{EventName: name, Action: action, Principal: c.caller.Principal, Account: c.caller.Account,
		CallerKind: c.caller.Kind.String(), SessionTags: c.sessionTags()}
}

func fillContext(e *audit.Event, q *api.QuerySessionContext, a *api.AuditContext) {
	if q != nil {
		e.QueryId = q.QueryId
		if e.QueryAuthorizationId == "" {
			e.QueryAuthorizationId = q.QueryAuthorizationId
		}
	}
	if a != nil {
		e.AdditionalAuditContext = a.AdditionalAuditContext
		e.RequestedColumns = a.RequestedColumns
		e.AllColumnsRequested = a.AllColumnsRequested
	}
}

// record appends the event with the call's outcome, and turns a failed
// write into the call's failure: never an unaudited answer (rule 13).
func (c *client) record(e *audit.Event, err error) error {
	e.Time = c.cp.now().UTC()
	if err != nil {
		e.Decision = audit.Deny
		e.ErrorCode = string(lferr.CodeOf(err))
		e.Reason = lferr.MessageOf(err)
	} else {
		e.Decision = audit.Allow
	}
	if aerr := c.cp.audit.Append(e); aerr != nil {
		return aerr
	}
	return err
}

// resolved is what one integration call reads in its transaction.
type resolved struct {
	tbl      *api.Table
	settings *api.DataLakeSettings
	acc      access.TableAccess
	reg      *api.ResourceInfo
	masks    []MaskCandidate
}

// resolve authorizes IAM and reads the table, settings, access,
// registration and masks in one read transaction, then validates the
// caller. A role session is told the same thing for a missing table as for
// one it may not see.
func (c *client) resolve(ctx context.Context, service, op, catalogID, db, table string, e *audit.Event, extra func(tx *store.Tx, r *resolved) error) (*resolved, error) {
	if err := live(ctx); err != nil {
		return nil, err
	}
	if _, err := c.cp.principalOf(c.caller); err != nil {
		return nil, err
	}
	r := &resolved{}
	err := c.cp.db.View(func(tx *store.Tx) error {
		if err := c.cp.authorize(tx, c.caller, service, op, sts.Target{Account: catalogID, Database: db, Table: table}); err != nil {
			return err
		}
		if err := c.readResolved(tx, catalogID, db, table, r); err != nil {
			return err
		}
		if extra != nil {
			return extra(tx, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// masksFor lists the mask candidates reaching tbl's columns; tag masks are
// checked against the column they reach (fail closed).
func (cp *ControlPlane) masksFor(tx *store.Tx, tbl *api.Table) ([]MaskCandidate, error) {
	tags := func() (maskpolicy.ColumnTags, error) {
		tt, err := lftag.EffectiveTags(tx, tbl.CatalogId, tbl.DatabaseName, tbl.Name)
		if err != nil {
			return nil, err
		}
		out := make(maskpolicy.ColumnTags, len(tt.Columns))
		for c, kv := range tt.Columns {
			out[strings.ToLower(c)] = kv
		}
		return out, nil
	}
	cs, err := maskpolicy.ForTable(tx, tbl.CatalogId, tbl.DatabaseName, tbl.Name, tags)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	out := make([]MaskCandidate, len(cs))
	for i, c := range cs {
		if c.ViaTag != "" {
			if err := cp.masks.CompileFor(tbl, c); err != nil {
				return nil, err
			}
		}
		out[i] = MaskCandidate(c)
	}
	return out, nil
}

func (c *client) GetUnfilteredTableMetadata(ctx context.Context, in *api.GetUnfilteredTableMetadataInput) (*api.GetUnfilteredTableMetadataOutput, error) {
	e := c.event("GetUnfilteredTableMetadata", "glue:GetTable")
	out, err := c.gutm(ctx, in, e)
	if err := c.record(e, err); err != nil {
		return nil, err
	}
	return out, nil
}

func (c *client) gutm(ctx context.Context, in *api.GetUnfilteredTableMetadataInput, e *audit.Event) (*api.GetUnfilteredTableMetadataOutput, error) {
	if in != nil {
		e.Resource = TableARN(c.cp.region, in.CatalogId, in.DatabaseName, in.Name)
		e.SupportedPermissionTypes = in.SupportedPermissionTypes
		e.RequestedPermissions = in.Permissions
		fillContext(e, in.QuerySessionContext, in.AuditContext)
	}
	if err := ValidateTableMetadataInput(in, c.cp.region); err != nil {
		return nil, err
	}
	r, err := c.resolve(ctx, "glue", "GetUnfilteredTableMetadata", in.CatalogId, in.DatabaseName, in.Name, e, nil)
	if err != nil {
		return nil, err
	}
	out, _, err := c.decide(r, in.SupportedPermissionTypes, in.Permissions, in.QuerySessionContext, e)
	return out, err
}

// decide runs the decision for a resolved call and notes it in the event.
func (c *client) decide(r *resolved, supported, requested []string, q *api.QuerySessionContext, e *audit.Event) (*api.GetUnfilteredTableMetadataOutput, Diagnostic, error) {
	qaid, err := c.queryAuthorizationID(q)
	if err != nil {
		return nil, Diagnostic{}, err
	}
	e.QueryAuthorizationId = qaid
	out, d, err := Decide(DecisionInput{Table: r.tbl, Region: c.cp.region, Access: r.acc, SupportedPermissionTypes: supported,
		Requested: requested, Masks: r.masks, Unmasked: c.isAdmin(), Registered: r.reg != nil, QueryAuthorizationID: qaid,
		Filters: c.cp.filters})
	e.Filters, e.Masks, e.CellFiltered = d.Filters, d.Masks, d.CellFiltered
	if out != nil {
		e.Permissions, e.AuthorizedColumns, e.RowFilter = out.Permissions, out.AuthorizedColumns, out.RowFilter
	}
	return out, d, err
}

func (c *client) GetUnfilteredPartitionsMetadata(ctx context.Context, in *api.GetUnfilteredPartitionsMetadataInput) (*api.GetUnfilteredPartitionsMetadataOutput, error) {
	e := c.event("GetUnfilteredPartitionsMetadata", "glue:GetPartitions")
	out, err := c.gupm(ctx, in, e)
	if err := c.record(e, err); err != nil {
		return nil, err
	}
	return out, nil
}

func (c *client) gupm(ctx context.Context, in *api.GetUnfilteredPartitionsMetadataInput, e *audit.Event) (*api.GetUnfilteredPartitionsMetadataOutput, error) {
	if in != nil {
		e.Resource = TableARN(c.cp.region, in.CatalogId, in.DatabaseName, in.TableName)
		e.SupportedPermissionTypes = in.SupportedPermissionTypes
		fillContext(e, in.QuerySessionContext, in.AuditContext)
	}
	if err := ValidatePartitionsMetadataInput(in, c.cp.region); err != nil {
		return nil, err
	}
	after := ""
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil || len(b) == 0 {
			return nil, invalid("NextToken is not a token this service issued.")
		}
		after = string(b)
	}
	var (
		ps   []api.Partition
		next string
	)
	r, err := c.resolve(ctx, "glue", "GetUnfilteredPartitionsMetadata", in.CatalogId, in.DatabaseName, in.TableName, e,
		func(tx *store.Tx, r *resolved) error {
			var err error
			ps, next, err = c.cp.cat.In(tx, "").ListPartitions(in.CatalogId, in.DatabaseName, in.TableName, in.Expression, after, int(in.MaxResults))
			return err
		})
	if err != nil {
		return nil, err
	}
	// Same authorization as the table: the partitions carry the table's
	// authorized columns (LF has no per-partition grants).
	dec, _, err := c.decide(r, in.SupportedPermissionTypes, nil, in.QuerySessionContext, e)
	if err != nil {
		return nil, err
	}
	if next != "" {
		next = base64.RawURLEncoding.EncodeToString([]byte(next))
	}
	out := &api.GetUnfilteredPartitionsMetadataOutput{UnfilteredPartitions: make([]api.UnfilteredPartition, len(ps)), NextToken: next}
	for i := range ps {
		out.UnfilteredPartitions[i] = api.UnfilteredPartition{Partition: &ps[i], AuthorizedColumns: slices.Clone(dec.AuthorizedColumns),
			IsRegisteredWithLakeFormation: dec.IsRegisteredWithLakeFormation}
	}
	return out, nil
}

func (c *client) GetTemporaryGlueTableCredentials(ctx context.Context, in *api.GetTemporaryGlueTableCredentialsInput) (*api.GetTemporaryGlueTableCredentialsOutput, error) {
	e := c.event("GetDataAccess", "lakeformation:GetDataAccess")
	var out *api.GetTemporaryGlueTableCredentialsOutput
	err := func() error {
		if in != nil {
			e.Resource = in.TableArn
			e.SupportedPermissionTypes = in.SupportedPermissionTypes
			e.RequestedPermissions = in.Permissions
			e.DurationSeconds = in.DurationSeconds
			fillContext(e, in.QuerySessionContext, in.AuditContext)
		}
		ref, err := ValidateCredentialsInput(in, c.cp.region)
		if err != nil {
			return err
		}
		creds, err := c.vend(ctx, "GetTemporaryGlueTableCredentials", ref, nil, in.S3Path, in.Permissions, in.SupportedPermissionTypes,
			in.DurationSeconds, in.QuerySessionContext, e)
		if err != nil {
			return err
		}
		exp := api.NewTime(creds.Expiration)
		out = &api.GetTemporaryGlueTableCredentialsOutput{AccessKeyId: creds.AccessKeyId, SecretAccessKey: creds.SecretAccessKey,
			SessionToken: creds.SessionToken, Expiration: exp, VendedS3Path: []string{e.VendedPath}}
		return nil
	}()
	if err := c.record(e, err); err != nil {
		return nil, err
	}
	return out, nil
}

// PartitionCredentialsInput is lakeformation:GetTemporaryGluePartitionCredentials's
// request (no S3Path, no QuerySessionContext).
type PartitionCredentialsInput struct {
	TableArn                 string
	PartitionValues          []string
	Permissions              []string
	DurationSeconds          int32
	AuditContext             *api.AuditContext
	SupportedPermissionTypes []string
}

// PartitionCredentialsOutput is its response: the four credential fields.
type PartitionCredentialsOutput struct {
	AccessKeyId, SecretAccessKey, SessionToken string
	Expiration                                 *api.Time
}

// PartitionCredentials is implemented by the in-process client (it is not
// part of api.Integration): credentials scoped to one partition's location.
type PartitionCredentials interface {
	GetTemporaryGluePartitionCredentials(ctx context.Context, in *PartitionCredentialsInput) (*PartitionCredentialsOutput, error)
}

var _ PartitionCredentials = (*client)(nil)

func (c *client) GetTemporaryGluePartitionCredentials(ctx context.Context, in *PartitionCredentialsInput) (*PartitionCredentialsOutput, error) {
	e := c.event("GetDataAccess", "lakeformation:GetDataAccess")
	var out *PartitionCredentialsOutput
	err := func() error {
		if in == nil {
			return invalid("The request is empty.")
		}
		e.Resource = in.TableArn
		e.SupportedPermissionTypes = in.SupportedPermissionTypes
		e.RequestedPermissions = in.Permissions
		e.DurationSeconds = in.DurationSeconds
		fillContext(e, nil, in.AuditContext)
		if len(in.PartitionValues) == 0 {
			return invalid("Partition.Values is required and must not be empty.")
		}
		ref, err := ValidateCredentialsInput(&api.GetTemporaryGlueTableCredentialsInput{TableArn: in.TableArn, Permissions: in.Permissions,
			DurationSeconds: in.DurationSeconds, AuditContext: in.AuditContext, SupportedPermissionTypes: in.SupportedPermissionTypes}, c.cp.region)
		if err != nil {
			return err
		}
		creds, err := c.vend(ctx, "GetTemporaryGluePartitionCredentials", ref, in.PartitionValues, "", in.Permissions, in.SupportedPermissionTypes,
			in.DurationSeconds, nil, e)
		if err != nil {
			return err
		}
		out = &PartitionCredentialsOutput{AccessKeyId: creds.AccessKeyId, SecretAccessKey: creds.SecretAccessKey,
			SessionToken: creds.SessionToken, Expiration: api.NewTime(creds.Expiration)}
		return nil
	}()
	if err := c.record(e, err); err != nil {
		return nil, err
	}
	return out, nil
}

// vend is the credential decision (rule 11): the caller validated, the
// table registered, the permissions asked held (SELECT ⇒ read-only;
// INSERT/DELETE ⇒ read-write, only without any restriction, rule 12),
// scoped to the table, partition or S3Path location.
func (c *client) vend(ctx context.Context, op string, ref TableRef, partition []string, s3Path string, perms, supported []string,
	duration int32, q *api.QuerySessionContext, e *audit.Event) (cred.Credentials, error) {
	var part *api.Partition
	r, err := c.resolve(ctx, "lakeformation", op, ref.CatalogID, ref.Database, ref.Table, e, func(tx *store.Tx, r *resolved) error {
		if partition == nil {
			return nil
		}
		var err error
		part, err = c.cp.cat.In(tx, "").GetPartition(ref.CatalogID, ref.Database, ref.Table, partition)
		return err
	})
	if err != nil {
		return cred.Credentials{}, err
	}
	if r.reg == nil {
		return cred.Credentials{}, notRegistered(r.tbl)
	}
	if len(perms) == 0 {
		perms = []string{"SELECT"}
	}
	// Glue's and LF's permission names for a table coincide; DESCRIBE
	// gives no data access.
	dec, _, err := c.decide(r, supported, perms, q, e)
	if err != nil {
		return cred.Credentials{}, err
	}
	if len(dec.AuthorizedColumns) == 0 {
		return cred.Credentials{}, lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s): no data access on %s.%s (DESCRIBE only)", ref.Database, ref.Table)
	}
	scope := cred.ReadOnly
	for _, p := range perms {
		if p == "INSERT" || p == "DELETE" || p == "ALL" {
			scope = cred.ReadWrite
		}
	}
	loc := ""
	if r.tbl.StorageDescriptor != nil {
		loc = r.tbl.StorageDescriptor.Location
	}
	if part != nil {
		ploc := ""
		if part.StorageDescriptor != nil {
			ploc = part.StorageDescriptor.Location
		}
		// A partition may point anywhere in Glue; vending for one outside
		// its table's location would let whoever may add partitions aim a
		// reader at another table's files. Fail closed.
		pp, err1 := cred.NormalizePrefix(ploc)
		tp, err2 := cred.NormalizePrefix(loc)
		if ploc != "" && (err1 != nil || err2 != nil || !strings.HasPrefix(pp, tp)) {
			return cred.Credentials{}, lferr.New(lferr.AccessDenied, "Partition %v of %s.%s is stored at %s, outside the table location %s: no credentials are vended for it.",
				partition, ref.Database, ref.Table, ploc, loc)
		}
		loc = ploc
	}
	if loc == "" {
		return cred.Credentials{}, invalid("%s.%s has no storage location to vend credentials for.", ref.Database, ref.Table)
	}
	if strings.HasPrefix(loc, "s3://") || strings.HasPrefix(loc, "s3a://") || strings.HasPrefix(loc, "s3n://") {
		return cred.Credentials{}, invalid("S3 vending not configured: %s is an S3 location and this control plane has no S3 credential broker yet.", loc)
	}
	if s3Path != "" {
		sp, err1 := cred.NormalizePrefix(s3Path)
		tp, err2 := cred.NormalizePrefix(loc)
		if err1 != nil || err2 != nil || !strings.HasPrefix(sp, tp) {
			return cred.Credentials{}, invalid("S3Path %s is not inside the table location %s.", s3Path, loc)
		}
		loc = s3Path
	}
	if duration == 0 {
		duration = DefaultCredentialSeconds
	}
	exp := c.cp.now().Add(time.Duration(duration) * time.Second).UTC().Truncate(time.Second)
	creds, err := c.cp.signer.Mint(loc, scope, exp, c.cp.rand)
	if err != nil {
		return cred.Credentials{}, err
	}
	norm, _ := cred.NormalizePrefix(loc)
	e.VendedPath, e.Scope, e.AccessKeyId = norm, string(scope), creds.AccessKeyId
	e.Expiration = &exp
	e.DurationSeconds = duration
	return creds, nil
}

package wire

import (
	"context"
	"time"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/lftag"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/authz/sts"
)

var lfOps map[string]handlerFunc

func init() {
	lfOps = map[string]handlerFunc{
		"GetDataLakeSettings":                  jsonOp(lfGetDataLakeSettings),
		"PutDataLakeSettings":                  jsonOp(lfPutDataLakeSettings),
		"RegisterResource":                     lfRegister(lf.RegisterResource),
		"UpdateResource":                       lfRegister(lf.UpdateResource),
		"DeregisterResource":                   jsonOp(lfDeregisterResource),
		"DescribeResource":                     jsonOp(lfDescribeResource),
		"ListResources":                        jsonOp(lfListResources),
		"GrantPermissions":                     lfGrant(lf.GrantPermissions),
		"RevokePermissions":                    lfGrant(lf.RevokePermissions),
		"BatchGrantPermissions":                lfBatch(lf.BatchGrantPermissions),
		"BatchRevokePermissions":               lfBatch(lf.BatchRevokePermissions),
		"ListPermissions":                      jsonOp(lfListPermissions),
		"GetEffectivePermissionsForPath":       jsonOp(lfGetEffectivePermissionsForPath),
		"CreateDataCellsFilter":                lfWriteFilter(lf.CreateDataCellsFilter),
		"UpdateDataCellsFilter":                lfWriteFilter(lf.UpdateDataCellsFilter),
		"GetDataCellsFilter":                   jsonOp(lfGetDataCellsFilter),
		"DeleteDataCellsFilter":                jsonOp(lfDeleteDataCellsFilter),
		"ListDataCellsFilter":                  jsonOp(lfListDataCellsFilter),
		"GetTemporaryGlueTableCredentials":     jsonOp(lfGetTemporaryGlueTableCredentials),
		"GetTemporaryGluePartitionCredentials": jsonOp(lfGetTemporaryGluePartitionCredentials),

		"CreateLFTag":              tagAction((*lftag.Service).CreateLFTag),
		"UpdateLFTag":              tagAction((*lftag.Service).UpdateLFTag),
		"DeleteLFTag":              tagAction((*lftag.Service).DeleteLFTag),
		"GetLFTag":                 tagQuery((*lftag.Service).GetLFTag),
		"ListLFTags":               tagListing((*lftag.Service).ListLFTags),
		"AddLFTagsToResource":      tagQuery((*lftag.Service).AddLFTagsToResource),
		"RemoveLFTagsFromResource": tagQuery((*lftag.Service).RemoveLFTagsFromResource),
		"GetResourceLFTags":        tagQuery((*lftag.Service).GetResourceLFTags),
		"SearchTablesByLFTags":     tagListing((*lftag.Service).SearchTablesByLFTags),
		"SearchDatabasesByLFTags":  tagListing((*lftag.Service).SearchDatabasesByLFTags),
		"CreateLFTagExpression":    tagAction((*lftag.Service).CreateLFTagExpression),
		"UpdateLFTagExpression":    tagAction((*lftag.Service).UpdateLFTagExpression),
		"DeleteLFTagExpression":    tagAction((*lftag.Service).DeleteLFTagExpression),
		"GetLFTagExpression":       tagQuery((*lftag.Service).GetLFTagExpression),
		"ListLFTagExpressions":     tagListing((*lftag.Service).ListLFTagExpressions),
	}
}

// lfCaller is the caller as authz/lf checks it, after the IAM gate.
// Network callers are never Trusted: the administrator user is a data
// lake administrator through the settings (Bootstrap lists it).
func (s *Server) lfCaller(req *request) (lf.Caller, error) {
	if !req.who.admin && req.who.caller.Kind != authz.RoleSessionCaller {
		return lf.Caller{}, errNotLakeCaller(req)
	}
	if err := s.authorizeIAM(req, sts.Target{}); err != nil {
		return lf.Caller{}, err
	}
	if req.who.admin {
		return lf.Caller{Principals: []string{req.who.p.ARN, s.account}}, nil
	}
	return lf.Caller{Principals: []string{req.who.caller.RoleArn(), req.who.caller.Account}}, nil
}

// catalogCaller checks the input's CatalogId, then returns lfCaller.
func (s *Server) catalogCaller(req *request, catalogID string) (lf.Caller, error) {
	if err := s.checkCatalog(catalogID); err != nil {
		return lf.Caller{}, err
	}
	return s.lfCaller(req)
}

// asCaller checks catalogID, then runs fn for the caller (lfCaller) in
// the transaction txn opens; authz/lf applies LF's rules to the caller.
func (s *Server) asCaller(req *request, catalogID string, txn func(func(*store.Tx) error) error, fn func(tx *store.Tx, c lf.Caller) error) error {
	c, err := s.catalogCaller(req, catalogID)
	if err != nil {
		return err
	}
	return txn(func(tx *store.Tx) error { return fn(tx, c) })
}

// lfView is asCaller in a read transaction.
func (s *Server) lfView(req *request, catalogID string, fn func(tx *store.Tx, c lf.Caller) error) error {
	return s.asCaller(req, catalogID, s.cp.Store().View, fn)
}

// lfUpdate is asCaller in a write transaction.
func (s *Server) lfUpdate(req *request, catalogID string, fn func(tx *store.Tx, c lf.Caller) error) error {
	return s.asCaller(req, catalogID, s.cp.Store().Update, fn)
}

// requireLakeAdmin passes data lake administrators only: the operations
// whose backing functions take no caller (registration, LF-tag
// administration) are administrator operations in sluice.
func (s *Server) requireLakeAdmin(tx *store.Tx, req *request, c lf.Caller) error {
	st, err := lf.GetSettings(tx, s.account)
	if err != nil {
		return err
	}
	if req.who.admin || lf.IsAdmin(&st, c.Principals...) {
		return nil
	}
	return lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s): %s is not a data lake administrator, which %s requires on sluice", req.who.arn(), req.op)
}

// asAdmin runs fn for data lake administrators only.
func (s *Server) asAdmin(req *request, fn func(tx *store.Tx) error) func(*store.Tx, lf.Caller) error {
	return func(tx *store.Tx, c lf.Caller) error {
		if err := s.requireLakeAdmin(tx, req, c); err != nil {
			return err
		}
		return fn(tx)
	}
}

// adminView runs fn for a data lake administrator in a read transaction.
func (s *Server) adminView(req *request, fn func(tx *store.Tx) error) error {
	return s.lfView(req, "", s.asAdmin(req, fn))
}

// adminUpdate runs fn for a data lake administrator in a write
// transaction.
func (s *Server) adminUpdate(req *request, fn func(tx *store.Tx) error) error {
	return s.lfUpdate(req, "", s.asAdmin(req, fn))
}

// adminRead returns what fn reads for a data lake administrator.
func adminRead[T any](s *Server, req *request, fn func(tx *store.Tx) (T, error)) (T, error) {
	return inTx(func(run func(*store.Tx) error) error { return s.adminView(req, run) }, fn)
}

// tagOp serves an LF-tag operation: IAM, then data lake administrators
// only (the LF-tag service takes no caller; LF's finer LF-tag permissions
// are not served over the wire yet).
func tagOp[In any](fn func(s *Server, ctx context.Context, in *In) (any, error)) handlerFunc {
	return jsonOp(func(s *Server, req *request, in *In) (any, error) {
		if err := s.adminView(req, func(*store.Tx) error { return nil }); err != nil {
			return nil, err
		}
		return fn(s, req.ctx, in)
	})
}

// tagAction is an LF-tag operation with no output.
func tagAction[In any](call func(*lftag.Service, context.Context, In) error) handlerFunc {
	return tagOp(func(s *Server, ctx context.Context, in *In) (any, error) { return nil, call(s.cp.LFTags(), ctx, *in) })
}

// tagQuery is an LF-tag operation that answers Out.
func tagQuery[In, Out any](call func(*lftag.Service, context.Context, In) (*Out, error)) handlerFunc {
	return tagOp(func(s *Server, ctx context.Context, in *In) (any, error) { return call(s.cp.LFTags(), ctx, *in) })
}

// tagListing is an LF-tag listing or search, with no visibility filter:
// only data lake administrators call it, and they see everything.
func tagListing[In, Out, Filter any](call func(*lftag.Service, context.Context, In, Filter) (*Out, error)) handlerFunc {
	return tagOp(func(s *Server, ctx context.Context, in *In) (any, error) {
		var all Filter // nil: no filter
		return call(s.cp.LFTags(), ctx, *in, all)
	})
}

type catalogReq struct {
	CatalogId string `json:"CatalogId"`
}

func lfGetDataLakeSettings(s *Server, req *request, in *catalogReq) (any, error) {
	var st api.DataLakeSettings
	err := s.lfView(req, in.CatalogId, func(tx *store.Tx, _ lf.Caller) error {
		var err error
		st, err = lf.GetSettings(tx, s.account)
		return err
	})
	if err != nil {
		return nil, err
	}
	return struct {
		DataLakeSettings api.DataLakeSettings `json:"DataLakeSettings"`
	}{st}, nil
}

type putSettingsReq struct {
	CatalogId        string                `json:"CatalogId"`
	DataLakeSettings *api.DataLakeSettings `json:"DataLakeSettings"`
}

// lfPutDataLakeSettings is IAM-gated only, as in LF: the IAM
// administrator names the data lake administrators.
func lfPutDataLakeSettings(s *Server, req *request, in *putSettingsReq) (any, error) {
	if err := s.checkCatalog(in.CatalogId); err != nil {
		return nil, err
	}
	if in.DataLakeSettings == nil {
		return nil, lferr.New(lferr.InvalidInput, "DataLakeSettings is required.")
	}
	return nil, s.lfUpdate(req, "", func(tx *store.Tx, _ lf.Caller) error { return lf.PutSettings(tx, s.account, *in.DataLakeSettings) })
}

type registerReq struct {
	ResourceArn          string `json:"ResourceArn"`
	UseServiceLinkedRole bool   `json:"UseServiceLinkedRole"`
	RoleArn              string `json:"RoleArn"`
	WithFederation       bool   `json:"WithFederation"`
	HybridAccessEnabled  bool   `json:"HybridAccessEnabled"`
	WithPrivilegedAccess bool   `json:"WithPrivilegedAccess"`
}

func (r registerReq) input() lf.RegisterInput {
	return lf.RegisterInput{ResourceArn: r.ResourceArn, UseServiceLinkedRole: r.UseServiceLinkedRole, RoleArn: r.RoleArn,
		WithFederation: r.WithFederation, HybridAccessEnabled: r.HybridAccessEnabled, WithPrivilegedAccess: r.WithPrivilegedAccess}
}

// lfRegister serves RegisterResource and UpdateResource, which differ
// only in the authz/lf function.
func lfRegister(fn func(*store.Tx, lf.RegisterInput, time.Time) error) handlerFunc {
	return jsonOp(func(s *Server, req *request, in *registerReq) (any, error) {
		return nil, s.adminUpdate(req, func(tx *store.Tx) error { return fn(tx, in.input(), s.now()) })
	})
}

type resourceArnReq struct {
	ResourceArn string `json:"ResourceArn"`
}

func lfDeregisterResource(s *Server, req *request, in *resourceArnReq) (any, error) {
	return nil, s.adminUpdate(req, func(tx *store.Tx) error { return lf.DeregisterResource(tx, in.ResourceArn) })
}

func lfDescribeResource(s *Server, req *request, in *resourceArnReq) (any, error) {
	info, err := adminRead(s, req, func(tx *store.Tx) (*api.ResourceInfo, error) { return lf.DescribeResource(tx, in.ResourceArn) })
	if err != nil {
		return nil, err
	}
	return struct {
		ResourceInfo *api.ResourceInfo `json:"ResourceInfo"`
	}{info}, nil
}

type listResourcesReq struct {
	FilterConditionList []lf.FilterCondition `json:"FilterConditionList"`
	MaxResults          int                  `json:"MaxResults"`
	NextToken           string               `json:"NextToken"`
}

func lfListResources(s *Server, req *request, in *listResourcesReq) (any, error) {
	var out struct {
		ResourceInfoList []api.ResourceInfo `json:"ResourceInfoList"`
		NextToken        string             `json:"NextToken,omitempty"`
	}
	err := s.adminView(req, func(tx *store.Tx) error {
		var err error
		out.ResourceInfoList, out.NextToken, err = lf.ListResources(tx, in.FilterConditionList, in.MaxResults, in.NextToken)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.ResourceInfoList = orEmpty(out.ResourceInfoList)
	return out, nil
}

type grantReq struct {
	CatalogId string `json:"CatalogId"`
	lf.GrantInput
}

// oldPermNames maps permission names of older clients to today's
// (botocore 1.29 knows CREATE_TAG, aws-wire.md §8).
var oldPermNames = map[string]string{"CREATE_TAG": "CREATE_LF_TAG"}

func renamePerms(ps []string) {
	for i, p := range ps {
		if n, ok := oldPermNames[p]; ok {
			ps[i] = n
		}
	}
}

// lfGrant serves GrantPermissions and RevokePermissions, which differ
// only in the authz/lf function.
func lfGrant(fn func(*store.Tx, string, lf.Caller, lf.GrantInput, time.Time) error) handlerFunc {
	return jsonOp(func(s *Server, req *request, in *grantReq) (any, error) {
		renamePerms(in.Permissions)
		renamePerms(in.PermissionsWithGrantOption)
		return nil, s.lfUpdate(req, in.CatalogId, func(tx *store.Tx, c lf.Caller) error {
			return fn(tx, s.account, c, in.GrantInput, s.now())
		})
	})
}

type batchReq struct {
	CatalogId string          `json:"CatalogId"`
	Entries   []lf.BatchEntry `json:"Entries"`
}

// lfBatch serves BatchGrantPermissions and BatchRevokePermissions, which
// differ only in the authz/lf function.
func lfBatch(fn func(*store.Tx, string, lf.Caller, []lf.BatchEntry, time.Time) ([]lf.BatchFailure, error)) handlerFunc {
	return jsonOp(func(s *Server, req *request, in *batchReq) (any, error) {
		for i := range in.Entries {
			renamePerms(in.Entries[i].Permissions)
			renamePerms(in.Entries[i].PermissionsWithGrantOption)
		}
		var failures []lf.BatchFailure
		err := s.lfUpdate(req, in.CatalogId, func(tx *store.Tx, c lf.Caller) error {
			var err error
			failures, err = fn(tx, s.account, c, in.Entries, s.now())
			return err
		})
		if err != nil {
			return nil, err
		}
		return struct {
			Failures []lf.BatchFailure `json:"Failures"`
		}{orEmpty(failures)}, nil
	})
}

type listPermissionsReq struct {
	CatalogId string `json:"CatalogId"`
	lf.ListInput
}

func lfListPermissions(s *Server, req *request, in *listPermissionsReq) (any, error) {
	var out struct {
		PrincipalResourcePermissions []api.PrincipalResourcePermissions `json:"PrincipalResourcePermissions"`
		NextToken                    string                             `json:"NextToken,omitempty"`
	}
	err := s.lfView(req, in.CatalogId, func(tx *store.Tx, c lf.Caller) error {
		var err error
		out.PrincipalResourcePermissions, out.NextToken, err = lf.ListPermissions(tx, s.account, c, in.ListInput)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.PrincipalResourcePermissions = orEmpty(out.PrincipalResourcePermissions)
	return out, nil
}

type effectivePermissionsReq struct {
	CatalogId   string `json:"CatalogId"`
	ResourceArn string `json:"ResourceArn"`
	MaxResults  int    `json:"MaxResults"`
	NextToken   string `json:"NextToken"`
}

func lfGetEffectivePermissionsForPath(s *Server, req *request, in *effectivePermissionsReq) (any, error) {
	var out struct {
		Permissions []api.PrincipalResourcePermissions `json:"Permissions"`
		NextToken   string                             `json:"NextToken,omitempty"`
	}
	err := s.lfView(req, in.CatalogId, func(tx *store.Tx, c lf.Caller) error {
		var err error
		out.Permissions, out.NextToken, err = lf.GetEffectivePermissionsForPath(tx, s.account, c, in.ResourceArn, in.MaxResults, in.NextToken)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.Permissions = orEmpty(out.Permissions)
	return out, nil
}

type filterReq struct {
	TableData *api.DataCellsFilter `json:"TableData"`
}

// tableData is the filter of a create or update, its catalog defaulting
// to the home's.
func (s *Server) tableData(in *filterReq) (*api.DataCellsFilter, error) {
	f := in.TableData
	if f == nil {
		return nil, lferr.New(lferr.InvalidInput, "TableData is required.")
	}
	if f.TableCatalogId == "" {
		f.TableCatalogId = s.account
	}
	return f, nil
}

// lfWriteFilter serves CreateDataCellsFilter and UpdateDataCellsFilter,
// which differ only in the authz/lf function.
func lfWriteFilter(fn func(*store.Tx, string, lf.Caller, api.DataCellsFilter) error) handlerFunc {
	return jsonOp(func(s *Server, req *request, in *filterReq) (any, error) {
		f, err := s.tableData(in)
		if err != nil {
			return nil, err
		}
		return nil, s.lfUpdate(req, f.TableCatalogId, func(tx *store.Tx, c lf.Caller) error {
			return fn(tx, s.account, c, *f)
		})
	})
}

type filterNameReq struct {
	TableCatalogId string `json:"TableCatalogId"`
	DatabaseName   string `json:"DatabaseName"`
	TableName      string `json:"TableName"`
	Name           string `json:"Name"`
}

func lfDeleteDataCellsFilter(s *Server, req *request, in *filterNameReq) (any, error) {
	return nil, s.lfUpdate(req, in.TableCatalogId, func(tx *store.Tx, c lf.Caller) error {
		return lf.DeleteDataCellsFilter(tx, s.account, c, in.DatabaseName, in.TableName, in.Name)
	})
}

// lfGetDataCellsFilter and lfListDataCellsFilter show filter definitions
// (row expressions included), which LF shows to administrators and to
// holders of grants on the filter; sluice serves administrators only.
func lfGetDataCellsFilter(s *Server, req *request, in *filterNameReq) (any, error) {
	if err := s.checkCatalog(in.TableCatalogId); err != nil {
		return nil, err
	}
	f, err := adminRead(s, req, func(tx *store.Tx) (*api.DataCellsFilter, error) {
		return lf.GetDataCellsFilter(tx, s.account, in.DatabaseName, in.TableName, in.Name)
	})
	if err != nil {
		return nil, err
	}
	return struct {
		DataCellsFilter *api.DataCellsFilter `json:"DataCellsFilter"`
	}{f}, nil
}

type listFiltersReq struct {
	Table      *api.TableResource `json:"Table"`
	MaxResults int                `json:"MaxResults"`
	NextToken  string             `json:"NextToken"`
}

func lfListDataCellsFilter(s *Server, req *request, in *listFiltersReq) (any, error) {
	var out struct {
		DataCellsFilters []api.DataCellsFilter `json:"DataCellsFilters"`
		NextToken        string                `json:"NextToken,omitempty"`
	}
	err := s.adminView(req, func(tx *store.Tx) error {
		var err error
		out.DataCellsFilters, out.NextToken, err = lf.ListDataCellsFilter(tx, s.account, in.Table, in.MaxResults, in.NextToken)
		return err
	})
	if err != nil {
		return nil, err
	}
	out.DataCellsFilters = orEmpty(out.DataCellsFilters)
	return out, nil
}

func lfGetTemporaryGlueTableCredentials(s *Server, req *request, in *api.GetTemporaryGlueTableCredentialsInput) (any, error) {
	c, err := s.client(req, sts.Target{})
	if err != nil {
		return nil, err
	}
	return c.GetTemporaryGlueTableCredentials(req.ctx, in)
}

type partitionCredentialsReq struct {
	TableArn  string `json:"TableArn"`
	Partition *struct {
		Values []string `json:"Values"`
	} `json:"Partition"`
	Permissions              []string          `json:"Permissions"`
	DurationSeconds          int32             `json:"DurationSeconds"`
	AuditContext             *api.AuditContext `json:"AuditContext"`
	SupportedPermissionTypes []string          `json:"SupportedPermissionTypes"`
}

func lfGetTemporaryGluePartitionCredentials(s *Server, req *request, in *partitionCredentialsReq) (any, error) {
	if in.Partition == nil {
		return nil, lferr.New(lferr.InvalidInput, "Partition is required.")
	}
	c, err := s.client(req, sts.Target{})
	if err != nil {
		return nil, err
	}
	pc, ok := c.(authz.PartitionCredentials)
	if !ok {
		return nil, lferr.AssertionFailedf("the control plane client does not vend partition credentials")
	}
	out, err := pc.GetTemporaryGluePartitionCredentials(req.ctx, &authz.PartitionCredentialsInput{TableArn: in.TableArn,
		PartitionValues: in.Partition.Values, Permissions: in.Permissions, DurationSeconds: in.DurationSeconds,
		AuditContext: in.AuditContext, SupportedPermissionTypes: in.SupportedPermissionTypes})
	if err != nil {
		return nil, err
	}
	return struct {
		AccessKeyId     string    `json:"AccessKeyId,omitempty"`
		SecretAccessKey string    `json:"SecretAccessKey,omitempty"`
		SessionToken    string    `json:"SessionToken,omitempty"`
		Expiration      *api.Time `json:"Expiration,omitempty"`
	}{out.AccessKeyId, out.SecretAccessKey, out.SessionToken, out.Expiration}, nil
}

package wire

import (
	"context"
	"time"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/authz/sts"
)

var lfOps map[string]handlerFunc

func init() {
	lfOps = map[string]handlerFunc{
		"GetDataLakeSettings":                  lfGetDataLakeSettings,
		"PutDataLakeSettings":                  lfPutDataLakeSettings,
		"RegisterResource":                     lfRegisterResource,
		"UpdateResource":                       lfUpdateResource,
		"DeregisterResource":                   lfDeregisterResource,
		"DescribeResource":                     lfDescribeResource,
		"ListResources":                        lfListResources,
		"GrantPermissions":                     lfGrant,
		"RevokePermissions":                    lfRevoke,
		"BatchGrantPermissions":                lfBatchGrant,
		"BatchRevokePermissions":               lfBatchRevoke,
		"ListPermissions":                      lfListPermissions,
		"GetEffectivePermissionsForPath":       lfGetEffectivePermissionsForPath,
		"CreateDataCellsFilter":                lfCreateDataCellsFilter,
		"UpdateDataCellsFilter":                lfUpdateDataCellsFilter,
		"GetDataCellsFilter":                   lfGetDataCellsFilter,
		"DeleteDataCellsFilter":                lfDeleteDataCellsFilter,
		"ListDataCellsFilter":                  lfListDataCellsFilter,
		"GetTemporaryGlueTableCredentials":     lfGetTemporaryGlueTableCredentials,
		"GetTemporaryGluePartitionCredentials": lfGetTemporaryGluePartitionCredentials,

		"CreateLFTag": tagOp(func(s *Server, ctx context.Context, in api.CreateLFTagInput) (any, error) {
			return nil, s.cp.LFTags().CreateLFTag(ctx, in)
		}),
		"UpdateLFTag": tagOp(func(s *Server, ctx context.Context, in api.UpdateLFTagInput) (any, error) {
			return nil, s.cp.LFTags().UpdateLFTag(ctx, in)
		}),
		"DeleteLFTag": tagOp(func(s *Server, ctx context.Context, in api.DeleteLFTagInput) (any, error) {
			return nil, s.cp.LFTags().DeleteLFTag(ctx, in)
		}),
		"GetLFTag": tagOp(func(s *Server, ctx context.Context, in api.GetLFTagInput) (any, error) {
			return s.cp.LFTags().GetLFTag(ctx, in)
		}),
		"ListLFTags": tagOp(func(s *Server, ctx context.Context, in api.ListLFTagsInput) (any, error) {
			return s.cp.LFTags().ListLFTags(ctx, in, nil)
		}),
		"AddLFTagsToResource": tagOp(func(s *Server, ctx context.Context, in api.AddLFTagsToResourceInput) (any, error) {
			return s.cp.LFTags().AddLFTagsToResource(ctx, in)
		}),
		"RemoveLFTagsFromResource": tagOp(func(s *Server, ctx context.Context, in api.RemoveLFTagsFromResourceInput) (any, error) {
			return s.cp.LFTags().RemoveLFTagsFromResource(ctx, in)
		}),
		"GetResourceLFTags": tagOp(func(s *Server, ctx context.Context, in api.GetResourceLFTagsInput) (any, error) {
			return s.cp.LFTags().GetResourceLFTags(ctx, in)
		}),
		"SearchTablesByLFTags": tagOp(func(s *Server, ctx context.Context, in api.SearchTablesByLFTagsInput) (any, error) {
			return s.cp.LFTags().SearchTablesByLFTags(ctx, in, nil)
		}),
		"SearchDatabasesByLFTags": tagOp(func(s *Server, ctx context.Context, in api.SearchDatabasesByLFTagsInput) (any, error) {
			return s.cp.LFTags().SearchDatabasesByLFTags(ctx, in, nil)
		}),
		"CreateLFTagExpression": tagOp(func(s *Server, ctx context.Context, in api.CreateLFTagExpressionInput) (any, error) {
			return nil, s.cp.LFTags().CreateLFTagExpression(ctx, in)
		}),
		"UpdateLFTagExpression": tagOp(func(s *Server, ctx context.Context, in api.UpdateLFTagExpressionInput) (any, error) {
			return nil, s.cp.LFTags().UpdateLFTagExpression(ctx, in)
		}),
		"DeleteLFTagExpression": tagOp(func(s *Server, ctx context.Context, in api.DeleteLFTagExpressionInput) (any, error) {
			return nil, s.cp.LFTags().DeleteLFTagExpression(ctx, in)
		}),
		"GetLFTagExpression": tagOp(func(s *Server, ctx context.Context, in api.GetLFTagExpressionInput) (any, error) {
			return s.cp.LFTags().GetLFTagExpression(ctx, in)
		}),
		"ListLFTagExpressions": tagOp(func(s *Server, ctx context.Context, in api.ListLFTagExpressionsInput) (any, error) {
			return s.cp.LFTags().ListLFTagExpressions(ctx, in, nil)
		}),
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

// tagOp serves an LF-tag operation: IAM, then data lake administrators
// only (the LF-tag service takes no caller; LF's finer LF-tag permissions
// are not served over the wire yet).
func tagOp[In any](fn func(*Server, context.Context, In) (any, error)) handlerFunc {
	return func(s *Server, req *request) (any, error) {
		var in In
		if err := decode(req, &in); err != nil {
			return nil, err
		}
		c, err := s.lfCaller(req)
		if err != nil {
			return nil, err
		}
		if err := s.cp.Store().View(func(tx *store.Tx) error { return s.requireLakeAdmin(tx, req, c) }); err != nil {
			return nil, err
		}
		return fn(s, req.ctx, in)
	}
}

type catalogReq struct {
	CatalogId string `json:"CatalogId"`
}

func lfGetDataLakeSettings(s *Server, req *request) (any, error) {
	var in catalogReq
	if err := decode(req, &in); err != nil {
		return nil, err
	}
	if err := s.checkCatalog(in.CatalogId); err != nil {
		return nil, err
	}
	if _, err := s.lfCaller(req); err != nil {
		return nil, err
	}
	var st api.DataLakeSettings
	err := s.cp.Store().View(func(tx *store.Tx) error {
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

// lfPutDataLakeSettings is IAM-gated only, as in LF: the IAM
// administrator names the data lake administrators.
func lfPutDataLakeSettings(s *Server, req *request) (any, error) {
	var in struct {
		CatalogId        string                `json:"CatalogId"`
		DataLakeSettings *api.DataLakeSettings `json:"DataLakeSettings"`
	}
	if err := decode(req, &in); err != nil {
		return nil, err
	}
	if err := s.checkCatalog(in.CatalogId); err != nil {
		return nil, err
	}
	if in.DataLakeSettings == nil {
		return nil, lferr.New(lferr.InvalidInput, "DataLakeSettings is required.")
	}
	if _, err := s.lfCaller(req); err != nil {
		return nil, err
	}
	return nil, s.cp.Store().Update(func(tx *store.Tx) error { return lf.PutSettings(tx, s.account, *in.DataLakeSettings) })
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

// adminUpdate runs fn for a data lake administrator in a write
// transaction.
func (s *Server) adminUpdate(req *request, fn func(tx *store.Tx) error) error {
	c, err := s.lfCaller(req)
	if err != nil {
		return err
	}
	return s.cp.Store().Update(func(tx *store.Tx) error {
		if err := s.requireLakeAdmin(tx, req, c); err != nil {
			return err
		}
		return fn(tx)
	})
}

func (s *Server) adminView(req *request, fn func(tx *store.Tx) error) error {
	c, err := s.lfCaller(req)
	if err != nil {
		return err
	}
	return s.cp.Store().View(func(tx *store.Tx) error {
		if err := s.requireLakeAdmin(tx, req, c); err != nil {
			return err
		}
		return fn(tx)
	})
}

func lfRegisterResource(s *Server, req *request) (any, error) {
	var in registerReq
	if err := decode(req, &in); err != nil {
		return nil, err
	}
	return nil, s.adminUpdate(req, func(tx *store.Tx) error { return lf.RegisterResource(tx, in.input(), s.now()) })
}

func lfUpdateResource(s *Server, req *request) (any, error) {
	var in registerReq
	if err := decode(req, &in); err != nil {
		return nil, err
	}
	return nil, s.adminUpdate(req, func(tx *store.Tx) error { return lf.UpdateResource(tx, in.input(), s.now()) })
}

type resourceArnReq struct {
	ResourceArn string `json:"ResourceArn"`
}

func lfDeregisterResource(s *Server, req *request) (any, error) {
	var in resourceArnReq
	if err := decode(req, &in); err != nil {
		return nil, err
	}
	return nil, s.adminUpdate(req, func(tx *store.Tx) error { return lf.DeregisterResource(tx, in.ResourceArn) })
}

func lfDescribeResource(s *Server, req *request) (any, error) {
	var in resourceArnReq
	if err := decode(req, &in); err != nil {
		return nil, err
	}
	var info *api.ResourceInfo
	err := s.adminView(req, func(tx *store.Tx) error {
		var err error
		info, err = lf.DescribeResource(tx, in.ResourceArn)
		return err
	})
	if err != nil {
		return nil, err
	}
	return struct {
		ResourceInfo *api.ResourceInfo `json:"ResourceInfo"`
	}{info}, nil
}

func lfListResources(s *Server, req *request) (any, error) {
	var in struct {
		FilterConditionList []lf.FilterCondition `json:"FilterConditionList"`
		MaxResults          int                  `json:"MaxResults"`
		NextToken           string               `json:"NextToken"`
	}
	if err := decode(req, &in); err != nil {
		return nil, err
	}
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
	if out.ResourceInfoList == nil {
		out.ResourceInfoList = []api.ResourceInfo{}
	}
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

func (g *grantReq) normalize() {
	renamePerms(g.Permissions)
	renamePerms(g.PermissionsWithGrantOption)
}

func lfGrant(s *Server, req *request) (any, error) {
	var in grantReq
	if err := decode(req, &in); err != nil {
		return nil, err
	}
	in.normalize()
	if err := s.checkCatalog(in.CatalogId); err != nil {
		return nil, err
	}
	c, err := s.lfCaller(req)
	if err != nil {
		return nil, err
	}
	return nil, s.cp.Store().Update(func(tx *store.Tx) error {
		return lf.GrantPermissions(tx, s.account, c, in.GrantInput, s.now())
	})
}

func lfRevoke(s *Server, req *request) (any, error) {
	var in grantReq
	if err := decode(req, &in); err != nil {
		return nil, err
	}
	in.normalize()
	if err := s.checkCatalog(in.CatalogId); err != nil {
		return nil, err
	}
	c, err := s.lfCaller(req)
	if err != nil {
		return nil, err
	}
	return nil, s.cp.Store().Update(func(tx *store.Tx) error {
		return lf.RevokePermissions(tx, s.account, c, in.GrantInput, s.now())
	})
}

type batchReq struct {
	CatalogId string          `json:"CatalogId"`
	Entries   []lf.BatchEntry `json:"Entries"`
}

type batchOut struct {
	Failures []lf.BatchFailure `json:"Failures"`
}

func lfBatch(s *Server, req *request, fn func(*store.Tx, string, lf.Caller, []lf.BatchEntry, time.Time) ([]lf.BatchFailure, error)) (any, error) {
	var in batchReq
	if err := decode(req, &in); err != nil {
		return nil, err
	}
	for i := range in.Entries {
		renamePerms(in.Entries[i].Permissions)
		renamePerms(in.Entries[i].PermissionsWithGrantOption)
	}
	if err := s.checkCatalog(in.CatalogId); err != nil {
		return nil, err
	}
	c, err := s.lfCaller(req)
	if err != nil {
		return nil, err
	}
	var out batchOut
	err = s.cp.Store().Update(func(tx *store.Tx) error {
		var err error
		out.Failures, err = fn(tx, s.account, c, in.Entries, s.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	if out.Failures == nil {
		out.Failures = []lf.BatchFailure{}
	}
	return out, nil
}

func lfBatchGrant(s *Server, req *request) (any, error) {
	return lfBatch(s, req, lf.BatchGrantPermissions)
}

func lfBatchRevoke(s *Server, req *request) (any, error) {
	return lfBatch(s, req, lf.BatchRevokePermissions)
}

func lfListPermissions(s *Server, req *request) (any, error) {
	var in struct {
		CatalogId string `json:"CatalogId"`
		lf.ListInput
	}
	if err := decode(req, &in); err != nil {
		return nil, err
	}
	if err := s.checkCatalog(in.CatalogId); err != nil {
		return nil, err
	}
	c, err := s.lfCaller(req)
	if err != nil {
		return nil, err
	}
	var out struct {
		PrincipalResourcePermissions []api.PrincipalResourcePermissions `json:"PrincipalResourcePermissions"`
		NextToken                    string                             `json:"NextToken,omitempty"`
	}
	err = s.cp.Store().View(func(tx *store.Tx) error {
		var err error
		out.PrincipalResourcePermissions, out.NextToken, err = lf.ListPermissions(tx, s.account, c, in.ListInput)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out.PrincipalResourcePermissions == nil {
		out.PrincipalResourcePermissions = []api.PrincipalResourcePermissions{}
	}
	return out, nil
}

func lfGetEffectivePermissionsForPath(s *Server, req *request) (any, error) {
	var in struct {
		CatalogId   string `json:"CatalogId"`
		ResourceArn string `json:"ResourceArn"`
		MaxResults  int    `json:"MaxResults"`
		NextToken   string `json:"NextToken"`
	}
	if err := decode(req, &in); err != nil {
		return nil, err
	}
	if err := s.checkCatalog(in.CatalogId); err != nil {
		return nil, err
	}
	c, err := s.lfCaller(req)
	if err != nil {
		return nil, err
	}
	var out struct {
		Permissions []api.PrincipalResourcePermissions `json:"Permissions"`
		NextToken   string                             `json:"NextToken,omitempty"`
	}
	err = s.cp.Store().View(func(tx *store.Tx) error {
		var err error
		out.Permissions, out.NextToken, err = lf.GetEffectivePermissionsForPath(tx, s.account, c, in.ResourceArn, in.MaxResults, in.NextToken)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out.Permissions == nil {
		out.Permissions = []api.PrincipalResourcePermissions{}
	}
	return out, nil
}

type filterReq struct {
	TableData *api.DataCellsFilter `json:"TableData"`
}

func (s *Server) filterCatalog(f *api.DataCellsFilter) error {
	if f == nil {
		return lferr.New(lferr.InvalidInput, "TableData is required.")
	}
	if f.TableCatalogId == "" {
		f.TableCatalogId = s.account
	}
	return s.checkCatalog(f.TableCatalogId)
}

func lfCreateDataCellsFilter(s *Server, req *request) (any, error) {
	var in filterReq
	if err := decode(req, &in); err != nil {
		return nil, err
	}
	if err := s.filterCatalog(in.TableData); err != nil {
		return nil, err
	}
	c, err := s.lfCaller(req)
	if err != nil {
		return nil, err
	}
	return nil, s.cp.Store().Update(func(tx *store.Tx) error {
		return lf.CreateDataCellsFilter(tx, s.account, c, *in.TableData)
	})
}

func lfUpdateDataCellsFilter(s *Server, req *request) (any, error) {
	var in filterReq
	if err := decode(req, &in); err != nil {
		return nil, err
	}
	if err := s.filterCatalog(in.TableData); err != nil {
		return nil, err
	}
	c, err := s.lfCaller(req)
	if err != nil {
		return nil, err
	}
	return nil, s.cp.Store().Update(func(tx *store.Tx) error {
		return lf.UpdateDataCellsFilter(tx, s.account, c, *in.TableData)
	})
}

type filterNameReq struct {
	TableCatalogId string `json:"TableCatalogId"`
	DatabaseName   string `json:"DatabaseName"`
	TableName      string `json:"TableName"`
	Name           string `json:"Name"`
}

func lfDeleteDataCellsFilter(s *Server, req *request) (any, error) {
	var in filterNameReq
	if err := decode(req, &in); err != nil {
		return nil, err
	}
	if err := s.checkCatalog(in.TableCatalogId); err != nil {
		return nil, err
	}
	c, err := s.lfCaller(req)
	if err != nil {
		return nil, err
	}
	return nil, s.cp.Store().Update(func(tx *store.Tx) error {
		return lf.DeleteDataCellsFilter(tx, s.account, c, in.DatabaseName, in.TableName, in.Name)
	})
}

// lfGetDataCellsFilter and lfListDataCellsFilter show filter definitions
// (row expressions included), which LF shows to administrators and to
// holders of grants on the filter; sluice serves administrators only.
func lfGetDataCellsFilter(s *Server, req *request) (any, error) {
	var in filterNameReq
	if err := decode(req, &in); err != nil {
		return nil, err
	}
	if err := s.checkCatalog(in.TableCatalogId); err != nil {
		return nil, err
	}
	var f *api.DataCellsFilter
	err := s.adminView(req, func(tx *store.Tx) error {
		var err error
		f, err = lf.GetDataCellsFilter(tx, s.account, in.DatabaseName, in.TableName, in.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return struct {
		DataCellsFilter *api.DataCellsFilter `json:"DataCellsFilter"`
	}{f}, nil
}

func lfListDataCellsFilter(s *Server, req *request) (any, error) {
	var in struct {
		Table      *api.TableResource `json:"Table"`
		MaxResults int                `json:"MaxResults"`
		NextToken  string             `json:"NextToken"`
	}
	if err := decode(req, &in); err != nil {
		return nil, err
	}
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
	if out.DataCellsFilters == nil {
		out.DataCellsFilters = []api.DataCellsFilter{}
	}
	return out, nil
}

func lfGetTemporaryGlueTableCredentials(s *Server, req *request) (any, error) {
	var in api.GetTemporaryGlueTableCredentialsInput
	if err := decode(req, &in); err != nil {
		return nil, err
	}
	c, err := s.client(req, sts.Target{})
	if err != nil {
		return nil, err
	}
	return c.GetTemporaryGlueTableCredentials(req.ctx, &in)
}

func lfGetTemporaryGluePartitionCredentials(s *Server, req *request) (any, error) {
	var in struct {
		TableArn  string `json:"TableArn"`
		Partition *struct {
			Values []string `json:"Values"`
		} `json:"Partition"`
		Permissions              []string          `json:"Permissions"`
		DurationSeconds          int32             `json:"DurationSeconds"`
		AuditContext             *api.AuditContext `json:"AuditContext"`
		SupportedPermissionTypes []string          `json:"SupportedPermissionTypes"`
	}
	if err := decode(req, &in); err != nil {
		return nil, err
	}
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

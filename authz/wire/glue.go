package wire

import (
	"slices"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/authz/sts"
)

var glueOps map[string]handlerFunc

func init() {
	glueOps = map[string]handlerFunc{
		"CreateDatabase":                  jsonOp(glueCreateDatabase),
		"GetDatabase":                     jsonOp(glueGetDatabase),
		"GetDatabases":                    jsonOp(glueGetDatabases),
		"UpdateDatabase":                  jsonOp(glueUpdateDatabase),
		"DeleteDatabase":                  jsonOp(glueDeleteDatabase),
		"CreateTable":                     jsonOp(glueCreateTable),
		"GetTable":                        jsonOp(glueGetTable),
		"GetTables":                       jsonOp(glueGetTables),
		"UpdateTable":                     jsonOp(glueUpdateTable),
		"DeleteTable":                     jsonOp(glueDeleteTable),
		"BatchDeleteTable":                jsonOp(glueBatchDeleteTable),
		"CreatePartition":                 jsonOp(glueCreatePartition),
		"GetPartition":                    jsonOp(glueGetPartition),
		"GetPartitions":                   jsonOp(glueGetPartitions),
		"BatchGetPartition":               jsonOp(glueBatchGetPartition),
		"BatchCreatePartition":            jsonOp(glueBatchCreatePartition),
		"DeletePartition":                 jsonOp(glueDeletePartition),
		"BatchDeletePartition":            jsonOp(glueBatchDeletePartition),
		"GetUnfilteredTableMetadata":      jsonOp(glueGetUnfilteredTableMetadata),
		"GetUnfilteredPartitionMetadata":  jsonOp(glueGetUnfilteredPartitionMetadata),
		"GetUnfilteredPartitionsMetadata": jsonOp(glueGetUnfilteredPartitionsMetadata),
	}
}

// client is the facade client of the caller, after the IAM gate on the
// target. Role sessions' IAM is evaluated by the facade itself (with the
// session re-checked); the administrator user's here, since the facade's
// administrator passes IAM.
func (s *Server) client(req *request, t sts.Target) (api.Client, error) {
	switch {
	case req.who.admin:
		if err := s.authorizeIAM(req, t); err != nil {
			return nil, err
		}
	case req.who.caller.Kind == authz.RoleSessionCaller:
	default:
		return nil, errNotLakeCaller(req)
	}
	return s.cp.ClientFor(req.who.caller), nil
}

// gate is the IAM gate for operations the facade does not serve: every
// caller's IAM, then, for role sessions, need (a Lake Formation check in
// a read transaction).
func (s *Server) gate(req *request, t sts.Target, need func(tx *store.Tx, principals []string) error) error {
	if !req.who.admin && req.who.caller.Kind != authz.RoleSessionCaller {
		return errNotLakeCaller(req)
	}
	if err := s.authorizeIAM(req, t); err != nil {
		return err
	}
	if req.who.admin || need == nil {
		return nil
	}
	return s.cp.Store().View(func(tx *store.Tx) error {
		return need(tx, []string{req.who.caller.RoleArn(), req.who.caller.Account})
	})
}

// needTable requires one of perms on the whole table (VISION rule 12).
func (s *Server) needTable(db, table string, perms ...string) func(tx *store.Tx, principals []string) error {
	return func(tx *store.Tx, principals []string) error {
		a, err := lf.TableAccess(tx, s.account, principals, db, table)
		if err != nil {
			return err
		}
		for _, p := range perms {
			if a.IAMOnly || a.Has(p) {
				return nil
			}
		}
		return lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s) on %s.%s", db, table)
	}
}

// checkCatalog refuses a CatalogId other than the home's account: this
// endpoint serves one catalog.
func (s *Server) checkCatalog(id string) error {
	if id != "" && id != s.account {
		return lferr.New(lferr.EntityNotFound, "Catalog %s not found: this endpoint serves catalog %s.", id, s.account)
	}
	return nil
}

// catalogClient checks the input's CatalogId, then returns the caller's
// facade client after the IAM gate on t.
func (s *Server) catalogClient(req *request, catalogID string, t sts.Target) (api.Client, error) {
	if err := s.checkCatalog(catalogID); err != nil {
		return nil, err
	}
	return s.client(req, t)
}

// catalogGate checks the input's CatalogId, then passes gate.
func (s *Server) catalogGate(req *request, catalogID string, t sts.Target, need func(tx *store.Tx, principals []string) error) error {
	if err := s.checkCatalog(catalogID); err != nil {
		return err
	}
	return s.gate(req, t, need)
}

type dbName struct {
	CatalogId string `json:"CatalogId"`
	Name      string `json:"Name"`
}

type createDatabaseReq struct {
	CatalogId     string            `json:"CatalogId"`
	DatabaseInput api.DatabaseInput `json:"DatabaseInput"`
}

func glueCreateDatabase(s *Server, req *request, in *createDatabaseReq) (any, error) {
	c, err := s.catalogClient(req, in.CatalogId, sts.Target{Database: in.DatabaseInput.Name})
	if err != nil {
		return nil, err
	}
	return nil, c.CreateDatabase(req.ctx, in.DatabaseInput)
}

func glueGetDatabase(s *Server, req *request, in *dbName) (any, error) {
	c, err := s.catalogClient(req, in.CatalogId, sts.Target{Database: in.Name})
	if err != nil {
		return nil, err
	}
	d, err := c.GetDatabase(req.ctx, in.Name)
	if err != nil {
		return nil, err
	}
	return struct {
		Database *api.Database `json:"Database"`
	}{d}, nil
}

func glueGetDatabases(s *Server, req *request, in *catalogReq) (any, error) {
	c, err := s.catalogClient(req, in.CatalogId, sts.Target{})
	if err != nil {
		return nil, err
	}
	ds, err := c.GetDatabases(req.ctx)
	if err != nil {
		return nil, err
	}
	return struct {
		DatabaseList []api.Database `json:"DatabaseList"`
	}{orEmpty(ds)}, nil
}

type updateDatabaseReq struct {
	CatalogId     string            `json:"CatalogId"`
	Name          string            `json:"Name"`
	DatabaseInput api.DatabaseInput `json:"DatabaseInput"`
}

func glueUpdateDatabase(s *Server, req *request, in *updateDatabaseReq) (any, error) {
	if err := s.catalogGate(req, in.CatalogId, sts.Target{Database: in.Name}, nil); err != nil {
		return nil, err
	}
	// Role sessions would need ALTER on the database; the facade has no
	// database-level LF check to reuse yet, so only the administrator may.
	if !req.who.admin {
		return nil, lferr.New(lferr.AccessDenied, "Insufficient Lake Formation permission(s): only the data lake administrator may update databases on sluice")
	}
	return nil, s.cp.Catalog().UpdateDatabase(req.ctx, s.account, in.Name, in.DatabaseInput)
}

func glueDeleteDatabase(s *Server, req *request, in *dbName) (any, error) {
	c, err := s.catalogClient(req, in.CatalogId, sts.Target{Database: in.Name})
	if err != nil {
		return nil, err
	}
	return nil, c.DeleteDatabase(req.ctx, in.Name)
}

type tableInputReq struct {
	CatalogId    string         `json:"CatalogId"`
	DatabaseName string         `json:"DatabaseName"`
	TableInput   api.TableInput `json:"TableInput"`
}

func (in *tableInputReq) target() sts.Target {
	return sts.Target{Database: in.DatabaseName, Table: in.TableInput.Name}
}

type tableName struct {
	CatalogId    string `json:"CatalogId"`
	DatabaseName string `json:"DatabaseName"`
	Name         string `json:"Name"`
}

func (in *tableName) target() sts.Target {
	return sts.Target{Database: in.DatabaseName, Table: in.Name}
}

func glueCreateTable(s *Server, req *request, in *tableInputReq) (any, error) {
	c, err := s.catalogClient(req, in.CatalogId, in.target())
	if err != nil {
		return nil, err
	}
	return nil, c.CreateTable(req.ctx, in.DatabaseName, in.TableInput)
}

func glueUpdateTable(s *Server, req *request, in *tableInputReq) (any, error) {
	c, err := s.catalogClient(req, in.CatalogId, in.target())
	if err != nil {
		return nil, err
	}
	return nil, c.UpdateTable(req.ctx, in.DatabaseName, in.TableInput)
}

func glueGetTable(s *Server, req *request, in *tableName) (any, error) {
	c, err := s.catalogClient(req, in.CatalogId, in.target())
	if err != nil {
		return nil, err
	}
	t, err := c.GetTable(req.ctx, in.DatabaseName, in.Name)
	if err != nil {
		return nil, err
	}
	return struct {
		Table *api.Table `json:"Table"`
	}{t}, nil
}

type databaseReq struct {
	CatalogId    string `json:"CatalogId"`
	DatabaseName string `json:"DatabaseName"`
}

func glueGetTables(s *Server, req *request, in *databaseReq) (any, error) {
	c, err := s.catalogClient(req, in.CatalogId, sts.Target{Database: in.DatabaseName})
	if err != nil {
		return nil, err
	}
	ts, err := c.GetTables(req.ctx, in.DatabaseName)
	if err != nil {
		return nil, err
	}
	return struct {
		TableList []api.Table `json:"TableList"`
	}{orEmpty(ts)}, nil
}

func glueDeleteTable(s *Server, req *request, in *tableName) (any, error) {
	c, err := s.catalogClient(req, in.CatalogId, in.target())
	if err != nil {
		return nil, err
	}
	return nil, c.DeleteTable(req.ctx, in.DatabaseName, in.Name)
}

// errorDetail is Glue's ErrorDetail.
type errorDetail struct {
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

func detailOf(err error) errorDetail {
	c := lferr.CodeOf(err)
	if c == "" {
		c = lferr.InternalService
	}
	return errorDetail{ErrorCode: string(jsonCode(c)), ErrorMessage: lferr.MessageOf(err)}
}

type batchDeleteTableReq struct {
	CatalogId      string   `json:"CatalogId"`
	DatabaseName   string   `json:"DatabaseName"`
	TablesToDelete []string `json:"TablesToDelete"`
}

func glueBatchDeleteTable(s *Server, req *request, in *batchDeleteTableReq) (any, error) {
	if err := s.checkCatalog(in.CatalogId); err != nil {
		return nil, err
	}
	if len(in.TablesToDelete) == 0 || len(in.TablesToDelete) > 100 {
		return nil, lferr.New(lferr.InvalidInput, "TablesToDelete must name 1 to 100 tables.")
	}
	type tableError struct {
		TableName   string      `json:"TableName"`
		ErrorDetail errorDetail `json:"ErrorDetail"`
	}
	// BatchDeleteTable is authorized as a whole (on the database's tables),
	// then each table as DeleteTable through the facade.
	if err := s.gate(req, sts.Target{Database: in.DatabaseName}, nil); err != nil {
		return nil, err
	}
	c, err := s.client(req, sts.Target{Database: in.DatabaseName, Table: in.TablesToDelete[0]})
	if err != nil {
		return nil, err
	}
	errs := []tableError{}
	for _, t := range in.TablesToDelete {
		if err := c.DeleteTable(req.ctx, in.DatabaseName, t); err != nil {
			errs = append(errs, tableError{TableName: t, ErrorDetail: detailOf(err)})
		}
	}
	return struct {
		Errors []tableError `json:"Errors"`
	}{errs}, nil
}

// Lake Formation permissions on the whole table that partition
// operations need of role sessions (VISION rule 12).
var (
	partitionReaders  = []string{"SELECT", "INSERT", "ALTER", "DESCRIBE"}
	partitionWriters  = []string{"INSERT", "ALTER"}
	partitionDeleters = []string{"DELETE", "ALTER", "DROP"}
)

func tableTarget(db, table string) sts.Target { return sts.Target{Database: db, Table: table} }

// partitionGate checks the catalog, then gates a partition operation on
// db.table for a role session holding one of perms.
func (s *Server) partitionGate(req *request, catalogID, db, table string, perms []string) error {
	return s.catalogGate(req, catalogID, tableTarget(db, table), s.needTable(db, table, perms...))
}

// The partition operations' inputs spell out CatalogId, DatabaseName and
// TableName rather than embed a shared struct: a wrong type's error names
// the field's path, which must stay the wire name.

type partReq struct {
	CatalogId       string   `json:"CatalogId"`
	DatabaseName    string   `json:"DatabaseName"`
	TableName       string   `json:"TableName"`
	PartitionValues []string `json:"PartitionValues"`
}

type createPartitionReq struct {
	CatalogId      string             `json:"CatalogId"`
	DatabaseName   string             `json:"DatabaseName"`
	TableName      string             `json:"TableName"`
	PartitionInput api.PartitionInput `json:"PartitionInput"`
}

func glueCreatePartition(s *Server, req *request, in *createPartitionReq) (any, error) {
	if err := s.partitionGate(req, in.CatalogId, in.DatabaseName, in.TableName, partitionWriters); err != nil {
		return nil, err
	}
	return nil, s.cp.Catalog().BatchCreatePartition(req.ctx, s.account, in.DatabaseName, in.TableName, []api.PartitionInput{in.PartitionInput})
}

func glueGetPartition(s *Server, req *request, in *partReq) (any, error) {
	if err := s.partitionGate(req, in.CatalogId, in.DatabaseName, in.TableName, partitionReaders); err != nil {
		return nil, err
	}
	p, err := s.cp.Catalog().GetPartition(req.ctx, s.account, in.DatabaseName, in.TableName, in.PartitionValues)
	if err != nil {
		return nil, err
	}
	return struct {
		Partition *api.Partition `json:"Partition"`
	}{p}, nil
}

type getPartitionsReq struct {
	CatalogId    string `json:"CatalogId"`
	DatabaseName string `json:"DatabaseName"`
	TableName    string `json:"TableName"`
	Expression   string `json:"Expression"`
}

func glueGetPartitions(s *Server, req *request, in *getPartitionsReq) (any, error) {
	c, err := s.catalogClient(req, in.CatalogId, tableTarget(in.DatabaseName, in.TableName))
	if err != nil {
		return nil, err
	}
	ps, err := c.GetPartitions(req.ctx, in.DatabaseName, in.TableName, in.Expression)
	if err != nil {
		return nil, err
	}
	return struct {
		Partitions []api.Partition `json:"Partitions"`
	}{orEmpty(ps)}, nil
}

// partitionCount refuses a batch of partitions outside Glue's limits
// (1 to max in field).
func partitionCount(field string, n, max int) error {
	if n == 0 || n > max {
		return lferr.New(lferr.InvalidInput, "%s must hold 1 to %d partitions.", field, max)
	}
	return nil
}

type partitionError struct {
	PartitionValues []string    `json:"PartitionValues"`
	ErrorDetail     errorDetail `json:"ErrorDetail"`
}

type batchCreatePartitionReq struct {
	CatalogId          string               `json:"CatalogId"`
	DatabaseName       string               `json:"DatabaseName"`
	TableName          string               `json:"TableName"`
	PartitionInputList []api.PartitionInput `json:"PartitionInputList"`
}

func glueBatchCreatePartition(s *Server, req *request, in *batchCreatePartitionReq) (any, error) {
	if err := s.checkCatalog(in.CatalogId); err != nil {
		return nil, err
	}
	if err := partitionCount("PartitionInputList", len(in.PartitionInputList), 100); err != nil {
		return nil, err
	}
	c, err := s.client(req, tableTarget(in.DatabaseName, in.TableName))
	if err != nil {
		return nil, err
	}
	errs := []partitionError{}
	// The catalog creates a batch atomically; a failure is reported for
	// every partition of the batch, as none was created.
	if err := c.BatchCreatePartition(req.ctx, in.DatabaseName, in.TableName, in.PartitionInputList); err != nil {
		if lferr.CodeOf(err) == lferr.AccessDenied {
			return nil, err
		}
		for _, p := range in.PartitionInputList {
			errs = append(errs, partitionError{PartitionValues: p.Values, ErrorDetail: detailOf(err)})
		}
	}
	return struct {
		Errors []partitionError `json:"Errors"`
	}{errs}, nil
}

func glueDeletePartition(s *Server, req *request, in *partReq) (any, error) {
	if err := s.partitionGate(req, in.CatalogId, in.DatabaseName, in.TableName, partitionDeleters); err != nil {
		return nil, err
	}
	return nil, s.cp.Catalog().DeletePartition(req.ctx, s.account, in.DatabaseName, in.TableName, in.PartitionValues)
}

// partitionValueList is Glue's list of PartitionValueList.
type partitionValueList []struct {
	Values []string `json:"Values"`
}

type batchDeletePartitionReq struct {
	CatalogId          string             `json:"CatalogId"`
	DatabaseName       string             `json:"DatabaseName"`
	TableName          string             `json:"TableName"`
	PartitionsToDelete partitionValueList `json:"PartitionsToDelete"`
}

func glueBatchDeletePartition(s *Server, req *request, in *batchDeletePartitionReq) (any, error) {
	if err := s.checkCatalog(in.CatalogId); err != nil {
		return nil, err
	}
	if err := partitionCount("PartitionsToDelete", len(in.PartitionsToDelete), 25); err != nil {
		return nil, err
	}
	if err := s.gate(req, tableTarget(in.DatabaseName, in.TableName), s.needTable(in.DatabaseName, in.TableName, partitionDeleters...)); err != nil {
		return nil, err
	}
	errs := []partitionError{}
	for _, p := range in.PartitionsToDelete {
		if err := s.cp.Catalog().DeletePartition(req.ctx, s.account, in.DatabaseName, in.TableName, p.Values); err != nil {
			errs = append(errs, partitionError{PartitionValues: p.Values, ErrorDetail: detailOf(err)})
		}
	}
	return struct {
		Errors []partitionError `json:"Errors"`
	}{errs}, nil
}

func glueGetUnfilteredTableMetadata(s *Server, req *request, in *api.GetUnfilteredTableMetadataInput) (any, error) {
	c, err := s.client(req, sts.Target{Database: in.DatabaseName, Table: in.Name})
	if err != nil {
		return nil, err
	}
	return c.GetUnfilteredTableMetadata(req.ctx, in)
}

func glueGetUnfilteredPartitionsMetadata(s *Server, req *request, in *api.GetUnfilteredPartitionsMetadataInput) (any, error) {
	c, err := s.client(req, sts.Target{Database: in.DatabaseName, Table: in.TableName})
	if err != nil {
		return nil, err
	}
	out, err := c.GetUnfilteredPartitionsMetadata(req.ctx, in)
	if err != nil {
		return nil, err
	}
	out.UnfilteredPartitions = orEmpty(out.UnfilteredPartitions)
	return out, nil
}

type unfilteredPartitionReq struct {
	api.GetUnfilteredPartitionsMetadataInput
	PartitionValues []string `json:"PartitionValues"`
}

// glueGetUnfilteredPartitionMetadata answers one partition through the
// partitions call (same decision, same audit), keeping only the partition
// whose values match.
func glueGetUnfilteredPartitionMetadata(s *Server, req *request, in *unfilteredPartitionReq) (any, error) {
	if len(in.PartitionValues) == 0 {
		return nil, lferr.New(lferr.InvalidInput, "PartitionValues is required.")
	}
	in.Expression, in.NextToken, in.MaxResults = "", "", 0
	c, err := s.client(req, sts.Target{Database: in.DatabaseName, Table: in.TableName})
	if err != nil {
		return nil, err
	}
	out, err := c.GetUnfilteredPartitionsMetadata(req.ctx, &in.GetUnfilteredPartitionsMetadataInput)
	if err != nil {
		return nil, err
	}
	for _, up := range out.UnfilteredPartitions {
		if up.Partition != nil && slices.Equal(up.Partition.Values, in.PartitionValues) {
			return struct {
				Partition                     *api.Partition `json:"Partition"`
				AuthorizedColumns             []string       `json:"AuthorizedColumns,omitempty"`
				IsRegisteredWithLakeFormation bool           `json:"IsRegisteredWithLakeFormation"`
			}{up.Partition, up.AuthorizedColumns, up.IsRegisteredWithLakeFormation}, nil
		}
	}
	return nil, lferr.New(lferr.EntityNotFound, "Partition %v of %s.%s not found.", in.PartitionValues, in.DatabaseName, in.TableName)
}

type batchGetPartitionReq struct {
	CatalogId       string             `json:"CatalogId"`
	DatabaseName    string             `json:"DatabaseName"`
	TableName       string             `json:"TableName"`
	PartitionsToGet partitionValueList `json:"PartitionsToGet"`
}

// glueBatchGetPartition returns the partitions found among PartitionsToGet
// (missing ones are left out, as Glue does).
func glueBatchGetPartition(s *Server, req *request, in *batchGetPartitionReq) (any, error) {
	if err := s.checkCatalog(in.CatalogId); err != nil {
		return nil, err
	}
	if err := partitionCount("PartitionsToGet", len(in.PartitionsToGet), 1000); err != nil {
		return nil, err
	}
	if err := s.gate(req, tableTarget(in.DatabaseName, in.TableName), s.needTable(in.DatabaseName, in.TableName, partitionReaders...)); err != nil {
		return nil, err
	}
	out := struct {
		Partitions      []api.Partition `json:"Partitions"`
		UnprocessedKeys []struct{}      `json:"UnprocessedKeys"`
	}{Partitions: []api.Partition{}, UnprocessedKeys: []struct{}{}}
	for _, k := range in.PartitionsToGet {
		p, err := s.cp.Catalog().GetPartition(req.ctx, s.account, in.DatabaseName, in.TableName, k.Values)
		if lferr.CodeOf(err) == lferr.EntityNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out.Partitions = append(out.Partitions, *p)
	}
	return out, nil
}

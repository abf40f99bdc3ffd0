package wire_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gtypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	lftypes "github.com/aws/aws-sdk-go-v2/service/lakeformation/types"

	"github.com/sluicedb/sluice/authz/wire"
)

// TestPartitions covers the Glue partition operations and the partition
// integration calls (metadata, vending) over the wire.
func TestPartitions(t *testing.T) {
	e := newEnv(t)
	setupLake(t, e)
	gc, lfc := e.glue(e.admin), e.lf(e.admin)
	_, err := gc.CreateTable(bg, &glue.CreateTableInput{DatabaseName: aws.String("db1"), TableInput: &gtypes.TableInput{Name: aws.String("events"),
		StorageDescriptor: &gtypes.StorageDescriptor{Columns: []gtypes.Column{{Name: aws.String("id"), Type: aws.String("bigint")}}},
		PartitionKeys:     []gtypes.Column{{Name: aws.String("year"), Type: aws.String("int")}}}})
	must(t, err)
	bc, err := gc.BatchCreatePartition(bg, &glue.BatchCreatePartitionInput{DatabaseName: aws.String("db1"), TableName: aws.String("events"),
		PartitionInputList: []gtypes.PartitionInput{{Values: []string{"2025"}}, {Values: []string{"2026"}}}})
	must(t, err)
	if len(bc.Errors) != 0 {
		t.Fatalf("BatchCreatePartition errors %+v", bc.Errors)
	}
	_, err = gc.CreatePartition(bg, &glue.CreatePartitionInput{DatabaseName: aws.String("db1"), TableName: aws.String("events"),
		PartitionInput: &gtypes.PartitionInput{Values: []string{"2027"}}})
	must(t, err)
	gp, err := gc.GetPartition(bg, &glue.GetPartitionInput{DatabaseName: aws.String("db1"), TableName: aws.String("events"), PartitionValues: []string{"2026"}})
	must(t, err)
	if !slices.Equal(gp.Partition.Values, []string{"2026"}) || gp.Partition.CreationTime == nil {
		t.Errorf("GetPartition %+v", gp.Partition)
	}
	_, err = gc.DeletePartition(bg, &glue.DeletePartitionInput{DatabaseName: aws.String("db1"), TableName: aws.String("events"), PartitionValues: []string{"2027"}})
	must(t, err)
	bd, err := gc.BatchDeletePartition(bg, &glue.BatchDeletePartitionInput{DatabaseName: aws.String("db1"), TableName: aws.String("events"),
		PartitionsToDelete: []gtypes.PartitionValueList{{Values: []string{"1999"}}}})
	must(t, err)
	if len(bd.Errors) != 1 || aws.ToString(bd.Errors[0].ErrorDetail.ErrorCode) != "EntityNotFoundException" {
		t.Errorf("BatchDeletePartition of a missing partition: %+v", bd.Errors)
	}
	ps, err := gc.GetPartitions(bg, &glue.GetPartitionsInput{DatabaseName: aws.String("db1"), TableName: aws.String("events")})
	must(t, err)
	if len(ps.Partitions) != 2 {
		t.Fatalf("GetPartitions: %d partitions, want 2", len(ps.Partitions))
	}
	bg2, err := gc.BatchGetPartition(bg, &glue.BatchGetPartitionInput{DatabaseName: aws.String("db1"), TableName: aws.String("events"),
		PartitionsToGet: []gtypes.PartitionValueList{{Values: []string{"2025"}}, {Values: []string{"1999"}}}})
	must(t, err)
	if len(bg2.Partitions) != 1 || !slices.Equal(bg2.Partitions[0].Values, []string{"2025"}) {
		t.Errorf("BatchGetPartition %+v", bg2.Partitions)
	}
	_, err = lfc.GrantPermissions(bg, &lakeformation.GrantPermissionsInput{Principal: &lftypes.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(arnRole("analyst"))},
		Resource: &lftypes.Resource{Table: &lftypes.TableResource{DatabaseName: aws.String("db1"), Name: aws.String("events")}}, Permissions: []lftypes.Permission{lftypes.PermissionSelect}})
	must(t, err)

	analyst := userSession(t, e, engineSession(t, e), "analyst", map[string]string{tagKey: engineTag})
	ag := e.glue(analyst)
	up, err := ag.GetUnfilteredPartitionsMetadata(bg, &glue.GetUnfilteredPartitionsMetadataInput{CatalogId: aws.String(account), DatabaseName: aws.String("db1"),
		TableName: aws.String("events"), SupportedPermissionTypes: bothTypes})
	must(t, err)
	if len(up.UnfilteredPartitions) != 2 || !slices.Equal(up.UnfilteredPartitions[0].AuthorizedColumns, []string{"id", "year"}) {
		t.Errorf("GetUnfilteredPartitionsMetadata %+v", up.UnfilteredPartitions)
	}
	one, err := ag.GetUnfilteredPartitionMetadata(bg, &glue.GetUnfilteredPartitionMetadataInput{CatalogId: aws.String(account), DatabaseName: aws.String("db1"),
		TableName: aws.String("events"), PartitionValues: []string{"2026"}, SupportedPermissionTypes: bothTypes})
	must(t, err)
	if one.Partition == nil || !slices.Equal(one.Partition.Values, []string{"2026"}) || !one.IsRegisteredWithLakeFormation {
		t.Errorf("GetUnfilteredPartitionMetadata %+v", one)
	}
	_, err = ag.GetUnfilteredPartitionMetadata(bg, &glue.GetUnfilteredPartitionMetadataInput{CatalogId: aws.String(account), DatabaseName: aws.String("db1"),
		TableName: aws.String("events"), PartitionValues: []string{"1999"}, SupportedPermissionTypes: bothTypes})
	if code(err) != "EntityNotFoundException" {
		t.Errorf("missing partition: %v", err)
	}
	vc, err := e.lf(analyst).GetTemporaryGluePartitionCredentials(bg, &lakeformation.GetTemporaryGluePartitionCredentialsInput{
		TableArn: aws.String("arn:aws:glue:us-east-1:" + account + ":table/db1/events"), Partition: &lftypes.PartitionValueList{Values: []string{"2026"}},
		Permissions: []lftypes.Permission{lftypes.PermissionSelect}, SupportedPermissionTypes: []lftypes.PermissionType{lftypes.PermissionTypeColumnPermission}})
	must(t, err)
	if aws.ToString(vc.AccessKeyId) == "" || vc.Expiration == nil {
		t.Errorf("partition credentials %+v", vc)
	}
	// A role session may not write partitions without INSERT/ALTER.
	_, err = ag.CreatePartition(bg, &glue.CreatePartitionInput{DatabaseName: aws.String("db1"), TableName: aws.String("events"),
		PartitionInput: &gtypes.PartitionInput{Values: []string{"2030"}}})
	if code(err) != "AccessDeniedException" {
		t.Errorf("analyst CreatePartition: %v, want AccessDeniedException", err)
	}
}

// TestBootstrap: the first start writes the administrator's key (0600,
// profile default), later starts keep it and answer with the same key.
func TestBootstrap(t *testing.T) {
	e := newEnv(t)
	path := filepath.Join(e.home, wire.CredentialsFile)
	st, err := os.Stat(path)
	must(t, err)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("credentials mode %v, want 0600", st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	must(t, err)
	want := "[default]\naws_access_key_id = " + e.admin.AccessKeyID + "\naws_secret_access_key = " + e.admin.SecretAccessKey + "\n"
	if string(b[:len(want)]) != want {
		t.Errorf("credentials file:\n%s", b)
	}
	must(t, os.Remove(path))
	again, err := e.srv.Bootstrap()
	must(t, err)
	if again.Created || again.AccessKeyID != e.admin.AccessKeyID || again.SecretAccessKey != e.admin.SecretAccessKey {
		t.Errorf("second bootstrap: %+v", again)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the missing credentials file was not rewritten: %v", err)
	}
}

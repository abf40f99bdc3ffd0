package lf

import (
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

func TestRegisteredLocations(t *testing.T) {
	e := newEnv(t)
	reg := func(arn, role string) error {
		return e.update(func(tx *store.Tx) error {
			return RegisterResource(tx, RegisterInput{ResourceArn: arn, RoleArn: role}, t0)
		})
	}
	lfRole := "arn:aws:iam::111122223333:role/lf-data-access"
	for _, arn := range []string{"arn:aws:s3:::lake", "arn:aws:s3:::lake/sales/", "s3://lake/sales/eu", "file:///var/warehouse"} {
		if err := reg(arn, lfRole); err != nil {
			t.Fatalf("register %s: %v", arn, err)
		}
	}
	wantErr(t, reg("arn:aws:s3:::lake/sales", lfRole), lferr.AlreadyExists, "arn:aws:s3:::lake/sales")
	wantErr(t, reg("arn:aws:s3:::other", ""), lferr.InvalidInput, "RoleArn is required")
	wantErr(t, reg("arn:aws:s3:::other", "arn:aws:iam::1:user/x"), lferr.InvalidInput, "not an IAM role ARN")
	wantErr(t, reg("arn:aws:s3:::lake/../etc", lfRole), lferr.InvalidInput, `".."`)
	wantErr(t, reg("https://lake/x", lfRole), lferr.InvalidInput, "expected an S3 ARN")
	wantErr(t, reg("arn:aws:s3:::", lfRole), lferr.InvalidInput, "no bucket")
	if err := e.update(func(tx *store.Tx) error {
		return RegisterResource(tx, RegisterInput{ResourceArn: "arn:aws:s3:::slr", UseServiceLinkedRole: true}, t0)
	}); err != nil {
		t.Fatal(err)
	}

	// Longest prefix on a path-segment boundary.
	cases := map[string]string{
		"s3://lake/sales/eu/orders/":  "arn:aws:s3:::lake/sales/eu",
		"s3://lake/sales/us/orders":   "arn:aws:s3:::lake/sales",
		"s3://lake/salesforce/x":      "arn:aws:s3:::lake",
		"arn:aws:s3:::lake/sales":     "arn:aws:s3:::lake/sales",
		"s3://lake":                   "arn:aws:s3:::lake",
		"/var/warehouse/db/t":         "file:///var/warehouse",
		"file:///var/warehouse2/db/t": "",
		"s3://lakehouse/x":            "",
		"file://host/x":               "",
	}
	e.view(func(tx *store.Tx) error {
		for loc, want := range cases {
			info, ok, err := RegistrationFor(tx, loc)
			if err != nil {
				return err
			}
			got := ""
			if ok {
				got = info.ResourceArn
			}
			if got != want {
				t.Errorf("RegistrationFor(%s) = %q, want %q", loc, got, want)
			}
		}
		info, err := DescribeResource(tx, "s3://lake/sales/")
		if err != nil || info.RoleArn != lfRole || !info.LastModified.Equal(t0) {
			t.Errorf("DescribeResource = %+v, %v", info, err)
		}
		_, err = DescribeResource(tx, "s3://nowhere")
		wantErr(t, err, lferr.EntityNotFound, "not registered")
		return nil
	})

	// Listing with filters and paging.
	e.view(func(tx *store.Tx) error {
		all, next, err := ListResources(tx, nil, 0, "")
		if err != nil || len(all) != 5 || next != "" {
			t.Fatalf("ListResources = %d rows, next %q, %v", len(all), next, err)
		}
		var paged []api.ResourceInfo
		tok := ""
		for {
			page, next, err := ListResources(tx, nil, 2, tok)
			if err != nil {
				return err
			}
			paged = append(paged, page...)
			if next == "" {
				break
			}
			tok = next
		}
		if len(paged) != 5 || paged[0].ResourceArn != all[0].ResourceArn || paged[4].ResourceArn != all[4].ResourceArn {
			t.Errorf("paging lost rows: %+v", paged)
		}
		got, _, err := ListResources(tx, []FilterCondition{{Field: "RESOURCE_ARN", ComparisonOperator: "BEGINS_WITH", StringValueList: []string{"arn:aws:s3:::lake/"}}}, 0, "")
		if err != nil || len(got) != 2 {
			t.Errorf("BEGINS_WITH filter: %+v, %v", got, err)
		}
		got, _, err = ListResources(tx, []FilterCondition{{Field: "ROLE_ARN", ComparisonOperator: "EQ", StringValueList: []string{serviceLinkedRole}}}, 0, "")
		if err != nil || len(got) != 1 || got[0].ResourceArn != "arn:aws:s3:::slr" {
			t.Errorf("ROLE_ARN filter: %+v, %v", got, err)
		}
		_, _, err = ListResources(tx, []FilterCondition{{Field: "COLOR", ComparisonOperator: "EQ", StringValueList: []string{"x"}}}, 0, "")
		wantErr(t, err, lferr.InvalidInput, "COLOR")
		_, _, err = ListResources(tx, []FilterCondition{{Field: "ROLE_ARN", ComparisonOperator: "BETWEEN", StringValueList: []string{"x"}}}, 0, "")
		wantErr(t, err, lferr.InvalidInput, "takes 2 value(s)")
		_, _, err = ListResources(tx, nil, 0, "!!")
		wantErr(t, err, lferr.InvalidInput, "NextToken")
		return nil
	})

	// Update and deregister.
	newRole := "arn:aws:iam::111122223333:role/new"
	e.must(func(tx *store.Tx) error {
		return UpdateResource(tx, RegisterInput{ResourceArn: "arn:aws:s3:::lake", RoleArn: newRole, HybridAccessEnabled: true}, t0)
	})
	e.must(func(tx *store.Tx) error { return DeregisterResource(tx, "arn:aws:s3:::lake/sales/eu") })
	e.view(func(tx *store.Tx) error {
		info, _, _ := RegistrationFor(tx, "s3://lake/sales/eu/x")
		if info.ResourceArn != "arn:aws:s3:::lake/sales" {
			t.Errorf("after deregister, covering registration = %s", info.ResourceArn)
		}
		info, _ = DescribeResource(tx, "arn:aws:s3:::lake")
		if info.RoleArn != newRole || !info.HybridAccessEnabled {
			t.Errorf("update lost: %+v", info)
		}
		return nil
	})
	wantErr(t, e.update(func(tx *store.Tx) error { return DeregisterResource(tx, "arn:aws:s3:::lake/sales/eu") }), lferr.EntityNotFound, "not registered")
}

func TestDataLocationGrantsNeedRegistration(t *testing.T) {
	e := newEnv(t)
	loc := api.Resource{DataLocation: &api.DataLocationResource{ResourceArn: "arn:aws:s3:::lake/sales/eu"}}
	wantErr(t, e.grant(trusted, engineer, loc, []string{PermDataLocationAccess}), lferr.InvalidInput, "is not registered")
	e.must(func(tx *store.Tx) error {
		return RegisterResource(tx, RegisterInput{ResourceArn: "arn:aws:s3:::lake/sales", RoleArn: role("lf")}, t0)
	})
	if err := e.grant(trusted, engineer, loc, []string{PermDataLocationAccess}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.grant(trusted, engineer, loc, []string{PermSelect}), lferr.InvalidInput, "SELECT is not valid on location")
	// Deregistering the exact location drops its grants; a child location
	// grant of a parent registration stays valid until the parent goes.
	e.must(func(tx *store.Tx) error {
		return RegisterResource(tx, RegisterInput{ResourceArn: "arn:aws:s3:::lake/sales/eu", RoleArn: role("lf")}, t0)
	})
	e.must(func(tx *store.Tx) error { return DeregisterResource(tx, "arn:aws:s3:::lake/sales/eu") })
	e.view(func(tx *store.Tx) error {
		g, err := getGrant(tx, acct, engineer, "L"+store.Sep+"arn:aws:s3:::lake/sales/eu")
		if err != nil || g != nil {
			t.Errorf("grant on deregistered location survived: %+v %v", g, err)
		}
		return nil
	})
}

func TestDataLocationAccess(t *testing.T) {
	e := newEnv(t)
	e.must(func(tx *store.Tx) error {
		if err := RegisterResource(tx, RegisterInput{ResourceArn: "arn:aws:s3:::lake", RoleArn: role("lf")}, t0); err != nil {
			return err
		}
		return RegisterResource(tx, RegisterInput{ResourceArn: "arn:aws:s3:::lake/sales", RoleArn: role("lf")}, t0)
	})
	e.mustGrant(engineer, api.Resource{DataLocation: &api.DataLocationResource{ResourceArn: "s3://lake/sales/eu"}}, []string{PermDataLocationAccess})
	e.mustGrant(role("root"), api.Resource{DataLocation: &api.DataLocationResource{ResourceArn: "s3://lake"}}, []string{PermDataLocationAccess})
	cases := []struct {
		who, loc string
		want     bool
	}{
		{engineer, "s3://lake/sales/eu/orders/", true},
		{engineer, "s3://lake/sales/eu", true},
		{engineer, "s3://lake/sales/us/orders", false},
		{engineer, "s3://lake/sales/europe", false},
		{role("root"), "s3://lake/sales/us/orders", true}, // inherited across a nested registration
		{adminRole, "s3://lake/x", true},
		{analyst, "s3://lake/x", false},
		{analyst, "s3://elsewhere/x", true}, // unregistered: no LF permission needed
	}
	e.view(func(tx *store.Tx) error {
		for _, c := range cases {
			ok, why, err := DataLocationAccess(tx, acct, []string{c.who}, c.loc)
			if err != nil {
				return err
			}
			if ok != c.want || why == "" {
				t.Errorf("DataLocationAccess(%s, %s) = %v (%s), want %v", c.who, c.loc, ok, why, c.want)
			}
		}
		_, _, err := DataLocationAccess(tx, acct, []string{analyst}, "ftp://x")
		wantErr(t, err, lferr.InvalidInput, "Invalid location")
		return nil
	})
}

package iam

import (
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// detRand is a deterministic random source for ids in tests.
type detRand struct{ r *rand.ChaCha8 }

func newDetRand() *detRand { return &detRand{rand.NewChaCha8([32]byte{1})} }

func (d *detRand) Read(p []byte) (int, error) { return d.r.Read(p) }

const trustCaller = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession"]}}`

// adminSuite runs the IAM CRUD contract against a Records implementation;
// run wraps one API call in a transaction where the store has them.
func adminSuite(t *testing.T, run func(fn func(Records) error) error) {
	a := &Admin{Rand: newDetRand()}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	wantCode := func(err error, code lferr.Code) {
		t.Helper()
		if lferr.CodeOf(err) != code {
			t.Fatalf("got %v, want %s", err, code)
		}
	}
	var role *Role
	must(run(func(r Records) (err error) {
		role, err = a.CreateRole(r, t0, CreateRoleInput{Account: acct, RoleName: "engine", Path: "/svc/", AssumeRolePolicyDocument: trustCaller,
			Tags: []Tag{{"team", "data"}}})
		return err
	}))
	if role.Arn != "arn:aws:iam::111122223333:role/svc/engine" || !strings.HasPrefix(role.RoleId, "AROA") || len(role.RoleId) != 21 || role.MaxSessionDuration != 3600 {
		t.Fatalf("%+v", role)
	}
	wantCode(run(func(r Records) error {
		_, err := a.CreateRole(r, t0, CreateRoleInput{Account: acct, RoleName: "engine", AssumeRolePolicyDocument: trustCaller})
		return err
	}), lferr.EntityAlreadyExists)
	wantCode(run(func(r Records) error {
		_, err := a.CreateRole(r, t0, CreateRoleInput{Account: acct, RoleName: "bad", AssumeRolePolicyDocument: `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`})
		return err
	}), lferr.MalformedPolicyDocument)
	wantCode(run(func(r Records) error {
		_, err := a.CreateRole(r, t0, CreateRoleInput{Account: acct, RoleName: "bad name", AssumeRolePolicyDocument: trustCaller})
		return err
	}), lferr.ValidationError)
	wantCode(run(func(r Records) error {
		_, err := a.CreateRole(r, t0, CreateRoleInput{Account: acct, RoleName: "x", AssumeRolePolicyDocument: trustCaller, MaxSessionDuration: 60000})
		return err
	}), lferr.ValidationError)
	wantCode(run(func(r Records) error {
		_, err := a.CreateRole(r, t0, CreateRoleInput{Account: acct, RoleName: "x", AssumeRolePolicyDocument: trustCaller, Tags: []Tag{{"a", "1"}, {"A", "2"}}})
		return err
	}), lferr.InvalidParameterValue)
	wantCode(run(func(r Records) error { _, err := a.GetRole(r, acct, "nope"); return err }), lferr.NoSuchEntity)

	// Inline and managed policies.
	must(run(func(r Records) error {
		return a.PutRolePolicy(r, acct, "engine", "glue", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"glue:Get*","Resource":"*"}}`)
	}))
	wantCode(run(func(r Records) error {
		return a.PutRolePolicy(r, acct, "engine", "bad", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"glue:Get*"}}`)
	}), lferr.MalformedPolicyDocument)
	wantCode(run(func(r Records) error {
		big := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"glue:GetTable","Resource":[` + strings.Repeat(`"arn:aws:glue:us-east-1:111122223333:table/db/t",`, 250) + `"*"]}}`
		return a.PutRolePolicy(r, acct, "engine", "big", big)
	}), lferr.LimitExceeded)
	var mp *ManagedPolicy
	must(run(func(r Records) (err error) {
		mp, err = a.CreatePolicy(r, t0, CreatePolicyInput{Account: acct, PolicyName: "LF", PolicyDocument: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"lakeformation:GetDataAccess","Resource":"*"}}`})
		return err
	}))
	wantCode(run(func(r Records) error {
		_, err := a.CreatePolicy(r, t0, CreatePolicyInput{Account: acct, PolicyName: "LF", PolicyDocument: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`})
		return err
	}), lferr.EntityAlreadyExists)
	must(run(func(r Records) error { return a.AttachRolePolicy(r, acct, "engine", mp.Arn) }))
	must(run(func(r Records) error { return a.AttachRolePolicy(r, acct, "engine", mp.Arn) })) // idempotent
	must(run(func(r Records) error {
		return a.AttachRolePolicy(r, acct, "engine", AWSManagedPolicyARN("AWSGlueConsoleFullAccess"))
	}))
	wantCode(run(func(r Records) error { return a.AttachRolePolicy(r, acct, "engine", PolicyARN(acct, "/", "missing")) }), lferr.NoSuchEntity)
	wantCode(run(func(r Records) error { return a.DeletePolicy(r, mp.Arn) }), lferr.DeleteConflict)
	wantCode(run(func(r Records) error { return a.DeleteRole(r, acct, "engine") }), lferr.DeleteConflict)

	// Evaluation reads the same records through Directory.
	must(run(func(r Records) error {
		pols, err := IdentityPolicies(AsDirectory(r), NewPolicyCache(16), KindRole, acct, "engine")
		if err != nil {
			return err
		}
		if len(pols) != 3 || pols[0].Name != "role/engine/glue" || pols[1].Name != mp.Arn {
			t.Errorf("policies %v", pols)
		}
		ctx := NewContext("lakeformation:GetDataAccess", "*", t0)
		if d := Evaluate(ctx, &Input{Identity: pols}).Decision; d != Allowed {
			t.Errorf("GetDataAccess %v", d)
		}
		ctx = NewContext("lakeformation:GrantPermissions", "*", t0)
		if d := Evaluate(ctx, &Input{Identity: pols}).Decision; d != ImplicitDeny {
			t.Errorf("GrantPermissions %v", d)
		}
		return nil
	}))

	// Tear down in IAM's order.
	must(run(func(r Records) error { return a.DetachRolePolicy(r, acct, "engine", mp.Arn) }))
	wantCode(run(func(r Records) error { return a.DetachRolePolicy(r, acct, "engine", mp.Arn) }), lferr.NoSuchEntity)
	must(run(func(r Records) error {
		return a.DetachRolePolicy(r, acct, "engine", AWSManagedPolicyARN("AWSGlueConsoleFullAccess"))
	}))
	must(run(func(r Records) error { return a.DeleteRolePolicy(r, acct, "engine", "glue") }))
	must(run(func(r Records) error { return a.DeletePolicy(r, mp.Arn) }))
	must(run(func(r Records) error { return a.DeleteRole(r, acct, "engine") }))
	wantCode(run(func(r Records) error { _, err := a.GetRole(r, acct, "engine"); return err }), lferr.NoSuchEntity)

	// Users and access keys.
	must(run(func(r Records) error {
		_, err := a.CreateUser(r, t0, CreateUserInput{Account: acct, UserName: "alice"})
		return err
	}))
	var key AccessKey
	var secret string
	must(run(func(r Records) (err error) { key, secret, err = a.CreateAccessKey(r, t0, acct, "alice"); return err }))
	if !strings.HasPrefix(key.AccessKeyId, "AKIA") || len(key.AccessKeyId) != 20 || len(secret) != 40 || strings.Contains(key.SecretHash, secret) {
		t.Fatalf("key %+v secret %q", key, secret)
	}
	must(run(func(r Records) error {
		u, err := AuthenticateAccessKey(r, key.AccessKeyId, secret)
		if err == nil && u.UserName != "alice" {
			t.Errorf("user %v", u)
		}
		return err
	}))
	wantCode(run(func(r Records) error { _, err := AuthenticateAccessKey(r, key.AccessKeyId, secret+"x"); return err }), lferr.InvalidClientTokenId)
	wantCode(run(func(r Records) error { _, err := AuthenticateAccessKey(r, "AKIANOPE", secret); return err }), lferr.InvalidClientTokenId)
	must(run(func(r Records) error { _, _, err := a.CreateAccessKey(r, t0, acct, "alice"); return err }))
	wantCode(run(func(r Records) error { _, _, err := a.CreateAccessKey(r, t0, acct, "alice"); return err }), lferr.LimitExceeded)
	wantCode(run(func(r Records) error { return a.DeleteUser(r, acct, "alice") }), lferr.DeleteConflict)
	must(run(func(r Records) error {
		u, err := a.GetUser(r, acct, "alice")
		if err != nil {
			return err
		}
		for _, k := range u.AccessKeys {
			if err := a.DeleteAccessKey(r, acct, "alice", k.AccessKeyId); err != nil {
				return err
			}
		}
		return nil
	}))
	wantCode(run(func(r Records) error { _, err := AuthenticateAccessKey(r, key.AccessKeyId, secret); return err }), lferr.InvalidClientTokenId)
	must(run(func(r Records) error { return a.DeleteUser(r, acct, "alice") }))
}

func TestAdminMemory(t *testing.T) {
	m := NewMemDirectory()
	adminSuite(t, func(fn func(Records) error) error { return fn(m) })
}

func TestAdminBolt(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "catalog.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	adminSuite(t, func(fn func(Records) error) error {
		return db.Update(func(tx *store.Tx) error { return fn(BoltRecords{Tx: tx}) })
	})
}

// A failed call inside a bolt transaction leaves nothing behind.
func TestAdminBoltAtomic(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "catalog.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := &Admin{Rand: newDetRand()}
	err = db.Update(func(tx *store.Tx) error {
		_, err := a.CreatePersonaRole(BoltRecords{Tx: tx}, t0, CreateRoleInput{Account: acct, RoleName: "analyst", AssumeRolePolicyDocument: trustCaller}, "NoSuchPersona", "")
		return err
	})
	if lferr.CodeOf(err) != lferr.InvalidInput {
		t.Fatal(err)
	}
	err = db.Update(func(tx *store.Tx) error {
		r := BoltRecords{Tx: tx}
		if _, err := a.CreateRole(r, t0, CreateRoleInput{Account: acct, RoleName: "half", AssumeRolePolicyDocument: trustCaller}); err != nil {
			return err
		}
		return a.AttachRolePolicy(r, acct, "half", PolicyARN(acct, "/", "missing"))
	})
	if lferr.CodeOf(err) != lferr.NoSuchEntity {
		t.Fatal(err)
	}
	_ = db.View(func(tx *store.Tx) error {
		if r, _ := (BoltRecords{Tx: tx}).GetRole(acct, "half"); r != nil {
			t.Error("half-applied role survived the rollback")
		}
		return nil
	})
}

func TestSealer(t *testing.T) {
	s, err := NewSealer(bytes.Repeat([]byte{7}, 32), newDetRand())
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal([]byte("secret"), []byte("AKIA1"))
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := s.Open(sealed, []byte("AKIA1")); err != nil || string(pt) != "secret" {
		t.Fatalf("%q %v", pt, err)
	}
	if _, err := s.Open(sealed, []byte("AKIA2")); err == nil {
		t.Error("opened with the wrong aad")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := s.Open(sealed, []byte("AKIA1")); err == nil {
		t.Error("opened a tampered value")
	}
	if _, err := s.Open([]byte{1}, nil); err == nil {
		t.Error("opened a short value")
	}
	if _, err := NewSealer([]byte("short"), nil); err == nil {
		t.Error("short key accepted")
	}
}

package iam

import (
	"github.com/sluicedb/sluice/authz/store"
)

// Buckets of the control-plane database owned by IAM.
const (
	BucketRoles      = "iam.roles"       // ACCOUNT␟NAME → Role
	BucketUsers      = "iam.users"       // ACCOUNT␟NAME → User
	BucketPolicies   = "iam.policies"    // ARN → ManagedPolicy
	BucketAccessKeys = "iam.access_keys" // AKID → ACCOUNT␟USER (index)
)

// BoltRecords is Records over one transaction of the control-plane
// database, so an IAM API call is applied whole or not at all:
//
//	db.Update(func(tx *store.Tx) error { _, err := admin.CreateRole(iam.BoltRecords{Tx: tx}, now, in); return err })
type BoltRecords struct{ Tx *store.Tx }

func (b BoltRecords) GetRole(account, name string) (*Role, error) {
	r, ok, err := store.GetAs[Role](b.Tx, BucketRoles, store.Key(account, name))
	if err != nil || !ok {
		return nil, err
	}
	return &r, nil
}

func (b BoltRecords) PutRole(r *Role) error {
	return b.Tx.Put(BucketRoles, store.Key(r.Account, r.RoleName), r)
}

func (b BoltRecords) DeleteRole(account, name string) error {
	_, err := b.Tx.Delete(BucketRoles, store.Key(account, name))
	return err
}

func (b BoltRecords) ListRoles(account string) ([]*Role, error) {
	l, err := store.List[Role](b.Tx, BucketRoles, store.Prefix(account))
	return ptrs(l), err
}

func (b BoltRecords) GetUser(account, name string) (*User, error) {
	u, ok, err := store.GetAs[User](b.Tx, BucketUsers, store.Key(account, name))
	if err != nil || !ok {
		return nil, err
	}
	return &u, nil
}

// PutUser stores the user and keeps the access-key index in step.
func (b BoltRecords) PutUser(u *User) error {
	old, err := b.GetUser(u.Account, u.UserName)
	if err != nil {
		return err
	}
	if old != nil {
		for _, k := range old.AccessKeys {
			if _, err := b.Tx.Delete(BucketAccessKeys, k.AccessKeyId); err != nil {
				return err
			}
		}
	}
	for _, k := range u.AccessKeys {
		if err := b.Tx.Put(BucketAccessKeys, k.AccessKeyId, store.Key(u.Account, u.UserName)); err != nil {
			return err
		}
	}
	return b.Tx.Put(BucketUsers, store.Key(u.Account, u.UserName), u)
}

func (b BoltRecords) DeleteUser(account, name string) error {
	old, err := b.GetUser(account, name)
	if err != nil || old == nil {
		return err
	}
	for _, k := range old.AccessKeys {
		if _, err := b.Tx.Delete(BucketAccessKeys, k.AccessKeyId); err != nil {
			return err
		}
	}
	_, err = b.Tx.Delete(BucketUsers, store.Key(account, name))
	return err
}

func (b BoltRecords) ListUsers(account string) ([]*User, error) {
	l, err := store.List[User](b.Tx, BucketUsers, store.Prefix(account))
	return ptrs(l), err
}

func (b BoltRecords) UserByAccessKey(id string) (*User, error) {
	key, ok, err := store.GetAs[string](b.Tx, BucketAccessKeys, id)
	if err != nil || !ok {
		return nil, err
	}
	u, ok, err := store.GetAs[User](b.Tx, BucketUsers, key)
	if err != nil || !ok {
		return nil, err
	}
	return &u, nil
}

func (b BoltRecords) GetPolicy(arn string) (*ManagedPolicy, error) {
	p, ok, err := store.GetAs[ManagedPolicy](b.Tx, BucketPolicies, arn)
	if err != nil || !ok {
		return nil, err
	}
	return &p, nil
}

func (b BoltRecords) PutPolicy(p *ManagedPolicy) error { return b.Tx.Put(BucketPolicies, p.Arn, p) }

func (b BoltRecords) DeletePolicy(arn string) error {
	_, err := b.Tx.Delete(BucketPolicies, arn)
	return err
}

func (b BoltRecords) ListPolicies(account string) ([]*ManagedPolicy, error) {
	l, err := store.List[ManagedPolicy](b.Tx, BucketPolicies, "arn:aws:iam::"+account+":policy/")
	return ptrs(l), err
}

func ptrs[T any](l []T) []*T {
	out := make([]*T, len(l))
	for i := range l {
		out[i] = &l[i]
	}
	return out
}

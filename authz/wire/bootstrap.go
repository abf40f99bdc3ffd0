package wire

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/store"
)

// Files Bootstrap writes in the home.
const (
	CredentialsFile = "credentials"
	ConfigFile      = "config"
)

// adminPolicy is the administrator user's identity policy: everything,
// as the account's IAM administrator. Explicit denies attached later
// still win.
const adminPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// AdminCredentials are the administrator user's long-term key.
type AdminCredentials struct {
	UserArn         string
	AccessKeyID     string
	SecretAccessKey string
	// Created is true when this call created the user.
	Created bool
}

// Bootstrap makes the home servable on first start: it creates the IAM
// user sluice-admin (identity policy Allow * on *) with an access key,
// lists it in the catalog's DataLakeAdmins, and writes HOME/credentials
// (AWS shared-credentials format, profile default, mode 0600) and
// HOME/config (region). Requests signed with that key act as the home's
// administrator (authz.ControlPlane.Admin). On later starts it only
// rewrites missing files, from the sealed copy of the secret.
//
// An IAM user rather than the account root: the root has no access key
// in AWS best practice, an IAM user's key can be rotated and denied by
// policy, and the user shows as a named principal in audit logs.
func (s *Server) Bootstrap() (*AdminCredentials, error) {
	out := &AdminCredentials{UserArn: s.adminArn}
	keyCreated := false
	err := s.cp.Store().Update(func(tx *store.Tx) error {
		recs := iam.BoltRecords{Tx: tx}
		adm := s.iamAdmin()
		u, err := recs.GetUser(s.account, AdminUserName)
		if err != nil {
			return err
		}
		if u == nil {
			if u, err = adm.CreateUser(recs, s.now(), iam.CreateUserInput{Account: s.account, UserName: AdminUserName, Path: "/"}); err != nil {
				return err
			}
			if err := adm.PutUserPolicy(recs, s.account, AdminUserName, "sluice-admin", adminPolicy); err != nil {
				return err
			}
			out.Created = true
		}
		if len(u.AccessKeys) == 0 {
			k, secret, err := adm.CreateAccessKey(recs, s.now(), s.account, AdminUserName)
			if err != nil {
				return err
			}
			out.AccessKeyID, out.SecretAccessKey = k.AccessKeyId, secret
			keyCreated = true
		} else {
			k := u.AccessKeys[0]
			_, secret, err := iam.AccessKeySecret(recs, s.sealer, k.AccessKeyId)
			if err != nil {
				return err
			}
			out.AccessKeyID, out.SecretAccessKey = k.AccessKeyId, secret
		}
		if !out.Created {
			return nil
		}
		st, err := lf.GetSettings(tx, s.account)
		if err != nil {
			return err
		}
		if !lf.IsAdmin(&st, s.adminArn) {
			st.DataLakeAdmins = append(st.DataLakeAdmins, api.DataLakePrincipal{DataLakePrincipalIdentifier: s.adminArn})
			return lf.PutSettings(tx, s.account, st)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	home := s.cp.Home()
	cred := fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = %s\n", out.AccessKeyID, out.SecretAccessKey, s.region)
	if err := writeIfMissing(filepath.Join(home, CredentialsFile), cred, keyCreated); err != nil {
		return nil, err
	}
	if err := writeIfMissing(filepath.Join(home, ConfigFile), fmt.Sprintf("[default]\nregion = %s\n", s.region), out.Created); err != nil {
		return nil, err
	}
	return out, nil
}

// writeIfMissing writes content 0600 when the file is missing (or always
// when force), atomically through a temporary file.
func writeIfMissing(path, content string, force bool) error {
	if !force {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

package engine

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/remote"
	"github.com/sluicedb/sluice/storage/cred"
)

// RemoteOptions configure OpenRemote: an engine whose control plane is an
// LF-compatible endpoint reached over the wire (authz/remote).
type RemoteOptions struct {
	// Endpoint is the base URL serving Glue, Lake Formation and STS
	// (`sluice serve`'s address, e.g. http://127.0.0.1:8181); empty means
	// the real AWS regional endpoints.
	Endpoint string
	// Region signs requests (default: the AWS configuration's, else
	// us-east-1).
	Region string
	// Credentials are the engine's own credentials, used only to assume
	// the session roles (default: the standard AWS chain).
	Credentials aws.CredentialsProvider
	// AuthorizedCallerTag is the LakeFormationAuthorizedCaller value role
	// sessions carry (default "sluice").
	AuthorizedCallerTag string
	// VendingKeyFile is the served home's keys/vending.key, with which the
	// local data plane verifies credentials vended for file:// locations.
	// Without it (and without VendingKeyHome) no file:// table can be read:
	// the engine cannot tell a vended credential from a forged one, so it
	// fails closed.
	VendingKeyFile string
	// VendingKeyHome is the served home directory; only its
	// keys/vending.key is read (the control-plane database is never
	// opened: the server holds it).
	VendingKeyHome string
	// CredentialSeconds is the DurationSeconds asked for vended table
	// credentials (default 3600).
	CredentialSeconds int32
	// HTTPClient sends every request (default: the SDK's).
	HTTPClient aws.HTTPClient
	// Now is the clock for credential checks (time.Now when nil).
	Now func() time.Time
}

// remoteLake is what an engine over the wire keeps instead of a control
// plane: how to reach the endpoint and the engine's account.
type remoteLake struct {
	opts    RemoteOptions
	account string
	region  string
}

// OpenRemote opens an engine whose every authorization, catalog call and
// credential vend goes over the wire to opts.Endpoint. Sessions need a
// role (NewSession with "" is refused: a remote engine has no
// administrator of its own). The planner, exec and storage are the same
// as in process.
func OpenRemote(ctx context.Context, opts RemoteOptions) (*Engine, error) {
	if opts.CredentialSeconds != 0 && (opts.CredentialSeconds < 900 || opts.CredentialSeconds > 43200) {
		return nil, lferr.New(lferr.InvalidInput, "CredentialSeconds %d is out of range: vended credentials last 900 to 43200 seconds", opts.CredentialSeconds)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	e := &Engine{alloc: memory.DefaultAllocator, tagValue: opts.AuthorizedCallerTag, credSecs: opts.CredentialSeconds, now: now}
	if e.tagValue == "" {
		e.tagValue = DefaultAuthorizedCallerTag
	}
	if e.credSecs == 0 {
		e.credSecs = authz.DefaultCredentialSeconds
	}
	keyFile := opts.VendingKeyFile
	if keyFile == "" && opts.VendingKeyHome != "" {
		keyFile = filepath.Join(opts.VendingKeyHome, authz.KeysDir, authz.VendingKeyFile)
	}
	if keyFile != "" {
		// Only an existing key: creating one here would verify nothing the
		// server signed.
		if _, err := os.Stat(keyFile); err != nil {
			return nil, lferr.Wrap(lferr.InvalidInput, err, "cannot read the vending key %s: %v (it is HOME/%s/%s of the served home)", keyFile, err, authz.KeysDir, authz.VendingKeyFile)
		}
		key, err := cred.LoadOrCreateKey(keyFile, nil)
		if err != nil {
			return nil, err
		}
		if e.signer, err = cred.NewSigner(key); err != nil {
			return nil, err
		}
	}
	account, region, err := remote.EngineAccount(ctx, opts.remoteConfig(""))
	if err != nil {
		return nil, lferr.Wrap(lferr.CodeOf(err), err, "cannot reach the control plane at %s: %s", endpointName(opts.Endpoint), lferr.MessageOf(err))
	}
	e.remote = &remoteLake{opts: opts, account: account, region: region}
	return e, nil
}

func endpointName(ep string) string {
	if ep == "" {
		return "the AWS regional endpoints"
	}
	return ep
}

func (o RemoteOptions) remoteConfig(role string) remote.Config {
	return remote.Config{Endpoint: o.Endpoint, Region: o.Region, Credentials: o.Credentials, RoleArn: role, HTTPClient: o.HTTPClient}
}

// IsRemote reports whether the engine reaches its control plane over the
// wire (OpenRemote); ControlPlane is nil then.
func (e *Engine) IsRemote() bool { return e.remote != nil }

// Endpoint is the remote engine's endpoint ("" in process, or for the
// AWS regional endpoints).
func (e *Engine) Endpoint() string {
	if e.remote == nil {
		return ""
	}
	return e.remote.opts.Endpoint
}

// accountID is the lake's account: the default CatalogId of the engine's
// calls and the account of vended table ARNs.
func (e *Engine) accountID() string {
	if e.remote != nil {
		return e.remote.account
	}
	return e.cp.AccountID()
}

// region is the lake's region (table ARNs).
func (e *Engine) region() string {
	if e.remote != nil {
		return e.remote.region
	}
	return e.cp.Region()
}

// newRemoteSession assumes role over the wire with the engine's session
// tag. The remote client renews the role session itself before it
// expires, so ensureFresh has nothing to do for these sessions.
func (e *Engine) newRemoteSession(ctx context.Context, role string) (*Session, error) {
	if role == "" {
		return nil, lferr.New(lferr.InvalidInput, "a remote engine has no administrator session: give a role to run as (--as ROLE)")
	}
	cfg := e.remote.opts.remoteConfig(role)
	cfg.SessionTags = map[string]string{authz.AuthorizedCallerTag: e.tagValue}
	c, err := remote.New(ctx, cfg)
	if err != nil {
		code := lferr.CodeOf(err)
		if code == lferr.STSAccessDenied || code == lferr.AccessDenied {
			return nil, lferr.Wrap(code, err, "cannot start a session as %s: %s (hint: the role must exist in account %s and its trust policy must allow the engine's credentials sts:AssumeRole and sts:TagSession)",
				role, lferr.MessageOf(err), e.remote.account)
		}
		return nil, lferr.Wrap(code, err, "cannot start a session as %s: %s", role, lferr.MessageOf(err))
	}
	id := c.Identity()
	caller := authz.Caller{Kind: authz.RoleSessionCaller, Principal: id.Principal, Account: id.Account, SessionTags: id.SessionTags}
	return &Session{e: e, role: role, caller: caller, client: c, database: "default"}, nil
}

package remote

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
)

// AuthorizedCallerTag is the session tag Lake Formation checks on engine
// calls (VISION rule 1).
const AuthorizedCallerTag = "LakeFormationAuthorizedCaller"

// DefaultSessionTagValue is sluice's engine tag value (VISION Defaults).
const DefaultSessionTagValue = "sluice"

// DefaultRegion is used when neither Config nor the AWS configuration
// names one.
const DefaultRegion = "us-east-1"

// refreshWindow renews the role session this long before it expires, so a
// call started just before expiry never signs with lapsing credentials.
const refreshWindow = 5 * time.Minute

// Config configures New.
type Config struct {
	// Endpoint is the base URL of the LF-compatible endpoint serving Glue,
	// Lake Formation and STS on one port (e.g. http://127.0.0.1:8181). Empty
	// means the real AWS regional endpoints.
	Endpoint string
	// Region signs requests (default: the AWS configuration's, else
	// us-east-1).
	Region string
	// Credentials are the engine's own credentials, used only to assume
	// RoleArn (default: the standard AWS chain: environment, shared
	// credentials file, ...).
	Credentials aws.CredentialsProvider
	// RoleArn is the end user's role: a role ARN, or a role name in the
	// account of the engine's credentials.
	RoleArn string
	// SessionTags are the role session's tags (default
	// LakeFormationAuthorizedCaller=sluice). They must include
	// LakeFormationAuthorizedCaller for integration calls to succeed.
	SessionTags map[string]string
	// RoleSessionName names the role session (default "sluice-engine"); it
	// stays the same across renewals, so the session ARN is stable.
	RoleSessionName string
	// SessionDuration is the role session's lifetime (default 1 h, the
	// role-chaining limit).
	SessionDuration time.Duration
	// HTTPClient sends every request (default: the SDK's).
	HTTPClient aws.HTTPClient
}

// Identity is who the client acts as: the role session STS returned.
type Identity struct {
	// Principal is the assumed-role session ARN (GetCallerIdentity).
	Principal string
	// Account is the session's account, the default CatalogId.
	Account string
	// RoleArn is the assumed role.
	RoleArn string
	// SessionTags are the tags the session was asked with.
	SessionTags map[string]string
}

// Client is an api.Client over the wire, bound to one role session.
// It is safe for concurrent use.
type Client struct {
	glue     *glue.Client
	lf       *lakeformation.Client
	creds    aws.CredentialsProvider // the role session, renewed by the cache
	http     aws.HTTPClient
	endpoint string // Glue endpoint base URL for the raw calls, no trailing '/'
	region   string
	id       Identity
}

var _ api.Client = (*Client)(nil)

// New assumes cfg.RoleArn with the session tags using the engine's
// credentials and returns a client whose every call is signed by that
// role session. A refused AssumeRole is returned with STS's code
// (AccessDenied) and message.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.RoleArn == "" {
		return nil, lferr.New(lferr.InvalidInput, "remote: no role to assume")
	}
	base, endpoint, hc, err := loadBase(ctx, cfg)
	if err != nil {
		return nil, err
	}
	stsc := sts.NewFromConfig(base)

	roleArn := cfg.RoleArn
	if !strings.HasPrefix(roleArn, "arn:") {
		if strings.ContainsAny(roleArn, "/:") {
			return nil, lferr.New(lferr.InvalidInput, "remote: %q is neither a role name nor a role ARN", roleArn)
		}
		me, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return nil, mapErr("GetCallerIdentity", err)
		}
		roleArn = "arn:aws:iam::" + aws.ToString(me.Account) + ":role/" + roleArn
	}
	tags := cfg.SessionTags
	if tags == nil {
		tags = map[string]string{AuthorizedCallerTag: DefaultSessionTagValue}
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	stsTags := make([]ststypes.Tag, len(keys))
	for i, k := range keys {
		stsTags[i] = ststypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])}
	}
	name := cfg.RoleSessionName
	if name == "" {
		name = "sluice-engine"
	}
	dur := cfg.SessionDuration
	if dur == 0 {
		dur = time.Hour
	}
	provider := stscreds.NewAssumeRoleProvider(stsc, roleArn, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = name
		o.Tags = stsTags
		o.Duration = dur
	})
	roleCreds := aws.NewCredentialsCache(provider, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = refreshWindow })
	// Assume now: a refusal fails New, not the first query.
	if _, err := roleCreds.Retrieve(ctx); err != nil {
		return nil, mapErr("AssumeRole "+roleArn, err)
	}
	roleCfg := base.Copy()
	roleCfg.Credentials = roleCreds
	me, err := sts.NewFromConfig(roleCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, mapErr("GetCallerIdentity", err)
	}
	c := &Client{
		glue:     glue.NewFromConfig(roleCfg),
		lf:       lakeformation.NewFromConfig(roleCfg),
		creds:    roleCreds,
		http:     hc,
		endpoint: endpoint,
		region:   base.Region,
		id: Identity{Principal: aws.ToString(me.Arn), Account: aws.ToString(me.Account), RoleArn: roleArn,
			SessionTags: copyMap(tags)},
	}
	if c.endpoint == "" {
		c.endpoint = "https://glue." + c.region + ".amazonaws.com"
	}
	return c, nil
}

// loadBase is the engine's own AWS configuration: region, credentials
// (the standard chain unless given), HTTP client and endpoint.
func loadBase(ctx context.Context, cfg Config) (aws.Config, string, aws.HTTPClient, error) {
	var opts []func(*config.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(cfg.Credentials))
	}
	base, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, "", nil, lferr.Wrap(lferr.InvalidInput, err, "remote: cannot load the AWS configuration: %v", err)
	}
	if base.Region == "" {
		base.Region = DefaultRegion
	}
	// The SDK's own client (set after loading, so AWS_CA_BUNDLE and the
	// like still apply to it) unless one is given.
	hc := cfg.HTTPClient
	if hc != nil {
		base.HTTPClient = hc
	} else if hc = base.HTTPClient; hc == nil {
		// LoadDefaultConfig leaves it nil unless the environment asks for
		// a custom one (AWS_CA_BUNDLE); the service clients then build
		// this same default.
		hc = awshttp.NewBuildableClient()
		base.HTTPClient = hc
	}
	if base.Credentials == nil {
		return aws.Config{}, "", nil, lferr.New(lferr.InvalidInput, "remote: no engine credentials (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_SHARED_CREDENTIALS_FILE)")
	}
	// Resolve them now: a missing or broken chain is a local
	// configuration problem, not an unreachable endpoint.
	if _, err := base.Credentials.Retrieve(ctx); err != nil {
		return aws.Config{}, "", nil, lferr.Wrap(lferr.InvalidInput, err, "remote: cannot load the engine's credentials from the AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_SHARED_CREDENTIALS_FILE, ...): %v", err)
	}
	endpoint := strings.TrimSuffix(cfg.Endpoint, "/")
	if endpoint != "" {
		if !strings.HasPrefix(endpoint, "http://") && !strings.HasPrefix(endpoint, "https://") {
			return aws.Config{}, "", nil, lferr.New(lferr.InvalidInput, "remote: endpoint %q is not an http:// or https:// URL", cfg.Endpoint)
		}
		base.BaseEndpoint = aws.String(endpoint)
	}
	return base, endpoint, hc, nil
}

// EngineAccount is the account and region of the engine's own
// credentials (STS GetCallerIdentity): the default catalog of a remote
// engine. It also checks, before any role is assumed, that the endpoint
// answers and accepts those credentials.
func EngineAccount(ctx context.Context, cfg Config) (account, region string, err error) {
	base, _, _, err := loadBase(ctx, cfg)
	if err != nil {
		return "", "", err
	}
	me, err := sts.NewFromConfig(base).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", "", mapErr("GetCallerIdentity", err)
	}
	return aws.ToString(me.Account), base.Region, nil
}

// Identity is the role session the client acts as.
func (c *Client) Identity() Identity {
	id := c.id
	id.SessionTags = copyMap(c.id.SessionTags)
	return id
}

// Region is the region requests are signed for.
func (c *Client) Region() string { return c.region }

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

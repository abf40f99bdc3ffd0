package wire_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/wire"
)

var bg = context.Background()

const account = authz.DefaultAccountID

// clock is the server's clock, movable by tests (for expired sessions).
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) set(d time.Duration) {
	c.mu.Lock()
	c.off = d
	c.mu.Unlock()
}

// env is a served home: the control plane, the wire server on loopback
// and the administrator's key.
type env struct {
	cp    *authz.ControlPlane
	srv   *wire.Server
	ts    *httptest.Server
	clock *clock
	admin aws.Credentials
	home  string
}

func newEnv(t testing.TB) *env { return newEnvOpts(t, authz.Options{NoSync: true}) }

func newEnvOpts(t testing.TB, opts authz.Options) *env {
	t.Helper()
	e := &env{clock: &clock{}, home: t.TempDir()}
	cp, err := authz.Open(e.home, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cp.Close() })
	e.cp = cp
	e.srv, err = wire.New(cp, wire.Options{Now: e.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	adm, err := e.srv.Bootstrap()
	if err != nil {
		t.Fatal(err)
	}
	e.admin = aws.Credentials{AccessKeyID: adm.AccessKeyID, SecretAccessKey: adm.SecretAccessKey}
	e.ts = httptest.NewServer(e.srv)
	t.Cleanup(e.ts.Close)
	return e
}

func (e *env) cfg(c aws.Credentials) aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.StaticCredentialsProvider{Value: c},
		RetryMaxAttempts: 1, BaseEndpoint: aws.String(e.ts.URL)}
}

func (e *env) glue(c aws.Credentials) *glue.Client { return glue.NewFromConfig(e.cfg(c)) }
func (e *env) lf(c aws.Credentials) *lakeformation.Client {
	return lakeformation.NewFromConfig(e.cfg(c))
}
func (e *env) sts(c aws.Credentials) *sts.Client { return sts.NewFromConfig(e.cfg(c)) }

// queryCall sends a signed awsQuery request (IAM has no SDK client in
// go.mod) signed at `at`, and returns the status and body.
func (e *env) queryCall(t testing.TB, c aws.Credentials, service string, at time.Time, params url.Values) (int, []byte) {
	t.Helper()
	body := params.Encode()
	req, err := http.NewRequest(http.MethodPost, e.ts.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(bg, c, req, hex.EncodeToString(sum[:]), service, "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// iam calls an IAM action as c and fails the test on an error reply.
func (e *env) iam(t testing.TB, c aws.Credentials, action string, kv ...string) []byte {
	t.Helper()
	st, b := e.iamTry(t, c, action, kv...)
	if st != 200 {
		t.Fatalf("IAM %s: %d %s", action, st, b)
	}
	return b
}

func (e *env) iamTry(t testing.TB, c aws.Credentials, action string, kv ...string) (int, []byte) {
	t.Helper()
	p := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Set(kv[i], kv[i+1])
	}
	return e.queryCall(t, c, "iam", time.Now(), p)
}

// xmlErrorCode is the Code of an awsQuery ErrorResponse.
func xmlErrorCode(b []byte) string {
	var r struct {
		Code string `xml:"Error>Code"`
	}
	_ = xml.Unmarshal(b, &r)
	return r.Code
}

// code is an SDK error's API error code ("" for none).
func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func xmlUnmarshal(b []byte, v any) error { return xml.Unmarshal(b, v) }

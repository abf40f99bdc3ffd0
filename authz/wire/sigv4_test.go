package wire_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluicedb/sluice/authz/wire"
)

// TestVerify signs requests the way the tested clients do (aws-wire.md
// §4.4: botocore signs content-type;host;x-amz-date[;x-amz-security-token]
// and sends unsigned extras; the Go SDK also signs content-length and its
// amz-sdk-* headers) and checks the verifier accepts exactly those and
// rejects every tampering.
func TestVerify(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "ASIAEXAMPLE000000001", SecretAccessKey: "secret/EXAMPLE+key", SessionToken: "tok"}
	now := time.Now().UTC().Truncate(time.Second)
	body := `{"Name":"t"}`
	sign := func(prepare func(r *http.Request)) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:18080/GetTable", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if prepare != nil {
			prepare(r)
		}
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(bg, creds, r, hex.EncodeToString(sum[:]), "lakeformation", "us-east-1", now); err != nil {
			t.Fatal(err)
		}
		return r
	}
	botocore := func(r *http.Request) { r.ContentLength = 0 } // botocore never signs content-length
	cases := []struct {
		name   string
		req    *http.Request
		after  func(r *http.Request) // what happens after signing (proxies, clients' unsigned extras, attackers)
		body   string
		secret string
		ok     bool
	}{
		{name: "go sdk", req: sign(func(r *http.Request) { r.Header.Set("Amz-Sdk-Request", "attempt=1; max=3") }), ok: true},
		{name: "go sdk, gzip added after signing", req: sign(nil), after: func(r *http.Request) { r.Header.Set("Accept-Encoding", "gzip") }, ok: true},
		{name: "botocore with unsigned amz-sdk headers", req: sign(botocore), after: func(r *http.Request) {
			r.ContentLength = int64(len(body))
			r.Header.Set("Amz-Sdk-Invocation-Id", "x")
			r.Header.Set("User-Agent", "aws-cli/1.45")
		}, ok: true},
		{name: "header value whitespace is canonical", req: sign(func(r *http.Request) { r.Header.Set("X-Custom", "a  b") }),
			after: func(r *http.Request) { r.Header.Set("X-Custom", " a b ") }, ok: true},
		{name: "body changed", req: sign(nil), body: `{"Name":"u"}`},
		{name: "wrong secret", req: sign(nil), secret: "other"},
		{name: "signed header changed", req: sign(nil), after: func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }},
		{name: "signed header removed", req: sign(func(r *http.Request) { r.Header.Set("X-Custom", "a") }), after: func(r *http.Request) { r.Header.Del("X-Custom") }},
		{name: "host rewritten", req: sign(nil), after: func(r *http.Request) { r.Host = "127.0.0.1:9999" }},
		{name: "path changed", req: sign(nil), after: func(r *http.Request) { r.URL.Path = "/DeleteTable" }},
		{name: "token swapped", req: sign(nil), after: func(r *http.Request) { r.Header.Set("X-Amz-Security-Token", "other") }},
		{name: "signed headers list edited", req: sign(nil), after: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "content-type;", "", 1))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.req
			if c.after != nil {
				c.after(r)
			}
			b := body
			if c.body != "" {
				b = c.body
			}
			secret := creds.SecretAccessKey
			if c.secret != "" {
				secret = c.secret
			}
			s, err := wire.ParseAuthorization(r.Header.Get("Authorization"))
			if err == nil {
				var at time.Time
				at, err = wire.CheckDate(r, s, now.Add(time.Minute))
				if err == nil {
					err = wire.Verify(r, []byte(b), s, at, secret, "tok")
				}
			}
			if (err == nil) != c.ok {
				t.Fatalf("verified=%v (%v), want %v", err == nil, err, c.ok)
			}
		})
	}
}

func TestCheckDate(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	s := wire.SigV4{Date: "20261124"}
	for _, c := range []struct {
		date string
		ok   bool
	}{
		{"20261124T120000Z", true}, {"20261124T120459Z", true}, {"20261124T115501Z", true},
		{"20261124T120501Z", false}, {"20261124T115459Z", false}, {"20261123T235959Z", false},
		{"2026-11-24T12:00:00Z", false}, {"", false},
	} {
		r, _ := http.NewRequest(http.MethodPost, "http://h/", nil)
		if c.date != "" {
			r.Header.Set("X-Amz-Date", c.date)
		}
		if _, err := wire.CheckDate(r, s, now); (err == nil) != c.ok {
			t.Errorf("%q: %v, want ok=%v", c.date, err, c.ok)
		}
	}
}

func TestParseAuthorization(t *testing.T) {
	sig := strings.Repeat("0a", 32)
	for _, c := range []struct {
		h  string
		ok bool
	}{
		{"AWS4-HMAC-SHA256 Credential=AKIDX/20261124/us-east-1/glue/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + sig, true},
		{"AWS4-HMAC-SHA256 Credential=AKIDX/20261124/us-east-1/glue/aws4_request,SignedHeaders=host;x-amz-date,Signature=" + sig, true},
		{"AWS4-HMAC-SHA256 Credential=AKIDX/20261124/us-east-1/glue/aws4_request, SignedHeaders=x-amz-date, Signature=" + sig, false},      // no host
		{"AWS4-HMAC-SHA256 Credential=AKIDX/20261124/us-east-1/glue/aws4_request, SignedHeaders=x-amz-date;host, Signature=" + sig, false}, // unsorted
		{"AWS4-HMAC-SHA256 Credential=AKIDX/20261124/us-east-1/glue, SignedHeaders=host, Signature=" + sig, false},
		{"AWS4-HMAC-SHA256 Credential=AKIDX/20261124/us-east-1/glue/aws4_request, SignedHeaders=host, Signature=zz", false},
		{"AWS4-HMAC-SHA1 Credential=AKIDX/20261124/us-east-1/glue/aws4_request, SignedHeaders=host, Signature=" + sig, false},
		{"AWS4-HMAC-SHA256 Credential=AKIDX/20261124/us-east-1/glue/aws4_request, SignedHeaders=host, Signature=" + sig + ", Extra=1", false},
		{"", false},
	} {
		if _, err := wire.ParseAuthorization(c.h); (err == nil) != c.ok {
			t.Errorf("%q: %v, want ok=%v", c.h, err, c.ok)
		}
	}
}

package wire_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gtypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sluicedb/sluice/authz/wire"
)

// rawReq describes one hand-made request.
type rawReq struct {
	path, target, ctype, body string
	service, region           string        // signing scope
	at                        time.Duration // signing time offset
	tamper                    string        // body sent instead of the signed one
	unsigned                  bool
}

func (e *env) raw(t *testing.T, c aws.Credentials, r rawReq) (*http.Response, []byte) {
	t.Helper()
	if r.path == "" {
		r.path = "/"
	}
	if r.region == "" {
		r.region = "us-east-1"
	}
	req, err := http.NewRequest(http.MethodPost, e.ts.URL+r.path, strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	if r.target != "" {
		req.Header.Set("X-Amz-Target", r.target)
	}
	if !r.unsigned {
		sum := sha256.Sum256([]byte(r.body))
		must(t, v4.NewSigner().SignHTTP(bg, c, req, hex.EncodeToString(sum[:]), r.service, r.region, time.Now().Add(r.at)))
	}
	if r.tamper != "" {
		req.Body = io.NopCloser(strings.NewReader(r.tamper))
		req.ContentLength = int64(len(r.tamper))
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func glueReq(op, body string) rawReq {
	return rawReq{target: "AWSGlue." + op, ctype: "application/x-amz-json-1.1", body: body, service: "glue"}
}

func lfReq(op, body string) rawReq {
	return rawReq{path: "/" + op, ctype: "application/json", body: body, service: "lakeformation"}
}

func TestProtocolErrors(t *testing.T) {
	e := newEnv(t)
	a := e.admin
	e.iam(t, a, "CreateUser", "UserName", "bob")
	b := e.iam(t, a, "CreateAccessKey", "UserName", "bob")
	var k struct {
		ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	must(t, xmlUnmarshal(b, &k))
	bob := aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}

	big := `{"Name":"` + strings.Repeat("x", wire.DefaultMaxBody) + `"}`
	cases := []struct {
		name   string
		who    aws.Credentials
		req    rawReq
		status int
		code   string
		xml    bool
	}{
		{"unknown LF operation", a, lfReq("NoSuchOperation", "{}"), 400, "UnknownOperationException", false},
		{"unknown Glue operation", a, glueReq("NoSuchOperation", "{}"), 400, "UnknownOperationException", false},
		{"unsigned", a, rawReq{path: "/GetDataLakeSettings", ctype: "application/json", body: "{}", unsigned: true}, 403, "MissingAuthenticationTokenException", false},
		{"scope names another service", a, rawReq{path: "/GetDataLakeSettings", ctype: "application/json", body: "{}", service: "glue"}, 403, "InvalidSignatureException", false},
		{"scope names another region", a, rawReq{path: "/GetDataLakeSettings", ctype: "application/json", body: "{}", service: "lakeformation", region: "eu-west-1"}, 403, "InvalidSignatureException", false},
		{"clock skew", a, rawReq{path: "/GetDataLakeSettings", ctype: "application/json", body: "{}", service: "lakeformation", at: -6 * time.Minute}, 403, "InvalidSignatureException", false},
		{"tampered body", a, rawReq{path: "/GetDataLakeSettings", ctype: "application/json", body: "{}", service: "lakeformation", tamper: `{"CatalogId":"1"}`}, 403, "InvalidSignatureException", false},
		{"body too large", a, glueReq("GetDatabase", big), 413, "SerializationException", false},
		{"wrong JSON type", a, glueReq("GetDatabase", `{"Name":5}`), 400, "SerializationException", false},
		{"malformed JSON", a, glueReq("GetDatabase", `{"Name":`), 400, "SerializationException", false},
		{"Glue AccessDenied is 400", bob, glueReq("GetDatabases", `{}`), 400, "AccessDeniedException", false},
		{"LF AccessDenied is 403", bob, lfReq("ListPermissions", `{}`), 403, "AccessDeniedException", false},
		{"Glue not found", a, glueReq("GetDatabase", `{"Name":"nope"}`), 400, "EntityNotFoundException", false},
		{"another catalog", a, glueReq("GetDatabase", `{"CatalogId":"999988887777","Name":"x"}`), 400, "EntityNotFoundException", false},
		{"STS unknown action", a, rawReq{ctype: "application/x-www-form-urlencoded", body: "Action=Nope&Version=2011-06-15", service: "sts"}, 400, "InvalidAction", true},
		{"STS bad version", a, rawReq{ctype: "application/x-www-form-urlencoded", body: "Action=GetCallerIdentity&Version=1999-01-01", service: "sts"}, 400, "InvalidAction", true},
		{"STS AssumeRole of a missing role", a, rawReq{ctype: "application/x-www-form-urlencoded", service: "sts",
			body: "Action=AssumeRole&Version=2011-06-15&RoleSessionName=ss&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fnope"}, 403, "AccessDenied", true},
		{"STS AssumeRole with a bad session name", a, rawReq{ctype: "application/x-www-form-urlencoded", service: "sts",
			body: "Action=AssumeRole&Version=2011-06-15&RoleSessionName=s&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fnope"}, 400, "ValidationError", true},
		{"STS signature mismatch", a, rawReq{ctype: "application/x-www-form-urlencoded", body: "Action=GetCallerIdentity&Version=2011-06-15", service: "sts",
			tamper: "Action=GetCallerIdentity&Version=2011-06-15&x=1"}, 403, "SignatureDoesNotMatch", true},
		{"IAM missing parameter", a, rawReq{ctype: "application/x-www-form-urlencoded", body: "Action=GetRole&Version=2010-05-08", service: "iam"}, 400, "ValidationError", true},
		{"IAM no such role", a, rawReq{ctype: "application/x-www-form-urlencoded", body: "Action=GetRole&Version=2010-05-08&RoleName=nope", service: "iam"}, 404, "NoSuchEntity", true},
		{"IAM denied to bob", bob, rawReq{ctype: "application/x-www-form-urlencoded", body: "Action=CreateRole&Version=2010-05-08&RoleName=x&AssumeRolePolicyDocument=%7B%7D", service: "iam"}, 403, "AccessDenied", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.raw(t, c.who, c.req)
			if resp.StatusCode != c.status {
				t.Errorf("status %d, want %d (%s)", resp.StatusCode, c.status, trim(body))
			}
			if resp.Header.Get("X-Amzn-Requestid") == "" {
				t.Error("no X-Amzn-Requestid")
			}
			if c.xml {
				if got := xmlErrorCode(body); got != c.code {
					t.Errorf("XML code %q, want %q (%s)", got, c.code, trim(body))
				}
				if ct := resp.Header.Get("Content-Type"); ct != "text/xml" {
					t.Errorf("Content-Type %q", ct)
				}
				return
			}
			var je struct {
				Type    string `json:"__type"`
				Message string `json:"Message"`
			}
			if err := json.Unmarshal(body, &je); err != nil {
				t.Fatalf("error body is not JSON: %s", trim(body))
			}
			if je.Type != c.code || resp.Header.Get("X-Amzn-Errortype") != c.code {
				t.Errorf("__type %q header %q, want %q both (%s)", je.Type, resp.Header.Get("X-Amzn-Errortype"), c.code, trim(body))
			}
			if je.Message == "" {
				t.Error("empty Message")
			}
		})
	}
}

func trim(b []byte) string {
	if len(b) > 300 {
		b = b[:300]
	}
	return string(b)
}

func TestSuccessShapes(t *testing.T) {
	e := newEnv(t)
	gc := e.glue(e.admin)
	_, err := gc.CreateDatabase(bg, &glue.CreateDatabaseInput{DatabaseInput: &gtypes.DatabaseInput{Name: aws.String("d")}})
	must(t, err)
	resp, body := e.raw(t, e.admin, glueReq("GetDatabase", `{"Name":"d","SomeNewField":{"x":1}}`))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		t.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if !regexp.MustCompile(`"CreateTime":[0-9]`).Match(body) {
		t.Errorf("CreateTime is not an epoch number: %s", body)
	}
	resp, body = e.raw(t, e.admin, lfReq("GetDataLakeSettings", ``))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || !strings.Contains(string(body), `"DataLakeSettings"`) {
		t.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// STS: ISO timestamps, the standard nesting, the Go SDK parses it.
	out, err := e.sts(e.admin).GetCallerIdentity(bg, &sts.GetCallerIdentityInput{})
	must(t, err)
	if aws.ToString(out.Arn) != "arn:aws:iam::"+account+":user/"+wire.AdminUserName {
		t.Errorf("admin identity %s", aws.ToString(out.Arn))
	}
	// The health endpoint needs no signature.
	hr, err := http.Get(e.ts.URL + "/healthz")
	must(t, err)
	hb, _ := io.ReadAll(hr.Body)
	hr.Body.Close()
	if hr.StatusCode != 200 || strings.TrimSpace(string(hb)) != "ok" {
		t.Errorf("healthz %d %q", hr.StatusCode, hb)
	}
}

func TestThrottling(t *testing.T) {
	e := newEnv(t)
	srv, err := wire.New(e.cp, wire.Options{MaxInFlight: 1})
	must(t, err)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	// A request whose body never ends holds the only slot.
	pr, pw := io.Pipe()
	held, err := http.NewRequest(http.MethodPost, ts.URL+"/GetDataLakeSettings", pr)
	must(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if resp, err := ts.Client().Do(held); err == nil {
			resp.Body.Close()
		}
	}()
	// Once the first byte is taken, the request is on the wire; the
	// handler holds the slot from its headers on. Poll generously: the
	// machine may be busy.
	if _, err := pw.Write([]byte("{")); err != nil {
		t.Fatal(err)
	}
	var status int
	var body []byte
	for i := 0; i < 2000; i++ {
		resp, err := ts.Client().Post(ts.URL+"/GetDataLakeSettings", "application/json", strings.NewReader("{}"))
		must(t, err)
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		status = resp.StatusCode
		if status == http.StatusServiceUnavailable {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	pw.Close()
	<-done
	if status != http.StatusServiceUnavailable || !strings.Contains(string(body), "ThrottlingException") {
		t.Fatalf("second request: %d %s, want 503 ThrottlingException", status, body)
	}
}

// TestOldPermissionName: botocore 1.29 clients grant CREATE_TAG, today's
// CREATE_LF_TAG.
func TestOldPermissionName(t *testing.T) {
	e := newEnv(t)
	body := `{"Principal":{"DataLakePrincipalIdentifier":"arn:aws:iam::111122223333:role/tagger"},"Resource":{"Catalog":{}},"Permissions":["CREATE_TAG"]}`
	resp, b := e.raw(t, e.admin, lfReq("GrantPermissions", body))
	if resp.StatusCode != 200 {
		t.Fatalf("GrantPermissions CREATE_TAG: %d %s", resp.StatusCode, b)
	}
	_, b = e.raw(t, e.admin, lfReq("ListPermissions", `{"Principal":{"DataLakePrincipalIdentifier":"arn:aws:iam::111122223333:role/tagger"},"Resource":{"Catalog":{}}}`))
	if !strings.Contains(string(b), `"CREATE_LF_TAG"`) {
		t.Errorf("ListPermissions: %s", b)
	}
}

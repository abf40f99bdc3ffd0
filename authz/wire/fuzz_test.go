package wire_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/wire"
)

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"AWS4-HMAC-SHA256 Credential=AKIAX/20261124/us-east-1/glue/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=" + strings.Repeat("ab", 32),
		"AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=;, Signature=zz",
		"AWS4-HMAC-SHA256", "", "Bearer x", "AWS4-HMAC-SHA256 ,,,=,=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		s, err := wire.ParseAuthorization(h)
		if err == nil && (s.AccessKeyID == "" || s.Service == "" || len(s.Signature) != 64 || !strings.Contains(";"+s.SignedHeaders+";", ";host;")) {
			t.Fatalf("accepted an incomplete header %q: %+v", h, s)
		}
	})
}

// lockedBuf collects the server log; a recovered panic is logged.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// FuzzRequest drives the whole handler with arbitrary operations, bodies
// and headers, both unsigned and validly signed by the administrator (so
// that every decoder and handler is reached): it must never panic (the
// handler recovers and logs "panic"; the fuzz fails on that), and every
// answer is a well-formed status.
func FuzzRequest(f *testing.F) {
	home := f.TempDir()
	cp, err := authz.Open(home, authz.Options{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = cp.Close() })
	logs := &lockedBuf{}
	srv, err := wire.New(cp, wire.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		f.Fatal(err)
	}
	adm, err := srv.Bootstrap()
	if err != nil {
		f.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: adm.AccessKeyID, SecretAccessKey: adm.SecretAccessKey}
	seeds := []struct {
		proto uint8
		op    string
		body  string
	}{
		{0, "GrantPermissions", `{"Principal":{"DataLakePrincipalIdentifier":"arn:aws:iam::111122223333:role/x"},"Resource":{"Table":{"DatabaseName":"d","Name":"t"}},"Permissions":["SELECT"]}`},
		{0, "PutDataLakeSettings", `{"DataLakeSettings":{"DataLakeAdmins":[{"DataLakePrincipalIdentifier":5}]}}`},
		{0, "CreateDataCellsFilter", `{"TableData":{"DatabaseName":"d","TableName":"t","Name":"f","RowFilter":{"FilterExpression":"a ="}}}`},
		{0, "AddLFTagsToResource", `{"Resource":{},"LFTags":[{}]}`},
		{1, "CreateTable", `{"DatabaseName":"d","TableInput":{"Name":"t","StorageDescriptor":{"Columns":[{"Name":"a","Type":"int"}]}}}`},
		{1, "GetUnfilteredTableMetadata", `{"CatalogId":"111122223333","DatabaseName":"d","Name":"t","SupportedPermissionTypes":["COLUMN_PERMISSION"]}`},
		{1, "BatchDeletePartition", `{"DatabaseName":"d","TableName":"t","PartitionsToDelete":[{"Values":null}]}`},
		{2, "AssumeRole", "RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fx&RoleSessionName=ss&Tags.member.1.Key=k"},
		{3, "CreateRole", "RoleName=r&AssumeRolePolicyDocument=%7B"},
		{3, "TagRole", "RoleName=r&Tags.member.2.Key=k"},
	}
	for _, s := range seeds {
		f.Add(s.proto, s.op, []byte(s.body), true)
		f.Add(s.proto, s.op, []byte(s.body), false)
	}
	f.Fuzz(func(t *testing.T, proto uint8, op string, body []byte, sign bool) {
		var req *http.Request
		service := ""
		switch proto % 4 {
		case 0:
			if strings.ContainsAny(op, "/?#% \x00") || op == "" {
				op = "X"
			}
			req = httptest.NewRequest(http.MethodPost, "http://127.0.0.1:1/"+op, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			service = "lakeformation"
		case 1:
			req = httptest.NewRequest(http.MethodPost, "http://127.0.0.1:1/", bytes.NewReader(body))
			req.Header.Set("X-Amz-Target", "AWSGlue."+strings.Map(printable, op))
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			service = "glue"
		default:
			version, svc := "2011-06-15", "sts"
			if proto%4 == 3 {
				version, svc = "2010-05-08", "iam"
			}
			b := "Action=" + strings.Map(printable, op) + "&Version=" + version + "&" + string(body)
			body = []byte(b)
			req = httptest.NewRequest(http.MethodPost, "http://127.0.0.1:1/", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			service = svc
		}
		if sign {
			sum := sha256.Sum256(body)
			if err := v4.NewSigner().SignHTTP(bg, creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
				t.Skip()
			}
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code < 200 || w.Code > 599 {
			t.Fatalf("status %d", w.Code)
		}
		if strings.Contains(logs.String(), "panic") {
			t.Fatalf("handler panicked: %s", logs.String())
		}
	})
}

func printable(r rune) rune {
	if r < 0x21 || r > 0x7e {
		return -1
	}
	return r
}

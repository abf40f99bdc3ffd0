package remote

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
)

// rawClient is a Client whose raw calls go to h (no STS involved).
func rawClient(t *testing.T, h http.HandlerFunc) *Client {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &Client{creds: credentials.StaticCredentialsProvider{Value: aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "s", SessionToken: "tok"}},
		http: ts.Client(), endpoint: ts.URL, region: "us-east-1"}
}

func TestRawCalls(t *testing.T) {
	in := &api.GetUnfilteredTableMetadataInput{CatalogId: "1", DatabaseName: "d", Name: "t", SupportedPermissionTypes: []string{api.ColumnMaskPermission}}
	cases := []struct {
		name     string
		replies  []func(w http.ResponseWriter)
		wantCode lferr.Code
		wantMsg  string
	}{
		{"masks decoded", []func(http.ResponseWriter){func(w http.ResponseWriter) {
			io.WriteString(w, `{"Table":{"Name":"t"},"AuthorizedColumns":["a"],"ColumnMasks":[{"ColumnName":"a","MaskExpression":"sha256"}],"Unknown":1}`)
		}}, "", ""},
		{"throttled twice, then answered", []func(http.ResponseWriter){
			func(w http.ResponseWriter) { w.WriteHeader(503); io.WriteString(w, `{"__type":"ThrottlingException"}`) },
			func(w http.ResponseWriter) { w.WriteHeader(429); io.WriteString(w, `{"__type":"ThrottlingException"}`) },
			func(w http.ResponseWriter) {
				io.WriteString(w, `{"Table":{"Name":"t"},"AuthorizedColumns":["a"],"ColumnMasks":[{"ColumnName":"a","MaskExpression":"sha256"}]}`)
			},
		}, "", ""},
		{"throttled for good", []func(http.ResponseWriter){
			func(w http.ResponseWriter) {
				w.WriteHeader(503)
				io.WriteString(w, `{"__type":"ThrottlingException","message":"busy"}`)
			},
		}, lferr.Throttled, "busy"},
		{"namespaced type, Message", []func(http.ResponseWriter){func(w http.ResponseWriter) {
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"com.amazonaws.glue#PermissionTypeMismatchException","Message":"needs masks"}`)
		}}, lferr.PermissionTypeMismatch, "needs masks"},
		{"header type", []func(http.ResponseWriter){func(w http.ResponseWriter) {
			w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException:http://x/")
			w.WriteHeader(403)
			io.WriteString(w, `{"message":"no"}`)
		}}, lferr.AccessDenied, "no"},
		{"not JSON", []func(http.ResponseWriter){func(w http.ResponseWriter) { w.WriteHeader(502); io.WriteString(w, "<html>bad gateway") }},
			lferr.InternalService, "HTTP 502"},
		{"success that does not decode", []func(http.ResponseWriter){func(w http.ResponseWriter) { io.WriteString(w, `{"ColumnMasks":"x"}`) }},
			lferr.InternalService, "does not decode"},
	}
	for _, c := range cases {
		var n atomic.Int32
		cl := rawClient(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Amz-Target") != "AWSGlue.GetUnfilteredTableMetadata" || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") ||
				r.Header.Get("X-Amz-Security-Token") != "tok" {
				t.Errorf("%s: request not signed as a Glue call: %v", c.name, r.Header)
			}
			i := int(n.Add(1)) - 1
			if i >= len(c.replies) {
				i = len(c.replies) - 1
			}
			c.replies[i](w)
		})
		out, err := cl.GetUnfilteredTableMetadata(context.Background(), in)
		if c.wantCode == "" {
			if err != nil || len(out.ColumnMasks) != 1 || out.ColumnMasks[0].MaskExpression != "sha256" {
				t.Errorf("%s: %+v %v", c.name, out, err)
			}
			continue
		}
		if lferr.CodeOf(err) != c.wantCode || !strings.Contains(lferr.MessageOf(err), c.wantMsg) {
			t.Errorf("%s: %v, want %s naming %q", c.name, err, c.wantCode, c.wantMsg)
		}
	}
	if _, err := rawClient(t, nil).GetUnfilteredTableMetadata(context.Background(), nil); lferr.CodeOf(err) != lferr.InvalidInput {
		t.Errorf("nil request: %v", err)
	}
}

package wire

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/sluicedb/sluice/authz"
)

// TestDecodeErrors pins the SerializationException messages of bad JSON
// bodies: a wrong type names the field by its wire path (not by how the
// Go input is declared), and a body that is not an object names no Go
// type. Decoding runs before any authorization, so the handler can be
// called without a caller.
func TestDecodeErrors(t *testing.T) {
	cp, err := authz.Open(t.TempDir(), authz.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cp.Close() })
	s, err := New(cp, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		service, op, body string
		want              string
	}{
		{"glue", "GetPartition", `{"CatalogId":5}`, "Field 'CatalogId' has the wrong type: expected string, got JSON number."},
		{"glue", "BatchGetPartition", `{"TableName":true}`, "Field 'TableName' has the wrong type: expected string, got JSON bool."},
		{"glue", "BatchDeletePartition", `{"PartitionsToDelete":[{"Values":"x"}]}`, "Field 'PartitionsToDelete.Values' has the wrong type: expected []string, got JSON string."},
		{"glue", "GetDatabases", `[]`, "The request body must be a JSON object, not JSON array."},
		{"lakeformation", "ListPermissions", `"x"`, "The request body must be a JSON object, not JSON string."},
		{"lakeformation", "GrantPermissions", `{"CatalogId":[1]}`, "Field 'CatalogId' has the wrong type: expected string, got JSON array."},
		{"lakeformation", "CreateLFTag", `7`, "The request body must be a JSON object, not JSON number."},
	}
	for _, c := range cases {
		t.Run(c.service+"/"+c.op, func(t *testing.T) {
			proto := awsJSON
			if c.service == "lakeformation" {
				proto = restJSON
			}
			req := &request{id: "rid", proto: proto, service: c.service, op: c.op, body: []byte(c.body), ctx: t.Context()}
			h := s.handler(req)
			if h == nil {
				t.Fatalf("no handler for %s", c.op)
			}
			_, herr := h(s, req)
			if herr == nil {
				t.Fatal("decoded a bad body")
			}
			w := httptest.NewRecorder()
			s.writeError(w, req, herr)
			var got jsonError
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if w.Code != 400 || got.Type != "SerializationException" || got.Message != c.want {
				t.Errorf("got %d %s %q, want 400 SerializationException %q", w.Code, got.Type, got.Message, c.want)
			}
		})
	}
}

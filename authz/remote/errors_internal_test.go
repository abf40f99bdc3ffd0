package remote

import (
	"errors"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/sluicedb/sluice/authz/lferr"
)

func TestCodeFromWire(t *testing.T) {
	for _, c := range []struct {
		in   string
		want lferr.Code
	}{
		{"AccessDeniedException", lferr.AccessDenied},
		{"aws.glue#EntityNotFoundException", lferr.EntityNotFound},
		{"PermissionTypeMismatchException:http://internal.amazon.com/coral/", lferr.PermissionTypeMismatch},
		{"UnrecognizedClientException", lferr.InvalidClientTokenId},
		{"ExpiredTokenException", lferr.ExpiredToken},
		{"AccessDenied", lferr.STSAccessDenied},
		{"ThrottlingException", lferr.Throttled},
		{"", lferr.InternalService},
	} {
		if got := codeFromWire(c.in); got != c.want {
			t.Errorf("codeFromWire(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMapErrKeepsServerMessage(t *testing.T) {
	err := mapErr("GetTable", &smithy.GenericAPIError{Code: "EntityNotFoundException", Message: "Table t not found"})
	if lferr.CodeOf(err) != lferr.EntityNotFound || lferr.MessageOf(err) != "Table t not found" {
		t.Errorf("got %q %q", lferr.CodeOf(err), lferr.MessageOf(err))
	}
	err = mapErr("GetTable", errors.New("dial tcp: connection refused"))
	if lferr.CodeOf(err) != lferr.InternalService {
		t.Errorf("transport failure: %v", err)
	}
	if mapErr("x", nil) != nil {
		t.Error("nil error mapped to non-nil")
	}
}

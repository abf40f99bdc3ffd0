package remote

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/sluicedb/sluice/authz/lferr"
)

// codeFromWire maps an exception name as sent on the wire to sluice's
// code. The JSON protocols send LF names (already lferr codes); a few
// authentication names differ between protocols and are folded to one.
func codeFromWire(name string) lferr.Code {
	// awsJson error types may be namespaced ("aws.glue#EntityNotFoundException")
	// or carry a suffix after ':' (restJson x-amzn-errortype).
	if i := strings.LastIndexByte(name, '#'); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[:i]
	}
	switch name {
	case "":
		return lferr.InternalService
	case "UnrecognizedClientException":
		return lferr.InvalidClientTokenId
	case "ExpiredTokenException":
		return lferr.ExpiredToken
	case "ThrottlingException":
		return lferr.Throttled
	}
	return lferr.Code(name)
}

// mapErr turns an SDK error into an lferr error with the server's code and
// message; op names the call for transport failures.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var le *lferr.Error
	if errors.As(err, &le) {
		return err
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		msg := ae.ErrorMessage()
		if msg == "" {
			msg = op + ": " + ae.ErrorCode()
		}
		return lferr.Wrap(codeFromWire(ae.ErrorCode()), err, "%s", msg)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return lferr.Wrap(lferr.OperationTimeout, err, "%s: %v", op, err)
	}
	return lferr.Wrap(lferr.InternalService, err, "%s: cannot reach the endpoint: %v", op, err)
}

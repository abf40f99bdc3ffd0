package wire

import (
	"net/url"
	"strings"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

// handlerFunc serves one authenticated request of a known operation and
// returns the reply's value (nil for JSON operations with no output).
// ServeHTTP does the rest once for every operation: routing, SigV4,
// mapping the error to the protocol's shape, encoding the reply.
type handlerFunc func(*Server, *request) (any, error)

// handler returns the handler of req's operation, nil when not served.
func (s *Server) handler(req *request) handlerFunc {
	switch req.service {
	case "glue":
		return glueOps[req.op]
	case "lakeformation":
		return lfOps[req.op]
	case "sts":
		return stsOps[req.op]
	case "iam":
		return iamOps[req.op]
	}
	return nil
}

// jsonOp is an operation of the JSON protocols (Lake Formation, Glue)
// over its input type: the body is decoded before fn runs, so a malformed
// body is a SerializationException whoever calls, and fn holds only what
// is specific to the operation (validation, authorization, the call, the
// reply's shape).
func jsonOp[In any](fn func(s *Server, req *request, in *In) (any, error)) handlerFunc {
	return func(s *Server, req *request) (any, error) {
		var in In
		if err := decode(req, &in); err != nil {
			return nil, err
		}
		return fn(s, req, &in)
	}
}

// inTx runs fn in the transaction txn opens (store.DB.View or Update)
// and returns what fn returned.
func inTx[T any](txn func(func(*store.Tx) error) error, fn func(*store.Tx) (T, error)) (T, error) {
	var out T
	err := txn(func(tx *store.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

// orEmpty answers a missing list as [], as AWS does: a client may treat
// null and an empty list differently.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// queryOp is an operation of the awsQuery protocols (STS, IAM): the
// parameters named in required must be present before fn runs (IAM's
// "Value null" validation error otherwise), and the OpResult element fn
// returns (nil for operations with no output) is wrapped in the
// OpResponse with the request id.
func queryOp(fn func(s *Server, req *request, f url.Values) (any, error), required ...string) handlerFunc {
	return func(s *Server, req *request) (any, error) {
		for _, n := range required {
			if req.form.Get(n) == "" {
				return nil, lferr.New(lferr.ValidationError, "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", strings.ToLower(n[:1])+n[1:])
			}
		}
		out, err := fn(s, req, req.form)
		if err != nil {
			return nil, err
		}
		return queryOK(req, out), nil
	}
}

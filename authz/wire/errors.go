package wire

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"

	"github.com/sluicedb/sluice/authz/lferr"
)

// wireErr is an error with explicit wire codes (protocol-level failures
// that have no lferr code).
type wireErr struct {
	code   lferr.Code // JSON protocols
	query  lferr.Code // awsQuery (STS, IAM)
	status int
	msg    string
}

func (e *wireErr) Error() string { return string(e.code) + ": " + e.msg }

// Versions of the awsQuery APIs.
const (
	stsVersion = "2011-06-15"
	iamVersion = "2010-05-08"
	stsNS      = "https://sts.amazonaws.com/doc/2011-06-15/"
	iamNS      = "https://iam.amazonaws.com/doc/2010-05-08/"
)

// jsonCode maps a typed error's code to the JSON protocols' exception
// name: IAM/STS codes raised under LF or Glue take LF's names.
func jsonCode(c lferr.Code) lferr.Code {
	switch c {
	case lferr.InvalidClientTokenId:
		return "UnrecognizedClientException"
	case lferr.ExpiredToken:
		return "ExpiredTokenException"
	case lferr.STSAccessDenied:
		return lferr.AccessDenied
	case lferr.NoSuchEntity:
		return lferr.EntityNotFound
	case lferr.EntityAlreadyExists:
		return lferr.AlreadyExists
	case lferr.ValidationError, lferr.InvalidParameterValue, lferr.MalformedPolicyDocument, lferr.PackedPolicyTooLarge:
		return lferr.InvalidInput
	case lferr.LimitExceeded:
		return lferr.ResourceNumberLimitExceeded
	case lferr.SyntaxError, lferr.UnknownColumn, lferr.UnknownTable, lferr.TypeError, lferr.Unsupported:
		return lferr.InvalidInput
	}
	return c
}

// queryCode maps a code to the awsQuery name (STS, IAM).
func queryCode(c lferr.Code) lferr.Code {
	switch c {
	case lferr.AccessDenied:
		return lferr.STSAccessDenied
	case lferr.InvalidInput, "SerializationException":
		return lferr.ValidationError
	case lferr.EntityNotFound:
		return lferr.NoSuchEntity
	case lferr.AlreadyExists:
		return lferr.EntityAlreadyExists
	case lferr.InternalService, lferr.OperationTimeout:
		return "InternalFailure"
	case lferr.ResourceNumberLimitExceeded:
		return lferr.LimitExceeded
	}
	return c
}

// classify returns the wire code, status and message of err for req's
// protocol. Untyped errors are internal: their text is logged, not sent.
func (s *Server) classify(req *request, err error) (lferr.Code, int, string) {
	var we *wireErr
	if errors.As(err, &we) {
		if req.proto == awsQuery {
			c := we.query
			if c == "" {
				c = queryCode(we.code)
			}
			return c, we.status, we.msg
		}
		c := we.code
		if c == "" {
			c = "UnknownOperationException"
		}
		return c, we.status, we.msg
	}
	var ae *authErr
	if errors.As(err, &ae) {
		if req.proto == awsQuery {
			st := 403
			if ae.query == "IncompleteSignature" {
				st = 400
			}
			return ae.query, st, ae.msg
		}
		st := 403
		if ae.json == "IncompleteSignatureException" {
			st = 400
		}
		return ae.json, st, ae.msg
	}
	code := lferr.CodeOf(err)
	if code == "" {
		s.log.Error("untyped error", "request_id", req.id, "op", req.op, "err", err)
		code, err = lferr.InternalService, lferr.New(lferr.InternalService, "Internal error (request %s).", req.id)
	}
	msg := lferr.MessageOf(err)
	if req.proto == awsQuery {
		c := queryCode(code)
		st := c.QueryHTTPStatus()
		if c == "InternalFailure" {
			st = 500
		}
		return c, st, msg
	}
	c := jsonCode(code)
	st := c.HTTPStatus()
	switch c {
	case "UnrecognizedClientException":
		st = 403
	case "ExpiredTokenException":
		st = 400
	case lferr.AccessDenied:
		if req.proto == awsJSON {
			// Glue answers AccessDenied with 400 (aws-wire.md §5).
			st = 400
		}
	}
	return c, st, msg
}

// jsonContentType is the media type of the JSON protocols' bodies.
func jsonContentType(p protocol) string {
	if p == awsJSON {
		return "application/x-amz-json-1.1"
	}
	return "application/json"
}

// queryNS is the XML namespace of an awsQuery reply: the service's.
func queryNS(req *request) string {
	if req.service == "iam" {
		return iamNS
	}
	return stsNS
}

type jsonError struct {
	Type    string `json:"__type"`
	Message string `json:"Message"`
}

type xmlError struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	NS        string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// writeError answers err in req's protocol: JSON errors carry the code in
// both X-Amzn-Errortype and the body's __type (botocore reads only the
// body for awsJson); awsQuery errors are an XML ErrorResponse.
func (s *Server) writeError(w http.ResponseWriter, req *request, err error) {
	code, status, msg := s.classify(req, err)
	h := w.Header()
	h.Set("X-Amzn-Requestid", req.id)
	if req.proto == awsQuery {
		typ := "Sender"
		if status >= 500 {
			typ = "Receiver"
		}
		b, _ := xml.Marshal(xmlError{NS: queryNS(req), Type: typ, Code: string(code), Message: msg, RequestID: req.id})
		h.Set("Content-Type", "text/xml")
		h.Set("Content-Length", strconv.Itoa(len(xml.Header)+len(b)))
		w.WriteHeader(status)
		_, _ = w.Write([]byte(xml.Header))
		_, _ = w.Write(b)
		return
	}
	b, _ := json.Marshal(jsonError{Type: string(code), Message: msg})
	h.Set("X-Amzn-Errortype", string(code))
	h.Set("Content-Type", jsonContentType(req.proto))
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeResult answers a success: JSON objects for LF and Glue (out may be
// nil for operations with no output), XML for STS and IAM (out is then a
// complete response element).
func (s *Server) writeResult(w http.ResponseWriter, req *request, out any) {
	h := w.Header()
	var b []byte
	var err error
	if req.proto == awsQuery {
		b, err = xml.Marshal(out)
		if err == nil {
			b = append([]byte(xml.Header), b...)
		}
		h.Set("Content-Type", "text/xml")
	} else {
		if out == nil {
			b = []byte("{}")
		} else {
			b, err = json.Marshal(out)
		}
		h.Set("Content-Type", jsonContentType(req.proto))
	}
	if err != nil {
		s.writeError(w, req, lferr.Wrap(lferr.InternalService, err, "Cannot encode the response: %v", err))
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// decode reads req's JSON body into v: unknown fields are ignored (newer
// clients send more), wrong types and malformed JSON are
// SerializationException. An empty body is {}.
func decode(req *request, v any) error {
	b := req.body
	if len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			if te.Field == "" {
				// te.Type would name the Go input type, which is not the
				// client's business (and changes with the code).
				return &wireErr{code: "SerializationException", status: 400, msg: "The request body must be a JSON object, not JSON " + te.Value + "."}
			}
			return &wireErr{code: "SerializationException", status: 400, msg: "Field " + quote(te.Field) + " has the wrong type: expected " + te.Type.String() + ", got JSON " + te.Value + "."}
		}
		return &wireErr{code: "SerializationException", status: 400, msg: "The request body is not valid JSON: " + err.Error()}
	}
	return nil
}

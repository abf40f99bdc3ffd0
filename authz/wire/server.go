package wire

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
	"github.com/sluicedb/sluice/authz/sts"
)

// Defaults of a Server.
const (
	DefaultMaxBody     = 1 << 20
	DefaultMaxInFlight = 64
	// AdminUserName is the IAM user Bootstrap creates: the lake's
	// administrator on the wire.
	AdminUserName = "sluice-admin"
)

// Options configure a Server. The zero value gives the defaults.
type Options struct {
	// Logger receives one line per request (method, op, principal, status,
	// duration); nil discards.
	Logger *slog.Logger
	// MaxBody caps request bodies (DefaultMaxBody when 0).
	MaxBody int64
	// MaxInFlight bounds concurrent requests; beyond it the answer is 503
	// ThrottlingException (DefaultMaxInFlight when 0).
	MaxInFlight int
	// Now is the clock for SigV4 skew and STS (time.Now when nil).
	Now func() time.Time
}

// Server serves Lake Formation, Glue, STS and IAM for one control plane.
type Server struct {
	cp      *authz.ControlPlane
	sealer  *iam.Sealer
	cache   *iam.PolicyCache
	sem     chan struct{}
	log     *slog.Logger
	now     func() time.Time
	maxBody int64
	account string
	region  string
	// adminArn is the IAM user whose requests act as the home's
	// administrator (authz.ControlPlane.Admin).
	adminArn string
}

// New returns a Server over cp. It uses the home's sealer to recover the
// secrets SigV4 verification needs and to seal the IAM access keys it
// mints.
func New(cp *authz.ControlPlane, opts Options) (*Server, error) {
	sealer := cp.Sealer()
	if sealer == nil {
		return nil, lferr.AssertionFailedf("the control plane has no sealer")
	}
	s := &Server{cp: cp, sealer: sealer, cache: iam.NewPolicyCache(4096), log: opts.Logger, now: opts.Now,
		maxBody: opts.MaxBody, account: cp.AccountID(), region: cp.Region()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBody
	}
	n := opts.MaxInFlight
	if n <= 0 {
		n = DefaultMaxInFlight
	}
	s.sem = make(chan struct{}, n)
	s.adminArn = iam.UserARN(s.account, "/", AdminUserName)
	return s, nil
}

// stsIn is an STS service over one transaction.
func (s *Server) stsIn(tx *store.Tx) *sts.Service {
	return &sts.Service{Dir: iam.AsDirectory(iam.BoltRecords{Tx: tx}), Store: sts.BoltStore{Tx: tx}, Rand: rand.Reader,
		Sealer: s.sealer, Cache: s.cache}
}

// protocol is the wire protocol of a request.
type protocol uint8

const (
	restJSON protocol = iota // Lake Formation
	awsJSON                  // Glue
	awsQuery                 // STS, IAM
)

// request is one call being served.
type request struct {
	id      string
	proto   protocol
	service string // signing name: lakeformation, glue, sts, iam
	op      string
	body    []byte
	form    url.Values
	who     identity
	ctx     context.Context
}

// identity is an authenticated caller.
type identity struct {
	p sts.Principal
	// caller is the facade caller: Admin() for the administrator user, the
	// role session otherwise; zero (NoCaller) for other IAM users, which the
	// facade does not serve.
	caller authz.Caller
	admin  bool
}

func (id identity) arn() string {
	if id.p.ARN != "" {
		return id.p.ARN
	}
	return "-"
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// statusWriter records the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// ServeHTTP routes per aws-wire.md §8: X-Amz-Target AWSGlue.* → Glue; a
// form post → STS or IAM (by Version); POST /<Op> → Lake Formation.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	w := &statusWriter{ResponseWriter: rw}
	req := &request{id: newRequestID(), ctx: r.Context()}
	defer func() {
		if v := recover(); v != nil {
			// A bug must not take the server down nor leak internals.
			s.log.Error("panic serving request", "request_id", req.id, "op", req.op, "panic", v)
			if w.status == 0 {
				s.writeError(w, req, lferr.AssertionFailedf("internal error (request %s)", req.id))
			}
		}
		s.log.Info("request", "method", r.Method, "service", req.service, "op", req.op, "principal", req.who.arn(),
			"status", w.status, "duration", time.Since(start), "request_id", req.id)
	}()
	w.Header().Set("X-Amzn-Requestid", req.id)
	if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
		return
	}
	s.route(r, req)
	select {
	case s.sem <- struct{}{}:
		defer func() { <-s.sem }()
	default:
		s.writeError(w, req, &wireErr{code: "ThrottlingException", query: "Throttling", status: http.StatusServiceUnavailable,
			msg: "Rate exceeded: too many requests in flight; retry later."})
		return
	}
	if r.Method != http.MethodPost {
		s.writeError(w, req, &wireErr{code: "UnknownOperationException", query: "InvalidAction", status: 404,
			msg: "Only POST requests are served (and GET /healthz)."})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			s.writeError(w, req, &wireErr{code: "SerializationException", query: "ValidationError", status: http.StatusRequestEntityTooLarge,
				msg: "The request body exceeds the limit of " + strconv.FormatInt(s.maxBody, 10) + " bytes."})
			return
		}
		s.writeError(w, req, &wireErr{code: "SerializationException", query: "ValidationError", status: 400, msg: "Cannot read the request body."})
		return
	}
	req.body = body
	if req.proto == awsQuery {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			s.writeError(w, req, &wireErr{code: "SerializationException", query: "MalformedQueryString", status: 400, msg: "The form body is not valid application/x-www-form-urlencoded."})
			return
		}
		req.form = form
		req.op = form.Get("Action")
		switch form.Get("Version") {
		case stsVersion:
			req.service = "sts"
		case iamVersion:
			req.service = "iam"
		case "":
			s.writeError(w, req, &wireErr{query: "MissingParameter", status: 400, msg: "The request must contain the parameter Version."})
			return
		default:
			s.writeError(w, req, &wireErr{query: "InvalidAction", status: 400, msg: "Version " + quote(form.Get("Version")) + " is not served: use 2011-06-15 (STS) or 2010-05-08 (IAM)."})
			return
		}
		if req.op == "" {
			s.writeError(w, req, &wireErr{query: "MissingAction", status: 400, msg: "The request must contain the parameter Action."})
			return
		}
	}
	h := s.handler(req)
	if h == nil {
		s.writeError(w, req, unknownOp(req))
		return
	}
	if err := s.authenticate(r, req); err != nil {
		s.writeError(w, req, err)
		return
	}
	out, err := h(s, req)
	if err != nil {
		s.writeError(w, req, err)
		return
	}
	s.writeResult(w, req, out)
}

// route picks the protocol and service; the operation of a form post is
// read with its body.
func (s *Server) route(r *http.Request, req *request) {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		req.proto, req.service = awsJSON, "glue"
		op, ok := strings.CutPrefix(t, "AWSGlue.")
		if !ok {
			req.op = ""
			req.service = "?"
			return
		}
		req.op = op
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "application/x-www-form-urlencoded" {
		req.proto, req.service = awsQuery, "sts"
		return
	}
	req.proto, req.service = restJSON, "lakeformation"
	req.op = strings.TrimPrefix(r.URL.Path, "/")
}

func unknownOp(req *request) error {
	if req.proto == awsQuery {
		return &wireErr{query: "InvalidAction", status: 400, msg: "Could not find operation " + quote(req.op) + " for service " + req.service + "."}
	}
	return &wireErr{code: "UnknownOperationException", status: 400, msg: "Operation " + quote(req.op) + " is not served by sluice's " + req.service + " endpoint."}
}

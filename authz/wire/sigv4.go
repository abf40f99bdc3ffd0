package wire

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluicedb/sluice/authz/lferr"
)

// MaxSkew is how far a request's X-Amz-Date may be from the server clock
// (AWS allows ±5 minutes).
const MaxSkew = 5 * time.Minute

const amzDateFormat = "20060102T150405Z"

// SigV4 is a parsed Authorization header (AWS4-HMAC-SHA256).
type SigV4 struct {
	AccessKeyID   string
	Date          string // scope date yyyymmdd
	Region        string
	Service       string
	SignedHeaders string // as sent, ";"-separated, lower case
	Signature     string // hex
}

// authErr builds an authentication failure with the JSON protocols' code;
// queryCode maps it to the awsQuery name (STS, IAM).
type authErr struct {
	json, query lferr.Code
	msg         string
}

func (e *authErr) Error() string { return string(e.json) + ": " + e.msg }

func missingAuth(msg string) error {
	return &authErr{json: "MissingAuthenticationTokenException", query: "MissingAuthenticationToken", msg: msg}
}

func incomplete(msg string) error {
	return &authErr{json: "IncompleteSignatureException", query: "IncompleteSignature", msg: msg}
}

func badSignature(msg string) error {
	return &authErr{json: "InvalidSignatureException", query: "SignatureDoesNotMatch", msg: msg}
}

// ParseAuthorization parses an AWS4-HMAC-SHA256 Authorization header. It
// never panics on arbitrary input.
func ParseAuthorization(h string) (SigV4, error) {
	var s SigV4
	if h == "" {
		return s, missingAuth("Missing Authentication Token: the request carries no Authorization header.")
	}
	const algo = "AWS4-HMAC-SHA256"
	rest, ok := strings.CutPrefix(h, algo)
	if !ok || (len(rest) > 0 && rest[0] != ' ') {
		return s, incomplete("Authorization header must use the AWS4-HMAC-SHA256 algorithm.")
	}
	var cred string
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return s, incomplete("Authorization header has a malformed component " + quote(part) + ".")
		}
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			s.SignedHeaders = v
		case "Signature":
			s.Signature = v
		default:
			return s, incomplete("Authorization header has an unknown component " + quote(k) + ".")
		}
	}
	if cred == "" || s.SignedHeaders == "" || s.Signature == "" {
		return s, incomplete("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.")
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || parts[0] == "" || len(parts[1]) != 8 || parts[2] == "" || parts[3] == "" {
		return s, incomplete("Credential must have the form AKID/yyyymmdd/region/service/aws4_request, got " + quote(cred) + ".")
	}
	s.AccessKeyID, s.Date, s.Region, s.Service = parts[0], parts[1], parts[2], parts[3]
	if len(s.Signature) != 64 {
		return s, incomplete("Signature must be 64 hex characters.")
	}
	if _, err := hex.DecodeString(s.Signature); err != nil {
		return s, incomplete("Signature is not hex.")
	}
	prev := ""
	for _, name := range strings.Split(s.SignedHeaders, ";") {
		if name == "" || name != strings.ToLower(name) || name <= prev {
			return s, incomplete("SignedHeaders must be sorted, lower-case and non-empty: " + quote(s.SignedHeaders) + ".")
		}
		prev = name
	}
	if !strings.Contains(";"+s.SignedHeaders+";", ";host;") {
		return s, incomplete("SignedHeaders must include host.")
	}
	return s, nil
}

func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return "'" + strings.ToValidUTF8(s, "?") + "'"
}

// CheckDate checks X-Amz-Date: well formed, equal to the scope date, and
// within MaxSkew of now.
func CheckDate(r *http.Request, s SigV4, now time.Time) (time.Time, error) {
	raw := r.Header.Get("X-Amz-Date")
	if raw == "" {
		return time.Time{}, incomplete("The request must carry an X-Amz-Date header (the Date header is not supported).")
	}
	t, err := time.Parse(amzDateFormat, raw)
	if err != nil {
		return time.Time{}, incomplete("X-Amz-Date " + quote(raw) + " is not in the form 20060102T150405Z.")
	}
	if raw[:8] != s.Date {
		return time.Time{}, badSignature("Credential should be scoped to a valid date: the scope date " + s.Date + " differs from X-Amz-Date " + raw + ".")
	}
	if d := now.Sub(t); d > MaxSkew || d < -MaxSkew {
		return time.Time{}, badSignature("Signature expired: " + raw + " is now earlier than " + now.Add(-MaxSkew).UTC().Format(amzDateFormat) +
			" (" + now.UTC().Add(MaxSkew).Format(amzDateFormat) + " - 5 min.)")
	}
	return t, nil
}

// Verify recomputes the signature of r (with body) using secret and the
// optional session token, re-signing a fresh request that carries exactly
// the client's SignedHeaders (aws-wire.md §6, Method A), and compares in
// constant time.
func Verify(r *http.Request, body []byte, s SigV4, signedAt time.Time, secret, token string) error {
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != payloadHash && h != "UNSIGNED-PAYLOAD" {
		return badSignature("X-Amz-Content-Sha256 does not match the request body.")
	}
	u := &url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	clone := &http.Request{Method: r.Method, URL: u, Host: r.Host, Header: make(http.Header), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	for _, name := range strings.Split(s.SignedHeaders, ";") {
		switch name {
		case "host":
			continue
		case "content-length":
			clone.ContentLength = r.ContentLength
			continue
		case "x-amz-security-token":
			if r.Header.Get("X-Amz-Security-Token") != token {
				return badSignature("The signed session token differs from the one presented.")
			}
			continue
		}
		vals := r.Header.Values(name)
		if len(vals) == 0 {
			return badSignature("Signed header " + quote(name) + " is missing from the request.")
		}
		for i, v := range vals {
			vals[i] = strings.Join(strings.Fields(v), " ")
		}
		clone.Header.Set(name, strings.Join(vals, ","))
	}
	creds := aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: secret, SessionToken: token}
	// A signer per verification: the SDK signer caches derived keys by
	// access key id and day, not by secret, so a shared one would accept
	// a signature made with a different secret for a key id it has seen.
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, clone, payloadHash, s.Service, s.Region, signedAt); err != nil {
		return badSignature("The request signature could not be recomputed: " + err.Error())
	}
	got, err := ParseAuthorization(clone.Header.Get("Authorization"))
	if err != nil {
		return badSignature("The request signature could not be recomputed.")
	}
	if got.SignedHeaders != s.SignedHeaders {
		return badSignature("The request signature we calculated does not match the signature you provided (signed headers differ).")
	}
	if !hmac.Equal([]byte(got.Signature), []byte(s.Signature)) {
		return badSignature("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
	}
	return nil
}

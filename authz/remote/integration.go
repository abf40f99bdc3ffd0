package remote

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	lftypes "github.com/aws/aws-sdk-go-v2/service/lakeformation/types"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
)

// maxResponse caps a raw response body; metadata answers are small, and
// an endpoint streaming without end must not exhaust the engine's memory.
const maxResponse = 64 << 20

// GetUnfilteredTableMetadata is sent raw (see doc.go): the answer decodes
// into the api shape with ColumnMasks intact.
func (c *Client) GetUnfilteredTableMetadata(ctx context.Context, in *api.GetUnfilteredTableMetadataInput) (*api.GetUnfilteredTableMetadataOutput, error) {
	if in == nil {
		return nil, lferr.New(lferr.InvalidInput, "GetUnfilteredTableMetadata: no request")
	}
	var out api.GetUnfilteredTableMetadataOutput
	if err := c.callGlue(ctx, "GetUnfilteredTableMetadata", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetUnfilteredPartitionsMetadata is sent raw too, so partitions' answers
// carry exactly what the server sent (same shapes as in process).
func (c *Client) GetUnfilteredPartitionsMetadata(ctx context.Context, in *api.GetUnfilteredPartitionsMetadataInput) (*api.GetUnfilteredPartitionsMetadataOutput, error) {
	if in == nil {
		return nil, lferr.New(lferr.InvalidInput, "GetUnfilteredPartitionsMetadata: no request")
	}
	var out api.GetUnfilteredPartitionsMetadataOutput
	if err := c.callGlue(ctx, "GetUnfilteredPartitionsMetadata", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) GetTemporaryGlueTableCredentials(ctx context.Context, in *api.GetTemporaryGlueTableCredentialsInput) (*api.GetTemporaryGlueTableCredentialsOutput, error) {
	if in == nil {
		return nil, lferr.New(lferr.InvalidInput, "GetTemporaryGlueTableCredentials: no request")
	}
	req := &lakeformation.GetTemporaryGlueTableCredentialsInput{TableArn: aws.String(in.TableArn), S3Path: optString(in.S3Path)}
	if in.DurationSeconds != 0 {
		req.DurationSeconds = aws.Int32(in.DurationSeconds)
	}
	for _, p := range in.Permissions {
		req.Permissions = append(req.Permissions, lftypes.Permission(p))
	}
	for _, p := range in.SupportedPermissionTypes {
		req.SupportedPermissionTypes = append(req.SupportedPermissionTypes, lftypes.PermissionType(p))
	}
	if a := in.AuditContext; a != nil && a.AdditionalAuditContext != "" {
		req.AuditContext = &lftypes.AuditContext{AdditionalAuditContext: aws.String(a.AdditionalAuditContext)}
	}
	if q := in.QuerySessionContext; q != nil {
		req.QuerySessionContext = &lftypes.QuerySessionContext{QueryId: optString(q.QueryId), ClusterId: optString(q.ClusterId),
			QueryAuthorizationId: optString(q.QueryAuthorizationId), AdditionalContext: q.AdditionalContext}
		if q.QueryStartTime != nil {
			req.QuerySessionContext.QueryStartTime = aws.Time(q.QueryStartTime.Time)
		}
	}
	r, err := c.lf.GetTemporaryGlueTableCredentials(ctx, req)
	if err != nil {
		return nil, mapErr("GetTemporaryGlueTableCredentials", err)
	}
	out := &api.GetTemporaryGlueTableCredentialsOutput{AccessKeyId: aws.ToString(r.AccessKeyId), SecretAccessKey: aws.ToString(r.SecretAccessKey),
		SessionToken: aws.ToString(r.SessionToken), VendedS3Path: r.VendedS3Path}
	if r.Expiration != nil {
		out.Expiration = api.NewTime(*r.Expiration)
	}
	return out, nil
}

// callGlue sends one awsJson1.1 Glue request signed with the role
// session's credentials and decodes the reply into out, or the error
// reply into an lferr error with the server's code and message.
func (c *Client) callGlue(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return lferr.Wrap(lferr.InvalidInput, err, "%s: cannot encode the request: %v", op, err)
	}
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return mapErr(op+": renewing the role session", err)
	}
	var b []byte
	var resp *http.Response
	for attempt := 0; ; attempt++ {
		resp, b, err = c.send(ctx, op, body, creds)
		if err != nil {
			return err
		}
		// Throttling (the server's bounded concurrency) and unavailability
		// are retried like the SDK's standard retryer does; anything else
		// is an answer.
		if (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) || attempt == maxAttempts-1 {
			break
		}
		select {
		case <-ctx.Done():
			return mapErr(op, ctx.Err())
		case <-time.After(time.Duration(50<<attempt) * time.Millisecond):
		}
	}
	if resp.StatusCode/100 != 2 {
		return wireError(op, resp, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return lferr.Wrap(lferr.InternalService, err, "%s: the endpoint's reply does not decode: %v", op, err)
	}
	return nil
}

// maxAttempts bounds the raw calls' retries of throttled requests.
const maxAttempts = 3

// send signs and sends one attempt (a fresh signature each time, so a
// retry never replays a stale date) and reads the capped reply.
func (c *Client) send(ctx context.Context, op string, body []byte, creds aws.Credentials) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return nil, nil, lferr.Wrap(lferr.InvalidInput, err, "%s: bad endpoint %q: %v", op, c.endpoint, err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSGlue."+op)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "glue", c.region, time.Now()); err != nil {
		return nil, nil, lferr.Wrap(lferr.InternalService, err, "%s: cannot sign the request: %v", op, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, mapErr(op, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, nil, mapErr(op, err)
	}
	if len(b) > maxResponse {
		return nil, nil, lferr.New(lferr.InternalService, "%s: the endpoint's reply exceeds %d bytes", op, maxResponse)
	}
	return resp, b, nil
}

// wireError decodes an awsJson1.1 error reply: the code from __type (or
// the X-Amzn-ErrorType header), the message from message or Message.
func wireError(op string, resp *http.Response, b []byte) error {
	var e struct {
		Type    string `json:"__type"`
		Code    string `json:"code"`
		Message string `json:"message"`
		Msg     string `json:"Message"`
	}
	_ = json.Unmarshal(b, &e)
	name := e.Type
	if name == "" {
		name = resp.Header.Get("X-Amzn-ErrorType")
	}
	if name == "" {
		name = e.Code
	}
	msg := e.Message
	if msg == "" {
		msg = e.Msg
	}
	if name == "" {
		return lferr.New(lferr.InternalService, "%s: HTTP %d from the endpoint: %.200s", op, resp.StatusCode, b)
	}
	if msg == "" {
		msg = op + ": " + name
	}
	return lferr.New(codeFromWire(name), "%s", msg)
}

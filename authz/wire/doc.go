// Package wire serves sluice's control plane over the AWS wire protocols
// real clients speak (aws-wire.md): Lake Formation (restJson1, POST
// /<Operation>), the Glue Data Catalog (awsJson1.1, X-Amz-Target
// AWSGlue.<Operation>), STS (awsQuery, Version 2011-06-15) and enough of
// IAM (awsQuery, Version 2010-05-08) to set a lake up with the AWS CLI —
// all on one port, as `sluice serve`.
//
// It owns the protocol layer only: routing, body caps and decoding,
// SigV4 verification, the mapping of typed errors (authz/lferr) to each
// protocol's error shape and status, bounded concurrency, request logs,
// and the bootstrap of the administrator's credentials. Every decision is
// the control plane's: Glue and integration calls go through the facade's
// api.Client for the caller (authz.ControlPlane.ClientFor), Lake Formation
// administration through authz/lf and authz/lftag, STS through authz/sts
// and IAM through authz/iam, over the home's one database.
//
// Who calls. Requests are authenticated by SigV4 (re-signing a fresh
// request that carries exactly the client's SignedHeaders with the SDK
// signer, constant-time comparison, ±5 min skew, scope service = the
// routed API, scope region = the home's region, scope date = X-Amz-Date).
// Temporary keys (ASIA…) are the home's STS role sessions: unknown or
// revoked → UnrecognizedClientException / InvalidClientTokenId, expired →
// ExpiredTokenException / ExpiredToken. Long-term keys (AKIA…) are IAM
// users'. The IAM user sluice-admin, created by Bootstrap on first start
// and listed as a data lake administrator, acts as the home's
// administrator (ControlPlane.Admin) on Glue and LF; other IAM users may
// use IAM and STS (to assume roles) but not Glue or LF, which serve
// engines through role sessions (VISION rule 1). IAM is evaluated on every
// operation (iam.RequiredActions; explicit deny wins) before Lake
// Formation.
//
// LF administration that authz/lf or authz/lftag expose without a caller
// (registration, LF-tags and LF-tag expressions, reading data cells
// filter definitions) is served to data lake administrators only; grants,
// revokes, listings and filter creation pass the caller to authz/lf,
// which applies LF's own rules (grant option, administrators).
//
// Operations. Each protocol has one table from operation name to
// handler (glueOps, lfOps, stsOps, iamOps). ServeHTTP routes, reads the
// body, authenticates, maps errors to the protocol's shape and encodes
// the reply once for all of them; jsonOp (LF, Glue) decodes the body into
// the operation's input type and queryOp (STS, IAM) checks its required
// parameters and wraps the OpResult, so a handler holds only what is its
// own: validation, the authorization gate, the call, the reply's shape.
// Operations that differ only in the backing function (grant and revoke,
// create and update, the LF-tag calls) are one handler over that
// function.
//
// There is no replay cache: botocore signs only content-type, host,
// x-amz-date and the token, so two identical calls within one second (a
// quick retry, a repeated lookup) carry the same signature and must both
// be served, as AWS serves them.
//
// Wire conventions (aws-wire.md §8): JSON errors carry the code in both
// X-Amzn-Errortype and the body's __type (botocore reads only the body
// for Glue); Glue answers AccessDenied with 400, LF with 403; awsQuery
// errors are an XML ErrorResponse; JSON timestamps are epoch-second
// numbers (api.Time), XML ones ISO-8601; every reply has
// X-Amzn-Requestid. Unknown JSON fields are ignored (newer clients send
// more); wrong types are SerializationException.
package wire

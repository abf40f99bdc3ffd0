// Package remote is the second implementation of the engine's contract
// (authz/api.Client): Glue, Lake Formation and STS over the wire through
// aws-sdk-go-v2, against any LF-compatible endpoint (`sluice serve`, or the
// real services).
//
// New assumes the engine's end-user role with the
// LakeFormationAuthorizedCaller session tag, using the engine's own
// credentials (the standard AWS chain by default), and renews that role
// session before it expires (aws.CredentialsCache over stscreds). Every
// contract call is then signed with the role session's credentials.
//
// Faithfulness rules:
//   - Catalog calls and GetTemporaryGlueTableCredentials go through the SDK
//     service clients and are converted field by field to authz/api shapes.
//   - GetUnfilteredTableMetadata and GetUnfilteredPartitionsMetadata are
//     sent as raw awsJson1.1 requests signed with the SDK's SigV4 signer and
//     decoded straight into the api shapes: the SDK's typed output has no
//     ColumnMasks (sluice's extension field) and drops unknown fields, and an
//     engine that lost a mask would get a wider answer than in process.
//   - Errors keep the server's exception name (smithy.APIError.ErrorCode,
//     or the JSON error's __type) as their lferr code and the server's
//     message; transport failures are InternalServiceException.
//
// Files: remote.go (Config, New, the role session), glue.go (Catalog and
// type conversions), integration.go (the integration calls), errors.go.
package remote

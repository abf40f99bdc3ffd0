// Package cred owns sluice's vended credentials for local object stores
// (file:// and mem:// locations), where no STS can scope an access key to
// a prefix (VISION rule 11).
//
// The control plane mints a credential (Signer.Mint) for one location
// prefix, a scope (read-only for SELECT, read-write for INSERT/DELETE) and
// an expiry. It has the wire shape of AWS temporary credentials (an access
// key id, a secret access key and a session token) so it travels through
// GetTemporaryGlueTableCredentials unchanged:
//
//	SessionToken    = base64url(JSON claims) "." base64url(HMAC-SHA256(key, "sluice-cred-v1\n" || claims))
//	AccessKeyId     = "ASIA" + base32 of the claims' nonce (16 characters)
//	SecretAccessKey = base64url(HMAC-SHA256(key, "sluice-secret-v1\n" || SessionToken))
//
// The claims are {prefix URI, scope, expiry, nonce}. The key is a random
// 32-byte signing key kept in the sluice home (LoadOrCreateKey, mode 0600).
//
// The storage side (Signer.Guard) returns a storage.Guard that re-verifies
// the whole credential on EVERY List/Open/Create/Delete: the signature, the
// secret and access key id bound to the token, the expiry against the clock
// it is given, that the accessed URI lies inside the prefix (a '/'-boundary
// match after normalisation; '..' segments are refused outright; the local
// store itself refuses symbolic links leading out of its root), and that
// the operation is within the scope. A refusal is lferr.AccessDenied, or
// lferr.Expired for an expired credential.
//
// This package sits in the data plane: it may import storage and
// authz/lferr only (the storage dependency test enforces it).
package cred

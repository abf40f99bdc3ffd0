// Package sts is sluice's Security Token Service: AssumeRole with session
// tags, transitive tags and session policies, checked against the caller's
// identity policies and the role's trust policy with authz/iam; temporary
// credentials (ASIA… access key id, secret, session token) of which only
// hashes are stored; validation of presented credentials at a given time
// (ExpiredToken, InvalidClientTokenId); revocation by session or by role;
// GetCallerIdentity.
//
// Like authz/iam it is a pure library: no I/O besides its Store, no
// goroutines, time passed in. Randomness comes from the io.Reader given
// (crypto/rand.Reader in production).
//
// The session token is the session's secret sealed (AES-GCM, iam.Sealer)
// under the home's key and bound to the access key id: the server keeps
// only SHA-256 hashes of the secret and of the token, yet a SigV4 verifier
// presented with (access key id, session token) can recover the secret it
// needs to recompute the signature — as AWS's own session tokens carry
// encrypted session state.
package sts

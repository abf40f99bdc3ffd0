// Package authz is sluice's control plane: the Lake Formation-compatible
// authority that decides what each principal may see, and the facade the
// rest of sluice opens.
//
// This package owns the facade: Open lays out and opens a sluice home
// (HOME/catalog.db, the one control-plane database; HOME/warehouse/, the
// root of default table locations), holds the account id and region
// defaults, exposes the catalog version that caches key on, and implements
// the engine ↔ control-plane contract (api.Client) in process through
// ClientFor. The engine reaches the control plane only through that
// contract; the same contract is served over the wire and implemented
// remotely over the AWS SDK, so nothing here may depend on being in process.
//
// Subpackages own the parts: authz/store (persistence, transactions,
// version), authz/catalog (the Glue Data Catalog), authz/iam, authz/sts,
// authz/rowfilter, authz/mask, and the shared seams authz/api (wire shapes
// and the contract) and authz/lferr (typed errors).
//
// Decisions are pure functions of a read snapshot and the request (see
// decide.go): no I/O, no clock, no randomness inside them; the facade reads
// the snapshot, draws the QueryAuthorizationId and calls them.
//
// Current scope: every table is answered as Lake Formation answers for a
// table whose access is decided by IAM alone (IAMAllowedPrincipals holding
// ALL): full table, all columns authorized, no filters, not registered with
// Lake Formation (so no credential vending). Only the administrator caller
// is accepted; role-session callers are refused (fail closed) until IAM
// evaluation and STS sessions are wired in.
//
// authz may import storage only to mint credentials, never planner (except
// planner/types), exec or engine.
package authz

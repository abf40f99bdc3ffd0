// Package authz is sluice's control plane: the Lake Formation-compatible
// authority that decides what each principal may see, and the facade the
// rest of sluice opens.
//
// This package owns the facade: Open lays out and opens a sluice home
// (HOME/catalog.db, the one control-plane database; HOME/warehouse/, the
// root of default table locations; HOME/keys/ with the sealing and vending
// keys; HOME/audit.log), holds the account id and region defaults, exposes
// the catalog version that caches key on, and implements the engine ↔
// control-plane contract (api.Client) in process through ClientFor. The
// engine reaches the control plane only through that contract; the same
// contract is served over the wire and implemented remotely over the AWS
// SDK, so nothing here may depend on being in process.
//
// Callers (caller.go). The administrator (Admin(), the account root) is
// the lake's super-user: every call is allowed, decisions are the whole
// table, unmasked, and no caller validation applies. Role sessions are
// issued by STS in the home (AssumeRole, stored hashed in catalog.db),
// presented back (Authenticate), or opened for an in-process engine by
// CallerForRole: the administrator assumes the engine role sluice-engine
// (created on first use; trust: the account root with sts:AssumeRole and
// sts:TagSession; policy: sts:AssumeRole and sts:TagSession on the
// account's roles), whose session assumes the user's role with the
// LakeFormationAuthorizedCaller tag — so the user's role must trust the
// account (or sluice-engine) for sts:AssumeRole and sts:TagSession. Every
// call of a role session re-checks the stored session (revoked, expired)
// and evaluates IAM (iam.RequiredActions; explicit deny wins) before
// anything is read.
//
// Integration calls (integration.go): IAM, then the table, the caller's
// effective access (LakeFormation: authz/lf by default), the registration
// and the masks are read in one transaction; the caller is validated
// (ValidateCaller, VISION rule 1); the pure Decide (decision.go) computes
// the answer; credentials for registered file:// locations are minted by
// storage/cred (rule 11). Every integration call, allowed or refused, is
// appended to the audit log (authz/audit) and fsynced before the answer is
// returned; if that fails the call fails (rule 13). Role sessions get the
// same AccessDenied for a missing table as for one they may not see.
//
// Catalog calls (client.go): IAM for role sessions, then Lake Formation:
// GetTable/GetTables show only visible tables and authorized columns (rule
// 8); CreateTable needs CREATE_TABLE on the database, UpdateTable ALTER,
// DeleteTable DROP, BatchCreatePartition INSERT or ALTER on the whole
// table, DeleteDatabase DROP, CreateDatabase CREATE_DATABASE on the
// catalog. A role session's catalog-call decisions
// are audited too (the IAM gate's, and GetTable's LF refusal).
//
// Explain (explain.go) gives the administrator the resolved access and the
// decision for any principal and table.
//
// Subpackages own the parts: authz/store (persistence, transactions,
// version), authz/catalog (the Glue Data Catalog), authz/iam, authz/sts,
// authz/lf (settings, grants, filters, resolver), authz/lftag,
// authz/rowfilter, authz/mask, authz/maskpolicy (mask policies),
// authz/audit, and the shared seams authz/api (wire shapes and the
// contract) and authz/lferr (typed errors).
//
// Caches (cache.go, caller.go): what a decision reads from the store — the
// decoded table, its registration, the settings, the resolved TableAccess
// and the mask candidates per (table, principal set), the stored STS
// session, and the IAM role/user/managed-policy records — is memoized per
// catalog version (lf.VersionCache; STYLE §3 item 3). Every write
// transaction bumps the version, so nothing is invalidated: an entry
// computed at another version is never served. Only read transactions use
// them, errors are never cached, and checks that depend on the clock or on
// the session's tags (expiry, revocation cut-off, caller validation) run on
// every call. A substituted LakeFormation model (tests) turns the decision
// cache off, since its answers do not come from the versioned store.
//
// Decisions are pure functions of a read snapshot and the request (see
// decision.go and decide.go): no I/O, no clock, no randomness inside them;
// the facade reads the snapshot, draws the QueryAuthorizationId and calls
// them.
//
// authz may import storage only to mint credentials, never planner (except
// planner/types), exec or engine.
package authz

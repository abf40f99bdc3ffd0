// Package declare is sluice's declarative lake setup: a YAML (or JSON)
// file whose field names are the Lake Formation, Glue and IAM API shapes
// (authz/api, authz/lf, authz/iam), parsed strictly (Parse: an unknown
// field or a wrong type is an InvalidInputException naming the line) and
// applied idempotently to a control plane (Apply).
//
// Apply runs the whole file in ONE transaction of the control-plane
// database, calling the same transaction-scoped functions the APIs use
// (catalog.Txn, lftag.Txn, lf.*, maskpolicy.*, iam.Admin over
// iam.BoltRecords), so validation and error codes are the APIs' and a
// file that fails half way leaves nothing applied. Each object is read
// first and written only when the file asks for something it does not
// have, so applying a file twice writes nothing the second time and the
// catalog version does not move. Nothing is deleted unless the file sets
// Prune (see Lake.Prune for exactly what that removes).
//
// The caller of Apply is the home's owner (lf.Caller{Trusted: true}); the
// file is an administrator's artefact, never a network request.
package declare

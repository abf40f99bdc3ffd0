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
// Sections, applied in this order so later ones may name what earlier
// ones create (Lake documents each): Settings (PutDataLakeSettings,
// replaced whole), ManagedPolicies, Users, Roles (with Persona, inline
// Policies, ManagedPolicyArns, Tags), Databases with their Tables (Glue
// DatabaseInput / TableInput), RegisteredLocations, LFTags,
// LFTagExpressions, LFTagAssignments (AddLFTagsToResource),
// DataCellsFilters, ColumnMasks (sluice's extension), Grants
// (GrantPermissions), and Prune. testdata/lakes holds worked examples:
// tag-example.yaml (the LF guide's LF-TBAC example) and sales.yaml.
//
// Files: lake.go (the file's shape, Parse), decode.go (the strict
// YAML/JSON decoder over the API shapes), apply.go (Apply, Report,
// Settings), apply_iam.go (policies, users, roles), apply_catalog.go
// (databases, tables, locations), apply_lf.go (LF-tags, assignments,
// filters, masks, grants, pruning), spec.go (the admin CLI's short resource specs: ParseResource,
// ResourceString, PrincipalARN).
//
// The caller of Apply is the home's owner (lf.Caller{Trusted: true}); the
// file is an administrator's artefact, never a network request.
package declare

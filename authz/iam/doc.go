// Package iam is sluice's model of AWS Identity and Access Management as far
// as the control plane needs it: ARNs, policy documents (parsed exactly as
// IAM accepts them), condition operators and keys, and the IAM decision
// (explicit deny > allow > implicit deny) over identity, session and
// resource-based (trust) policies, with a diagnostic naming the statements
// that decided. It also holds the principal model (roles, users, managed
// policies; accounts are 12-digit ids with a root principal), the built-in
// AWS managed and Lake Formation persona policies, and the table of IAM
// actions each LF / Glue / STS API requires.
//
// Entry points:
//   - ParsePolicy(doc, kind) → *Policy (InvalidInputException naming the
//     problem; AsMalformed converts to MalformedPolicyDocument for IAM/STS).
//   - NewContext(action, resource, now).SetCaller(..).SetRequestTags(..).Set(..)
//     builds the request context; Evaluate(ctx, &Input{Identity, Session,
//     Resource, RequireBoth}) decides without allocating; Explain also lists
//     every matching statement; Result.Describe renders it; Result.Error
//     gives AWS's AccessDenied message.
//   - RequiredActions(service, op) and Authorize: spec §8.4 as a table,
//     checked on every resource ARN of the call (catalog, database, table).
//   - Admin: the IAM API (CreateRole, PutRolePolicy, AttachRolePolicy,
//     CreateUser, CreateAccessKey, CreatePolicy, CreatePersonaRole, …) over
//     Records: MemDirectory in memory, BoltRecords in one transaction of
//     the control-plane database (authz/store), so a call is all or nothing.
//   - Directory (read side): IdentityPolicies resolves a principal's inline
//     and attached policies; PolicyCache memoizes parsing.
//   - BuiltinPolicy / PersonaByName: AWS managed policies and LF personas.
//
// The package is pure: no I/O (beyond the Records given), no goroutines, no
// mutable package state; time enters as an argument, randomness as an
// io.Reader.
package iam

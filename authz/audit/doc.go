// Package audit owns sluice's audit log (VISION rule 13, spec §9): one JSON
// line per authorization decision and per credential vend, in
// HOME/audit.log, for answers and refusals alike.
//
// Log.Append writes the whole line with one write(2) on an O_APPEND file and
// fsyncs it before returning (concurrent appends share fsyncs: group
// commit without a goroutine); the control plane calls it before it returns
// an answer and fails the call when it fails, so no answer is ever given
// that the log does not hold. Events carry what CloudTrail's GetDataAccess
// events carry for LF (principal, session tags, action, resource, decision,
// error code and reason, QueryAuthorizationId, the engine's QueryId,
// AdditionalAuditContext) plus what the decision applied: authorized
// columns, row filter, data cells filters and masks by name.
//
// Read(home, filter) reads the log back for `sluice audit`; a torn last line
// (a crash mid-write) is skipped, any other malformed line is an error.
package audit

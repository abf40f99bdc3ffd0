// Package maskpolicy owns sluice's column mask policies (beyond Lake
// Formation, VISION "Beyond Lake Formation"): Create/Update/Delete/Get/
// ListColumnMask over api.ColumnMaskPolicy, persisted in the control-plane
// database (bucket "lf.masks", key CATALOG␟NAME), each call inside the
// caller's store transaction.
//
// A policy targets either one column of one table (DatabaseName,
// TableName, ColumnName) or an LF-tag value (TagKey, TagValue): every
// column whose effective LF-tags carry it. A column mask is type-checked
// with mask.Compile against the column's type and the table's other columns
// when it is created or updated. A tag mask cannot know its columns in
// advance: it must compile for at least one column type (with no other
// columns in scope), and the decision re-checks it against each column it
// reaches (CompileFor), failing closed when it does not fit.
//
// ForTable lists the candidates reaching one table's columns, given the
// columns' effective tags; the decision (authz.Decide) picks one per
// column: a column mask wins over tag masks, and two different tag masks
// on one column fail closed.
package maskpolicy

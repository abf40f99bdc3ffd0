// Package mask owns sluice's column masks (an extension beyond Lake
// Formation, VISION.md "Beyond Lake Formation"): CEL expressions that
// replace a column's value for some principals. It is part of the
// engine ↔ control-plane contract like authz/rowfilter: the control plane
// compiles (type-checks) a mask when it is created; the engine receives the
// mask text in GetUnfilteredTableMetadata.ColumnMasks, compiles it again,
// and asks for its residual for the session's principal.
//
// # The mask language
//
// A mask is a CEL expression whose result replaces the column's value. In
// scope:
//
//	value      the column's own value (never NULL: see below)
//	default    the type's constant default: false, 0, 0.0, '', 1970-01-01,
//	           1970-01-01 00:00:00
//	<column>   any other column of the row whose name is a plain CEL
//	           identifier (lower/upper letters, digits, '_'; not a CEL
//	           reserved word, not value/default/principal); NULL cells are
//	           CEL null (typed wrapper(T) for BOOLEAN/BIGINT/DOUBLE/DECIMAL/
//	           VARCHAR; DATE/TIMESTAMP columns are typed timestamp, so
//	           operating on a NULL one is an evaluation error)
//	principal  map: arn (string), account (string), tags (map of session
//	           tags). A missing tag key is an evaluation error: write
//	           `has(principal.tags.dept) && principal.tags.dept == "hr"` or
//	           `principal.tags.?dept.orValue("") == "hr"`.
//
// Column types map to CEL as BOOLEAN→bool, BIGINT→int, DOUBLE/DECIMAL→
// double, VARCHAR→string, DATE/TIMESTAMP→timestamp (a DATE result is
// floored to its UTC day). The result's type must be the column's type or
// null. CEL's standard library and the strings extension are available,
// plus the built-in masks (semantics follow the Iceberg REST catalog's
// read-restriction actions):
//
//	null                      NULL
//	redact(s)                 digits → 'n'; ( ) , . - @ kept; every other
//	                          character (letters, spaces, other punctuation,
//	                          any non-ASCII code point) → 'x'
//	show_first(s, n)          first n characters kept, the rest redacted
//	show_last(s, n)           last n characters kept, the rest redacted
//	sha256(s)                 lower-case hex SHA-256 of the UTF-8 bytes
//	truncate_date(t, "year")  first instant of t's year (or "month"), UTC
//	default                   the constant default above
//
// Shorthands: a mask text that is exactly `redact`, `sha256`, `identity`,
// `show_first(N)`, `show_last(N)` or `truncate_date(year|month)` applies
// that built-in to value.
//
// NULL in, NULL out: every mask maps a NULL cell to NULL without
// evaluating the expression (as the Iceberg actions do), so kernels never
// see NULL values and masks need no null checks on value.
//
// # Residuals
//
// (*Mask).Residual partially evaluates the mask for one principal (cel-go
// partial evaluation with value, default and every column unknown) and
// classifies what is left:
//
//	Identity  the residual is `value`: the mask costs nothing
//	Builtin   one built-in applied to value (or NULL, default, a constant):
//	          exec compiles it to a vectorized kernel
//	Fallback  anything else: a residual CEL program evaluated per row
//
// A mask that fails for the principal regardless of the row (e.g. a
// missing tag) yields AccessDenied: fail closed, never unmasked.
package mask

package access

// SelectGrant is one effective SELECT-bearing grant on a table.
type SelectGrant struct {
	// Columns lists the columns granted (names as in the table schema).
	// AllColumns means every column of the table except Excluded.
	AllColumns bool
	Columns    []string
	Excluded   []string

	// RowFilter is the row predicate in the LF row-filter grammar
	// (authz/rowfilter); "" means all rows (AllRowsWildcard / TRUE).
	RowFilter string

	// FilterName is the data cells filter this grant comes from, or "".
	FilterName string

	// Source explains where the grant comes from, for the explain feature
	// and audit: "grant SELECT on table sales.orders to arn:...:role/analyst",
	// "LF-tag policy module=Sales (TABLE) to ...", "data cells filter
	// restrict-pharma", "implicit: table creator", ...
	Source string
}

// TableAccess is a principal's effective access to one table.
type TableAccess struct {
	// IAMOnly is true when IAMAllowedPrincipals holds ALL on the table (and
	// the caller is not opted in to hybrid mode): access is decided by IAM
	// alone, and the answer is the full table (spec §4.6).
	IAMOnly bool

	// Permissions are the LF permissions held on the whole table without
	// any column or row restriction: ALL, SELECT, INSERT, DELETE, ALTER,
	// DROP, DESCRIBE (DESCRIBE implied by any other, spec §4.9).
	Permissions []string

	// Grantable are the permissions held with grant option.
	Grantable []string

	// Select are the SELECT-bearing grants, restricted or not. A
	// whole-table SELECT appears here too, as {AllColumns: true}.
	Select []SelectGrant

	// Explain lists every grant, tag match and implicit rule considered,
	// in a stable order.
	Explain []string
}

// Has reports whether p is among the whole-table permissions (ALL implies
// every table permission).
func (a *TableAccess) Has(p string) bool {
	for _, q := range a.Permissions {
		if q == p || q == "ALL" {
			return true
		}
	}
	return false
}

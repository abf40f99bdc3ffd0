// Package access holds the seam between Lake Formation's permission model
// (authz/lf: grants, LF-tags, implicit permissions) and the decision that
// answers GetUnfilteredTableMetadata (spec/lake-formation.md §6.3–6.5).
//
// The permission model resolves a principal's grants on one table into a
// TableAccess: whole-table permissions plus the list of SELECT-bearing grants
// G_i = (R_i row predicate, C_i column set). The decision combines them:
// rows visible where OR_i R_i holds; cell (r, c) visible where
// OR_{i: c ∈ C_i} R_i(r) holds; columns in no C_i do not exist.
//
// Pure types, no behaviour beyond small helpers.
package access

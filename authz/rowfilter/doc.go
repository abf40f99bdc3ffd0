// Package rowfilter owns Lake Formation's row-filter expression language:
// the restricted PartiQL subset of data cells filters (spec/lake-formation.md
// §6.2), which the control plane validates when a filter is created and the
// engine enforces when GetUnfilteredTableMetadata returns it as RowFilter or
// as a CellFilters entry. Both sides of that contract parse the same strings
// with this package, so it is pure (no I/O, no global mutable state) and
// imports nothing from authz except api and lferr.
//
// Pipeline:
//
//	Parse(text)            strict lexer + recursive-descent parser → Expr (AST)
//	Bind(expr, schema)     resolve columns against the table's Glue schema,
//	                       type-check, coerce literals to the column types
//	String(expr)           canonical text; Parse(String(e)) == e
//	ToCEL / CompileCEL     CEL translation with SQL three-valued logic
//	Eval / EvalCEL         row-at-a-time reference evaluators (tests and the
//	                       naive oracle of the differential policy tests)
//
// Grammar (keywords case-insensitive; precedence NOT > AND > OR):
//
//	expr      := and { OR and }
//	and       := not { AND not }
//	not       := NOT not | primary
//	primary   := '(' expr ')' | TRUE | FALSE | predicate
//	predicate := column cmp literal
//	           | column [NOT] IN '(' literal { ',' literal } ')'
//	           | column [NOT] BETWEEN literal AND literal
//	           | column [NOT] LIKE string [ESCAPE string]
//	           | column IS [NOT] NULL
//	cmp       := '=' | '<>' | '!=' | '<' | '<=' | '>' | '>='
//	column    := ident { '.' ident }          (nested struct paths)
//	ident     := [A-Za-z_][A-Za-z0-9_]*       (case-insensitive, stored lower-case)
//	           | '"' ( any | '""' )* '"'      (case-sensitive)
//	literal   := string | ['-'] number | TRUE | FALSE
//	string    := '\'' ( any | '\'\'' )* '\''  (valid UTF-8)
//	number    := digits ['.' digits] [exp] | '.' digits [exp]
//
// Rejected with lferr.InvalidInput and a message naming the problem and its
// position: function calls, column-to-column comparisons, arithmetic,
// subqueries, NULL as a comparison operand, date/time literals, unquoted
// reserved words, text over 2048 characters, nesting deeper than MaxDepth;
// and at Bind time: unknown or unaddressable columns, columns of types the
// spec does not support in row filters (DATE, TIMESTAMP, arrays, maps),
// literal/column type mismatches, ordering or LIKE on the wrong types, and
// IS [NOT] NULL on partition columns.
//
// # Three-valued logic
//
// SQL predicates are TRUE, FALSE or NULL (unknown); a row passes a filter
// only when the filter is TRUE. A comparison, IN, BETWEEN or LIKE on a NULL
// column value is NULL; NOT NULL is NULL; AND is FALSE if any operand is
// FALSE, else NULL if any is NULL; OR is TRUE if any operand is TRUE, else
// NULL if any is NULL. Eval implements these rules directly on the AST.
//
// CEL has no SQL NULL, so the translation models each column as a CEL
// optional (optional_type(T)): an absent optional is a NULL cell. Every AST
// node e is translated twice: T(e), the CEL bool "e is TRUE", and F(e), "e
// is FALSE" (NOT swaps them; AND/OR combine them by De Morgan; a leaf is
// x.hasValue() && cond or x.hasValue() && !cond). The full translation is
//
//	T(e) ? optional.of(true) : (F(e) ? optional.of(false) : optional.none())
//
// so an absent result is SQL NULL. Both T and F are linear in the size of e.
// The planner can use T(e) alone (ToCELPredicate): it is exactly the row
// filter's pass condition.
package rowfilter

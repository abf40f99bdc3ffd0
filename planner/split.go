package planner

import "strings"

// scanSQL walks sql and calls code(i, j) for every maximal run sql[i:j] of
// plain SQL text, skipping string literals, quoted identifiers and
// comments. Both SplitStatements and the AGG(ALL x) rewrite need the same
// notion of "outside quotes", so it lives in one place.
func scanSQL(sql string, code func(i, j int)) { scanSQLTokens(sql, code, nil) }

// scanSQLTokens is scanSQL that also reports each quoted token to quoted.
func scanSQLTokens(sql string, code func(i, j int), quoted func(i, j int)) {
	start := 0
	i := 0
	n := len(sql)
	flush := func(j int) {
		if j > start {
			code(start, j)
		}
	}
	for i < n {
		c := sql[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			flush(i)
			q := i
			i = skipQuoted(sql, i)
			if quoted != nil {
				quoted(q, i)
			}
			start = i
		case c == '#' || (c == '-' && i+1 < n && sql[i+1] == '-' && (i+2 >= n || sql[i+2] == ' ' || sql[i+2] == '\t' || sql[i+2] == '\n' || sql[i+2] == '\r')):
			flush(i)
			for i < n && sql[i] != '\n' {
				i++
			}
			start = i
		case c == '/' && i+1 < n && sql[i+1] == '*':
			flush(i)
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				i = n
			} else {
				i = i + 2 + end + 2
			}
			start = i
		default:
			i++
		}
	}
	flush(n)
}

// skipQuoted returns the index just past the quoted token starting at i.
// Doubled quotes and (except in backticks) backslash escapes stay inside.
// An unterminated quote runs to the end of the text.
func skipQuoted(sql string, i int) int {
	q := sql[i]
	i++
	for i < len(sql) {
		c := sql[i]
		if c == '\\' && q != '`' {
			i += 2
			continue
		}
		if c == q {
			if i+1 < len(sql) && sql[i+1] == q {
				i += 2
				continue
			}
			return i + 1
		}
		i++
	}
	return len(sql)
}

// SplitStatements splits sql on ';' outside string literals, quoted
// identifiers and comments. Empty statements (only blanks) are dropped.
func SplitStatements(sql string) []string {
	var out []string
	last := 0
	scanSQL(sql, func(i, j int) {
		for k := i; k < j; k++ {
			if sql[k] == ';' {
				if s := strings.TrimSpace(sql[last:k]); s != "" && !onlyComments(s) {
					out = append(out, s)
				}
				last = k + 1
			}
		}
	})
	if s := strings.TrimSpace(sql[last:]); s != "" && !onlyComments(s) {
		out = append(out, s)
	}
	return out
}

// onlyComments reports whether s holds nothing but comments and blanks.
func onlyComments(s string) bool {
	empty := true
	scanSQLTokens(s, func(i, j int) {
		if strings.TrimSpace(s[i:j]) != "" {
			empty = false
		}
	}, func(i, j int) { empty = false })
	return empty
}

var aggNames = []string{"count", "sum", "avg", "min", "max", "group_concat"}

// rewriteAggAll removes the ALL quantifier of AGG(ALL x), which MySQL
// accepts (it means AGG(x)) and vitess rejects. Only plain SQL text is
// touched: the same word inside a literal, identifier or comment stays.
func rewriteAggAll(sql string) string {
	var cuts [][2]int // byte ranges to delete
	scanSQL(sql, func(i, j int) {
		seg := sql[i:j]
		for k := 0; k < len(seg); k++ {
			if seg[k] != '(' {
				continue
			}
			// the identifier before '(' (blanks allowed in between)
			e := k
			for e > 0 && isBlank(seg[e-1]) {
				e--
			}
			b := e
			for b > 0 && isIdentChar(seg[b-1]) {
				b--
			}
			if b == e || !isAggName(seg[b:e]) {
				continue
			}
			// "ALL" followed by a blank or '(' right after '('
			p := k + 1
			for p < len(seg) && isBlank(seg[p]) {
				p++
			}
			if p+3 <= len(seg) && strings.EqualFold(seg[p:p+3], "all") &&
				(p+3 == len(seg) || isBlank(seg[p+3]) || seg[p+3] == '(') {
				cuts = append(cuts, [2]int{i + p, i + p + 3})
			}
		}
	})
	if len(cuts) == 0 {
		return sql
	}
	var b strings.Builder
	last := 0
	for _, c := range cuts {
		b.WriteString(sql[last:c[0]])
		last = c[1]
	}
	b.WriteString(sql[last:])
	return b.String()
}

func isAggName(s string) bool {
	for _, a := range aggNames {
		if strings.EqualFold(s, a) {
			return true
		}
	}
	return false
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isIdentChar(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80
}

package catalog

import (
	"strings"
	"unicode/utf8"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// Limits from the Glue service model (glue 2017-03-31).
const (
	maxNameLen        = 255
	maxDescriptionLen = 2048
	maxURILen         = 1024
	maxCommentLen     = 255
	maxParamKeyLen    = 255
	maxParamValueLen  = 512000
	maxValueLen       = 1024 // one partition value
	maxViewTextLen    = 409600
	maxBatchCreate    = 100
	maxBatchDelete    = 25
	maxExpressionLen  = 2048
)

// validSingleLine reports whether s matches Glue's single-line string
// pattern [\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*: tab, and
// every Unicode scalar value from U+0020 except U+FFFE and U+FFFF. Invalid
// UTF-8 never matches.
func validSingleLine(s string) (bad rune, ok bool) {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return r, false
			}
		}
		switch {
		case r == '\t':
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return r, false
		}
	}
	return 0, true
}

// checkName validates a Glue NameString and returns it lower-cased, as Glue
// stores database and table names. what names the field in messages.
func checkName(what, s string) (string, error) {
	if err := checkNameString(what, s); err != nil {
		return "", err
	}
	return strings.ToLower(s), nil
}

// checkNameString validates a NameString without changing case.
func checkNameString(what, s string) error {
	if s == "" {
		return lferr.New(lferr.InvalidInput, "%s must not be empty.", what)
	}
	if n := utf8.RuneCountInString(s); n > maxNameLen {
		return lferr.New(lferr.InvalidInput, "%s is %d characters long; the limit is %d.", what, n, maxNameLen)
	}
	if r, ok := validSingleLine(s); !ok {
		return lferr.New(lferr.InvalidInput, "%s %q contains the character %U, which is not allowed in a name.", what, s, r)
	}
	return nil
}

// checkPathName validates a database or table name that becomes a path
// segment of a default location: "." and ".." would escape the parent.
func checkPathName(what, s string) (string, error) {
	name, err := checkName(what, s)
	if err != nil {
		return "", err
	}
	if name == "." || name == ".." {
		return "", lferr.New(lferr.InvalidInput, "%s %q is not allowed: it would escape its parent location.", what, s)
	}
	return name, nil
}

// CheckCatalogID validates a CatalogId (CatalogIdString: a NameString).
func CheckCatalogID(id string) error { return checkNameString("CatalogId", id) }

func checkText(what, s string, max int) error {
	if n := utf8.RuneCountInString(s); n > max {
		return lferr.New(lferr.InvalidInput, "%s is %d characters long; the limit is %d.", what, n, max)
	}
	if r, ok := validSingleLine(s); !ok {
		return lferr.New(lferr.InvalidInput, "%s contains the character %U, which is not allowed.", what, r)
	}
	return nil
}

// checkMultiLine validates free text that may span lines (descriptions,
// view text): only length and UTF-8 validity.
func checkMultiLine(what, s string, max int) error {
	if !utf8.ValidString(s) {
		return lferr.New(lferr.InvalidInput, "%s is not valid UTF-8.", what)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return lferr.New(lferr.InvalidInput, "%s is %d characters long; the limit is %d.", what, n, max)
	}
	return nil
}

func checkParams(what string, p map[string]string) error {
	for k, v := range p {
		if k == "" {
			return lferr.New(lferr.InvalidInput, "%s: a parameter key must not be empty.", what)
		}
		if err := checkText(what+" key "+quoteShort(k), k, maxParamKeyLen); err != nil {
			return err
		}
		if err := checkMultiLine(what+" value of "+quoteShort(k), v, maxParamValueLen); err != nil {
			return err
		}
	}
	return nil
}

func quoteShort(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return `"` + s + `"`
}

// checkColumns validates columns and partition keys together: names are
// NameStrings unique without regard to case (SQL resolves them
// case-insensitively), types parse with types.ParseGlue. Column names keep
// their case, as in Glue.
func checkColumns(table string, cols, keys []api.Column, needTypes bool) error {
	seen := make(map[string]string, len(cols)+len(keys))
	check := func(kind string, c api.Column) error {
		if err := checkNameString(kind+" name in table "+table, c.Name); err != nil {
			return err
		}
		low := strings.ToLower(c.Name)
		if prev, dup := seen[low]; dup {
			return lferr.New(lferr.InvalidInput, "Table %s has duplicate column %s (also declared as %s).", table, c.Name, prev)
		}
		seen[low] = c.Name
		if c.Type == "" {
			if needTypes {
				return lferr.New(lferr.InvalidInput, "%s %s of table %s has no Type.", kind, c.Name, table)
			}
		} else if _, err := types.ParseGlue(c.Type); err != nil {
			return lferr.Wrap(lferr.InvalidInput, err, "%s %s of table %s: %v.", kind, c.Name, table, err)
		}
		if err := checkText("Comment of column "+c.Name, c.Comment, maxCommentLen); err != nil {
			return err
		}
		return checkParams("Parameters of column "+c.Name, c.Parameters)
	}
	for _, c := range cols {
		if err := check("Column", c); err != nil {
			return err
		}
	}
	for _, c := range keys {
		if err := check("Partition key", c); err != nil {
			return err
		}
	}
	return nil
}

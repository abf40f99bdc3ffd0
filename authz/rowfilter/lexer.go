package rowfilter

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/sluicedb/sluice/authz/lferr"
)

type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // unquoted identifier or keyword (text as written)
	tQIdent         // "quoted identifier" (text unescaped)
	tString         // 'string' (text unescaped)
	tNumber         // numeric literal text (no sign)
	tOp             // = <> != < <= > >=
	tLParen
	tRParen
	tComma
	tDot
	tMinus
	tArith // + * / % || : arithmetic / concatenation, always rejected
)

type token struct {
	kind tokKind
	text string
	pos  int // byte offset in the input
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tQIdent:
		return fmt.Sprintf("identifier %q", t.text)
	case tString:
		return "string literal '" + strings.ReplaceAll(t.text, "'", "''") + "'"
	case tNumber:
		return "number " + t.text
	}
	return fmt.Sprintf("%q", t.text)
}

// errAt builds the InvalidInputException the control plane returns for a
// bad filter; positions are 1-based byte offsets so that an admin can find
// the spot in the text they submitted.
func errAt(pos int, format string, args ...any) error {
	return lferr.New(lferr.InvalidInput, "row filter expression: %s at position %d", fmt.Sprintf(format, args...), pos+1)
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// lex splits the whole input up front: filters are short (≤ 2048 chars by
// default) and a token slice lets the parser look ahead freely.
func lex(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && isIdentPart(s[j]) {
				j++
			}
			toks = append(toks, token{tIdent, s[i:j], i})
			i = j
		case c == '"':
			text, n, err := lexQuoted(s, i, '"')
			if err != nil {
				return nil, err
			}
			if text == "" {
				return nil, errAt(i, "empty quoted identifier")
			}
			toks = append(toks, token{tQIdent, text, i})
			i += n
		case c == '\'':
			text, n, err := lexQuoted(s, i, '\'')
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tString, text, i})
			i += n
		case isDigit(c) || (c == '.' && i+1 < len(s) && isDigit(s[i+1])):
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j < len(s) && s[j] == '.' {
				j++
				for j < len(s) && isDigit(s[j]) {
					j++
				}
			}
			if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
				k := j + 1
				if k < len(s) && (s[k] == '+' || s[k] == '-') {
					k++
				}
				if k >= len(s) || !isDigit(s[k]) {
					return nil, errAt(i, "malformed exponent in numeric literal %q", s[i:min(k+1, len(s))])
				}
				for k < len(s) && isDigit(s[k]) {
					k++
				}
				j = k
			}
			if j < len(s) && (isIdentPart(s[j]) || s[j] == '.') {
				return nil, errAt(i, "malformed numeric literal %q", s[i:j+1])
			}
			toks = append(toks, token{tNumber, s[i:j], i})
			i = j
		case c == '(':
			toks = append(toks, token{tLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tRParen, ")", i})
			i++
		case c == ',':
			toks = append(toks, token{tComma, ",", i})
			i++
		case c == '.':
			toks = append(toks, token{tDot, ".", i})
			i++
		case c == '=':
			if i+1 < len(s) && s[i+1] == '=' {
				return nil, errAt(i, "'==' is not an operator; use '='")
			}
			toks = append(toks, token{tOp, "=", i})
			i++
		case c == '<':
			if i+1 < len(s) && (s[i+1] == '=' || s[i+1] == '>') {
				toks = append(toks, token{tOp, s[i : i+2], i})
				i += 2
			} else {
				toks = append(toks, token{tOp, "<", i})
				i++
			}
		case c == '>':
			if i+1 < len(s) && s[i+1] == '=' {
				toks = append(toks, token{tOp, ">=", i})
				i += 2
			} else {
				toks = append(toks, token{tOp, ">", i})
				i++
			}
		case c == '!':
			if i+1 < len(s) && s[i+1] == '=' {
				toks = append(toks, token{tOp, "!=", i})
				i += 2
			} else {
				return nil, errAt(i, "unexpected character '!'")
			}
		case c == '-':
			if i+1 < len(s) && s[i+1] == '-' {
				return nil, errAt(i, "comments are not allowed")
			}
			toks = append(toks, token{tMinus, "-", i})
			i++
		case c == '+' || c == '*' || c == '/' || c == '%':
			if c == '/' && i+1 < len(s) && s[i+1] == '*' {
				return nil, errAt(i, "comments are not allowed")
			}
			toks = append(toks, token{tArith, string(c), i})
			i++
		case c == '|' && i+1 < len(s) && s[i+1] == '|':
			toks = append(toks, token{tArith, "||", i})
			i += 2
		case c == ';':
			return nil, errAt(i, "';' is not allowed: a filter is a single expression")
		case c == '?' || c == ':' || c == '@' || c == '$':
			return nil, errAt(i, "parameters and variables (%q) are not supported", string(c))
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return nil, errAt(i, "unexpected character %q", r)
		}
	}
	toks = append(toks, token{tEOF, "", len(s)})
	return toks, nil
}

// lexQuoted reads a quoted run starting at s[i] == q, where a doubled quote
// stands for one quote character. It returns the unescaped text and the
// number of bytes consumed.
func lexQuoted(s string, i int, q byte) (string, int, error) {
	var b strings.Builder
	j := i + 1
	for {
		k := strings.IndexByte(s[j:], q)
		if k < 0 {
			if q == '\'' {
				return "", 0, errAt(i, "unterminated string literal")
			}
			return "", 0, errAt(i, "unterminated quoted identifier")
		}
		b.WriteString(s[j : j+k])
		j += k + 1
		if j < len(s) && s[j] == q {
			b.WriteByte(q)
			j++
			continue
		}
		break
	}
	text := b.String()
	if !utf8.ValidString(text) {
		return "", 0, errAt(i, "quoted text is not valid UTF-8")
	}
	return text, j - i, nil
}

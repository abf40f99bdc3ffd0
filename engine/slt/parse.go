package slt

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// RecordKind is the kind of a script record.
type RecordKind uint8

const (
	// Statement is `statement ok` / `statement error`.
	Statement RecordKind = iota + 1
	// Query is `query <types> [<sortmode> [<label>]]`.
	Query
	// HashThreshold is `hash-threshold N`.
	HashThreshold
	// Halt is `halt`: stop processing the file.
	Halt
)

func (k RecordKind) String() string {
	switch k {
	case Statement:
		return "statement"
	case Query:
		return "query"
	case HashThreshold:
		return "hash-threshold"
	case Halt:
		return "halt"
	}
	return fmt.Sprintf("RecordKind(%d)", k)
}

// SortMode is how query results are ordered before comparison.
type SortMode uint8

const (
	// NoSort compares rows in the order the engine returned them.
	NoSort SortMode = iota
	// RowSort sorts rows, column by column, byte-wise on the rendered strings.
	RowSort
	// ValueSort sorts all rendered values individually, ignoring row boundaries.
	ValueSort
)

func (m SortMode) String() string {
	switch m {
	case NoSort:
		return "nosort"
	case RowSort:
		return "rowsort"
	case ValueSort:
		return "valuesort"
	}
	return fmt.Sprintf("SortMode(%d)", m)
}

// Condition is one `skipif <engine>` or `onlyif <engine>` line before a record.
type Condition struct {
	Skip   bool   // true for skipif, false for onlyif
	Engine string // as written in the script
}

// Record is one parsed script record.
type Record struct {
	Kind       RecordKind
	Line       int // 1-based line of the record's header (after its conditions)
	Conditions []Condition

	SQL string // statement or query text, lines joined with "\n"

	ExpectError bool // statement error

	Types    string   // query: one letter per column, each of I, R, T
	Sort     SortMode // query
	Label    string   // query: at most 20 significant characters, "" if none
	Expected []string // query: expected value lines (or the single hash line)

	Threshold int // hash-threshold value
}

// Skipped reports whether conditions exclude the record for engine
// (compared case-insensitively): any skipif naming it, or any onlyif naming
// a different engine.
func (r *Record) Skipped(engine string) bool {
	for _, c := range r.Conditions {
		match := strings.EqualFold(c.Engine, engine)
		if c.Skip == match {
			return true
		}
	}
	return false
}

// ExpectedHash parses an expected result of the form
// "<V> values hashing to <md5>". ok is false for a plain value list.
func (r *Record) ExpectedHash() (values int, md5hex string, ok bool) {
	if len(r.Expected) != 1 {
		return 0, "", false
	}
	return parseHashLine(r.Expected[0])
}

func parseHashLine(s string) (int, string, bool) {
	f := strings.Fields(s)
	if len(f) != 5 || f[1] != "values" || f[2] != "hashing" || f[3] != "to" || len(f[4]) != 32 {
		return 0, "", false
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 0 {
		return 0, "", false
	}
	return n, f[4], true
}

// ScriptError is a malformed script: an unknown record header, a bad type
// letter or sort mode. Like the reference driver, the parser stops at the
// first one; the records before it are still returned.
type ScriptError struct {
	File string
	Line int
	Msg  string
}

func (e *ScriptError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// maxLabel is the number of significant characters of a query label.
const maxLabel = 20

// maxLine bounds one script line; the corpus' longest is a few KB.
const maxLine = 16 << 20

// Parse reads a whole script. name is used in error messages only. On a
// malformed record it returns the records parsed so far and a *ScriptError;
// on a read error, the records so far and that error.
func Parse(r io.Reader, name string) ([]Record, error) {
	p := parser{name: name, sc: bufio.NewScanner(r)}
	p.sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var recs []Record
	for {
		rec, err := p.next()
		if err != nil {
			return recs, err
		}
		if rec == nil {
			return recs, nil
		}
		recs = append(recs, *rec)
	}
}

type parser struct {
	name string
	sc   *bufio.Scanner
	line int
	eof  bool
	// sawSeparator reports whether the last block(true) ended on "----".
	sawSeparator bool
}

// nextLine returns the next line with one trailing CR stripped and comment
// lines dropped (a comment is neither content nor a blank separator).
func (p *parser) nextLine() (string, bool, error) {
	for !p.eof {
		if !p.sc.Scan() {
			p.eof = true
			if err := p.sc.Err(); err != nil {
				return "", false, fmt.Errorf("%s: line %d: %w", p.name, p.line+1, err)
			}
			return "", false, nil
		}
		p.line++
		s := p.sc.Text()
		s = strings.TrimSuffix(s, "\r")
		if strings.HasPrefix(s, "#") {
			continue
		}
		return s, true, nil
	}
	return "", false, nil
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

func (p *parser) errf(line int, format string, args ...any) error {
	return &ScriptError{File: p.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// header returns at most the first 4 whitespace-separated tokens of a line:
// anything after them is ignored (it carries comments like "# not compatible").
func header(s string) []string {
	f := strings.Fields(s)
	if len(f) > 4 {
		f = f[:4]
	}
	return f
}

// next parses one record; nil at end of input.
func (p *parser) next() (*Record, error) {
	// Skip blank lines between records.
	var s string
	for {
		l, ok, err := p.nextLine()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, nil
		}
		if !isBlank(l) {
			s = l
			break
		}
	}
	rec := &Record{}
	for {
		tok := header(s)
		switch tok[0] {
		case "skipif", "onlyif":
			if len(tok) < 2 {
				return nil, p.errf(p.line, "%s without an engine name", tok[0])
			}
			rec.Conditions = append(rec.Conditions, Condition{Skip: tok[0] == "skipif", Engine: tok[1]})
			condLine := p.line
			l, ok, err := p.nextLine()
			if err != nil {
				return nil, err
			}
			if !ok || isBlank(l) {
				return nil, p.errf(condLine, "%s %s not followed by a record", tok[0], tok[1])
			}
			s = l
			continue
		}
		break
	}
	rec.Line = p.line
	tok := header(s)
	switch tok[0] {
	case "statement":
		rec.Kind = Statement
		if len(tok) < 2 || (tok[1] != "ok" && tok[1] != "error") {
			return nil, p.errf(rec.Line, "statement must be followed by ok or error: %q", s)
		}
		rec.ExpectError = tok[1] == "error"
		// A "----" line has no special meaning in a statement.
		lines, err := p.block(false)
		if err != nil {
			return nil, err
		}
		rec.SQL = strings.Join(lines, "\n")
	case "query":
		rec.Kind = Query
		if len(tok) < 2 {
			return nil, p.errf(rec.Line, "query without a type string")
		}
		rec.Types = tok[1]
		for i := 0; i < len(rec.Types); i++ {
			if c := rec.Types[i]; c != 'I' && c != 'R' && c != 'T' {
				return nil, p.errf(rec.Line, "unknown type letter %q in %q (want I, R or T)", c, rec.Types)
			}
		}
		if len(tok) >= 3 {
			switch tok[2] {
			case "nosort":
				rec.Sort = NoSort
			case "rowsort":
				rec.Sort = RowSort
			case "valuesort":
				rec.Sort = ValueSort
			default:
				return nil, p.errf(rec.Line, "unknown sort mode %q", tok[2])
			}
		}
		if len(tok) >= 4 {
			rec.Label = tok[3]
			if len(rec.Label) > maxLabel {
				rec.Label = rec.Label[:maxLabel]
			}
		}
		sql, err := p.block(true)
		if err != nil {
			return nil, err
		}
		rec.SQL = strings.Join(sql, "\n")
		// block(true) stops on "----" (consumed) or a blank line / EOF.
		if p.sawSeparator {
			exp, err := p.block(false)
			if err != nil {
				return nil, err
			}
			rec.Expected = exp
		}
	case "hash-threshold":
		rec.Kind = HashThreshold
		if len(tok) < 2 {
			return nil, p.errf(rec.Line, "hash-threshold without a value")
		}
		n, err := strconv.Atoi(tok[1])
		if err != nil || n < 0 {
			return nil, p.errf(rec.Line, "bad hash-threshold %q", tok[1])
		}
		rec.Threshold = n
		if err := p.skipRest(); err != nil {
			return nil, err
		}
	case "halt":
		rec.Kind = Halt
		if err := p.skipRest(); err != nil {
			return nil, err
		}
	default:
		return nil, p.errf(rec.Line, "unknown record type %q", tok[0])
	}
	if (rec.Kind == Statement || rec.Kind == Query) && strings.TrimSpace(rec.SQL) == "" {
		return nil, p.errf(rec.Line, "%s without SQL text", rec.Kind)
	}
	return rec, nil
}

// block reads lines up to a blank line or EOF. With stopAtSep it also stops
// at a line that is exactly "----" and records that in p.sawSeparator.
func (p *parser) block(stopAtSep bool) ([]string, error) {
	p.sawSeparator = false
	var lines []string
	for {
		l, ok, err := p.nextLine()
		if err != nil {
			return nil, err
		}
		if !ok || isBlank(l) {
			return lines, nil
		}
		if stopAtSep && l == "----" {
			p.sawSeparator = true
			return lines, nil
		}
		lines = append(lines, l)
	}
}

// skipRest consumes the remainder of a control record (there should be none).
func (p *parser) skipRest() error {
	_, err := p.block(false)
	return err
}

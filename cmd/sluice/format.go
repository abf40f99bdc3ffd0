package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sluicedb/sluice/planner/plan"
	"github.com/sluicedb/sluice/planner/types"
)

// resultWriter renders result rows in one of the --format choices.
type resultWriter interface {
	// Header is called once before any row.
	Header(cols []plan.Column) error
	// Row is called for each row.
	Row(vals []types.Value) error
	// Finish flushes; for the table format it prints the buffered table.
	Finish() error
}

func newResultWriter(format string, w io.Writer) (resultWriter, error) {
	switch format {
	case "table", "":
		return &tableWriter{w: w}, nil
	case "csv":
		return &csvWriter{w: csv.NewWriter(w)}, nil
	case "jsonl":
		return &jsonlWriter{w: bufio.NewWriter(w)}, nil
	}
	return nil, fmt.Errorf("unknown --format %q (want table, csv or jsonl)", format)
}

// tableMaxRows bounds how many rows the table format buffers to align
// columns; beyond it the rest are printed with the widths measured so far.
const tableMaxRows = 10000

type tableWriter struct {
	w      io.Writer
	cols   []plan.Column
	rows   [][]string
	widths []int
	right  []bool
	count  int64
	flushd bool
}

func (t *tableWriter) Header(cols []plan.Column) error {
	t.cols = cols
	t.widths = make([]int, len(cols))
	t.right = make([]bool, len(cols))
	for i, c := range cols {
		t.widths[i] = utf8.RuneCountInString(c.Name)
		t.right[i] = c.T.IsNumeric()
	}
	return nil
}

func (t *tableWriter) Row(vals []types.Value) error {
	t.count++
	cells := make([]string, len(vals))
	for i, v := range vals {
		cells[i] = displayValue(v)
		if !t.flushd {
			if n := utf8.RuneCountInString(cells[i]); n > t.widths[i] {
				t.widths[i] = n
			}
		}
	}
	if t.flushd {
		return t.printRow(cells)
	}
	t.rows = append(t.rows, cells)
	if len(t.rows) >= tableMaxRows {
		return t.flush()
	}
	return nil
}

func displayValue(v types.Value) string {
	if v.Null {
		return "NULL"
	}
	return plainString(v)
}

// plainString renders floats in positional notation where that stays
// readable (7051774059.65, not 7.05177405965e+09); everything else as
// Value.String.
func plainString(v types.Value) string {
	if v.Kind == types.Float64 || v.Kind == types.Decimal {
		if a := math.Abs(v.F); a == 0 || (a >= 1e-6 && a < 1e18) {
			return strconv.FormatFloat(v.F, 'f', -1, 64)
		}
	}
	return v.String()
}

func (t *tableWriter) sep() error {
	var b strings.Builder
	b.WriteByte('+')
	for _, w := range t.widths {
		b.WriteString(strings.Repeat("-", w+2))
		b.WriteByte('+')
	}
	b.WriteByte('\n')
	_, err := io.WriteString(t.w, b.String())
	return err
}

func (t *tableWriter) printRow(cells []string) error {
	var b strings.Builder
	b.WriteByte('|')
	for i, c := range cells {
		pad := t.widths[i] - utf8.RuneCountInString(c)
		if pad < 0 {
			pad = 0
		}
		b.WriteByte(' ')
		if t.right[i] {
			b.WriteString(strings.Repeat(" ", pad) + c)
		} else {
			b.WriteString(c + strings.Repeat(" ", pad))
		}
		b.WriteString(" |")
	}
	b.WriteByte('\n')
	_, err := io.WriteString(t.w, b.String())
	return err
}

func (t *tableWriter) flush() error {
	if t.flushd {
		return nil
	}
	t.flushd = true
	if len(t.cols) == 0 {
		return nil
	}
	if err := t.sep(); err != nil {
		return err
	}
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.Name
	}
	saved := t.right
	t.right = make([]bool, len(t.cols)) // headers left-aligned
	if err := t.printRow(names); err != nil {
		return err
	}
	t.right = saved
	if err := t.sep(); err != nil {
		return err
	}
	for _, r := range t.rows {
		if err := t.printRow(r); err != nil {
			return err
		}
	}
	t.rows = nil
	return nil
}

func (t *tableWriter) Finish() error {
	if err := t.flush(); err != nil {
		return err
	}
	if len(t.cols) == 0 {
		return nil
	}
	if err := t.sep(); err != nil {
		return err
	}
	noun := "rows"
	if t.count == 1 {
		noun = "row"
	}
	_, err := fmt.Fprintf(t.w, "(%d %s)\n", t.count, noun)
	return err
}

type csvWriter struct {
	w   *csv.Writer
	buf []string
}

func (c *csvWriter) Header(cols []plan.Column) error {
	names := make([]string, len(cols))
	for i, col := range cols {
		names[i] = col.Name
	}
	c.buf = make([]string, len(cols))
	return c.w.Write(names)
}

func (c *csvWriter) Row(vals []types.Value) error {
	for i, v := range vals {
		if v.Null {
			c.buf[i] = ""
		} else {
			c.buf[i] = plainString(v)
		}
	}
	return c.w.Write(c.buf)
}

func (c *csvWriter) Finish() error { c.w.Flush(); return c.w.Error() }

type jsonlWriter struct {
	w    *bufio.Writer
	cols []plan.Column
	keys [][]byte
}

func (j *jsonlWriter) Header(cols []plan.Column) error {
	j.cols = cols
	j.keys = make([][]byte, len(cols))
	for i, c := range cols {
		k, _ := json.Marshal(c.Name)
		j.keys[i] = k
	}
	return nil
}

func (j *jsonlWriter) Row(vals []types.Value) error {
	j.w.WriteByte('{')
	for i, v := range vals {
		if i > 0 {
			j.w.WriteByte(',')
		}
		j.w.Write(j.keys[i])
		j.w.WriteByte(':')
		j.w.Write(jsonValue(v))
	}
	j.w.WriteString("}\n")
	return nil
}

func jsonValue(v types.Value) []byte {
	if v.Null {
		return []byte("null")
	}
	switch v.Kind {
	case types.Bool, types.Int64:
		return []byte(v.String())
	case types.Float64, types.Decimal:
		b, err := json.Marshal(v.F)
		if err != nil { // NaN / Inf are not JSON numbers
			b, _ = json.Marshal(v.String())
		}
		return b
	}
	b, _ := json.Marshal(v.String())
	return b
}

func (j *jsonlWriter) Finish() error { return j.w.Flush() }

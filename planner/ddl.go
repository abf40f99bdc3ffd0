package planner

import (
	"fmt"
	"strings"

	"vitess.io/vitess/go/vt/sqlparser"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

func (b *builder) createTable(s *sqlparser.CreateTable) Statement {
	if s.Temp {
		failf(lferr.Unsupported, "CREATE TEMPORARY TABLE is not supported")
	}
	if s.OptLike != nil {
		failf(lferr.Unsupported, "CREATE TABLE ... LIKE is not supported")
	}
	db, name := b.tableName(s.Table)
	ct := &CreateTable{Database: db, Name: name, IfNotExists: s.IfNotExists}
	if s.TableSpec != nil {
		if s.TableSpec.PartitionOption != nil {
			failf(lferr.Unsupported, "PARTITION BY in CREATE TABLE is not supported; use CREATE EXTERNAL TABLE ... PARTITIONED BY")
		}
		for _, cd := range s.TableSpec.Columns {
			ct.Columns = append(ct.Columns, api.Column{Name: cd.Name.String(), Type: glueType(cd.Name.String(), cd.Type)})
		}
	}
	if s.Select != nil {
		if len(ct.Columns) > 0 {
			failf(lferr.Unsupported, "CREATE TABLE with both a column list and AS SELECT is not supported")
		}
		q := b.query(s.Select)
		ct.AsSelect = q
		for _, c := range q.Columns {
			t := c.T
			if t.Kind == types.Null {
				t = types.StringT
			}
			ct.Columns = append(ct.Columns, api.Column{Name: c.Name, Type: t.GlueName()})
		}
	}
	if len(ct.Columns) == 0 {
		failf(lferr.InvalidInput, "CREATE TABLE %s.%s needs at least one column", db, name)
	}
	checkColumnNames(ct.Columns, nil)
	return ct
}

// glueType turns a MySQL column type into a validated Glue type string.
func glueType(col string, ct *sqlparser.ColumnType) string {
	base := strings.ToLower(ct.Type)
	s := base
	if (base == "decimal" || base == "numeric" || base == "dec") && ct.Length != nil {
		if ct.Scale != nil {
			s = fmt.Sprintf("decimal(%d,%d)", *ct.Length, *ct.Scale)
		} else {
			s = fmt.Sprintf("decimal(%d)", *ct.Length)
		}
	}
	t, err := types.ParseGlue(s)
	if err != nil {
		fail(lferr.Wrap(lferr.InvalidInput, err, "column %s: unsupported type %s", col, strings.ToUpper(ct.Type)))
	}
	return t.GlueName()
}

func checkColumnNames(cols, keys []api.Column) {
	seen := map[string]bool{}
	for _, c := range append(append([]api.Column(nil), cols...), keys...) {
		n := strings.ToLower(c.Name)
		if n == "" {
			failf(lferr.InvalidInput, "empty column name")
		}
		if seen[n] {
			failf(lferr.InvalidInput, "duplicate column name '%s'", c.Name)
		}
		seen[n] = true
	}
}

func (b *builder) createView(s *sqlparser.CreateView, text string) Statement {
	db, name := b.tableName(s.ViewName)
	sql := sqlparser.String(s.Select)
	if len(s.Columns) > 0 {
		names := make([]string, len(s.Columns))
		for i, c := range s.Columns {
			names[i] = sqlparser.String(c)
		}
		sql = "select * from (" + sql + ") as " + sqlparser.String(sqlparser.NewIdentifierCS(name)) + " (" + strings.Join(names, ", ") + ")"
	}
	// Plan the body now so a view that cannot be read fails at creation,
	// with the creator's rights; readers are authorized again on use.
	saved := b.db
	b.db = db
	defer func() { b.db = saved }()
	ast := parse(sql)
	ts, ok := ast.(sqlparser.TableStatement)
	if !ok {
		failf(lferr.InvalidInput, "a view must be defined by a SELECT")
	}
	n := b.planQuery(ts, nil, &level{})
	cv := &CreateView{Database: db, Name: name, SQL: sql, OrReplace: s.IsReplace}
	for _, c := range n.Schema() {
		t := c.T
		if t.Kind == types.Null {
			t = types.StringT
		}
		cv.Columns = append(cv.Columns, api.Column{Name: c.Name, Type: t.GlueName()})
	}
	checkColumnNames(cv.Columns, nil)
	return cv
}

// ---- Athena CREATE EXTERNAL TABLE ----------------------------------------

// isCreateExternal recognizes CREATE EXTERNAL TABLE, which vitess does not
// parse.
func isCreateExternal(sql string) bool {
	toks, err := athenaTokens(sql)
	if err != nil || len(toks) < 3 {
		return false
	}
	return toks[0].is("create") && toks[1].is("external") && toks[2].is("table")
}

type atok struct {
	kind byte // 'w' word, 's' string, 'n' number, 'p' punctuation
	text string
	pos  int
}

func (t atok) is(word string) bool { return t.kind == 'w' && strings.EqualFold(t.text, word) }

func athenaTokens(sql string) ([]atok, error) {
	var out []atok
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case isBlank(c):
			i++
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("unterminated comment at position %d", i+1)
			}
			i += end + 4
		case c == '\'' || c == '"':
			j := skipQuoted(sql, i)
			if j > len(sql) || j-i < 2 || sql[j-1] != c {
				return nil, fmt.Errorf("unterminated string at position %d", i+1)
			}
			raw := sql[i+1 : j-1]
			raw = strings.ReplaceAll(raw, string([]byte{c, c}), string(c))
			out = append(out, atok{kind: 's', text: raw, pos: i + 1})
			i = j
		case c == '`':
			j := skipQuoted(sql, i)
			if j > len(sql) || j-i < 2 || sql[j-1] != '`' {
				return nil, fmt.Errorf("unterminated identifier at position %d", i+1)
			}
			out = append(out, atok{kind: 'w', text: strings.ReplaceAll(sql[i+1:j-1], "``", "`"), pos: i + 1})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
				j++
			}
			out = append(out, atok{kind: 'n', text: sql[i:j], pos: i + 1})
			i = j
		case isIdentChar(c):
			j := i
			for j < len(sql) && isIdentChar(sql[j]) {
				j++
			}
			out = append(out, atok{kind: 'w', text: sql[i:j], pos: i + 1})
			i = j
		case strings.IndexByte("(),.=<>;:", c) >= 0:
			out = append(out, atok{kind: 'p', text: string(c), pos: i + 1})
			i++
		default:
			return nil, fmt.Errorf("unexpected character %q at position %d", c, i+1)
		}
	}
	return out, nil
}

type athenaParser struct {
	toks []atok
	i    int
}

func (p *athenaParser) peek() atok {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return atok{kind: 0, text: "end of statement", pos: -1}
}

func (p *athenaParser) errorf(format string, args ...any) {
	t := p.peek()
	where := "at end of statement"
	if t.pos > 0 {
		where = fmt.Sprintf("at position %d near '%s'", t.pos, t.text)
	}
	failf(lferr.SyntaxError, "CREATE EXTERNAL TABLE: %s %s", fmt.Sprintf(format, args...), where)
}

func (p *athenaParser) word(w string) bool {
	if p.peek().is(w) {
		p.i++
		return true
	}
	return false
}

func (p *athenaParser) expectWord(ws ...string) {
	for _, w := range ws {
		if !p.word(w) {
			p.errorf("expected %s", strings.ToUpper(w))
		}
	}
}

func (p *athenaParser) punct(s string) bool {
	t := p.peek()
	if t.kind == 'p' && t.text == s {
		p.i++
		return true
	}
	return false
}

func (p *athenaParser) expectPunct(s string) {
	if !p.punct(s) {
		p.errorf("expected '%s'", s)
	}
}

func (p *athenaParser) ident(what string) string {
	t := p.peek()
	if t.kind != 'w' {
		p.errorf("expected %s", what)
	}
	p.i++
	return t.text
}

func (p *athenaParser) str(what string) string {
	t := p.peek()
	if t.kind != 's' {
		p.errorf("expected %s as a quoted string", what)
	}
	p.i++
	return t.text
}

// hiveType parses a Hive type name: word [(n [, n])].
func (p *athenaParser) hiveType(col string) string {
	start := p.peek()
	name := strings.ToLower(p.ident("a type for column " + col))
	if p.punct("<") {
		p.i--
		p.errorf("complex type %s<...> of column %s is not supported", name, col)
	}
	text := name
	if p.punct("(") {
		var args []string
		for {
			t := p.peek()
			if t.kind != 'n' {
				p.errorf("expected a number in type of column %s", col)
			}
			p.i++
			args = append(args, t.text)
			if p.punct(")") {
				break
			}
			p.expectPunct(",")
		}
		text += "(" + strings.Join(args, ",") + ")"
	}
	t, err := types.ParseGlue(text)
	if err != nil {
		failf(lferr.InvalidInput, "CREATE EXTERNAL TABLE: column %s at position %d: %v", col, start.pos, err)
	}
	if t.Kind == types.String && text != "string" {
		return text // keep varchar(n) / char(n) as declared; ParseGlue reads it back as STRING
	}
	if t.Kind == types.Int64 && name != "bigint" {
		return name // int, smallint, tinyint keep their Hive spelling for readers of the files
	}
	return t.GlueName()
}

func (p *athenaParser) columnList() []api.Column {
	p.expectPunct("(")
	var cols []api.Column
	for {
		name := p.ident("a column name")
		typ := p.hiveType(name)
		c := api.Column{Name: name, Type: typ}
		if p.word("comment") {
			c.Comment = p.str("a comment")
		}
		cols = append(cols, c)
		if p.punct(")") {
			return cols
		}
		p.expectPunct(",")
	}
}

func (b *builder) createExternal(sql string) Statement {
	toks, err := athenaTokens(sql)
	if err != nil {
		fail(lferr.Wrap(lferr.SyntaxError, err, "CREATE EXTERNAL TABLE: %v", err))
	}
	p := &athenaParser{toks: toks}
	p.expectWord("create", "external", "table")
	ct := &CreateTable{External: true}
	if p.word("if") {
		p.expectWord("not", "exists")
		ct.IfNotExists = true
	}
	name := p.ident("a table name")
	if p.punct(".") {
		ct.Database, ct.Name = strings.ToLower(name), strings.ToLower(p.ident("a table name"))
	} else {
		ct.Database, ct.Name = b.db, strings.ToLower(name)
	}
	if t := p.peek(); t.kind == 'p' && t.text == "(" {
		ct.Columns = p.columnList()
	} else {
		ct.InferSchema = true
	}
	storedAs := false
	for p.i < len(p.toks) {
		switch {
		case p.word("comment"):
			p.str("a table comment")
		case p.word("partitioned"):
			p.expectWord("by")
			if ct.PartitionKeys != nil {
				p.errorf("PARTITIONED BY given twice")
			}
			ct.PartitionKeys = p.columnList()
		case p.word("stored"):
			p.expectWord("as")
			f := p.ident("a storage format")
			if !strings.EqualFold(f, "parquet") {
				p.i--
				p.errorf("only STORED AS PARQUET is supported, not %s", strings.ToUpper(f))
			}
			storedAs = true
		case p.word("location"):
			ct.Location = p.str("a location")
		case p.word("tblproperties"):
			p.expectPunct("(")
			ct.Properties = map[string]string{}
			for {
				k := p.str("a property name")
				p.expectPunct("=")
				ct.Properties[k] = p.str("a property value")
				if p.punct(")") {
					break
				}
				p.expectPunct(",")
			}
		case p.punct(";"):
			if p.i != len(p.toks) {
				p.errorf("unexpected text after ';'")
			}
		default:
			p.errorf("unexpected token")
		}
	}
	if !storedAs {
		p.errorf("expected STORED AS PARQUET")
	}
	if ct.Location == "" {
		p.errorf("expected LOCATION 'uri'")
	}
	checkColumnNames(ct.Columns, ct.PartitionKeys)
	if ct.InferSchema && len(ct.PartitionKeys) > 0 {
		// Partition keys without columns: the engine infers the rest.
		checkColumnNames(nil, ct.PartitionKeys)
	}
	return ct
}

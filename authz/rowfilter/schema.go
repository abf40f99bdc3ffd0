package rowfilter

import (
	"sort"
	"strings"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/planner/types"
)

// Field is a column (or struct subfield) a row filter may name.
type Field struct {
	Name string
	// Type is the column's type when the column is a usable leaf.
	Type types.T
	// Partition marks a table partition key (IS [NOT] NULL is not allowed on
	// those, spec §6.2).
	Partition bool
	// Unsupported, when non-empty, is the type text of a column that exists
	// but cannot appear in a row filter (DATE, TIMESTAMP, arrays, maps, ...):
	// referencing it is an error that says so, rather than "unknown column".
	Unsupported string
	// Fields are the subfields of a struct column; non-nil marks a struct.
	Fields []Field
}

// Schema is the table's column tree as far as row filters are concerned.
type Schema struct {
	Fields []Field
}

// filterable reports whether a column of type t may appear in a row filter.
// Spec §6.2 lists STRING/CHAR/VARCHAR, INT/LONG/BIGINT/FLOAT/DECIMAL/DOUBLE,
// BOOLEAN and STRUCT (through nested paths) and says that referencing any
// other type errors; DATE and TIMESTAMP are therefore refused (fail closed).
func filterable(t types.T) bool {
	switch t.Kind {
	case types.String, types.Int64, types.Float64, types.Decimal, types.Bool:
		return true
	}
	return false
}

func leaf(name string, t types.T, partition bool) Field {
	f := Field{Name: name, Type: t, Partition: partition}
	if !filterable(t) {
		f.Unsupported = t.String()
	}
	return f
}

// SchemaOf builds a flat schema from column types (no struct columns).
func SchemaOf(cols map[string]types.T) Schema {
	names := make([]string, 0, len(cols))
	for n := range cols {
		names = append(names, n)
	}
	sort.Strings(names)
	s := Schema{Fields: make([]Field, 0, len(names))}
	for _, n := range names {
		s.Fields = append(s.Fields, leaf(n, cols[n], false))
	}
	return s
}

// SchemaFromGlue builds the schema of a Glue table from its storage
// descriptor columns and partition keys. Struct types (struct<a:int,...>)
// become nested fields; types a row filter cannot use are kept as
// Unsupported so that errors can name them.
func SchemaFromGlue(columns, partitionKeys []api.Column) Schema {
	var s Schema
	for _, c := range columns {
		s.Fields = append(s.Fields, glueField(c.Name, c.Type, false))
	}
	for _, c := range partitionKeys {
		s.Fields = append(s.Fields, glueField(c.Name, c.Type, true))
	}
	return s
}

func glueField(name, typ string, partition bool) Field {
	t := strings.TrimSpace(typ)
	lt := strings.ToLower(t)
	if strings.HasPrefix(lt, "struct<") && strings.HasSuffix(lt, ">") {
		f := Field{Name: name, Partition: partition, Fields: []Field{}}
		for _, part := range splitTop(t[len("struct<") : len(t)-1]) {
			i := strings.IndexByte(part, ':')
			if i <= 0 {
				return Field{Name: name, Partition: partition, Unsupported: typ}
			}
			fn := strings.Trim(strings.TrimSpace(part[:i]), "`")
			f.Fields = append(f.Fields, glueField(fn, part[i+1:], partition))
		}
		return f
	}
	if lt == "long" {
		lt = "bigint"
	}
	pt, err := types.ParseGlue(lt)
	if err != nil {
		return Field{Name: name, Partition: partition, Unsupported: typ}
	}
	return leaf(name, pt, partition)
}

// splitTop splits s on commas outside <> and ().
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<', '(':
			depth++
		case '>', ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if strings.TrimSpace(s[start:]) != "" {
		out = append(out, s[start:])
	}
	return out
}

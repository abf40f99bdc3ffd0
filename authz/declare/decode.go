package declare

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
)

// nodeDecoder is implemented by fields that accept more than one spelling
// (a policy document as a JSON string or as a mapping; tags as a list of
// Key/Value pairs or as a mapping).
type nodeDecoder interface {
	decodeNode(d *decodeState, n *yaml.Node) error
}

// decodeState is one Parse's decoding budget. Aliases let a small file
// name the same list over and over ("billion laughs"); yaml.v3 guards its
// own Decode against that, not a walk of its nodes. A file may decode to
// at most twice its own nodes plus aliasSlack: plenty for anchors of
// shared trust policies or column lists, never an exponential blow-up.
type decodeState struct{ nodes, budget int }

const aliasSlack = 1 << 16

func newDecodeState(root *yaml.Node) *decodeState {
	return &decodeState{budget: 2*countNodes(root) + aliasSlack}
}

// countNodes counts the nodes written in the file (aliases not followed).
func countNodes(n *yaml.Node) int {
	c := 1
	for _, k := range n.Content {
		c += countNodes(k)
	}
	return c
}

var nodeDecoderType = reflect.TypeFor[nodeDecoder]()

// decodeInto decodes n into v (a pointer) using the API's field names (the
// json tags of the shared shapes, else the Go field name). yaml.v3's own
// decoder would lower-case untagged names and ignore json tags, and its
// KnownFields errors do not say which shape was expected; this walker
// names the line, the field and the fields allowed there.
func (d *decodeState) decodeInto(n *yaml.Node, v reflect.Value, path string) error {
	d.nodes++
	if d.nodes > d.budget {
		return lferr.New(lferr.InvalidInput, "line %d: the lake file's aliases expand to more than %d values", n.Line, d.budget)
	}
	if n.Kind == yaml.AliasNode {
		return d.decodeInto(n.Alias, v, path)
	}
	if v.CanAddr() && v.Addr().Type().Implements(nodeDecoderType) {
		return v.Addr().Interface().(nodeDecoder).decodeNode(d, n)
	}
	if isNull(n) {
		v.Set(reflect.Zero(v.Type()))
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return d.decodeInto(n, v.Elem(), path)
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return typeErr(n, path, "a mapping")
		}
		fields := fieldsOf(v.Type())
		seen := map[string]bool{}
		pairs, err := mappingPairs(n, 0)
		if err != nil {
			return err
		}
		for i := 0; i+1 < len(pairs); i += 2 {
			k, val := pairs[i], pairs[i+1]
			idx, ok := fields[k.Value]
			if !ok && outputOnly[v.Type()][k.Value] {
				continue
			}
			if !ok {
				return lferr.New(lferr.InvalidInput, "line %d: unknown field %s in %s (allowed: %s)", k.Line, k.Value, pathOr(path), strings.Join(fieldNames(fields), ", "))
			}
			if seen[k.Value] {
				return lferr.New(lferr.InvalidInput, "line %d: field %s given twice in %s", k.Line, k.Value, pathOr(path))
			}
			seen[k.Value] = true
			if err := d.decodeInto(val, v.FieldByIndex(idx), join(path, k.Value)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return typeErr(n, path, "a list")
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			if err := d.decodeInto(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		if n.Kind != yaml.MappingNode || v.Type().Key().Kind() != reflect.String {
			return typeErr(n, path, "a mapping")
		}
		pairs, err := mappingPairs(n, 0)
		if err != nil {
			return err
		}
		m := reflect.MakeMapWithSize(v.Type(), len(pairs)/2)
		for i := 0; i+1 < len(pairs); i += 2 {
			k, val := pairs[i], pairs[i+1]
			if k.Kind != yaml.ScalarNode {
				return typeErr(k, path, "a string key")
			}
			e := reflect.New(v.Type().Elem()).Elem()
			if err := d.decodeInto(val, e, join(path, k.Value)); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), e)
		}
		v.Set(m)
		return nil
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return typeErr(n, path, "a string")
		}
		v.SetString(n.Value)
		return nil
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode {
			return typeErr(n, path, "true or false")
		}
		b, err := strconv.ParseBool(n.Value)
		if err != nil || n.Tag != "!!bool" {
			return typeErr(n, path, "true or false")
		}
		v.SetBool(b)
		return nil
	case reflect.Int, reflect.Int32, reflect.Int64:
		if n.Kind != yaml.ScalarNode {
			return typeErr(n, path, "an integer")
		}
		i, err := strconv.ParseInt(n.Value, 10, v.Type().Bits())
		if err != nil || n.Tag != "!!int" {
			return typeErr(n, path, "an integer")
		}
		v.SetInt(i)
		return nil
	}
	return lferr.AssertionFailedf("declare: no decoding for %s at %s", v.Type(), path)
}

// outputOnly are fields the APIs return (or accept) that say nothing
// sluice acts on: read-only metadata (times, versions, who updated) and
// Hive storage-layout hints. They are skipped so that the output of
// "aws glue get-table" or "aws lakeformation list-permissions" can be
// pasted into a lake file. Fields that grant or restrict anything are
// never here: an unsupported one (say, a Glue database's
// CreateTableDefaultPermissions) stays an error.
var outputOnly = map[reflect.Type]map[string]bool{
	reflect.TypeFor[api.TableInput](): {"DatabaseName": true, "CatalogId": true, "CreateTime": true, "UpdateTime": true,
		"LastAccessTime": true, "LastAnalyzedTime": true, "Retention": true, "CreatedBy": true,
		"IsRegisteredWithLakeFormation": true, "VersionId": true},
	reflect.TypeFor[api.StorageDescriptor](): {"NumberOfBuckets": true, "BucketColumns": true, "SortColumns": true,
		"StoredAsSubDirectories": true, "SkewedInfo": true},
	reflect.TypeFor[Database]():      {"CreateTime": true},
	reflect.TypeFor[lf.GrantInput](): {"LastUpdated": true, "LastUpdatedBy": true},
}

// mappingPairs is a mapping's key/value nodes with YAML merge keys
// ("<<: *defaults") expanded: keys written in the mapping win over merged
// ones, earlier merged mappings over later ones, as YAML specifies.
func mappingPairs(n *yaml.Node, depth int) ([]*yaml.Node, error) {
	if depth > 32 {
		return nil, lferr.New(lferr.InvalidInput, "line %d: merge keys nested too deep", n.Line)
	}
	var own, merged []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag != "!!merge" {
			own = append(own, k, val)
			continue
		}
		for val.Kind == yaml.AliasNode {
			val = val.Alias
		}
		srcs := []*yaml.Node{val}
		if val.Kind == yaml.SequenceNode {
			srcs = val.Content
		}
		for _, src := range srcs {
			for src.Kind == yaml.AliasNode {
				src = src.Alias
			}
			if src.Kind != yaml.MappingNode {
				return nil, typeErr(src, "a merge key", "a mapping or a list of mappings")
			}
			p, err := mappingPairs(src, depth+1)
			if err != nil {
				return nil, err
			}
			merged = append(merged, p...)
		}
	}
	if len(merged) == 0 {
		return own, nil
	}
	have := map[string]bool{}
	for i := 0; i < len(own); i += 2 {
		have[own[i].Value] = true
	}
	out := own
	for i := 0; i+1 < len(merged); i += 2 {
		if !have[merged[i].Value] {
			have[merged[i].Value] = true
			out = append(out, merged[i], merged[i+1])
		}
	}
	return out, nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func typeErr(n *yaml.Node, path, want string) error {
	got := "a scalar " + strconv.Quote(n.Value)
	switch n.Kind {
	case yaml.MappingNode:
		got = "a mapping"
	case yaml.SequenceNode:
		got = "a list"
	}
	return lferr.New(lferr.InvalidInput, "line %d: %s must be %s, not %s", n.Line, pathOr(path), want, got)
}

func pathOr(p string) string {
	if p == "" {
		return "the lake file"
	}
	return p
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// fieldsOf maps a struct's API field names to field indexes, flattening
// embedded structs as encoding/json does.
func fieldsOf(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("json"); ok {
			if n, _, _ := strings.Cut(tag, ","); n == "-" {
				continue
			} else if n != "" {
				name = n
			}
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for k, idx := range fieldsOf(f.Type) {
				out[k] = append([]int{i}, idx...)
			}
			continue
		}
		out[name] = []int{i}
	}
	return out
}

func fieldNames(m map[string][]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// PolicyDocument is an IAM policy document: in the file either a JSON
// string (as the IAM API takes it) or a YAML/JSON mapping.
type PolicyDocument string

func (doc *PolicyDocument) decodeNode(_ *decodeState, n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*doc = PolicyDocument(n.Value)
		return nil
	case yaml.MappingNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return lferr.New(lferr.InvalidInput, "line %d: policy document: %v", n.Line, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return lferr.New(lferr.InvalidInput, "line %d: policy document cannot be written as JSON: %v", n.Line, err)
		}
		*doc = PolicyDocument(b)
		return nil
	}
	return typeErr(n, "policy document", "a JSON string or a mapping")
}

// canonicalJSON renders a JSON document with sorted keys and no spacing,
// so that two spellings of the same policy compare equal.
func canonicalJSON(doc string) string {
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return doc
	}
	b, err := json.Marshal(v)
	if err != nil {
		return doc
	}
	return string(b)
}

// Tags are IAM tags: a list of {Key, Value} (the API's shape) or a
// mapping of key to value.
type Tags []Tag

// Tag is one IAM tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func (t *Tags) decodeNode(d *decodeState, n *yaml.Node) error {
	switch n.Kind {
	case yaml.SequenceNode:
		var l []Tag
		if err := d.decodeInto(n, reflect.ValueOf(&l).Elem(), "Tags"); err != nil {
			return err
		}
		*t = l
		return nil
	case yaml.MappingNode:
		var m map[string]string
		if err := d.decodeInto(n, reflect.ValueOf(&m).Elem(), "Tags"); err != nil {
			return err
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		l := make(Tags, 0, len(keys))
		for _, k := range keys {
			l = append(l, Tag{Key: k, Value: m[k]})
		}
		*t = l
		return nil
	}
	if isNull(n) {
		*t = nil
		return nil
	}
	return typeErr(n, "Tags", "a list of {Key, Value} or a mapping")
}

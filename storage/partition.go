package storage

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// HiveDefaultPartition is the directory value Hive writes for a NULL
// partition key.
const HiveDefaultPartition = "__HIVE_DEFAULT_PARTITION__"

// Partition is one Hive-style partition directory ("k1=v1/k2=v2/").
type Partition struct {
	// Dir is the partition's key prefix relative to the store root, ending
	// in '/' (pass it to Sub for a store rooted at the partition).
	Dir string
	// Values are the key values in key order, unescaped, as String values;
	// HiveDefaultPartition reads as NULL. Use Typed to convert them.
	Values []types.Value
}

// DiscoverPartitions lists st and recognizes a Hive layout: every visible
// object under a directory path of k1=v1/.../kn=vn/ with the same keys in
// the same order. It returns the keys and the partitions (sorted by Dir),
// or no keys and no partitions for an unpartitioned layout (all objects at
// the root). Mixed layouts (objects at different depths, different keys or
// key order, directories not of the form k=v) are an InvalidInput error
// naming the offending object, since guessing could attach rows to the
// wrong partition.
func DiscoverPartitions(ctx context.Context, st Store) ([]string, []Partition, error) {
	objs, err := st.List(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	var keys []string
	var parts []Partition
	first := true
	seen := make(map[string]bool)
	for _, o := range objs {
		segs := strings.Split(o.Key, "/")
		dirs := segs[:len(segs)-1]
		ks := make([]string, len(dirs))
		vals := make([]types.Value, len(dirs))
		for i, d := range dirs {
			k, v, ok := strings.Cut(d, "=")
			if !ok || k == "" {
				return nil, nil, lferr.New(lferr.InvalidInput, "%s: object %q is under directory %q, which is not a key=value partition directory", st.Root(), o.Key, d)
			}
			uk, err1 := url.PathUnescape(k)
			uv, err2 := url.PathUnescape(v)
			if err1 != nil || err2 != nil {
				return nil, nil, lferr.New(lferr.InvalidInput, "%s: partition directory %q has an invalid %%-escape", st.Root(), d)
			}
			ks[i] = uk
			if uv == HiveDefaultPartition {
				vals[i] = types.Value{Kind: types.String, Null: true}
			} else {
				vals[i] = types.NewString(uv)
			}
		}
		if first {
			keys, first = ks, false
		} else if !sameKeys(keys, ks) {
			return nil, nil, lferr.New(lferr.InvalidInput, "%s: object %q has partition keys (%s), others have (%s)",
				st.Root(), o.Key, strings.Join(ks, ", "), strings.Join(keys, ", "))
		}
		if len(dirs) == 0 {
			continue
		}
		dir := strings.Join(dirs, "/") + "/"
		if !seen[dir] {
			seen[dir] = true
			parts = append(parts, Partition{Dir: dir, Values: vals})
		}
	}
	if len(keys) == 0 {
		return nil, nil, nil
	}
	for i, k := range keys {
		for _, k2 := range keys[:i] {
			if strings.EqualFold(k, k2) {
				return nil, nil, lferr.New(lferr.InvalidInput, "%s: partition key %q appears twice", st.Root(), k)
			}
		}
	}
	return keys, parts, nil
}

func sameKeys(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// InferPartitionTypes picks a type per key over all partitions: BIGINT
// when every non-NULL value is a canonical integer ("42", "-7"; not "007",
// whose directory name would not round-trip), else STRING.
func InferPartitionTypes(nkeys int, parts []Partition) []types.T {
	out := make([]types.T, nkeys)
	for k := range out {
		isInt, seenVal := true, false
		for _, p := range parts {
			if k >= len(p.Values) || p.Values[k].Null {
				continue
			}
			seenVal = true
			s := p.Values[k].S
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || strconv.FormatInt(n, 10) != s {
				isInt = false
				break
			}
		}
		if isInt && seenVal {
			out[k] = types.Int64T
		} else {
			out[k] = types.StringT
		}
	}
	return out
}

// Typed converts the partition's values to ts (BIGINT, DOUBLE, DECIMAL,
// BOOLEAN, DATE, TIMESTAMP or STRING). A value that does not parse is an
// InvalidInput error naming the partition.
func (p Partition) Typed(ts []types.T) ([]types.Value, error) {
	if len(ts) != len(p.Values) {
		return nil, lferr.New(lferr.InvalidInput, "partition %q has %d values, table has %d partition keys", p.Dir, len(p.Values), len(ts))
	}
	out := make([]types.Value, len(ts))
	for i, t := range ts {
		v, err := ParsePartitionValue(p.Values[i], t)
		if err != nil {
			return nil, lferr.New(lferr.InvalidInput, "partition %q: %v", p.Dir, err)
		}
		out[i] = v
	}
	return out, nil
}

// ParsePartitionValue converts a raw partition value (a String Value,
// possibly NULL) to type t.
func ParsePartitionValue(v types.Value, t types.T) (types.Value, error) {
	if v.Null {
		return types.Value{Kind: t.Kind, Null: true}, nil
	}
	s := v.S
	bad := func() (types.Value, error) {
		return types.Value{}, lferr.New(lferr.InvalidInput, "value %q is not a valid %s", s, t)
	}
	switch t.Kind {
	case types.String:
		return types.NewString(s), nil
	case types.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return bad()
		}
		return types.NewInt(n), nil
	case types.Float64, types.Decimal:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return bad()
		}
		return types.Value{Kind: t.Kind, F: f}, nil
	case types.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return bad()
		}
		return types.NewBool(b), nil
	case types.Date:
		d, err := parseTime("2006-01-02", s)
		if err != nil {
			return bad()
		}
		return types.NewDate(floorDivInt(d.Unix(), 86400)), nil
	case types.Timestamp:
		for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02T15:04:05.999999", "2006-01-02"} {
			if ts, err := parseTime(layout, s); err == nil {
				return types.NewTimestamp(ts.UnixMicro()), nil
			}
		}
		return bad()
	}
	return bad()
}

func floorDivInt(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func parseTime(layout, s string) (time.Time, error) { return time.ParseInLocation(layout, s, time.UTC) }

// PartitionDir renders the Hive directory for a partition, "k1=v1/k2=v2/",
// escaping keys and values the way Hive does (%XX for '/', '=', '%', ':',
// control characters and the other characters Hive escapes), so that
// DiscoverPartitions reads back the same values. NULL and the empty string
// both become HiveDefaultPartition, as in Hive (so "" reads back as NULL).
// Values render as types.Value.String does (dates YYYY-MM-DD, timestamps
// "YYYY-MM-DD HH:MM:SS[.ffffff]").
func PartitionDir(keys []string, vals []types.Value) (string, error) {
	if len(keys) != len(vals) {
		return "", lferr.New(lferr.InvalidInput, "%d partition keys but %d values", len(keys), len(vals))
	}
	var b strings.Builder
	for i, k := range keys {
		if k == "" {
			return "", lferr.New(lferr.InvalidInput, "empty partition key name")
		}
		b.WriteString(hiveEscape(k))
		b.WriteByte('=')
		v := vals[i]
		if v.Null || (v.Kind == types.String && v.S == "") {
			b.WriteString(HiveDefaultPartition)
		} else {
			b.WriteString(hiveEscape(v.String()))
		}
		b.WriteByte('/')
	}
	dir := b.String()
	if err := CheckPrefix(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// hiveEscape mirrors Hive's FileUtils.escapePathName character set. '.'
// is escaped too when it would make a "." or ".." segment, and a leading
// '_' or '.', which List would hide.
func hiveEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		esc := c < 0x20 || c == 0x7f
		switch c {
		case '"', '#', '%', '\'', '*', '/', ':', '=', '?', '\\', '{', '[', ']', '^':
			esc = true
		case '_', '.':
			esc = i == 0
		}
		if esc {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

package exec

import (
	"bytes"
	"hash/maphash"
	"math"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
)

// opHashSeed is fixed per process: hashes never leave memory.
var opHashSeed = maphash.MakeSeed()

const (
	hashMulConst  = 0x9E3779B97F4A7C15
	hashNullConst = 0x5bd1e9955bd1e995
)

func opMix64(h, x uint64) uint64 {
	h ^= x
	h *= hashMulConst
	h ^= h >> 29
	return h
}

// hashKeyCols hashes rows (positions in the readers) of the key columns into
// out (len(rows)). Each column is hashed by a loop specialized to its storage
// kind; sk gives the kind the key is compared in (an Int64 column hashed
// against a Float64 one is hashed as float so equal numbers collide).
// Dictionary columns hash each dictionary entry once per batch.
func hashKeyCols(rs []colReader, sks []storeKind, rows []int32, out []uint64, scratch *[]uint64) {
	for j := range out {
		out[j] = 0x243F6A8885A308D3
	}
	for c := range rs {
		r := &rs[c]
		sk := sks[c]
		if r.kind == rNull || sk == sNull {
			for j := range out {
				out[j] = opMix64(out[j], hashNullConst)
			}
			continue
		}
		if r.hasNulls() {
			// A NULL contributes the same constant whatever garbage its slot
			// holds, so NULLs from any layout hash alike.
			for j, i := range rows {
				if r.isNull(int(i)) {
					out[j] = opMix64(out[j], hashNullConst)
				} else {
					out[j] = opMix64(out[j], hashOne(r, sk, int(i)))
				}
			}
			continue
		}
		switch {
		case sk == sInt && r.kind == rInt64:
			src := r.i64
			for j, i := range rows {
				out[j] = opMix64(out[j], uint64(src[i]))
			}
		case sk == sInt:
			for j, i := range rows {
				out[j] = opMix64(out[j], uint64(r.int64At(int(i))))
			}
		case sk == sFloat:
			for j, i := range rows {
				out[j] = opMix64(out[j], hashFloatBits(r.floatAt(int(i))))
			}
		case r.kind == rDict:
			nd := len(r.offs) - 1
			dh := (*scratch)[:0]
			for d := 0; d < nd; d++ {
				dh = append(dh, maphash.Bytes(opHashSeed, r.data[r.offs[d]:r.offs[d+1]]))
			}
			*scratch = dh
			idx := r.idx
			for j, i := range rows {
				out[j] = opMix64(out[j], dh[idx[i]])
			}
		default:
			for j, i := range rows {
				out[j] = opMix64(out[j], maphash.Bytes(opHashSeed, r.bytesAt(int(i))))
			}
		}
	}
}

// hashOne hashes one non-NULL value the way the typed loops do.
func hashOne(r *colReader, sk storeKind, i int) uint64 {
	switch sk {
	case sInt:
		return uint64(r.int64At(i))
	case sFloat:
		return hashFloatBits(r.floatAt(i))
	}
	return maphash.Bytes(opHashSeed, r.bytesAt(i))
}

// hashFloatBits maps a float to hash bits so that 0 and -0 (equal numbers)
// hash alike.
func hashFloatBits(f float64) uint64 {
	if f == 0 {
		return 0
	}
	return math.Float64bits(f)
}

// hashTable maps distinct keys (tuples of typed values, NULLs equal to each
// other) to dense group ids 0..n-1, with open addressing and linear probing.
// The keys are copied into Go-owned mcols, so they outlive input batches.
type hashTable struct {
	keys    []*mcol
	sks     []storeKind
	hashes  []uint64 // per group
	slots   []int32  // group id + 1; 0 = empty
	mask    uint64
	n       int
	scratch []uint64
}

func newHashTable(ts []types.T) *hashTable {
	t := &hashTable{keys: make([]*mcol, len(ts)), sks: make([]storeKind, len(ts))}
	for i, kt := range ts {
		t.keys[i] = newMcol(kt)
		t.sks[i] = t.keys[i].sk
	}
	t.slots = make([]int32, 1024)
	t.mask = 1023
	return t
}

func (t *hashTable) grow() {
	ns := make([]int32, len(t.slots)*2)
	mask := uint64(len(ns) - 1)
	for g, h := range t.hashes {
		p := h & mask
		for ns[p] != 0 {
			p = (p + 1) & mask
		}
		ns[p] = int32(g + 1)
	}
	t.slots, t.mask = ns, mask
}

// keyEq reports whether row i of the readers equals group g.
func (t *hashTable) keyEq(rs []colReader, i int, g int) bool {
	for c := range rs {
		r := &rs[c]
		k := t.keys[c]
		rn := r.isNull(i)
		if k.sk == sNull {
			if !rn {
				return false
			}
			continue
		}
		if rn || k.nulls[g] {
			if rn != k.nulls[g] {
				return false
			}
			continue
		}
		switch k.sk {
		case sInt:
			if r.int64At(i) != k.i64[g] {
				return false
			}
		case sFloat:
			if r.floatAt(i) != k.f64[g] {
				return false
			}
		case sString:
			if !bytes.Equal(r.bytesAt(i), k.str(g)) {
				return false
			}
		}
	}
	return true
}

// insertKey appends row i of the readers as a new group.
func (t *hashTable) insertKey(rs []colReader, i int, h uint64) int32 {
	sel := [1]int32{int32(i)}
	for c := range rs {
		// appendRows only fails on a string/number mismatch, which the key
		// type derivation rules out; a mismatch would show up as a wrong
		// key type assertion in tests, so the error is dropped here.
		_ = t.keys[c].appendRows(&rs[c], sel[:])
	}
	g := int32(t.n)
	t.n++
	t.hashes = append(t.hashes, h)
	return g
}

// findOrInsert sets gids[j] to the group of rows[j], creating groups for
// new keys. hashes must come from hashKeyCols over the same rows.
func (t *hashTable) findOrInsert(rs []colReader, rows []int32, hashes []uint64, gids []int32) {
	if len(rs) == 1 && t.sks[0] == sInt && rs[0].kind == rInt64 && !rs[0].hasNulls() {
		t.findOrInsertInt64(&rs[0], rows, hashes, gids)
		return
	}
	for j, i := range rows {
		h := hashes[j]
		p := h & t.mask
		for {
			s := t.slots[p]
			if s == 0 {
				g := t.insertKey(rs, int(i), h)
				t.slots[p] = g + 1
				gids[j] = g
				if t.n*2 > len(t.slots) {
					t.grow()
				}
				break
			}
			if t.hashes[s-1] == h && t.keyEq(rs, int(i), int(s-1)) {
				gids[j] = s - 1
				break
			}
			p = (p + 1) & t.mask
		}
	}
}

// findOrInsertInt64 is the single non-null int64 key fast path.
func (t *hashTable) findOrInsertInt64(r *colReader, rows []int32, hashes []uint64, gids []int32) {
	src := r.i64
	k := t.keys[0]
	for j, i := range rows {
		h := hashes[j]
		v := src[i]
		p := h & t.mask
		for {
			s := t.slots[p]
			if s == 0 {
				g := int32(t.n)
				t.n++
				t.hashes = append(t.hashes, h)
				k.n++
				k.nulls = append(k.nulls, false)
				k.i64 = append(k.i64, v)
				t.slots[p] = g + 1
				gids[j] = g
				if t.n*2 > len(t.slots) {
					t.grow()
				}
				break
			}
			if k.i64[s-1] == v && !k.nulls[s-1] {
				gids[j] = s - 1
				break
			}
			p = (p + 1) & t.mask
		}
	}
}

// find sets gids[j] to the group of rows[j], or -1 when the key is absent.
func (t *hashTable) find(rs []colReader, rows []int32, hashes []uint64, gids []int32) {
	if len(rs) == 1 && t.sks[0] == sInt && rs[0].kind == rInt64 && !rs[0].hasNulls() {
		// Single int64 key: compare the stored key directly, one random
		// access per probe step instead of two.
		src, keys, nulls, slots, mask := rs[0].i64, t.keys[0].i64, t.keys[0].nulls, t.slots, t.mask
		if !t.keys[0].mayNull {
			for j, i := range rows {
				v := src[i]
				p := hashes[j] & mask
				g := int32(-1)
				for {
					s := slots[p]
					if s == 0 {
						break
					}
					if keys[s-1] == v {
						g = s - 1
						break
					}
					p = (p + 1) & mask
				}
				gids[j] = g
			}
			return
		}
		for j, i := range rows {
			v := src[i]
			p := hashes[j] & mask
			g := int32(-1)
			for {
				s := slots[p]
				if s == 0 {
					break
				}
				if keys[s-1] == v && !nulls[s-1] {
					g = s - 1
					break
				}
				p = (p + 1) & mask
			}
			gids[j] = g
		}
		return
	}
	for j, i := range rows {
		h := hashes[j]
		p := h & t.mask
		gids[j] = -1
		for {
			s := t.slots[p]
			if s == 0 {
				break
			}
			if t.hashes[s-1] == h && t.keyEq(rs, int(i), int(s-1)) {
				gids[j] = s - 1
				break
			}
			p = (p + 1) & t.mask
		}
	}
}

// checkKeyReaders fails when a key column's layout cannot hold its declared
// type (a string column where a number is expected or the reverse): the
// typed comparisons would otherwise read garbage. It is a planner/exec
// contract violation, reported rather than guessed around.
func checkKeyReaders(rs []colReader, sks []storeKind) error {
	for c := range rs {
		isStr := rs[c].kind == rString || rs[c].kind == rDict
		switch {
		case rs[c].kind == rNull || sks[c] == sNull:
		case sks[c] == sString && !isStr, sks[c] != sString && isStr:
			return lferr.AssertionFailedf("key column %d: layout %d does not match its type", c, rs[c].kind)
		}
	}
	return nil
}

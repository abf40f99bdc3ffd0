package parquetio

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/planner/types"
	"github.com/sluicedb/sluice/storage"
)

// File is an open Parquet file. Its footer is parsed once at Open; readers
// created from it share that metadata. A File and its Readers are for one
// goroutine at a time (arrow-go's file reader makes no concurrency
// promise); open the object again to read it in parallel.
type File struct {
	name   string // for error messages: the object key or URI
	src    storage.File
	owned  bool // Close closes src
	mem    memory.Allocator
	pq     *file.Reader
	schema *arrow.Schema // the file's own Arrow schema (as pqarrow maps it)
	// leaf maps a top-level column name to its leaf index, for flat
	// (primitive) columns only. Nested columns are absent: sluice's type
	// system has none, and a request for one fails as unsupported.
	leaf   map[string]int
	nested map[string]bool
	// nullCountsOK is false for writers known to record wrong null counts,
	// whose counts must then not prune IS NULL / IS NOT NULL.
	nullCountsOK bool
	dup          []string // names used by more than one column
}

// Open parses the Parquet footer of f. name is used in error messages (pass
// the object key). mem allocates page buffers and arrays; nil means the Go
// allocator. The caller keeps ownership of f: Close does not close it.
func Open(ctx context.Context, name string, f storage.File, mem memory.Allocator) (_ *File, err error) {
	defer recoverCorrupt(name, &err)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	props := parquet.NewReaderProperties(mem)
	// Read a column chunk in bounded pieces instead of all at once, so a huge
	// column chunk does not have to sit in memory in compressed form as well.
	props.BufferedStreamEnabled = true
	props.BufferSize = 1 << 20
	pq, err := file.NewParquetReader(io.NewSectionReader(f, 0, f.Size()), file.WithReadProps(props))
	if err != nil {
		return nil, lferr.Wrap(lferr.StorageError, err, "%s is not a readable Parquet file: %v", name, err)
	}
	fr, err := pqarrow.NewFileReader(pq, pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		pq.Close()
		return nil, lferr.Wrap(lferr.StorageError, err, "%s: cannot map Parquet schema to Arrow: %v", name, err)
	}
	sc, err := fr.Schema()
	if err != nil {
		pq.Close()
		return nil, lferr.Wrap(lferr.StorageError, err, "%s: cannot map Parquet schema to Arrow: %v", name, err)
	}
	pf := &File{name: name, src: f, mem: mem, pq: pq, schema: sc,
		leaf: make(map[string]int), nested: make(map[string]bool),
		nullCountsOK: trustNullCounts(pq.MetaData().GetCreatedBy())}
	for _, fld := range fr.Manifest.Fields {
		name := fld.Field.Name
		_, dupLeaf := pf.leaf[name]
		if dupLeaf || pf.nested[name] {
			// Parquet allows two columns with one name; which one a query
			// reads must not depend on map order, so the name is unusable.
			delete(pf.leaf, name)
			pf.nested[name] = false
			pf.dup = append(pf.dup, name)
			continue
		}
		if fld.IsLeaf() {
			pf.leaf[name] = fld.ColIndex
		} else {
			pf.nested[name] = true
		}
	}
	return pf, nil
}

// OpenObject opens key in st and parses it; Close closes the object too.
func OpenObject(ctx context.Context, st storage.Store, key string, mem memory.Allocator) (*File, error) {
	f, err := st.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	pf, err := Open(ctx, key, f, mem)
	if err != nil {
		f.Close()
		return nil, err
	}
	pf.owned = true
	return pf, nil
}

// trustNullCounts reports whether the writer named by created_by records
// correct null counts. github.com/xitongsys/parquet-go ("parquet-go version
// ...") writes null_count = 0 for dictionary-encoded columns that contain
// NULLs (seen in this package's interop test), so an IS NULL predicate
// would wrongly skip those row groups.
func trustNullCounts(createdBy string) bool {
	return !strings.HasPrefix(createdBy, "parquet-go version")
}

// Name is the name the file was opened under.
func (f *File) Name() string { return f.name }

// Schema is the file's Arrow schema as stored (before conversion to the
// engine layout): use it to infer a table's columns.
func (f *File) Schema() *arrow.Schema { return f.schema }

// NumRows is the total row count from the footer.
func (f *File) NumRows() int64 { return f.pq.NumRows() }

// NumRowGroups is the number of row groups.
func (f *File) NumRowGroups() int { return f.pq.NumRowGroups() }

// RowGroupNumRows is the row count of row group rg.
func (f *File) RowGroupNumRows(rg int) int64 {
	if rg < 0 || rg >= f.pq.NumRowGroups() {
		return 0
	}
	return f.pq.MetaData().RowGroup(rg).NumRows()
}

// Columns lists the file's columns with their logical types, in file
// order: the column list CREATE EXTERNAL TABLE infers. A column whose type
// sluice does not support (nested, unsigned 64-bit, ...) is an error naming
// it, so that inference never silently drops data.
func (f *File) Columns() (_ []Column, err error) {
	defer recoverCorrupt(f.name, &err)
	out := make([]Column, 0, len(f.schema.Fields()))
	for _, fld := range f.schema.Fields() {
		t, err := types.FromArrow(fld.Type)
		if err != nil {
			return nil, lferr.New(lferr.Unsupported, "%s: column %q has unsupported type %s", f.name, fld.Name, fld.Type)
		}
		if _, _, err := f.lookup(fld.Name); err != nil {
			return nil, err
		}
		out = append(out, Column{Name: fld.Name, T: t})
	}
	return out, nil
}

// Close releases the footer and, for OpenObject, closes the object.
func (f *File) Close() error {
	err := f.pq.Close()
	if f.owned {
		if cerr := f.src.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// lookup resolves a column name to its leaf index: an exact match first,
// then a case-insensitive one, because Glue lower-cases column names while
// Parquet writers keep whatever case they were given.
func (f *File) lookup(name string) (int, bool, error) {
	for _, d := range f.dup {
		if equalFold(d, name) {
			return 0, false, lferr.New(lferr.StorageError, "%s: several columns are named %q", f.name, name)
		}
	}
	if i, ok := f.leaf[name]; ok {
		return i, true, nil
	}
	if f.nested[name] {
		return 0, false, lferr.New(lferr.Unsupported, "%s: nested column %q is not supported", f.name, name)
	}
	found, idx := 0, 0
	for n, i := range f.leaf {
		if equalFold(n, name) {
			found++
			idx = i
		}
	}
	switch found {
	case 0:
		return 0, false, nil
	case 1:
		return idx, true, nil
	}
	return 0, false, lferr.New(lferr.StorageError, "%s: column name %q is ambiguous (several columns differ only in case)", f.name, name)
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}

// recoverCorrupt turns a panic raised while decoding (arrow-go panics on
// some corrupt inputs, e.g. absurd lengths in page headers) into a
// StorageError naming the file: bad input must never crash the process.
func recoverCorrupt(name string, err *error) {
	if r := recover(); r != nil {
		*err = lferr.New(lferr.StorageError, "%s: corrupt or unreadable Parquet data (%v)", name, r)
	}
}

func (f *File) errf(format string, args ...any) error {
	return lferr.New(lferr.StorageError, "%s: %s", f.name, fmt.Sprintf(format, args...))
}

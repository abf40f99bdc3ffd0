package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// DefaultSeed is the seed GenerateLineitem uses.
const DefaultSeed int64 = 19920101

// Column indexes of LineitemSchema, in order.
const (
	colOrderKey = iota
	colPartKey
	colSuppKey
	colLineNumber
	colQuantity
	colExtendedPrice
	colDiscount
	colTax
	colReturnFlag
	colLineStatus
	colShipDate
	colCommitDate
	colReceiptDate
	colShipInstruct
	colShipMode
	colComment
	colRegion
	colCustomerEmail
	numCols
)

// LineitemSchema is the generated table's schema: TPC-H lineitem's columns
// (integers as BIGINT, decimals as DOUBLE) plus region and customer_email.
// All columns are NOT NULL, as in TPC-H.
var LineitemSchema = arrow.NewSchema([]arrow.Field{
	{Name: "l_orderkey", Type: arrow.PrimitiveTypes.Int64},
	{Name: "l_partkey", Type: arrow.PrimitiveTypes.Int64},
	{Name: "l_suppkey", Type: arrow.PrimitiveTypes.Int64},
	{Name: "l_linenumber", Type: arrow.PrimitiveTypes.Int64},
	{Name: "l_quantity", Type: arrow.PrimitiveTypes.Float64},
	{Name: "l_extendedprice", Type: arrow.PrimitiveTypes.Float64},
	{Name: "l_discount", Type: arrow.PrimitiveTypes.Float64},
	{Name: "l_tax", Type: arrow.PrimitiveTypes.Float64},
	{Name: "l_returnflag", Type: arrow.BinaryTypes.String},
	{Name: "l_linestatus", Type: arrow.BinaryTypes.String},
	{Name: "l_shipdate", Type: arrow.FixedWidthTypes.Date32},
	{Name: "l_commitdate", Type: arrow.FixedWidthTypes.Date32},
	{Name: "l_receiptdate", Type: arrow.FixedWidthTypes.Date32},
	{Name: "l_shipinstruct", Type: arrow.BinaryTypes.String},
	{Name: "l_shipmode", Type: arrow.BinaryTypes.String},
	{Name: "l_comment", Type: arrow.BinaryTypes.String},
	{Name: "region", Type: arrow.BinaryTypes.String},
	{Name: "customer_email", Type: arrow.BinaryTypes.String},
}, nil)

// plainColumns are written without dictionary encoding: their values are
// (nearly) unique per row group, so a dictionary would only overflow the
// page limit and fall back. Every other column is dictionary-encoded, as
// Spark, DuckDB and parquet-mr do by default: flags, ship modes, region,
// quantities, discounts, taxes, dates and line numbers have tiny domains,
// and a reader that can work on dictionary codes should be able to.
var plainColumns = []string{"l_orderkey", "l_partkey", "l_extendedprice", "l_comment", "customer_email"}

// LineitemOptions tune the Parquet layout; the zero value is the default.
type LineitemOptions struct {
	// RowGroupRows is the maximum rows per row group; default 1<<20.
	RowGroupRows int64
	// BatchRows is how many rows are generated and written at a time; it
	// bounds the generator's own memory. Default 64Ki.
	BatchRows int
	// Compression defaults to Snappy.
	Compression compress.Compression
	// Allocator defaults to memory.DefaultAllocator.
	Allocator memory.Allocator
}

func (o LineitemOptions) withDefaults() LineitemOptions {
	if o.RowGroupRows <= 0 {
		o.RowGroupRows = 1 << 20
	}
	if o.BatchRows <= 0 {
		o.BatchRows = 64 << 10
	}
	if o.Compression == compress.Codecs.Uncompressed {
		o.Compression = compress.Codecs.Snappy
	}
	if o.Allocator == nil {
		o.Allocator = memory.DefaultAllocator
	}
	return o
}

// generatorKey is the Parquet key-value metadata naming what produced the
// file, so GenerateLineitem can reuse a file made with the same inputs.
const generatorKey = "sluice.bench.generator"

// generatorVersion changes whenever the generated values change.
const generatorVersion = "lineitem-v2"

func generatorID(rows, seed int64) string {
	return fmt.Sprintf("%s rows=%d seed=%d", generatorVersion, rows, seed)
}

// WriteLineitem writes rows generated lineitem rows as one Parquet file to w.
// The same (rows, seed, opts) always give the same bytes. Memory stays
// bounded by one batch plus one buffered row group, whatever rows is.
func WriteLineitem(w io.Writer, rows int64, seed int64, opts LineitemOptions) error {
	return writeLineitem(context.Background(), w, rows, seed, opts)
}

func writeLineitem(ctx context.Context, w io.Writer, rows int64, seed int64, opts LineitemOptions) error {
	if rows < 0 {
		return fmt.Errorf("bench: negative row count %d", rows)
	}
	opts = opts.withDefaults()
	props := []parquet.WriterProperty{
		parquet.WithAllocator(opts.Allocator),
		parquet.WithCompression(opts.Compression),
		parquet.WithMaxRowGroupLength(opts.RowGroupRows),
		parquet.WithDictionaryDefault(true),
		parquet.WithStats(true),
	}
	for _, c := range plainColumns {
		props = append(props, parquet.WithDictionaryFor(c, false))
	}
	// pqarrow closes a writer that is an io.Closer; the caller owns w, so
	// hand it only Write, through a buffer (the encoder writes small pieces).
	bw := bufio.NewWriterSize(writerOnly{w}, 1<<20)
	fw, err := pqarrow.NewFileWriter(LineitemSchema, bw, parquet.NewWriterProperties(props...),
		pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(opts.Allocator)))
	if err != nil {
		return fmt.Errorf("bench: opening the Parquet writer: %w", err)
	}
	if err := fw.AppendKeyValueMetadata(generatorKey, generatorID(rows, seed)); err != nil {
		fw.Close()
		return err
	}
	g := newLineitemGen(rows, seed)
	b := array.NewRecordBuilder(opts.Allocator, LineitemSchema)
	defer b.Release()
	for g.emitted < rows {
		if err := ctx.Err(); err != nil {
			fw.Close()
			return err
		}
		n := int64(opts.BatchRows)
		if left := rows - g.emitted; left < n {
			n = left
		}
		g.fill(b, int(n))
		rec := b.NewRecordBatch()
		err := fw.WriteBuffered(rec)
		rec.Release()
		if err != nil {
			fw.Close()
			return fmt.Errorf("bench: writing rows: %w", err)
		}
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("bench: closing the Parquet file: %w", err)
	}
	return bw.Flush()
}

type writerOnly struct{ w io.Writer }

func (w writerOnly) Write(p []byte) (int, error) { return w.w.Write(p) }

// GenerateLineitem writes rows rows with DefaultSeed to
// dir/lineitem/part-0.parquet and returns the file's path. An existing file
// made by the same generator version with the same rows and seed is reused.
func GenerateLineitem(ctx context.Context, dir string, rows int64) (string, error) {
	paths, err := GenerateLineitemFiles(ctx, dir, rows, DefaultSeed, 0, LineitemOptions{})
	if err != nil {
		return "", err
	}
	return paths[0], nil
}

// GenerateLineitemFiles writes rows rows to dir/lineitem/part-<i>.parquet,
// at most fileRows rows per file (0: one file). Each file is generated from
// its own seed derived from (seed, i), so files are independent and each
// reusable. Files are written to a temporary name and renamed when complete,
// so a crash never leaves a truncated part-N.parquet behind.
func GenerateLineitemFiles(ctx context.Context, dir string, rows, seed, fileRows int64, opts LineitemOptions) ([]string, error) {
	if rows < 0 {
		return nil, fmt.Errorf("bench: negative row count %d", rows)
	}
	if fileRows <= 0 || fileRows > rows {
		fileRows = rows
	}
	tdir := filepath.Join(dir, "lineitem")
	if err := os.MkdirAll(tdir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for i, left := int64(0), rows; i == 0 || left > 0; i++ {
		n := min(fileRows, left)
		left -= n
		fseed := seed
		if i > 0 {
			fseed = seed ^ int64(uint64(i)*0x9E3779B97F4A7C15)
		}
		path := filepath.Join(tdir, "part-"+strconv.FormatInt(i, 10)+".parquet")
		paths = append(paths, path)
		if existing, err := fileGenerator(path); err == nil && existing == generatorID(n, fseed) {
			continue
		}
		if err := writeFileAtomically(ctx, path, n, fseed, opts); err != nil {
			return nil, err
		}
	}
	return paths, nil
}

func writeFileAtomically(ctx context.Context, path string, rows, seed int64, opts LineitemOptions) (err error) {
	// A unique temporary name: two processes generating the same table at
	// once each write their own file, and the last rename wins intact.
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = writeLineitem(ctx, f, rows, seed, opts); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// fileGenerator reads the generator id stored in a Parquet file's footer.
func fileGenerator(path string) (string, error) {
	r, err := file.OpenParquetFile(path, false)
	if err != nil {
		return "", err
	}
	defer r.Close()
	if v := r.MetaData().KeyValueMetadata().FindValue(generatorKey); v != nil {
		return *v, nil
	}
	return "", errors.New("no generator metadata")
}

// Dates as days since 1970-01-01 (Date32), from the TPC-H specification.
const (
	startDate   = 8035  // 1992-01-01
	endDate     = 10591 // 1998-12-31
	currentDate = 9298  // 1995-06-17: decides returnflag and linestatus
)

var (
	shipInstructs = []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	shipModes     = []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}
	// Regions are weighted so that region IN ('EU','US') keeps 60 % of rows.
	regions       = []string{"EU", "US", "APAC", "LATAM", "MEA"}
	regionPercent = []int{30, 30, 20, 10, 10}
	firstNames    = []string{"ana", "ben", "chen", "dana", "eli", "fatima", "goran", "hana", "ivan", "jun",
		"kofi", "lena", "mateo", "nia", "omar", "priya", "quinn", "rosa", "sven", "tariq", "uma", "vera", "wei", "yusuf", "zoe"}
	lastNames = []string{"silva", "smith", "wang", "garcia", "muller", "kim", "okafor", "rossi", "novak", "tanaka",
		"haddad", "dubois", "kowalski", "jensen", "singh", "ivanova", "costa", "nguyen", "ali", "brown"}
	domains = []string{"example.com", "example.org", "mail.example.net", "corp.example", "shop.example.co"}
)

// lineitemGen produces rows in order. Orders have 1..7 lines; an order's
// date, customer, region and email are shared by its lines, as in TPC-H.
type lineitemGen struct {
	rng                 *rand.Rand
	rows, emitted       int64
	parts, supps, custs int64
	orderIdx            int64 // orders started so far
	orderKey            int64
	linesLeft, lineNo   int
	orderDate           int32
	region              string
	email               []byte
	pool                string
	regionOfPercent     [100]uint8
}

func newLineitemGen(rows, seed int64) *lineitemGen {
	// Key ranges scale as in TPC-H: 6M lineitems per 200k parts, 10k
	// suppliers and 150k customers.
	parts := max(rows/30, 1000)
	g := &lineitemGen{
		rng:   rand.New(rand.NewPCG(uint64(seed), 0x5eed5eed5eed5eed)),
		rows:  rows,
		parts: parts,
		supps: max(parts/20, 4),
		custs: max(parts*3/4, 100),
		pool:  textPool(),
	}
	i := 0
	for r, p := range regionPercent {
		for k := 0; k < p; k++ {
			g.regionOfPercent[i] = uint8(r)
			i++
		}
	}
	return g
}

// newOrder starts the next order: TPC-H's sparse order keys (8 used out of
// every 32), an order date in [STARTDATE, ENDDATE-151], a customer key that
// is not a multiple of 3, and the customer's region and email.
func (g *lineitemGen) newOrder() {
	o := g.orderIdx
	g.orderIdx++
	g.orderKey = (o/8)*32 + o%8 + 1
	g.linesLeft = 1 + g.rng.IntN(7)
	g.lineNo = 0
	g.orderDate = int32(startDate + g.rng.IntN(endDate-151-startDate+1))
	cust := 1 + g.rng.Int64N(g.custs)
	for cust%3 == 0 {
		cust = 1 + g.rng.Int64N(g.custs)
	}
	h := mix(uint64(cust))
	g.region = regions[g.regionOfPercent[h%100]]
	e := g.email[:0]
	e = append(e, firstNames[(h>>8)%uint64(len(firstNames))]...)
	e = append(e, '.')
	e = append(e, lastNames[(h>>16)%uint64(len(lastNames))]...)
	e = append(e, '.')
	e = strconv.AppendInt(e, cust, 10)
	e = append(e, '@')
	e = append(e, domains[(h>>24)%uint64(len(domains))]...)
	g.email = e
}

// mix is a 64-bit finalizer (splitmix64) so per-customer attributes are a
// pure function of the customer key.
func mix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// retailCents is TPC-H's P_RETAILPRICE for a part key, in cents.
func retailCents(pk int64) int64 { return 90000 + (pk/10)%20001 + 100*(pk%1000) }

// fill appends n rows to b's columns.
func (g *lineitemGen) fill(b *array.RecordBuilder, n int) {
	var (
		orderKey   = b.Field(colOrderKey).(*array.Int64Builder)
		partKey    = b.Field(colPartKey).(*array.Int64Builder)
		suppKey    = b.Field(colSuppKey).(*array.Int64Builder)
		lineNumber = b.Field(colLineNumber).(*array.Int64Builder)
		quantity   = b.Field(colQuantity).(*array.Float64Builder)
		price      = b.Field(colExtendedPrice).(*array.Float64Builder)
		discount   = b.Field(colDiscount).(*array.Float64Builder)
		tax        = b.Field(colTax).(*array.Float64Builder)
		returnFlag = b.Field(colReturnFlag).(*array.StringBuilder)
		lineStatus = b.Field(colLineStatus).(*array.StringBuilder)
		shipDate   = b.Field(colShipDate).(*array.Date32Builder)
		commitDate = b.Field(colCommitDate).(*array.Date32Builder)
		receipt    = b.Field(colReceiptDate).(*array.Date32Builder)
		instruct   = b.Field(colShipInstruct).(*array.StringBuilder)
		mode       = b.Field(colShipMode).(*array.StringBuilder)
		comment    = b.Field(colComment).(*array.StringBuilder)
		region     = b.Field(colRegion).(*array.StringBuilder)
		email      = b.Field(colCustomerEmail).(*array.StringBuilder)
	)
	for i := 0; i < numCols; i++ {
		b.Field(i).Reserve(n)
	}
	comment.ReserveData(n * 27)
	email.ReserveData(n * 32)
	rng := g.rng
	for i := 0; i < n; i++ {
		if g.linesLeft == 0 {
			g.newOrder()
		}
		g.linesLeft--
		g.lineNo++
		pk := 1 + rng.Int64N(g.parts)
		s := g.supps
		sk := (pk+int64(rng.IntN(4))*(s/4+(pk-1)/s))%s + 1
		q := int64(1 + rng.IntN(50))
		ship := g.orderDate + int32(1+rng.IntN(121))
		commit := g.orderDate + int32(30+rng.IntN(61))
		rcpt := ship + int32(1+rng.IntN(30))

		orderKey.UnsafeAppend(g.orderKey)
		partKey.UnsafeAppend(pk)
		suppKey.UnsafeAppend(sk)
		lineNumber.UnsafeAppend(int64(g.lineNo))
		quantity.UnsafeAppend(float64(q))
		price.UnsafeAppend(float64(q*retailCents(pk)) / 100)
		discount.UnsafeAppend(float64(rng.IntN(11)) / 100)
		tax.UnsafeAppend(float64(rng.IntN(9)) / 100)
		switch {
		case rcpt > currentDate:
			returnFlag.Append("N")
		case rng.IntN(2) == 0:
			returnFlag.Append("R")
		default:
			returnFlag.Append("A")
		}
		if ship > currentDate {
			lineStatus.Append("O")
		} else {
			lineStatus.Append("F")
		}
		shipDate.UnsafeAppend(arrow.Date32(ship))
		commitDate.UnsafeAppend(arrow.Date32(commit))
		receipt.UnsafeAppend(arrow.Date32(rcpt))
		instruct.Append(shipInstructs[rng.IntN(len(shipInstructs))])
		mode.Append(shipModes[rng.IntN(len(shipModes))])
		// dbgen's comments are random slices of a text pool, 10..43 chars.
		cl := 10 + rng.IntN(34)
		off := rng.IntN(len(g.pool) - cl)
		comment.Append(g.pool[off : off+cl])
		region.Append(g.region)
		email.BinaryBuilder.Append(g.email)
	}
	g.emitted += int64(n)
}

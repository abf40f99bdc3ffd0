package parquetio

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicedb/sluice/authz/lferr"
)

// Parallel decoding.
//
// Decoding Parquet is most of a scan's CPU time, and the engine's operators
// run in one goroutine per query. When GOMAXPROCS > 1 and the read spans
// several row groups, a Reader therefore decodes ahead: up to maxInFlight
// row groups at once, each in its own goroutine with its own column
// readers, while the consumer works on the earliest. Batches still come
// out in row-group order, exactly as the serial path produces them, so
// nothing above the Reader can tell the difference except by the clock.
//
// Memory stays bounded independently of file size: each in-flight row
// group holds at most one finished piece (unbuffered hand-off) plus the
// one it is building, and pieces aim at decodeBytes/inFlight, so about
// 2*decodeBytes are decoded at any time (the serial path: decodeBytes).

// maxInFlight caps the row groups decoded at once whatever GOMAXPROCS is.
const maxInFlight = 8

// parallelism is how many row groups a new Reader may decode at once
// (<= 1: serial). It is opt-in, with SLUICE_PARALLEL_DECODE=1 (then up to
// GOMAXPROCS row groups): on the shared 2-core machines it was measured on
// it gave no wall-clock gain, and the serial path is the one whose peak
// memory is shown not to grow with file size (VISION: a scan streams). A
// variable so tests can force both paths.
var parallelism = func() int {
	if os.Getenv("SLUICE_PARALLEL_DECODE") == "1" {
		return runtime.GOMAXPROCS(0)
	}
	return 1
}

type piece struct {
	rec arrow.RecordBatch
	err error
}

// rgJob is one row group being decoded by its goroutine. out yields its
// pieces in order and is closed when the goroutine has finished and
// released everything it held.
type rgJob struct {
	out chan piece
}

type prefetcher struct {
	inFlight int
	// pieceBytes is the decoded size a piece aims at: decodeBytes shared
	// by the row groups in flight, so that peak memory stays near the
	// serial path's however large the row groups are.
	pieceBytes int64
	queue      []*rgJob // in row-group order; queue[0] is being consumed
	done       chan struct{}
	stopped    bool
	wg         sync.WaitGroup
	// decode is the last measured decode size, shared by the jobs so that
	// later row groups start at the right piece size.
	decode atomic.Int64
}

// newPrefetcher returns nil when the read should stay serial.
func newPrefetcher(r *Reader) *prefetcher {
	if r.fr == nil || len(r.rgs) < 2 {
		return nil
	}
	p := parallelism()
	if p < 2 {
		return nil
	}
	// P row groups: while the consumer works on the earliest (usually
	// decoded already), P-1 goroutines decode ahead. More in flight showed
	// no gain on two cores and raised peak memory.
	n := min(p, maxInFlight, len(r.rgs))
	return &prefetcher{inFlight: n, pieceBytes: decodeBytes / int64(n), done: make(chan struct{})}
}

// nextParallel is Next on the decode-ahead path.
func (r *Reader) nextParallel() (arrow.RecordBatch, error) {
	p := r.par
	if r.big != nil && r.off < r.big.NumRows() {
		return r.slice(), nil
	}
	for {
		r.launch()
		if len(p.queue) == 0 {
			return nil, nil
		}
		j := p.queue[0]
		var pc piece
		var ok bool
		select {
		case pc, ok = <-j.out:
		case <-r.ctx.Done():
			return nil, r.ctx.Err()
		}
		if !ok {
			p.queue = p.queue[1:]
			continue
		}
		if pc.err != nil {
			r.err = pc.err // sticky, as on the serial path
			r.stopPrefetch()
			return nil, pc.err
		}
		if r.big != nil {
			r.big.Release()
		}
		r.big, r.off = pc.rec, 0
		if r.big.NumRows() == 0 {
			continue
		}
		return r.slice(), nil
	}
}

// launch starts row groups until inFlight are queued. Column readers are
// created here, in the consumer's goroutine: only NextBatch on distinct
// readers runs concurrently (as pqarrow's own parallel mode does).
func (r *Reader) launch() {
	p := r.par
	for !p.stopped && len(p.queue) < p.inFlight && r.nextRG < len(r.rgs) {
		rg := r.rgs[r.nextRG]
		r.nextRG++
		rows := r.f.RowGroupNumRows(rg)
		if rows == 0 {
			continue
		}
		j := &rgJob{out: make(chan piece)}
		p.queue = append(p.queue, j)
		crs, _, err := r.fr.GetFieldReaders(r.ctx, r.leaves, []int{rg})
		if err == nil && len(crs) != len(r.leaves) {
			for _, c := range crs {
				c.Release()
			}
			err = lferr.AssertionFailedf("%s: %d column readers for %d columns", r.f.name, len(crs), len(r.leaves))
		}
		if err != nil {
			err = r.readErr(rg, err)
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				defer close(j.out)
				select {
				case j.out <- piece{err: err}:
				case <-p.done:
				}
			}()
			continue
		}
		decode := p.decode.Load()
		if decode == 0 {
			decode = r.estimateDecodeRows(rg)
		}
		p.wg.Add(1)
		go r.decodeRowGroup(j, rg, crs, rows, decode)
	}
}

// decodeRowGroup decodes one row group piece by piece into j.out. It
// recovers decoder panics (corrupt data) into an error, like Next.
func (r *Reader) decodeRowGroup(j *rgJob, rg int, crs []*pqarrow.ColumnReader, rows, decode int64) {
	p := r.par
	defer p.wg.Done()
	defer close(j.out)
	defer func() {
		for _, c := range crs {
			c.Release()
		}
	}()
	send := func(pc piece) bool {
		select {
		case j.out <- pc:
			return true
		case <-p.done:
			if pc.rec != nil {
				pc.rec.Release()
			}
			return false
		}
	}
	defer func() {
		if v := recover(); v != nil {
			send(piece{err: lferr.New(lferr.StorageError, "%s: corrupt or unreadable Parquet data (%v)", r.f.name, v)})
		}
	}()
	src := make([]arrow.Array, len(r.leaves))
	scratch := make([]arrow.Array, len(r.cols))
	for left := rows; left > 0; {
		select {
		case <-p.done:
			return
		default:
		}
		n := min(left, decode)
		rec, bytes, err := r.decodeRows(crs, src, scratch, n)
		if err != nil {
			send(piece{err: r.readErr(rg, err)})
			return
		}
		left -= n
		decode = nextDecode(decode, bytes, n, p.pieceBytes)
		p.decode.Store(decode)
		if !send(piece{rec: rec}) {
			return
		}
	}
}

// stopPrefetch stops every decoding goroutine and waits for them, so that
// nothing they allocated outlives the Reader (and the File may be closed).
func (r *Reader) stopPrefetch() {
	p := r.par
	if p == nil || p.stopped {
		return
	}
	p.stopped = true
	close(p.done)
	p.wg.Wait()
	for _, j := range p.queue {
		// Every goroutine has exited and closed its channel; an error
		// job's channel is drained the same way.
		for pc := range j.out {
			if pc.rec != nil {
				pc.rec.Release()
			}
		}
	}
	p.queue = nil
}

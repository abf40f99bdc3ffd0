package wire_test

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"

	"github.com/sluicedb/sluice/authz"
)

// BenchmarkGetUnfilteredTableMetadataHTTP measures the integration call an
// engine makes per table per query, over loopback HTTP with SigV4 and a
// role session carrying the engine tag (cell filter on the table): 32
// concurrent aws-sdk-go-v2 clients (the target), and 1 (latency without
// queueing). Reported: p50/p99 latency per call
// and calls per second. "nosync" skips fsync of the catalog and audit log
// (the audit record is still written); "fsync" is the production setting,
// where every integration call fsyncs its audit record (VISION rule 13).
//
//	go test -run XXX -bench GetUnfilteredTableMetadataHTTP -benchtime 4000x ./authz/wire/
func BenchmarkGetUnfilteredTableMetadataHTTP(b *testing.B) {
	for _, clients := range []int{32, 1} {
		for _, sync := range []bool{false, true} {
			name := fmt.Sprintf("clients=%d/nosync", clients)
			if sync {
				name = fmt.Sprintf("clients=%d/fsync", clients)
			}
			b.Run(name, func(b *testing.B) { benchGUTM(b, clients, !sync) })
		}
	}
}

func benchGUTM(b *testing.B, clients int, noSync bool) {
	e := newEnvOpts(b, authz.Options{NoSync: noSync})
	setupLake(b, e)
	eng := engineSession(b, e)
	analyst := userSession(b, e, eng, "analyst", map[string]string{tagKey: engineTag})
	cls := make([]*glue.Client, clients)
	for i := range cls {
		cls[i] = e.glue(analyst)
	}
	in := &glue.GetUnfilteredTableMetadataInput{CatalogId: aws.String(account), DatabaseName: aws.String("db1"),
		Name: aws.String("t1"), SupportedPermissionTypes: bothTypes}
	// Warm the connections and caches.
	for _, c := range cls {
		if _, err := c.GetUnfilteredTableMetadata(bg, in); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	cpu0 := processCPU()
	start := time.Now()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(c *glue.Client) {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				t0 := time.Now()
				out, err := c.GetUnfilteredTableMetadata(bg, in)
				lat[i] = time.Since(t0)
				if err != nil || len(out.AuthorizedColumns) != 2 {
					failed.Store(fmt.Sprint(err))
					return
				}
			}
		}(cls[w])
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	b.StopTimer()
	if f := failed.Load(); f != nil {
		b.Fatalf("call failed: %v", f)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
	// CPU per call, client and server together (both run in this
	// process): what the latencies cost when the machine is not shared.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/call")
}

// processCPU is the process's user+system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package authz

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/store"
)

const benchTables = 10000

// benchLake is a home with benchTables tables of 12 columns over 10
// databases, created in one transaction.
func benchLake(b *testing.B) (*ControlPlane, api.Client) {
	b.Helper()
	cp, err := Open(b.TempDir(), Options{NoSync: true})
	must(b, err)
	b.Cleanup(func() { _ = cp.Close() })
	cols := make([]api.Column, 12)
	for i := range cols {
		cols[i] = api.Column{Name: fmt.Sprintf("col_%02d", i), Type: []string{"bigint", "string", "double", "date"}[i%4]}
	}
	must(b, cp.Store().Update(func(tx *store.Tx) error {
		c := cp.Catalog().In(tx, "")
		for d := 0; d < 10; d++ {
			if err := c.CreateDatabase(DefaultAccountID, api.DatabaseInput{Name: fmt.Sprintf("db%d", d)}); err != nil {
				return err
			}
		}
		for i := 0; i < benchTables; i++ {
			err := c.CreateTable(DefaultAccountID, fmt.Sprintf("db%d", i%10), api.TableInput{
				Name:              fmt.Sprintf("table_%05d", i),
				StorageDescriptor: &api.StorageDescriptor{Columns: cols, InputFormat: "parquet"},
				PartitionKeys:     []api.Column{{Name: "dt", Type: "date"}},
			})
			if err != nil {
				return err
			}
		}
		return nil
	}))
	return cp, cp.ClientFor(cp.Admin())
}

func BenchmarkGetTable10k(b *testing.B) {
	_, cl := benchLake(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := (i * 7919) % benchTables
		if _, err := cl.GetTable(bg, fmt.Sprintf("db%d", n%10), fmt.Sprintf("table_%05d", n)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetUnfilteredTableMetadata10k(b *testing.B) {
	_, cl := benchLake(b)
	ins := make([]*api.GetUnfilteredTableMetadataInput, 1024)
	for i := range ins {
		n := (i * 7919) % benchTables
		ins[i] = gutm(fmt.Sprintf("db%d", n%10), fmt.Sprintf("table_%05d", n), func(in *api.GetUnfilteredTableMetadataInput) {
			in.QuerySessionContext = &api.QuerySessionContext{QueryId: "q"}
		})
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := cl.GetUnfilteredTableMetadata(bg, ins[i%len(ins)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

package lf

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/catalog"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/lftag"
	"github.com/sluicedb/sluice/authz/store"
)

// benchWorld is the benchmark world scaled by tables: tables/100
// databases of 100 tables with 10 columns, 100 LF-tag keys with 5 values
// assigned to databases, tables and some columns, 1,000 principals and
// 10 grants per table (100k grants at 10k tables): direct table grants,
// wildcards, column grants, database grants and LF-tag policies.
type benchWorld struct {
	db     *store.DB
	target string // principal under test
	dbName string
	table  string
}

var benchWorlds = map[int]*benchWorld{}

func buildBenchWorld(b *testing.B, tables int) *benchWorld {
	if w := benchWorlds[tables]; w != nil {
		return w
	}
	b.Helper()
	start := time.Now()
	db, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	cat := catalog.New(db, catalog.Config{DatabaseLocation: func(_, d string) string { return "s3://lake/" + d },
		OnCreate: []func(*store.Tx, catalog.Resource, string) error{OnCreate}})
	tags := lftag.New(db, cat, lftag.Config{AccountID: acct})
	rng := rand.New(rand.NewPCG(7, 7))
	const principals, tagKeys, perDB = 1000, 100, 100
	dbs := tables / perDB
	tagName := func(i int) string { return fmt.Sprint("key", i) }
	vals := []string{"v0", "v1", "v2", "v3", "v4"}
	cols := make([]api.Column, 10)
	for i := range cols {
		cols[i] = api.Column{Name: fmt.Sprint("c", i), Type: "string"}
	}
	// Many moderate transactions: one huge bbolt transaction spends its
	// time moving dirty pages around.
	err = db.Update(func(tx *store.Tx) error {
		if err := PutSettings(tx, acct, api.DataLakeSettings{DataLakeAdmins: []api.DataLakePrincipal{{DataLakePrincipalIdentifier: adminRole}}}); err != nil {
			return err
		}
		tt := tags.In(tx)
		for k := 0; k < tagKeys; k++ {
			if err := tt.CreateLFTag(api.CreateLFTagInput{TagKey: tagName(k), TagValues: vals}); err != nil {
				return err
			}
		}
		return nil
	})
	for d := 0; d < dbs && err == nil; d++ {
		err = db.Update(func(tx *store.Tx) error {
			tt := tags.In(tx)
			ct := cat.In(tx, "")
			dn := fmt.Sprint("db", d)
			if err := ct.CreateDatabase(acct, api.DatabaseInput{Name: dn}); err != nil {
				return err
			}
			add := func(r api.Resource, k int) error {
				_, err := tt.AddLFTagsToResource(api.AddLFTagsToResourceInput{Resource: &r, LFTags: []api.LFTagPair{{TagKey: tagName(k), TagValues: []string{vals[rng.IntN(len(vals))]}}}})
				return err
			}
			if err := add(dbRes(dn), d%tagKeys); err != nil {
				return err
			}
			for t := 0; t < perDB; t++ {
				tn := fmt.Sprint("t", t)
				if err := ct.CreateTable(acct, dn, api.TableInput{Name: tn, StorageDescriptor: &api.StorageDescriptor{Columns: cols}}); err != nil {
					return err
				}
				if err := add(tableRes(dn, tn), rng.IntN(tagKeys)); err != nil {
					return err
				}
				if t%10 == 0 {
					if err := add(colsRes(dn, tn, "c1", "c2"), rng.IntN(tagKeys)); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	p := func(i int) string { return role(fmt.Sprint("user", i)) }
	for chunk := 0; chunk < tables*10/1000 && err == nil; chunk++ {
		err = db.Update(func(tx *store.Tx) error {
			grant := func(pr string, r api.Resource, perms ...string) error {
				return GrantPermissions(tx, acct, trusted, GrantInput{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: pr}, Resource: &r, Permissions: perms}, t0)
			}
			for n := 0; n < 1000; n++ {
				pr := p(rng.IntN(principals))
				dn := fmt.Sprint("db", rng.IntN(dbs))
				tn := fmt.Sprint("t", rng.IntN(perDB))
				var err error
				switch x := rng.IntN(100); {
				case x < 80:
					err = grant(pr, tableRes(dn, tn), "SELECT")
				case x < 85:
					err = grant(pr, wildcardRes(dn), "DESCRIBE")
				case x < 90:
					err = grant(pr, colsRes(dn, tn, "c0", "c3"), "SELECT")
				case x < 95:
					err = grant(pr, dbRes(dn), "CREATE_TABLE")
				default:
					err = grant(pr, policyRes("TABLE", tag(tagName(rng.IntN(tagKeys)), vals[rng.IntN(len(vals))])), "SELECT")
				}
				if err != nil && !isConflict(err) {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = db.Update(func(tx *store.Tx) error {
			grant := func(pr string, r api.Resource, perms ...string) error {
				return GrantPermissions(tx, acct, trusted, GrantInput{Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: pr}, Resource: &r, Permissions: perms}, t0)
			}
			// The principal under test: a direct grant, a column grant elsewhere
			// in the database, a wildcard and five tag policies.
			target := p(0)
			for _, r := range []api.Resource{tableRes("db0", "t5"), wildcardRes("db0"), colsRes("db0", "t6", "c1")} {
				if err := grant(target, r, "SELECT"); err != nil && !isConflict(err) {
					return err
				}
			}
			for k := 0; k < 5; k++ {
				if err := grant(target, policyRes("TABLE", tag(tagName(k), "v0", "v1")), "SELECT", "INSERT"); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		b.Fatal(err)
	}
	var count int
	_ = db.View(func(tx *store.Tx) error { count, _ = tx.Count(BucketGrants, ""); return nil })
	b.Logf("world: %d tables, %d grants stored, built in %v", tables, count, time.Since(start).Round(time.Millisecond))
	w := &benchWorld{db: db, target: role("user0"), dbName: "db0", table: "t5"}
	benchWorlds[tables] = w
	return w
}

// isConflict: the §4.4 partial-SELECT rules refuse some random grants.
func isConflict(err error) bool { return lferr.CodeOf(err) == lferr.InvalidInput }

// BenchmarkTableAccess measures the resolver for one table: ns/op and the
// p99 of single calls (each in its own read transaction, as the decision
// runs). Compare tables=1000 with tables=10000: the cost must not grow
// with the tables and grants the principal has nothing to do with.
func BenchmarkTableAccess(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint("tables=", n), func(b *testing.B) {
			w := buildBenchWorld(b, n)
			ps := []string{w.target, acct}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			const keep = 1 << 16
			wall := make([]int64, 0, keep)
			cpu := make([]int64, 0, keep)
			var cpuTotal int64
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				t, c := time.Now(), threadCPU()
				err := w.db.View(func(tx *store.Tx) error {
					a, err := TableAccess(tx, acct, ps, w.dbName, w.table)
					if err == nil && !a.Has(PermSelect) {
						b.Fatalf("target has no SELECT: %+v", a)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				dc := threadCPU() - c
				cpuTotal += dc
				if len(wall) < keep {
					wall = append(wall, int64(time.Since(t)))
					cpu = append(cpu, dc)
				}
			}
			b.StopTimer()
			slices.Sort(wall)
			slices.Sort(cpu)
			if len(wall) > 0 {
				b.ReportMetric(float64(wall[len(wall)*99/100]), "p99-ns")
				b.ReportMetric(float64(cpu[len(cpu)*99/100]), "p99-cpu-ns")
				b.ReportMetric(float64(cpuTotal)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

package authz

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/access"
	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/iam"
	"github.com/sluicedb/sluice/authz/lf"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

func columnsRes(cols ...string) api.Resource {
	return api.Resource{TableWithColumns: &api.TableWithColumnsResource{CatalogId: DefaultAccountID, DatabaseName: "sales", Name: "orders", ColumnNames: cols}}
}

func revokeLF(t *testing.T, cp *ControlPlane, res api.Resource, perms ...string) {
	t.Helper()
	must(t, cp.Store().Update(func(tx *store.Tx) error {
		return lf.RevokePermissions(tx, DefaultAccountID, trusted, lf.GrantInput{
			Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: analystArn}, Resource: &res, Permissions: perms}, time.Now())
	}))
}

// Every change to what a decision reads shows in the very next decision:
// the cache keys on the catalog version, so an answer computed before a
// write is never served after it. Repeated calls with no write in between
// are served from the cache (the hit counter proves the cache is in play,
// so the test is not passing merely because nothing is cached).
func TestDecisionCacheNeverStale(t *testing.T) {
	cp := realLake(t)
	caller, err := cp.CallerForRole(bg, "analyst", tagged())
	must(t, err)
	cl := cp.ClientFor(caller)
	admin := cp.ClientFor(cp.Admin())
	call := func() (*api.GetUnfilteredTableMetadataOutput, error) {
		return cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders"))
	}
	steps := []struct {
		name   string
		change func()
		cols   []string
		// cellC is the CellFilters expression of column c ("" when the
		// answer has no CellFilters).
		cellC   string
		errCode lferr.Code
	}{
		{name: "no grant", change: func() {}, errCode: lferr.AccessDenied},
		{name: "grant a", change: func() { grantLF(t, cp, columnsRes("a"), "SELECT") }, cols: []string{"a"}},
		{name: "grant b too", change: func() { grantLF(t, cp, columnsRes("b"), "SELECT") }, cols: []string{"a", "b"}},
		{name: "revoke a", change: func() { revokeLF(t, cp, columnsRes("a"), "SELECT") }, cols: []string{"b"}},
		{name: "cell filter on c", change: func() {
			filterLF(t, cp, accessGrant("f1", "b > 1", "c"))
		}, cols: []string{"b", "c"}, cellC: "b > 1"},
		{name: "new column", change: func() {
			must(t, admin.UpdateTable(bg, "sales", api.TableInput{Name: "orders",
				StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "a", Type: "string"}, {Name: "b", Type: "int"},
					{Name: "c", Type: "int"}, {Name: "country", Type: "string"}, {Name: "d", Type: "int"}}},
				PartitionKeys: []api.Column{{Name: "year", Type: "int"}}}))
			grantLF(t, cp, columnsRes("d"), "SELECT")
		}, cols: []string{"b", "c", "d"}, cellC: "b > 1"},
		{name: "engine no longer authorized", change: func() {
			must(t, cp.Store().Update(func(tx *store.Tx) error {
				s, err := lf.GetSettings(tx, DefaultAccountID)
				if err != nil {
					return err
				}
				s.AuthorizedSessionTagValueList = []string{"someone-else"}
				return lf.PutSettings(tx, DefaultAccountID, s)
			}))
		}, errCode: lferr.AccessDenied},
		{name: "engine authorized again", change: func() {
			must(t, cp.Store().Update(func(tx *store.Tx) error {
				s, err := lf.GetSettings(tx, DefaultAccountID)
				if err != nil {
					return err
				}
				s.AuthorizedSessionTagValueList = []string{engineTag}
				return lf.PutSettings(tx, DefaultAccountID, s)
			}))
		}, cols: []string{"b", "c", "d"}, cellC: "b > 1"},
		{name: "IAM explicit deny on the role", change: func() {
			must(t, cp.Store().Update(func(tx *store.Tx) error {
				adm := &iam.Admin{Rand: cp.rand, Sealer: cp.sealer}
				return adm.PutRolePolicy(iam.BoltRecords{Tx: tx}, DefaultAccountID, "analyst", "deny",
					`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"glue:*","Resource":"*"}]}`)
			}))
		}, errCode: lferr.AccessDenied},
	}
	for _, st := range steps {
		st.change()
		for rep := 0; rep < 3; rep++ {
			before := cp.resolved.Stats()
			out, err := call()
			if st.errCode != "" {
				if lferr.CodeOf(err) != st.errCode {
					t.Fatalf("%s (call %d): got %v, want %s", st.name, rep, err, st.errCode)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s (call %d): %v", st.name, rep, err)
			}
			if !slices.Equal(out.AuthorizedColumns, st.cols) {
				t.Fatalf("%s (call %d): AuthorizedColumns %v, want %v", st.name, rep, out.AuthorizedColumns, st.cols)
			}
			cellC := ""
			for _, cf := range out.CellFilters {
				if cf.ColumnName == "c" {
					cellC = cf.RowFilterExpression
				}
			}
			if cellC != st.cellC {
				t.Fatalf("%s (call %d): cell filter of c %q, want %q (%+v)", st.name, rep, cellC, st.cellC, out.CellFilters)
			}
			if rep > 0 {
				if after := cp.resolved.Stats(); after.Hits != before.Hits+1 {
					t.Fatalf("%s (call %d): not served from the cache (hits %d → %d)", st.name, rep, before.Hits, after.Hits)
				}
			}
			// The answer is the caller's own: changing it must not reach
			// the cached copy the next call starts from.
			out.Table.StorageDescriptor.Columns[0].Name = "tampered"
			out.Table.PartitionKeys = nil
		}
	}
}

func accessGrant(name, rows string, cols ...string) (g access.SelectGrant) {
	g.FilterName, g.RowFilter, g.Columns = name, rows, cols
	return g
}

// A write committed while decisions run concurrently is seen by every
// decision that starts after it, and no decision ever mixes state from two
// versions (each answer is one of the two legal ones). Run with -race:
//
//	go test -race -run 'DecisionCache' ./authz/
func TestDecisionCacheConcurrent(t *testing.T) {
	cp := realLake(t)
	grantLF(t, cp, columnsRes("a"), "SELECT")
	caller, err := cp.CallerForRole(bg, "analyst", tagged())
	must(t, err)
	cl := cp.ClientFor(caller)
	const readers, rounds = 4, 6
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []string
	)
	for round := 0; round < rounds; round++ {
		// Odd rounds hold a and b, even rounds a only.
		want := []string{"a"}
		if round%2 == 1 {
			grantLF(t, cp, columnsRes("b"), "SELECT")
			want = []string{"a", "b"}
		} else if round > 0 {
			revokeLF(t, cp, columnsRes("b"), "SELECT")
		}
		for r := 0; r < readers; r++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					out, err := cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders"))
					mu.Lock()
					if err != nil {
						errs = append(errs, err.Error())
					} else if !slices.Equal(out.AuthorizedColumns, want) {
						errs = append(errs, fmt.Sprintf("round %d: %v, want %v", round, out.AuthorizedColumns, want))
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	// Writes racing the readers: every answer is one of the two legal
	// ones, and once the writer is done the next answer is the final state.
	done := make(chan struct{})
	for r := 0; r < readers; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				out, err := cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders"))
				mu.Lock()
				if err != nil {
					errs = append(errs, err.Error())
				} else if !slices.Equal(out.AuthorizedColumns, []string{"a"}) && !slices.Equal(out.AuthorizedColumns, []string{"a", "b"}) {
					errs = append(errs, fmt.Sprintf("racing a writer: %v", out.AuthorizedColumns))
				}
				mu.Unlock()
			}
		}()
	}
	held := (rounds-1)%2 == 1 // b is held after the rounds above iff the last round was odd
	for i := 0; i < 10; i++ {
		if held {
			revokeLF(t, cp, columnsRes("b"), "SELECT")
		} else {
			grantLF(t, cp, columnsRes("b"), "SELECT")
		}
		held = !held
	}
	close(done)
	wg.Wait()
	want := []string{"a"}
	if held {
		want = []string{"a", "b"}
	}
	out, err := cl.GetUnfilteredTableMetadata(bg, gutm("sales", "orders"))
	if err != nil || !slices.Equal(out.AuthorizedColumns, want) {
		t.Errorf("after the writer: %v %v, want %v", out, err, want)
	}
	for _, e := range errs {
		t.Error(e)
	}
	if s := cp.resolved.Stats(); s.Hits == 0 {
		t.Errorf("the cache was never hit: %+v", s)
	}
}

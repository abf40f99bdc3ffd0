package lf

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/catalog"
	"github.com/sluicedb/sluice/authz/store"
)

const crashChildEnv = "SLUICE_LF_CRASH_CHILD"

// TestCrashChild is the child of TestCrashSafety; it does nothing unless
// re-executed with crashChildEnv naming the database. It grants in a tight
// loop, one transaction per grant (fsync on), and prints each grant's id
// only after its transaction committed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		return
	}
	db, err := store.Open(path, store.Options{})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		r := tableRes("d", "t")
		err := db.Update(func(tx *store.Tx) error {
			return GrantPermissions(tx, acct, trusted, GrantInput{
				Principal: &api.DataLakePrincipal{DataLakePrincipalIdentifier: role(fmt.Sprint("p", i))}, Resource: &r,
				Permissions: []string{"SELECT", "INSERT"}, PermissionsWithGrantOption: []string{"SELECT"}}, t0)
		})
		if err != nil {
			fmt.Println("grant:", err)
			os.Exit(2)
		}
		fmt.Printf("ack %d\n", i)
	}
}

// TestCrashSafety kills (SIGKILL) a process in the middle of a burst of
// grants and checks that every acknowledged grant survived, complete, and
// that the grant table and its resource index agree.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(db, catalog.Config{OnCreate: []func(*store.Tx, catalog.Resource, string) error{OnCreate}})
	err = db.Update(func(tx *store.Tx) error {
		if err := PutSettings(tx, acct, api.DataLakeSettings{}); err != nil {
			return err
		}
		if err := cat.In(tx, "").CreateDatabase(acct, api.DatabaseInput{Name: "d", LocationUri: "s3://lake/d"}); err != nil {
			return err
		}
		return cat.In(tx, "").CreateTable(acct, "d", api.TableInput{Name: "t", StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "a", Type: "string"}}}})
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := -1
	sc := bufio.NewScanner(out)
	deadline := time.Now().Add(20 * time.Second)
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "ack "); ok {
			acked, _ = strconv.Atoi(n)
		} else if strings.HasPrefix(line, "open:") || strings.HasPrefix(line, "grant:") {
			t.Fatalf("child failed: %s", line)
		}
		if acked >= 40 || time.Now().After(deadline) {
			break
		}
	}
	// Kill while the child is mid-burst; it keeps granting until then.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Lines the child printed before dying are acknowledgements too.
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
			acked, _ = strconv.Atoi(n)
		}
	}
	_ = cmd.Wait()
	if acked < 0 {
		t.Fatal("the child acknowledged no grant")
	}

	db, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *store.Tx) error {
		for i := 0; i <= acked; i++ {
			p := role(fmt.Sprint("p", i))
			a, err := TableAccess(tx, acct, []string{p}, "d", "t")
			if err != nil {
				return err
			}
			if !a.Has("SELECT") || !a.Has("INSERT") || len(a.Grantable) != 1 {
				t.Errorf("acknowledged grant %d lost or torn: %+v", i, a)
			}
		}
		return checkConsistency(tx)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d acknowledged grants survived SIGKILL", acked+1)
}

// checkConsistency verifies that every grant has its index row and every
// index row its grant, and that stored grants are well formed.
func checkConsistency(tx *store.Tx) error {
	grants := map[string]bool{}
	err := tx.Scan(BucketGrants, "", func(k string, raw []byte) error {
		var g grantRec
		if err := jsonUnmarshal(raw, &g); err != nil {
			return err
		}
		if len(g.Permissions) == 0 {
			return fmt.Errorf("grant %q has no permissions", k)
		}
		for _, p := range g.Grantable {
			if !newPermSet(g.Permissions...).has(p) {
				return fmt.Errorf("grant %q: grantable %s not held", k, p)
			}
		}
		parts := strings.Split(k, store.Sep)
		idx := resIndexKey(parts[0], strings.Join(parts[2:], store.Sep), parts[1])
		if ok, err := tx.Has(BucketGrantsRes, idx); err != nil || !ok {
			return fmt.Errorf("grant %q has no index row (%v)", k, err)
		}
		grants[k] = true
		return nil
	})
	if err != nil {
		return err
	}
	return tx.Scan(BucketGrantsRes, "", func(k string, _ []byte) error {
		parts := strings.Split(k, store.Sep)
		pk := grantKey(parts[0], parts[len(parts)-1], strings.Join(parts[1:len(parts)-1], store.Sep))
		if !grants[pk] {
			return fmt.Errorf("index row %q has no grant", k)
		}
		return nil
	})
}

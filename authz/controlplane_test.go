package authz

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/lferr"
	"github.com/sluicedb/sluice/authz/store"
)

var bg = context.Background()

func openHome(t testing.TB, home string) *ControlPlane {
	t.Helper()
	cp, err := Open(home, Options{NoSync: true, LockTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = cp.Close() })
	return cp
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err error, code lferr.Code, msgPart string) {
	t.Helper()
	if lferr.CodeOf(err) != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if !strings.Contains(lferr.MessageOf(err), msgPart) {
		t.Fatalf("message %q does not contain %q", lferr.MessageOf(err), msgPart)
	}
}

func TestOpenLayoutAndDefaults(t *testing.T) {
	home := filepath.Join(t.TempDir(), "h")
	cp := openHome(t, home)
	for _, p := range []string{filepath.Join(home, CatalogFile), filepath.Join(home, WarehouseDir)} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("home layout: %v", err)
		}
	}
	if cp.AccountID() != "111122223333" || cp.Region() != "us-east-1" || cp.Home() != home {
		t.Errorf("defaults: account %s region %s home %s", cp.AccountID(), cp.Region(), cp.Home())
	}
	if got, want := cp.WarehouseURI(), "file://"+home+"/warehouse/"; got != want {
		t.Errorf("WarehouseURI = %q, want %q", got, want)
	}
	if cp.Admin().Principal != "arn:aws:iam::111122223333:root" {
		t.Errorf("admin principal = %q", cp.Admin().Principal)
	}

	bad := []struct {
		name string
		home string
		opts Options
		msg  string
	}{
		{"empty home", "", Options{}, "must not be empty"},
		{"short account", t.TempDir(), Options{AccountID: "1234"}, `Account id "1234" is not 12 digits`},
		{"bad region", t.TempDir(), Options{Region: "Mars"}, `Region "Mars"`},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := Open(c.home, c.opts)
			wantErr(t, err, lferr.InvalidInput, c.msg)
		})
	}
}

func TestSecondOpenFailsFastInProcess(t *testing.T) {
	home := t.TempDir()
	openHome(t, home)
	start := time.Now()
	_, err := Open(home, Options{LockTimeout: 300 * time.Millisecond})
	if !errors.Is(err, store.ErrInUse) {
		t.Fatalf("err = %v, want store.ErrInUse", err)
	}
	if want := "sluice home " + home + " is in use by another process"; lferr.MessageOf(err) != want {
		t.Errorf("message = %q, want %q", lferr.MessageOf(err), want)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// TestHelperHoldHome is not a test: TestSecondOpenFailsFastAcrossProcesses
// runs the test binary with SLUICE_HOLD_HOME set so that this function
// holds the home in a separate process until its stdin closes.
func TestHelperHoldHome(t *testing.T) {
	home := os.Getenv("SLUICE_HOLD_HOME")
	if home == "" {
		return
	}
	cp, err := Open(home, Options{})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	_ = cp.Close()
	os.Exit(0)
}

func TestSecondOpenFailsFastAcrossProcesses(t *testing.T) {
	home := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldHome$")
	cmd.Env = append(os.Environ(), "SLUICE_HOLD_HOME="+home)
	stdin, err := cmd.StdinPipe()
	must(t, err)
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	must(t, cmd.Start())
	defer func() { _ = stdin.Close(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("helper process: %q %v", line, err)
	}
	start := time.Now()
	_, err = Open(home, Options{LockTimeout: 300 * time.Millisecond})
	if !errors.Is(err, store.ErrInUse) || !strings.Contains(err.Error(), "is in use by another process") {
		t.Fatalf("err = %v, want the in-use error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	// Once the other process lets go, the home opens.
	_ = stdin.Close()
	_ = cmd.Wait()
	cp := openHome(t, home)
	_ = cp
}

func TestReopenPersistsAndVersion(t *testing.T) {
	home := t.TempDir()
	cp, err := Open(home, Options{})
	must(t, err)
	cl := cp.ClientFor(cp.Admin())
	if cp.CatalogVersion() != 0 {
		t.Fatalf("fresh version = %d", cp.CatalogVersion())
	}
	must(t, cl.CreateDatabase(bg, api.DatabaseInput{Name: "sales"}))
	if cp.CatalogVersion() != 1 {
		t.Fatalf("version after one call = %d, want 1", cp.CatalogVersion())
	}
	must(t, cl.CreateTable(bg, "sales", api.TableInput{Name: "orders", StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "id", Type: "bigint"}}}}))
	// Failing calls leave the version alone.
	wantErr(t, cl.CreateDatabase(bg, api.DatabaseInput{Name: "SALES"}), lferr.AlreadyExists, "already exists")
	wantErr(t, cl.CreateTable(bg, "sales", api.TableInput{Name: "bad", StorageDescriptor: &api.StorageDescriptor{Columns: []api.Column{{Name: "x", Type: "struct<a:int>"}}}}), lferr.InvalidInput, "unsupported type")
	if cp.CatalogVersion() != 2 {
		t.Fatalf("version = %d, want 2", cp.CatalogVersion())
	}
	must(t, cp.Close())

	cp = openHome(t, home)
	if cp.CatalogVersion() != 2 {
		t.Errorf("version after reopen = %d, want 2", cp.CatalogVersion())
	}
	tbl, err := cp.ClientFor(cp.Admin()).GetTable(bg, "sales", "orders")
	must(t, err)
	if want := "file://" + home + "/warehouse/sales.db/orders/"; tbl.StorageDescriptor.Location != want {
		t.Errorf("location = %q, want %q", tbl.StorageDescriptor.Location, want)
	}
	if tbl.CreatedBy != "arn:aws:iam::111122223333:root" {
		t.Errorf("CreatedBy = %q", tbl.CreatedBy)
	}
	d, err := cp.ClientFor(cp.Admin()).GetDatabase(bg, "sales")
	must(t, err)
	if want := "file://" + home + "/warehouse/sales.db/"; d.LocationUri != want {
		t.Errorf("database location = %q, want %q", d.LocationUri, want)
	}
	// Another catalog's databases get their own directory.
	must(t, cp.Catalog().CreateDatabase(bg, "444455556666", api.DatabaseInput{Name: "sales"}))
	d, err = cp.Catalog().GetDatabase(bg, "444455556666", "sales")
	must(t, err)
	if want := "file://" + home + "/warehouse/444455556666/sales.db/"; d.LocationUri != want {
		t.Errorf("other catalog location = %q, want %q", d.LocationUri, want)
	}
}

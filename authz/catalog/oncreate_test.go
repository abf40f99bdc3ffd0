package catalog

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sluicedb/sluice/authz/api"
	"github.com/sluicedb/sluice/authz/store"
)

// OnCreate hooks see each created database and table with the principal
// bound by In, inside the creating transaction: a failing hook undoes the
// creation.
func TestOnCreateHooks(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "catalog.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	type call struct {
		r         Resource
		principal string
	}
	var calls []call
	var fail error
	cat := New(db, Config{
		DatabaseLocation: func(_, d string) string { return "file:///wh/" + d + "/" },
		OnCreate: []func(*store.Tx, Resource, string) error{func(_ *store.Tx, r Resource, p string) error {
			if fail != nil {
				return fail
			}
			calls = append(calls, call{r, p})
			return nil
		}},
	})
	const who = "arn:aws:iam::111122223333:role/maker"
	err = db.Update(func(tx *store.Tx) error {
		t := cat.In(tx, who)
		if err := t.CreateDatabase(acct, api.DatabaseInput{Name: "D"}); err != nil {
			return err
		}
		return t.CreateTable(acct, "d", api.TableInput{Name: "T", StorageDescriptor: &api.StorageDescriptor{Columns: cols("a", "string")}})
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []call{{Resource{CatalogID: acct, Database: "d"}, who}, {Resource{CatalogID: acct, Database: "d", Table: "t"}, who}}
	if !reflect.DeepEqual(calls, want) {
		t.Fatalf("hook calls %+v, want %+v", calls, want)
	}
	fail = errors.New("no")
	if err := cat.CreateTable(ctx, acct, "d", api.TableInput{Name: "u", StorageDescriptor: &api.StorageDescriptor{Columns: cols("a", "string")}}); err == nil {
		t.Fatal("a failing OnCreate hook must fail the creation")
	}
	if _, err := cat.GetTable(ctx, acct, "d", "u"); err == nil {
		t.Fatal("the table of a failed creation exists")
	}
}

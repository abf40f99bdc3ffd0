package audit

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sluicedb/sluice/authz/lferr"
)

func TestAppendRead(t *testing.T) {
	home := t.TempDir()
	l, err := Open(home, false)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	evs := []Event{
		{Time: t0, EventName: "GetUnfilteredTableMetadata", Principal: "p1", Decision: Allow, QueryId: "q1", RowFilter: "a = 1", Filters: []string{"f1"}},
		{Time: t0.Add(time.Second), EventName: "GetDataAccess", Principal: "p1", Decision: Allow, QueryId: "q1", VendedPath: "file:///x/"},
		{Time: t0.Add(2 * time.Second), EventName: "GetUnfilteredTableMetadata", Principal: "p2", Decision: Deny, ErrorCode: "AccessDeniedException", QueryId: "q2"},
	}
	var wg sync.WaitGroup
	for i := range evs {
		if err := l.Append(&evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	// Concurrent appends never interleave within a line.
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := l.Append(&Event{Time: t0.Add(time.Hour), EventName: "X", Principal: "c", Decision: Allow}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if st, err := os.Stat(l.Path()); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("log mode: %v %v", st, err)
	}
	cases := []struct {
		name string
		f    Filter
		want int
	}{
		{"all", Filter{}, 23},
		{"principal", Filter{Principal: "p1"}, 2},
		{"query", Filter{QueryId: "q1"}, 2},
		{"denials", Filter{Decision: Deny}, 1},
		{"vends", Filter{EventName: "GetDataAccess"}, 1},
		{"window", Filter{Since: t0.Add(time.Second), Until: t0.Add(time.Hour)}, 2},
		{"limit", Filter{Limit: 5}, 5},
	}
	for _, c := range cases {
		got, err := Read(home, c.f)
		if err != nil || len(got) != c.want {
			t.Errorf("%s: %d events, %v; want %d", c.name, len(got), err, c.want)
		}
	}
	got, _ := Read(home, Filter{Decision: Deny})
	if got[0].ErrorCode != "AccessDeniedException" || got[0].Principal != "p2" {
		t.Errorf("round trip: %+v", got[0])
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// A closed log refuses: the caller must then refuse to answer.
	if err := l.Append(&evs[0]); lferr.CodeOf(err) != lferr.InternalService {
		t.Errorf("append after close: %v", err)
	}
}

func TestReadTornTailAndCorruption(t *testing.T) {
	home := t.TempDir()
	if ev, err := Read(home, Filter{}); err != nil || ev != nil {
		t.Fatalf("no log: %v %v", ev, err)
	}
	p := filepath.Join(home, File)
	good := `{"eventTime":"2026-01-01T00:00:00Z","eventName":"X","principal":"p","decision":"ALLOW"}` + "\n"
	if err := os.WriteFile(p, []byte(good+good+`{"eventTime":"2026-`), 0o600); err != nil {
		t.Fatal(err)
	}
	ev, err := Read(home, Filter{})
	if err != nil || len(ev) != 2 {
		t.Fatalf("torn tail: %d %v", len(ev), err)
	}
	if err := os.WriteFile(p, []byte(good+"garbage\n"+good), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(home, Filter{}); lferr.CodeOf(err) != lferr.InternalService {
		t.Fatalf("corrupt middle line: %v", err)
	}
}

func TestOpenFailure(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "missing", "dir"), false); lferr.CodeOf(err) != lferr.InternalService {
		t.Fatalf("open in a missing dir: %v", err)
	}
}

func TestEventString(t *testing.T) {
	exp := time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)
	cases := []struct {
		e    Event
		want string
	}{
		{Event{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Decision: Allow, EventName: "GetUnfilteredTableMetadata", Principal: "p",
			Resource: "arn:t", QueryId: "q", QueryAuthorizationId: "a", Filters: []string{"f1", "f2"}, Masks: []string{"c: m"}, RowFilter: "x = 'y'"},
			`2026-01-01T00:00:00Z ALLOW GetUnfilteredTableMetadata p on arn:t query=q qaid=a filters=f1,f2 masks=c: m rows="x = 'y'"`},
		{Event{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Decision: Deny, EventName: "GetDataAccess", Principal: "p",
			ErrorCode: "AccessDeniedException", Reason: "no"}, "2026-01-01T00:00:00Z DENY GetDataAccess p AccessDeniedException: no"},
		{Event{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Decision: Allow, EventName: "GetDataAccess", Principal: "p",
			VendedPath: "file:///t/", Scope: "READ", Expiration: &exp}, "2026-01-01T00:00:00Z ALLOW GetDataAccess p vended READ file:///t/ until 2026-01-01T01:00:00Z"},
	}
	for _, c := range cases {
		if got := c.e.String(); got != c.want {
			t.Errorf("String() =\n%s\nwant\n%s", got, c.want)
		}
	}
}

// BenchmarkAppendSynced: fsynced appends, serial and from parallel
// callers (which share fsyncs).
func BenchmarkAppendSynced(b *testing.B) {
	ev := &Event{Time: time.Now(), EventName: "GetUnfilteredTableMetadata", Principal: "arn:aws:sts::111122223333:assumed-role/r/s",
		Decision: Allow, Resource: "arn:aws:glue:us-east-1:111122223333:table/db/t", QueryId: "q", Filters: []string{"f1", "f2"}}
	for _, par := range []bool{false, true} {
		name := "serial"
		if par {
			name = "parallel"
		}
		b.Run(name, func(b *testing.B) {
			l, err := Open(b.TempDir(), false)
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			if !par {
				for i := 0; i < b.N; i++ {
					if err := l.Append(ev); err != nil {
						b.Fatal(err)
					}
				}
				return
			}
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := l.Append(ev); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

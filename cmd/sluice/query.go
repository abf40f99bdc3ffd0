package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/engine"
	"github.com/sluicedb/sluice/planner"
	"github.com/sluicedb/sluice/planner/types"
)

func openEngine(ctx context.Context, g *globals) (*engine.Engine, error) {
	return engine.Open(ctx, engine.Options{Home: g.home})
}

// openEngineFor opens the lake in process, or, with an endpoint, over the
// wire (engine.OpenRemote) with the engine's credentials from the standard
// AWS chain. --home then names the served home on this machine: only its
// vending key is read, so that credentials vended for file:// tables can
// be verified; without it such tables cannot be read (fail closed).
func openEngineFor(ctx context.Context, g *globals, endpoint string) (*engine.Engine, error) {
	if endpoint == "" {
		return openEngine(ctx, g)
	}
	opts := engine.RemoteOptions{Endpoint: endpoint}
	if _, err := os.Stat(filepath.Join(g.home, authz.KeysDir, authz.VendingKeyFile)); err == nil {
		opts.VendingKeyHome = g.home
	}
	return engine.OpenRemote(ctx, opts)
}

const endpointUsage = "run against this LF-compatible endpoint (e.g. http://127.0.0.1:8181, `sluice serve`) instead of the home in process; needs --as; the engine's credentials come from the AWS chain (AWS_SHARED_CREDENTIALS_FILE, AWS_ACCESS_KEY_ID, ...)"

func runQuery(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("query", `sluice [--home DIR] query [--format table|csv|jsonl] [--as ROLE] [--endpoint URL] "SQL; SQL..."   (SQL from stdin when omitted or "-")`, g)
	format := fs.String("format", "table", "output format: table, csv or jsonl (one JSON object per row, NULL as null)")
	as := fs.String("as", "", "run as this principal (role name or role ARN); default: the data lake administrator")
	endpoint := fs.String("endpoint", "", endpointUsage)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var sql string
	switch {
	case fs.NArg() == 0 || (fs.NArg() == 1 && fs.Arg(0) == "-"):
		b, err := io.ReadAll(g.stdin)
		if err != nil {
			return fmt.Errorf("reading SQL from stdin: %w", err)
		}
		sql = string(b)
	default:
		sql = strings.Join(fs.Args(), " ")
	}
	if _, err := newResultWriter(*format, io.Discard); err != nil {
		return err
	}
	stmts := planner.SplitStatements(sql)
	if len(stmts) == 0 {
		return fmt.Errorf("no SQL statement given")
	}
	eng, err := openEngineFor(ctx, g, *endpoint)
	if err != nil {
		return err
	}
	defer eng.Close()
	sess, err := eng.NewSession(ctx, *as)
	if err != nil {
		return err
	}
	for _, stmt := range stmts {
		if err := runStatement(ctx, sess, stmt, *format, g.stdout, g.stderr, false); err != nil {
			return err
		}
	}
	return nil
}

// runStatement runs one statement and renders its result. DDL/DML messages
// go to stderr so that csv/jsonl output on stdout stays machine-readable.
func runStatement(ctx context.Context, sess *engine.Session, sql, format string, stdout, stderr io.Writer, timing bool) error {
	start := time.Now()
	stopProgress := startProgress(stderr, start)
	rows, err := sess.Query(ctx, sql)
	if err != nil {
		stopProgress()
		return err
	}
	defer rows.Close()
	if rows.Columns == nil {
		stopProgress()
		msg := rows.Message
		if msg == "" {
			msg = fmt.Sprintf("%d rows affected", rows.Affected)
		}
		fmt.Fprintln(stderr, msg)
		if timing {
			fmt.Fprintf(stderr, "Time: %s\n", time.Since(start).Round(time.Microsecond))
		}
		return nil
	}
	w, err := newResultWriter(format, stdout)
	if err != nil {
		stopProgress()
		return err
	}
	if err := w.Header(rows.Columns); err != nil {
		stopProgress()
		return err
	}
	first := true
	err = rows.Each(func(r []types.Value) error {
		if first {
			stopProgress()
			first = false
		}
		return w.Row(r)
	})
	stopProgress()
	if err != nil {
		return err
	}
	if err := w.Finish(); err != nil {
		return err
	}
	if timing {
		fmt.Fprintf(stderr, "Time: %s\n", time.Since(start).Round(time.Microsecond))
	}
	return nil
}

// startProgress shows elapsed time on a terminal while a statement runs
// longer than a second; it returns a func that stops and clears it.
func startProgress(w io.Writer, start time.Time) func() {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		shown := false
		spin := `|/-\`
		for i := 0; ; i++ {
			select {
			case <-done:
				if shown {
					fmt.Fprint(f, "\r\033[K")
				}
				return
			case <-t.C:
				if el := time.Since(start); el > time.Second {
					shown = true
					fmt.Fprintf(f, "\r%c running… %.1fs (Ctrl-C cancels)", spin[i%4], el.Seconds())
				}
			}
		}
	}()
	var once bool
	return func() {
		if once {
			return
		}
		once = true
		close(done)
		<-stopped
	}
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

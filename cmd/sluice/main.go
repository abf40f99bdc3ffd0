// Command sluice is the CLI over the engine and the control plane. It stays
// thin: every command parses flags, opens the engine, and delegates.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/sluicedb/sluice/authz/lferr"
)

const usage = `sluice — SQL over Parquet lakes with Lake Formation-style access control

Usage:
  sluice [--home DIR] <command> [flags] [args]

Commands:
  demo     build a small sample lake in the home and show queries against it
  shell    interactive SQL shell
  query    run SQL non-interactively: sluice query [--format table|csv|jsonl] "SQL; SQL"
  slt      run sqllogictest files: sluice slt [--engine mysql] FILE...
  audit    show the audit log: sluice audit [--principal P] [--table db.t] [--since 1h] [--format table|jsonl]
  bench    generate a lineitem table and time the benchmark queries (vs DuckDB with --duckdb)
  serve    serve the control plane over the LF, Glue, STS and IAM wire protocols: sluice serve [--addr 127.0.0.1:8181]
  apply    apply a declarative lake file (roles, databases, tags, filters, masks, grants): sluice apply [--dry-run] FILE.yaml
  admin    see and change what a principal gets: sluice admin grant|revoke|permissions|explain|tag|filter|mask|role ...

Global flags:
  --home DIR   the lake's home (control-plane database, warehouse, audit log);
               default $SLUICE_HOME or ./.sluice

Run 'sluice <command> --help' for a command's flags.
`

type command struct {
	name string
	run  func(ctx context.Context, g *globals, args []string) error
}

var commands = []command{
	{"demo", runDemo},
	{"shell", runShell},
	{"query", runQuery},
	{"slt", runSLT},
	{"serve", runServe},
	{"bench", runBench},
	{"apply", runApply},
	{"admin", runAdmin},
	{"audit", runAudit},
}

// globals are the flags every command accepts.
type globals struct {
	home   string
	stdout io.Writer
	stderr io.Writer
	stdin  io.Reader
}

func defaultHome() string {
	if h := os.Getenv("SLUICE_HOME"); h != "" {
		return h
	}
	return ".sluice"
}

// addGlobalFlags registers the global flags on fs so they are accepted both
// before and after the command name.
func addGlobalFlags(fs *flag.FlagSet, g *globals) {
	fs.StringVar(&g.home, "home", g.home, "the lake's home directory")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globals{home: defaultHome(), stdout: stdout, stderr: stderr, stdin: stdin}
	fs := flag.NewFlagSet("sluice", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	addGlobalFlags(fs, g)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	name := rest[0]
	if name == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	for _, c := range commands {
		if c.name == name {
			if err := c.run(ctx, g, rest[1:]); err != nil {
				if errors.Is(err, flag.ErrHelp) {
					return 0
				}
				if errors.Is(err, errUsage) {
					return 2
				}
				reportError(stderr, err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "sluice: unknown command %q\n\n%s", name, usage)
	return 2
}

// errUsage marks an error already reported as a usage problem.
var errUsage = errors.New("usage")

// reportError prints one line: the LF error code first where there is one.
func reportError(w io.Writer, err error) {
	msg := err.Error()
	if lferr.CodeOf(err) == "" && !strings.HasPrefix(msg, "sluice:") {
		msg = "error: " + msg
	}
	fmt.Fprintln(w, strings.TrimSpace(msg))
}

// newFlagSet returns a command's flag set with the global flags added.
func newFlagSet(name, synopsis string, g *globals) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(g.stderr)
	addGlobalFlags(fs, g)
	fs.Usage = func() {
		fmt.Fprintf(g.stderr, "Usage: %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses and maps flag errors to errUsage / flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/sluicedb/sluice/engine"
	"github.com/sluicedb/sluice/engine/slt"
	"github.com/sluicedb/sluice/storage"
)

func runSLT(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("slt", "sluice slt [--engine mysql] [--verbose] FILE...", g)
	engineName := fs.String("engine", "mysql", "engine name for skipif/onlyif records")
	verbose := fs.Bool("verbose", false, "print failing records")
	quiet := fs.Bool("quiet", false, "no progress on the terminal")
	timeout := fs.Duration("timeout", 10*time.Second, "time limit per statement")
	maxFail := fs.Int("max-failures", 5, "failure examples kept per file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	opts := slt.Options{
		Engine: *engineName, Verbose: *verbose, Timeout: *timeout,
		MaxFailures: *maxFail, Output: g.stdout,
	}
	if !*quiet {
		if f, ok := g.stderr.(*os.File); ok && isTerminal(f) {
			opts.Progress = func(p slt.Progress) { fmt.Fprintf(f, "\r%v\033[K", p) }
		}
	}
	sum, err := slt.Run(ctx, engineOpener, fs.Args(), opts)
	if err != nil {
		return err
	}
	if sum.Failed > 0 {
		// A failing record is a conformance result, not a command failure:
		// the summary line says it. The exit status stays 0 so that CI can
		// report the whole corpus.
		return nil
	}
	return nil
}

// engineOpener gives each script file a fresh lake: a temporary home with an
// in-memory warehouse, so no script sees another's tables.
func engineOpener(ctx context.Context) (slt.DB, io.Closer, error) {
	home, err := os.MkdirTemp("", "sluice-slt-")
	if err != nil {
		return nil, nil, err
	}
	memName := "slt-" + filepath.Base(home)
	eng, err := engine.Open(ctx, engine.Options{Home: home, Warehouse: "mem://" + memName + "/"})
	if err != nil {
		os.RemoveAll(home)
		return nil, nil, err
	}
	sess, err := eng.NewSession(ctx, "")
	if err != nil {
		eng.Close()
		os.RemoveAll(home)
		return nil, nil, err
	}
	return sltDB{sess}, closerFunc(func() error {
		err := eng.Close()
		storage.DropMem(memName)
		os.RemoveAll(home)
		return err
	}), nil
}

type sltDB struct{ s *engine.Session }

func (d sltDB) Exec(ctx context.Context, sql string) (slt.Result, error) {
	res, err := d.s.Exec(ctx, sql)
	if err != nil {
		return slt.Result{}, err
	}
	return slt.Result{Columns: len(res.Columns), Rows: res.Rows}, nil
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/declare"
	"github.com/sluicedb/sluice/authz/lferr"
)

// runApply applies a declarative lake file (authz/declare) to the home.
func runApply(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("apply", "sluice apply [--dry-run] FILE.yaml   (FILE - reads stdin)", g)
	dryRun := fs.Bool("dry-run", false, "validate and show what would change; commit nothing")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(g.stderr, "sluice apply: want exactly one lake file")
		fs.Usage()
		return errUsage
	}
	var r io.Reader = g.stdin
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return lferr.Wrap(lferr.InvalidInput, err, "cannot open the lake file: %v", err)
		}
		defer f.Close()
		r = f
	}
	lake, err := declare.Parse(r)
	if err != nil {
		return lferr.Wrap(codeOr(err), err, "%s: %s", pos[0], lferr.MessageOf(err))
	}
	cp, err := authz.Open(g.home, authz.Options{})
	if err != nil {
		return err
	}
	defer cp.Close()
	rep, err := declare.Apply(ctx, cp, lake, declare.Options{DryRun: *dryRun})
	if err != nil {
		return lferr.Wrap(codeOr(err), err, "%s (nothing was applied)", lferr.MessageOf(err))
	}
	for _, c := range rep.Changes {
		fmt.Fprintln(g.stdout, c.String())
	}
	summary := fmt.Sprintf("%d created, %d updated, %d unchanged", rep.Count(declare.Created), rep.Count(declare.Updated), rep.Count(declare.Unchanged))
	if rep.DryRun {
		fmt.Fprintf(g.stdout, "%s (dry run: nothing applied)\n", summary)
	} else {
		fmt.Fprintf(g.stdout, "%s; catalog version %d\n", summary, rep.Version)
	}
	return nil
}

// parseInterleaved parses flags that may come before, between or after
// positional arguments (flag stops at the first positional one).
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// codeOr is err's LF code, InternalServiceException for an untyped error.
func codeOr(err error) lferr.Code {
	if c := lferr.CodeOf(err); c != "" {
		return c
	}
	return lferr.InternalService
}

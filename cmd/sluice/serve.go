package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/sluicedb/sluice/authz"
	"github.com/sluicedb/sluice/authz/wire"
)

// runServe is `sluice serve`: the control plane over the Lake Formation,
// Glue, STS and IAM wire protocols on one port.
func runServe(ctx context.Context, g *globals, args []string) error {
	fs := newFlagSet("serve", "sluice [--home DIR] serve [--addr HOST:PORT]", g)
	addr := fs.String("addr", "127.0.0.1:8181", "listen address")
	maxInFlight := fs.Int("max-in-flight", wire.DefaultMaxInFlight, "requests served at once; beyond, 503 ThrottlingException")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(g.stderr, "sluice serve: unexpected arguments %q\n", fs.Args())
		return errUsage
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// A home held by another process fails at once with a clear error
	// (the store's lock), instead of serving a second copy.
	cp, err := authz.Open(g.home, authz.Options{})
	if err != nil {
		return err
	}
	defer cp.Close()
	log := slog.New(slog.NewTextHandler(g.stderr, nil))
	srv, err := wire.New(cp, wire.Options{Logger: log, MaxInFlight: *maxInFlight})
	if err != nil {
		return err
	}
	adm, err := srv.Bootstrap()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	credPath := filepath.Join(cp.Home(), wire.CredentialsFile)
	if adm.Created {
		fmt.Fprintf(g.stdout, "created the lake administrator %s; its key is in %s\n", adm.UserArn, credPath)
	}
	fmt.Fprintf(g.stdout, "sluice serving Lake Formation, Glue, STS and IAM on http://%s (account %s, region %s)\n", ln.Addr(), cp.AccountID(), cp.Region())
	fmt.Fprintf(g.stdout, "  AWS_SHARED_CREDENTIALS_FILE=%s aws --endpoint-url http://%s sts get-caller-identity\n", credPath, ln.Addr())
	err = wire.Serve(ctx, ln, srv)
	fmt.Fprintln(g.stdout, "sluice serve: stopped")
	return err
}

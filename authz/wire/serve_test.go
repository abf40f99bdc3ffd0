package wire_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sluicedb/sluice/authz/wire"
)

// TestServe runs the real serving path (wire.Serve on a loopback
// listener): requests are logged with their operation, principal and
// status, and cancelling the context shuts the server down gracefully.
func TestServe(t *testing.T) {
	e := newEnv(t)
	var logs lockedBuf
	srv, err := wire.New(e.cp, wire.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	must(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { done <- wire.Serve(ctx, ln, srv) }()

	url := "http://" + ln.Addr().String()
	cfg := e.cfg(e.admin)
	cfg.BaseEndpoint = &url
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(bg, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(url + "/healthz")
	must(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v after cancel", err)
		}
	case <-time.After(wire.ShutdownTimeout + time.Second):
		t.Fatal("Serve did not stop")
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
	line := ""
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "op=GetCallerIdentity") {
			line = l
		}
	}
	for _, want := range []string{"method=POST", "service=sts", "principal=arn:aws:iam::111122223333:user/sluice-admin", "status=200", "duration="} {
		if !strings.Contains(line, want) {
			t.Errorf("request log %q lacks %q", line, want)
		}
	}
}

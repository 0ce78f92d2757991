// Package defaultstest runs a whole backend with the built-in features, for
// tests that drive a feature end to end over HTTP.
package defaultstest

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/defaults"
)

// Start runs a backend with defaults.Features, the app-config.yaml text
// appConfig, no demo, a fresh SQLite file and a free loopback port, until
// the test ends (a Run error then fails the test). It returns the base URL
// once the backend accepts connections; that is not /readyz, which a
// location that failed its first load keeps at 503. Further options come
// after these and override them.
func Start(tb testing.TB, appConfig string, opts ...portico.Option) string {
	tb.Helper()
	cfg, err := config.Parse("app-config.yaml", []byte(appConfig))
	if err != nil {
		tb.Fatal(err)
	}
	all := append([]portico.Option{portico.WithConfig(cfg), portico.WithAddress("127.0.0.1:0"), portico.WithDemo(false),
		portico.WithDatabase(config.Database{Driver: config.DriverSQLite, Path: filepath.Join(tb.TempDir(), "portico.db")}),
		portico.WithLogger(slog.New(slog.DiscardHandler))}, opts...)
	b := portico.New(all...)
	b.Add(defaults.Features()...)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- b.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			tb.Errorf("Run: %v", err)
		}
	})
	select {
	case <-b.Ready():
	case err := <-errc:
		errc <- nil
		tb.Fatalf("Run: %v", err)
	case <-time.After(Patience):
		tb.Fatal("backend did not start")
	}
	return "http://" + b.Addr().String()
}

// WaitReady waits until base's /readyz answers 200: the first load of
// every location is written (Start returns before that).
func WaitReady(tb testing.TB, base string) {
	tb.Helper()
	deadline := time.Now().Add(Patience)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s/readyz did not answer 200 within %s (last: %v)", base, Patience, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Patience bounds waits for what a backend does by itself (start, ingest,
// record): generous, because CI runs the suite under the race detector on
// two cores, and every wait ends as soon as its condition holds.
const Patience = time.Minute

// Package defaultstest runs a whole backend with the built-in features, for
// tests that drive a feature end to end over HTTP.
package defaultstest

import (
	"context"
	"log/slog"
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

// Patience bounds waits for what a backend does by itself (start, ingest,
// record): generous, because CI runs the suite under the race detector on
// two cores, and every wait ends as soon as its condition holds.
const Patience = time.Minute

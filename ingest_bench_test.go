package portico_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog/catalogtest"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/defaults"
)

// BenchmarkColdIngest10kAllFeatures starts the portal with every built-in
// feature (defaults.Features: API history, operation search, locations,
// readiness, ...) on a fresh SQLite database over 10,000 API files, as the
// shared benchmark does with the binary, and reports the process CPU until
// all APIs are served (visible-cpu-s), until the history has recorded
// every definition (total-cpu-s), the wall time to visibility and the
// peak RSS. Targets (issues 2 and 16, 2 cores): all visible ≤ 3 s, peak RSS
// ≤ 150 MB, and history adding ≤ 10 % to the ingest's CPU (compare with
// apiDocs.history.enabled: false, the sub-benchmark "no-history").
// PORTICO_BENCH_DIR points at data from ../shared/bench/backstage/gen.py;
// without it catalogtest.WriteBenchCatalog generates similar data.
func BenchmarkColdIngest10kAllFeatures(b *testing.B) {
	const n = 10000
	dir := os.Getenv("PORTICO_BENCH_DIR")
	if st, err := os.ReadDir(filepath.Join(dir, "apis")); dir == "" || err != nil || len(st) != n {
		dir = b.TempDir()
		if err := catalogtest.WriteBenchCatalog(dir, n); err != nil {
			b.Fatal(err)
		}
	}
	for _, history := range []bool{true, false} {
		b.Run(map[bool]string{true: "history", false: "no-history"}[history], func(b *testing.B) {
			var visibleCPU, totalCPU, wall time.Duration
			for b.Loop() {
				v, t, w := coldIngest(b, dir, n, history)
				visibleCPU, totalCPU, wall = visibleCPU+v, totalCPU+t, wall+w
			}
			runs := float64(b.N)
			b.ReportMetric(visibleCPU.Seconds()/runs, "visible-cpu-s")
			b.ReportMetric(totalCPU.Seconds()/runs, "total-cpu-s")
			b.ReportMetric(wall.Seconds()/runs, "visible-s")
			if mb := vmHWM(); mb > 0 {
				b.ReportMetric(mb, "peak-RSS-MB")
			}
		})
	}
}

// coldIngest runs one portal over dir until its n APIs are served and,
// with history, recorded; it returns the CPU used by then and the wall
// time until they were served.
func coldIngest(b *testing.B, dir string, n int, history bool) (visibleCPU, totalCPU, wall time.Duration) {
	b.Helper()
	db := filepath.Join(b.TempDir(), "portico.db")
	return ingestInto(b, dir, db, n, history)
}

// ingestInto runs one portal over dir and the database file db, as
// coldIngest describes.
func ingestInto(b *testing.B, dir, db string, n int, history bool) (visibleCPU, totalCPU, wall time.Duration) {
	b.Helper()
	start, cpu0 := time.Now(), processCPU()
	base, stop := startPortal(b, dir, db, history)
	defer stop()
	for servedAPIs(b, base) < n {
		time.Sleep(20 * time.Millisecond)
	}
	wall, visibleCPU = time.Since(start), processCPU()-cpu0
	if history {
		versions, err := sql.Open("sqlite", "file:"+db+"?mode=ro&_pragma=busy_timeout(5000)")
		if err != nil {
			b.Fatal(err)
		}
		defer versions.Close()
		for recorded := 0; recorded < n; time.Sleep(50 * time.Millisecond) {
			_ = versions.QueryRow("SELECT count(*) FROM api_versions").Scan(&recorded)
			if time.Since(start) > 10*time.Minute {
				b.Fatalf("history recorded %d of %d APIs", recorded, n)
			}
		}
	}
	return visibleCPU, processCPU() - cpu0, wall
}

// startPortal starts a portal with every built-in feature over dir and
// db; stop stops it.
func startPortal(b *testing.B, dir, db string, history bool) (base string, stop func()) {
	b.Helper()
	cfg, err := config.Parse("app-config.yaml", []byte(fmt.Sprintf(`
backend:
  auth: {dangerouslyDisableDefaultAuthPolicy: true}
catalog:
  rules: [{allow: [Component, System, API, Resource, Location, Group, User, Domain]}]
  locations:
    - {type: file, target: %q}
    - {type: file, target: %q}
apiDocs:
  history: {enabled: %t}
`, filepath.Join(dir, "org.yaml"), filepath.Join(dir, "apis", "*.yaml"), history)))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := portico.New(portico.WithConfig(cfg), portico.WithAddress("127.0.0.1:0"), portico.WithDemo(false),
		portico.WithDatabase(config.Database{Driver: config.DriverSQLite, Path: db}),
		portico.WithLogger(slog.New(slog.DiscardHandler)))
	p.Add(defaults.Features()...)
	errc := make(chan error, 1)
	go func() { errc <- p.Run(ctx) }()
	select {
	case <-p.Ready():
	case err := <-errc:
		cancel()
		b.Fatalf("Run: %v", err)
	}
	return "http://" + p.Addr().String(), func() {
		cancel()
		if err := <-errc; err != nil {
			b.Fatalf("Run: %v", err)
		}
	}
}

// BenchmarkUnchangedRestart10kAllFeatures restarts the portal of
// BenchmarkColdIngest10kAllFeatures over its database and unchanged
// files, and reports the CPU until /readyz answers (the first load of
// every location written: restart-ready-cpu-s) and 3 s later, when the
// history recorder, if on, would have flushed (restart-cpu-s). Target
// (issue 16): history adds nothing; compare with "no-history".
func BenchmarkUnchangedRestart10kAllFeatures(b *testing.B) {
	const n = 10000
	dir := os.Getenv("PORTICO_BENCH_DIR")
	if st, err := os.ReadDir(filepath.Join(dir, "apis")); dir == "" || err != nil || len(st) != n {
		dir = b.TempDir()
		if err := catalogtest.WriteBenchCatalog(dir, n); err != nil {
			b.Fatal(err)
		}
	}
	for _, history := range []bool{true, false} {
		b.Run(map[bool]string{true: "history", false: "no-history"}[history], func(b *testing.B) {
			db := filepath.Join(b.TempDir(), "portico.db")
			ingestInto(b, dir, db, n, history)
			var ready, total time.Duration
			for b.Loop() {
				cpu0 := processCPU()
				base, stop := startPortal(b, dir, db, history)
				for !isReady(b, base) {
					time.Sleep(20 * time.Millisecond)
				}
				ready += processCPU() - cpu0
				time.Sleep(3 * time.Second)
				total += processCPU() - cpu0
				stop()
			}
			runs := float64(b.N)
			b.ReportMetric(ready.Seconds()/runs, "restart-ready-cpu-s")
			b.ReportMetric(total.Seconds()/runs, "restart-cpu-s")
		})
	}
}

func isReady(b *testing.B, base string) bool {
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func servedAPIs(b *testing.B, base string) int {
	resp, err := http.Get(base + "/api/catalog/entities/by-query?filter=kind=api&limit=1")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct{ TotalItems int }
	_ = json.NewDecoder(resp.Body).Decode(&page)
	return page.TotalItems
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmHWM is the process's peak resident set size in MB (Linux only); the
// second sub-benchmark's includes the first's.
func vmHWM() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		var kb float64
		if _, err := fmt.Sscanf(line, "VmHWM: %f kB", &kb); err == nil {
			return kb / 1024
		}
	}
	return 0
}

package e2e

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog/store/storetest"

	"github.com/uptrace/bun/driver/pgdriver"
)

// inflight counts concurrent requests and remembers the most seen at once.
type inflight struct{ now, max atomic.Int32 }

func (f *inflight) enter() {
	n := f.now.Add(1)
	for {
		m := f.max.Load()
		if n <= m || f.max.CompareAndSwap(m, n) {
			return
		}
	}
}

func (f *inflight) exit() { f.now.Add(-1) }

// fake3scaleTenant serves a small 3scale tenant; each services listing
// takes a while so a run is in progress long enough to be killed.
func fake3scaleTenant(t *testing.T, services int, slow time.Duration) *httptest.Server {
	srv, _ := countingTenant(t, services, slow)
	return srv
}

// countingTenant is fake3scaleTenant that also counts the services.json
// requests in flight at once: two replicas running the task together would
// overlap there, whatever their clocks say.
func countingTenant(t *testing.T, services int, slow time.Duration) (*httptest.Server, *inflight) {
	t.Helper()
	listing := &inflight{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("access_token") != "e2e-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/admin/api/services.json":
			listing.enter()
			defer listing.exit()
			time.Sleep(slow)
			var items []map[string]any
			for i := 1; i <= services; i++ {
				items = append(items, map[string]any{"service": map[string]any{"id": i, "name": fmt.Sprintf("Payments %d", i), "system_name": fmt.Sprintf("payments-%d", i)}})
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"services": items})
		case r.URL.Path == "/admin/api/active_docs.json":
			var docs []map[string]any
			for i := 1; i <= services; i++ {
				body := fmt.Sprintf(`{"openapi":"3.0.0","info":{"title":"Payments %d","version":"1"},"paths":{"/payments":{"get":{"operationId":"listPayments","responses":{"200":{"description":"ok"}}}}}}`, i)
				docs = append(docs, map[string]any{"api_doc": map[string]any{"id": 100 + i, "system_name": fmt.Sprintf("doc-%d", i), "service_id": i, "body": body}})
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"api_docs": docs})
		case strings.HasSuffix(r.URL.Path, "/proxy.json"):
			_ = json.NewEncoder(w).Encode(map[string]any{"proxy": map[string]any{
				"endpoint": "https://payments.example.com", "sandbox_endpoint": "https://payments-staging.example.com", "secret_token": "e2e-proxy-secret"}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, listing
}

// portalProcess is one portico serve process started by the test.
type portalProcess struct {
	cmd    *exec.Cmd
	out    *syncWriter
	exited chan error
}

func startProcess(t *testing.T, bin, config, database string) *portalProcess {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "app-config.yaml")
	writeFile(t, cfg, config)
	port := freePort(t)
	cmd := exec.Command(bin, "serve", "--config", cfg, "--listen", "127.0.0.1:"+strconv.Itoa(port), "--database", database)
	cmd.Dir = dir
	p := &portalProcess{cmd: cmd, out: &syncWriter{}, exited: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("process %d output:\n%s", cmd.Process.Pid, p.out.String())
		}
	})
	if err := waitReady("http://127.0.0.1:"+strconv.Itoa(port)+"/readyz", p.exited, 30*time.Second); err != nil {
		t.Fatalf("portico not ready: %v\n%s", err, p.out.String())
	}
	return p
}

type runRecord struct {
	id, owner, outcome string
	start, end         int64
}

func readRuns(t *testing.T, db *sql.DB) []runRecord {
	t.Helper()
	rows, err := db.Query(`SELECT id, owner, outcome, started_at, duration_ms FROM provider_runs WHERE provider = 'ThreeScaleApiEntityProvider:dev' ORDER BY started_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []runRecord
	for rows.Next() {
		var r runRecord
		var d int64
		if err := rows.Scan(&r.id, &r.owner, &r.outcome, &r.start, &d); err != nil {
			t.Fatal(err)
		}
		r.end = r.start + d
		out = append(out, r)
	}
	return out
}

// TestProvidersTwoProcessesOnePostgres: two portico processes on one
// PostgreSQL database with a 1-second schedule run the task at most once at
// a time over 30 runs (from the run records). Takeover after SIGKILL is
// measured with three processes in cmd/portico/takeover_test.go.
func TestProvidersTwoProcessesOnePostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t) // the two processes share it

	tenant, listing := countingTenant(t, 3, 300*time.Millisecond)
	config := fmt.Sprintf(`catalog:
  providers:
    threeScaleApiEntity:
      dev:
        baseUrl: %s
        accessToken: e2e-token
        schedule:
          frequency: {seconds: 1}
          timeout: {seconds: 3}
`, tenant.URL)
	bin := buildBinary(t)
	startProcess(t, bin, config, dsn)
	startProcess(t, bin, config, dsn)
	db := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn)))
	defer db.Close()

	var runs []runRecord
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		runs = readRuns(t, db)
		if done := countDone(runs); done >= 30 {
			break
		}
	}
	if countDone(runs) < 30 {
		t.Fatalf("only %d runs finished", countDone(runs))
	}
	// Direct check: the tenant never served two listings at once.
	if n := listing.max.Load(); n > 1 {
		t.Fatalf("%d services.json requests in flight at once: two replicas ran the task together", n)
	}
	owners := map[string]int{}
	for i, r := range runs {
		owners[r.owner]++
		if r.outcome != "running" && r.outcome != "ok" {
			t.Errorf("run %s: outcome %s", r.id, r.outcome)
		}
		if r.outcome == "running" && i < len(runs)-1 {
			t.Fatalf("run %s still running when %s started", r.id, runs[i+1].id)
		}
		if i > 0 && runs[i-1].end > r.start {
			t.Fatalf("runs overlap: %+v and %+v", runs[i-1], r)
		}
	}
	t.Logf("%d runs, by replica: %v; at most %d listing(s) in flight", len(runs), owners, listing.max.Load())

}

func countDone(runs []runRecord) int {
	n := 0
	for _, r := range runs {
		if r.outcome != "running" {
			n++
		}
	}
	return n
}

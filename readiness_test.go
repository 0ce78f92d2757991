package portico_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/plugins/authplugin"
	"github.com/porticohq/portico/plugins/catalogplugin"
)

const readyToken = "readiness-test-token-0123456789"

// urlLocationConfig is a url location read every 30 minutes (a long
// interval: readiness must not wait for the next read), with a static
// token that may read /readyz's reason.
func urlLocationConfig(t *testing.T, target, database string) *config.Config {
	t.Helper()
	u, _ := url.Parse(target)
	cfg, err := config.Parse("app-config.yaml", []byte(fmt.Sprintf(`
backend:
%s  reading:
    allow: [{host: '%s'}]
    allowAddresses: ['127.0.0.1']
  auth:
    externalAccess: [{type: static, options: {token: %s, subject: probe}}]
catalog:
  processingInterval: {minutes: 30}
  locations: [{type: url, target: '%s'}]
`, database, u.Host, readyToken, target)))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// readyz returns /readyz's status and reason (read with the static token).
func readyz(t *testing.T, base string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/readyz", nil)
	req.Header.Set("Authorization", "Bearer "+readyToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var st struct{ Reason string }
	_ = json.Unmarshal(body, &st)
	return resp.StatusCode, st.Reason
}

// timeToReady polls /readyz from the moment the backend listens.
func timeToReady(t *testing.T, base string, started time.Time, limit time.Duration) time.Duration {
	t.Helper()
	for {
		status, reason := readyz(t, base)
		if status == http.StatusOK {
			return time.Since(started)
		}
		if time.Since(started) > limit {
			t.Fatalf("%s not ready after %s: %d %s", base, limit, status, reason)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func startURLBackend(t *testing.T, cfg *config.Config, opts ...portico.Option) (string, time.Time) {
	t.Helper()
	b := portico.New(append([]portico.Option{portico.WithConfig(cfg), portico.WithAddress("127.0.0.1:0"), portico.WithDemo(false), portico.WithLogger(slogText(&syncBuffer{}))}, opts...)...)
	b.Add(catalogplugin.Plugin(), catalogplugin.URLLocationsModule(), authplugin.Plugin())
	started := time.Now()
	return start(t, b), started
}

// Issue 15: after a restart, a url location that another run already read
// is ready at once, not when this process next wins the task (296 s). The
// wait is bounded by patience, well under that and the 30-minute interval,
// so a process that waits for its own read still fails; the time it took
// is logged.
func TestURLLocationReadyAfterRestartWithoutRereading(t *testing.T) {
	repo := nestedRepo(t)
	target := repo.URL + "/repo/all.yaml"
	db := filepath.Join(t.TempDir(), "portico.db")
	cfg := urlLocationConfig(t, target, "")
	t.Run("first process", func(t *testing.T) {
		base, started := startURLBackend(t, cfg, portico.WithDatabase(config.Database{Driver: config.DriverSQLite, Path: db}))
		timeToReady(t, base, started, patience)
	})
	base, started := startURLBackend(t, cfg, portico.WithDatabase(config.Database{Driver: config.DriverSQLite, Path: db}))
	took := timeToReady(t, base, started, patience)
	t.Logf("restarted process ready after %s", took)
}

// Issue 15: with three replicas on one PostgreSQL, only one reads the url
// location, and every one is ready without reading it (issue 15 measured
// under 5 s; the bound is patience, far below the 30-minute interval a
// replica waiting for its own read would take). Each one's time is logged.
func TestThreeReplicasAreReadyWithoutWinningTheLease(t *testing.T) {
	repo := nestedRepo(t)
	cfg := urlLocationConfig(t, repo.URL+"/repo/all.yaml", pgDatabaseYAML(t))
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			base, started := startURLBackend(t, cfg)
			took := timeToReady(t, base, started, patience)
			t.Logf("replica %d ready after %s", i, took)
		}()
	}
	wg.Wait()
}

// Issue 15: a location whose first read fails keeps the portal unready and
// says why, until a read succeeds.
func TestFailedFirstIngestIsNotReadyAndSaysWhy(t *testing.T) {
	repo := nestedRepo(t)
	target := repo.URL + "/repo/not-there-yet.yaml"
	base, _ := startURLBackend(t, urlLocationConfig(t, target, ""))
	deadline := time.Now().Add(patience)
	for {
		status, reason := readyz(t, base)
		if status == http.StatusServiceUnavailable && strings.Contains(reason, "first ingest failed: url:"+target) && strings.Contains(reason, "does not exist") {
			break
		}
		if status == http.StatusOK || time.Now().After(deadline) {
			t.Fatalf("readyz = %d %q, want 503 naming the failed read", status, reason)
		}
		time.Sleep(50 * time.Millisecond)
	}
	anonymous, _ := http.Get(base + "/readyz")
	body, _ := io.ReadAll(anonymous.Body)
	anonymous.Body.Close()
	if strings.Contains(string(body), "not-there-yet") {
		t.Errorf("anonymous /readyz tells the reason: %s", body)
	}
}

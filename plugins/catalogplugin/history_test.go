package catalogplugin_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/defaults/defaultstest"
)

// Retention runs as a scheduler job, under the scheduler's lease, so that
// one replica prunes at a time; it used to run on a timer in every replica.
func TestHistoryRetentionRunsAsASchedulerJob(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "catalog-info.yaml")
	if err := os.WriteFile(target, []byte("apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: films}\n"+
		"spec: {type: graphql, lifecycle: production, owner: team-a, definition: 'type Query { a: String }'}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "portico.db")
	defaultstest.Start(t, fmt.Sprintf("catalog:\n  locations: [{type: file, target: %s}]\n", target),
		portico.WithDatabase(config.Database{Driver: config.DriverSQLite, Path: db}))
	conn, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var next int64
	waitFor(t, func() bool {
		// The lease row is inserted with next_run_at 0 when the first run
		// takes it, and gets its next due time when that run releases it.
		return conn.QueryRow("SELECT next_run_at FROM task_leases WHERE task = 'job:api-history-prune'").Scan(&next) == nil && next > 0
	})
	// Released after its run, due again in about six hours.
	if due := time.Until(time.UnixMilli(next)); due < 5*time.Hour || due > 7*time.Hour {
		t.Errorf("the prune job is next due in %s, want about 6h", due)
	}
}

// A location whose first load failed keeps the portal unready but must not
// hold history recording: the recorder waits only while a first load is
// under way (it waited out its 2-minute bound on every change instead).
func TestHistoryRecordsBesideALocationThatFailedItsFirstLoad(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "catalog-info.yaml")
	if err := os.WriteFile(target, []byte("apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: films}\n"+
		"spec: {type: graphql, lifecycle: production, owner: team-a, definition: 'type Query { a: String }'}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Loopback is refused to url locations unless allowed: this one fails
	// at once, and stays failed.
	base := defaultstest.Start(t, fmt.Sprintf(
		"catalog:\n  locations:\n    - {type: file, target: %s}\n    - {type: url, target: 'http://127.0.0.1:9/catalog-info.yaml'}\n", target))
	waitFor(t, func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusServiceUnavailable
	})
	waitFor(t, func() bool { return versions(t, base) == 1 })
}

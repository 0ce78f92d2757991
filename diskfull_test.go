package portico_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/plugins/appplugin"
	"github.com/porticohq/portico/plugins/authplugin"
	"github.com/porticohq/portico/plugins/catalogplugin"
	"github.com/porticohq/portico/providers/file"
)

// mountTmpfs mounts a tmpfs of the given size (in MB) on a new directory,
// or skips the test where this process may not mount (not root).
func mountTmpfs(t *testing.T, mb int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%dm", mb)); err != nil {
		if errors.Is(err, syscall.EPERM) {
			t.Skipf("a small disk needs a tmpfs mount, which this process may not do: %v", err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

func resizeTmpfs(t *testing.T, dir string, mb int) {
	t.Helper()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT, fmt.Sprintf("size=%dm", mb)); err != nil {
		t.Fatal(err)
	}
}

// Issue 15: SQLite on a full disk. The first ingest fails, and then:
// /readyz says why, /providers lists the file location with the failing
// writes in words, reads keep serving; once space is freed, ingest and the
// WAL recover on their own, without a restart.
func TestDiskFullRecoversWithoutRestart(t *testing.T) {
	disk := mountTmpfs(t, 2)
	files := t.TempDir()
	const n = 500 // more than one batch of the first load
	desc := strings.Repeat("Describes the thing at length. ", 200)
	for i := range n {
		body := fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c%04d\n  description: %q\nspec: {type: service, lifecycle: production, owner: team-a}\n", i, desc)
		if err := os.WriteFile(filepath.Join(files, fmt.Sprintf("c%04d.yaml", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(disk, "portico.db")
	cfg, err := config.Parse("app-config.yaml", []byte(fmt.Sprintf(`
backend:
  database: {client: better-sqlite3, connection: '%s'}
  auth:
    externalAccess: [{type: static, options: {token: %s, subject: probe}}]
catalog:
  locations: [{type: file, target: '%s/*.yaml'}]
`, db, readyToken, files)))
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	b := portico.New(portico.WithConfig(cfg), portico.WithAddress("127.0.0.1:0"), portico.WithDemo(false), portico.WithLogger(slogText(&logs)))
	// The file location's own module, with its failed first load retried
	// sooner than file.DefaultRetry.
	fastRetry := catalogplugin.NewModule("file-fast-retry", func(cat catalogplugin.Extensions, s *catalogplugin.Services) error {
		cat.AddEntityProvider(file.New(file.Options{
			Target: files + "/*.yaml",
			Retry:  200 * time.Millisecond,
			Roots:  catalogplugin.FileRoots(s.Settings.Catalog.Locations),
			URLs:   s.URLReader,
			Logger: s.Logger,
		}))
		return nil
	})
	b.Add(catalogplugin.Plugin(), fastRetry, authplugin.Plugin(), appplugin.Plugin(), appplugin.SyncStatusModule())
	base := start(t, b)

	name := "file:" + files + "/*.yaml"
	waitUntil(t, patience, "/readyz to name the full disk", func() bool {
		status, reason := readyz(t, base)
		return status == http.StatusServiceUnavailable && strings.Contains(reason, "disk is full")
	})
	page := get(t, base+"/providers")
	for _, want := range []string{name, "Writes failing since", "disk is full", "resume on their own"} {
		if !strings.Contains(page, want) {
			t.Errorf("/providers lacks %q", want)
		}
	}
	if status, _ := getStatus(t, base+"/api/catalog/entities?limit=1"); status != http.StatusOK {
		t.Errorf("reads while the disk is full: %d", status)
	}
	if !strings.Contains(logs.String(), "disk is full") {
		t.Error("the logs do not name the full disk")
	}

	resizeTmpfs(t, disk, 64)
	waitUntil(t, patience, "ready after space was freed", func() bool {
		status, _ := readyz(t, base)
		return status == http.StatusOK
	})
	body := get(t, base+"/api/catalog/entities/by-query?limit=1&filter=kind=component")
	if !strings.Contains(body, fmt.Sprintf(`"totalItems":%d`, n)) {
		t.Errorf("after recovery: %.200s, want %d components", body, n)
	}
	page = get(t, base+"/providers")
	if strings.Contains(page, "Writes failing since") || !strings.Contains(page, "done") {
		t.Errorf("/providers still shows failing writes after recovery")
	}
	waitUntil(t, patience, "the WAL checkpointed and truncated", func() bool {
		info, err := os.Stat(db + "-wal")
		return err == nil && info.Size() <= 16<<20
	})
}

func waitUntil(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func getStatus(t *testing.T, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+readyToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func get(t *testing.T, url string) string {
	t.Helper()
	status, body := getStatus(t, url)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %.300s", url, status, body)
	}
	return body
}

// Package e2e runs Portico's browser suite: the real binary, started with a
// temporary config and database, driven through Debian's Chromium by
// playwright-go. Other features add their own browser tests to this package
// and reuse StartPortal, NewPage, Screenshot and WaitURL.
//
// Needs: /usr/bin/chromium (or PORTICO_CHROMIUM), and the Playwright driver
// (PLAYWRIGHT_DRIVER_PATH, default ./.cache/pwdriver at the module root,
// holding package -> node_modules/playwright-core; PLAYWRIGHT_NODEJS_PATH is
// node). Without them the tests skip, except under CI=true where they fail.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// binary is the portico binary, built once per test process: building it
// per test would cost seconds each. (Test-harness state, not app state.)
var binary struct {
	once sync.Once
	path string
	err  error
}

// moduleRoot is the repository root (this file's parent directory).
func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// buildBinary builds ./cmd/portico once for the whole test run.
func buildBinary(t testing.TB) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "portico-e2e-bin-")
		if err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(dir, "portico")
		cmd := exec.Command("go", "build", "-o", binary.path, "./cmd/portico")
		cmd.Dir = moduleRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("go build ./cmd/portico: %w\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// packages are the binaries StartBinary built, by package path.
// (Test-harness state, not app state.)
var packages struct {
	mu    sync.Mutex
	paths map[string]string
}

// buildPackage builds the main package at pkgPath once for the whole test
// run.
func buildPackage(t testing.TB, pkgPath string) string {
	t.Helper()
	packages.mu.Lock()
	defer packages.mu.Unlock()
	if bin, ok := packages.paths[pkgPath]; ok {
		return bin
	}
	dir, err := os.MkdirTemp("", "portico-e2e-bin-")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, filepath.Base(pkgPath))
	cmd := exec.Command("go", "build", "-o", bin, pkgPath)
	cmd.Dir = moduleRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkgPath, err, out)
	}
	if packages.paths == nil {
		packages.paths = map[string]string{}
	}
	packages.paths[pkgPath] = bin
	return bin
}

// portals holds the base URLs of the portals running now, so NewPage can
// tell the portal's own responses from a fake GitHub's or a demo API's.
// An origin leaves when its portal stops, before its port can be reused.
// (Test-harness state, not app state.)
var portals sync.Map // base URL "http://127.0.0.1:port" → true

// isPortal reports whether rawURL is served by a running portal.
func isPortal(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	_, ok := portals.Load(u.Scheme + "://" + u.Host)
	return ok
}

// freePort finds a free loopback port. The port is released before the
// binary binds it; the window is small enough for tests.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Testdata returns the absolute path of a file in e2e/testdata, for
// catalog locations in a config.
func Testdata(name string) string {
	return filepath.Join(moduleRoot(), "e2e", "testdata", name)
}

// StartPortal builds and starts the real binary with configYAML (an
// app-config.yaml) plus a second config file that sets backend.listen to a
// free loopback port, app.baseUrl and backend.baseUrl to match, and the
// database to SQLite in t.TempDir() — later config files override earlier
// ones, as in Backstage — and turns access logs on. It waits for /readyz
// and returns the base URL. The process is stopped with SIGTERM when the
// test ends; its output, with every request it answered, is in the test
// log when the test fails.
func StartPortal(t testing.TB, configYAML string) string {
	t.Helper()
	return startConfigured(t, buildBinary(t), []string{"serve"}, configYAML, "/readyz")
}

// StartPortalLive is StartPortal for a catalog that never becomes ready by
// design (a configured location that always fails keeps /readyz at 503, as
// an operator would want): it waits for /healthz instead.
func StartPortalLive(t testing.TB, configYAML string) string {
	t.Helper()
	return startConfigured(t, buildBinary(t), []string{"serve"}, configYAML, "/healthz")
}

// StartBinary is StartPortal for another main package of this module, such
// as ./examples/custom-backend: a custom backend built on package portico
// takes only repeated --config flags (no serve subcommand), so the browser
// suite can check what its modules add. pkgPath is relative to the module
// root; each package is built once per test process.
func StartBinary(t testing.TB, pkgPath, configYAML string) string {
	t.Helper()
	return startConfigured(t, buildPackage(t, pkgPath), nil, configYAML, "/readyz")
}

// startConfigured runs bin with args, then the two --config files
// StartPortal describes, and waits for probe (/readyz or /healthz) to
// answer 200.
func startConfigured(t testing.TB, bin string, args []string, configYAML, probe string) string {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	userConfig := filepath.Join(dir, "app-config.yaml")
	local := filepath.Join(dir, "app-config.e2e.yaml")
	writeFile(t, userConfig, configYAML)
	writeFile(t, local, fmt.Sprintf(`app:
  baseUrl: %[1]s
backend:
  baseUrl: %[1]s
  logging:
    accessLog: true
  listen:
    host: 127.0.0.1
    port: %[2]d
  database:
    client: better-sqlite3
    connection: %[3]s
`, base, port, filepath.Join(dir, "portico.db")))

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, append(args, "--config", userConfig, "--config", local)...)
	cmd.Dir = dir
	out := &syncWriter{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start portico: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	portals.Store(base, true)
	t.Cleanup(func() {
		portals.Delete(base)
		cancel()
		<-exited
		if t.Failed() {
			t.Logf("portico output:\n%s", out.String())
		}
	})
	if err := waitReady(base+probe, exited, 30*time.Second); err != nil {
		t.Fatalf("portico did not become ready: %v\noutput:\n%s", err, out.String())
	}
	return base
}

// waitReady polls url until it answers 200, the process exits or the
// timeout passes.
func waitReady(url string, exited <-chan error, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("process exited: %v", err)
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("timed out after %s; last answer: %s", timeout, last)
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// syncWriter collects the process's stdout and stderr; the test reads it
// while the process may still write.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// inCI reports whether missing browser tooling must fail the suite.
func inCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v == "true" || v == "1"
}

// missing fails the test in CI and skips it elsewhere.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if inCI() {
		t.Fatalf("browser suite cannot run in CI: %s", msg)
	}
	t.Skipf("skipping browser test: %s (run scripts/setup.sh; see e2e/harness.go)", msg)
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binaries builds the portico command and the deliberately broken backend
// once per test run.
var binaries = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "portico-cmd-test")
	if err != nil {
		return "", err
	}
	for name, pkg := range map[string]string{"portico": ".", "badbackend": "./testdata/badbackend"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, name), pkg).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return dir, nil
})

// TestMain removes the built binaries after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if dir, err := binaries(); err == nil {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

func binary(t *testing.T, name string) string {
	t.Helper()
	dir, err := binaries()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// freePort returns a loopback port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// runCmd runs a binary to completion in dir and returns its exit code,
// stdout and stderr.
func runCmd(t *testing.T, dir, bin string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.String(), stderr.String()
	default:
		t.Fatalf("run %s: %v", bin, err)
		return 0, "", ""
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func writeConfig(t *testing.T, dir, content string) string {
	t.Helper()
	p := filepath.Join(dir, "app-config.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestVersion(t *testing.T) {
	code, out, _ := runCmd(t, t.TempDir(), binary(t, "portico"), "version")
	if code != 0 || !strings.HasPrefix(out, "portico ") {
		t.Errorf("version: exit %d, output %q", code, out)
	}
}

func TestValidateReportsOneLinePerProblem(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\nspec: {type: team, children: []}\n"), 0o644)
	os.WriteFile(bad, []byte("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: bad_name-}\nspec: {type: team, children: []}\n"), 0o644)

	code, out, errOut := runCmd(t, dir, binary(t, "portico"), "validate", good)
	if code != 0 || out != "" || errOut != "checked 1 entity in 1 file from 1 location: no problems\n" {
		t.Errorf("valid file: exit %d, output %q, stderr %q (want the one-line summary)", code, out, errOut)
	}
	code, out, errOut = runCmd(t, dir, binary(t, "portico"), "validate", good, bad)
	if code != 1 || errOut != "checked 2 entities in 2 files from 2 locations: 1 problem\n" {
		t.Errorf("invalid file: exit %d (want 1), stderr %q", code, errOut)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 ||
		!strings.HasPrefix(lines[0], bad+": document 1: group:default/bad_name-: metadata.name:") {
		t.Errorf("output %q, want one line naming file, document, entity and field", out)
	}
	if code, _, _ := runCmd(t, dir, binary(t, "portico"), "validate"); code != 2 {
		t.Errorf("no paths: exit %d, want 2", code)
	}
}

// TestValidateDoesNotHangOnFIFOs: a named pipe as a $text target or as a
// descriptor used to block `portico validate` forever; each is now a
// problem line (issue 13, finding 5).
func TestValidateDoesNotHangOnFIFOs(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "catalog-info.yaml"), []byte("apiVersion: backstage.io/v1alpha1\nkind: API\n"+
		"metadata: {name: a}\nspec: {type: openapi, lifecycle: production, owner: team-a, definition: {$text: ./pipe.txt}}\n"), 0o644)
	for _, name := range []string{"pipe.txt", "other.yaml"} {
		p := filepath.Join(dir, name)
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	code, out, _ := runCmd(t, dir, binary(t, "portico"), "validate", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1; output %q", code, out)
	}
	if n := strings.Count(out, "not a regular file"); n != 2 {
		t.Errorf("output names %d FIFOs, want 2:\n%s", n, out)
	}
}

// TestStartupFailuresExitNonZeroAndNameTheFeature checks the command's side:
// exit code and the one message. That no listener is left open is checked
// in-process (TestStartupFailuresNameTheFeatureAndLeaveNoListener): once a
// process has exited the OS frees its ports, so checking here proves nothing.
func TestStartupFailuresExitNonZeroAndNameTheFeature(t *testing.T) {
	tests := []struct {
		name, bin string
		args      []string
		config    string
		want      string
	}{
		{name: "duplicate plugin ids", bin: "badbackend", args: []string{"duplicate"},
			want: `portico: plugin "frobs": added twice (plugin ids must be unique)`},
		{name: "module without its plugin", bin: "badbackend", args: []string{"absent"},
			want: `portico: module "widgets.frobs": extends plugin "widgets", which is not added`},
		{name: "failing registration", bin: "badbackend", args: []string{"register"},
			want: `portico: module "catalog.frobs": register: catalog.providers.frobs.baseUrl: a value is required`},
		{name: "built-in provider with bad config", bin: "portico",
			config: "catalog:\n  providers:\n    threeScaleApiEntity:\n      dev: {accessToken: x}\n",
			want:   `portico: module "catalog.threescale-provider": register: app-config.yaml: catalog.providers.threeScaleApiEntity.dev.baseUrl: a value is required`},
		{name: "bad config value", bin: "portico", config: "backend:\n  listen: {port: abc}\n",
			want: `portico: app-config.yaml: backend.listen.port: expected a whole number, got "abc"`},
		// Outside test: the flag's error named an internal key, "l:".
		{name: "bad --listen", bin: "portico", args: []string{"--listen", "127.0.0.1:7007.5"},
			want: `portico: listen address "127.0.0.1:7007.5": --listen (or PORTICO_LISTEN): expected a number for the port, got "7007.5"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			port := freePort(t)
			cfg := fmt.Sprintf("backend:\n  listen: {host: 127.0.0.1, port: %d}\n", port)
			if tt.config != "" {
				cfg = tt.config
			}
			file := writeConfig(t, dir, cfg)
			args := append(tt.args, file)
			if tt.bin == "portico" {
				args = append([]string{"serve", "--config", file}, tt.args...)
			}
			code, _, stderr := runCmd(t, dir, binary(t, tt.bin), args...)
			if code == 0 {
				t.Fatalf("exit 0, want non-zero; stderr:\n%s", stderr)
			}
			if got := strings.Replace(lastLine(stderr), dir+"/", "", 1); got != tt.want {
				t.Errorf("last stderr line\n got: %s\nwant: %s", got, tt.want)
			}
			if n := strings.Count(stderr, "portico: "); n != 1 {
				t.Errorf("want exactly one error message, got %d:\n%s", n, stderr)
			}
		})
	}
}

func TestServeShutsDownGracefullyOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	os.WriteFile(filepath.Join(dir, "api.yaml"), []byte(`apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: frobs-api}
spec: {type: openapi, lifecycle: production, owner: team-a, definition: "openapi: 3.0.0"}
`), 0o644)
	file := writeConfig(t, dir, fmt.Sprintf(`backend:
  listen: {host: 127.0.0.1, port: %d}
  database: {client: pg, prefix: never_used_, connection: {host: 127.0.0.1, port: 1, user: nobody}}
catalog:
  locations:
    - {type: file, target: ./*.yaml}
`, port))
	cmd := exec.Command(binary(t, "portico"), "serve", "--config", file, "--database", "sqlite:data.db")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	url := fmt.Sprintf("http://127.0.0.1:%d/api/catalog/entities/by-name/api/default/frobs-api", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("entity never served; stderr:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(dir, "data.db")); err != nil {
		t.Errorf("--database sqlite:data.db must override the pg config: %v", err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("did not exit within 15 s of SIGTERM")
	}
}

// TestValidateLoadsDefinitions: a Swagger 2.0 definition with a null path
// item panicked inside kin-openapi and `portico validate` exited 0 (issue
// 15); it is now a problem naming the entity, the field and the null.
func TestValidateLoadsDefinitions(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("null.yaml", "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /x: null\n")
	write("good.yaml", "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n        200: {description: ok}\n")
	api := func(name, def string) string {
		return "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: " + name + "}\n" +
			"spec: {type: openapi, lifecycle: production, owner: team-a, definition: {$text: ./" + def + "}}\n"
	}
	good := write("good-api.yaml", api("good", "good.yaml"))
	bad := write("bad-api.yaml", api("broken", "null.yaml"))

	if code, out, errOut := runCmd(t, dir, binary(t, "portico"), "validate", good); code != 0 {
		t.Errorf("valid definition: exit %d, output %q %q", code, out, errOut)
	}
	code, out, _ := runCmd(t, dir, binary(t, "portico"), "validate", good, bad)
	if code != 1 {
		t.Errorf("null path item: exit %d, want 1", code)
	}
	want := bad + `: document 1: api:default/broken: spec.definition: load definition: paths["/x"] is null`
	if !strings.HasPrefix(strings.TrimSpace(out), want) || strings.Contains(out, "runtime error") {
		t.Errorf("output %q, want a line starting %q", out, want)
	}
}

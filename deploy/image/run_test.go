package image

import (
	"archive/tar"
	"bufio"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
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

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestCheckStatic(t *testing.T) {
	notELF := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(notELF, []byte("#!/bin/sh\necho hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, wantErr string
	}{
		{"dynamic host binary", "/bin/ls", "dynamically linked: needs the loader"},
		{"shell script", notELF, "not an ELF executable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := os.Open(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			_, err = CheckStatic(f)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("CheckStatic(%s) = %v, want an error containing %q", tt.path, err, tt.wantErr)
			}
		})
	}
}

// checkBinaryRuns takes the binary out of the image, checks with debug/elf
// that nothing would load it dynamically, and runs `portico version`.
func checkBinaryRuns(t *testing.T, img v1.Image) {
	root := extract(t, img)
	bin := filepath.Join(root, BinaryPath)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("open %s: %v", BinaryPath, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s has a %s program header: not static", BinaryPath, p.Type)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("%s needs shared libraries %v", BinaryPath, libs)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("portico version: %v\n%s", err, out)
	}
	if got, want := string(out), "portico "+testVersion+"\n"; got != want {
		t.Errorf("portico version printed %q, want %q", got, want)
	}
}

// checkServes runs `portico serve` (the image's Cmd) from the extracted
// file tree with the image's working directory and environment, the
// listen address moved to a free loopback port: /healthz and /readyz
// answer, the SQLite file is created in /data, SIGTERM ends it cleanly.
func checkServes(t *testing.T, img v1.Image) {
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	root := extract(t, img)
	args := append(append([]string{}, cf.Config.Entrypoint[1:]...), cf.Config.Cmd...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, cf.Config.Entrypoint[0]), args...)
	cmd.Dir = filepath.Join(root, cf.Config.WorkingDir)
	cmd.Env = imageEnv(root, cf.Config.Env, freePort(t))
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	log := watchLog(pr)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start portico serve: %v", err)
	}
	defer cmd.Process.Kill() // after a failed check; harmless once it exited
	exited := make(chan error, 1)
	go func() {
		exited <- cmd.Wait()
		pw.Close()
	}()
	base := "http://" + log.address(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		if err := waitOK(ctx, base+path); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, DataDir, "portico.db")); err != nil {
		t.Errorf("SQLite file not in %s: %v", DataDir, err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = <-exited
	<-log.closed
	if err != nil {
		t.Errorf("portico serve after SIGTERM: %v\nlog:\n%s", err, log)
	}
}

// imageEnv is the image's environment for a process running outside it:
// the listen address becomes a loopback port, file paths move under root.
func imageEnv(root string, env []string, port int) []string {
	out := []string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "PORTICO_LISTEN":
			v = fmt.Sprintf("127.0.0.1:%d", port)
		case "ZONEINFO":
			v = filepath.Join(root, v)
		}
		out = append(out, k+"="+v)
	}
	return out
}

// freePort finds a loopback port nobody listens on (the demo's try-it-out
// needs a real port, not :0).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// serveLog collects a process's JSON log lines and reports the address of
// its "Portico is running" line.
type serveLog struct {
	mu      sync.Mutex
	lines   []string
	started chan string // the listen address, once
	closed  chan struct{}
}

func watchLog(r io.Reader) *serveLog {
	l := &serveLog{started: make(chan string, 1), closed: make(chan struct{})}
	go func() {
		defer close(l.closed)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			l.mu.Lock()
			l.lines = append(l.lines, sc.Text())
			l.mu.Unlock()
			var rec struct{ Msg, Address string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "Portico is running" {
				l.started <- rec.Address
			}
		}
		io.Copy(io.Discard, r) // a line over the buffer: keep the process unblocked
	}()
	return l
}

func (l *serveLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// address waits for the "Portico is running" line.
func (l *serveLog) address(t *testing.T) string {
	t.Helper()
	select {
	case addr := <-l.started:
		return addr
	case <-l.closed:
		t.Fatalf("portico serve exited before it started:\n%s", l)
	case <-time.After(time.Minute):
		t.Fatalf("portico serve did not start within a minute:\n%s", l)
	}
	return ""
}

func waitOK(ctx context.Context, url string) error {
	var last string
	for {
		resp, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%s: %s", resp.Status, body)
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not 200 before the deadline; last answer %s", last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// extract writes the image's file tree under a new directory.
func extract(t *testing.T, img v1.Image) string {
	t.Helper()
	root := t.TempDir()
	for p, e := range fileTree(t, img) {
		dst := filepath.Join(root, filepath.FromSlash(strings.TrimSuffix(p, "/")))
		switch e.hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, e.data, os.FileMode(e.hdr.Mode)&os.ModePerm); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("%s: unexpected entry type %c in the image", p, e.hdr.Typeflag)
		}
	}
	return root
}

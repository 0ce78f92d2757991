package catalog

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mkfifo makes a named pipe at path. Whatever a test leaves blocked on it
// is released at cleanup by opening the pipe for writing.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	t.Cleanup(func() {
		if f, err := os.OpenFile(path, os.O_RDWR, 0); err == nil {
			f.Close()
		}
	})
}

// returnsWithin runs fn and fails the test if it has not returned after a
// generous bound: the behaviour under test is "does not block forever",
// not a duration.
func returnsWithin(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s blocked", what)
	}
}

// TestFileReaderRefusesFIFOWithoutBlocking: a $text target that is a named
// pipe used to block ingest forever in open(); it is refused as not a
// regular file (issue 13, finding 5).
func TestFileReaderRefusesFIFOWithoutBlocking(t *testing.T) {
	dir := t.TempDir()
	mkfifo(t, filepath.Join(dir, "pipe.yaml"))
	r := NewFileReader(dir, filepath.Join(dir, "catalog-info.yaml"))
	var err error
	returnsWithin(t, "reading a FIFO", func() { _, _, err = r.ReadRelative(context.Background(), "./pipe.yaml") })
	if err == nil || !strings.Contains(err.Error(), "not a regular file (a named pipe)") {
		t.Fatalf("err = %v, want a refusal naming the named pipe", err)
	}
}

// TestValidateFilesRefusesFIFOs: `portico validate` over a directory with
// a FIFO as a $text target and another as a descriptor ends with a problem
// for each (issue 13, finding 5).
func TestValidateFilesRefusesFIFOs(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"catalog-info.yaml": apiWithDefinition("{$text: ./pipe.txt}")})
	mkfifo(t, filepath.Join(dir, "pipe.txt"))
	mkfifo(t, filepath.Join(dir, "other.yaml"))
	var got []Problem
	returnsWithin(t, "validate", func() { got = ValidateFiles(context.Background(), []string{dir}) })
	if len(got) != 2 {
		t.Fatalf("got %d problems, want 2: %v", len(got), got)
	}
	for _, p := range got {
		if !strings.Contains(p.Error(), "not a regular file") {
			t.Errorf("problem %q does not say the file is not a regular file", p.Error())
		}
	}
}

// TestReadWithDeadlineStopsWhenContextEnds: a read that never returns data
// (a pipe nobody writes to) ends when the caller's context does, which is
// how SIGTERM stops `portico validate`.
func TestReadWithDeadlineStopsWhenContextEnds(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := readWithDeadline(ctx, pr, "pipe", 0, 1<<10, nil)
		errc <- err
	}()
	cancel()
	returnsWithin(t, "a cancelled read", func() { err = <-errc })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestValidateFilesStopsWhenContextEnds: after SIGTERM no further file is
// read, and the problem says which one was not checked.
func TestValidateFilesStopsWhenContextEnds(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.yaml": apiWithDefinition("x"), "b.yaml": apiWithDefinition("x")})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got := ValidateFiles(ctx, []string{dir})
	if len(got) != 1 || !strings.Contains(got[0].Error(), "a.yaml: not checked: context canceled") {
		t.Fatalf("got %v, want one problem saying a.yaml was not checked", got)
	}
}

// Outside test: a missing file was reported as "stat nope.yaml: lstat
// nope.yaml: no such file or directory".
func TestMissingFileErrorNamesItOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := ReadRegularFile(context.Background(), path, 1<<20)
	if err == nil || !os.IsNotExist(err) || strings.Count(err.Error(), path) != 1 {
		t.Errorf("error %v: want one mention of %s and a not-exist error", err, path)
	}
}

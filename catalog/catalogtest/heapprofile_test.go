package catalogtest

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteHeapProfileWritesAProfile: the file is a gzipped pprof profile,
// which is what go tool pprof opens.
func TestWriteHeapProfileWritesAProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heap.pprof")
	WriteHeapProfile(t, path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not gzipped: %v", err)
	}
	if body, err := io.ReadAll(zr); err != nil || len(body) == 0 {
		t.Fatalf("profile: %d bytes, %v", len(body), err)
	}
}

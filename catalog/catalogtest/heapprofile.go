package catalogtest

import (
	"os"
	"runtime/pprof"
	"testing"
)

// WriteHeapProfile writes the heap profile to path, for the memory
// benchmarks that keep one when PORTICO_BENCH_HEAPPROFILE names a file
// (go tool pprof -sample_index=inuse_space reads it).
func WriteHeapProfile(tb testing.TB, path string) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

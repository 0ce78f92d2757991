package catalog

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkParseAndProcess measures the CPU cost per descriptor file of
// parsing and processing (no store): PORTICO_BENCH_DIR points at data from
// ../shared/bench/backstage/gen.py; without it a small API is used.
func BenchmarkParseAndProcess(b *testing.B) {
	data := []byte(apiWithDefinition("x"))
	if dir := os.Getenv("PORTICO_BENCH_DIR"); dir != "" {
		var err error
		if data, err = os.ReadFile(filepath.Join(dir, "apis", "api-000001.yaml")); err != nil {
			b.Fatal(err)
		}
	}
	c := New(nil, Options{})
	b.SetBytes(int64(len(data)))
	b.Run("parse", func(b *testing.B) {
		for b.Loop() {
			if _, ps := ParseYAML(data, Source{Location: "x.yaml"}); len(ps) > 0 {
				b.Fatal(ps)
			}
		}
	})
	entities, _ := ParseYAML(data, Source{Location: "x.yaml"})
	b.Run("process", func(b *testing.B) {
		for b.Loop() {
			if pe := c.Process(context.Background(), "p", entities[0]); len(pe.Problems) > 0 {
				b.Fatal(pe.Problems)
			}
		}
	})
}

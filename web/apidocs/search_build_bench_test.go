package apidocs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/catalogtest"
)

// benchStore serves n generated APIs (catalogtest.BenchAPI) to the index
// build without a database: a headers-only listing by offset cursor, and
// bodies made on demand, so a benchmark measures the build's memory rather
// than a catalog held in memory.
type benchStore struct {
	catalog.Store
	n int
}

func (s *benchStore) Generation() uint64 { return 1 }

func (s *benchStore) Query(_ context.Context, q catalog.Query) (catalog.Page, error) {
	start, _ := strconv.Atoi(q.Cursor)
	end := min(start+q.Limit, s.n)
	page := catalog.Page{TotalItems: s.n}
	for i := start; i < end; i++ {
		page.Items = append(page.Items, benchHeader(i))
	}
	if end < s.n {
		page.NextCursor = strconv.Itoa(end)
	}
	return page, nil
}

func (s *benchStore) ByRefs(_ context.Context, refs []catalog.Ref, _ catalog.Filter) ([]*catalog.StoredEntity, error) {
	out := make([]*catalog.StoredEntity, len(refs))
	for j, r := range refs {
		i, err := strconv.Atoi(strings.TrimPrefix(r.Name, "api-"))
		if err != nil {
			return nil, err
		}
		body, err := benchEntityJSON(i)
		if err != nil {
			return nil, err
		}
		out[j] = benchHeader(i)
		out[j].JSON = body
	}
	return out, nil
}

func benchHeader(i int) *catalog.StoredEntity {
	return &catalog.StoredEntity{Ref: catalog.Ref{Kind: "API", Namespace: "default", Name: fmt.Sprintf("api-%06d", i)},
		UID: strconv.Itoa(i), Hash: strconv.Itoa(i), UpdatedAt: time.Unix(1, 0)}
}

// benchEntityJSON is API i as the store returns it: the descriptor as JSON,
// its definition a string. Only the part before the definition goes
// through YAML; the definition is the block scalar with its indent cut.
func benchEntityJSON(i int) ([]byte, error) {
	const marker = "  definition: |\n"
	head, def, ok := bytes.Cut(catalogtest.BenchAPI(i), []byte(marker))
	if !ok {
		return nil, fmt.Errorf("api %d: no inline definition", i)
	}
	var e map[string]any
	if err := yaml.Unmarshal(head, &e); err != nil {
		return nil, err
	}
	lines := bytes.SplitAfter(def, []byte("\n"))
	var b strings.Builder
	for _, l := range lines {
		b.Write(bytes.TrimPrefix(l, []byte("    ")))
	}
	e["spec"].(map[string]any)["definition"] = b.String()
	return json.Marshal(e)
}

// TestBenchStoreServesIndexableAPIs keeps the benchmark honest: its APIs
// index like stored ones, 10 operations each.
func TestBenchStoreServesIndexableAPIs(t *testing.T) {
	h, err := New(Options{Store: &benchStore{n: 3}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	apis, ops, err := newOpIndex(h).build(context.Background())
	if err != nil || len(apis) != 3 || ops != 30 {
		t.Fatalf("build: %d APIs, %d operations, %v; want 3 and 30", len(apis), ops, err)
	}
	if got := searchAPIs(apis, searchWords("api-000002")); len(got) != 10 {
		t.Errorf("search by API name: %d hits, want 10", len(got))
	}
}

// BenchmarkOperationIndexBuild100k builds the operation search index over
// 100,000 generated APIs (1,000,000 operations) and reports the build's
// peak Go memory (held from the OS and not released, sampled every 5 ms,
// over what the process held before), the live heap after a GC,
// and the process's peak RSS (VmHWM). The server runs with a soft memory
// limit (config.DefaultMemoryLimit); run with GOMEMLIMIT=300MiB to measure
// under the same, and -benchtime=1x: one build takes minutes.
// PORTICO_BENCH_APIS changes the count; PORTICO_BENCH_HEAPPROFILE names a
// file for a heap profile taken with the index built.
func BenchmarkOperationIndexBuild100k(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("PORTICO_BENCH_APIS")); err == nil && v > 0 {
		n = v
	}
	h, err := New(Options{Store: &benchStore{n: n}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		runtime.GC()
		base := goMemory()
		var peak atomic.Uint64
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for {
				if m := goMemory(); m > peak.Load() {
					peak.Store(m)
				}
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
		x := newOpIndex(h)
		apis, ops, err := x.build(context.Background())
		close(stop)
		<-sampled
		if err != nil || ops != 10*n {
			b.Fatalf("build: %d operations, %v; want %d", ops, err, 10*n)
		}
		runtime.GC()
		if path := os.Getenv("PORTICO_BENCH_HEAPPROFILE"); path != "" {
			catalogtest.WriteHeapProfile(b, path)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(peak.Load()-base)/(1<<20), "peak-MB")
		b.ReportMetric(float64(liveHeap())/(1<<20), "live-MB")
		b.ReportMetric(float64(vmHWM())/(1<<20), "VmHWM-MB")
		b.ReportMetric(float64(ms.NumGC), "GCs")
		runtime.KeepAlive(apis)
		runtime.KeepAlive(x)
	}
}

// goMemory is the memory the Go runtime holds from the OS and has not
// released: about its part of the RSS.
func goMemory() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() - s[1].Value.Uint64()
}

// liveHeap is the heap the last GC found live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// vmHWM is the process's peak resident set size in bytes (0 off Linux).
func vmHWM() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

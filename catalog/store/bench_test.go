package store

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
)

// benchEntities generates n API entities shaped like the shared bench's:
// an ~11 KB inline definition, tags, owner and system relations.
func benchEntities(n int) []catalog.ProcessedEntity {
	return benchRange(0, n)
}

var benchDefinition = strings.Repeat("openapi: 3.0.0\ninfo: {title: generated, version: 1.0.0}\npaths: {}\n", 11*1024/64)

// benchRange generates the bench entities numbered from to from+n-1.
func benchRange(from, n int) []catalog.ProcessedEntity {
	out := make([]catalog.ProcessedEntity, n)
	for j := range out {
		i := from + j
		out[j] = testEntity("API", fmt.Sprintf("api-%06d", i),
			title(fmt.Sprintf("API number %d", i)),
			description("A generated API for benchmarks"),
			tags("generated", fmt.Sprintf("tag-%d", i%10)),
			spec("type", "openapi", "lifecycle", []string{"production", "experimental"}[i%2],
				"system", fmt.Sprintf("system-%d", i%20), "definition", benchDefinition),
			ownedBy(fmt.Sprintf("team-%d", i%50)),
		)
	}
	return out
}

// cpuTime is the process's user+system CPU time. The benchmarks report it
// per operation beside wall time, because on a shared machine wall time
// mostly measures the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ioBytes is what the process has read and written through system calls
// so far (rchar, wchar of /proc/self/io; zeros where there is none): page
// traffic, which depends on the neighbours far less than time does,
// though not entirely: the checkpointer runs when commits pause, so a
// slowed load checkpoints more often and writes up to ~25% more.
func ioBytes() [2]int64 {
	var out [2]int64
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ": ")
		n, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "rchar":
			out[0] = n
		case "wchar":
			out[1] = n
		}
	}
	return out
}

// loop runs fn b.N times and reports CPU time per operation.
func loop(b *testing.B, fn func(i int)) {
	start, i := cpuTime(), 0
	for b.Loop() {
		fn(i)
		i++
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(i), "cpu-ns/op")
}

func BenchmarkApply(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		es := benchEntities(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				s := openSQLiteT(b)
				b.StartTimer()
				start := cpuTime()
				if _, err := s.Apply(context.Background(), catalog.StoreMutation{Provider: "bench", Type: catalog.Full, Entities: es}); err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime() - start
			}
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkBulkLoad loads n entities into an empty file database as a file
// location does: deltas of 400, each prepared and then applied. Besides CPU
// per load it reports the mean write time of a batch in the first and in
// the last fifth of the load (ms): a last fifth much slower than the first
// means the writes stopped being appends (issue 15, item 8). 100k runs with
// -bench BulkLoad/100000 only.
func BenchmarkBulkLoad(b *testing.B) {
	const batch = 400
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			if n > 10000 && !strings.Contains(b.Name(), "100000") {
				b.Skip()
			}
			var cpu, first, last time.Duration
			var rd, wr int64
			for b.Loop() {
				b.StopTimer()
				s := openSQLiteT(b)
				b.StartTimer()
				start, io0 := cpuTime(), ioBytes()
				batches := n / batch
				for k := range batches {
					m := catalog.StoreMutation{Provider: "bench", Type: catalog.Delta, Entities: benchRange(k*batch, batch)}
					s.Prepare(context.Background(), &m)
					t := time.Now()
					if _, err := s.Apply(context.Background(), m); err != nil {
						b.Fatal(err)
					}
					switch d := time.Since(t); {
					case k < batches/5:
						first += d
					case k >= batches-batches/5:
						last += d
					}
				}
				cpu += cpuTime() - start
				io1 := ioBytes()
				rd += io1[0] - io0[0]
				wr += io1[1] - io0[1]
			}
			b.ReportMetric(float64(rd)/float64(b.N)/(1<<20), "read-MB/op")
			b.ReportMetric(float64(wr)/float64(b.N)/(1<<20), "written-MB/op")
			fifth := float64(b.N * (n / batch / 5))
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(first.Milliseconds())/fifth, "first-ms/batch")
			b.ReportMetric(float64(last.Milliseconds())/fifth, "last-ms/batch")
		})
	}
}

// BenchmarkApplyUnchanged measures a periodic re-scan that changes nothing.
func BenchmarkApplyUnchanged(b *testing.B) {
	es := benchEntities(10000)
	s := openSQLiteT(b)
	m := catalog.StoreMutation{Provider: "bench", Type: catalog.Full, Entities: es}
	if _, err := s.Apply(context.Background(), m); err != nil {
		b.Fatal(err)
	}
	loop(b, func(int) {
		if _, err := s.Apply(context.Background(), m); err != nil {
			b.Fatal(err)
		}
	})
}

func benchStore(b *testing.B) *Store {
	b.Helper()
	s := openSQLiteT(b)
	if _, err := s.Apply(context.Background(), catalog.StoreMutation{Provider: "bench", Type: catalog.Full, Entities: benchEntities(10000)}); err != nil {
		b.Fatal(err)
	}
	// Measure reads alone: finish the ingest's checkpoint and garbage first.
	if _, err := s.sql.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	return s
}

func BenchmarkByRef(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	refs := make([]catalog.Ref, 1000)
	for i := range refs {
		refs[i] = catalog.Ref{Kind: "API", Namespace: "default", Name: fmt.Sprintf("api-%05d", (i*7919)%10000)}
	}
	loop(b, func(i int) {
		if _, err := s.ByRef(ctx, refs[i%len(refs)]); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkQuery(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	cases := map[string]catalog.Query{
		"kind=api":              {Filter: catalog.Filter{{cond("kind", "api")}}, Limit: 20},
		"kind=api,order=name":   {Filter: catalog.Filter{{cond("kind", "api")}}, Order: []catalog.Order{{Field: "metadata.name"}}, Limit: 20},
		"lifecycle,order=title": {Filter: catalog.Filter{{cond("spec.lifecycle", "production")}}, Order: []catalog.Order{{Field: "metadata.title", Desc: true}}, Limit: 20},
		"fulltext":              {FullText: "number 12", Limit: 20},
	}
	for name, q := range cases {
		b.Run(name, func(b *testing.B) {
			loop(b, func(int) {
				if _, err := s.Query(ctx, q); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
	b.Run("cursor-page-5", func(b *testing.B) {
		q := cases["kind=api"]
		for range 4 {
			p, err := s.Query(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			q = catalog.Query{Cursor: p.NextCursor, Limit: 20}
		}
		loop(b, func(int) {
			if _, err := s.Query(ctx, q); err != nil {
				b.Fatal(err)
			}
		})
	})
}

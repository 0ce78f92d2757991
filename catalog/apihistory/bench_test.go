package apihistory

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store"
)

// benchMutation is n API entities, each with its own ~11 KB OpenAPI
// definition (distinct text, so each is a distinct version).
func benchMutation(n int) catalog.Mutation {
	body := strings.Repeat("  /p%[1]d-%[2]d:\n    get:\n      responses:\n        \"200\": {description: ok}\n", 1)
	m := catalog.Mutation{Type: catalog.Full}
	for i := range n {
		var def strings.Builder
		fmt.Fprintf(&def, "openapi: 3.0.0\ninfo: {title: API %d, version: 1.0.%d}\npaths:\n", i, i)
		for j := range 140 {
			fmt.Fprintf(&def, body, i, j)
		}
		m.Entities = append(m.Entities, catalog.DeferredEntity{
			LocationKey: "bench",
			Entity: catalog.Entity{
				APIVersion: "backstage.io/v1alpha1", Kind: "API",
				Metadata: catalog.Metadata{Name: fmt.Sprintf("api-%05d", i)},
				Spec: map[string]any{"type": "openapi", "lifecycle": "production", "owner": "team-a",
					"definition": def.String()},
			},
		})
	}
	return m
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type benchRig struct {
	st  *store.Store
	cat *catalog.Catalog
	rec *Recorder // nil without history
}

func newBenchRig(b *testing.B, history bool) *benchRig {
	b.Helper()
	return newBenchRigKeeping(b, history, history)
}

// newBenchRigKeeping is newBenchRig, keeping removed definitions or not.
func newBenchRigKeeping(b *testing.B, history, keepRemoved bool) *benchRig {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{Driver: store.SQLite, DSN: filepath.Join(b.TempDir(), "c.db")})
	if err != nil {
		b.Fatal(err)
	}
	r := &benchRig{st: st}
	var procs []catalog.Processor
	if history {
		hist, err := Open(ctx, st.DB(), nil)
		if err != nil {
			b.Fatal(err)
		}
		if keepRemoved {
			hist.KeepRemovedFrom(st)
		}
		r.rec = NewRecorder(hist, st, RecorderOptions{})
		r.rec.WatchWritesOf(st)
		procs = append(procs, r.rec.Processor())
	}
	r.cat = catalog.New(st, catalog.Options{Processors: procs})
	if r.rec != nil {
		r.cat.AddCommitHook(r.rec.CommitHook())
	}
	return r
}

// ingest applies m and, with history, records what it noted (the work
// Run does in the background after the commit). It returns the CPU time
// of each part.
func (r *benchRig) ingest(b *testing.B, m catalog.Mutation) (apply, record time.Duration) {
	start := cpuTime()
	if _, err := r.cat.Apply(context.Background(), "bench", m); err != nil {
		b.Fatal(err)
	}
	mid := cpuTime()
	if r.rec != nil {
		r.rec.Flush(context.Background())
	}
	return mid - start, cpuTime() - mid
}

// BenchmarkColdIngest10k compares a cold ingest of 10,000 APIs without
// and with history (every definition recorded, in the same process).
// The target: history adds ≤ 10 %.
func BenchmarkColdIngest10k(b *testing.B) {
	m := benchMutation(10000)
	for _, history := range []bool{false, true} {
		b.Run(map[bool]string{false: "plain", true: "history"}[history], func(b *testing.B) {
			var apply, record time.Duration
			for b.Loop() {
				b.StopTimer()
				r := newBenchRig(b, history)
				b.StartTimer()
				a, rec := r.ingest(b, m)
				apply, record = apply+a, record+rec
				b.StopTimer()
				r.st.Close()
				b.StartTimer()
			}
			n := float64(b.N)
			b.ReportMetric(float64(apply+record)/n, "cpu-ns/op")
			b.ReportMetric(float64(apply)/n, "apply-cpu-ns/op")
			b.ReportMetric(float64(record)/n, "record-cpu-ns/op")
		})
	}
}

// BenchmarkUnchangedIngest10k re-ingests 10,000 unchanged APIs, without
// and with history: the recorder hashes each definition and notes none.
// Target: history adds nothing measurable.
func BenchmarkUnchangedIngest10k(b *testing.B) {
	m := benchMutation(10000)
	for _, history := range []bool{false, true} {
		b.Run(map[bool]string{false: "plain", true: "history"}[history], func(b *testing.B) {
			r := newBenchRig(b, history)
			defer r.st.Close()
			r.ingest(b, m)
			start, n := cpuTime(), 0
			for b.Loop() {
				r.ingest(b, m)
				n++
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(n), "cpu-ns/op")
			if r.rec != nil && r.rec.Pending() != 0 {
				b.Fatalf("unchanged ingest noted %d APIs", r.rec.Pending())
			}
		})
	}
}

// BenchmarkRemove1k removes 1,000 recorded APIs (~11 KB definitions) in
// one full mutation: without history, with history but without keeping
// removed definitions (as before), and with it, where the removing
// transaction also reads their bodies and stores each last definition.
func BenchmarkRemove1k(b *testing.B) {
	m := benchMutation(1000)
	for _, v := range []struct {
		name              string
		history, keepRems bool
	}{{"plain", false, false}, {"history-nokeep", true, false}, {"history", true, true}} {
		b.Run(v.name, func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				r := newBenchRigKeeping(b, v.history, v.keepRems)
				r.ingest(b, m)
				b.StartTimer()
				a, _ := r.ingest(b, catalog.Mutation{Type: catalog.Full})
				cpu += a
				b.StopTimer()
				r.st.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

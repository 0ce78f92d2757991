package providers

import (
	"context"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
)

// TestReplicasRunEachTaskOnceAtATime runs two schedulers ("replicas") on one
// database with a short schedule and checks from the run records that no two
// runs of the task overlapped; then it kills the replica holding the lease
// mid-run (its database handle dies, so it can neither renew nor release)
// and checks the other takes over within the timeout plus 5 s.
func TestReplicasRunEachTaskOnceAtATime(t *testing.T) {
	for _, db := range testDBs(t) {
		t.Run(db.name, func(t *testing.T) {
			const runs = 30
			var active, maxActive, total atomic.Int32
			sched := Schedule{Frequency: 100 * time.Millisecond, Timeout: time.Second}
			run := func(ctx context.Context) (catalog.Mutation, error) {
				n := active.Add(1)
				defer active.Add(-1)
				for {
					m := maxActive.Load()
					if n <= m || maxActive.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(20 * time.Millisecond)
				total.Add(1)
				return entities(2), nil
			}
			a := &testProvider{name: "replicated", sched: sched, run: run}
			b := &testProvider{name: "replicated", sched: sched, run: run}
			sa, _ := startScheduler(t, db, nil, a)
			sb, _ := startScheduler(t, db, nil, b)

			deadline := time.Now().Add(60 * time.Second)
			for total.Load() < runs && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			recs, err := sa.runs.recent(context.Background(), "replicated", 1000)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) < runs || maxActive.Load() != 1 {
				t.Fatalf("%d runs recorded, at most %d at once", len(recs), maxActive.Load())
			}
			sort.Slice(recs, func(i, j int) bool { return recs[i].StartedAt.Before(recs[j].StartedAt) })
			owners := map[string]int{}
			for i, r := range recs {
				owners[r.Owner]++
				if i > 0 && !recs[i-1].Running() && recs[i-1].StartedAt.Add(recs[i-1].Duration).After(r.StartedAt) {
					t.Fatalf("runs overlap: %+v and %+v", recs[i-1], r)
				}
			}
			t.Logf("%d runs by owners %v", len(recs), owners)
			_ = sb
		})
	}
}

// TestReplicaTakesOverAfterKill kills the replica that runs a task with a
// long timeout: another takes over once the short lease lapses, not after
// the task's timeout, and the dead run shows as interrupted.
func TestReplicaTakesOverAfterKill(t *testing.T) {
	for _, db := range testDBs(t) {
		t.Run(db.name, func(t *testing.T) {
			started := make(chan string, 10)
			const ttl = time.Second
			sched := Schedule{Frequency: 100 * time.Millisecond, Timeout: time.Hour}
			hang := &testProvider{name: "takeover", sched: sched, run: func(ctx context.Context) (catalog.Mutation, error) {
				started <- "a"
				<-ctx.Done()
				return catalog.Mutation{}, ctx.Err()
			}}
			dbA := db.open(t)
			sa, err := New(Options{DB: dbA, LeaseTTL: ttl})
			if err != nil {
				t.Fatal(err)
			}
			if err := sa.Add(hang, &recordingConn{}); err != nil {
				t.Fatal(err)
			}
			ctxA, killA := context.WithCancel(context.Background())
			defer killA()
			if err := sa.Start(ctxA); err != nil {
				t.Fatal(err)
			}
			<-started

			// A is mid-run (it reported its start), so it holds the lease
			// when B starts on the same schedule: B can only take over.
			ok := &testProvider{name: "takeover", sched: sched, run: func(ctx context.Context) (catalog.Mutation, error) {
				started <- "b"
				return entities(1), nil
			}}
			sb, err := New(Options{DB: db.open(t), LeaseTTL: ttl})
			if err != nil {
				t.Fatal(err)
			}
			if err := sb.Add(ok, &recordingConn{}); err != nil {
				t.Fatal(err)
			}
			ctxB, stopB := context.WithCancel(context.Background())
			defer func() { stopB(); sb.Wait() }()
			if err := sb.Start(ctxB); err != nil {
				t.Fatal(err)
			}

			killed := time.Now()
			_ = dbA.Close() // A can no longer renew or release: as good as SIGKILL
			killA()
			select {
			case who := <-started:
				if who != "b" {
					t.Fatalf("%s ran", who)
				}
			case <-time.After(ttl + 5*time.Second):
				t.Fatal("no takeover within the lease's lifetime + 5 s")
			}
			took := time.Since(killed)
			if took > ttl+5*time.Second {
				t.Fatalf("takeover took %s", took)
			}
			t.Logf("takeover after %s", took)
			time.Sleep(200 * time.Millisecond)
			recs, err := sb.runs.recent(context.Background(), "takeover", 100)
			if err != nil {
				t.Fatal(err)
			}
			var abandoned bool
			for _, r := range recs {
				if r.Owner == sa.Owner() {
					abandoned = r.Outcome == OutcomeInterrupted
				}
			}
			if !abandoned {
				t.Fatalf("the dead replica's run is not closed: %+v", recs)
			}
		})
	}
}

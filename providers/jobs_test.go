package providers

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestJobRunsInOneReplicaAtATime: two schedulers on one database run a
// job on a short period; the runs never overlap, and WakeJob starts one
// well before the job is next due.
func TestJobRunsInOneReplicaAtATime(t *testing.T) {
	for _, db := range testDBs(t) {
		t.Run(db.name, func(t *testing.T) {
			var active, maxActive, total atomic.Int32
			run := func(ctx context.Context) error {
				n := active.Add(1)
				defer active.Add(-1)
				for m := maxActive.Load(); n > m && !maxActive.CompareAndSwap(m, n); m = maxActive.Load() {
				}
				time.Sleep(10 * time.Millisecond)
				total.Add(1)
				return nil
			}
			var scheds []*Scheduler
			for range 2 {
				s, _ := startScheduler(t, db, nil)
				if err := s.AddJob(Job{Name: "deliver", Every: 50 * time.Millisecond, Run: run}); err != nil {
					t.Fatal(err)
				}
				scheds = append(scheds, s)
			}
			deadline := time.Now().Add(20 * time.Second)
			for total.Load() < 20 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if total.Load() < 20 || maxActive.Load() != 1 {
				t.Fatalf("%d runs, at most %d at once", total.Load(), maxActive.Load())
			}
			if err := scheds[0].AddJob(Job{Name: "deliver", Run: run}); err == nil {
				t.Error("a job added twice")
			}

			// A job due in an hour runs at once when woken.
			slow := make(chan struct{}, 10)
			s := scheds[1]
			if err := s.AddJob(Job{Name: "hourly", Every: time.Hour, Run: func(ctx context.Context) error {
				select {
				case slow <- struct{}{}:
				case <-ctx.Done():
				}
				return nil
			}}); err != nil {
				t.Fatal(err)
			}
			<-slow // the first run: due at once
			s.WakeJob("hourly")
			select {
			case <-slow:
			case <-time.After(5 * time.Second):
				t.Fatal("WakeJob did not run the job")
			}
		})
	}
}

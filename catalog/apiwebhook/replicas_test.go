package apiwebhook

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
	"github.com/porticohq/portico/providers"
)

// TestTwoReplicasDeliverEachChangeOnce: two replicas (two stores, two
// schedulers) share one database; both hear of the same ten new versions
// and both are woken to deliver, yet the receiver gets each version once:
// the job runs under one lease, and a delivery is claimed before its call.
func TestTwoReplicasDeliverEachChangeOnce(t *testing.T) {
	dsns := map[string]func(t *testing.T) store.Config{
		"sqlite": func(t *testing.T) store.Config {
			return store.Config{Driver: store.SQLite, DSN: filepath.Join(t.TempDir(), "portico.db")}
		},
		"pg": func(t *testing.T) store.Config {
			return store.Config{Driver: store.Postgres, DSN: storetest.PostgresDSN(t)}
		},
	}
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) {
			cfg := dsn(t)
			rcv := newReceiver(t)
			rcv.delay = 20 * time.Millisecond
			ctx, cancel := context.WithCancel(context.Background())
			var replicas []*Deliverer
			var scheds []*providers.Scheduler
			for range 2 {
				st, err := store.Open(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				ws := NewStore(st.DB(), nil)
				if err := ws.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				sched, err := providers.New(providers.Options{DB: st.DB(), LeaseTTL: time.Second})
				if err != nil {
					t.Fatal(err)
				}
				d := &Deliverer{Store: ws, Hooks: []Webhook{hook(rcv.URL)}, Rules: loopback(t), BaseURL: "https://portal.example"}
				d.Wake = func() { sched.WakeJob("api-webhooks") }
				if err := sched.AddJob(providers.Job{Name: "api-webhooks", Every: 100 * time.Millisecond, Run: d.DeliverDue}); err != nil {
					t.Fatal(err)
				}
				if err := sched.Start(ctx); err != nil {
					t.Fatal(err)
				}
				replicas, scheds = append(replicas, d), append(scheds, sched)
			}
			t.Cleanup(func() {
				cancel()
				for _, s := range scheds {
					s.Wait()
				}
			})

			const versions = 10
			for i := range versions {
				v := apihistory.Version{ID: int64(100 + i), PrevID: int64(99 + i), EntityKey: "api:default/pets"}
				for _, d := range replicas {
					d.Arrived(ctx, v, breakingReport)
				}
			}
			deadline := time.Now().Add(30 * time.Second)
			for len(rcv.got()) < versions && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(500 * time.Millisecond) // room for a duplicate to show
			seen := map[string]int{}
			for _, c := range rcv.got() {
				seen[c.headers.Get("X-Portico-Delivery")]++
			}
			if len(rcv.got()) != versions || len(seen) != versions {
				t.Fatalf("%d calls for %d deliveries, want each once: %v", len(rcv.got()), versions, seen)
			}
			list, err := replicas[0].Store.List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range list {
				if d.State != StateDelivered || d.Attempts != 1 {
					t.Errorf("delivery %d: %s after %d attempts", d.ID, d.State, d.Attempts)
				}
			}
		})
	}
}

package apiwebhook

import (
	"context"
	"fmt"
	"testing"

	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/catalog/store/storetest"
)

// BenchmarkSweep10k measures what the diff-failed sweep adds to each run
// of the delivery job (every 10 s, on one replica) over a history of
// 10,000 APIs with two versions each, every diff saved: the query of the
// 200 newest versions, nothing to queue.
func BenchmarkSweep10k(b *testing.B) {
	ctx := context.Background()
	st := storetest.SQLite(b)
	c := &clock{}
	c.t = c.t.AddDate(2026, 0, 0)
	hist := apihistory.NewStore(st.DB(), c.now)
	if err := hist.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	for round := range 2 {
		items := make([]apihistory.Item, 10000)
		for i := range items {
			items[i] = apihistory.Item{Version: apihistory.Version{EntityKey: fmt.Sprintf("api:default/a%d", i), SpecType: "graphql"},
				Definition: fmt.Appendf(nil, "type Query { a%d: Int }", round)}
		}
		rec, err := hist.RecordAll(ctx, items)
		if err != nil {
			b.Fatal(err)
		}
		if round == 1 {
			for _, r := range rec {
				if err := hist.SaveDiff(ctx, r.Version.PrevID, r.Version.ID, breakingReport); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	ws := NewStore(st.DB(), c.now)
	if err := ws.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	d := &Deliverer{Store: ws, Hooks: []Webhook{hook("https://hooks.example/")}, History: hist,
		Differ: apihistory.NewRecorder(hist, nil, apihistory.RecorderOptions{})}
	for b.Loop() {
		if err := d.sweep(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

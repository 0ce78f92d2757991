package apiwebhook

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
)

// TestSweepTellsOfVersionsWhoseDiffFailed records, through the real
// history store, three new versions the recorder's hook never heard of:
// films' schema no longer parses (its diff fails), pets gained a field
// (its diff was never computed: the recording replica stopped), and old's
// schema broke two hours ago. One DeliverDue tells the breaking-only and
// the any webhook of films as diff-failed with breaking null, the any
// webhook of pets as a change (its diff now saved), and no one of old;
// the next DeliverDue queues nothing more.
func TestSweepTellsOfVersionsWhoseDiffFailed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rcv := newReceiver(t)
		anyHook := hook(rcv.URL + "/any")
		anyHook.Events = []string{EventAny}
		d, c := newDeliverer(t, st, loopback(t), hook(rcv.URL+"/breaking"), anyHook)
		hist := apihistory.NewStore(st.DB(), c.now)
		if err := hist.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		record := func(key, def string) apihistory.Version {
			t.Helper()
			v, _, err := hist.Record(ctx, apihistory.Version{EntityKey: key, SpecType: "graphql"}, []byte(def))
			if err != nil {
				t.Fatal(err)
			}
			c.add(time.Second)
			return v
		}
		record("api:default/old", "type Query { a: Int }")
		record("api:default/old", "type Query { a: Int ") // two hours before the sweep
		c.add(2 * time.Hour)
		record("api:default/films", "type Query { film: String }")
		films := record("api:default/films", "type Query { film: String ")
		record("api:default/pets", "type Query { pet: String }")
		pets := record("api:default/pets", "type Query { pet: String\n  owner: String }")

		d.History, d.Differ = hist, apihistory.NewRecorder(hist, nil, apihistory.RecorderOptions{})
		if err := d.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		hookOf := map[string]string{} // delivery id → the webhook's path
		for _, del := range deliveries(t, d) {
			hookOf[strconv.FormatInt(del.ID, 10)] = del.Webhook[strings.LastIndex(del.Webhook, "/"):]
		}
		got := map[string][]Payload{}
		for _, call := range rcv.got() {
			if !Verify(secret, call.body, call.headers.Get(SignatureHeader)) {
				t.Fatal("a call is not signed")
			}
			var p Payload
			if err := json.Unmarshal(call.body, &p); err != nil {
				t.Fatal(err)
			}
			path := hookOf[call.headers.Get("X-Portico-Delivery")]
			got[path] = append(got[path], p)
		}
		if len(got["/breaking"]) != 1 || len(got["/any"]) != 2 {
			t.Fatalf("calls: breaking %d, any %d; want 1 and 2: %+v", len(got["/breaking"]), len(got["/any"]), got)
		}
		failed := got["/breaking"][0]
		if failed.Event != EventDiffFailed || failed.API.Ref != "api:default/films" || failed.To.ID != films.ID ||
			failed.IsBreaking != nil || failed.Counts != nil || !strings.Contains(failed.DiffError, "Expected") {
			t.Errorf("diff-failed payload: %+v", failed)
		}
		var sawPets bool
		for _, p := range got["/any"] {
			if p.API.Ref == "api:default/pets" {
				sawPets = true
				if p.Event != "change" || p.To.ID != pets.ID || p.IsBreaking == nil || *p.IsBreaking || p.Counts == nil || p.Counts.Info == 0 {
					t.Errorf("pets payload: %+v", p)
				}
			}
		}
		if !sawPets {
			t.Error("pets' undiffed version was not told")
		}
		if _, err := hist.Diff(ctx, pets.PrevID, pets.ID); err != nil {
			t.Errorf("pets' diff not saved: %v", err)
		}

		before := len(deliveries(t, d))
		c.add(time.Minute)
		if err := d.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(deliveries(t, d)); n != before || len(rcv.got()) != 3 {
			t.Errorf("a second sweep: %d deliveries (was %d), %d calls", n, before, len(rcv.got()))
		}
	})
}

// TestSweepAsksForABoundedNumberOfDiffsARun: after a bulk load of 25 new
// versions the recorder has not diffed, one run diffs 20, oldest first,
// and the next run the rest, so deliveries are not held up behind them.
func TestSweepAsksForABoundedNumberOfDiffsARun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rcv := newReceiver(t)
		d, c := newDeliverer(t, st, loopback(t), hook(rcv.URL))
		hist := apihistory.NewStore(st.DB(), c.now)
		if err := hist.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var first int64
		for round, def := range []string{"type Query { a: Int }", "type Query { a: Int "} {
			items := make([]apihistory.Item, 25)
			for i := range items {
				items[i] = apihistory.Item{Version: apihistory.Version{EntityKey: fmt.Sprintf("api:default/a%02d", i), SpecType: "graphql"}, Definition: []byte(def)}
			}
			rec, err := hist.RecordAll(ctx, items)
			if err != nil {
				t.Fatal(err)
			}
			if round == 1 {
				first = rec[0].Version.ID
			}
		}
		d.History, d.Differ = hist, apihistory.NewRecorder(hist, nil, apihistory.RecorderOptions{})
		if err := d.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		list := deliveries(t, d)
		if len(list) != sweepDiffs || list[0].ToID != first {
			t.Fatalf("first run: %d deliveries from version %d, want %d from %d", len(list), list[0].ToID, sweepDiffs, first)
		}
		if err := d.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(deliveries(t, d)); n != 25 || len(rcv.got()) != 25 {
			t.Errorf("second run: %d deliveries, %d calls; want 25", n, len(rcv.got()))
		}
	})
}

package apiwebhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/catalog/egress"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
)

const secret = "s3cret-s3cret-s3cret"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// receiver is an httptest server that records each call and answers with
// the next status of its script (200 once the script is spent).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	calls  []call
	script []int
	delay  time.Duration
}

type call struct {
	body    []byte
	headers http.Header
	status  int
}

func newReceiver(t *testing.T, script ...int) *receiver {
	r := &receiver{script: script}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		time.Sleep(r.delay)
		r.mu.Lock()
		status := http.StatusOK
		if len(r.script) > 0 {
			status, r.script = r.script[0], r.script[1:]
		}
		r.calls = append(r.calls, call{body: body, headers: req.Header.Clone(), status: status})
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}

// loopback allows the test server's address, as an operator would with
// apiDocs.history.webhookAllowAddresses.
func loopback(t *testing.T) []egress.Rule {
	rules, err := egress.ParseAddressRules([]string{"127.0.0.1", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

func hook(url string) Webhook {
	return Webhook{URL: url, Secret: secret, Events: []string{EventBreaking}, MaxAttempts: 3, Backoff: time.Minute, Timeout: 5 * time.Second}
}

// breakingReport is a diff with one breaking and one other change.
var breakingReport = &apidiff.Report{
	FromVersion: "1.0", ToVersion: "2.0",
	Counts: apidiff.Counts{Breaking: 1, Info: 1},
	Groups: []apidiff.Group{
		{Method: "DELETE", Path: "/pets/{id}", Level: apidiff.Breaking, Changes: []apidiff.Change{{ID: "api-removed-without-deprecation", Level: apidiff.Breaking, Text: "api removed"}}},
		{Method: "GET", Path: "/owners", Level: apidiff.Info, Changes: []apidiff.Change{{ID: "endpoint-added", Level: apidiff.Info, Text: "endpoint added"}}},
	},
}

var arrived = apihistory.Version{ID: 7, PrevID: 3, EntityKey: "api:default/pets", InfoVersion: "2.0", SpecType: "openapi",
	CurrentSince: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}

func newDeliverer(t *testing.T, st *store.Store, rules []egress.Rule, hooks ...Webhook) (*Deliverer, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	ws := NewStore(st.DB(), c.now)
	if err := ws.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &Deliverer{Store: ws, Hooks: hooks, Rules: rules, BaseURL: "https://portal.example/"}, c
}

func deliveries(t *testing.T, d *Deliverer) []Delivery {
	t.Helper()
	list, err := d.Store.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestDeliveryIsSignedAndDescribesTheChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rcv := newReceiver(t)
		d, _ := newDeliverer(t, st, loopback(t), hook(rcv.URL+"/hooks/portico"))
		d.Arrived(ctx, arrived, breakingReport)
		d.Arrived(ctx, arrived, breakingReport) // heard twice (two replicas): queued once
		if err := d.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		calls := rcv.got()
		if len(calls) != 1 {
			t.Fatalf("%d calls, want 1", len(calls))
		}
		c := calls[0]
		// What a receiver does: HMAC-SHA256 of the raw body under the secret.
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(c.body)
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		if got := c.headers.Get("X-Portico-Signature"); got != want || !Verify(secret, c.body, got) {
			t.Errorf("signature %q, want %q", got, want)
		}
		if Verify("another-secret-of-16", c.body, want) {
			t.Error("verified under the wrong secret")
		}
		if c.headers.Get("Content-Type") != "application/json" || c.headers.Get("X-Portico-Event") != "breaking" {
			t.Errorf("headers: %v", c.headers)
		}
		var p Payload
		if err := json.Unmarshal(c.body, &p); err != nil {
			t.Fatal(err)
		}
		if p.API.Ref != "api:default/pets" || p.API.Name != "pets" || p.From.ID != 3 || p.To.ID != 7 ||
			p.From.InfoVersion != "1.0" || p.To.InfoVersion != "2.0" || p.Counts.Breaking != 1 || p.Counts.Info != 1 {
			t.Errorf("payload: %+v", p)
		}
		if p.IsBreaking == nil || !*p.IsBreaking || p.DiffError != "" {
			t.Errorf("breaking: %v, diffError %q", p.IsBreaking, p.DiffError)
		}
		if len(p.Breaking) != 1 || p.Breaking[0].Where != "DELETE /pets/{id}" || p.Breaking[0].ID != "api-removed-without-deprecation" {
			t.Errorf("breaking changes: %+v", p.Breaking)
		}
		if p.Links.Changes != "https://portal.example/catalog/default/api/pets/changes?from=3&to=7" ||
			p.Links.Diff != "https://portal.example/api/apidocs/default/pets/diff?from=3&to=7" {
			t.Errorf("links: %+v", p.Links)
		}
		list := deliveries(t, d)
		if len(list) != 1 || list[0].State != StateDelivered || list[0].Attempts != 1 {
			t.Fatalf("deliveries: %+v", list)
		}
		if err := d.DeliverDue(ctx); err != nil || len(rcv.got()) != 1 {
			t.Errorf("delivered again: %d calls, %v", len(rcv.got()), err)
		}
	})
}

func TestDeliveryRetriedOn500ThenDeliveredOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rcv := newReceiver(t, 500, 503)
		d, c := newDeliverer(t, st, loopback(t), hook(rcv.URL))
		d.Arrived(ctx, arrived, breakingReport)
		if err := d.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		list := deliveries(t, d)
		if len(list) != 1 || list[0].State != StatePending || list[0].Attempts != 1 || !strings.Contains(list[0].LastError, "500") {
			t.Fatalf("after a 500: %+v", list)
		}
		if got := list[0].NextAttemptAt.Sub(c.now()); got != time.Minute {
			t.Errorf("first retry in %v, want the backoff (1m)", got)
		}
		if err := d.DeliverDue(ctx); err != nil || len(rcv.got()) != 1 {
			t.Fatalf("retried before the backoff: %d calls", len(rcv.got()))
		}
		c.add(time.Minute)
		_ = d.DeliverDue(ctx) // 503
		if got := deliveries(t, d)[0].NextAttemptAt.Sub(c.now()); got != 2*time.Minute {
			t.Errorf("second retry in %v, want 2m (doubled)", got)
		}
		c.add(2 * time.Minute)
		_ = d.DeliverDue(ctx) // 200
		c.add(time.Hour)
		_ = d.DeliverDue(ctx)

		calls := rcv.got()
		var ok int
		for _, call := range calls {
			if call.status == 200 {
				ok++
			}
		}
		if len(calls) != 3 || ok != 1 {
			t.Fatalf("%d calls, %d answered 200; want 3 and 1", len(calls), ok)
		}
		del := deliveries(t, d)[0]
		if del.State != StateDelivered || del.Attempts != 3 {
			t.Errorf("delivery: %+v", del)
		}
		attempts, err := d.Store.Attempts(ctx, del.ID)
		if err != nil || len(attempts) != 3 || attempts[0].Status != 500 || attempts[1].Status != 503 || attempts[2].Status != 200 || attempts[2].Error != "" {
			t.Errorf("attempts: %+v, %v", attempts, err)
		}
	})
}

func TestDeliveryGivesUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		t.Run("after maxAttempts", func(t *testing.T) {
			rcv := newReceiver(t, 500, 500, 500, 500)
			d, c := newDeliverer(t, st, loopback(t), hook(rcv.URL+"/a"))
			d.Arrived(ctx, arrived, breakingReport)
			for range 5 {
				_ = d.DeliverDue(ctx)
				c.add(time.Hour)
			}
			if n := len(rcv.got()); n != 3 {
				t.Errorf("%d calls, want maxAttempts (3)", n)
			}
			if del := deliveries(t, d)[0]; del.State != StateFailed {
				t.Errorf("delivery: %+v", del)
			}
		})
		t.Run("on a 4xx or a redirect, without retrying", func(t *testing.T) {
			for _, status := range []int{400, 302} {
				rcv := newReceiver(t, status)
				d, c := newDeliverer(t, st, loopback(t), hook(rcv.URL+"/b"))
				d.Arrived(ctx, apihistory.Version{ID: int64(status), PrevID: 1, EntityKey: "api:default/x"}, breakingReport)
				_ = d.DeliverDue(ctx)
				c.add(time.Hour)
				_ = d.DeliverDue(ctx)
				if n := len(rcv.got()); n != 1 {
					t.Errorf("%d: %d calls, want 1", status, n)
				}
			}
		})
	})
}

func TestDeliveryRefusedForLoopbackUnlessAllowed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rcv := newReceiver(t)
		d, c := newDeliverer(t, st, nil, hook(rcv.URL))
		d.Arrived(ctx, arrived, breakingReport)
		if err := d.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		c.add(time.Hour)
		_ = d.DeliverDue(ctx)
		if n := len(rcv.got()); n != 0 {
			t.Fatalf("the loopback receiver got %d calls", n)
		}
		del := deliveries(t, d)[0]
		if del.State != StateFailed || del.Attempts != 1 || !strings.Contains(del.LastError, "loopback") || !strings.Contains(del.LastError, AllowKeys) {
			t.Errorf("refused delivery: %+v", del)
		}

		// Allowed by address: the same hook is delivered.
		allowed, _ := newDeliverer(t, st, loopback(t), hook(rcv.URL+"/allowed"))
		allowed.Arrived(ctx, arrived, breakingReport)
		if err := allowed.DeliverDue(ctx); err != nil || len(rcv.got()) != 1 {
			t.Errorf("allowed loopback: %d calls, %v", len(rcv.got()), err)
		}
	})
}

func TestWebhookEvents(t *testing.T) {
	breaking, any := hook("https://a.example/"), hook("https://b.example/")
	any.Events = []string{EventAny}
	cases := []struct {
		name            string
		w               Webhook
		breaking, total int
		want            bool
	}{
		{"breaking hook, breaking change", breaking, 1, 2, true},
		{"breaking hook, other changes", breaking, 0, 3, false},
		{"any hook, other changes", any, 0, 3, true},
		{"any hook, no classified change", any, 0, 0, false},
	}
	for _, tt := range cases {
		if got := tt.w.Wants(tt.breaking, tt.total); got != tt.want {
			t.Errorf("%s: %v", tt.name, got)
		}
	}
}

func TestDeliveryForAnUnconfiguredWebhookIsDropped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		d, _ := newDeliverer(t, st, loopback(t), hook("https://gone.example/"))
		d.Arrived(ctx, arrived, breakingReport)
		d.Hooks = nil // the configuration lost it before a restart
		if err := d.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		if del := deliveries(t, d)[0]; del.State != StateFailed || !strings.Contains(del.LastError, "no longer configured") {
			t.Errorf("delivery: %+v", del)
		}
	})
}

func TestBackoffDoublesUpToAnHour(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 20: time.Hour} {
		if got := backoff(30*time.Second, n); got != want {
			t.Errorf("backoff after attempt %d = %v, want %v", n, got, want)
		}
	}
}

func TestFinishedDeliveriesArePrunedAfter30Days(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rcv := newReceiver(t)
		d, c := newDeliverer(t, st, loopback(t), hook(rcv.URL))
		d.Arrived(ctx, arrived, breakingReport)
		d.Arrived(ctx, apihistory.Version{ID: 8, PrevID: 7, EntityKey: "api:default/pets"}, breakingReport)
		_ = d.DeliverDue(ctx)
		c.add(29 * 24 * time.Hour)
		d.Arrived(ctx, apihistory.Version{ID: 9, PrevID: 8, EntityKey: "api:default/pets"}, breakingReport)
		_ = d.DeliverDue(ctx)
		if n := len(deliveries(t, d)); n != 3 {
			t.Fatalf("%d deliveries after 29 days, want 3", n)
		}
		c.add(2 * 24 * time.Hour) // two finished 31 days ago, one 2 days ago
		_ = d.DeliverDue(ctx)
		list := deliveries(t, d)
		if len(list) != 1 || list[0].ToID != 9 {
			t.Errorf("after 31 days: %+v", list)
		}
	})
}

func TestDeliveryRetriedAfterATimeout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rcv := newReceiver(t)
		rcv.delay = 500 * time.Millisecond
		h := hook(rcv.URL)
		h.Timeout = 100 * time.Millisecond
		d, c := newDeliverer(t, st, loopback(t), h)
		d.Arrived(ctx, arrived, breakingReport)
		if err := d.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		del := deliveries(t, d)[0]
		if del.State != StatePending || del.Attempts != 1 || !strings.Contains(del.LastError, "deadline") {
			t.Fatalf("after a timeout: %+v", del)
		}
		d.Hooks[0].Timeout = 5 * time.Second
		c.add(time.Minute)
		if err := d.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		if del := deliveries(t, d)[0]; del.State != StateDelivered || del.Attempts != 2 {
			t.Errorf("after the retry: %+v", del)
		}
	})
}

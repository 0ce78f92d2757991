package webhookstatus

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/catalog/apiwebhook"
	"github.com/porticohq/portico/catalog/egress"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
)

const secret = "s3cret-s3cret-s3cret"

// fixture queues four deliveries through the real deliverer and lets
// receivers answer so that each ends in another status: delivered (200),
// failed and waiting for a retry (500), given up (400), and pending
// (not yet sent). Webhook URLs carry a token in their path, as chat
// services' do.
type fixture struct {
	store *apiwebhook.Store
	hooks []apiwebhook.Webhook
	now   time.Time
}

func newFixture(t *testing.T, st *store.Store) fixture {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ws := apiwebhook.NewStore(st.DB(), clock)
	if err := ws.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	status := map[string]int{"/ok": 200, "/down": 500, "/bad": 400}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status[strings.SplitN(r.URL.Path, "/T0KEN", 2)[0]])
	}))
	t.Cleanup(rcv.Close)
	rules, err := egress.ParseAddressRules([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	hook := func(path string) apiwebhook.Webhook {
		return apiwebhook.Webhook{URL: rcv.URL + path + "/T0KEN", Secret: secret, Events: []string{apiwebhook.EventAny},
			MaxAttempts: 3, Backoff: time.Minute, Timeout: 5 * time.Second}
	}
	rep := &apidiff.Report{FromVersion: "1.0", Counts: apidiff.Counts{Breaking: 1}}
	send := func(hook apiwebhook.Webhook, id int64) {
		d := &apiwebhook.Deliverer{Store: ws, Hooks: []apiwebhook.Webhook{hook}, Rules: rules, BaseURL: "https://portal.example"}
		d.Arrived(ctx, apihistory.Version{ID: id, PrevID: id - 1, EntityKey: "api:default/pets", InfoVersion: "2." + strconv.FormatInt(id, 10)}, rep)
		if err := d.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	hooks := []apiwebhook.Webhook{hook("/ok"), hook("/down"), hook("/bad"), hook("/later")}
	send(hooks[0], 2)
	send(hooks[1], 3)
	send(hooks[2], 4)
	// Queued, not sent: the job has not run since.
	later := &apiwebhook.Deliverer{Store: ws, Hooks: hooks[3:], Rules: rules}
	later.Arrived(ctx, apihistory.Version{ID: 5, PrevID: 4, EntityKey: "api:default/pets"}, rep)
	return fixture{store: ws, hooks: hooks, now: now}
}

func get(e *echo.Echo, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

func TestDeliveriesAPIListsEachStatusWithoutSecretOrPath(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		e := echo.New()
		Register(e, f.store, f.hooks)
		rec := get(e, APIPath)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		body := rec.Body.String()
		if strings.Contains(body, secret) || strings.Contains(body, "T0KEN") || strings.Contains(body, "/down") {
			t.Fatalf("the answer shows a secret or a webhook's path: %s", body)
		}
		var got ListJSON
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Webhooks) != 4 || !strings.HasSuffix(got.Webhooks[0].URL, "/…") || got.Webhooks[0].Events[0] != "any" {
			t.Errorf("webhooks: %+v", got.Webhooks)
		}
		if len(got.Deliveries) != 4 {
			t.Fatalf("%d deliveries, want 4: %s", len(got.Deliveries), body)
		}
		byVersion := map[int64]DeliveryJSON{}
		for _, d := range got.Deliveries {
			byVersion[d.ToVersionID] = d
		}
		if got.Deliveries[0].ToVersionID != 5 {
			t.Errorf("newest first: the first is version %d, want 5", got.Deliveries[0].ToVersionID)
		}
		ok, down, bad, later := byVersion[2], byVersion[3], byVersion[4], byVersion[5]
		if ok.Status != "delivered" || ok.Attempts != 1 || ok.DeliveredAt == nil || !ok.DeliveredAt.Equal(f.now) ||
			ok.API != "api:default/pets" || ok.InfoVersion != "2.2" || ok.Event != "breaking" || ok.FromVersionID != 1 || ok.NextAttemptAt != nil {
			t.Errorf("delivered: %+v", ok)
		}
		if down.Status != "failed" || down.Attempts != 1 || down.LastError != "answered 500 Internal Server Error" ||
			down.NextAttemptAt == nil || !down.NextAttemptAt.Equal(f.now.Add(time.Minute)) || down.DeliveredAt != nil {
			t.Errorf("failed, to be retried: %+v", down)
		}
		if bad.Status != "given up" || bad.LastError != "answered 400 Bad Request" || bad.GaveUpAt == nil || bad.NextAttemptAt != nil {
			t.Errorf("given up: %+v", bad)
		}
		if later.Status != "pending" || later.Attempts != 0 || later.NextAttemptAt == nil || later.LastError != "" {
			t.Errorf("pending: %+v", later)
		}
		if rec := get(e, APIPath+"?limit=2"); !strings.Contains(rec.Body.String(), `"toVersionId":4`) || strings.Contains(rec.Body.String(), `"toVersionId":3`) {
			t.Errorf("limit=2: %s", rec.Body)
		}
		if rec := get(e, APIPath+"?limit=0"); rec.Code != http.StatusBadRequest {
			t.Errorf("limit=0: %d", rec.Code)
		}
		if retrying, givenUp, err := f.store.Trouble(context.Background()); retrying != 1 || givenUp != 1 || err != nil {
			t.Errorf("trouble: %d retrying, %d given up, %v; want 1 and 1", retrying, givenUp, err)
		}
	})
}

func TestDeliveriesPageShowsEachDelivery(t *testing.T) {
	st := storetest.SQLite(t)
	f := newFixture(t, st)
	e := echo.New()
	p := &Page{Store: f.store, Hooks: f.hooks}
	e.GET(PagePath, p.Serve)
	rec := get(e, PagePath)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "T0KEN") || strings.Contains(rec.Body.String(), secret) {
		t.Fatal("the page shows a webhook's path or secret")
	}
	doc, err := goquery.NewDocumentFromReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if n := doc.Find(`[data-testid="webhook"]`).Length(); n != 4 {
		t.Errorf("%d webhooks listed, want 4", n)
	}
	type row struct{ status, label, api, version, attempts, err string }
	var rows []row
	doc.Find(`[data-testid="delivery"]`).Each(func(_ int, s *goquery.Selection) {
		rows = append(rows, row{
			status:   s.AttrOr("data-status", ""),
			label:    s.Find(`[data-testid="delivery-status"]`).Text(),
			api:      s.Find(`[data-testid="delivery-api"]`).Text(),
			version:  s.Find(`[data-testid="delivery-version"]`).Text(),
			attempts: s.Find(`[data-testid="delivery-attempts"]`).Text(),
			err:      s.Find(`[data-testid="delivery-error"]`).Text(),
		})
	})
	want := []row{
		{"pending", "pending", "api:default/pets", "version 5", "0", ""},
		{"given up", "given up", "api:default/pets", "2.4", "1", "answered 400 Bad Request"},
		{"failed", "failed, will retry", "api:default/pets", "2.3", "1", "answered 500 Internal Server Error"},
		{"delivered", "delivered", "api:default/pets", "2.2", "1", ""},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v", rows)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d: %+v, want %+v", i, rows[i], want[i])
		}
	}
	retry := doc.Find(`[data-status="failed"] [data-testid="delivery-next"]`).Text()
	if retry != "2026-03-01 12:01:00 UTC" {
		t.Errorf("next attempt %q", retry)
	}
	if href := doc.Find(`[data-status="delivered"] [data-testid="delivery-api"]`).AttrOr("href", ""); href != "/catalog/default/api/pets/changes?from=1&to=2" {
		t.Errorf("changes link %q", href)
	}
}

func TestDeliveriesPageGuarded(t *testing.T) {
	st := storetest.SQLite(t)
	f := newFixture(t, st)
	e := echo.New()
	p := &Page{Store: f.store, Hooks: f.hooks, Guard: func(*echo.Context) error {
		return echo.NewHTTPError(http.StatusUnauthorized, "sign in")
	}}
	e.GET(PagePath, p.Serve)
	if rec := get(e, PagePath); rec.Code != http.StatusUnauthorized || strings.Contains(rec.Body.String(), "api:default/pets") {
		t.Errorf("guarded page: %d %s", rec.Code, rec.Body)
	}
}

// TestDeliveriesArePaged: the API and the page list older deliveries
// page by page, newest first, each delivery once.
func TestDeliveriesArePaged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		e := echo.New()
		Register(e, f.store, f.hooks)
		var seen []int64
		next := APIPath + "?limit=3"
		for pages := 0; next != ""; pages++ {
			if pages > 3 {
				t.Fatalf("paging does not end: %v", seen)
			}
			rec := get(e, next)
			var got ListJSON
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", next, rec.Code, rec.Body)
			}
			for _, d := range got.Deliveries {
				seen = append(seen, d.ToVersionID)
			}
			next = got.Next
		}
		if !slices.Equal(seen, []int64{5, 4, 3, 2}) {
			t.Errorf("versions over the pages %v, want [5 4 3 2]", seen)
		}
		if rec := get(e, APIPath+"?before=x"); rec.Code != http.StatusBadRequest {
			t.Errorf("before=x: %d", rec.Code)
		}
	})
}

func TestDeliveriesPageLinksToOlderDeliveries(t *testing.T) {
	st := storetest.SQLite(t)
	f := newFixture(t, st)
	later := &apiwebhook.Deliverer{Store: f.store, Hooks: f.hooks[3:]}
	for id := int64(6); id < 54; id++ {
		later.Arrived(context.Background(), apihistory.Version{ID: id, PrevID: id - 1, EntityKey: "api:default/pets"}, &apidiff.Report{Counts: apidiff.Counts{Info: 1}})
	}
	e := echo.New()
	p := &Page{Store: f.store, Hooks: f.hooks}
	e.GET(PagePath, p.Serve)
	read := func(target string) *goquery.Document {
		t.Helper()
		rec := get(e, target)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d", target, rec.Code)
		}
		doc, err := goquery.NewDocumentFromReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	doc := read(PagePath)
	if n := doc.Find(`[data-testid="delivery"]`).Length(); n != DefaultLimit {
		t.Fatalf("%d deliveries on the first page, want %d", n, DefaultLimit)
	}
	older := doc.Find(`[data-testid="older-deliveries"]`).AttrOr("href", "")
	if older == "" || doc.Find(`[data-testid="newest-deliveries"]`).Length() != 0 {
		t.Fatalf("first page: older link %q", older)
	}
	doc = read(older)
	var versions []string
	doc.Find(`[data-testid="delivery-version"]`).Each(func(_ int, s *goquery.Selection) { versions = append(versions, s.Text()) })
	if !slices.Equal(versions, []string{"2.3", "2.2"}) {
		t.Errorf("second page versions %q, want the two oldest", versions)
	}
	if doc.Find(`[data-testid="older-deliveries"]`).Length() != 0 || doc.Find(`[data-testid="newest-deliveries"]`).AttrOr("href", "") != PagePath {
		t.Error("last page: wrong links")
	}
	if rec := get(e, PagePath+"?before=-1"); rec.Code != http.StatusBadRequest {
		t.Errorf("before=-1: %d", rec.Code)
	}
}

// TestDeliveriesWithoutWebhooks: with no webhook configured (or history
// off, which sends none) the API lists none instead of answering 404,
// without reading a store whose table does not exist, and the page says
// how to configure them.
func TestDeliveriesWithoutWebhooks(t *testing.T) {
	e := echo.New()
	Register(e, nil, nil)
	rec := get(e, APIPath)
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"webhooks":[],"deliveries":[]}` {
		t.Errorf("API: %d %s, want 200 and empty lists", rec.Code, rec.Body)
	}
	for _, tt := range []struct {
		name  string
		page  Page
		title string
	}{
		{"none configured", Page{}, "No webhooks are configured"},
		{"history off", Page{HistoryOff: true, Hooks: []apiwebhook.Webhook{{URL: "https://hooks.example/T0KEN"}}}, "API history is off"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := echo.New()
			e.GET(PagePath, tt.page.Serve)
			rec := get(e, PagePath)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			doc, err := goquery.NewDocumentFromReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			box := doc.Find(`[data-testid="no-webhooks"]`)
			if !strings.Contains(box.Text(), tt.title) || !strings.Contains(box.Find(`[data-testid="webhooks-example"]`).Text(), "webhooks:\n      - url: ") {
				t.Errorf("the page does not say how to configure webhooks: %q", box.Text())
			}
			if doc.Find(`[data-testid="webhooks"], [data-testid="no-deliveries"]`).Length() != 0 || strings.Contains(doc.Text(), "hooks.example") {
				t.Error("the page lists webhooks or deliveries")
			}
		})
	}
}

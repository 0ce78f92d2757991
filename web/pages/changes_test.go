package pages_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/web"
	"github.com/porticohq/portico/web/pages"
)

// historyPortal is the pages over the testdata catalog with a real
// history store in the same database: payments-api changed (breaking) ten
// days ago, refunds-api (not breaking) one day ago. A request with
// X-Test-User: team-payments counts as signed in as a member of that group.
func historyPortal(t *testing.T) string {
	t.Helper()
	return historyPortalWith(t, func(h *apihistory.Store) pages.APIChanges { return h })
}

// seededStore is a SQLite store holding the entities of the testdata
// files named, applied as the bucket file:testdata.
func seededStore(t *testing.T, files ...string) (*store.Store, *catalog.Catalog) {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{Driver: "sqlite", DSN: t.TempDir() + "/portico.db"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat := catalog.New(st, catalog.Options{})
	m := catalog.Mutation{Type: catalog.Full}
	for _, name := range files {
		m.Entities = append(m.Entities, parseFile(t, name)...)
	}
	if _, err := cat.Apply(context.Background(), "file:testdata", m); err != nil {
		t.Fatal(err)
	}
	return st, cat
}

// historyPortalWith is historyPortal with the pages reading changes
// through wrap.
func historyPortalWith(t *testing.T, wrap func(*apihistory.Store) pages.APIChanges) string {
	t.Helper()
	ctx := context.Background()
	st, cat := seededStore(t, "catalog.yaml", "many.yaml")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := now.Add(-40 * 24 * time.Hour)
	hist, err := apihistory.Open(ctx, st.DB(), func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	change := func(key string, ago time.Duration, counts apidiff.Counts) {
		at = now.Add(-ago - time.Hour)
		a, _, err := hist.Record(ctx, apihistory.Version{EntityKey: key}, []byte("v1 "+key))
		if err != nil {
			t.Fatal(err)
		}
		at = now.Add(-ago)
		b, _, err := hist.Record(ctx, apihistory.Version{EntityKey: key}, []byte("v2 "+key))
		if err != nil {
			t.Fatal(err)
		}
		if err := hist.SaveDiff(ctx, a.ID, b.ID, &apidiff.Report{Counts: counts}); err != nil {
			t.Fatal(err)
		}
	}
	change("api:default/payments-api", 10*24*time.Hour, apidiff.Counts{Breaking: 1})
	change("api:default/refunds-api", 24*time.Hour, apidiff.Counts{Info: 2})

	srv := web.New(web.Options{Store: st})
	h := pages.New(pages.Options{
		Store: st, Catalog: cat, Now: func() time.Time { return now },
		OwnedBy: func(c *echo.Context) (catalog.Condition, bool) {
			g := c.Request().Header.Get("X-Test-User")
			if g == "" {
				return catalog.Condition{}, false
			}
			return catalog.Condition{Key: "relations.ownedby", Values: []string{"group:default/" + g}}, true
		},
	})
	h.SetAPIChanges(wrap(hist))
	h.Register(srv.Echo)
	srv.ErrorPage = h.ErrorPage
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestAPIPageShowsLatestChangeBadge(t *testing.T) {
	base := historyPortal(t)
	_, doc, _ := get(t, base, "/catalog/default/api/payments-api")
	b := doc.Find(`[data-testid="entity-page"] header [data-testid="change-badge"]`)
	if got := strings.TrimSpace(b.Text()); got != "breaking change 10 days ago" || b.AttrOr("data-breaking", "") != "true" {
		t.Errorf("badge %q (breaking=%s)", got, b.AttrOr("data-breaking", ""))
	}
	if href := b.AttrOr("href", ""); !strings.HasPrefix(href, "/catalog/default/api/payments-api/changes?from=") {
		t.Errorf("badge links to %q", href)
	}
	_, doc, _ = get(t, base, "/catalog/default/component/service-01")
	if doc.Find(`[data-testid="change-badge"]`).Length() != 0 {
		t.Error("a component has a change badge")
	}
}

// TestAPIsChangeColumnFiltersAndSort: the column shows each API's latest
// change; changed=7|30 and breaking=1 filter, sort=changed orders by it,
// and the htmx request gets the same rows in the region alone.
func TestAPIsChangeColumnFiltersAndSort(t *testing.T) {
	base := historyPortal(t)
	names := func(path string, headers ...string) []string {
		t.Helper()
		status, doc, _ := get(t, base, path, headers...)
		if status != http.StatusOK {
			t.Fatalf("%s: status %d", path, status)
		}
		return texts(doc, `[data-testid="result-link"]`)
	}
	_, doc, _ := get(t, base, "/apis")
	if got := texts(doc, `[data-testid="last-change"]`); !slices.Equal(got, []string{"breaking change 10 days ago", "changed 1 day ago"}) {
		t.Errorf("last change column %q", got)
	}
	if doc.Find(`[data-testid="facet-changes"]`).Length() != 1 || doc.Find(`a[data-testid="sort-changed"][href="/apis?sort=changed"]`).Length() != 1 {
		t.Error("no change filters or sort link")
	}
	for path, want := range map[string][]string{
		"/apis?changed=7":                       {"Refunds API"},
		"/apis?changed=30":                      {"Payments API", "Refunds API"},
		"/apis?breaking=1":                      {"Payments API"},
		"/apis?changed=7&breaking=1":            nil,
		"/apis?changed=30&type=openapi":         {"Payments API"},
		"/apis?changed=5":                       {"Payments API", "Refunds API"}, // not a choice: ignored
		"/apis?sort=changed":                    {"Refunds API", "Payments API"},
		"/apis?sort=changed&q=payment":          {"Refunds API", "Payments API"},
		"/apis?sort=changed&breaking=1":         {"Payments API"},
		"/apis?sort=changed&type=grpc&q=refund": {"Refunds API"},
	} {
		if got := names(path); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
	if got := names("/apis?sort=changed", "HX-Request", "true"); !slices.Equal(got, []string{"Refunds API", "Payments API"}) {
		t.Errorf("htmx region: %q", got)
	}
	_, doc, _ = get(t, base, "/apis?changed=7&breaking=1")
	chips := texts(doc, `[data-testid="active-filter"]`)
	if len(chips) != 2 || !strings.HasPrefix(chips[0], "Changed in the last 7 days") || !strings.HasPrefix(chips[1], "Breaking change") {
		t.Errorf("chips %q", chips)
	}
	if href := doc.Find(`[data-testid="active-filter"]`).First().AttrOr("href", ""); href != "/apis?breaking=1" {
		t.Errorf("removing the window links to %q", href)
	}
	if doc.Find(`input[data-testid="filter-changed-7"][checked]`).Length() != 1 || doc.Find(`input[data-testid="filter-breaking"][checked]`).Length() != 1 {
		t.Error("the form does not show the selected filters")
	}
}

// manyChanges answers a limited change query with as many changes as
// the limit allows: the history's two, then APIs that changed earlier.
type manyChanges struct{ *apihistory.Store }

func (m manyChanges) LastChanges(ctx context.Context, q apihistory.ChangeQuery) ([]apihistory.LastChange, error) {
	out, err := m.Store.LastChanges(ctx, q)
	for i := len(out); q.Limit > 0 && i < q.Limit && err == nil; i++ {
		out = append(out, apihistory.LastChange{EntityKey: fmt.Sprintf("api:default/older-%d", i)})
	}
	return out, err
}

// TestAPIsChangeFiltersSayWhenTheyAreCapped: when the history has as many
// changed APIs as the filters take, the results say that older ones are
// left out; below the cap they say nothing.
func TestAPIsChangeFiltersSayWhenTheyAreCapped(t *testing.T) {
	capped := historyPortalWith(t, func(h *apihistory.Store) pages.APIChanges { return manyChanges{h} })
	for _, path := range []string{"/apis?sort=changed", "/apis?changed=30"} {
		_, doc, _ := get(t, capped, path)
		if note := doc.Find(`[data-testid="results-limited"]`).Text(); !strings.Contains(note, "Only the 1000 most recently changed APIs") {
			t.Errorf("%s: limited note %q", path, note)
		}
		if got := texts(doc, `[data-testid="result-link"]`); !slices.Contains(got, "Payments API") {
			t.Errorf("%s: results %q", path, got)
		}
	}
	_, doc, _ := get(t, capped, "/apis?sort=changed", "HX-Request", "true")
	if doc.Find(`[data-testid="results-limited"]`).Length() != 1 {
		t.Error("the htmx region has no limited note")
	}
	_, doc, _ = get(t, capped, "/apis")
	if doc.Find(`[data-testid="results-limited"]`).Length() != 0 {
		t.Error("a listing without change filters says it is limited")
	}
	_, doc, _ = get(t, historyPortal(t), "/apis?sort=changed")
	if doc.Find(`[data-testid="results-limited"]`).Length() != 0 {
		t.Error("two changes are said to be limited")
	}
}

// TestHomeListsConsumedAPIsThatChanged: a member of team-payments, whose
// service-01 consumes both APIs, sees them, the breaking one first
// although the other changed since; an
// anonymous visitor sees no such section.
func TestHomeListsConsumedAPIsThatChanged(t *testing.T) {
	base := historyPortal(t)
	_, doc, _ := get(t, base, "/", "X-Test-User", "team-payments")
	rows := doc.Find(`[data-testid="consumed-api"]`)
	if rows.Length() != 2 {
		t.Fatalf("consumed APIs: %d, want 2\n%s", rows.Length(), doc.Find(`[data-testid="consumed-changed"]`).Text())
	}
	first := strings.Join(strings.Fields(rows.First().Text()), " ")
	if !strings.Contains(first, "payments-api") || !strings.Contains(first, "breaking change 10 days ago") || !strings.Contains(first, "service-01") {
		t.Errorf("first row %q", first)
	}
	if !strings.Contains(rows.Eq(1).Text(), "refunds-api") {
		t.Errorf("second row %q", rows.Eq(1).Text())
	}
	_, doc, _ = get(t, base, "/", "X-Test-User", "team-other")
	if doc.Find(`[data-testid="consumed-changed"]`).Length() != 1 || doc.Find(`[data-testid="consumed-api"]`).Length() != 0 {
		t.Error("another group's member sees APIs they do not consume")
	}
	_, doc, _ = get(t, base, "/")
	if doc.Find(`[data-testid="consumed-changed"]`).Length() != 0 {
		t.Error("the anonymous home lists consumed APIs")
	}
}

// failingChanges answers every change query with an error: the request
// context's after cancel (the client goes away during the query), else
// the database's.
type failingChanges struct{ cancel *context.CancelFunc }

func (f failingChanges) LastChanges(ctx context.Context, _ apihistory.ChangeQuery) ([]apihistory.LastChange, error) {
	if *f.cancel != nil {
		(*f.cancel)()
		return nil, fmt.Errorf("read latest api changes: %w", ctx.Err())
	}
	return nil, errors.New("read latest api changes: database is locked")
}

// Outside test of issue 15: a client that went away while /apis was
// rendered left an ERROR line ("read api changes: context canceled").
// Only failures of a live request are logged.
func TestBadgeFailureOfAGoneClientIsNotAnError(t *testing.T) {
	ctx := context.Background()
	st, cat := seededStore(t, "catalog.yaml")
	var logs bytes.Buffer
	var cancel context.CancelFunc
	srv := web.New(web.Options{Store: st})
	h := pages.New(pages.Options{Store: st, Catalog: cat, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	h.SetAPIChanges(failingChanges{&cancel})
	h.Register(srv.Echo)
	serve := func(ctx context.Context) {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/apis", nil).WithContext(ctx))
	}
	var gone context.Context
	gone, cancel = context.WithCancel(ctx)
	serve(gone)
	if strings.Contains(logs.String(), "read api changes") {
		t.Errorf("a gone client's request logged: %s", logs.String())
	}
	cancel = nil
	serve(ctx)
	if !strings.Contains(logs.String(), "level=ERROR msg=\"read api changes\"") {
		t.Errorf("a live request's failure was not logged: %q", logs.String())
	}
}

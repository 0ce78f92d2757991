package syncstatus

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/providers"
)

const secret = "tok-TOP-SECRET-999"

type slowProvider struct{ release chan struct{} }

func (p *slowProvider) Name() string                                        { return "ThreeScaleApiEntityProvider:dev" }
func (p *slowProvider) Connect(context.Context, providers.Connection) error { return nil }
func (p *slowProvider) Secrets() []string                                   { return []string{secret} }
func (p *slowProvider) Schedule() providers.Schedule {
	return providers.Schedule{Frequency: time.Hour, InitialDelay: time.Hour, Timeout: 5 * time.Second}
}
func (p *slowProvider) Run(ctx context.Context) (catalog.Mutation, error) {
	providers.ReportProgress(ctx, "services page 1 of 3")
	select {
	case <-p.release:
	case <-ctx.Done():
	}
	return catalog.Mutation{}, errors.New("GET /admin/api/services.json failed with token " + secret)
}

type nopConn struct{}

func (nopConn) ApplyMutation(context.Context, catalog.Mutation) (catalog.ApplyResult, error) {
	return catalog.ApplyResult{}, nil
}

func serve(e *echo.Echo, method, target string, form url.Values, htmx bool) *httptest.ResponseRecorder {
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestSyncNowShowsProgressUntilTheRunEnds(t *testing.T) {
	st, err := store.Open(context.Background(), store.Config{Driver: store.SQLite, DSN: filepath.Join(t.TempDir(), "p.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, _ := providers.New(providers.Options{DB: st.DB()})
	p := &slowProvider{release: make(chan struct{})}
	_ = s.Add(p, nopConn{})
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); s.Wait() }()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	Register(e, Options{Scheduler: s})

	rec := serve(e, http.MethodGet, "/providers", nil, false)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "ThreeScaleApiEntityProvider:dev") || !strings.Contains(rec.Body.String(), "every 1h0m0s") {
		t.Fatalf("page: %d %s", rec.Code, rec.Body.String())
	}
	rec = serve(e, http.MethodPost, "/providers/sync", url.Values{"provider": {p.Name()}}, true)
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, `hx-trigger="every 1s"`) || !strings.Contains(body, "Sync running") {
		t.Fatalf("htmx sync: %d %s", rec.Code, body)
	}
	i := strings.Index(body, `hx-get="`) + len(`hx-get="`)
	pollURL := body[i : i+strings.Index(body[i:], `"`)]
	rec = serve(e, http.MethodPost, "/providers/sync", url.Values{"provider": {p.Name()}}, false)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("plain sync: %d", rec.Code)
	}
	var page string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if page = serve(e, http.MethodGet, "/providers", nil, false).Body.String(); strings.Contains(page, "services page 1 of 3") {
			break
		}
	}
	if !strings.Contains(page, "Sync running") || !strings.Contains(page, "services page 1 of 3") {
		t.Fatalf("page does not show the running run: %s", page)
	}
	close(p.release)
	var final string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		final = serve(e, http.MethodGet, pollURL, nil, true).Body.String()
		if !strings.Contains(final, "every 1s") {
			break
		}
	}
	if !strings.Contains(final, "Sync finished") || !strings.Contains(final, "error") {
		t.Fatalf("final progress: %s", final)
	}
	page = serve(e, http.MethodGet, "/providers", nil, false).Body.String()
	if !strings.Contains(page, `data-outcome="error"`) || strings.Contains(page+final, secret) || !strings.Contains(page, "[redacted]") {
		t.Fatalf("page after the run: %s", page)
	}
	if rec := serve(e, http.MethodPost, "/providers/sync", url.Values{"provider": {"nope"}}, true); rec.Code != 404 {
		t.Fatalf("unknown provider: %d", rec.Code)
	}
}

// TestProvidersPageLinksWebhookDeliveries: with API-change webhooks the
// page links their deliveries and says first how many are failing or
// given up — or that it cannot tell — so an operator sees trouble
// without opening the list.
func TestProvidersPageLinksWebhookDeliveries(t *testing.T) {
	st, err := store.Open(context.Background(), store.Config{Driver: store.SQLite, DSN: filepath.Join(t.TempDir(), "p.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, _ := providers.New(providers.Options{DB: st.DB()})
	cases := []struct {
		name    string
		trouble func(context.Context) (int, int, error)
		want    []string
	}{
		{"none", func(context.Context) (int, int, error) { return 0, 0, nil }, []string{"none failing"}},
		{"failing", func(context.Context) (int, int, error) { return 2, 1, nil }, []string{"2 failing, to be retried", "1 given up"}},
		{"unreadable", func(context.Context) (int, int, error) { return 0, 0, errors.New("no table") }, []string{"cannot be read right now"}},
	}
	for _, tt := range cases {
		e := echo.New()
		Register(e, Options{Scheduler: s, WebhooksURL: "/providers/webhooks", WebhookTrouble: tt.trouble})
		body := serve(e, http.MethodGet, "/providers", nil, false).Body.String()
		if !strings.Contains(body, `<a class="underline" href="/providers/webhooks" data-testid="webhooks-link">`) {
			t.Errorf("%s: no link to the deliveries", tt.name)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: the page does not say %q", tt.name, w)
			}
		}
	}
	e := echo.New()
	Register(e, Options{Scheduler: s})
	if body := serve(e, http.MethodGet, "/providers", nil, false).Body.String(); strings.Contains(body, "webhooks-link") {
		t.Error("linked without webhooks")
	}
}

// Outside test: with catalog.processingInterval: false a url location
// showed "every 876000h0m0s" and a next run a century away.
func TestManualScheduleSaysWhenItRuns(t *testing.T) {
	far := time.Now().Add(100 * 365 * 24 * time.Hour)
	p := providerView(0, providers.ProviderStatus{Name: "url:https://example.com/all.yaml",
		Schedule: providers.Schedule{Frequency: 100 * 365 * 24 * time.Hour, Timeout: time.Minute, Manual: true}, NextRun: far})
	if p.Schedule != "at start and when refreshed, timeout 1m0s" || p.NextRun != "when refreshed" {
		t.Errorf("schedule %q, next run %q", p.Schedule, p.NextRun)
	}
	p = providerView(0, providers.ProviderStatus{Schedule: providers.Schedule{Frequency: 3 * time.Minute, Timeout: time.Minute}, NextRun: far})
	if p.Schedule != "every 3m0s, timeout 1m0s" || p.NextRun == "when refreshed" {
		t.Errorf("timed schedule %q, next run %q", p.Schedule, p.NextRun)
	}
}

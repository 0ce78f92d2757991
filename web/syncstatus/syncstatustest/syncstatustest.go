// Package syncstatustest renders the /providers page for provider tests, so
// a fault table can assert what the status page shows after each run, not
// only what the run record holds.
package syncstatustest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/providers"
	"github.com/porticohq/portico/web/syncstatus"
)

// AssertLastRun renders GET /providers through syncstatus.Register and fails
// t unless the provider's newest run row shows outcome (data-outcome and
// the "last run" summary), the text below that row (message and errors)
// contains message, and no secret appears anywhere in the HTML.
func AssertLastRun(t testing.TB, s *providers.Scheduler, provider, outcome, message string, secrets ...string) {
	t.Helper()
	e := echo.New()
	syncstatus.Register(e, syncstatus.Options{Scheduler: s})
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/providers", nil))
	page := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /providers: %d %s", rec.Code, page)
	}
	for _, secret := range secrets {
		if strings.Contains(page, secret) {
			t.Fatalf("the status page shows the secret %q", secret)
		}
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		t.Fatalf("parse /providers: %v", err)
	}
	var card *goquery.Selection
	doc.Find(`[data-testid="provider"]`).EachWithBreak(func(_ int, sel *goquery.Selection) bool {
		if sel.AttrOr("data-provider", "") == provider {
			card = sel
		}
		return card == nil
	})
	if card == nil {
		t.Fatalf("the status page has no row for %s", provider)
	}
	row := card.Find(`tr[data-testid="run"]`).First()
	if got := row.AttrOr("data-outcome", ""); got != outcome {
		t.Fatalf("%s: newest run row shows outcome %q, want %q", provider, got, outcome)
	}
	if got := strings.TrimSpace(card.Find(`[data-testid="last-outcome"]`).Text()); got != outcome {
		t.Fatalf("%s: last run shows outcome %q, want %q", provider, got, outcome)
	}
	details := row.NextUntil(`tr[data-testid="run"]`).Text()
	if !strings.Contains(details, message) {
		t.Fatalf("%s: newest run shows %q, want it to contain %q", provider, strings.Join(strings.Fields(details), " "), message)
	}
}

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/porticohq/portico/examples/custom-backend/frobs"
)

// tierError is the tier processor's problem for a component without the
// company.example/tier annotation.
const tierError = "every component must declare its support tier"

// fakeFrobs is the in-house frobs service the example's provider reads:
// GET /frobs answers {"frobs": [...]}; the test changes the listing.
type fakeFrobs struct {
	mu    sync.Mutex
	frobs []frobs.Frob
}

func (f *fakeFrobs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/frobs" {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"frobs": f.frobs})
}

// update changes the frob called name.
func (f *fakeFrobs) update(name string, change func(*frobs.Frob)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.frobs {
		if f.frobs[i].Name == name {
			change(&f.frobs[i])
		}
	}
}

// exampleConfig points the frobs provider at frobsURL, runs it every second
// and keeps to delta mutations after the first run.
func exampleConfig(frobsURL string) string {
	u, _ := url.Parse(frobsURL)
	return fmt.Sprintf(`app:
  title: ACME developer portal
backend:
  reading:
    allow:
      - host: '%s'
    allowAddresses: [127.0.0.1]
catalog:
  providers:
    frobs:
      baseUrl: %s
      schedule: {frequency: {seconds: 1}, timeout: {seconds: 10}}
      fullEvery: 1000
`, u.Host, frobsURL)
}

// TestExampleCustomBackendFrobsTab runs examples/custom-backend against a
// fake frobs service: the module's Frobs tab is in the tab bar and renders
// on the server; a component that never declared its tier is refused (no
// page, its problem on the home page); endpoint changes show after the next
// run; a component that loses its tier shows the processor's error and keeps
// its last good version.
func TestExampleCustomBackendFrobsTab(t *testing.T) {
	page := NewPage(t)
	svc := &fakeFrobs{frobs: []frobs.Frob{
		{Name: "billing", Kind: "component", Type: "service", Owner: "team-a", Lifecycle: "production", Tier: "1", Description: "Bills customers"},
		{Name: "legacy", Kind: "component", Type: "service", Owner: "team-b", Lifecycle: "deprecated"},
	}}
	frobsSrv := httptest.NewServer(svc)
	t.Cleanup(frobsSrv.Close)
	base := StartBinary(t, "./examples/custom-backend", exampleConfig(frobsSrv.URL))
	waitForEntity(t, base, "component", "billing")

	expect := playwright.NewPlaywrightAssertions(5000)
	step := Steps(t, page, "")
	billing := base + "/catalog/default/component/billing"

	// The module's tab is in the tab bar of a component page.
	_, err := page.Goto(billing)
	step("open billing", err)
	step("billing title", expect.Locator(page.Locator(`[data-testid="entity-title"]`)).ToHaveText("billing"))
	frobsTab := page.Locator(`[data-testid="tab-frobs"]`)
	step("Frobs tab in the tab bar", expect.Locator(frobsTab).ToHaveText("Frobs"))
	step("billing has no problems", expect.Locator(page.Locator(`[data-testid="entity-problems"]`)).ToHaveCount(0))
	Screenshot(t, page, "1-billing-overview")

	step("click the Frobs tab", frobsTab.Click())
	step("Frobs tab URL", WaitURL(page, billing+"/frobs"))
	step("Frobs tab is current", expect.Locator(frobsTab).ToHaveAttribute("aria-current", "page"))
	step("tab content", expect.Locator(page.Locator(`[data-testid="frobs-tab"]`)).ToBeVisible())
	step("tier shown", expect.Locator(page.Locator(`[data-testid="frobs-tier"]`)).ToHaveText("Tier 1"))
	step("support group from the processor's relation",
		expect.Locator(page.Locator(`[data-testid="frobs-tab"] a`)).ToHaveText("group:default/tier-1-support"))
	step("frobs record", expect.Locator(page.Locator(`[data-testid="frobs-tab"] code`)).ToHaveText(frobsSrv.URL+"/frobs/billing"))
	Screenshot(t, page, "2-billing-frobs-tab")

	// Rendered on the server: the tab is all there with JavaScript off.
	noJS := NewPage(t, playwright.BrowserNewContextOptions{JavaScriptEnabled: playwright.Bool(false)})
	_, err = noJS.Goto(billing + "/frobs")
	step("open the tab without JavaScript", err)
	step("tab rendered without JavaScript", expect.Locator(noJS.Locator(`[data-testid="frobs-tier"]`)).ToHaveText("Tier 1"))
	Screenshot(t, noJS, "3-billing-frobs-tab-no-js")

	// legacy never declared a tier: the processor refused it, so it has no
	// last good version and no page; its problem is on the home page.
	missingPage := NewPage(t)
	IgnoreConsoleErrors(missingPage, "status of 404")
	_, err = missingPage.Goto(base + "/catalog/default/component/legacy")
	step("open legacy", err)
	step("legacy not in the catalog", expect.Locator(missingPage.Locator("main")).ToContainText("Entity not found"))
	Screenshot(t, missingPage, "4-legacy-not-found")
	_, err = page.Goto(base + "/")
	step("open home", err)
	problems := page.Locator(`[data-testid="source-problems"]`)
	step("legacy's source on the home page", expect.Locator(problems).ToContainText(frobsSrv.URL+"/frobs/legacy"))
	step("processor error on the home page", expect.Locator(problems).ToContainText(tierError))
	Screenshot(t, page, "5-home-legacy-refused")

	// Changes at the endpoint arrive with the next run (a delta).
	svc.update("billing", func(f *frobs.Frob) { f.Tier, f.Description = "2", "Bills customers, now monthly" })
	svc.update("legacy", func(f *frobs.Frob) { f.Tier = "3" })
	reloadUntil(t, page, billing+"/frobs", "billing moved to tier 2", func() error {
		if err := expect.Locator(page.Locator(`[data-testid="frobs-tier"]`)).ToHaveText("Tier 2", playwright.LocatorAssertionsToHaveTextOptions{Timeout: playwright.Float(500)}); err != nil {
			return err
		}
		return expect.Locator(page.Locator(`[data-testid="entity-description"]`)).ToHaveText("Bills customers, now monthly")
	})
	step("support group follows the tier",
		expect.Locator(page.Locator(`[data-testid="frobs-tab"] a`)).ToHaveText("group:default/tier-2-support"))
	Screenshot(t, page, "6-billing-tier-2")
	// legacy was read in the same run.
	_, err = page.Goto(base + "/catalog/default/component/legacy/frobs")
	step("open legacy's Frobs tab", err)
	step("legacy accepted with its tier", expect.Locator(page.Locator(`[data-testid="frobs-tier"]`)).ToHaveText("Tier 3"))
	Screenshot(t, page, "7-legacy-frobs-tab")
	_, err = page.Goto(base + "/")
	step("open home again", err)
	step("no source problems left", expect.Locator(page.Locator(`[data-testid="source-problems"]`)).ToHaveCount(0))

	// billing loses its tier: its page shows the processor's error and the
	// last good version (tier 2) stays.
	svc.update("billing", func(f *frobs.Frob) { f.Tier = "" })
	reloadUntil(t, page, billing+"/frobs", "billing shows the processor's error", func() error {
		return expect.Locator(page.Locator(`[data-testid="entity-problems"]`)).ToContainText(tierError, playwright.LocatorAssertionsToContainTextOptions{Timeout: playwright.Float(500)})
	})
	step("last good version kept", expect.Locator(page.Locator(`[data-testid="frobs-tier"]`)).ToHaveText("Tier 2"))
	step("problem names the annotation", expect.Locator(page.Locator(`[data-testid="entity-problems"]`)).ToContainText(frobs.TierAnnotation))
	Screenshot(t, page, "8-billing-processor-error")
}

// waitForEntity polls the catalog API until kind/name exists: the first
// provider run is asynchronous to start-up.
func waitForEntity(t *testing.T, base, kind, name string) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	u := base + "/api/catalog/entities/by-name/" + kind + "/default/" + name
	deadline := time.Now().Add(30 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		resp, err := client.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s/%s did not appear within 30s; last answer: %s", kind, name, last)
}

// reloadUntil loads u until check passes, for at most 30 s: server-rendered
// pages show a provider's next run only when loaded again.
func reloadUntil(t *testing.T, page playwright.Page, u, what string, check func() error) {
	t.Helper()
	start := time.Now()
	for {
		if _, err := page.Goto(u); err != nil {
			t.Fatalf("%s: open %s: %v", what, u, err)
		}
		err := check()
		if err == nil {
			t.Logf("%s after %s", what, time.Since(start).Round(time.Millisecond))
			return
		}
		if time.Since(start) > 30*time.Second {
			Screenshot(t, page, "failed-"+what)
			t.Fatalf("%s: not seen within 30s: %v", what, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

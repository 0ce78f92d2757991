package e2e

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"
)

// catalogConfig is an app-config.yaml with one file location holding
// testdata/catalog.yaml.
func catalogConfig() string {
	return fmt.Sprintf(`app:
  title: E2E Portal
catalog:
  locations:
    - type: file
      target: %s
`, Testdata("catalog.yaml"))
}

// TestCatalogBrowsing walks the catalog as a person would: home → catalog
// → filter kind=API → search → open an API → follow its owner → back.
func TestCatalogBrowsing(t *testing.T) {
	page := NewPage(t)
	base := StartPortal(t, catalogConfig())
	walkCatalog(t, page, base)
}

// walkCatalog is the walk itself, against the portal at base.
func walkCatalog(t *testing.T, page playwright.Page, base string) {
	expect := playwright.NewPlaywrightAssertions(5000)

	step := Steps(t, page, "")

	_, err := page.Goto(base + "/")
	step("open home", err)
	step("skip link first", page.Keyboard().Press("Tab"))
	step("skip link focused", expect.Locator(page.Locator(":focus")).ToHaveText("Skip to content"))
	step("home shows API count", expect.Locator(page.Locator(`[data-testid="kind-count"]`, playwright.PageLocatorOptions{HasText: "api"})).ToContainText("2"))
	Screenshot(t, page, "1-home")

	step("go to catalog", page.Locator(`nav[aria-label="Main"] >> text=Catalog`).Click())
	step("catalog URL", WaitURL(page, base+"/catalog"))
	step("catalog lists entities", expect.Locator(page.Locator(`[data-testid="result-row"]`).First()).ToBeVisible())
	Screenshot(t, page, "2-catalog")

	step("filter kind=API", page.Locator(`[data-testid="facet-kind"] input[value="api" i]`).Check())
	step("filter in URL", WaitURL(page, regexp.MustCompile(`(?i)/catalog\?(.*&)?kind=api(&|$)`)))
	step("only APIs listed", expect.Locator(page.Locator(`[data-testid="total"]`)).ToHaveText("2 entities"))
	Screenshot(t, page, "3-catalog-kind-api")

	search := page.GetByLabel("Search", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)})
	step("type search", search.Fill("charge"))
	step("submit search", search.Press("Enter"))
	step("search in URL", WaitURL(page, regexp.MustCompile(`[?&]q=charge`)))
	rows := page.Locator(`[data-testid="result-row"]`)
	step("one result", expect.Locator(rows).ToHaveCount(1))
	step("Payments API found", expect.Locator(rows).ToContainText("Payments API"))
	Screenshot(t, page, "4-catalog-search")

	// Back and forward through htmx's pushed history entries.
	_, err = page.GoBack()
	step("back to the filter", err)
	step("filter restored", expect.Locator(page.Locator(`[data-testid="total"]`)).ToHaveText("2 entities"))
	_, err = page.GoForward()
	step("forward to the search", err)
	step("search restored", expect.Locator(rows).ToHaveCount(1))

	step("open the API", rows.Locator(`[data-testid="result-link"]`).Click())
	step("entity URL", WaitURL(page, base+"/catalog/default/api/payments-api"))
	step("entity title", expect.Locator(page.Locator(`[data-testid="entity-title"]`)).ToHaveText("Payments API"))
	Screenshot(t, page, "5-api-entity")

	step("follow the owner", page.Locator(`[data-testid="entity-owner"] a`).Click())
	step("owner URL", WaitURL(page, base+"/catalog/default/group/team-payments"))
	step("owner title", expect.Locator(page.Locator(`[data-testid="entity-title"]`)).ToHaveText("Payments Team"))
	step("owner lists what it owns", expect.Locator(page.Locator(`[data-testid="relation-ownerOf"]`)).ToContainText("api:payments-api"))
	Screenshot(t, page, "6-owner-group")

	_, err = page.GoBack()
	step("go back", err)
	step("back on the API", WaitURL(page, base+"/catalog/default/api/payments-api"))
	step("API title again", expect.Locator(page.Locator(`[data-testid="entity-title"]`)).ToHaveText("Payments API"))
	Screenshot(t, page, "7-back-to-api")

	step("dark mode", page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: playwright.ColorSchemeDark}))
	Screenshot(t, page, "8-api-entity-dark")
}

// TestCatalogFiltersWithoutJavaScript checks the fallback: the catalog's
// GET form filters and searches with JavaScript off.
func TestCatalogFiltersWithoutJavaScript(t *testing.T) {
	page := NewPage(t, playwright.BrowserNewContextOptions{JavaScriptEnabled: playwright.Bool(false)})
	base := StartPortal(t, catalogConfig())
	expect := playwright.NewPlaywrightAssertions(5000)
	if _, err := page.Goto(base + "/catalog"); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"check kind=API", func() error { return page.Locator(`[data-testid="facet-kind"] input[value="api" i]`).Check() }},
		{"search", func() error { return page.Locator(`[data-testid="search-input"]`).Fill("refund") }},
		{"submit", func() error { return page.Locator(`[data-testid="search-submit"]`).Click() }},
		{"URL has both", func() error { return WaitURL(page, regexp.MustCompile(`(?i)q=refund.*kind=api|kind=api.*q=refund`)) }},
		{"one result", func() error {
			return expect.Locator(page.Locator(`[data-testid="result-link"]`)).ToHaveText([]string{"Refunds API"})
		}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			Screenshot(t, page, "failed")
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	Screenshot(t, page, "catalog-no-js")
}

// TestQuickFilterClicksAllCount checks three filters while the portal's
// answers are slow (held back 600 ms each): the URL and the results end up
// with all three. htmx's default sync kept only the first waiting request
// and dropped the third click, which stayed checked but unapplied.
func TestQuickFilterClicksAllCount(t *testing.T) {
	page := NewPage(t)
	base := StartPortal(t, catalogConfig())
	expect := playwright.NewPlaywrightAssertions(10000)
	step := Steps(t, page, "")
	_, err := page.Goto(base + "/catalog")
	step("open the catalog", err)
	rows := page.Locator(`[data-testid="result-row"]`)
	step("entities listed", expect.Locator(rows.First()).ToBeVisible())
	step("slow answers", page.Route(regexp.MustCompile(`/catalog\?`), func(r playwright.Route) {
		time.Sleep(600 * time.Millisecond)
		_ = r.Continue()
	}))
	step("kind=API", page.Locator(`[data-testid="facet-kind"] input[value="api" i]`).Check())
	step("lifecycle=production", page.Locator(`[data-testid="facet-lifecycle-production"]`).Check())
	step("tag=rest", page.Locator(`[data-testid="facet-tag-rest"]`).Check())
	step("all three in the URL", WaitURL(page, func(u string) bool {
		return regexp.MustCompile(`(?i)[?&]kind=api(&|$)`).MatchString(u) &&
			regexp.MustCompile(`[?&]lifecycle=production(&|$)`).MatchString(u) &&
			regexp.MustCompile(`[?&]tag=rest(&|$)`).MatchString(u)
	}))
	step("one result", expect.Locator(rows).ToHaveCount(1))
	step("the Payments API", expect.Locator(rows).ToContainText("Payments API"))
	for _, f := range []string{`[data-testid="facet-kind"] input[value="api" i]`, `[data-testid="facet-lifecycle-production"]`, `[data-testid="facet-tag-rest"]`} {
		step("still checked: "+f, expect.Locator(page.Locator(f)).ToBeChecked())
	}
}

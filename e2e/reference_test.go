package e2e

import (
	"fmt"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// minContrastJS returns the lowest WCAG contrast ratio between the text
// colour of the elements matching a selector (the first 50) and the
// background they sit on. Colours go through a canvas, so oklch() and
// other CSS colour syntaxes come back as sRGB.
const minContrastJS = `(sel) => {
  const cv = document.createElement("canvas"); cv.width = cv.height = 1;
  const cx = cv.getContext("2d", { willReadFrequently: true });
  const rgb = (c) => { cx.clearRect(0, 0, 1, 1); cx.fillStyle = c; cx.fillRect(0, 0, 1, 1); const d = cx.getImageData(0, 0, 1, 1).data; return [d[0], d[1], d[2], d[3] / 255]; };
  const bg = (el) => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor); if (getComputedStyle(el).backgroundColor !== "rgba(0, 0, 0, 0)" && c[3] > 0.5) return c; } return [255, 255, 255, 1]; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const els = [...document.querySelectorAll(sel)].slice(0, 50);
  if (els.length === 0) return -1;
  return Math.min(...els.map((el) => { const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el)); return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); }));
}`

// TestAPIDocsStructuredFormats opens the demo's AsyncAPI, GraphQL and gRPC
// APIs: each is rendered structured with a sidebar whose links reach the
// items, key text keeps 4.5:1 contrast in light and dark mode, and the page
// fits a 390 px phone.
func TestAPIDocsStructuredFormats(t *testing.T) {
	page := NewPage(t)
	base := startDemoPortal(t)
	expect := playwright.NewPlaywrightAssertions(10000)
	step := Steps(t, page, "")
	for _, tc := range []struct {
		api, item, kind, text string
	}{
		{"payment-events", "operation-publishCaptured", "send", "payments.{region}.captured"},
		{"product-catalog-graphql", "query-pets", "query", "pets(category: String, status: PetStatus = AVAILABLE, first: Int = 20): [Pet!]!"},
		{"pet-inventory-grpc", "rpc-InventoryService-ListStock", "server streaming", "rpc ListStock(acme.petstore.inventory.v1.ListStockRequest) returns (stream acme.petstore.inventory.v1.Stock)"},
	} {
		_, err := page.Goto(base + "/catalog/default/api/" + tc.api + "/definition")
		step(tc.api+" open", err)
		item := page.Locator("#" + tc.item)
		step(tc.api+" item kind", expect.Locator(item).ToHaveAttribute("data-kind", tc.kind))
		step(tc.api+" signature", expect.Locator(item.Locator(`[data-testid="ref-signature"]`).First()).ToHaveText(tc.text))
		step(tc.api+" no raw text", expect.Locator(page.Locator(`[data-testid="raw-definition"]`)).ToHaveCount(0))
		step(tc.api+" sidebar link", page.Locator(`[data-testid="reference-sidebar"] a[href="#`+tc.item+`"]`).Click())
		step(tc.api+" deep link", expect.Page(page).ToHaveURL(base+"/catalog/default/api/"+tc.api+"/definition#"+tc.item))
		step(tc.api+" item in view", expect.Locator(item.Locator("header").First()).ToBeInViewport())
		for _, size := range []struct{ w, h int }{{1280, 900}, {390, 844}} {
			step("viewport", page.SetViewportSize(size.w, size.h))
			for _, scheme := range []*playwright.ColorScheme{playwright.ColorSchemeLight, playwright.ColorSchemeDark} {
				step("colour scheme", page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: scheme}))
				name := fmt.Sprintf("%s-%d-%s", tc.api, size.w, *scheme)
				fits, err := page.Evaluate(`document.documentElement.scrollWidth <= window.innerWidth`)
				step("measure width", err)
				if fits != true {
					t.Errorf("%s is wider than the viewport", name)
				}
				for _, sel := range []string{`[data-testid="ref-item-name"]`, `[data-testid="ref-signature"] code`, `[data-testid="reference-sidebar"] a`, `[data-testid="ref-item"] dt`, `[data-testid="ref-table"] td code`} {
					ratio, err := page.Evaluate(minContrastJS, sel)
					step("contrast", err)
					if r, ok := ratio.(float64); ok && r >= 0 && r < 4.5 {
						t.Errorf("%s: %s has contrast %.2f:1, want ≥ 4.5", name, sel, r)
					}
				}
				Screenshot(t, page, name)
			}
		}
		step("desktop again", page.SetViewportSize(1280, 900))
		step("light again", page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: playwright.ColorSchemeLight}))
	}
	// The sidebar filter is a plain GET form.
	_, err := page.Goto(base + "/catalog/default/api/product-catalog-graphql/definition")
	step("open graphql", err)
	step("type a filter", page.Locator(`[data-testid="reference-filter"]`).Fill("status"))
	step("submit it", page.Locator(`[data-testid="reference-filter"]`).Press("Enter"))
	step("filtered url", expect.Page(page).ToHaveURL(base+"/catalog/default/api/product-catalog-graphql/definition?q=status"))
	step("matches", expect.Locator(page.Locator(`[data-testid="reference-items"] [data-testid="ref-item-name"]`)).ToHaveText([]string{"pets", "petStatusChanged", "PetStatus"}))
	Screenshot(t, page, "graphql-filtered")
}

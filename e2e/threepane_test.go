package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// bigSpec is an OpenAPI definition of n operations under 12 tags, large
// enough that the page lists a first chunk of it and loads the rest as the
// reader scrolls.
func bigSpec(n int) string {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: Big API, version: '1'}\nservers: [{url: 'https://big.example'}]\npaths:\n")
	for i := range n {
		fmt.Fprintf(&b, "  /widgets/%d:\n    get:\n      operationId: op%d\n      tags: [tag%02d]\n      summary: Operation %d\n      parameters: [{name: limit, in: query, schema: {type: integer}}]\n      responses: {'200': {description: ok, content: {application/json: {schema: {type: object, properties: {id: {type: integer}}}}}}}\n", i, i, i*12/n, i)
	}
	return b.String()
}

// TestAPIDocsThreePaneReference: the OpenAPI Definition tab is a
// three-pane reference (sidebar, centre, a right column with try-it on
// wide screens), in light and dark mode, at 1280 and 390 px, on a
// definition of 600 operations: the sidebar filter narrows the list and
// its entry opens an operation the page did not hold yet; scrolling loads
// the next operations; a deep link opens its operation with and without
// JavaScript; nothing is wider than a phone.
func TestAPIDocsThreePaneReference(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "big.yaml"), bigSpec(600))
	writeFile(t, filepath.Join(dir, "catalog.yaml"), `apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: big, title: Big API}
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition:
    $text: ./big.yaml
`)
	base := StartPortal(t, fmt.Sprintf("app:\n  title: E2E Portal\ncatalog:\n  locations:\n    - type: file\n      target: %s\n", filepath.Join(dir, "catalog.yaml")))
	def := base + "/catalog/default/api/big/definition"
	expect := playwright.NewPlaywrightAssertions(15000)

	for _, scheme := range []*playwright.ColorScheme{playwright.ColorSchemeLight, playwright.ColorSchemeDark} {
		for _, width := range []int{1280, 390} {
			mode := map[bool]string{true: "dark", false: "light"}[scheme == playwright.ColorSchemeDark]
			t.Run(fmt.Sprintf("%s-%d", mode, width), func(t *testing.T) {
				page := NewPage(t, playwright.BrowserNewContextOptions{Viewport: &playwright.Size{Width: width, Height: 844}, ColorScheme: scheme})
				step := Steps(t, page, "")
				_, err := page.Goto(def)
				step("open", err)
				ops := page.Locator("#op-list details.op")
				step("first chunk", expect.Locator(ops).ToHaveCount(30))
				if n, _ := page.Locator("h1").Count(); n != 1 {
					t.Errorf("%d <h1> on the page, want 1", n)
				}
				sidebar := page.Locator(`[data-testid="reference-sidebar"]`)
				if width < 1024 {
					step("sidebar is a closed drawer", expect.Locator(sidebar).ToBeHidden())
					step("open the drawer", page.Locator(`[data-testid="sidebar-toggle"]`).Click())
				}
				step("sidebar shown", expect.Locator(sidebar).ToBeVisible())
				step("tags listed", expect.Locator(sidebar.Locator(`[data-testid="sidebar-section"]`)).ToHaveCount(12))

				// Scrolling to the end of the list loads the next operations.
				step("scroll to the end", page.Locator(`[data-testid="ops-more"]`).ScrollIntoViewIfNeeded())
				step("next chunk loaded", expect.Locator(ops).ToHaveCount(60))

				// The filter narrows the sidebar as one types; its entry opens
				// an operation far down the list, fetched with its neighbours.
				step("type a filter", sidebar.Locator(`[data-testid="reference-filter"]`).Fill("Operation 417"))
				step("list narrowed", expect.Locator(sidebar.Locator("a[data-target]")).ToHaveCount(1))
				step("match count", expect.Locator(sidebar.Locator(`[data-testid="reference-filter-result"]`)).ToContainText("1 match"))
				Screenshot(t, page, fmt.Sprintf("1-filtered-%s-%d", mode, width))
				step("open the match", sidebar.Locator(`a[data-target="op-op417"]`).Click())
				op := page.Locator("details#op-op417")
				step("operation opened", expect.Locator(op.Locator(`[data-testid="operation-details"]`)).ToBeVisible())
				step("marked current", expect.Locator(sidebar.Locator(`a[aria-current]`)).ToHaveAttribute("data-target", "op-op417"))
				step("URL follows", expect.Page(page).ToHaveURL(def+"?op=op417#op-op417"))
				step("try-it shown", expect.Locator(op.Locator(`[data-testid="try-form"]`)).ToBeVisible())
				panes(t, page, op, width)
				Screenshot(t, page, fmt.Sprintf("2-operation-%s-%d", mode, width))
				fits(t, page, "operation open", width)

				// A deep link to an operation the first response does not hold.
				_, err = page.Goto(def + "#op-op333")
				step("open a deep link", err)
				step("deep link opens its operation", expect.Locator(page.Locator(`details#op-op333 [data-testid="operation-details"]`)).ToBeVisible())
				fits(t, page, "deep link", width)
			})
		}
	}

	t.Run("no-javascript", func(t *testing.T) {
		page := NewPage(t, playwright.BrowserNewContextOptions{JavaScriptEnabled: playwright.Bool(false), Viewport: &playwright.Size{Width: 1280, Height: 844}})
		step := Steps(t, page, "")
		_, err := page.Goto(def + "?op=op333#op-op333")
		step("open a deep link", err)
		step("opened by the server", expect.Locator(page.Locator(`details#op-op333[open] [data-testid="try-form"]`)).ToBeVisible())
		step("marked current", expect.Locator(page.Locator(`[data-testid="reference-sidebar"] a[aria-current]`)).ToHaveAttribute("data-target", "op-op333"))
		step("filter as a form", page.Locator(`[data-testid="reference-filter"]`).Fill("Operation 5"))
		step("submit", page.Locator(`[data-testid="reference-filter"]`).Press("Enter"))
		step("filtered page", expect.Page(page).ToHaveURL(def+"?q=Operation+5"))
		step("matches listed", expect.Locator(page.Locator(`[data-testid="reference-sidebar"] a[data-target]`)).ToHaveCount(111))
		step("matching operations shown", expect.Locator(page.Locator(`[data-testid="ops-filtered"]`)).ToContainText("111 operations"))
		step("next page link", page.Locator(`[data-testid="ops-more"] a`).Click())
		step("next page", expect.Locator(page.Locator("#op-list details.op").First()).ToHaveAttribute("id", "op-op519"))
		Screenshot(t, page, "3-no-js-filtered")
	})
}

// panes checks the three panes of an open operation: at 1280 px the
// sidebar, the centre and the operation's right column side by side; on a
// phone, the right column below the documentation.
func panes(t *testing.T, page playwright.Page, op playwright.Locator, width int) {
	t.Helper()
	box := func(l playwright.Locator) *playwright.Rect {
		b, err := l.BoundingBox()
		if err != nil || b == nil {
			t.Fatalf("no box: %v", err)
		}
		return b
	}
	side := box(page.Locator(`[data-testid="api-sidebar"]`))
	docs := box(op.Locator(`[data-testid="op-docs"]`))
	aside := box(op.Locator(`[data-testid="op-aside"]`))
	if width >= 1280 {
		if !(side.X+side.Width <= docs.X && docs.X+docs.Width <= aside.X) {
			t.Errorf("at %d px the panes are not side by side: sidebar %+v, centre %+v, right column %+v", width, *side, *docs, *aside)
		}
		if aside.Y > docs.Y+40 {
			t.Errorf("right column starts %0.f px below the documentation", aside.Y-docs.Y)
		}
		return
	}
	if aside.Y < docs.Y+docs.Height-1 {
		t.Errorf("at %d px the right column should stack below the documentation: centre %+v, right column %+v", width, *docs, *aside)
	}
}

// fits fails the test when the page scrolls sideways at phone width.
func fits(t *testing.T, page playwright.Page, what string, width int) {
	t.Helper()
	if width > 400 {
		return
	}
	raw, err := page.Evaluate(contrastScript)
	if err != nil {
		t.Fatalf("%s: measure: %v", what, err)
	}
	var res contrastResult
	b, _ := json.Marshal(raw)
	_ = json.Unmarshal(b, &res)
	if res.Overflow {
		t.Errorf("%s is %d px wide at %d px: %s", what, res.Width, width, strings.Join(res.Wide, ", "))
	}
}

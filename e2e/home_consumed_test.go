package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/porticohq/portico/auth/authtest"
)

// consumedCatalog: Jane (GitHub id 1001) is in team-a, which owns the
// component shop; shop consumes pets and orders. Nobody Jane's groups own
// consumes stable.
const consumedCatalog = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: jdoe
  annotations: {github.com/user-id: "1001"}
spec:
  profile: {displayName: Jane Doe}
  memberOf: [team-a]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: shop}
spec: {type: website, lifecycle: production, owner: team-a, consumesApis: [pets, orders]}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: pets, title: Pets API}
spec: {type: openapi, lifecycle: production, owner: team-b, definition: {$text: ./pets.yaml}}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: orders, title: Orders API}
spec: {type: openapi, lifecycle: production, owner: team-b, definition: {$text: ./orders.yaml}}
`

const consumedOrdersV1 = `openapi: 3.0.3
info: {title: Orders, version: "1.0"}
paths:
  /orders:
    get:
      operationId: listOrders
      responses:
        "200": {description: ok}
`

// consumedOrdersV2 adds an operation: a change that breaks no one.
const consumedOrdersV2 = `openapi: 3.0.3
info: {title: Orders, version: "1.1"}
paths:
  /orders:
    get:
      operationId: listOrders
      responses:
        "200": {description: ok}
    post:
      operationId: createOrder
      responses:
        "201": {description: created}
`

// TestHomeListsConsumedAPIsThatChangedBreakingFirst: Jane signs in through
// (a fake) GitHub; her group owns shop, which consumes pets and orders.
// pets.yaml loses an operation (breaking), then orders.yaml gains one (not
// breaking, and newer). Her home page lists both under "APIs you consume
// changed", pets first with the breaking badge, each consumed by shop —
// readable in both schemes at desktop and phone width. The same portal's
// webhooks (one receiver answering 200, one 500) fill the Webhook
// deliveries page, which is checked the same way, and /providers says
// two are failing.
func TestHomeListsConsumedAPIsThatChangedBreakingFirst(t *testing.T) {
	gh := authtest.New(authtest.User{Login: "jdoe", ID: 1001, Name: "Jane D."})
	defer gh.Close()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer ok.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	defer down.Close()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "catalog-info.yaml"), consumedCatalog)
	writeFile(t, filepath.Join(dir, "pets.yaml"), changesPetsV1)
	writeFile(t, filepath.Join(dir, "orders.yaml"), consumedOrdersV1)
	base := StartPortal(t, fmt.Sprintf(`app:
  title: E2E Portal
catalog:
  locations:
    - {type: file, target: %q}
auth:
  environment: development
  session: {secret: e2e-session-secret-0123456789}
  providers:
    github:
      development:
        clientId: %s
        clientSecret: %s
        enterpriseInstanceUrl: %s
        signIn:
          resolvers:
            - resolver: userIdMatchingUserEntityAnnotation
apiDocs:
  history:
    webhookAllowAddresses: ['127.0.0.1']
    webhooks:
      - {url: '%s/hooks/T0KEN', secret: e2e-webhook-secret-0123, events: [any]}
      - {url: '%s/hooks/T0KEN', secret: e2e-webhook-secret-0123, events: [any], backoff: 1h}
`, filepath.Join(dir, "catalog-info.yaml"), gh.ClientID, gh.ClientSecret, gh.URL(), ok.URL, down.URL))

	page := NewPage(t)
	expect := playwright.NewPlaywrightAssertions(10000)
	step := Steps(t, page, "")
	mustGoto(t, page, base+"/")
	click(t, page, `[data-testid="signin-github"]`)
	step("signed in", expect.Locator(page.Locator(`[data-testid="user-name"]`)).ToHaveText("Jane Doe"))

	// The API is read from the catalog's REST API with Jane's session.
	versions := func(api string) (n int, counted bool) {
		resp, err := page.Request().Get(base + "/api/apidocs/default/" + api + "/versions")
		if err != nil {
			return 0, false
		}
		body, _ := resp.Body()
		var v struct {
			Items []struct {
				Changes *struct{ Breaking int } `json:"changes"`
			} `json:"items"`
		}
		if json.Unmarshal(body, &v) != nil || len(v.Items) == 0 {
			return 0, false
		}
		return len(v.Items), v.Items[0].Changes != nil
	}
	wait := func(api string, want int) {
		t.Helper()
		deadline := time.Now().Add(45 * time.Second)
		for {
			n, counted := versions(api)
			if n == want && (want == 1 || counted) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d versions (diff computed: %v), want %d", api, n, counted, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	wait("pets", 1)
	wait("orders", 1)
	writeFile(t, filepath.Join(dir, "pets.yaml"), changesPetsV2) // DELETE /pets/{id} removed
	wait("pets", 2)
	time.Sleep(50 * time.Millisecond) // orders' version is strictly newer
	writeFile(t, filepath.Join(dir, "orders.yaml"), consumedOrdersV2)
	wait("orders", 2)

	mustGoto(t, page, base+"/")
	section := page.Locator(`[data-testid="consumed-changed"]`)
	rows := section.Locator(`[data-testid="consumed-api"]`)
	step("two consumed APIs", expect.Locator(rows).ToHaveCount(2))
	step("pets first", expect.Locator(rows.First()).ToContainText("pets"))
	step("pets' badge is breaking", expect.Locator(rows.First().Locator(`[data-testid="change-badge"]`)).ToHaveAttribute("data-breaking", "true"))
	step("pets' badge text", expect.Locator(rows.First().Locator(`[data-testid="change-badge"]`)).ToHaveText("breaking change today"))
	step("orders second", expect.Locator(rows.Nth(1)).ToContainText("orders"))
	step("orders' badge is not breaking", expect.Locator(rows.Nth(1).Locator(`[data-testid="change-badge"]`)).ToHaveAttribute("data-breaking", "false"))
	step("consumed by shop", expect.Locator(rows.First()).ToContainText("consumed by shop"))
	Screenshot(t, page, "1-home-consumed")
	step("dark mode", page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: playwright.ColorSchemeDark}))
	Screenshot(t, page, "2-home-consumed-dark")

	// The badge leads to the diff, breaking change first.
	step("follow pets' badge", rows.First().Locator(`[data-testid="change-badge"]`).Click())
	step("the diff", expect.Locator(page.Locator(`[data-testid="diff-group"]`).First()).ToHaveAttribute("data-level", "breaking"))

	// Webhook deliveries: pets and orders to each receiver; the one
	// answering 500 waits an hour for its retry.
	mustGoto(t, page, base+"/providers")
	step("providers link the deliveries", page.Locator(`[data-testid="webhooks-link"]`).Click())
	deliveries := page.Locator(`[data-testid="delivery"]`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, _ := page.Locator(`[data-testid="delivery"][data-status="delivered"]`).Count()
		f, _ := page.Locator(`[data-testid="delivery"][data-status="failed"]`).Count()
		if d == 2 && f == 2 {
			break
		}
		if time.Now().After(deadline) {
			Screenshot(t, page, "failed-deliveries")
			t.Fatalf("deliveries: %d delivered, %d failed; want 2 and 2", d, f)
		}
		time.Sleep(500 * time.Millisecond)
		mustGoto(t, page, base+"/providers/webhooks")
	}
	step("four deliveries", expect.Locator(deliveries).ToHaveCount(4))
	step("the 500 in words", expect.Locator(page.Locator(`[data-status="failed"] [data-testid="delivery-error"]`).First()).ToHaveText("answered 500 Internal Server Error"))
	if html, _ := page.Content(); strings.Contains(html, "T0KEN") {
		t.Error("the deliveries page shows a webhook URL's path")
	}
	Screenshot(t, page, "3-webhook-deliveries")
	mustGoto(t, page, base+"/providers")
	step("providers say what fails", expect.Locator(page.Locator(`[data-testid="webhooks-retrying"]`)).ToHaveText("2 failing, to be retried"))

	// Both pages in both schemes, at desktop and phone width, signed in.
	for _, scheme := range []*playwright.ColorScheme{playwright.ColorSchemeLight, playwright.ColorSchemeDark} {
		for _, width := range []int{1280, 390} {
			step("viewport", page.SetViewportSize(width, 844))
			step("scheme", page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: scheme}))
			for _, path := range []string{"/", "/providers", "/providers/webhooks"} {
				mustGoto(t, page, base+path)
				raw, err := page.Evaluate(contrastScript)
				if err != nil {
					t.Fatalf("%s: measure: %v", path, err)
				}
				var res contrastResult
				b, _ := json.Marshal(raw)
				_ = json.Unmarshal(b, &res)
				for _, f := range res.Failures {
					t.Errorf("%s (%s, %d px): %q %.2f:1 (needs %.1f) at %s", path, *scheme, width, f.Text, f.Ratio, f.Need, f.Where)
				}
				if width == 390 && res.Overflow {
					t.Errorf("%s (%s) is %d px wide at 390 px; widest: %s", path, *scheme, res.Width, strings.Join(res.Wide, ", "))
				}
			}
			if width == 390 {
				Screenshot(t, page, fmt.Sprintf("4-webhooks-390-%s", *scheme))
			}
		}
	}
	if CheckedHTML(page) == 0 {
		t.Error("no HTML response was checked for its CSP")
	}
}

// TestWebhookDeliveriesPageWithoutWebhooks: with no webhook configured
// the deliveries page says so and shows the entry to add, readable in both
// schemes at desktop and phone width.
func TestWebhookDeliveriesPageWithoutWebhooks(t *testing.T) {
	base := StartPortal(t, "app:\n  title: E2E Portal\n")
	page := NewPage(t)
	expect := playwright.NewPlaywrightAssertions(10000)
	mustGoto(t, page, base+"/providers/webhooks")
	if err := expect.Locator(page.Locator(`[data-testid="no-webhooks"]`)).ToContainText("No webhooks are configured"); err != nil {
		Screenshot(t, page, "failed-no-webhooks")
		t.Fatal(err)
	}
	for _, scheme := range []*playwright.ColorScheme{playwright.ColorSchemeLight, playwright.ColorSchemeDark} {
		for _, width := range []int{1280, 390} {
			if err := page.SetViewportSize(width, 844); err != nil {
				t.Fatal(err)
			}
			if err := page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: scheme}); err != nil {
				t.Fatal(err)
			}
			mustGoto(t, page, base+"/providers/webhooks")
			raw, err := page.Evaluate(contrastScript)
			if err != nil {
				t.Fatalf("measure: %v", err)
			}
			var res contrastResult
			b, _ := json.Marshal(raw)
			_ = json.Unmarshal(b, &res)
			for _, f := range res.Failures {
				t.Errorf("%s, %d px: %q %.2f:1 (needs %.1f) at %s", *scheme, width, f.Text, f.Ratio, f.Need, f.Where)
			}
			if width == 390 && res.Overflow {
				t.Errorf("%s: %d px wide at 390 px; widest: %s", *scheme, res.Width, strings.Join(res.Wide, ", "))
			}
			Screenshot(t, page, fmt.Sprintf("no-webhooks-%d-%s", width, *scheme))
		}
	}
}

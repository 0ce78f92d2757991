package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// TestAPIDocsGraphQLQueryThroughTheProxy: on a GraphQL API whose entity
// names its endpoint (metadata.links, type graphql-endpoint), run a query
// with variables from the page; the portal's proxy sends it to a fake
// GraphQL server and the answer shows highlighted in the response panel,
// readable in dark mode and at 390 px.
func TestAPIDocsGraphQLQueryThroughTheProxy(t *testing.T) {
	gql := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Query     string         `json:"query"`
			Variables map[string]any `json:"variables"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		w.Header().Set("Content-Type", "application/json")
		// The name carries markup, unescaped, as a hostile server would.
		fmt.Fprintf(w, `{"data":{"pet":{"id":%q,"name":"<b>Rex</b>"}}}`, fmt.Sprint(req.Variables["id"]))
	}))
	t.Cleanup(gql.Close)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "catalog.yaml"), fmt.Sprintf(`apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-gql}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: pets-graphql
  links:
    - {url: %q, title: GraphQL endpoint, type: graphql-endpoint}
spec:
  type: graphql
  lifecycle: experimental
  owner: team-gql
  definition: |
    type Query {
      "One pet by its id."
      pet(id: ID!): Pet
    }
    type Pet { id: ID! name: String! }
`, gql.URL+"/graphql"))
	base := StartPortal(t, fmt.Sprintf(`catalog:
  locations:
    - type: file
      target: %s
apiDocs:
  tryItOut:
    allow: [%q]
`, filepath.Join(dir, "catalog.yaml"), strings.TrimPrefix(gql.URL, "http://")))
	for _, scheme := range []*playwright.ColorScheme{playwright.ColorSchemeLight, playwright.ColorSchemeDark} {
		page := NewPage(t, playwright.BrowserNewContextOptions{Viewport: &playwright.Size{Width: 390, Height: 844}, ColorScheme: scheme})
		expect := playwright.NewPlaywrightAssertions(10000)
		step := Steps(t, page, "graphql-")
		_, err := page.Goto(base + "/catalog/default/api/pets-graphql/definition")
		step("open", err)
		runner := page.Locator(`[data-testid="graphql-runner"]`)
		step("open the runner", runner.Locator("summary").Click())
		step("endpoint shown", expect.Locator(runner.Locator(`[data-testid="graphql-endpoint"]`)).ToHaveText(gql.URL+"/graphql"))
		step("query", runner.Locator(`[data-testid="graphql-query"]`).Fill("query P($id: ID!) { pet(id: $id) { id name } }"))
		step("variables", runner.Locator(`[data-testid="graphql-variables"]`).Fill(`{"id": "42"}`))
		step("run", runner.Locator(`[data-testid="try-send"]`).Click())
		step("status", expect.Locator(runner.Locator(`[data-testid="try-status"]`)).ToHaveText("200"))
		step("answer", expect.Locator(runner.Locator(`[data-testid="try-body-out"]`)).ToContainText(`"name": "<b>Rex</b>"`))
		step("highlighted", expect.Locator(runner.Locator(`[data-testid="try-body-out"] .tok-key`).First()).ToHaveText(`"data"`))
		step("no markup", expect.Locator(runner.Locator(`[data-testid="try-body-out"] b`)).ToHaveCount(0))
		Screenshot(t, page, "graphql-runner-"+string(*scheme))
		raw, err := page.Evaluate(contrastScript)
		step("measure", err)
		var res contrastResult
		b, _ := json.Marshal(raw)
		_ = json.Unmarshal(b, &res)
		for _, f := range res.Failures {
			t.Errorf("%s: %q %.2f:1 (needs %.1f) at %s", *scheme, f.Text, f.Ratio, f.Need, f.Where)
		}
		if res.Overflow {
			t.Errorf("%s: the page is %d px wide at 390 px: %v", *scheme, res.Width, res.Wide)
		}
	}
}

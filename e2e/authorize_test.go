package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// headerLog is a test upstream that records the credentials each path
// received.
type headerLog struct {
	mu   sync.Mutex
	seen map[string][2]string // path → X-Api-Key, Authorization
}

func (l *headerLog) get(path string) ([2]string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.seen[path]
	return v, ok
}

// TestAPIDocsAuthorizeOnceThenCallOperations: enter an API key and get an
// OAuth2 token by client credentials (from a fake token server, through
// the portal's proxy) once in the Authorize panel; then three operations
// send the credential their security names, and an operation with
// `security: []` sends none.
func TestAPIDocsAuthorizeOnceThenCallOperations(t *testing.T) {
	log := &headerLog{seen: map[string][2]string{}}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.mu.Lock()
		log.seen[r.URL.Path] = [2]string{r.Header.Get("X-Api-Key"), r.Header.Get("Authorization")}
		log.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true}`)
	}))
	t.Cleanup(upstream.Close)
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, _ := r.BasicAuth()
		w.Header().Set("Content-Type", "application/json")
		if r.FormValue("grant_type") != "client_credentials" || id != "e2e-client" || secret != "e2e-secret" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
			return
		}
		fmt.Fprint(w, `{"access_token":"e2e-token","token_type":"Bearer","expires_in":600}`)
	}))
	t.Cleanup(tokens.Close)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "auth.yaml"), fmt.Sprintf(`openapi: 3.0.3
info: {title: Authorize E2E, version: "1"}
servers: [{url: %q}]
security: [{key: []}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Api-Key}
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: %q
          scopes: {"pets:read": read your pets}
paths:
  /keyed: {get: {operationId: keyed, responses: {"200": {description: ok}}}}
  /also-keyed: {get: {operationId: alsoKeyed, responses: {"200": {description: ok}}}}
  /oauthed: {get: {operationId: oauthed, security: [{oauth: ["pets:read"]}], responses: {"200": {description: ok}}}}
  /open: {get: {operationId: open, security: [], responses: {"200": {description: ok}}}}
`, upstream.URL, tokens.URL+"/token"))
	writeFile(t, filepath.Join(dir, "catalog.yaml"), `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-auth}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: authz, title: Authorize E2E}
spec:
  type: openapi
  lifecycle: experimental
  owner: team-auth
  definition:
    $text: ./auth.yaml
`)
	base := StartPortal(t, fmt.Sprintf(`catalog:
  locations:
    - type: file
      target: %s
apiDocs:
  tryItOut:
    allow: [%q, %q]
`, filepath.Join(dir, "catalog.yaml"), strings.TrimPrefix(upstream.URL, "http://"), strings.TrimPrefix(tokens.URL, "http://")))

	page := NewPage(t)
	expect := playwright.NewPlaywrightAssertions(10000)
	step := Steps(t, page, "authorize-")
	_, err := page.Goto(base + "/catalog/default/api/authz/definition")
	step("open the definition", err)
	panel := page.Locator(`[data-testid="authorize"]`)
	step("panel shown", expect.Locator(panel).ToBeVisible())
	// Collapsed at first, so the operations stay near the top.
	step("panel collapsed", expect.Locator(panel.Locator(`[data-testid="auth-key-value"]`)).ToBeHidden())
	step("none authorized", expect.Locator(panel.Locator(`[data-testid="authorize-count"]`)).ToHaveText("(2 schemes, 0 authorized)"))
	step("open the panel", panel.Locator(`[data-testid="authorize-summary"]`).Click())
	step("key", panel.Locator(`[data-testid="auth-key-value"]`).Fill("e2e-key"))
	step("authorize key", panel.Locator(`[data-testid="auth-save-key"]`).Click())
	step("key authorized", expect.Locator(panel.Locator(`[data-testid="auth-state-key"]`)).ToHaveText("authorized"))
	step("client id", panel.Locator(`[data-testid="oauth-oauth-client-id"]`).Fill("e2e-client"))
	step("client secret", panel.Locator(`[data-testid="oauth-oauth-client-secret"]`).Fill("e2e-secret"))
	step("scope shown", expect.Locator(panel.Locator(`[data-testid="oauth-oauth-clientCredentials"]`)).ToContainText("read your pets"))
	step("get token", panel.Locator(`[data-testid="oauth-run-oauth-clientCredentials"]`).Click())
	step("token received", expect.Locator(panel.Locator(`[data-testid="oauth-status-oauth"]`)).ToContainText("Token received"))
	step("oauth authorized", expect.Locator(panel.Locator(`[data-testid="auth-state-oauth"]`)).ToHaveText("authorized"))
	step("both counted", expect.Locator(panel.Locator(`[data-testid="authorize-count"]`)).ToHaveText("(2 schemes, 2 authorized)"))
	Screenshot(t, page, "authorize-panel")
	if html, _ := page.Content(); strings.Contains(html, "e2e-secret") {
		t.Error("the client secret is in the page's HTML")
	}

	for _, tc := range []struct{ op, path, scheme, key, auth string }{
		{"keyed", "/keyed", "key", "e2e-key", ""},
		{"alsoKeyed", "/also-keyed", "key", "e2e-key", ""},
		{"oauthed", "/oauthed", "oauth", "", "Bearer e2e-token"},
		{"open", "/open", "", "", ""},
	} {
		op := page.Locator("details#op-" + tc.op)
		step(tc.op+" expand", op.Locator(":scope > summary").Click())
		step(tc.op+" form", expect.Locator(op.Locator(`[data-testid="try-form"]`)).ToBeVisible())
		if tc.scheme != "" {
			step(tc.op+" says authorized", expect.Locator(op.Locator(`[data-testid="op-auth-`+tc.scheme+`"]`)).ToContainText("authorized"))
			step(tc.op+" not 'not authorized'", expect.Locator(op.Locator(`[data-testid="op-auth-`+tc.scheme+`"]`)).Not().ToContainText("not authorized"))
		} else {
			step(tc.op+" needs none", expect.Locator(op.Locator(`[data-testid="op-auth-none"]`)).ToBeVisible())
		}
		if tc.key != "" {
			// The curl sample follows the panel, with the key from a variable.
			step(tc.op+" sample reads the key", expect.Locator(op.Locator(`[data-testid="try-result"] [data-testid="sample-curl"]`)).ToContainText(`X-Api-Key: '"$KEY"`))
		}
		step(tc.op+" send", op.Locator(`[data-testid="try-send"]`).Click())
		step(tc.op+" 200", expect.Locator(op.Locator(`[data-testid="try-status"]`)).ToHaveText("200"))
		got, ok := log.get(tc.path)
		if !ok {
			t.Fatalf("%s: the upstream was not called", tc.op)
		}
		if got != [2]string{tc.key, tc.auth} {
			t.Errorf("%s sent X-Api-Key %q and Authorization %q; want %q and %q", tc.op, got[0], got[1], tc.key, tc.auth)
		}
	}
	Screenshot(t, page, "authorize-operations-called")

	// The panel, the operations' authorization lines and the response
	// panels are readable in both schemes and fit a 390 px phone.
	for _, size := range []struct{ w, h int }{{1280, 900}, {390, 844}} {
		step("viewport", page.SetViewportSize(size.w, size.h))
		for _, scheme := range []*playwright.ColorScheme{playwright.ColorSchemeLight, playwright.ColorSchemeDark} {
			step("colour scheme", page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: scheme}))
			raw, err := page.Evaluate(contrastScript)
			step("measure", err)
			var res contrastResult
			b, _ := json.Marshal(raw)
			_ = json.Unmarshal(b, &res)
			name := fmt.Sprintf("authorize-%d-%s", size.w, *scheme)
			Screenshot(t, page, name)
			for _, f := range res.Failures {
				t.Errorf("%s: %q %.2f:1 (needs %.1f) at %s", name, f.Text, f.Ratio, f.Need, f.Where)
			}
			if size.w == 390 && res.Overflow {
				t.Errorf("%s: the page is %d px wide: %v", name, res.Width, res.Wide)
			}
		}
	}
}

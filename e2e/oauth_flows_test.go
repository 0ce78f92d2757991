package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// fakeAuthServer is an OAuth2 authorization server: /authorize sends the
// browser straight back with a code (the person "signs in"), /token
// exchanges the code when the PKCE verifier matches its challenge, grants
// client credentials, and refreshes. Every access token it issues lives
// one second, so the page has to refresh it.
type fakeAuthServer struct {
	*httptest.Server
	mu         sync.Mutex
	challenges map[string]string // code → code_challenge
	grants     []string          // grant types in the order received
}

func newFakeAuthServer(t *testing.T) *fakeAuthServer {
	t.Helper()
	s := &fakeAuthServer{challenges: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("client_id") != "e2e-public" {
			http.Error(w, "bad authorization request", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.challenges["code-1"] = q.Get("code_challenge")
		s.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code=code-1&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		grant := r.PostForm.Get("grant_type")
		s.mu.Lock()
		s.grants = append(s.grants, grant)
		challenge := s.challenges[r.PostForm.Get("code")]
		delete(s.challenges, r.PostForm.Get("code"))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		switch {
		case grant == "authorization_code" && challenge != "" && base64.RawURLEncoding.EncodeToString(sum[:]) == challenge:
			fmt.Fprint(w, `{"access_token":"tok-code","token_type":"Bearer","expires_in":1,"refresh_token":"ref-code"}`)
		case grant == "refresh_token" && r.PostForm.Get("refresh_token") == "ref-code" && r.PostForm.Get("client_id") == "e2e-public":
			fmt.Fprint(w, `{"access_token":"tok-refreshed","token_type":"Bearer","expires_in":3600}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant"}`)
		}
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// TestAPIDocsOAuthPKCESignInAndRefresh: Authorize with the
// authorization-code flow against a fake authorization server (the
// browser goes there and comes back to the portal's callback, which
// exchanges the code with the PKCE verifier through the proxy); the token
// lives one second, so the page refreshes it through the portal, and the
// operation is then called with the refreshed token.
func TestAPIDocsOAuthPKCESignInAndRefresh(t *testing.T) {
	auth := newFakeAuthServer(t)
	log := &headerLog{seen: map[string][2]string{}}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.mu.Lock()
		log.seen[r.URL.Path] = [2]string{r.Header.Get("X-Api-Key"), r.Header.Get("Authorization")}
		log.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true}`)
	}))
	t.Cleanup(upstream.Close)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "auth.yaml"), fmt.Sprintf(`openapi: 3.0.3
info: {title: PKCE E2E, version: "1"}
servers: [{url: %q}]
components:
  securitySchemes:
    signin:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: %q
          tokenUrl: %q
          scopes: {"pets:read": read your pets}
paths:
  /mine: {get: {operationId: mine, security: [{signin: ["pets:read"]}], responses: {"200": {description: ok}}}}
`, upstream.URL, auth.URL+"/authorize", auth.URL+"/token"))
	writeFile(t, filepath.Join(dir, "catalog.yaml"), `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-auth}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: pkce, title: PKCE E2E}
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
`, filepath.Join(dir, "catalog.yaml"), strings.TrimPrefix(upstream.URL, "http://"), strings.TrimPrefix(auth.URL, "http://")))

	page := NewPage(t)
	expect := playwright.NewPlaywrightAssertions(10000)
	step := Steps(t, page, "pkce-")
	def := base + "/catalog/default/api/pkce/definition"
	_, err := page.Goto(def)
	step("open the definition", err)
	panel := page.Locator(`[data-testid="authorize"]`)
	step("open the panel", panel.Locator(`[data-testid="authorize-summary"]`).Click())
	step("client id", panel.Locator(`[data-testid="oauth-signin-client-id"]`).Fill("e2e-public"))
	step("scope", panel.Locator(`[data-testid="oauth-scope-pets:read"]`).Check())
	step("sign in", panel.Locator(`[data-testid="oauth-run-signin-authorizationCode"]`).Click())
	// Off to the authorization server, back to the callback, back to the
	// definition.
	step("back on the definition", WaitURL(page, def))
	step("open the panel again", panel.Locator(`[data-testid="authorize-summary"]`).Click())
	step("authorized", expect.Locator(panel.Locator(`[data-testid="auth-state-signin"]`)).ToHaveText("authorized"))
	// The token lived one second: the page refreshes it.
	step("refreshed", expect.Locator(panel.Locator(`[data-testid="oauth-status-signin"]`)).ToContainText("Token refreshed"))
	Screenshot(t, page, "pkce-refreshed")

	op := page.Locator("details#op-mine")
	step("expand", op.Locator(":scope > summary").Click())
	step("form", expect.Locator(op.Locator(`[data-testid="try-form"]`)).ToBeVisible())
	step("send", op.Locator(`[data-testid="try-send"]`).Click())
	step("200", expect.Locator(op.Locator(`[data-testid="try-status"]`)).ToHaveText("200"))
	if got, _ := log.get("/mine"); got[1] != "Bearer tok-refreshed" {
		t.Errorf("the operation sent Authorization %q, want the refreshed token", got[1])
	}
	auth.mu.Lock()
	grants := strings.Join(auth.grants, ",")
	auth.mu.Unlock()
	if !strings.HasPrefix(grants, "authorization_code,refresh_token") {
		t.Errorf("the token URL saw grants %s", grants)
	}
}

package auth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"
)

var cspNonce = regexp.MustCompile(`script-src 'self' 'nonce-([A-Za-z0-9+/=]+)';`)

func TestSecurityHeaders(t *testing.T) {
	p, _ := githubPortal(t, false)
	seen := map[string]bool{}
	for _, path := range []string{"/signin", "/signin", "/healthz", "/no-such-page"} {
		resp, body := get(t, newClient(t), p.URL+path)
		csp := resp.Header.Get("Content-Security-Policy")
		m := cspNonce.FindStringSubmatch(csp)
		if m == nil {
			t.Fatalf("%s: CSP %q has no nonce", path, csp)
		}
		for _, d := range []string{"default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'", "style-src 'self';"} {
			if !strings.Contains(csp, d) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, d)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP allows unsafe-inline", path)
		}
		if seen[m[1]] {
			t.Errorf("nonce %s reused", m[1])
		}
		seen[m[1]] = true
		if strings.Contains(resp.Header.Get("Content-Type"), "text/html") && !strings.Contains(body, `nonce="`+m[1]+`"`) {
			t.Errorf("%s: the page's script tag does not carry this response's nonce", path)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") == "" {
			t.Errorf("%s: headers %v", path, resp.Header)
		}
	}
}

func TestAccessRules(t *testing.T) {
	p, _ := githubPortal(t, false)
	c := noRedirect(newClient(t))
	tests := []struct {
		name, path string
		header     http.Header
		want       int
	}{
		{"health is public", "/healthz", nil, http.StatusOK},
		{"sign-in page is public", "/signin", nil, http.StatusOK},
		{"page redirects to sign-in", "/catalog", nil, http.StatusSeeOther},
		{"API answers 401 without session or token", "/api/catalog/entities", nil, http.StatusUnauthorized},
		{"API answers 401 with a wrong token", "/api/catalog/entities", http.Header{"Authorization": {"Bearer nope-nope-nope"}}, http.StatusUnauthorized},
		{"API answers 200 with the static token", "/api/catalog/entities", http.Header{"Authorization": {"Bearer " + staticToken}}, http.StatusOK},
		{"static token does not open pages", "/catalog", http.Header{"Authorization": {"Bearer " + staticToken}}, http.StatusSeeOther},
		// Outside test: feed readers could not subscribe to a portal that
		// requires sign-in. The test portal has no feed: 404 is past the gate.
		{"static token opens the feeds", "/apis/changes.atom", http.Header{"Authorization": {"Bearer " + staticToken}}, http.StatusNotFound},
		{"feeds need a token", "/apis/changes.atom", nil, http.StatusSeeOther},
		{"a wrong token does not open the feeds", "/catalog/default/api/x/changes.atom", http.Header{"Authorization": {"Bearer nope-nope-nope"}}, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, p.URL+tt.path, nil)
			for k, v := range tt.header {
				req.Header[k] = v
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	resp, body := get(t, c, p.URL+"/api/catalog/entities?x=1")
	if !strings.Contains(body, `"name":"AuthenticationError"`) || !strings.Contains(body, `"statusCode":401`) || !strings.Contains(body, `"url":"/api/catalog/entities?x=1"`) {
		t.Errorf("401 body is not Backstage's error shape: %s", body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("401 content type %q", ct)
	}
	// htmx requests get HX-Redirect instead of a redirect to swap.
	req, _ := http.NewRequest(http.MethodGet, p.URL+"/catalog", nil)
	req.Header.Set("HX-Request", "true")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("HX-Redirect"), "/signin?next=") {
		t.Errorf("htmx: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestCSRF(t *testing.T) {
	p, _ := githubPortal(t, true)
	c := newClient(t)
	// Sign in as guest from the sign-in page, with its form token.
	_, page := get(t, c, p.URL+"/signin")
	tok := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if tok == nil {
		t.Fatalf("sign-in page has no CSRF field:\n%s", page)
	}
	resp, _ := postForm(t, noRedirect(c), p.URL+"/auth/guest", url.Values{"_csrf": {"forged"}, "next": {"/catalog"}}, nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("guest sign-in with a forged token: %d", resp.StatusCode)
	}
	resp, _ = postForm(t, noRedirect(c), p.URL+"/auth/guest", url.Values{"_csrf": {tok[1]}, "next": {"/catalog"}}, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/catalog" {
		t.Fatalf("guest sign-in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = get(t, c, p.URL+"/catalog")
	if !strings.Contains(page, "signed in: Guest (user:development/guest)") {
		t.Fatalf("guest page:\n%s", page)
	}
	sessTok := regexp.MustCompile(`csrf=([A-Za-z0-9_-]+)`).FindStringSubmatch(page)
	if sessTok == nil || sessTok[1] == tok[1] {
		t.Fatalf("the CSRF token must change with the session: %v", sessTok)
	}

	tests := []struct {
		name   string
		header http.Header
		form   url.Values
		want   int
	}{
		{"cross-origin form post", http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}, nil, http.StatusForbidden},
		{"same-site but other origin", http.Header{"Sec-Fetch-Site": {"same-site"}}, nil, http.StatusForbidden},
		{"foreign Origin only", http.Header{"Origin": {"https://evil.example"}}, nil, http.StatusForbidden},
		{"null Origin", http.Header{"Origin": {"null"}}, nil, http.StatusForbidden},
		{"no headers, no token", nil, nil, http.StatusForbidden},
		{"no headers, stale pre-sign-in token", nil, url.Values{"_csrf": {tok[1]}}, http.StatusForbidden},
		{"same-origin fetch (htmx)", http.Header{"Sec-Fetch-Site": {"same-origin"}, "HX-Request": {"true"}}, nil, http.StatusOK},
		{"matching Origin", http.Header{"Origin": {p.URL}}, nil, http.StatusOK},
		{"no headers, token in form", nil, url.Values{"_csrf": {sessTok[1]}}, http.StatusOK},
		{"no headers, token in header", http.Header{"X-Csrf-Token": {sessTok[1]}}, nil, http.StatusOK},
		{"cross-site with the token", http.Header{"Sec-Fetch-Site": {"cross-site"}, "X-Csrf-Token": {sessTok[1]}}, nil, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := postForm(t, noRedirect(c), p.URL+"/sync", tt.form, tt.header)
			if resp.StatusCode != tt.want {
				t.Errorf("POST /sync: %d, want %d: %s", resp.StatusCode, tt.want, body)
			}
		})
	}

	// API clients: JSON bodies or the static token need no CSRF token.
	for name, h := range map[string]http.Header{
		"json":         {"Content-Type": {"application/json"}, "Authorization": {"Bearer " + staticToken}},
		"static token": {"Authorization": {"Bearer " + staticToken}},
	} {
		req, _ := http.NewRequest(http.MethodPost, p.URL+"/api/catalog/entities/by-refs", strings.NewReader(`{"entityRefs":[]}`))
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: POST by-refs %d", name, resp.StatusCode)
		}
	}
}

// TestCSRFLetsAPIClientsDelete: curl -X DELETE on an API path sends no
// Origin, no Sec-Fetch-Site and no body; a browser cannot send DELETE
// cross-site without a preflight, so it passes (the outside test of issue 11
// got 403 "cross-origin request refused"). A foreign Origin is still refused,
// and a form-encoded POST still needs the token.
func TestCSRFLetsAPIClientsDelete(t *testing.T) {
	st := openStore(t, false)
	cfg := Config{Environment: "development", SessionDuration: DefaultSessionDuration, IdleTimeout: DefaultIdleTimeout}
	p := startPortal(t, cfg, st, st.DB())
	for _, tc := range []struct {
		name, method, path string
		header             http.Header
		want               int
	}{
		{"curl DELETE", http.MethodDelete, "/api/catalog/locations/no-such-id", nil, http.StatusNotFound},
		{"DELETE from a foreign page", http.MethodDelete, "/api/catalog/locations/no-such-id", http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden},
		{"DELETE of a page route", http.MethodDelete, "/catalog/default/api/x", nil, http.StatusForbidden},
		{"form POST", http.MethodPost, "/api/catalog/locations", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, http.StatusForbidden},
	} {
		req, _ := http.NewRequest(tc.method, p.URL+tc.path, nil)
		for k, v := range tc.header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
}

func TestRequireUserAndGuest(t *testing.T) {
	p, _ := githubPortal(t, false)
	// Guest sign-in is off unless configured.
	resp, _ := postForm(t, noRedirect(newClient(t)), p.URL+"/auth/guest", nil, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("guest sign-in when not configured: %d", resp.StatusCode)
	}
	// A static token opens the API but is not a person: RequireUser refuses.
	p2, _ := githubPortal(t, true)
	p2.Auth.cfg.RequireSignIn = false
	resp, _ = postForm(t, noRedirect(newClient(t)), p2.URL+"/sync", nil, http.Header{"Authorization": {"Bearer " + staticToken}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("Sync now with a static token: %d, want 401", resp.StatusCode)
	}
}

// TestAPIWritesNeedUserOrToken: with sign-in configured (but not required
// for reading), a catalog API write needs a signed-in user or a static
// token, and a browser request from another site is refused even with one.
func TestAPIWritesNeedUserOrToken(t *testing.T) {
	p, _ := githubPortal(t, true)
	p.Auth.cfg.RequireSignIn = false
	guest := newClient(t)
	resp, _ := postForm(t, noRedirect(guest), p.URL+"/auth/guest", nil, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("guest sign-in: %d", resp.StatusCode)
	}
	bearer := "Bearer " + staticToken
	tests := []struct {
		name   string
		client *http.Client
		header http.Header
		want   int
	}{
		{"anonymous API client", newClient(t), http.Header{"Content-Type": {"application/json"}}, http.StatusUnauthorized},
		{"wrong token", newClient(t), http.Header{"Authorization": {"Bearer nope-nope-nope"}, "Content-Type": {"application/json"}}, http.StatusUnauthorized},
		{"static token", newClient(t), http.Header{"Authorization": {bearer}}, http.StatusNoContent},
		{"signed-in user, same-origin page", guest, http.Header{"Sec-Fetch-Site": {"same-origin"}}, http.StatusNoContent},
		{"signed-in user, cross-site page", guest, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}, http.StatusForbidden},
		{"static token from a cross-site page", newClient(t), http.Header{"Authorization": {bearer}, "Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodDelete, p.URL+"/api/catalog/entities/by-uid/u-1", nil)
			req.Header = tt.header
			resp, err := tt.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("DELETE: %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestOpenPortalWithoutAuth(t *testing.T) {
	p := startPortal(t, Config{Environment: "development", SessionDuration: DefaultSessionDuration, IdleTimeout: DefaultIdleTimeout}, nil, nil)
	c := noRedirect(newClient(t))
	for _, path := range []string{"/catalog", "/api/catalog/entities"} {
		if resp, _ := get(t, c, p.URL+path); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
	_, body := get(t, c, p.URL+"/signin")
	if !strings.Contains(body, "Sign-in is not configured: this portal is open") {
		t.Errorf("sign-in page does not say the portal is open:\n%s", body)
	}
	resp, _ := postForm(t, c, p.URL+"/sync", nil, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("Sync now in an open portal: %d", resp.StatusCode)
	}
	resp, _ = postForm(t, c, p.URL+"/sync", nil, http.Header{"Origin": {"https://evil.example"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin POST in an open portal: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodDelete, p.URL+"/api/catalog/entities/by-uid/u-1", nil)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := c.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Errorf("API write by an anonymous client in an open portal: %v %v", resp, err)
	}
	if resp, _ := get(t, c, p.URL+"/auth/github/start"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("github start without github: %d", resp.StatusCode)
	}
}

// Without Register's middleware nobody can tell who is calling, so the
// guarded action must not run (fail closed), whatever the config would be.
func TestRequireUserFailsClosedWithoutMiddleware(t *testing.T) {
	e := echo.New()
	ran := false
	e.POST("/sync", func(c *echo.Context) error {
		if err := RequireUser(c); err != nil {
			return err
		}
		ran = true
		return c.String(http.StatusOK, "synced")
	})
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/sync", nil))
	if rec.Code != http.StatusInternalServerError || ran {
		t.Errorf("RequireUser without auth middleware: status %d, action ran %v; want 500 and not run", rec.Code, ran)
	}
	e.DELETE("/api/catalog/entities/by-uid/:uid", func(c *echo.Context) error {
		if err := RequireUserOrToken(c); err != nil {
			return err
		}
		ran = true
		return c.NoContent(http.StatusNoContent)
	})
	rec = httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodDelete, "/api/catalog/entities/by-uid/u-1", nil)
	req.Header.Set("Authorization", "Bearer "+staticToken)
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError || ran {
		t.Errorf("RequireUserOrToken without auth middleware: status %d, action ran %v; want 500 and not run", rec.Code, ran)
	}
}

func TestOpenPathsResolveDotSegments(t *testing.T) {
	a := &Auth{openPaths: []string{"/demo-api/petstore/v1/"}}
	for p, want := range map[string]bool{
		"/demo-api/petstore/v1/pets":                   true,
		"/demo-api/petstore/v1/pets/1":                 true,
		"/demo-api/petstore/v1/../../../api/catalog/x": false,
		"/demo-api/petstore/v1/../x":                   false,
		"/api/catalog/locations":                       false,
		"/demo-api/petstore/v2/pets":                   false,
	} {
		if got := a.open(p); got != want {
			t.Errorf("open(%q) = %v, want %v", p, got, want)
		}
	}
}

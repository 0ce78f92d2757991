package portico_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/auth/authtest"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/defaults"
)

// These tests run the real backend (Defaults(): catalog, sign-in, pages,
// API docs, providers page) with GitHub sign-in against the fake GitHub,
// so the access rules are checked on the routes users actually reach.

const (
	integrationToken = "integration-static-token-0123"
	// tryPath is a try-it-out endpoint (web/apidocs); the API does not
	// exist, so a caller who gets past the sign-in guard sees 404.
	tryPath  = "/catalog/default/api/no-such-api/definition/op/listPets/try"
	syncPath = "/providers/sync" // "Sync now" (web/syncstatus)
)

const integrationCatalog = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: jdoe}
spec:
  profile: {displayName: Jane Doe, email: jane@corp.example}
  memberOf: [team-a]
`

var (
	cspNonceRE  = regexp.MustCompile(`script-src ([^;]*)`)
	nonceRE     = regexp.MustCompile(`'nonce-([A-Za-z0-9+/=_-]+)'`)
	scriptTagRE = regexp.MustCompile(`<script\b[^>]*>`)
)

// authPortal is a running backend with GitHub sign-in.
type authPortal struct {
	base string
	gh   *authtest.GitHub
}

// startAuthBackend starts Defaults() with GitHub sign-in, a session secret
// and a static token, on SQLite or (pg) a fresh PostgreSQL database.
// requireSignIn is written to auth.requireSignIn unless empty; extra is
// appended to the config as top-level YAML.
func startAuthBackend(t *testing.T, pg bool, requireSignIn string, extra ...string) *authPortal {
	t.Helper()
	gh := authtest.New(authtest.User{Login: "jdoe", ID: 1001, Name: "Jane D."})
	t.Cleanup(gh.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	dir := t.TempDir()
	writeFile(t, dir, "catalog.yaml", integrationCatalog)
	yaml := fmt.Sprintf(`
app: {baseUrl: '%s'}
auth:
  session: {secret: integration-test-secret-0123456789}
  providers:
    github:
      development:
        clientId: %s
        clientSecret: %s
        enterpriseInstanceUrl: '%s'
        signIn: {resolvers: [{resolver: usernameMatchingUserEntityName}]}
backend:
  auth:
    externalAccess:
      - {type: static, options: {token: %s, subject: ci-bot}}
catalog:
  locations: [{type: file, target: '%s'}]
`, base, gh.ClientID, gh.ClientSecret, gh.URL(), integrationToken, filepath.Join(dir, "catalog.yaml"))
	yaml += strings.Join(extra, "")
	if requireSignIn != "" {
		yaml = strings.Replace(yaml, "auth:\n", "auth:\n  requireSignIn: "+requireSignIn+"\n", 1)
	}
	if pg {
		yaml = strings.Replace(yaml, "backend:\n", "backend:\n"+pgDatabaseYAML(t), 1)
	}
	cfg, err := config.Parse("app-config.yaml", []byte(yaml))
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	opts := []portico.Option{portico.WithConfig(cfg), portico.WithListener(ln)}
	var b *portico.Backend
	if pg {
		b = portico.New(append(opts, portico.WithDemo(false), portico.WithLogger(slogText(&syncBuffer{})))...)
	} else {
		b, _ = testBackend(t, opts...)
	}
	b.Add(defaults.Features()...)
	if got := start(t, b); got != base {
		t.Fatalf("backend serves on %s, want %s", got, base)
	}
	waitReady(t, base)
	return &authPortal{base: base, gh: gh}
}

// pgDatabaseYAML returns a backend.database section for a fresh PostgreSQL
// database, dropped when the test ends; it skips without PORTICO_TEST_PG_DSN.
func pgDatabaseYAML(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("PORTICO_TEST_PG_DSN")
	if dsn == "" {
		t.Skip("PORTICO_TEST_PG_DSN is not set; skipping the PostgreSQL half (CI sets it)")
	}
	suffix := make([]byte, 4)
	rand.Read(suffix)
	prefix := "portico_auth_it_" + hex.EncodeToString(suffix) + "_"
	t.Cleanup(func() {
		db := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn)))
		defer db.Close()
		if _, err := db.Exec(`DROP DATABASE IF EXISTS "` + prefix + `catalog" WITH (FORCE)`); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return fmt.Sprintf("  database: {client: pg, prefix: %s, connection: '%s'}\n", prefix, dsn)
}

// browser is an HTTP client with a cookie jar that never follows
// redirects and checks the security headers of every response.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T, follow bool) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar}
	if !follow {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return &browser{t: t, c: c}
}

// do sends a request and returns the response with its body read.
func (b *browser) do(method, u string, form url.Values, header http.Header) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	checkSecurityHeaders(b.t, method+" "+resp.Request.URL.RequestURI(), resp, string(raw))
	return resp, string(raw)
}

func (b *browser) get(u string) (*http.Response, string) {
	b.t.Helper()
	return b.do(http.MethodGet, u, nil, nil)
}

// checkSecurityHeaders asserts issue 5's CSP (fresh nonce, no
// 'unsafe-inline' in script-src, object-src/base-uri/frame-ancestors
// 'none') on every response, and that an HTML page's script tags carry
// exactly this response's nonce.
func checkSecurityHeaders(t *testing.T, what string, resp *http.Response, body string) {
	t.Helper()
	csp := resp.Header.Get("Content-Security-Policy")
	m := cspNonceRE.FindStringSubmatch(csp)
	if m == nil {
		t.Errorf("%s: CSP %q has no script-src", what, csp)
		return
	}
	scriptSrc := m[1]
	n := nonceRE.FindStringSubmatch(scriptSrc)
	if n == nil || strings.Contains(scriptSrc, "unsafe-inline") {
		t.Errorf("%s: script-src %q must carry a nonce and no 'unsafe-inline'", what, scriptSrc)
		return
	}
	for _, d := range []string{"object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("%s: CSP %q lacks %q", what, csp, d)
		}
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") == "" {
		t.Errorf("%s: nosniff/Referrer-Policy missing: %v", what, resp.Header)
	}
	if !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
		return
	}
	for _, tag := range scriptTagRE.FindAllString(body, -1) {
		if !strings.Contains(tag, `nonce="`+n[1]+`"`) {
			t.Errorf("%s: %s lacks this response's nonce %s", what, tag, n[1])
		}
	}
}

// sameOrigin are the headers a browser sends on a same-origin form post,
// so the CSRF check passes and only the sign-in rules decide.
var sameOrigin = http.Header{"Sec-Fetch-Site": {"same-origin"}}

func TestAuthAccessRulesOnTheRealBackend(t *testing.T) {
	for _, dialect := range []string{"sqlite", "pg"} {
		t.Run(dialect, func(t *testing.T) { testAccessRules(t, dialect == "pg") })
	}
}

func testAccessRules(t *testing.T, pg bool) {
	p := startAuthBackend(t, pg, "")
	anon := newBrowser(t, false)

	// The catalog API: 401 in Backstage's error shape, 200 with the token.
	resp, body := anon.get(p.base + "/api/catalog/entities?limit=1")
	checkAPIError(t, resp, body, http.StatusUnauthorized, "AuthenticationError", "/api/catalog/entities?limit=1")
	resp, body = anon.do(http.MethodGet, p.base+"/api/catalog/entities", nil, http.Header{"Authorization": {"Bearer wrong-token-000000"}})
	checkAPIError(t, resp, body, http.StatusUnauthorized, "AuthenticationError", "/api/catalog/entities")
	resp, body = anon.do(http.MethodGet, p.base+"/api/catalog/entities", nil, http.Header{"Authorization": {"Bearer " + integrationToken}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"name":"jdoe"`) {
		t.Errorf("API with the static token: %d\n%s", resp.StatusCode, body)
	}

	// Pages send you to sign in, keeping where you were going.
	for path, want := range map[string]string{
		"/catalog":          "/signin?next=%2Fcatalog",
		"/catalog?kind=api": "/signin?next=%2Fcatalog%3Fkind%3Dapi",
		"/providers":        "/signin?next=%2Fproviders",
	} {
		resp, _ := anon.get(p.base + path)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("GET %s signed out: %d %q, want 303 %q", path, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	// A static token is not a session: it opens no page.
	resp, _ = anon.do(http.MethodGet, p.base+"/catalog", nil, http.Header{"Authorization": {"Bearer " + integrationToken}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("page with the static token: %d, want 303", resp.StatusCode)
	}

	// Probes and the sign-in page stay public.
	for _, path := range []string{"/healthz", "/readyz", "/signin"} {
		if resp, _ := anon.get(p.base + path); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s signed out: %d, want 200", path, resp.StatusCode)
		}
	}

	checkActionsNeedAUser(t, p, anon)
	signedIn := signInWithGitHub(t, p)
	checkActionsOpenToTheUser(t, p, signedIn)
}

// TestAuthActionsNeedAUserWithoutRequireSignIn turns the site-wide gate
// off: pages open, but try-it-out and "Sync now" still need a signed-in
// user (auth.RequireUser in the real wiring), and a static token is not one.
func TestAuthActionsNeedAUserWithoutRequireSignIn(t *testing.T) {
	p := startAuthBackend(t, false, "false")
	anon := newBrowser(t, false)
	for _, path := range []string{"/catalog", "/providers", "/api/catalog/entities"} {
		if resp, body := anon.get(p.base + path); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s with requireSignIn false: %d\n%s", path, resp.StatusCode, body)
		}
	}
	checkActionsNeedAUser(t, p, anon)
	checkActionsOpenToTheUser(t, p, signInWithGitHub(t, p))
}

// checkActionsNeedAUser posts to try-it-out and "Sync now" without a user:
// same-origin (so CSRF passes), as htmx, and with the static token.
func checkActionsNeedAUser(t *testing.T, p *authPortal, anon *browser) {
	t.Helper()
	form := url.Values{"provider": {"nope"}, "server": {"0"}}
	for _, path := range []string{tryPath, syncPath} {
		for name, h := range map[string]http.Header{
			"no session":   sameOrigin,
			"static token": {"Sec-Fetch-Site": {"same-origin"}, "Authorization": {"Bearer " + integrationToken}},
			"htmx":         {"Sec-Fetch-Site": {"same-origin"}, "Hx-Request": {"true"}},
		} {
			resp, body := anon.do(http.MethodPost, p.base+path, form, h)
			// Exactly 401: a 403 could come from CSRF or from try-it-out
			// being switched off and would hide a missing guard.
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("POST %s (%s): %d, want 401\n%s", path, name, resp.StatusCode, body)
			}
		}
	}
}

// checkActionsOpenToTheUser is the control: a signed-in user gets past the
// guard (the API and the provider do not exist, hence 404).
func checkActionsOpenToTheUser(t *testing.T, p *authPortal, user *browser) {
	t.Helper()
	form := url.Values{"provider": {"nope"}, "server": {"0"}}
	for _, path := range []string{tryPath, syncPath} {
		if resp, body := user.do(http.MethodPost, p.base+path, form, sameOrigin); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s signed in: %d, want 404 (past the guard)\n%s", path, resp.StatusCode, body)
		}
	}
}

// signInWithGitHub signs jdoe in through the fake GitHub and checks the
// landing page.
func signInWithGitHub(t *testing.T, p *authPortal) *browser {
	t.Helper()
	b := newBrowser(t, true)
	resp, body := b.get(p.base + "/auth/github/start?next=" + url.QueryEscape("/catalog?kind=api"))
	if resp.StatusCode != http.StatusOK || resp.Request.URL.RequestURI() != "/catalog?kind=api" {
		t.Fatalf("sign-in landed on %s with %d\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	if !strings.Contains(body, "Jane Doe") {
		t.Errorf("the page after sign-in does not show the user's name:\n%s", body)
	}
	for _, path := range []string{"/catalog", "/providers", "/api/catalog/entities"} {
		if resp, _ := b.get(p.base + path); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s signed in: %d", path, resp.StatusCode)
		}
	}
	return &browser{t: t, c: noFollow(b.c)}
}

func noFollow(c *http.Client) *http.Client {
	cp := *c
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// checkAPIError asserts Backstage's error body: {error: {name, message},
// request: {method, url}, response: {statusCode}}.
func checkAPIError(t *testing.T, resp *http.Response, body string, status int, name, reqURL string) {
	t.Helper()
	var e struct {
		Error struct {
			Name    string `json:"name"`
			Message string `json:"message"`
		} `json:"error"`
		Request struct {
			Method string `json:"method"`
			URL    string `json:"url"`
		} `json:"request"`
		Response struct {
			StatusCode int `json:"statusCode"`
		} `json:"response"`
	}
	if resp.StatusCode != status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("status %d (%s), want %d JSON\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), status, body)
		return
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Errorf("error body is not JSON: %v\n%s", err, body)
		return
	}
	if e.Error.Name != name || e.Error.Message == "" || e.Request.Method != http.MethodGet ||
		e.Request.URL != reqURL || e.Response.StatusCode != status {
		t.Errorf("error body = %+v, want name %s, request GET %s, statusCode %d", e, name, reqURL, status)
	}
}

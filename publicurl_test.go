package portico_test

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/auth/authtest"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/defaults"
	"github.com/porticohq/portico/web/apidocs"
)

func TestPublicURLPrefersBackendBaseURL(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"nothing set: the listen address", ``, "http://127.0.0.1:7007"},
		{"listen on all interfaces: loopback", "backend: {listen: ':8080'}", "http://127.0.0.1:8080"},
		{"only app.baseUrl", "app: {baseUrl: 'http://portal.example:7007'}", "http://portal.example:7007"},
		{"only backend.baseUrl", "backend: {baseUrl: 'https://portal.example/'}", "https://portal.example"},
		{"Backstage's layout: the backend wins", "app: {baseUrl: 'http://localhost:3000'}\nbackend: {baseUrl: 'http://localhost:7007'}", "http://localhost:7007"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse("app-config.yaml", []byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			s, err := config.ParseSettings(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.PublicURL(); got != tc.want {
				t.Errorf("PublicURL() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPublicURLMustBeAnAbsoluteHTTPURL(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"backend: {baseUrl: 'portal.example'}", `app-config.yaml: backend.baseUrl: expected Portico's public URL as an absolute http(s) URL`},
		{"backend: {baseUrl: 'ftp://portal.example'}", `backend.baseUrl: expected`},
		{"app: {baseUrl: '/portal'}", `app-config.yaml: app.baseUrl: expected`},
		// app.baseUrl is not used when backend.baseUrl is set, so it is not
		// checked either.
		{"app: {baseUrl: '/portal'}\nbackend: {baseUrl: 'http://portal.example'}", ``},
	} {
		cfg, err := config.Parse("app-config.yaml", []byte(tc.yaml))
		if err != nil {
			t.Fatal(err)
		}
		_, err = config.ParseSettings(cfg)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v, want no error", tc.yaml, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.yaml, err, tc.want)
		}
	}
}

// TestGitHubSignInUsesThePublicURL signs in through the fake GitHub with the
// base URLs laid out in the ways real configs have them, and checks the
// redirect_uri GitHub was given (in the authorize request and the token
// exchange) and that the flow lands back on the portal signed in.
func TestGitHubSignInUsesThePublicURL(t *testing.T) {
	for _, tc := range []struct {
		name string
		// urls returns the config's base URL keys for a portal on port; the
		// portal is browsed at browse(port).
		urls   func(port string) string
		browse func(port string) string
	}{
		{
			name:   "only backend.baseUrl",
			urls:   func(port string) string { return "backend: {baseUrl: 'http://127.0.0.1:" + port + "'}" },
			browse: func(port string) string { return "http://127.0.0.1:" + port },
		},
		{
			name: "both set: backend.baseUrl wins",
			urls: func(port string) string {
				return "app: {baseUrl: 'http://127.0.0.2:" + port + "'}\nbackend: {baseUrl: 'http://127.0.0.1:" + port + "'}"
			},
			browse: func(port string) string { return "http://127.0.0.1:" + port },
		},
		{
			name: "Backstage-shaped: app.baseUrl is the frontend's :3000",
			urls: func(port string) string {
				return "app: {baseUrl: 'http://localhost:3000'}\nbackend: {baseUrl: 'http://localhost:" + port + "'}"
			},
			browse: func(port string) string { return "http://localhost:" + port },
		},
		{
			name:   "neither set: the listen address",
			urls:   func(string) string { return "" },
			browse: func(port string) string { return "http://127.0.0.1:" + port },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startGitHubBackend(t, tc.urls, tc.browse, "")
			signInWithGitHub(t, p)
			want := p.base + "/auth/github/callback"
			authz := p.gh.AuthorizeRequests()
			if len(authz) != 1 || authz[0].Get("redirect_uri") != want {
				t.Errorf("authorize requests = %v, want one with redirect_uri %s", authz, want)
			}
			if ex := p.gh.Exchanges(); len(ex) != 1 || ex[0].Get("redirect_uri") != want {
				t.Errorf("token exchanges = %v, want one with redirect_uri %s", ex, want)
			}
		})
	}
}

// TestSecureCookiesAndCallbackFollowThePublicURL: an https backend.baseUrl
// makes the cookies Secure with the __Host- prefix even when app.baseUrl is
// plain http, and an explicit callbackUrl still wins for the callback.
func TestSecureCookiesAndCallbackFollowThePublicURL(t *testing.T) {
	for _, tc := range []struct {
		name, urls, callback, wantRedirect string
	}{
		{"https backend.baseUrl", "app: {baseUrl: 'http://localhost:3000'}\nbackend: {baseUrl: 'https://portal.example'}", "",
			"https://portal.example/auth/github/callback"},
		{"explicit callbackUrl", "backend: {baseUrl: 'https://portal.example'}", "https://login.example/cb",
			"https://login.example/cb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startGitHubBackend(t, func(string) string { return tc.urls }, func(port string) string { return "http://127.0.0.1:" + port }, tc.callback)
			resp, _ := newBrowser(t, false).get(p.base + "/auth/github/start")
			if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("start: %d, want a redirect to GitHub", resp.StatusCode)
			}
			loc, err := url.Parse(resp.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if got := loc.Query().Get("redirect_uri"); got != tc.wantRedirect {
				t.Errorf("redirect_uri = %q, want %q", got, tc.wantRedirect)
			}
			cookies := resp.Cookies()
			if len(cookies) == 0 {
				t.Fatal("start set no cookie")
			}
			for _, c := range cookies {
				if !strings.HasPrefix(c.Name, "__Host-") || !c.Secure {
					t.Errorf("cookie %s (Secure %v): want the __Host- prefix and Secure for an https public URL", c.Name, c.Secure)
				}
			}
		})
	}
}

// startGitHubBackend starts Defaults() with GitHub sign-in against a fake
// GitHub; urls gives the base URL keys for the port the portal listens on
// and browse the URL the test's browser uses. callbackURL, when set, is
// auth.providers.github.development.callbackUrl.
func startGitHubBackend(t *testing.T, urls, browse func(port string) string, callbackURL string) *authPortal {
	t.Helper()
	gh := authtest.New(authtest.User{Login: "jdoe", ID: 1001, Name: "Jane D."})
	t.Cleanup(gh.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	dir := t.TempDir()
	writeFile(t, dir, "catalog.yaml", integrationCatalog)
	github := fmt.Sprintf(`        clientId: %s
        clientSecret: %s
        enterpriseInstanceUrl: '%s'
        signIn: {resolvers: [{resolver: usernameMatchingUserEntityName}]}
`, gh.ClientID, gh.ClientSecret, gh.URL())
	if callbackURL != "" {
		github += "        callbackUrl: '" + callbackURL + "'\n"
	}
	yaml := urls(port) + `
auth:
  session: {secret: integration-test-secret-0123456789}
  providers:
    github:
      development:
` + github + `catalog:
  locations: [{type: file, target: '` + filepath.Join(dir, "catalog.yaml") + `'}]
`
	cfg, err := config.Parse("app-config.yaml", []byte(yaml))
	if err != nil {
		ln.Close()
		t.Fatalf("%v\n%s", err, yaml)
	}
	b, _ := testBackend(t, portico.WithConfig(cfg), portico.WithListener(ln))
	b.Add(defaults.Features()...)
	start(t, b)
	base := browse(port)
	waitReady(t, base)
	return &authPortal{base: base, gh: gh}
}

// TestDemoTryItServerIsThePublicURL: the demo Petstore's relative server
// resolves against the public URL, so try-it-out offers the URL people
// reach the portal at.
func TestDemoTryItServerIsThePublicURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	public := "http://localhost:" + port
	cfg, err := config.Parse("app-config.yaml", []byte("backend: {baseUrl: '"+public+"'}\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := testBackend(t, portico.WithConfig(cfg), portico.WithListener(ln), portico.WithDemo(true))
	b.Add(defaults.Features()...)
	base := start(t, b)
	waitReady(t, base)
	resp, body := newBrowser(t, false).get(base + "/catalog/default/api/petstore/definition/op/listPets")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("operation page: %d\n%s", resp.StatusCode, body)
	}
	if want := ">" + public + "/demo-api/petstore/v1"; !strings.Contains(body, want) {
		t.Errorf("the try-it servers do not offer %s:\n%s", public+"/demo-api/petstore/v1", body)
	}
}

// TestDemoPetstoreWritesPassThePortalsOwnChecks: the demo Petstore is an
// upstream API the binary happens to serve, so try-it's POST through the
// proxy and a pasted curl DELETE reach it; before, the portal's CSRF check
// answered 403 "this request did not come from this site" (issue 14).
// Portal routes keep the check.
func TestDemoPetstoreWritesPassThePortalsOwnChecks(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := testBackend(t, portico.WithListener(ln), portico.WithDemo(true))
	b.Add(defaults.Features()...)
	base := start(t, b)
	waitReady(t, base)

	br := newBrowser(t, false)
	op := base + "/catalog/default/api/petstore/definition/op/createPet"
	_, body := br.post(op+"/try", csrfOf(t, br, op), url.Values{"server": {"0"}, "body": {`{"name":"Kitty","tag":"cat"}`}, "cred.api_key": {apidocs.DemoAPIKey}}, htmx)
	d := page(t, body)
	if got := d.Find("[data-testid=try-status]").Text(); got != "201" {
		t.Fatalf("try-it createPet: status %q, error %q", got, d.Find("[data-testid=try-error]").Text())
	}

	curl := &http.Client{}
	req, _ := http.NewRequest(http.MethodDelete, base+"/demo-api/petstore/v1/pets/1", nil)
	req.Header.Set("X-API-Key", apidocs.DemoAPIKey)
	resp, err := curl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("curl DELETE /pets/1 = %d, want 204", resp.StatusCode)
	}
	if resp, _ := br.get(base + "/demo-api/petstore/v1/pets/1"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /pets/1 after DELETE = %d, want 404", resp.StatusCode)
	}
	// The demo's token URL is part of the demo API: a client posts to it
	// without the portal's CSRF token.
	req, _ = http.NewRequest(http.MethodPost, base+"/demo-api/petstore/v1/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(apidocs.DemoClientID, apidocs.DemoClientSecret)
	if resp, err = curl.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("curl POST to the demo token URL = %d, want 200", resp.StatusCode)
	}

	// A portal route still refuses a form post from nowhere.
	resp, _ = br.do(http.MethodPost, base+"/catalog/default/api/petstore/refresh", url.Values{}, nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST to a portal route without a token = %d, want 403", resp.StatusCode)
	}
}

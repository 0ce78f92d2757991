package apidocs

import (
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/providers/demo"
)

// demoRig serves the demo catalog's Petstore definition and the demo API
// from one test server, as demo mode does: the definition's relative
// server and token URL resolve against the portal's base URL.
func demoRig(t *testing.T) (*rig, string) {
	t.Helper()
	def, err := fs.ReadFile(demo.FS, "petstore.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var portal http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { portal.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	r := newRig(t, Options{Demo: true, BaseURL: srv.URL, Policy: enabled("127.0.0.1:" + port)}, testAPI{name: "petstore", definition: string(def)})
	portal = r.e
	return r, srv.URL
}

// TestDemoPetstoreWorksThroughTryItOut: the demo's reads are public, its
// writes answer 401 without credentials and succeed with the documented
// demo key or with a token from the demo's own token URL, fetched through
// the portal's OAuth2 route (so through the proxy and its policy).
func TestDemoPetstoreWorksThroughTryItOut(t *testing.T) {
	r, _ := demoRig(t)
	const def = "/catalog/default/api/petstore/definition"
	status := func(op string, form url.Values) string {
		t.Helper()
		form.Set("server", "0")
		d := r.doc(t, "POST", def+"/op/"+op+"/try", form, true)
		if e := d.Find("[data-testid=try-error]").Text(); e != "" {
			t.Fatalf("%s: %s", op, e)
		}
		return d.Find("[data-testid=try-status]").Text()
	}
	if got := status("listPets", url.Values{"p.query.limit": {"2"}}); got != "200" {
		t.Errorf("listPets without credentials: %s, want 200 (reads are public)", got)
	}
	newPet := url.Values{"body": {`{"name":"Kitty","tag":"cat"}`}}
	if got := status("createPet", newPet); got != "401" {
		t.Errorf("createPet without credentials: %s, want 401", got)
	}
	withKey := url.Values{"body": newPet["body"], "cred.api_key": {DemoAPIKey}}
	if got := status("createPet", withKey); got != "201" {
		t.Errorf("createPet with the demo key: %s, want 201", got)
	}
	if got := status("createPet", url.Values{"body": newPet["body"], "cred.api_key": {"wrong"}}); got != "401" {
		t.Errorf("createPet with another key: %s, want 401", got)
	}

	rec := r.do(t, "POST", def+"/oauth/petstore_auth/token", url.Values{"client_id": {DemoClientID}, "client_secret": {DemoClientSecret}, "scope": {"pets:write"}}, true)
	var tok tokenAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("demo token: %d %s", rec.Code, rec.Body)
	}
	if tok.Scope != "pets:write" || tok.ExpiresIn != 3600 {
		t.Errorf("token answer %+v", tok)
	}
	if got := status("deletePet", url.Values{"p.path.petId": {"1"}, "cred.petstore_auth": {tok.AccessToken}}); got != "204" {
		t.Errorf("deletePet with the demo token: %s, want 204", got)
	}
	if got := status("deletePet", url.Values{"p.path.petId": {"2"}}); got != "401" {
		t.Errorf("deletePet without credentials: %s, want 401", got)
	}
}

// TestDemoAuthorizePanelShowsTheDemoSchemes: the demo definition shows the
// Authorize panel with its API key and the client-credentials flow, whose
// token URL is shown resolved against the portal, with its scopes.
func TestDemoAuthorizePanelShowsTheDemoSchemes(t *testing.T) {
	r, base := demoRig(t)
	d := r.doc(t, "GET", "/catalog/default/api/petstore/definition", nil, false)
	panel := d.Find("[data-testid=authorize]")
	if panel.Length() != 1 {
		t.Fatal("no Authorize panel on the demo definition")
	}
	if panel.Find("[data-testid=auth-api_key-value]").Length() != 1 {
		t.Error("no API key input")
	}
	flow := panel.Find("[data-testid=oauth-petstore_auth-clientCredentials]")
	if got, want := flow.Find("code").First().Text(), base+"/demo-api/petstore/v1/oauth/token"; got != want {
		t.Errorf("token URL shown %q, want %q", got, want)
	}
	for _, sc := range []string{"pets:read", "pets:write"} {
		if flow.Find("[data-testid='oauth-scope-"+sc+"']").Length() != 1 {
			t.Errorf("scope %s not offered", sc)
		}
	}
}

// TestDemoTokenURL: the demo's token URL grants client credentials to the
// documented client only, with the scopes it knows; its tokens open the
// writes until they expire.
func TestDemoTokenURL(t *testing.T) {
	a := newDemoAuth()
	now := time.Unix(1_800_000_000, 0)
	a.now = func() time.Time { return now }
	r, _ := demoRig(t)
	e := r.e
	post := func(form url.Values, user, pass string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, DemoAPIPrefix+demoTokenPath, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	cc := url.Values{"grant_type": {"client_credentials"}}
	for _, tc := range []struct {
		name       string
		form       url.Values
		user, pass string
		status     int
		want       string
	}{
		{"OK basic", cc, DemoClientID, DemoClientSecret, 200, `"scope":"pets:read pets:write"`},
		{"OK body", url.Values{"grant_type": {"client_credentials"}, "client_id": {DemoClientID}, "client_secret": {DemoClientSecret}, "scope": {"pets:read"}}, "", "", 200, `"scope":"pets:read"`},
		{"ErrWrongSecret", cc, DemoClientID, "nope", 401, "invalid_client"},
		{"ErrNoClient", cc, "", "", 401, "invalid_client"},
		{"ErrGrant", url.Values{"grant_type": {"password"}}, DemoClientID, DemoClientSecret, 400, "unsupported_grant_type"},
		{"ErrScope", url.Values{"grant_type": {"client_credentials"}, "scope": {"admin"}}, DemoClientID, DemoClientSecret, 400, "invalid_scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := post(tc.form, tc.user, tc.pass)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
				t.Errorf("%d %s; want %d with %s", rec.Code, rec.Body, tc.status, tc.want)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Error("token answer may be cached")
			}
		})
	}

	tok := a.issue([]string{"pets:read"})
	if !a.grants(tok, "pets:read") || a.grants(tok, "pets:write") {
		t.Error("a token grants exactly its scopes")
	}
	if a.grants(tok+"x", "pets:read") || newDemoAuth().grants(tok, "pets:read") {
		t.Error("a changed token, or one signed by another start, is accepted")
	}
	now = now.Add(demoTokenTTL)
	if a.grants(tok, "pets:read") {
		t.Error("an expired token is accepted")
	}
}

// TestRelativeOAuthURLsResolveAgainstTheFirstServer: relative token and
// authorization URLs resolve as OpenAPI resolves relative references;
// absolute ones and servers with variables are left for the endpoint
// check to judge.
func TestRelativeOAuthURLsResolveAgainstTheFirstServer(t *testing.T) {
	for _, tc := range []struct{ base, ref, want string }{
		{"https://api.example/v1", "/oauth/token", "https://api.example/oauth/token"},
		{"https://api.example/v1/", "oauth/token", "https://api.example/v1/oauth/token"},
		{"https://api.example/v1", "https://id.example/token", "https://id.example/token"},
		{"https://api.example/v1", "//id.example/token", "https://id.example/token"},
		{"https://{region}.api.example/v1", "/oauth/token", "/oauth/token"},
		{"", "/oauth/token", "/oauth/token"},
		{"/relative", "/oauth/token", "/oauth/token"},
		{"file:///etc", "passwd", "passwd"},
	} {
		if got := resolveRef(tc.base, tc.ref); got != tc.want {
			t.Errorf("resolveRef(%q, %q) = %q, want %q", tc.base, tc.ref, got, tc.want)
		}
	}
}

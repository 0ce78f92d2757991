package apidocs

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// tokenServer is a fake OAuth2 authorization server: client credentials
// for client "c1" with secret "s3", and authorization codes checked
// against their PKCE challenge.
type tokenServer struct {
	*httptest.Server
	port string
	mu   sync.Mutex
	// codes maps an issued code to its challenge and redirect URI.
	codes    map[string][2]string
	requests []url.Values
}

func newTokenServer(t *testing.T) *tokenServer {
	t.Helper()
	ts := &tokenServer{codes: map[string][2]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		ts.mu.Lock()
		ts.codes["code-1"] = [2]string{q.Get("code_challenge"), q.Get("redirect_uri")}
		ts.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code=code-1&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		ts.mu.Lock()
		ts.requests = append(ts.requests, r.PostForm)
		ts.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.PostForm.Get("grant_type") {
		case "client_credentials":
			id, secret, ok := r.BasicAuth()
			if !ok || id != "c1" || secret != "s3" {
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"error":"invalid_client","error_description":"<script>bad</script>"}`)
				return
			}
			fmt.Fprintf(w, `{"access_token":"tok-cc","token_type":"Bearer","expires_in":3600,"scope":%q,"refresh_token":"ref-1"}`, r.PostForm.Get("scope"))
		case "refresh_token":
			id, secret, basic := r.BasicAuth()
			client := basic && id == "c1" && secret == "s3" || !basic && r.PostForm.Get("client_id") == "pub"
			if !client || r.PostForm.Get("refresh_token") != "ref-1" {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"error":"invalid_grant"}`)
				return
			}
			fmt.Fprint(w, `{"access_token":"tok-refreshed","token_type":"Bearer","expires_in":60,"refresh_token":"ref-2"}`)
		case "authorization_code":
			ts.mu.Lock()
			want, ok := ts.codes[r.PostForm.Get("code")]
			delete(ts.codes, r.PostForm.Get("code"))
			ts.mu.Unlock()
			sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
			if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != want[0] || r.PostForm.Get("redirect_uri") != want[1] || r.PostForm.Get("client_id") != "pub" {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"error":"invalid_grant"}`)
				return
			}
			fmt.Fprint(w, `{"access_token":"tok-code","token_type":"Bearer","expires_in":300,"refresh_token":"ref-code"}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"unsupported_grant_type"}`)
		}
	})
	ts.Server = httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	_, ts.port, _ = net.SplitHostPort(ts.Listener.Addr().String())
	return ts
}

func tokenJSON(t *testing.T, rec *httptest.ResponseRecorder) tokenAnswer {
	t.Helper()
	var a tokenAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("status %d: %v: %s", rec.Code, err, rec.Body.String())
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Error("a token answer may be cached")
	}
	return a
}

func TestOAuthClientCredentialsThroughTheProxy(t *testing.T) {
	ts := newTokenServer(t)
	up, port := recordingUpstream(t)
	r := newRig(t, Options{Policy: enabled("127.0.0.1:"+port, "127.0.0.1:"+ts.port)},
		testAPI{name: "auth", definition: authSpec(up.URL, ts.URL+"/token", ts.URL+"/authorize")})
	tokenPath := "/catalog/default/api/auth/definition/oauth/oauth/token"

	a := tokenJSON(t, r.do(t, "POST", tokenPath, url.Values{"client_id": {"c1"}, "client_secret": {"s3"}, "scope": {"pets:read", "admin"},
		"tokenUrl": {"http://169.254.169.254/"}}, true))
	if a.Error != "" || a.AccessToken != "tok-cc" || a.ExpiresIn != 3600 {
		t.Fatalf("answer %+v", a)
	}
	if a.Scope != "pets:read" {
		t.Errorf("scopes sent %q: only the flow's declared scopes may be asked for", a.Scope)
	}
	// The token then authorizes the operation that uses the scheme.
	d := r.doc(t, "POST", "/catalog/default/api/auth/definition/op/oauthed/try", url.Values{"server": {"0"}, "cred.oauth": {a.AccessToken}}, true)
	if body := d.Find("[data-testid=try-body-out]").Text(); !strings.Contains(body, `"auth": "Bearer tok-cc"`) {
		t.Errorf("upstream saw %s", body)
	}

	bad := tokenJSON(t, r.do(t, "POST", tokenPath, url.Values{"client_id": {"c1"}, "client_secret": {"wrong"}}, true))
	if !strings.Contains(bad.Error, "401 invalid_client") || bad.AccessToken != "" {
		t.Errorf("refused credentials answered %+v", bad)
	}
	for _, tc := range []struct{ path, want string }{
		{"/catalog/default/api/auth/definition/oauth/nope/token", `no security scheme "nope"`},
		{"/catalog/default/api/auth/definition/oauth/key/token", `has no clientCredentials flow`},
	} {
		if a := tokenJSON(t, r.do(t, "POST", tc.path, url.Values{"client_id": {"c1"}}, true)); !strings.Contains(a.Error, tc.want) {
			t.Errorf("%s answered %+v; want %q", tc.path, a, tc.want)
		}
	}
}

func TestOAuthAuthorizationCodeWithPKCE(t *testing.T) {
	ts := newTokenServer(t)
	r := newRig(t, Options{Policy: enabled("127.0.0.1:" + ts.port), BaseURL: "https://portal.example"},
		testAPI{name: "auth", definition: authSpec("https://api.example", ts.URL+"/token", ts.URL+"/authorize")})
	start := r.do(t, "POST", "/catalog/default/api/auth/definition/oauth/oauth/authorize", url.Values{"client_id": {"pub"}, "scope": {"pets:read"}}, true)
	a := tokenJSON(t, start)
	if a.Error != "" || !strings.HasPrefix(a.Redirect, ts.URL+"/authorize?") {
		t.Fatalf("start answered %+v", a)
	}
	u, _ := url.Parse(a.Redirect)
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("scope") != "pets:read" ||
		q.Get("redirect_uri") != "https://portal.example/catalog/default/api/auth/definition/oauth/callback" {
		t.Fatalf("authorization URL %s", a.Redirect)
	}
	cookie := start.Result().Cookies()
	if len(cookie) != 1 || !cookie[0].HttpOnly || cookie[0].Path != "/catalog/default/api/auth/definition/oauth" || !cookie[0].Secure {
		t.Fatalf("sign-in cookie %+v", cookie)
	}
	if strings.Contains(cookie[0].Value, q.Get("code_challenge")) {
		t.Error("cookie holds the challenge, not the verifier")
	}
	// The person signs in; the authorization server sends them back.
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(a.Redirect)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	ck := cookie[0].Name + "=" + cookie[0].Value

	wrong := r.doc(t, "GET", back.Path+"?code=code-1&state=forged", nil, false, "Cookie", ck)
	if !strings.Contains(wrong.Find("[data-testid=oauth-error]").Text(), "state this browser did not start") {
		t.Errorf("forged state: %q", wrong.Find("[data-testid=oauth-result]").Text())
	}
	none := r.doc(t, "GET", back.Path+"?"+back.RawQuery, nil, false)
	if !strings.Contains(none.Find("[data-testid=oauth-error]").Text(), "No sign-in was started") {
		t.Errorf("no cookie: %q", none.Find("[data-testid=oauth-result]").Text())
	}
	ok := r.do(t, "GET", back.Path+"?"+back.RawQuery, nil, false, "Cookie", ck)
	if ok.Header().Get("Cache-Control") != "no-store" || ok.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Error("the callback page may be cached or leak its URL")
	}
	page := ok.Body.String()
	if !strings.Contains(page, `data-token="tok-code"`) || !strings.Contains(page, `data-scheme="oauth"`) {
		t.Fatalf("callback page does not hand the token over:\n%s", truncate(page, 2000))
	}
	for _, want := range []string{`data-refresh="ref-code"`, `data-expires-in="300"`, `data-client="pub"`,
		`data-refresh-url="/catalog/default/api/auth/definition/oauth/oauth/refresh?flow=authorizationCode"`} {
		if !strings.Contains(page, want) {
			t.Errorf("callback page lacks %s (the tab could not refresh the token)", want)
		}
	}
	replay := r.doc(t, "GET", back.Path+"?"+back.RawQuery, nil, false, "Cookie", ck)
	if !strings.Contains(replay.Find("[data-testid=oauth-error]").Text(), "invalid_grant") {
		t.Errorf("a replayed code: %q", replay.Find("[data-testid=oauth-result]").Text())
	}
}

// TestOAuthRefusesURLsThatAreNotHTTP: a definition whose authorization or
// token URL is javascript: gets an error, never a redirect to run.
func TestOAuthRefusesURLsThatAreNotHTTP(t *testing.T) {
	r := newRig(t, Options{Policy: enabled()}, testAPI{name: "xss", definition: testdata(t, "xss.yaml")})
	base := "/catalog/default/api/xss/definition/oauth/" + url.PathEscape("o<svg onload=window.__xss=19>")
	for _, path := range []string{base + "/authorize", base + "/token"} {
		a := tokenJSON(t, r.do(t, "POST", path, url.Values{"client_id": {"c"}, "client_secret": {"s"}}, true))
		if a.Redirect != "" || a.AccessToken != "" || !strings.Contains(a.Error, "not an absolute http or https URL") {
			t.Errorf("%s answered %+v", path, a)
		}
	}
}

// TestOAuthRefreshTokenThroughTheProxy: a token answer hands the refresh
// token to the browser, and the refresh route trades it at the token URL
// (through the proxy, with the client's authentication) for a new access
// token; a refresh token the server refuses says to authorize again.
func TestOAuthRefreshTokenThroughTheProxy(t *testing.T) {
	ts := newTokenServer(t)
	r := newRig(t, Options{Policy: enabled("127.0.0.1:" + ts.port)},
		testAPI{name: "auth", definition: authSpec("https://api.example", ts.URL+"/token", ts.URL+"/authorize")})
	base := "/catalog/default/api/auth/definition/oauth/oauth/"
	a := tokenJSON(t, r.do(t, "POST", base+"token", url.Values{"client_id": {"c1"}, "client_secret": {"s3"}}, true))
	if a.RefreshToken != "ref-1" {
		t.Fatalf("token answer %+v: no refresh token", a)
	}
	got := tokenJSON(t, r.do(t, "POST", base+"refresh", url.Values{"client_id": {"c1"}, "client_secret": {"s3"}, "refresh_token": {a.RefreshToken},
		"tokenUrl": {"http://169.254.169.254/"}}, true))
	if got.Error != "" || got.AccessToken != "tok-refreshed" || got.RefreshToken != "ref-2" || got.ExpiresIn != 60 {
		t.Fatalf("refresh answered %+v", got)
	}
	// A public client (authorization code) refreshes with its ID alone.
	pub := tokenJSON(t, r.do(t, "POST", base+"refresh?flow=authorizationCode", url.Values{"client_id": {"pub"}, "refresh_token": {"ref-1"}}, true))
	if pub.AccessToken != "tok-refreshed" {
		t.Errorf("public client refresh answered %+v", pub)
	}
	ts.mu.Lock()
	last := ts.requests[len(ts.requests)-1]
	ts.mu.Unlock()
	if last.Get("grant_type") != "refresh_token" || last.Get("client_id") != "pub" {
		t.Errorf("the token URL got %v", last)
	}
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"client_id": {"c1"}, "client_secret": {"s3"}, "refresh_token": {"stolen"}}, "400 invalid_grant"},
		{url.Values{"client_id": {"c1"}}, "no refresh token"},
		{url.Values{"refresh_token": {"ref-1"}}, "client ID"},
	} {
		a := tokenJSON(t, r.do(t, "POST", base+"refresh", tc.form, true))
		if a.AccessToken != "" || !strings.Contains(a.Error, tc.want) {
			t.Errorf("%v answered %+v; want %q", tc.form, a, tc.want)
		}
	}
	if a := tokenJSON(t, r.do(t, "POST", base+"refresh", url.Values{"client_id": {"c1"}, "client_secret": {"s3"}, "refresh_token": {"stolen"}}, true)); !strings.Contains(a.Error, "Authorize again") {
		t.Errorf("a refused refresh does not say what to do: %q", a.Error)
	}
}

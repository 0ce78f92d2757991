package auth

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/porticohq/portico/auth/authtest"
)

const staticToken = "static-token-for-ci-0123"

var janeOnGitHub = authtest.User{
	Login: "jdoe", ID: 1001, Name: "Jane D.", AvatarURL: "https://avatars.githubusercontent.com/u/1001",
	Emails: []authtest.Email{{Email: "jane@corp.example", Primary: true, Verified: true}},
}

// githubPortal starts a fake GitHub and a portal signing in through it.
func githubPortal(t *testing.T, guest bool) (*portal, *authtest.GitHub) {
	return githubPortalOn(t, guest, false)
}

// githubPortalOn is githubPortal on SQLite or (pg) PostgreSQL.
func githubPortalOn(t *testing.T, guest, pg bool) (*portal, *authtest.GitHub) {
	t.Helper()
	gh := authtest.New(janeOnGitHub)
	t.Cleanup(gh.Close)
	st := openStore(t, pg)
	loadCatalog(t, st)
	cfg := Config{
		Environment: "development",
		GitHub: &GitHubConfig{
			ClientID: gh.ClientID, ClientSecret: gh.ClientSecret, EnterpriseInstanceURL: gh.URL(),
			Resolvers: rc(ResolverUsernameMatchingUserEntityName, ResolverUserIDMatchingUserEntityAnnotation),
		},
		Guest:           guest,
		RequireSignIn:   true,
		SessionDuration: DefaultSessionDuration,
		IdleTimeout:     DefaultIdleTimeout,
		StaticTokens:    []StaticToken{{Token: staticToken, Subject: "ci"}},
	}
	if err := cfg.applySecret("a-test-secret-of-enough-length"); err != nil {
		t.Fatal(err)
	}
	return startPortal(t, cfg, st, st.DB()), gh
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func postForm(t *testing.T, c *http.Client, u string, form url.Values, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func sessionCookie(t *testing.T, c *http.Client, base string) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == sessionCookieBase {
			return ck
		}
	}
	return nil
}

// decodeSessionID returns the session id a session cookie carries.
func decodeSessionID(t *testing.T, p *portal, ck *http.Cookie) string {
	t.Helper()
	var sid string
	if err := p.Auth.cookies.codec.Decode(sessionCookieBase, ck.Value, &sid); err != nil || sid == "" {
		t.Fatalf("decode session cookie: %q, %v", sid, err)
	}
	return sid
}

func TestGitHubSignInFlow(t *testing.T) {
	for _, dialect := range []string{"sqlite", "pg"} {
		t.Run(dialect, func(t *testing.T) { testGitHubSignInFlow(t, dialect == "pg") })
	}
}

func testGitHubSignInFlow(t *testing.T, pg bool) {
	p, gh := githubPortalOn(t, true, pg)
	c := newClient(t)
	u, _ := url.Parse(p.URL)

	// Signed out, a page sends you to /signin with next.
	resp, _ := get(t, noRedirect(c), p.URL+"/catalog?kind=api")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?next=%2Fcatalog%3Fkind%3Dapi" {
		t.Fatalf("signed-out page: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Session fixation: an attacker signs in as guest and plants that live,
	// validly encoded session cookie in the victim's browser.
	attacker := newClient(t)
	resp, _ = postForm(t, noRedirect(attacker), p.URL+"/auth/guest", nil, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("attacker's guest sign-in: %d", resp.StatusCode)
	}
	planted := sessionCookie(t, attacker, p.URL)
	if planted == nil {
		t.Fatal("guest sign-in set no session cookie")
	}
	plantedID := decodeSessionID(t, p, planted)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookieBase, Value: planted.Value}})
	if _, body := get(t, c, p.URL+"/catalog"); !strings.Contains(body, "signed in: Guest (user:development/guest)") {
		t.Fatalf("the planted session is not live in the victim's browser:\n%s", body)
	}

	resp, body := get(t, c, p.URL+"/auth/github/start?next="+url.QueryEscape("/catalog?kind=api"))
	if resp.StatusCode != http.StatusOK || resp.Request.URL.RequestURI() != "/catalog?kind=api" {
		t.Fatalf("after sign-in: %d at %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	if !strings.Contains(body, "signed in: Jane Doe (user:default/jdoe)") {
		t.Errorf("page does not show the user:\n%s", body)
	}
	authz := gh.AuthorizeRequests()
	if len(authz) != 1 || authz[0].Get("code_challenge_method") != "S256" || authz[0].Get("code_challenge") == "" || authz[0].Get("state") == "" {
		t.Errorf("authorize request = %v", authz)
	}
	if ex := gh.Exchanges(); len(ex) != 1 || ex[0].Get("code_verifier") == "" {
		t.Errorf("token exchange = %v", ex)
	}
	for name, want := range map[string]string{
		"jdoe": "groups=group:default/team-a owned=true user:default/jdoe,group:default/team-a",
		"bob":  "groups= owned=true user:default/jdoe,group:default/team-a",
	} {
		if _, body := get(t, c, p.URL+"/groups/"+name); body != want {
			t.Errorf("/groups/%s = %q, want %q", name, body, want)
		}
	}
	first := sessionCookie(t, c, p.URL)
	if first == nil {
		t.Fatal("no session cookie after sign-in")
	}
	if len(first.Value) > 4000 {
		t.Errorf("session cookie is %d bytes", len(first.Value))
	}
	// The sign-in replaced the planted session: a new id, and the
	// attacker's copy of the planted cookie opens nothing (not the
	// victim's session, not even the guest one).
	if sid := decodeSessionID(t, p, first); sid == plantedID {
		t.Fatalf("session id %q survived sign-in (fixation)", sid)
	}
	if resp, body := get(t, noRedirect(attacker), p.URL+"/catalog"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("planted session still works after the victim signed in: %d\n%s", resp.StatusCode, body)
	}

	// Signing in again yields a new session id (cookie value).
	get(t, c, p.URL+"/auth/github/start?next=/")
	second := sessionCookie(t, c, p.URL)
	if second == nil || second.Value == first.Value {
		t.Fatal("session cookie unchanged by a new sign-in")
	}
	sid1, sid2 := decodeSessionID(t, p, first), decodeSessionID(t, p, second)
	if sid1 == sid2 || sid1 == "" {
		t.Errorf("session ids before/after: %q %q", sid1, sid2)
	}

	// The old session ended when the new one began.
	replay := newClient(t)
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookieBase, Value: first.Value}})
	if resp, _ := get(t, noRedirect(replay), p.URL+"/catalog"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("replaced session still opens a page: %d", resp.StatusCode)
	}

	// Sign out: GET is refused, POST without a same-origin signal or token is
	// refused, a same-origin POST ends the session server-side.
	if resp, _ := get(t, c, p.URL+"/auth/signout"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /auth/signout: %d, want 405", resp.StatusCode)
	}
	resp, _ = postForm(t, noRedirect(c), p.URL+"/auth/signout", nil, http.Header{"Origin": {"https://evil.example"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin sign-out: %d, want 403", resp.StatusCode)
	}
	resp, _ = postForm(t, noRedirect(c), p.URL+"/auth/signout", nil, http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {p.URL}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?signedout=1" {
		t.Fatalf("sign-out: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	replay = newClient(t)
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookieBase, Value: second.Value}})
	if resp, _ := get(t, noRedirect(replay), p.URL+"/catalog"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("replayed cookie after sign-out opens a page: %d", resp.StatusCode)
	}
}

func TestCallbackRejectsBadState(t *testing.T) {
	p, gh := githubPortal(t, false)

	// begin starts a sign-in in client c and returns GitHub's redirect back
	// to the callback, without following it.
	begin := func(c *http.Client) *url.URL {
		resp, _ := get(t, noRedirect(c), p.URL+"/auth/github/start?next=/catalog")
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("start: %d", resp.StatusCode)
		}
		resp, _ = get(t, noRedirect(c), resp.Header.Get("Location"))
		back, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || back.Query().Get("code") == "" {
			t.Fatalf("fake github did not redirect back: %v %v", resp.Header, err)
		}
		return back
	}
	withState := func(u *url.URL, state string, drop bool) string {
		q := u.Query()
		if drop {
			q.Del("state")
		} else {
			q.Set("state", state)
		}
		cp := *u
		cp.RawQuery = q.Encode()
		return cp.String()
	}

	t.Run("missing", func(t *testing.T) {
		c := newClient(t)
		back := begin(c)
		resp, body := get(t, c, withState(back, "", true))
		assertSignInError(t, resp, body, http.StatusBadRequest, "Sign-in could not be verified")
	})
	t.Run("empty", func(t *testing.T) {
		c := newClient(t)
		back := begin(c)
		resp, body := get(t, c, withState(back, "", false))
		assertSignInError(t, resp, body, http.StatusBadRequest, "Sign-in could not be verified")
	})
	t.Run("foreign", func(t *testing.T) {
		victim, attacker := newClient(t), newClient(t)
		begin(victim)
		back := begin(attacker) // the attacker's code and state, in the victim's browser
		resp, body := get(t, victim, back.String())
		assertSignInError(t, resp, body, http.StatusBadRequest, "Sign-in could not be verified")
	})
	t.Run("reused", func(t *testing.T) {
		c := newClient(t)
		back := begin(c)
		u, _ := url.Parse(p.URL)
		saved := c.Jar.Cookies(u)
		resp, _ := get(t, c, back.String())
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("first callback: %d", resp.StatusCode)
		}
		replay := newClient(t)
		replay.Jar.SetCookies(u, saved) // the pending-sign-in cookie as it was
		resp, body := get(t, replay, back.String())
		assertSignInError(t, resp, body, http.StatusBadRequest, "already used")
	})
	t.Run("denied consent", func(t *testing.T) {
		gh.SetDeny(true)
		defer gh.SetDeny(false)
		c := newClient(t)
		resp, body := get(t, c, p.URL+"/auth/github/start?next=/catalog")
		assertSignInError(t, resp, body, http.StatusForbidden, "Sign-in was cancelled")
		if !strings.Contains(body, "/auth/github/start?next=%2Fcatalog") {
			t.Errorf("error page has no retry link keeping next:\n%s", body)
		}
	})
	t.Run("github down", func(t *testing.T) {
		gh.SetDown(true)
		defer gh.SetDown(false)
		resp, body := get(t, newClient(t), p.URL+"/auth/github/start")
		assertSignInError(t, resp, body, http.StatusBadGateway, "GitHub did not answer as expected")
	})
	t.Run("user not in catalog", func(t *testing.T) {
		gh.SetUser(authtest.User{Login: "stranger", ID: 777})
		defer gh.SetUser(janeOnGitHub)
		resp, body := get(t, newClient(t), p.URL+"/auth/github/start")
		assertSignInError(t, resp, body, http.StatusForbidden, "GitHub user &#34;stranger&#34;")
		if !strings.Contains(body, "usernameMatchingUserEntityName, userIdMatchingUserEntityAnnotation") {
			t.Errorf("message does not name the resolvers tried:\n%s", body)
		}
	})
}

func assertSignInError(t *testing.T, resp *http.Response, body string, status int, text string) {
	t.Helper()
	if resp.StatusCode != status || !strings.Contains(body, text) || !strings.Contains(body, `data-testid="signin-error"`) {
		t.Errorf("status %d (want %d), body should contain %q:\n%s", resp.StatusCode, status, text, body)
	}
	if strings.Contains(resp.Request.URL.Path, "/catalog") {
		t.Errorf("landed on %s despite the error", resp.Request.URL)
	}
}

func TestNextRedirects(t *testing.T) {
	p, _ := githubPortal(t, false)
	for _, next := range []string{"//evil.example", "https://evil.example", `/\evil.example`} {
		t.Run(next, func(t *testing.T) {
			resp, _ := get(t, newClient(t), p.URL+"/auth/github/start?next="+url.QueryEscape(next))
			if resp.Request.URL.Host != strings.TrimPrefix(p.URL, "http://") || resp.Request.URL.Path != "/" {
				t.Errorf("landed on %s, want %s/", resp.Request.URL, p.URL)
			}
		})
	}
}

// Package authtest provides a fake GitHub for sign-in tests: the OAuth
// authorize and token endpoints (with PKCE checked as GitHub checks it) and
// the user and emails API, on an httptest server. The auth package's tests
// and the browser suite both use it.
package authtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
)

// User is the GitHub account the fake signs in.
type User struct {
	Login     string
	ID        int64
	Name      string
	Email     string  // public profile email; may be empty
	Emails    []Email // /user/emails
	AvatarURL string
}

// Email is one entry of /user/emails.
type Email struct {
	Email    string `json:"email"`
	Primary  bool   `json:"primary"`
	Verified bool   `json:"verified"`
}

// GitHub is the fake. Its URL works both as github.com (authorize/token at
// /login/oauth/..., API at /user) and as enterpriseInstanceUrl (API at
// /api/v3/user).
type GitHub struct {
	Server       *httptest.Server
	ClientID     string
	ClientSecret string

	mu        sync.Mutex
	user      User
	deny      bool
	down      bool
	codes     map[string]grant
	tokens    map[string]User
	authorize []url.Values
	exchanges []url.Values
}

type grant struct {
	challenge, method, redirect string
	user                        User
}

// New starts a fake GitHub that signs in user; it stops when the test ends
// (call Close yourself outside tests).
func New(user User) *GitHub {
	g := &GitHub{
		ClientID: "fake-client-id", ClientSecret: "fake-client-secret",
		user: user, codes: map[string]grant{}, tokens: map[string]User{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/oauth/authorize", g.handleAuthorize)
	mux.HandleFunc("POST /login/oauth/access_token", g.handleToken)
	for _, prefix := range []string{"", "/api/v3"} {
		mux.HandleFunc("GET "+prefix+"/user", g.handleUser)
		mux.HandleFunc("GET "+prefix+"/user/emails", g.handleEmails)
	}
	g.Server = httptest.NewServer(mux)
	return g
}

// URL is the fake's base URL (use it as enterpriseInstanceUrl).
func (g *GitHub) URL() string { return g.Server.URL }

// Close stops the server.
func (g *GitHub) Close() { g.Server.Close() }

// SetUser changes who signs in next.
func (g *GitHub) SetUser(u User) { g.mu.Lock(); g.user = u; g.mu.Unlock() }

// SetDeny makes the authorize endpoint answer as when the user refuses
// consent (error=access_denied).
func (g *GitHub) SetDeny(deny bool) { g.mu.Lock(); g.deny = deny; g.mu.Unlock() }

// SetDown makes the token and API endpoints answer 503.
func (g *GitHub) SetDown(down bool) { g.mu.Lock(); g.down = down; g.mu.Unlock() }

// AuthorizeRequests returns the query of every authorize request.
func (g *GitHub) AuthorizeRequests() []url.Values {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]url.Values(nil), g.authorize...)
}

// Exchanges returns the form of every token request.
func (g *GitHub) Exchanges() []url.Values {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]url.Values(nil), g.exchanges...)
}

func (g *GitHub) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	g.mu.Lock()
	g.authorize = append(g.authorize, q)
	deny, user := g.deny, g.user
	g.mu.Unlock()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Host == "" || q.Get("client_id") != g.ClientID {
		http.Error(w, "bad client_id or redirect_uri", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	if deny {
		back.Set("error", "access_denied")
		back.Set("error_description", "The user has denied your application access.")
	} else {
		code := random()
		g.mu.Lock()
		g.codes[code] = grant{challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method"), redirect: q.Get("redirect_uri"), user: user}
		g.mu.Unlock()
		back.Set("code", code)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (g *GitHub) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.exchanges = append(g.exchanges, r.PostForm)
	if g.down {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != g.ClientID || secret != g.ClientSecret {
		tokenError(w, "incorrect_client_credentials")
		return
	}
	code := r.PostForm.Get("code")
	gr, found := g.codes[code]
	delete(g.codes, code) // codes are single-use, as on GitHub
	switch {
	case !found:
		tokenError(w, "bad_verification_code")
		return
	case gr.redirect != r.PostForm.Get("redirect_uri"):
		tokenError(w, "redirect_uri_mismatch")
		return
	case gr.challenge != "" && (gr.method != "S256" || s256(r.PostForm.Get("code_verifier")) != gr.challenge):
		tokenError(w, "invalid_grant: code_verifier does not match code_challenge")
		return
	}
	token := random()
	g.tokens[token] = gr.user
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"access_token": token, "token_type": "bearer", "scope": "read:user,user:email"})
}

// tokenError answers as GitHub does: 200 with an error body.
func tokenError(w http.ResponseWriter, code string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
}

func (g *GitHub) userFor(w http.ResponseWriter, r *http.Request) (User, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.down {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return User{}, false
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	u, ok := g.tokens[tok]
	if !ok {
		http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
	}
	return u, ok
}

func (g *GitHub) handleUser(w http.ResponseWriter, r *http.Request) {
	u, ok := g.userFor(w, r)
	if !ok {
		return
	}
	var email any
	if u.Email != "" {
		email = u.Email
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"login": u.Login, "id": u.ID, "name": u.Name, "email": email, "avatar_url": u.AvatarURL,
	})
}

func (g *GitHub) handleEmails(w http.ResponseWriter, r *http.Request) {
	u, ok := g.userFor(w, r)
	if !ok {
		return
	}
	list := u.Emails
	if list == nil {
		list = []Email{}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(list)
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func random() string { return rand.Text() }

package apidocs

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog/openapi"
	av "github.com/porticohq/portico/views/apidocs"
)

// The portal runs two OAuth2 flows of an API's security schemes for the
// person trying it: client credentials (the portal asks the token URL) and
// authorization code with PKCE (the person signs in at the authorization
// URL, comes back to the portal's callback, and the portal exchanges the
// code). Token and authorization URLs come from the definition, never from
// the browser; token requests go through the try-it proxy, so the same
// egress policy, limits and refusals apply. The token goes back to the
// browser, which keeps it in session storage; the portal keeps nothing.

// tokenAnswer is what the browser gets from a token request.
type tokenAnswer struct {
	AccessToken string `json:"accessToken,omitempty"`
	TokenType   string `json:"tokenType,omitempty"`
	ExpiresIn   int64  `json:"expiresIn,omitempty"`
	Scope       string `json:"scope,omitempty"`
	// RefreshToken, when the token URL gave one, lets the browser ask for
	// a new access token when this one expires (oauthRefresh).
	RefreshToken string `json:"refreshToken,omitempty"`
	Redirect     string `json:"redirect,omitempty"` // authorization code: where to sign in
	Error        string `json:"error,omitempty"`
}

func answer(c *echo.Context, a tokenAnswer) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, a)
}

// oauthScheme finds the API and the flow of the scheme named in the URL,
// or says why not.
func (h *Handler) oauthScheme(c *echo.Context, name, flowType string) (*apiDef, openapi.SecurityScheme, openapi.OAuthFlow, string, error) {
	d, err := h.tryAPI(c)
	if err != nil {
		return nil, openapi.SecurityScheme{}, openapi.OAuthFlow{}, "", err
	}
	if !h.proxy.policy.Enabled || !d.isOpenAPI() {
		return d, openapi.SecurityScheme{}, openapi.OAuthFlow{}, "Try it out is switched off on this portal.", nil
	}
	sum, err := h.cache.Summary(d.hash, d.data)
	if err != nil {
		return d, openapi.SecurityScheme{}, openapi.OAuthFlow{}, "The definition cannot be read: " + err.Error(), nil
	}
	for _, s := range h.resolveSchemes(d, sum) {
		if s.Name != name {
			continue
		}
		for _, f := range s.Flows {
			if f.Type == flowType {
				return d, s, f, "", nil
			}
		}
		return d, s, openapi.OAuthFlow{}, "Security scheme " + strconv.Quote(name) + " of " + d.ref.String() + " has no " + flowType + " flow.", nil
	}
	return d, openapi.SecurityScheme{}, openapi.OAuthFlow{}, d.ref.String() + " has no security scheme " + strconv.Quote(name) + ".", nil
}

// tokenRequest is what a token endpoint of the portal reads before it asks
// the scheme's server: the API, the scheme and its flow, and the posted
// form.
type tokenRequest struct {
	d    *apiDef
	s    openapi.SecurityScheme
	f    openapi.OAuthFlow
	form url.Values
}

// readTokenRequest finds the path's scheme and its flowType flow, counts
// the call against the person's try-it limit and reads the form. A
// non-empty message is the answer to give the person instead.
func (h *Handler) readTokenRequest(c *echo.Context, flowType string) (tokenRequest, string, error) {
	d, s, f, msg, err := h.oauthScheme(c, c.Param("scheme"), flowType)
	if err != nil || msg != "" {
		return tokenRequest{}, msg, err
	}
	if !h.proxy.limiter.allow(h.opts.UserKey(c)) {
		return tokenRequest{}, "Too many calls: wait a minute and try again.", nil
	}
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return tokenRequest{}, "The form could not be read.", nil
	}
	return tokenRequest{d: d, s: s, f: f, form: r.PostForm}, "", nil
}

// oauthToken runs the client-credentials flow.
func (h *Handler) oauthToken(c *echo.Context) error {
	t, msg, err := h.readTokenRequest(c, "clientCredentials")
	if err != nil {
		return err
	}
	if msg != "" {
		return answer(c, tokenAnswer{Error: msg})
	}
	d, s, f := t.d, t.s, t.f
	id, secret := strings.TrimSpace(t.form.Get("client_id")), t.form.Get("client_secret")
	if id == "" {
		return answer(c, tokenAnswer{Error: "Enter the client ID."})
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if sc := scopes(t.form["scope"], f); sc != "" {
		form.Set("scope", sc)
	}
	a := h.requestToken(c, d, s.Name, f.TokenURL, form, id, secret)
	return answer(c, a)
}

// scopes keeps the scopes the flow declares, space-separated.
func scopes(asked []string, f openapi.OAuthFlow) string {
	var out []string
	for _, a := range asked {
		for _, sc := range f.Scopes {
			if sc.Name == a {
				out = append(out, a)
				break
			}
		}
	}
	return strings.Join(out, " ")
}

// requestToken posts a token request to the definition's token URL
// through the proxy.
func (h *Handler) requestToken(c *echo.Context, d *apiDef, scheme, tokenURL string, form url.Values, id, secret string) tokenAnswer {
	call, err := tokenCall(scheme, tokenURL, form, id, secret)
	if err != nil {
		return tokenAnswer{Error: err.Error()}
	}
	res := h.proxy.Send(c.Request().Context(), call)
	h.log.Info("oauth token request", "entity", d.ref.String(), "scheme", scheme, "grant", form.Get("grant_type"),
		"host", call.URL.Host, "status", res.Status, "refused", res.Refused, "duration", res.Duration)
	return tokenFrom(res, call.URL.Host)
}

// tokenCall builds a token request. With a secret the client
// authenticates with HTTP basic (RFC 6749 2.3.1); without, it is a public
// client named in the body.
func tokenCall(scheme, tokenURL string, form url.Values, id, secret string) (*Call, error) {
	u, err := endpointURL("token URL of security scheme "+strconv.Quote(scheme), tokenURL)
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(id+secret, "\x00\r\n") {
		return nil, badInput("the client ID or secret has a line break or a NUL byte")
	}
	call := &Call{Method: http.MethodPost, URL: u, HasBody: true, Header: [][2]string{
		{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"},
	}}
	if secret != "" {
		call.Header = append(call.Header, [2]string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))})
	} else {
		form.Set("client_id", id)
	}
	call.Body = form.Encode()
	return call, nil
}

// tokenFrom reads a token endpoint's answer (RFC 6749 5.1, 5.2).
func tokenFrom(res Result, host string) tokenAnswer {
	if res.Error != "" {
		return tokenAnswer{Error: "The token request failed: " + res.Error}
	}
	if res.Truncated {
		return tokenAnswer{Error: "The token URL at " + host + " answered more than the size limit."}
	}
	var body struct {
		AccessToken      string          `json:"access_token"`
		RefreshToken     string          `json:"refresh_token"`
		TokenType        string          `json:"token_type"`
		ExpiresIn        json.RawMessage `json:"expires_in"`
		Scope            string          `json:"scope"`
		Error            string          `json:"error"`
		ErrorDescription string          `json:"error_description"`
	}
	if res.Status >= 300 && res.Status < 400 {
		return tokenAnswer{Error: "The token URL at " + host + " redirects (" + strconv.Itoa(res.Status) + "); the portal does not follow a token URL's redirects: put the final URL in the definition's tokenUrl."}
	}
	if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
		return tokenAnswer{Error: "The token URL at " + host + " answered " + strconv.Itoa(res.Status) + " without a JSON token: check the definition's tokenUrl."}
	}
	if res.Status != http.StatusOK || body.AccessToken == "" {
		msg := "The token URL at " + host + " refused: " + strconv.Itoa(res.Status)
		if body.Error != "" {
			msg += " " + body.Error
		}
		if body.ErrorDescription != "" {
			msg += " (" + body.ErrorDescription + ")"
		}
		return tokenAnswer{Error: msg + ". Check the client ID, secret and scopes."}
	}
	if strings.ContainsAny(body.AccessToken, "\x00\r\n") {
		return tokenAnswer{Error: "The token URL at " + host + " answered a token that cannot be sent in a header."}
	}
	if strings.ContainsAny(body.RefreshToken, "\x00\r\n") {
		body.RefreshToken = "" // it could not be sent back in a form either
	}
	exp, _ := strconv.ParseInt(strings.Trim(string(body.ExpiresIn), `"`), 10, 64)
	return tokenAnswer{AccessToken: body.AccessToken, TokenType: body.TokenType, ExpiresIn: exp, Scope: body.Scope, RefreshToken: body.RefreshToken}
}

// endpointURL checks a URL the portal will call that comes from a
// definition or an entity (token URLs, GraphQL endpoints): absolute http
// or https, no user information. Where it may go is the egress guard's
// to decide when it is called.
func endpointURL(what, raw string) (*url.URL, error) {
	if strings.ContainsRune(raw, 0) || strings.Contains(strings.ToLower(raw), "%00") {
		return nil, badInput("refused: the %s has a NUL byte", what)
	}
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return nil, badInput("the %s is empty", what)
	case err != nil:
		return nil, badInput("the %s %q does not parse: %v", what, raw, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, badInput("refused: the %s %q is not an absolute http or https URL", what, raw)
	case u.User != nil:
		return nil, badInput("refused: the %s %q carries user information", what, raw)
	case u.Host == "" || u.Opaque != "":
		return nil, badInput("refused: the %s %q has no host", what, raw)
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// oauthCookie carries a pending authorization-code sign-in in the
// person's own browser (HttpOnly, this API's OAuth paths only, ten
// minutes): the state to check on return and the PKCE verifier. The
// portal keeps nothing between the two requests.
const oauthCookie = "portico_oauth"

type pendingSignIn struct {
	State    string `json:"s"`
	Verifier string `json:"v"`
	ClientID string `json:"c"`
	Scheme   string `json:"n"`
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// oauthAuthorize starts the authorization-code flow: it answers the URL
// to sign in at, with a fresh state and PKCE challenge.
func (h *Handler) oauthAuthorize(c *echo.Context) error {
	d, s, f, msg, err := h.oauthScheme(c, c.Param("scheme"), "authorizationCode")
	if err != nil {
		return err
	}
	if msg != "" {
		return answer(c, tokenAnswer{Error: msg})
	}
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return answer(c, tokenAnswer{Error: "The form could not be read."})
	}
	id := strings.TrimSpace(r.PostForm.Get("client_id"))
	if id == "" {
		return answer(c, tokenAnswer{Error: "Enter the client ID."})
	}
	authURL, err := endpointURL("authorization URL of security scheme "+strconv.Quote(s.Name), f.AuthorizationURL)
	if err != nil {
		return answer(c, tokenAnswer{Error: err.Error()})
	}
	p := pendingSignIn{State: randomString(), Verifier: randomString(), ClientID: id, Scheme: s.Name}
	sum := sha256.Sum256([]byte(p.Verifier))
	q := authURL.Query()
	q.Set("response_type", "code")
	q.Set("client_id", id)
	q.Set("redirect_uri", h.callbackURL(c, d))
	q.Set("state", p.State)
	q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]))
	q.Set("code_challenge_method", "S256")
	if sc := scopes(r.PostForm["scope"], f); sc != "" {
		q.Set("scope", sc)
	}
	authURL.RawQuery = q.Encode()
	raw, _ := json.Marshal(p)
	c.SetCookie(&http.Cookie{
		Name: oauthCookie, Value: base64.RawURLEncoding.EncodeToString(raw), Path: DefinitionURL(d.ref) + "/oauth",
		MaxAge: 600, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(c),
	})
	return answer(c, tokenAnswer{Redirect: authURL.String()})
}

// callbackURL is where the authorization server sends the person back:
// the portal's own URL (backend.baseUrl, else the request's).
func (h *Handler) callbackURL(c *echo.Context, d *apiDef) string {
	base := strings.TrimRight(h.opts.BaseURL, "/")
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	return base + DefinitionURL(d.ref) + "/oauth/callback"
}

func (h *Handler) secure(c *echo.Context) bool {
	return c.Request().TLS != nil || strings.HasPrefix(h.opts.BaseURL, "https://")
}

// oauthCallback ends the authorization-code flow: the state must be the
// one this browser started with; the code is exchanged at the token URL
// with the PKCE verifier, and the page hands the token to the browser.
func (h *Handler) oauthCallback(c *echo.Context) error {
	d, err := h.tryAPI(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	base := DefinitionURL(d.ref)
	view := av.OAuthResultView{BaseURL: base, Key: base}
	fail := func(msg string) error {
		view.Error = msg
		return h.render(c, "Authorize", av.OAuthResult(view))
	}
	p, ok := readPending(c)
	c.SetCookie(&http.Cookie{Name: oauthCookie, Value: "", Path: base + "/oauth", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(c)})
	q := c.Request().URL.Query()
	switch {
	case !ok:
		return fail("No sign-in was started from this browser in the last ten minutes: start again from Authorize.")
	case q.Get("state") == "" || q.Get("state") != p.State:
		return fail("The sign-in came back with a state this browser did not start: start again from Authorize.")
	case q.Get("error") != "":
		return fail("The authorization server refused: " + q.Get("error") + " " + q.Get("error_description"))
	case q.Get("code") == "":
		return fail("The authorization server sent no code back.")
	}
	view.Scheme = p.Scheme
	_, _, f, msg, err := h.oauthScheme(c, p.Scheme, "authorizationCode")
	if err != nil {
		return err
	}
	if msg != "" {
		return fail(msg)
	}
	if !h.proxy.limiter.allow(h.opts.UserKey(c)) {
		return fail("Too many calls: wait a minute and try again.")
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {h.callbackURL(c, d)}, "code_verifier": {p.Verifier}}
	a := h.requestToken(c, d, p.Scheme, f.TokenURL, form, p.ClientID, "")
	if a.Error != "" {
		return fail(a.Error)
	}
	view.AccessToken = a.AccessToken
	if a.RefreshToken != "" {
		view.RefreshToken, view.ExpiresIn, view.ClientID = a.RefreshToken, a.ExpiresIn, p.ClientID
		view.RefreshURL = refreshPath(base, p.Scheme, "authorizationCode")
	}
	return h.render(c, "Authorize", av.OAuthResult(view))
}

func readPending(c *echo.Context) (pendingSignIn, bool) {
	ck, err := c.Cookie(oauthCookie)
	if err != nil {
		return pendingSignIn{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil {
		return pendingSignIn{}, false
	}
	var p pendingSignIn
	if json.Unmarshal(raw, &p) != nil || p.State == "" || p.Verifier == "" {
		return pendingSignIn{}, false
	}
	return p, true
}

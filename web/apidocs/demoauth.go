package apidocs

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
)

// The demo Petstore's security, so a newcomer sees the Authorize panel and
// a real flow behind it: its writes need the documented demo API key or a
// bearer token from its own client-credentials token URL; its reads are
// public. The values are published in the definition: they guard nothing
// but make the demo behave as a secured API does (401 without them).
const (
	// DemoAPIKey is the X-API-Key value the demo accepts.
	DemoAPIKey = "demo-key"
	// DemoClientID and DemoClientSecret are the demo token URL's client.
	DemoClientID     = "demo-client"
	DemoClientSecret = "demo-secret"
	// demoTokenPath is the demo's token URL under DemoAPIPrefix.
	demoTokenPath = "/oauth/token"
	demoTokenTTL  = time.Hour
)

// demoScopes are the scopes the demo's token URL grants.
var demoScopes = []string{"pets:read", "pets:write"}

// demoAuth issues and checks the demo's bearer tokens. A token is signed
// with a key made at start, so the demo keeps no token table.
type demoAuth struct {
	key []byte
	now func() time.Time
}

func newDemoAuth() *demoAuth {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // crypto/rand.Read never fails (Go 1.24)
	return &demoAuth{key: k, now: time.Now}
}

func (a *demoAuth) sign(payload string) string {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// issue makes a token for the scopes, valid for demoTokenTTL.
func (a *demoAuth) issue(scopes []string) string {
	payload := strconv.FormatInt(a.now().Add(demoTokenTTL).Unix(), 10) + " " + strings.Join(scopes, " ")
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + a.sign(payload)
}

// grants says whether a token is one this demo issued, unexpired, with
// the scope.
func (a *demoAuth) grants(token, scope string) bool {
	p, mac, ok := strings.Cut(token, ".")
	if !ok {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil || !hmac.Equal([]byte(mac), []byte(a.sign(string(raw)))) {
		return false
	}
	fields := strings.Fields(string(raw))
	if len(fields) == 0 {
		return false
	}
	exp, err := strconv.ParseInt(fields[0], 10, 64)
	return err == nil && a.now().Unix() < exp && slices.Contains(fields[1:], scope)
}

// require lets a request through with the demo key or a token granting
// scope, else answers 401 saying what the demo accepts.
func (a *demoAuth) require(scope string, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		r := c.Request()
		if r.Header.Get("X-API-Key") == DemoAPIKey {
			return next(c)
		}
		if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && a.grants(strings.TrimSpace(t), scope) {
			return next(c)
		}
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="demo petstore", scope="`+scope+`"`)
		msg := "this operation needs the demo API key (X-API-Key: " + DemoAPIKey + ") or a bearer token with scope " + scope +
			" from " + DemoAPIPrefix + demoTokenPath
		if r.Header.Get("X-API-Key") != "" || r.Header.Get("Authorization") != "" {
			msg = "the credentials are not the demo's: " + msg
		}
		return demoError(c, http.StatusUnauthorized, msg)
	}
}

// token is the demo's OAuth2 token URL: the client-credentials grant
// (RFC 6749 4.4), the client authenticated with HTTP basic or in the body.
func (a *demoAuth) token(c *echo.Context) error {
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, 16<<10)
	c.Response().Header().Set("Cache-Control", "no-store")
	if err := r.ParseForm(); err != nil {
		return tokenError(c, http.StatusBadRequest, "invalid_request", "the body must be a form")
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != DemoClientID || secret != DemoClientSecret {
		if basic {
			c.Response().Header().Set("WWW-Authenticate", `Basic realm="demo petstore"`)
		}
		return tokenError(c, http.StatusUnauthorized, "invalid_client", "the demo client is "+DemoClientID+" with secret "+DemoClientSecret)
	}
	if g := r.PostForm.Get("grant_type"); g != "client_credentials" {
		return tokenError(c, http.StatusBadRequest, "unsupported_grant_type", "the demo grants client_credentials only")
	}
	scopes := strings.Fields(r.PostForm.Get("scope"))
	for _, s := range scopes {
		if !slices.Contains(demoScopes, s) {
			return tokenError(c, http.StatusBadRequest, "invalid_scope", "the demo's scopes are "+strings.Join(demoScopes, " "))
		}
	}
	if len(scopes) == 0 {
		scopes = demoScopes
	}
	return c.JSON(http.StatusOK, map[string]any{
		"access_token": a.issue(scopes), "token_type": "Bearer",
		"expires_in": int(demoTokenTTL.Seconds()), "scope": strings.Join(scopes, " "),
	})
}

func tokenError(c *echo.Context, status int, code, desc string) error {
	return c.JSON(status, map[string]string{"error": code, "error_description": desc})
}

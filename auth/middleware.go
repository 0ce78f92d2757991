package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v5"
)

// cspTemplate is the Content-Security-Policy of every response; {nonce} is
// the per-response script nonce. No 'unsafe-inline' anywhere.
const cspTemplate = "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; " +
	"img-src 'self' https://avatars.githubusercontent.com data:; object-src 'none'; " +
	"base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// SecurityHeaders sets the CSP (with a fresh nonce, also put in the
// request context where templ's script tags read it), nosniff, the referrer
// policy and frame denial on every response. Register installs it with
// e.Pre so even unrouted responses carry it.
func SecurityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		nonce := newNonce()
		h := c.Response().Header()
		h.Set("Content-Security-Policy", strings.Replace(cspTemplate, "{nonce}", nonce, 1))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		r := c.Request()
		c.SetRequest(r.WithContext(templ.WithNonce(r.Context(), nonce)))
		return next(c)
	}
}

func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawStdEncoding.EncodeToString(b)
}

// echo context keys, namespaced so other features' keys cannot collide.
const (
	echoAuthKey      = "portico.auth"
	echoIdentityKey  = "portico.auth.identity"
	echoSessionIDKey = "portico.auth.sid"
	echoTokenSubject = "portico.auth.token-subject"
)

// loadSession puts the session's identity (if the cookie names a live
// session) into the echo context and the request context. A dead or forged
// cookie is cleared.
func (a *Auth) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		c.Set(echoAuthKey, a)
		if a.sessions != nil && !strings.HasPrefix(c.Request().URL.Path, "/static/") {
			if err := a.readSession(c); err != nil {
				return err
			}
		}
		if subject, ok := a.staticToken(c.Request()); ok {
			c.Set(echoTokenSubject, subject)
		}
		return next(c)
	}
}

func (a *Auth) readSession(c *echo.Context) error {
	if _, err := c.Request().Cookie(a.cookies.name(sessionCookieBase)); err != nil {
		return nil
	}
	var sid string
	if err := a.cookies.get(c.Request(), sessionCookieBase, &sid); err != nil || sid == "" {
		a.cookies.clear(c.Response(), sessionCookieBase)
		return nil
	}
	id, err := a.sessions.Get(c.Request().Context(), sid)
	if errors.Is(err, errNoSession) {
		a.cookies.clear(c.Response(), sessionCookieBase)
		return nil
	}
	if err != nil {
		return err
	}
	a.attach(c, sid, &id)
	return nil
}

func (a *Auth) attach(c *echo.Context, sid string, id *Identity) {
	c.Set(echoSessionIDKey, sid)
	c.Set(echoIdentityKey, id)
}

// staticToken matches `Authorization: Bearer <token>` against
// backend.auth.externalAccess, in constant time.
func (a *Auth) staticToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	for _, st := range a.cfg.StaticTokens {
		if subtle.ConstantTimeCompare([]byte(st.Token), []byte(strings.TrimSpace(tok))) == 1 {
			return st.Subject, true
		}
	}
	return "", false
}

// publicPath lists what stays reachable without signing in: probes, assets,
// the sign-in pages and the OAuth endpoints. /readyz tells anonymous
// callers only whether the portal is ready; /metrics is not public unless
// metrics.public says so.
func publicPath(p string) bool {
	switch p {
	case "/healthz", "/readyz", "/signin", "/favicon.ico", "/robots.txt":
		return true
	}
	return strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/auth/")
}

// open reports whether p lies under one of Options.OpenPaths, dot segments
// resolved first (/demo-api/x/../../api is not open).
func (a *Auth) open(p string) bool {
	p = path.Clean(p)
	for _, prefix := range a.openPaths {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

func isAPIPath(p string) bool { return p == "/api" || strings.HasPrefix(p, "/api/") }

// isFeedPath reports whether p is one of the Atom feeds of API changes.
func isFeedPath(p string) bool { return strings.HasSuffix(path.Clean(p), ".atom") }

// requireSignIn enforces auth.requireSignIn: pages redirect to /signin, the
// API answers 401 in Backstage's error shape unless a static token is sent.
func (a *Auth) requireSignIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		p := c.Request().URL.Path
		if !a.cfg.RequireSignIn || publicPath(p) || a.open(p) || IdentityFrom(c) != nil {
			return next(c)
		}
		if p == "/metrics" {
			if _, ok := c.Get(echoTokenSubject).(string); ok || a.cfg.PublicMetrics {
				return next(c)
			}
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="portico"`)
			return c.String(http.StatusUnauthorized, "sign in or send a valid Authorization: Bearer token (backend.auth.externalAccess)\n")
		}
		if isFeedPath(p) && (c.Request().Method == http.MethodGet || c.Request().Method == http.MethodHead) {
			// Feed readers cannot sign in: a static token opens the feeds.
			if _, ok := c.Get(echoTokenSubject).(string); ok {
				return next(c)
			}
		}
		if isAPIPath(p) {
			if _, ok := c.Get(echoTokenSubject).(string); ok {
				return next(c)
			}
			return writeAPIError(c, http.StatusUnauthorized, "AuthenticationError", "sign in or send a valid Authorization: Bearer token")
		}
		target := "/signin?next=" + url.QueryEscape(c.Request().URL.RequestURI())
		if c.Request().Header.Get("HX-Request") == "true" {
			c.Response().Header().Set("HX-Redirect", target)
			return c.NoContent(http.StatusUnauthorized)
		}
		if c.Request().Method != http.MethodGet && c.Request().Method != http.MethodHead {
			return c.String(http.StatusUnauthorized, "sign in first")
		}
		return c.Redirect(http.StatusSeeOther, target)
	}
}

// writeAPIError answers as Backstage's backend does.
func writeAPIError(c *echo.Context, status int, name, message string) error {
	body := map[string]any{
		"error":    map[string]string{"name": name, "message": message},
		"request":  map[string]string{"method": c.Request().Method, "url": c.Request().URL.RequestURI()},
		"response": map[string]int{"statusCode": status},
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return c.JSONBlob(status, b)
}

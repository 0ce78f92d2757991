package auth

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
)

// ErrSignInRequired is what RequireUser returns when nobody is signed in; it
// is an echo HTTP error (401), so returning it from a handler works.
var ErrSignInRequired = echo.NewHTTPError(http.StatusUnauthorized, "sign in to do this")

// IdentityFrom returns the signed-in identity of the request, or nil.
func IdentityFrom(c *echo.Context) *Identity {
	id, _ := c.Get(echoIdentityKey).(*Identity)
	return id
}

// TokenSubject returns the subject of the static external-access token the
// request carried, if any.
func TokenSubject(c *echo.Context) (string, bool) {
	s, ok := c.Get(echoTokenSubject).(string)
	return s, ok
}

// ErrAuthNotInstalled is what RequireUser returns when the request did not
// pass through auth's middleware (Register was not called on this server,
// or the route bypasses it). It is a 500: a guarded action must never run
// just because the guard could not tell who is calling.
var ErrAuthNotInstalled = echo.NewHTTPError(http.StatusInternalServerError,
	"sign-in middleware is not installed on this server; refusing an action that needs a signed-in user")

// RequireUser guards actions that act for a person (try-it-out, Sync now):
// when any sign-in is configured, a signed-in user is required; a static
// API token is not a person and does not count. An open portal is stated
// explicitly, not inferred from absence: Register's middleware puts the
// Auth into every request, and an Auth with no sign-in configured is the
// "open portal" that allows everything. A request without it fails closed
// with ErrAuthNotInstalled.
func RequireUser(c *echo.Context) error {
	a, _ := c.Get(echoAuthKey).(*Auth)
	switch {
	case a == nil:
		return ErrAuthNotInstalled
	case !a.cfg.SignInEnabled():
		return nil // open portal: no sign-in configured at all
	case IdentityFrom(c) == nil:
		return ErrSignInRequired
	}
	return nil
}

// RequireUserOrToken guards catalog API writes (DELETE /entities/by-uid):
// as RequireUser, except that a valid static API token
// (backend.auth.externalAccess) also passes, since API clients act with
// one. It fails closed in the same way when auth's middleware is missing.
func RequireUserOrToken(c *echo.Context) error {
	if _, ok := TokenSubject(c); ok {
		return nil // set only by auth's middleware, after checking the token
	}
	return RequireUser(c)
}

// PageInfo gives a page handler what its page header needs: the signed-in
// user (nil when nobody), whether sign-in is configured at all, and the
// CSRF token for the page's forms (it may set the CSRF cookie, so call it
// before writing the response).
func PageInfo(c *echo.Context) (user *Identity, signIn bool, csrf string) {
	a, _ := c.Get(echoAuthKey).(*Auth)
	if a == nil {
		return nil, false, ""
	}
	return IdentityFrom(c), a.cfg.SignInEnabled(), a.csrfToken(c)
}

// OwnedByMe is the "Owned by me" filter (?owned=me) for listings: the
// condition to add to every filter set, and false when nobody is signed in
// (the listing should then hide the control or show nothing owned).
func OwnedByMe(c *echo.Context) (catalog.Condition, bool) {
	id := IdentityFrom(c)
	if id == nil {
		return catalog.Condition{}, false
	}
	return OwnedByCondition(id), true
}

// MyGroups returns the signed-in user's groups when ref is that user's own
// entity, so the entity page can show "your groups (used for ownership)";
// nil otherwise.
func MyGroups(c *echo.Context, ref catalog.Ref) []string {
	id := IdentityFrom(c)
	if !id.IsSelf(ref) {
		return nil
	}
	return id.Groups()
}

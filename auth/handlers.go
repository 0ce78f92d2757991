package auth

import (
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v5"
	"golang.org/x/oauth2"

	"github.com/porticohq/portico/catalog"
)

// pendingSignIn is the encrypted, short-lived cookie that ties GitHub's
// callback to the browser that started the sign-in.
type pendingSignIn struct {
	State    string `json:"s"`
	Verifier string `json:"v"`
	Next     string `json:"n"`
}

func (a *Auth) routes(e *echo.Echo) {
	e.GET("/signin", a.signInPage)
	e.GET("/auth/github/start", a.githubStart)
	e.GET("/auth/github/callback", a.githubCallback)
	e.POST("/auth/guest", a.guestSignIn)
	e.POST("/auth/signout", a.signOut)
	// Sign-out changes state, so it is never a GET (a link or an <img> on
	// another site must not sign anyone out).
	e.GET("/auth/signout", methodNotAllowed)
	e.GET("/auth/guest", methodNotAllowed)
}

func methodNotAllowed(c *echo.Context) error {
	c.Response().Header().Set("Allow", http.MethodPost)
	return c.String(http.StatusMethodNotAllowed, "Method Not Allowed: use the Sign out button (POST).")
}

func (a *Auth) signInPage(c *echo.Context) error {
	props := a.signInProps(safeNext(c.QueryParam("next")))
	if c.QueryParam("signedout") == "1" {
		props.Notice = "You are signed out."
	}
	return a.render(c, http.StatusOK, props)
}

// SignInView is what the sign-in page shows; Options.SignInPage renders it.
type SignInView struct {
	AppTitle string
	// Viewer is who is signed in already (nil when nobody); SignInEnabled
	// and CSRFToken are for the page header and forms, as PageInfo gives.
	Viewer        *Identity
	SignInEnabled bool
	CSRFToken     string
	GitHub        bool   // offer "Sign in with GitHub"
	Guest         bool   // offer "Continue as guest"
	Next          string // where to go after signing in (already checked to be a local path)
	// Error, when set, says why the last sign-in failed.
	Error *SignInError
	// Notice is a neutral message, e.g. "You are signed out."
	Notice string
}

// SignInError explains a failed sign-in to the person who tried.
type SignInError struct {
	Title   string // what happened, e.g. "Sign-in was cancelled"
	Message string // details
	Retry   string // how to retry
}

func (a *Auth) signInProps(next string) SignInView {
	return SignInView{AppTitle: a.appTitle, GitHub: a.github != nil, Guest: a.cfg.Guest, Next: next}
}

func (a *Auth) render(c *echo.Context, status int, v SignInView) error {
	v.Viewer, v.SignInEnabled, v.CSRFToken = PageInfo(c)
	return renderHTML(c, status, a.renderSignIn(v))
}

func renderHTML(c *echo.Context, status int, comp templ.Component) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(status)
	return comp.Render(c.Request().Context(), c.Response())
}

func (a *Auth) signInError(c *echo.Context, status int, next string, e SignInError) error {
	props := a.signInProps(next)
	props.Error = &e
	return a.render(c, status, props)
}

func (a *Auth) githubStart(c *echo.Context) error {
	if a.github == nil {
		return echo.ErrNotFound
	}
	next := safeNext(c.QueryParam("next"))
	state, err := randomToken(32)
	if err != nil {
		return err
	}
	verifier := oauth2.GenerateVerifier()
	target, err := a.github.authorizeURL(state, verifier)
	if err != nil {
		return err
	}
	if err := a.states.issue(c.Request().Context(), state); err != nil {
		return err
	}
	if err := a.cookies.set(c.Response(), stateCookieBase, pendingSignIn{State: state, Verifier: verifier, Next: next}, stateTTL); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusFound, target)
}

const retryGitHub = "Use “Sign in with GitHub” below to try again."

func (a *Auth) githubCallback(c *echo.Context) error {
	if a.github == nil {
		return echo.ErrNotFound
	}
	ctx := c.Request().Context()
	var pending pendingSignIn
	cookieErr := a.cookies.get(c.Request(), stateCookieBase, &pending)
	a.cookies.clear(c.Response(), stateCookieBase)
	state := c.QueryParam("state")
	if cookieErr != nil || state == "" || pending.State == "" || subtle.ConstantTimeCompare([]byte(state), []byte(pending.State)) != 1 {
		a.log.Warn("github sign-in: bad state", "has_cookie", cookieErr == nil, "has_state", state != "")
		return a.signInError(c, http.StatusBadRequest, "/", SignInError{
			Title:   "Sign-in could not be verified",
			Message: "This sign-in response does not belong to a sign-in started in this browser, or it was already used or is too old.",
			Retry:   retryGitHub,
		})
	}
	next := safeNext(pending.Next)
	live, err := a.states.consume(ctx, state)
	if err != nil {
		return err
	}
	if !live {
		return a.signInError(c, http.StatusBadRequest, next, SignInError{
			Title:   "Sign-in could not be verified",
			Message: "This sign-in response was already used or is too old.",
			Retry:   retryGitHub,
		})
	}
	if ghErr := c.QueryParam("error"); ghErr != "" {
		return a.githubDenied(c, next, ghErr, c.QueryParam("error_description"))
	}
	code := c.QueryParam("code")
	if code == "" {
		return a.signInError(c, http.StatusBadRequest, next, SignInError{
			Title: "GitHub sent no authorization code", Message: "The sign-in response from GitHub was incomplete.", Retry: retryGitHub,
		})
	}
	profile, err := a.github.profile(ctx, code, pending.Verifier)
	if err != nil {
		a.log.Error("github sign-in failed", "err", err)
		return a.signInError(c, http.StatusBadGateway, next, SignInError{
			Title:   "GitHub did not answer as expected",
			Message: "Portico could not finish signing you in with GitHub (GitHub may be unavailable, or it refused the sign-in).",
			Retry:   "Wait a moment, then use “Sign in with GitHub” below to try again.",
		})
	}
	return a.finishGitHub(c, profile, next)
}

func (a *Auth) githubDenied(c *echo.Context, next, code, desc string) error {
	if code == "access_denied" {
		return a.signInError(c, http.StatusForbidden, next, SignInError{
			Title:   "Sign-in was cancelled",
			Message: "You did not allow Portico to use your GitHub account, so you are not signed in.",
			Retry:   "To sign in, use “Sign in with GitHub” below and choose Authorize on GitHub.",
		})
	}
	msg := "GitHub reported an error: " + code
	if desc != "" {
		msg += " (" + desc + ")"
	}
	return a.signInError(c, http.StatusBadGateway, next, SignInError{Title: "GitHub refused the sign-in", Message: msg, Retry: retryGitHub})
}

func (a *Auth) finishGitHub(c *echo.Context, profile Profile, next string) error {
	id, err := a.chain.Resolve(c.Request().Context(), profile, a.lookup)
	var notFound *NotInCatalogError
	if errors.As(err, &notFound) {
		a.log.Info("github sign-in: user not in catalog", "login", profile.Login, "github_id", profile.ID)
		return a.signInError(c, http.StatusForbidden, next, SignInError{
			Title:   "You are not in this portal's catalog",
			Message: notFound.Error(),
			Retry:   "Ask the portal's administrators to add a User entity for you, then sign in again.",
		})
	}
	if err != nil {
		a.log.Error("github sign-in: resolve user", "login", profile.Login, "err", err)
		return a.signInError(c, http.StatusInternalServerError, next, SignInError{
			Title: "Portico could not look you up", Message: "The catalog could not be searched for your user.", Retry: retryGitHub,
		})
	}
	a.log.Info("signed in", "user", id.UserRef, "login", profile.Login, "github_id", profile.ID)
	return a.startSession(c, id, next)
}

// startSession ends any previous session and creates a new one with a new
// id, so an id planted before sign-in is worthless after it.
func (a *Auth) startSession(c *echo.Context, id Identity, next string) error {
	ctx := c.Request().Context()
	if old, ok := c.Get(echoSessionIDKey).(string); ok && old != "" {
		if err := a.sessions.Delete(ctx, old); err != nil {
			return err
		}
	}
	sid, err := a.sessions.Create(ctx, id)
	if err != nil {
		return err
	}
	if err := a.cookies.set(c.Response(), sessionCookieBase, sid, a.cfg.SessionDuration); err != nil {
		return err
	}
	a.cookies.clear(c.Response(), csrfCookieBase)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusSeeOther, next)
}

func (a *Auth) guestSignIn(c *echo.Context) error {
	if !a.cfg.Guest {
		return echo.ErrNotFound
	}
	ref, _ := catalog.ParseRef(GuestRef, "user", catalog.DefaultNamespace)
	id := Identity{UserRef: GuestRef, OwnershipRefs: []string{GuestRef}, Name: "Guest"}
	if a.lookup != nil {
		// A catalog may describe the guest (and its groups) like anyone else.
		if e, err := a.lookup.User(c.Request().Context(), ref); err == nil {
			id = identityFromEntity(e, Profile{Name: "Guest"})
		}
	}
	return a.startSession(c, id, safeNext(c.FormValue("next")))
}

func (a *Auth) signOut(c *echo.Context) error {
	if sid, ok := c.Get(echoSessionIDKey).(string); ok && sid != "" {
		if err := a.sessions.Delete(c.Request().Context(), sid); err != nil {
			return err
		}
		if id := IdentityFrom(c); id != nil {
			a.log.Info("signed out", "user", id.UserRef)
		}
	}
	a.cookies.clear(c.Response(), sessionCookieBase)
	c.Response().Header().Set("Cache-Control", "no-store")
	if c.Request().Header.Get("HX-Request") == "true" {
		c.Response().Header().Set("HX-Redirect", "/signin?signedout=1")
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, "/signin?signedout=1")
}

// Package pages serves Portico's HTML pages: home, the catalog, entity pages
// and the API explorer. Handlers read through catalog.Store, shape what they
// read into the view models of package views, and render either a whole
// page or, for an htmx request, only the region it updates.
package pages

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/providers"
	"github.com/porticohq/portico/static"
	"github.com/porticohq/portico/views"
	"github.com/porticohq/portico/web"
)

// EntityTab adds a tab to entity pages: it returns the tab for an entity,
// or false when the entity has no such tab (the API definition tab exists
// only for APIs).
type EntityTab func(e *catalog.Entity) (views.Tab, bool)

// Options configure New. Store is required.
type Options struct {
	Store    catalog.Store
	Logger   *slog.Logger
	AppTitle string // app.title
	// SignIn says whether any sign-in provider is configured; the header
	// shows a "Sign in" link when it is and the user is signed out.
	SignIn bool
	// Viewer returns the signed-in user of a request, nil when there is none.
	Viewer func(c *echo.Context) *views.User
	// CSRFToken returns the token forms that POST must carry (the sign-out
	// form in the header).
	CSRFToken func(c *echo.Context) string
	// Tabs are extra entity-page tabs, after Overview and Raw YAML.
	Tabs []EntityTab
	// OwnedBy returns the condition "owned by the signed-in user" (their
	// user ref and groups as ownedBy targets), false when nobody is signed
	// in. With it, listings offer an "Owned by me" filter (?owned=me).
	OwnedBy func(c *echo.Context) (catalog.Condition, bool)
	// MyGroups returns the signed-in user's groups when ref is their own
	// User entity (nil otherwise); the page lists them.
	MyGroups func(c *echo.Context, ref catalog.Ref) []string
	// Catalog removes orphaned entities (Delete entity).
	Catalog *catalog.Catalog
	// Locations returns the location service (registration, Refresh,
	// Unregister), nil while there is none: the catalog plugin sets it
	// after the pages register, so it is read per request.
	Locations func() catalog.LocationService
	// Runs reports a registered location's reads (the scheduler).
	Runs Runs
	// RequireUser guards the actions pages take for a person (register,
	// refresh, unregister, delete): nil lets them pass, an error refuses.
	// It is also how pages decide whether to show those buttons.
	RequireUser func(c *echo.Context) error
	// Now is the clock ("changed 3 days ago"); nil means time.Now.
	Now func() time.Time
}

// Runs reports the runs of a scheduled provider; a registered location is
// one, named after its location ("url:<target>").
type Runs interface {
	ProviderStatus(ctx context.Context, name string, recent int) (providers.ProviderStatus, error)
}

// Handler holds what every page needs. It is built once and its methods are
// the page handlers; Register lists the routes.
type Handler struct {
	store       catalog.Store
	log         *slog.Logger
	appTitle    string
	signIn      bool
	viewer      func(c *echo.Context) *views.User
	csrfToken   func(c *echo.Context) string
	ownedBy     func(c *echo.Context) (catalog.Condition, bool)
	myGroups    func(c *echo.Context, ref catalog.Ref) []string
	assets      string
	cat         *catalog.Catalog
	locations   func() catalog.LocationService
	runs        Runs
	requireUser func(c *echo.Context) error
	now         func() time.Time

	mu      sync.RWMutex
	tabs    []EntityTab
	changes APIChanges // nil while the change history is off
}

// New returns the page handlers.
func New(opts Options) *Handler {
	h := &Handler{
		store:       opts.Store,
		log:         opts.Logger,
		appTitle:    opts.AppTitle,
		signIn:      opts.SignIn,
		viewer:      opts.Viewer,
		csrfToken:   opts.CSRFToken,
		ownedBy:     opts.OwnedBy,
		myGroups:    opts.MyGroups,
		tabs:        append([]EntityTab(nil), opts.Tabs...),
		assets:      assetVersion(),
		cat:         opts.Catalog,
		locations:   opts.Locations,
		runs:        opts.Runs,
		requireUser: opts.RequireUser,
		now:         opts.Now,
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h
}

// AddTab adds an entity-page tab; features call it while they register.
func (h *Handler) AddTab(t EntityTab) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tabs = append(h.tabs, t)
}

func (h *Handler) extraTabs() []EntityTab {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.tabs
}

// Page returns the layout's view of the request: app title, active nav
// section, the signed-in user. Feature pages (API docs, providers) use it
// so every page shows the same header.
func (h *Handler) Page(c *echo.Context, title, active string) views.Page {
	p := views.Page{Title: title, AppTitle: h.appTitle, Active: active, SignIn: h.signIn, AssetVersion: h.assets}
	if h.viewer != nil {
		p.User = h.viewer(c)
	}
	if h.csrfToken != nil {
		p.CSRFToken = h.csrfToken(c)
	}
	return p
}

// isPartial reports whether to answer with only the htmx region. A history
// restore (the back button after an htmx navigation) targets the whole
// body and must get the whole page.
func isPartial(r *http.Request) bool {
	return web.IsPartial(r) &&
		r.Header.Get("HX-History-Restore-Request") != "true" &&
		r.Header.Get("HX-Request-Type") != "full"
}

// render writes a page or its region: full is the whole page, region the
// part htmx swaps. The answer varies with the htmx headers, so caches must
// keep them apart.
func render(c *echo.Context, status int, full, region templ.Component) error {
	c.Response().Header().Add("Vary", "HX-Request")
	if region != nil && isPartial(c.Request()) {
		return web.Render(c, status, region)
	}
	return web.Render(c, status, full)
}

// assetVersion is a short hash of the built CSS, so its URL changes when
// it does and browsers may cache /static for a year.
func assetVersion() string {
	b, err := static.FS.ReadFile("css/app.css")
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:4])
}

// logAside logs a failure that the page survives (a badge or a link left
// out) at level, unless the request's context has ended: a client that
// went away cancels every query, and the server logs that once, at info.
func (h *Handler) logAside(ctx context.Context, level slog.Level, msg string, args ...any) {
	web.LogAside(ctx, h.log, level, msg, args...)
}

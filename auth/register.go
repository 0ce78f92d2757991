package auth

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v5"
	"github.com/uptrace/bun"

	"github.com/porticohq/portico/catalog"
)

// Options are what Register needs from the backend.
type Options struct {
	Config Config
	// BaseURL is Portico's public URL (backend.baseUrl, else app.baseUrl,
	// else the listen address), e.g. https://portal.example.com: the GitHub
	// callback is <BaseURL>/auth/github/callback unless callbackUrl is set,
	// and cookies are Secure with the __Host- prefix when it is https. With
	// CheckHost, requests addressed to any other host are refused (DNS
	// rebinding), except those in AllowedHosts, IP addresses and localhost.
	// Empty means http://localhost:7007.
	BaseURL string
	// AllowedHosts (backend.allowedHosts) are more hosts the portal
	// answers to: "portal.internal", "portal.internal:8080", "*.corp.example".
	AllowedHosts []string
	// CheckHost turns the DNS-rebinding check on: set when the operator
	// configured the public URL (backend.baseUrl or app.baseUrl), not when
	// BaseURL is only the listen address.
	CheckHost bool
	AppTitle  string // app.title, for the sign-in pages
	// Store answers resolver lookups (User entities).
	Store catalog.Store
	// DB holds the session tables (the catalog store's database).
	DB *bun.DB
	// Resolvers are the named sign-in resolvers; nil means NewResolvers().
	Resolvers *Resolvers
	Logger    *slog.Logger
	Clock     func() time.Time
	// HTTPClient talks to GitHub; nil means a client with a 15 s timeout.
	HTTPClient *http.Client
	// OpenPaths are path prefixes of APIs the binary serves for try-it
	// (the demo Petstore under /demo-api/): they hold no session state, so
	// neither the sign-in gate nor the CSRF check applies, and the try-it
	// proxy and a pasted curl reach them as they would any upstream API.
	OpenPaths []string
	// SignInPage renders the sign-in page (choices, errors) in the portal's
	// layout; required with sign-in. auth keeps no markup of its own.
	SignInPage func(SignInView) templ.Component
}

// Auth is sign-in wired into one echo server.
type Auth struct {
	cfg          Config
	log          *slog.Logger
	now          func() time.Time
	appTitle     string
	renderSignIn func(SignInView) templ.Component
	baseOrigin   string
	cookies      *cookieJar
	openPaths    []string
	hosts        hostPolicy
	sessions     *Sessions
	states       *oauthStates
	github       *githubClient
	chain        *Chain
	lookup       Lookup
}

// Register creates auth's tables, installs its middleware on e (security
// headers and the Host check before routing; then session loading, the
// sign-in gate and CSRF for every route, whenever it was added) and adds
// the sign-in routes:
//
//	GET  /signin                 sign-in page (choices, errors)
//	GET  /auth/github/start      → GitHub, with Portico's state and PKCE
//	GET  /auth/github/callback   ← GitHub; creates the session
//	POST /auth/guest             guest sign-in, when enabled
//	POST /auth/signout           ends the session server-side
func Register(ctx context.Context, e *echo.Echo, opts Options) (*Auth, error) {
	a, err := New(ctx, opts)
	if err != nil {
		return nil, err
	}
	e.Pre(SecurityHeaders, a.checkHost)
	e.Use(a.loadSession, a.requireSignIn, a.csrf)
	a.routes(e)
	return a, nil
}

// New builds Auth without touching an echo server; Register uses it.
func New(ctx context.Context, opts Options) (*Auth, error) {
	cfg := opts.Config
	a := &Auth{
		log:          cmp.Or(opts.Logger, slog.New(slog.DiscardHandler)),
		now:          opts.Clock,
		appTitle:     cmp.Or(opts.AppTitle, "Portico"),
		renderSignIn: opts.SignInPage,
		openPaths:    opts.OpenPaths,
	}
	base, err := parseBaseURL(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	a.baseOrigin = base.Scheme + "://" + base.Host
	if a.hosts, err = newHostPolicy(base, opts.CheckHost && opts.BaseURL != "", opts.AllowedHosts); err != nil {
		return nil, err
	}
	if cfg.HashKey == nil || cfg.BlockKey == nil {
		// No auth.session.secret: only possible without GitHub. Sessions
		// then survive neither a restart nor a hop to another replica.
		cfg.HashKey, cfg.BlockKey = make([]byte, 32), make([]byte, 32)
		_, _ = rand.Read(cfg.HashKey)
		_, _ = rand.Read(cfg.BlockKey)
		if cfg.Guest {
			a.log.Warn("auth.session.secret is not set: guest sessions end when Portico restarts")
		}
	}
	if a.cookies, err = newCookieJar(base.Scheme == "https", cfg.HashKey, cfg.BlockKey, cfg.SessionDuration); err != nil {
		return nil, err
	}
	a.cfg = cfg
	if a.now == nil {
		a.now = time.Now
	}
	if cfg.SignInEnabled() {
		if a.renderSignIn == nil {
			return nil, fmt.Errorf("auth: sign-in is configured but no SignInPage was given to render it")
		}
		if err := a.openTables(ctx, opts); err != nil {
			return nil, err
		}
	}
	if opts.Store != nil {
		a.lookup = StoreLookup{Store: opts.Store}
	}
	if cfg.GitHub != nil {
		if err := a.setupGitHub(opts, base); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func parseBaseURL(raw string) (*url.URL, error) {
	raw = cmp.Or(raw, "http://localhost:7007")
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("auth: public URL %q (backend.baseUrl) is not an absolute http(s) URL", raw)
	}
	return u, nil
}

func (a *Auth) openTables(ctx context.Context, opts Options) error {
	if opts.DB == nil {
		return fmt.Errorf("auth: sign-in is configured but no database was given for sessions")
	}
	if err := Migrate(ctx, opts.DB); err != nil {
		return fmt.Errorf("auth: create session tables: %w", err)
	}
	a.sessions = NewSessions(opts.DB, a.now, a.cfg.SessionDuration, min(a.cfg.IdleTimeout, a.cfg.SessionDuration))
	a.states = &oauthStates{db: opts.DB, now: a.now}
	return nil
}

func (a *Auth) setupGitHub(opts Options, base *url.URL) error {
	gh := a.cfg.GitHub
	if opts.Store == nil && !allowsNoCatalog(gh.Resolvers) {
		return fmt.Errorf("auth: GitHub sign-in needs the catalog store for its resolvers")
	}
	resolvers := opts.Resolvers
	if resolvers == nil {
		resolvers = NewResolvers()
	}
	chain, err := resolvers.Build(gh.Resolvers, "auth.providers.github."+a.cfg.Environment+".signIn")
	if err != nil {
		return err
	}
	a.chain = chain
	callback := gh.CallbackURL
	if callback == "" {
		callback = strings.TrimRight(base.String(), "/") + "/auth/github/callback"
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	a.github = newGitHubClient(gh, callback, hc)
	return nil
}

func allowsNoCatalog(rs []ResolverConfig) bool {
	for _, r := range rs {
		if r.Name == ResolverDangerouslyAllowSignInWithoutUserInCat {
			return true
		}
	}
	return false
}

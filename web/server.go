// Package web serves Portico over HTTP with echo v5: the catalog REST API,
// the pages (templ views, htmx partials), the try-it-out proxy, health and
// metrics. Handlers read through catalog.Store and render views; they never
// touch the database directly.
package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
)

// Options configure New. Store is required; everything else has a default.
type Options struct {
	Store   catalog.Store
	Catalog *catalog.Catalog
	Logger  *slog.Logger
	// AppTitle is app.title; BaseURL is the public URL (backend.baseUrl,
	// else app.baseUrl, else the listen address).
	AppTitle string
	BaseURL  string
	// Ready reports whether the backend is ready for traffic (every
	// configured location ingested once); a non-nil error is the reason
	// /readyz gives. Nil means always ready once the database answers.
	Ready func() error
	// Metrics collects request and ingest metrics; New creates one if nil.
	Metrics *Metrics
	// Locations answers the location endpoints (GET/POST /locations, ...);
	// nil lists none and registers none.
	Locations Locations
	// CacheBytes bounds the catalog API's response cache; 0 means 32 MB and a
	// negative value disables it.
	CacheBytes int64
	// CacheTTL bounds how long a cached answer is served. The cache is
	// always dropped when the store's generation changes; a TTL matters only
	// when other processes write the same database (PostgreSQL replicas).
	// 0 means no limit.
	CacheTTL time.Duration
	// APIMiddleware runs before every /api/catalog handler (and before its
	// response cache), e.g. sign-in checks.
	APIMiddleware []echo.MiddlewareFunc
	// RequireWriter, when set, runs before every catalog API call that
	// changes the catalog (DELETE /entities/by-uid); an error refuses the
	// call. Sign-in sets it (a signed-in user or a static token).
	RequireWriter func(c *echo.Context) error
	// URLReader reads the placeholders of entities sent to
	// POST /validate-entity, relative to their url: location; nil refuses
	// placeholders there.
	URLReader *catalog.URLReader
	// AccessLog logs every request at info level (backend.logging.accessLog);
	// off, request lines are at debug level.
	AccessLog bool
}

// Server is the HTTP side of Portico. Features add their routes to Echo (or
// to a group of it) before the server starts.
type Server struct {
	Echo    *echo.Echo
	Store   catalog.Store
	Catalog *catalog.Catalog
	Log     *slog.Logger
	Title   string // app.title
	BaseURL string // the public URL, without a trailing slash
	Metrics *Metrics
	// ErrorPage renders the HTML answer for errors outside /api (the views
	// set a styled page; the default is plain text). message is safe to
	// show: internal errors arrive as a generic message.
	ErrorPage func(c *echo.Context, status int, message string) error

	log        *slog.Logger
	ready      func() error
	locations  Locations
	cache      *responseCache
	writeGuard func(c *echo.Context) error
	urls       *catalog.URLReader
	accessLog  bool
}

// New builds the server: echo with recovery, request logging and metrics,
// the error handler, /healthz, /readyz, /metrics and the catalog REST API
// under /api/catalog.
func New(opts Options) *Server {
	log := cmp.Or(opts.Logger, slog.New(slog.DiscardHandler))
	s := &Server{
		Echo:       echo.New(),
		Store:      opts.Store,
		Catalog:    opts.Catalog,
		Log:        log,
		Title:      opts.AppTitle,
		BaseURL:    opts.BaseURL,
		Metrics:    opts.Metrics,
		ErrorPage:  plainErrorPage,
		log:        log,
		ready:      opts.Ready,
		locations:  opts.Locations,
		writeGuard: opts.RequireWriter,
		urls:       opts.URLReader,
		accessLog:  opts.AccessLog,
	}
	if s.Metrics == nil {
		s.Metrics = NewMetrics()
	}
	if opts.CacheBytes >= 0 {
		s.cache = newResponseCache(cmp.Or(opts.CacheBytes, 32<<20), opts.CacheTTL)
	}
	s.Echo.Logger = log
	s.Echo.HTTPErrorHandler = s.handleError
	s.Echo.Use(s.observe, s.recover)
	s.registerOps()
	s.registerAPI(opts.APIMiddleware)
	return s
}

// SetLocations sets what answers the location endpoints; the catalog
// plugin calls it when it starts, before the server listens.
func (s *Server) SetLocations(l Locations) { s.locations = l }

// Locations returns what SetLocations set, nil before (or without) the
// catalog plugin. Pages read it per request: they register their routes
// before the catalog plugin starts.
func (s *Server) Locations() Locations { return s.locations }

// ServeHTTP lets the server be used as an http.Handler (tests, embedding).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.Echo.ServeHTTP(w, r)
}

// Start listens on address and serves until ctx ends, then shuts down
// gracefully (in-flight requests get up to 10 s).
func (s *Server) Start(ctx context.Context, address string) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", address)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", address, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends, then shuts down gracefully. Tests pass
// a listener on 127.0.0.1:0.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.log.Info("http server listening", "address", ln.Addr().String())
	sc := echo.StartConfig{
		Listener:        ln,
		HideBanner:      true,
		HidePort:        true,
		GracefulTimeout: 10 * time.Second,
		OnShutdownError: func(err error) {
			s.log.Error("graceful shutdown", "err", err)
		},
		BeforeServeFunc: func(hs *http.Server) error {
			hs.ReadHeaderTimeout = 10 * time.Second
			hs.IdleTimeout = 2 * time.Minute
			return nil
		},
	}
	if err := sc.Start(ctx, s.Echo); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http on %s: %w", ln.Addr(), err)
	}
	s.log.Info("http server stopped", "address", ln.Addr().String())
	return nil
}

// writeMetrics writes every metric, including the entity counts read from
// the store at scrape time.
func (s *Server) writeMetrics(ctx context.Context, w io.Writer) error {
	if _, err := s.Metrics.WriteTo(w); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	facets, err := s.Store.Facets(ctx, []string{"kind"}, nil)
	if err != nil {
		return fmt.Errorf("count entities by kind: %w", err)
	}
	WriteEntityCounts(w, facets["kind"])
	return nil
}

// Render writes a templ component with the given status.
func Render(c *echo.Context, status int, component templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return component.Render(c.Request().Context(), c.Response())
}

// IsPartial reports whether the request wants only the htmx fragment of a
// page: an htmx request that is not a boosted navigation.
func IsPartial(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Boosted") != "true"
}

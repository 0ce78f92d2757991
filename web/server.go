// Package web is Portico's HTTP server around echo v5: error answers
// (Backstage's JSON under /api, an HTML page elsewhere), rendering,
// request logging and metrics, recovery, /healthz, /readyz and /metrics.
// Features add their routes: the catalog REST API (web/catalogapi), the
// pages (web/pages), API docs (web/apidocs) and the providers' status
// (web/syncstatus).
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
	// Store is pinged by /readyz and counted by /metrics.
	Store  catalog.Store
	Logger *slog.Logger
	// Ready reports whether the backend is ready for traffic (every
	// configured location ingested once); a non-nil error is the reason
	// /readyz gives. Nil means always ready once the database answers.
	Ready func() error
	// Metrics collects request and ingest metrics; New creates one if nil.
	Metrics *Metrics
	// AccessLog logs every request at info level (backend.logging.accessLog);
	// off, request lines are at debug level.
	AccessLog bool
}

// Server is the HTTP side of Portico. Features add their routes to Echo (or
// to a group of it) before the server starts.
type Server struct {
	Echo    *echo.Echo
	Store   catalog.Store
	Metrics *Metrics
	// ErrorPage renders the HTML answer for errors outside /api (the views
	// set a styled page; the default is plain text). message is safe to
	// show: internal errors arrive as a generic message.
	ErrorPage func(c *echo.Context, status int, message string) error

	log       *slog.Logger
	ready     func() error
	accessLog bool
}

// New builds the server: echo with recovery, request logging and metrics,
// the error handler, /healthz, /readyz and /metrics.
func New(opts Options) *Server {
	log := cmp.Or(opts.Logger, slog.New(slog.DiscardHandler))
	s := &Server{
		Echo:      echo.New(),
		Store:     opts.Store,
		Metrics:   opts.Metrics,
		ErrorPage: plainErrorPage,
		log:       log,
		ready:     opts.Ready,
		accessLog: opts.AccessLog,
	}
	if s.Metrics == nil {
		s.Metrics = NewMetrics()
	}
	s.Echo.Logger = log
	s.Echo.HTTPErrorHandler = s.handleError
	s.Echo.Use(s.observe, s.recover)
	s.registerOps()
	return s
}

// ServeHTTP lets the server be used as an http.Handler (tests, embedding).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.Echo.ServeHTTP(w, r)
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

package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
)

// observe is the outermost middleware: it answers any error through the
// error handler itself (so the final status is known), then logs the
// request and records its duration by route template.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			s.handleError(c, err)
		}
		d := time.Since(start)
		req := c.Request()
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		resp, _ := echo.UnwrapResponse(c.Response())
		status, size := http.StatusOK, int64(0)
		if resp != nil {
			if resp.Status != 0 {
				status = resp.Status
			}
			size = resp.Size
		}
		s.Metrics.ObserveRequest(methodLabel(req.Method), route, status, d)
		level := slog.LevelInfo
		if quietPath(req.URL.Path) && status < 400 {
			level = slog.LevelDebug
		}
		if s.log.Enabled(req.Context(), level) {
			s.log.LogAttrs(req.Context(), level, "request",
				slog.String("method", req.Method), slog.String("path", req.URL.Path),
				slog.String("route", route), slog.Int("status", status),
				slog.Duration("duration", d), slog.Int64("bytes", size))
		}
		return nil
	}
}

// methodLabel is the method as a metrics label: the standard methods as
// they are, anything else (methods are case-sensitive tokens a client may
// invent) as OTHER, so clients cannot add series at will. Routes need no
// such care: c.Path() is a pattern the router knows, or empty.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// quietPath reports paths that probes and browsers hit constantly; they are
// logged at debug level unless they fail.
func quietPath(path string) bool {
	return strings.HasPrefix(path, "/static/") || path == "/healthz" || path == "/readyz" ||
		path == "/metrics" || path == "/favicon.ico"
}

// recover turns a panic in a handler into a 500 (logged with its stack)
// instead of a dropped connection.
func (s *Server) recover(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) (err error) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if r == http.ErrAbortHandler {
				panic(r)
			}
			stack := make([]byte, 8<<10)
			stack = stack[:runtime.Stack(stack, false)]
			s.log.Error("panic in handler", "method", c.Request().Method,
				"path", c.Request().URL.Path, "panic", fmt.Sprint(r), "stack", string(stack))
			err = fmt.Errorf("panic: %v", r)
		}()
		return next(c)
	}
}

package web

import (
	"context"
	"errors"
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
// request and records its duration by route template. Request lines are
// at debug level unless Options.AccessLog (backend.logging.accessLog) is
// on; failures are logged by the error handler at warn or error whatever
// the setting, and a client that went away is logged at info.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		start := time.Now()
		req := c.Request()
		gone := false
		if err := next(c); err != nil {
			if gone = clientGone(req); !gone {
				s.handleError(c, err)
			}
		}
		d := time.Since(start)
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
		if gone {
			// Nobody reads an answer; nginx's 499 says so in logs and
			// metrics. Not an error: clients close tabs and time out.
			status = statusClientClosedRequest
			s.log.LogAttrs(req.Context(), slog.LevelInfo, "client closed the request before the answer",
				slog.String("method", req.Method), slog.String("path", req.URL.Path),
				slog.String("route", route), slog.Duration("duration", d))
		}
		s.Metrics.ObserveRequest(methodLabel(req.Method), route, status, d)
		level := slog.LevelDebug
		if s.accessLog && (!quietPath(req.URL.Path) || status >= 400) {
			level = slog.LevelInfo
		}
		if !gone && s.log.Enabled(req.Context(), level) {
			s.log.LogAttrs(req.Context(), level, "request",
				slog.String("method", req.Method), slog.String("path", req.URL.Path),
				slog.String("route", route), slog.Int("status", status),
				slog.Duration("duration", d), slog.Int64("bytes", size))
		}
		return nil
	}
}

// statusClientClosedRequest is nginx's status for a request whose client
// went away before the answer.
const statusClientClosedRequest = 499

// clientGone reports whether a request failed because its client went away
// (its context is canceled): whatever error the handler wrapped that in,
// it is not the portal failing.
func clientGone(req *http.Request) bool {
	return errors.Is(req.Context().Err(), context.Canceled)
}

// LogAside logs a failure a page survives (a badge, a side list), unless
// the request's client went away: its cancelled queries are not the
// portal failing, and the access log already says the client left.
func LogAside(ctx context.Context, log *slog.Logger, level slog.Level, msg string, args ...any) {
	if errors.Is(ctx.Err(), context.Canceled) {
		return
	}
	log.Log(ctx, level, msg, args...)
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

// quietPath reports paths that probes and browsers hit constantly; with
// the access log on they stay at debug level unless they fail.
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

package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/auth"
)

// registerOps adds the endpoints operators and orchestrators poll.
//
//	GET /healthz  the process is up (liveness)
//	GET /readyz   the database answers and the first ingest is done (readiness)
//	GET /metrics  Prometheus text format
func (s *Server) registerOps() {
	s.Echo.GET("/healthz", s.healthz)
	s.Echo.GET("/readyz", s.readyz)
	s.Echo.GET("/metrics", s.metrics)
}

func (s *Server) healthz(c *echo.Context) error {
	return WriteBody(c, http.StatusOK, echo.MIMETextPlainCharsetUTF8, []byte("ok\n"))
}

// readyStatus is the JSON body of /readyz.
type readyStatus struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// readyz answers 200 or 503. Which check failed (the database, the
// locations still loading) is told only to signed-in users and static-token
// callers: anonymous probes need the status alone.
func (s *Server) readyz(c *echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	st, status := readyStatus{Status: "ok"}, http.StatusOK
	if err := s.Store.Ping(ctx); err != nil {
		// The driver's text (addresses, user names) stays in the log.
		s.log.Warn("readiness: database ping failed", "err", err)
		st, status = readyStatus{Status: "unavailable", Reason: "database unreachable"}, http.StatusServiceUnavailable
	} else if s.ready != nil {
		if err := s.ready(); err != nil {
			st, status = readyStatus{Status: "unavailable", Reason: err.Error()}, http.StatusServiceUnavailable
		}
	}
	if !mayReadDetails(c) {
		st.Reason = ""
	}
	body, _ := json.Marshal(st)
	return WriteBody(c, status, mimeJSON, body)
}

func (s *Server) metrics(c *echo.Context) error {
	var buf bytes.Buffer
	if err := s.writeMetrics(c.Request().Context(), &buf); err != nil {
		return err
	}
	return WriteBody(c, http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", buf.Bytes())
}

// mayReadDetails reports whether the caller is a signed-in user or carries
// a static API token.
func mayReadDetails(c *echo.Context) bool {
	if auth.IdentityFrom(c) != nil {
		return true
	}
	_, ok := auth.TokenSubject(c)
	return ok
}

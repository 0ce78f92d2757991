// Package web serves Portico over HTTP with echo v5: the catalog REST API,
// the pages (templ views, htmx partials), the try-it-out proxy, health and
// metrics. Handlers read through catalog.Store and render views; they never
// touch the database directly.
package web

import (
	"log/slog"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
)

// Server is the HTTP side of Portico. Features add their routes to Echo (or
// to a group of it) before the server starts.
type Server struct {
	Echo    *echo.Echo
	Store   catalog.Store
	Catalog *catalog.Catalog
	Log     *slog.Logger
	Title   string // app.title
	BaseURL string // app.baseUrl
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

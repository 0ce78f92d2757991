package pages

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/static"
)

// Register adds every page route to e. This is the one list of the pages
// this package serves.
func (h *Handler) Register(e *echo.Echo) {
	// Embedded CSS, htmx and icons; cached for long (the stylesheet URL
	// carries a content version, htmx's name carries its version).
	e.StaticFS("/static", echo.MustSubFS(static.FS, "."), cacheStatic)

	// Home: counts by kind, recently changed entities, source problems.
	page(e, "/", h.home)

	// The catalog: facet filters, text search, keyset pages; the results
	// region alone for htmx requests.
	page(e, "/catalog", h.catalog)

	// An entity's Overview tab, and its Raw YAML tab. Features add more
	// tabs with AddTab and serve them under the same prefix.
	page(e, "/catalog/:namespace/:kind/:name", h.entity)
	page(e, "/catalog/:namespace/:kind/:name/yaml", h.entityYAML)

	// The API explorer: the catalog listing fixed to kind=api.
	page(e, "/apis", h.apis)

	// Register an API: the URL form, Analyze (a dry run; the preview region
	// alone for htmx), Register (303 to the location's page), and a
	// location's page, which polls its first read and lists its entities.
	page(e, "/catalog-import", h.registerPage)
	e.POST("/catalog-import/analyze", h.analyzeLocation)
	e.POST("/catalog-import/register", h.registerLocation)
	page(e, "/catalog-import/location", h.importedLocation)

	// Entity actions, for those RequireUser lets through: Refresh, and
	// Unregister and Delete entity, each a confirmation step (GET: a page,
	// or a panel for htmx) and the action (POST, then 303).
	e.POST("/catalog/:namespace/:kind/:name/actions/refresh", h.refreshEntity)
	page(e, "/catalog/:namespace/:kind/:name/actions/unregister", h.confirmUnregister)
	e.POST("/catalog/:namespace/:kind/:name/actions/unregister", h.unregisterLocation)
	page(e, "/catalog/:namespace/:kind/:name/actions/delete", h.confirmDelete)
	e.POST("/catalog/:namespace/:kind/:name/actions/delete", h.deleteEntity)
}

// page routes GET and HEAD (link checkers and monitors send HEAD) to h.
func page(e *echo.Echo, path string, h echo.HandlerFunc) {
	e.Match([]string{http.MethodGet, http.MethodHead}, path, h)
}

// cacheStatic lets browsers keep static assets for a year. Files whose
// names or URLs do not change with their content must be requested with a
// version (?v=), which the layout does for the stylesheet.
func cacheStatic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		maxAge := "public, max-age=31536000, immutable"
		r := c.Request()
		if r.URL.Query().Get("v") == "" && !strings.HasPrefix(r.URL.Path, "/static/vendor/") {
			maxAge = "public, max-age=3600"
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			c.Response().Header().Set("Cache-Control", maxAge)
		}
		return next(c)
	}
}

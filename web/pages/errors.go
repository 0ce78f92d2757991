package pages

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/views"
)

// ErrorPage renders the HTML error page; the server uses it for every
// error outside /api (set web.Server.ErrorPage to it), unknown routes
// included. message is already safe to show.
func (h *Handler) ErrorPage(c *echo.Context, status int, message string) error {
	title := http.StatusText(status)
	switch {
	case status == http.StatusNotFound:
		title = "Page not found"
		if message == "" || message == http.StatusText(status) {
			message = "There is nothing at " + c.Request().URL.Path + "."
		}
	case status >= 500:
		title = "Something went wrong"
		if message == "" || message == "internal error" || message == http.StatusText(status) {
			message = "The portal could not answer this request. The error has been logged."
		}
	}
	return h.renderError(c, status, title, message)
}

// renderError writes the error page, or only its panel when htmx asked
// for a region (htmx 4 swaps error bodies in).
func (h *Handler) renderError(c *echo.Context, status int, title, message string) error {
	full := views.ErrorPage(h.Page(c, title, ""), status, title, message)
	return render(c, status, full, views.ErrorPanel(status, title, message))
}

// jsonOf marshals an entity as the API returns it.
func jsonOf(e *catalog.Entity) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode entity %s: %w", e.Ref(), err)
	}
	return b, nil
}

package appplugin

import (
	"context"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/views"
)

// Extensions is the extension point the app plugin (id "app") offers:
// tabs on entity pages and extra routes, rendered on the server. A module
// finds it with portico.ExtensionPoint[appplugin.Extensions](r).
type Extensions interface {
	// AddEntityTab adds a tab to the pages of entities whose kind is in
	// tab.Kinds (all kinds when empty). Tab ids are unique: a second tab
	// with the same id stops start-up with an error naming it.
	AddEntityTab(tab EntityTab)
	// AddRoute serves h at method and path (e.g. GET /frobs/:name);
	// paths under /api belong to plugins' own routers instead.
	AddRoute(method, path string, h echo.HandlerFunc)
	// Page returns the layout data for a request (app title, the
	// signed-in user, CSRF token), so a module's own pages render inside
	// views.Layout like every other page. active is the nav section
	// (views.NavCatalog, views.NavAPIs, ...).
	Page(c *echo.Context, title, active string) views.Page
	// EntityPage wraps content as the tab named tab of ref's entity page:
	// the layout, the entity's header and its tab bar. A feature that
	// serves a tab on its own route (the API definition) renders with it.
	EntityPage(c *echo.Context, ref catalog.Ref, tab string, content templ.Component) (templ.Component, error)
}

// EntityTab is a tab on entity pages, rendered server-side when the tab is
// opened. Its URL is the entity page's URL plus "/" + ID.
type EntityTab struct {
	// ID is the tab's path segment, unique among tabs, e.g. "frobs".
	ID string
	// Title is the tab's label.
	Title string
	// Kinds limits the tab to these entity kinds (case-insensitive); empty
	// means every kind.
	Kinds []string
	// Render returns the tab's content for entity, shown inside the
	// entity page's frame (header and tab bar). An error is shown in the
	// tab instead of the content. When Render is nil only the tab link is
	// added and the module serves <entity page>/<ID> itself.
	Render func(ctx context.Context, entity *catalog.Entity) (templ.Component, error)
}

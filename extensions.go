package portico

import (
	"context"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/auth"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/providers"
	"github.com/porticohq/portico/views"
)

// CatalogExtensions is the extension point the catalog plugin (id
// "catalog") offers its modules, as Backstage's catalogProcessingExtensionPoint:
//
//	portico.NewModule("catalog", "frobs", func(r portico.ModuleRegistrar) error {
//		var cat portico.CatalogExtensions
//		if !r.ExtensionPoint(&cat) {
//			return errors.New("the catalog plugin offers no CatalogExtensions")
//		}
//		cat.AddEntityProvider(frobs.New(...))
//		return nil
//	})
//
// Everything added here takes effect when the catalog plugin starts, after
// all of its modules have initialised.
type CatalogExtensions interface {
	// AddEntityProvider adds a source of entities. The catalog connects it
	// at start; a providers.ScheduledProvider is also handed to the
	// scheduler, which runs it on its schedule (one runner across replicas).
	AddEntityProvider(p providers.EntityProvider)
	// AddProcessor adds an ingest step that every entity passes through
	// after validation, in the order processors were added. A processor may
	// change the entity, emit relations and report problems; a problem marks
	// only that entity, which keeps its last good version.
	AddProcessor(p catalog.Processor)
	// AddKind makes the catalog accept entities of another kind (or a
	// built-in kind at another apiVersion). As in Backstage, an entity
	// whose kind and apiVersion match no registered kind is refused. An
	// invalid or already registered kind stops the catalog from starting.
	AddKind(k catalog.Kind)
	// AddLocationReader makes catalog.locations entries of locationType
	// work: each such location becomes a scheduled provider named
	// "<type>:<target>" whose runs call r.
	AddLocationReader(locationType string, r LocationReader)
}

// LocationReader reads one configured catalog location of a custom type
// (catalog.locations: [{type: system-x, target: ...}]) and returns the
// entities it holds. It is the Go form of a Backstage processor's
// readLocation. A reader that also implements Scheduled decides how often
// its locations are read; the default is every catalog.processingInterval.
type LocationReader interface {
	ReadLocation(ctx context.Context, target string) (catalog.Mutation, error)
}

// LocationReaderFunc adapts a function to LocationReader.
type LocationReaderFunc func(ctx context.Context, target string) (catalog.Mutation, error)

// ReadLocation calls f.
func (f LocationReaderFunc) ReadLocation(ctx context.Context, target string) (catalog.Mutation, error) {
	return f(ctx, target)
}

// Scheduled is implemented by a LocationReader that wants its own schedule.
type Scheduled interface {
	Schedule() providers.Schedule
}

// PagesExtensions is the extension point the app plugin (id "app") offers:
// tabs on entity pages and extra routes, rendered on the server.
type PagesExtensions interface {
	// AddEntityTab adds a tab to the pages of entities whose kind is in
	// tab.Kinds (all kinds when empty).
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

// SignInExtensions is the extension point the auth plugin (id "auth")
// offers: named sign-in resolvers that config can then list under
// auth.providers.github.<env>.signIn.resolvers.
type SignInExtensions interface {
	AddSignInResolver(name string, r auth.SignInResolver)
}

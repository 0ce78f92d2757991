package pages

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/views"
)

// Tab ids of the built-in entity tabs.
const (
	TabOverview = "overview"
	TabYAML     = "yaml"
)

// entity renders an entity's Overview tab.
func (h *Handler) entity(c *echo.Context) error {
	frame, e, err := h.EntityFrame(c, TabOverview)
	if err != nil {
		return h.entityError(c, err)
	}
	p := h.Page(c, frame.Header.Title, views.NavCatalog)
	o := entityOverview(e)
	if h.myGroups != nil {
		for _, g := range h.myGroups(c, e.Ref()) {
			o.MyGroups = append(o.MyGroups, refLink(g, "group", catalog.DefaultNamespace))
		}
	}
	return render(c, http.StatusOK, views.EntityOverviewPage(p, frame, o), nil)
}

// EntityFrame loads the entity named by the route's :namespace, :kind and
// :name and builds the header and tab bar every tab shows, with active
// marked. Features serving their own tab (the API definition) call it and
// render views.EntityShell. An unknown entity is catalog.ErrNotFound.
func (h *Handler) EntityFrame(c *echo.Context, active string) (views.EntityFrame, *catalog.Entity, error) {
	return h.EntityFrameFor(c, catalog.Ref{Kind: c.Param("kind"), Namespace: c.Param("namespace"), Name: c.Param("name")}, active)
}

// EntityFrameFor is EntityFrame for a ref the route does not spell out in
// full (the API definition's route fixes the kind).
func (h *Handler) EntityFrameFor(c *echo.Context, ref catalog.Ref, active string) (views.EntityFrame, *catalog.Entity, error) {
	se, err := h.store.ByRef(c.Request().Context(), ref)
	if err != nil {
		return views.EntityFrame{}, nil, fmt.Errorf("read entity %s: %w", ref, err)
	}
	e, err := se.Decode()
	if err != nil {
		return views.EntityFrame{}, nil, fmt.Errorf("decode entity %s: %w", ref, err)
	}
	return h.EntityFrameOf(c, se, e, active), e, nil
}

// EntityFrameOf is EntityFrame for an entity the caller has already read
// and decoded: the API definition keeps its (possibly 13 MB) entity
// decoded, and reading it again for the frame cost more than the page.
func (h *Handler) EntityFrameOf(c *echo.Context, se *catalog.StoredEntity, e *catalog.Entity, active string) views.EntityFrame {
	header := entityHeader(se, e)
	header.Change = h.headerChangeBadge(c.Request().Context(), e.Ref())
	return views.EntityFrame{
		Header:  header,
		Tabs:    h.entityTabs(e),
		Active:  active,
		Actions: h.entityActions(c, se, e),
	}
}

// entityTabs lists Overview, the tabs features added (Definition,
// Changes, ...) and Raw, the entity as stored: one row of tabs, "Overview |
// Definition | Changes | Raw" on an API, with nothing nested below it.
func (h *Handler) entityTabs(e *catalog.Entity) []views.Tab {
	base := entityURL(e.Ref())
	tabs := []views.Tab{{ID: TabOverview, Title: "Overview", URL: base}}
	for _, t := range h.extraTabs() {
		if tab, ok := t(e); ok {
			tabs = append(tabs, tab)
		}
	}
	return append(tabs, views.Tab{ID: TabYAML, Title: "Raw", URL: base + "/yaml"})
}

// entityError answers an unknown entity with the 404 page and passes any
// other error on to the server's error handler.
func (h *Handler) entityError(c *echo.Context, err error) error {
	if errors.Is(err, catalog.ErrNotFound) || catalog.ErrorCode(err) == catalog.ENOTFOUND {
		ref := catalog.Ref{Kind: c.Param("kind"), Namespace: c.Param("namespace"), Name: c.Param("name")}
		return h.renderError(c, http.StatusNotFound, "Entity not found",
			fmt.Sprintf("There is no entity %s in the catalog. It may have been removed or renamed.", ref))
	}
	return err
}

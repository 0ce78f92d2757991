package apidocs

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v5"

	av "github.com/porticohq/portico/views/apidocs"
	"github.com/porticohq/portico/web"
)

// ops serves a run of an OpenAPI definition's operations (htmx): the next
// chunk as the reader scrolls (?from=), the ones before a deep link
// (?from=&to=), or the chunk holding an operation, opened (?op=, from the
// sidebar or a fragment the page does not hold yet). Without htmx it
// redirects to the Definition tab showing the same.
func (h *Handler) ops(c *echo.Context) error {
	d, err := h.loadAPI(c)
	if err != nil {
		return err
	}
	q, key := c.QueryParam("q"), c.QueryParam("op")
	base := DefinitionURL(d.ref)
	if !web.IsPartial(c.Request()) {
		return c.Redirect(http.StatusSeeOther, base+"?"+c.QueryParams().Encode())
	}
	if !d.isOpenAPI() {
		return echo.NewHTTPError(http.StatusNotFound, "not an OpenAPI definition")
	}
	sum, err := h.cache.Summary(d.hash, d.data)
	if err != nil {
		return web.Render(c, http.StatusOK, av.OperationDetails(av.OperationView{Error: err.Error()}))
	}
	o := d.outline(sum)
	sel := o.selection(q)
	from, explicitTo := startOf(c, o, sel, key, c.QueryParam("tag")), false
	to := from + av.OperationsPerChunk
	if t, err := strconv.Atoi(c.QueryParam("to")); err == nil && t > from && key == "" {
		to, explicitTo = min(t, from+av.OperationsPerChunk), true
	}
	chunk := o.chunk(base, q, sel, from, to, explicitTo)
	if key == "" && !explicitTo {
		// Appended below what the page shows: no heading for a tag it
		// continues, and no way back to what is already above it.
		o.continues(&chunk, sel)
		chunk.EarlierURL, chunk.EarlierPage = "", ""
	}
	if at := o.find(sel, key); at >= 0 {
		ov := h.operationView(c, d, sum, o.ops[sel[at]].op.Key)
		chunk.Open = &ov
	}
	return web.Render(c, http.StatusOK, av.OperationChunk(chunk))
}

// sidebar serves the sidebar's list (htmx): filtered as the reader types
// (?q=), or one tag's operations when its section is opened (?tag=).
func (h *Handler) sidebar(c *echo.Context) error {
	d, err := h.loadAPI(c)
	if err != nil {
		return err
	}
	base := DefinitionURL(d.ref)
	if !web.IsPartial(c.Request()) {
		return c.Redirect(http.StatusSeeOther, base+"?"+c.QueryParams().Encode())
	}
	q := c.QueryParam("q")
	if hasReference(d.typ) {
		page, _ := strconv.Atoi(c.QueryParam("page"))
		return web.Render(c, http.StatusOK, av.SidebarListing(filtered(atPage(d.reference(), page), q).SidebarList(base)))
	}
	if !d.isOpenAPI() {
		return echo.NewHTTPError(http.StatusNotFound, "this definition has no sidebar")
	}
	sum, err := h.cache.Summary(d.hash, d.data)
	if err != nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, err.Error())
	}
	o := d.outline(sum)
	if tag := c.QueryParam("tag"); tag != "" {
		s, ok := o.section(base, tag, "")
		if !ok {
			return echo.NewHTTPError(http.StatusNotFound, "no tag "+strconv.Quote(tag))
		}
		return web.Render(c, http.StatusOK, av.SidebarItems(s))
	}
	return web.Render(c, http.StatusOK, av.SidebarListing(o.sidebar(base, q, o.selection(q), "", "")))
}

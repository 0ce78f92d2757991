package apichanges

import (
	"context"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/web"
)

// Page serves the Changes tab of API entity pages:
//
//	GET /catalog/:namespace/api/:name/changes?from=ID&to=ID
//
// to defaults to the current version and from to the version before it.
type Page struct {
	History *apihistory.Store
	Differ  Differ
	// EntityPage wraps the tab in the entity page (layout, header, tabs).
	EntityPage func(c *echo.Context, ref catalog.Ref, tab string, content templ.Component) (templ.Component, error)
	// Catalog, when set, lists the API's consumers under a diff with
	// breaking changes.
	Catalog catalog.Store
	// OperationURL links an operation (by its key) on the API's
	// Definition tab; nil leaves operations unlinked.
	OperationURL func(ref catalog.Ref, opKey string) string
	// ItemURLs links the items of an AsyncAPI, GraphQL or gRPC definition
	// on the API's Definition tab, keyed as the structural diff names its
	// sections ("channel x", "object Film", "service pkg.S"; see
	// apidocs.ItemURLs); nil leaves them unlinked.
	ItemURLs func(ctx context.Context, ref catalog.Ref, specType string, definition []byte) map[string]string
}

// Path is the tab's route.
const Path = "/catalog/:namespace/api/:name/changes"

// Serve is the tab's handler.
func (p *Page) Serve(c *echo.Context) error {
	ref := catalog.Ref{Kind: "API", Namespace: c.Param("namespace"), Name: c.Param("name")}
	v, status := p.view(c, ref)
	c.Response().Header().Add("Vary", "HX-Request")
	if web.IsPartial(c.Request()) {
		return web.Render(c, status, Tab(v))
	}
	page, err := p.EntityPage(c, ref, "changes", Tab(v))
	if err != nil {
		return err
	}
	return web.Render(c, status, page)
}

func (p *Page) view(c *echo.Context, ref catalog.Ref) (TabView, int) {
	ctx := c.Request().Context()
	v := TabView{API: ref.String(), Action: tabURL(ref)}
	tl, err := p.History.Timeline(ctx, ref.Key())
	if err != nil {
		v.Diff = &DiffView{Title: "Changes", Error: "The version history cannot be read right now."}
		return v, http.StatusInternalServerError
	}
	if len(tl) == 0 {
		return v, http.StatusOK
	}
	v.Versions = timelineRows(ref, tl)
	to, err := pick(tl, c.QueryParam("to"), tl[0].ID, "to")
	if err == nil {
		var from int
		from, err = pick(tl, c.QueryParam("from"), tl[to].PrevID, "from")
		if err == nil && from >= 0 {
			v.From, v.To = tl[from].ID, tl[to].ID
			v.Diff = p.diff(c, ref, tl, from, to)
		} else if err == nil {
			v.From, v.To = tl[to].ID, tl[to].ID // the first version: nothing to compare yet
		}
	}
	if err != nil {
		v.Diff = &DiffView{Title: "Changes", Error: err.Error()}
		return v, http.StatusBadRequest
	}
	return v, http.StatusOK
}

func (p *Page) diff(c *echo.Context, ref catalog.Ref, tl []apihistory.Entry, from, to int) *DiffView {
	title := "Changes from " + versionLabel(tl[from]) + " to " + versionLabel(tl[to])
	rep, err := p.Differ.DiffBetween(c.Request().Context(), tl[from].ID, tl[to].ID)
	if err != nil {
		msg := "The comparison failed; try again later."
		if catalog.ErrorCode(err) == catalog.EINVALID {
			msg = err.Error()
		}
		return &DiffView{Title: title, Error: msg}
	}
	var link func(string) string
	if p.OperationURL != nil {
		link = func(key string) string { return p.OperationURL(ref, key) }
	}
	d := diffView(rep, to == 0, link, p.itemURLs(c.Request().Context(), ref, tl[to], to == 0))
	d.Title = title
	if rep.Counts.Breaking > 0 && p.Catalog != nil {
		d.ShowConsumers = true
		if d.Consumers, err = consumers(c.Request().Context(), p.Catalog, ref); err != nil {
			d.ConsumersError = "The consumers of this API cannot be read right now."
		}
	}
	return d
}

// itemURLs links the items of the current definition when it is not
// OpenAPI (whose groups link by operation key); nil when there is nothing
// to link or the definition cannot be read.
func (p *Page) itemURLs(ctx context.Context, ref catalog.Ref, e apihistory.Entry, current bool) map[string]string {
	if p.ItemURLs == nil || !current || strings.EqualFold(e.SpecType, apidiff.TypeOpenAPI) {
		return nil
	}
	def, err := p.History.Definition(ctx, e.ID)
	if err != nil {
		return nil // the diff still shows, unlinked
	}
	return p.ItemURLs(ctx, ref, e.SpecType, def)
}

func versionLabel(e apihistory.Entry) string {
	label := e.CurrentSince.Format("2006-01-02 15:04")
	if e.InfoVersion != "" {
		label = e.InfoVersion + " (" + label + ")"
	}
	return label
}

package apidocs

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog/openapi"
	av "github.com/porticohq/portico/views/apidocs"
	"github.com/porticohq/portico/web"
)

// The models section (components.schemas, 2.0 definitions) and 3.1
// webhooks of the definition page: listed from the cheap summary, each
// opened lazily (htmx) like an operation, so a definition with thousands
// of schemas keeps a light page.

// modelLinks gives every model of a definition its id (the anchor is
// "model-"+id) and links $refs in schema views to it.
type modelLinks struct {
	base string
	ids  map[string]string // name → id
}

// newModelLinks assigns ids to names in order: the name reduced to id-safe
// characters, made unique with a numeric suffix.
func newModelLinks(base string, names []string) *modelLinks {
	l := &modelLinks{base: base, ids: make(map[string]string, len(names))}
	used := make(map[string]bool, len(names))
	for _, n := range names {
		id := openapi.Slug(n)
		if id == "" {
			id = "model"
		}
		for i, stem := 2, id; used[id]; i++ {
			id = stem + "-" + strconv.Itoa(i)
		}
		used[id] = true
		l.ids[n] = id
	}
	return l
}

// url links the named model, or "" when it is not one of the definition's.
func (l *modelLinks) url(name string) string {
	if l == nil || name == "" {
		return ""
	}
	id, ok := l.ids[name]
	if !ok {
		return ""
	}
	return modelURL(l.base, id)
}

func modelURL(base, id string) string { return base + "?model=" + id + "#model-" + id }

// name is the model with the given id.
func (l *modelLinks) name(id string) (string, bool) {
	for n, i := range l.ids {
		if i == id {
			return n, true
		}
	}
	return "", false
}

// pageOfModels keeps one page of the models (the page holding open when it
// is set).
func pageOfModels(names []string, links *modelLinks, page int, open string) ([]av.ModelItem, av.Pager) {
	total := len(names)
	if open != "" {
		for i, n := range names {
			if links.ids[n] == open {
				page = i/av.ModelsPerPage + 1
			}
		}
	}
	pages := max(1, (total+av.ModelsPerPage-1)/av.ModelsPerPage)
	page = min(max(page, 1), pages)
	from, to := (page-1)*av.ModelsPerPage, min(page*av.ModelsPerPage, total)
	out := make([]av.ModelItem, 0, to-from)
	for _, n := range names[from:to] {
		out = append(out, av.ModelItem{Name: n, ID: links.ids[n]})
	}
	return out, av.Pager{Page: page, Pages: pages, Total: total}
}

// fillModelsAndWebhooks lists the summary's webhooks and a page of its
// models, and opens the ones the URL names (?webhook=, ?model=).
func (h *Handler) fillModelsAndWebhooks(c *echo.Context, d *apiDef, v *av.DefinitionView, sum *openapi.Summary) {
	for _, w := range sum.Webhooks {
		v.Webhooks = append(v.Webhooks, opSummaryView(w))
	}
	if key := c.QueryParam("webhook"); key != "" {
		wv := h.webhookView(c, d, sum, key)
		v.OpenWebhook = &wv
	}
	open := c.QueryParam("model")
	if c.QueryParam("models") == "" && open == "" {
		// The section loads its list when opened (models).
		v.ModelPager = av.Pager{Page: 1, Total: len(sum.Models)}
		return
	}
	links := newModelLinks(v.BaseURL, sum.Models)
	page, _ := strconv.Atoi(c.QueryParam("models"))
	v.Models, v.ModelPager = pageOfModels(sum.Models, links, page, open)
	if open != "" {
		mv := h.modelView(c, d, sum, open)
		v.OpenModel = &mv
	}
}

// models serves a page of the models section (?models=N): the htmx
// fragment, or without htmx a redirect to the definition page showing it.
func (h *Handler) models(c *echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("models"))
	page = max(page, 1)
	return h.serveFragment(c, fragment{
		whole: func(d *apiDef) error {
			return c.Redirect(http.StatusSeeOther, DefinitionURL(d.ref)+"?models="+strconv.Itoa(page)+"#models-heading")
		},
		failed: func(err error) error {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "the definition cannot be read: "+err.Error())
		},
		show: func(d *apiDef, sum *openapi.Summary) error {
			v := h.baseView(d)
			v.Models, v.ModelPager = pageOfModels(sum.Models, newModelLinks(v.BaseURL, sum.Models), page, "")
			return web.Render(c, http.StatusOK, av.ModelList(v))
		},
	})
}

// model serves one opened model: the htmx fragment, or without htmx a
// redirect to the definition page with the model open.
func (h *Handler) model(c *echo.Context) error {
	id := c.Param("model")
	return h.serveFragment(c, fragment{
		whole: func(d *apiDef) error {
			return c.Redirect(http.StatusSeeOther, modelURL(DefinitionURL(d.ref), openapi.Slug(id)))
		},
		failed: func(err error) error {
			return web.Render(c, http.StatusOK, av.ModelDetails(av.ModelView{ID: id, Error: err.Error()}))
		},
		show: func(d *apiDef, sum *openapi.Summary) error {
			return web.Render(c, http.StatusOK, av.ModelDetails(h.modelView(c, d, sum, id)))
		},
	})
}

// webhook serves one opened webhook, like model.
func (h *Handler) webhook(c *echo.Context) error {
	key := c.Param("key")
	return h.serveFragment(c, fragment{
		whole: func(d *apiDef) error {
			k := openapi.Slug(key)
			return c.Redirect(http.StatusSeeOther, DefinitionURL(d.ref)+"?webhook="+k+"#webhook-"+k)
		},
		failed: func(err error) error {
			return web.Render(c, http.StatusOK, av.WebhookDetails(av.OperationView{Key: key, Error: err.Error()}))
		},
		show: func(d *apiDef, sum *openapi.Summary) error {
			return web.Render(c, http.StatusOK, av.WebhookDetails(h.webhookView(c, d, sum, key)))
		},
	})
}

// loadedDefinition waits for the full definition as an opened operation
// does; the string is the error to show and whether to retry.
func (h *Handler) loadedDefinition(c *echo.Context, d *apiDef) (*openapi.Definition, string, bool) {
	def, err := h.cache.Definition(c.Request().Context(), d.defKey, d.data, h.reader(d))
	switch {
	case errors.Is(err, openapi.ErrStillLoading) || errors.Is(err, openapi.ErrBusy):
		return nil, "This definition is large and still loading…", true
	case err != nil:
		return nil, "The definition could not be loaded: " + err.Error(), false
	}
	return def, "", false
}

func (h *Handler) modelView(c *echo.Context, d *apiDef, sum *openapi.Summary, id string) av.ModelView {
	base := DefinitionURL(d.ref)
	v := av.ModelView{BaseURL: base, ID: id}
	links := newModelLinks(base, sum.Models)
	name, ok := links.name(id)
	if !ok {
		v.Error = fmt.Sprintf("This definition has no model %q.", id)
		return v
	}
	v.Name = name
	def, msg, retry := h.loadedDefinition(c, d)
	if def == nil {
		v.Error, v.Retry = msg, retry
		return v
	}
	m, ok := def.Model(name)
	if !ok {
		v.Error = fmt.Sprintf("The model %q could not be read from the definition.", name)
		return v
	}
	v.Model = &av.Model{
		Description: m.Description, Schema: schemaNodeView(m.Schema, links),
		Example: m.Example, Generated: m.Generated, Truncated: m.Truncated,
	}
	return v
}

func (h *Handler) webhookView(c *echo.Context, d *apiDef, sum *openapi.Summary, key string) av.OperationView {
	base := DefinitionURL(d.ref)
	v := av.OperationView{BaseURL: base, Key: key}
	def, msg, retry := h.loadedDefinition(c, d)
	if def == nil {
		v.Error, v.Retry = msg, retry
		return v
	}
	op, ok := def.Webhook(key)
	if !ok {
		v.Error = "This definition has no webhook " + strconv.Quote(key) + "."
		return v
	}
	v.Op = opView(op, newModelLinks(base, sum.Models))
	return v
}

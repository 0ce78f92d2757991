package apidocs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/openapi"
	"github.com/porticohq/portico/views"
	av "github.com/porticohq/portico/views/apidocs"
	"github.com/porticohq/portico/web"
)

// apiDef is an API entity with its definition text.
type apiDef struct {
	stored *catalog.StoredEntity
	entity *catalog.Entity
	ref    catalog.Ref
	typ    string
	data   []byte
	hash   string
	// defKey keys the fully loaded definition: its text and where its
	// relative $refs resolve (the location key and the definition's own
	// location), so two APIs with the same text in different locations
	// never share each other's resolved files.
	defKey string
	// The structured view of an AsyncAPI, GraphQL or gRPC definition,
	// read once per memoized entity version (reference.go), with the
	// anchor of each item key the structural diff names (itemurls.go).
	refOnce  sync.Once
	refView  av.ReferenceView
	refKeys  itemKeys
	refReads *atomic.Int64 // the handler's count of reads, for tests
	urlsOnce sync.Once
	itemURLs map[string]string
	// The OpenAPI operations in page order (outline.go).
	outOnce sync.Once
	out     *outline
	// The reader of its relative $refs (reader).
	readerOnce sync.Once
	rd         catalog.Reader
}

func (a *apiDef) isOpenAPI() bool {
	switch strings.ToLower(a.typ) {
	case "openapi", "swagger":
		return true
	}
	return false
}

// loadAPI reads the API entity named in the URL. Reading a large entity
// from the store, decoding it and hashing its definition cost tens of
// milliseconds, so the result is memoized per ref and reused while the
// generation of every replica sharing the store is unchanged (and for at
// most memoTTL).
func (h *Handler) loadAPI(c *echo.Context) (*apiDef, error) {
	ref := catalog.Ref{Kind: "API", Namespace: c.Param("namespace"), Name: c.Param("name")}
	return h.loadRef(c.Request().Context(), ref)
}

// loadRef is loadAPI for ref.
func (h *Handler) loadRef(ctx context.Context, ref catalog.Ref) (*apiDef, error) {
	gen, err := catalog.ReplicasGeneration(ctx, h.opts.Store)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", ref, err)
	}
	prev, ok := h.defs.Get(ref.Key())
	if ok && prev.gen == gen && time.Since(prev.at) < memoTTL {
		return prev.d, nil
	}
	stored, err := h.opts.Store.ByRef(ctx, ref)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, echo.NewHTTPError(http.StatusNotFound, "no API "+ref.String())
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", ref, err)
	}
	version := storedVersion(stored)
	if ok && prev.version == version {
		h.defs.Put(ref.Key(), memoEntry{d: prev.d, version: version, gen: gen, at: time.Now()})
		return prev.d, nil
	}
	e, err := stored.Decode()
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", ref, err)
	}
	d := &apiDef{stored: stored, entity: e, ref: e.Ref(), typ: e.SpecString("type"), data: e.Definition(), refReads: &h.refReads}
	d.hash = openapi.Hash(d.data)
	d.defKey = d.hash + "\x00" + stored.LocationKey + "\x00" + e.Metadata.Annotations[catalog.AnnotationDefinitionLocation]
	h.defs.Put(ref.Key(), memoEntry{d: d, version: version, gen: gen, at: time.Now()})
	return d, nil
}

// memoTTL bounds how long a memoized entity is trusted without asking the
// store.
const memoTTL = 30 * time.Second

// reader resolves the definition's relative $refs. It is made once per
// memoized entity version: ReaderFor decodes the stored entity, which for
// GitHub's description took longer than rendering the page, and every page
// view and operation expand asks for it.
func (h *Handler) reader(d *apiDef) catalog.Reader {
	if h.opts.ReaderFor == nil {
		return nil
	}
	d.readerOnce.Do(func() { d.rd = h.opts.ReaderFor(d.stored) })
	return d.rd
}

func (h *Handler) baseView(d *apiDef) av.DefinitionView {
	title := d.entity.Metadata.Title
	if title == "" {
		title = d.entity.Metadata.Name
	}
	return av.DefinitionView{
		Namespace: d.ref.Namespace, Name: d.ref.Name, EntityTitle: title,
		EntityURL: h.opts.EntityURL(d.ref), BaseURL: DefinitionURL(d.ref), Type: d.typ, Tab: "docs",
	}
}

// definition serves the Definition tab (and ?view=raw, ?op=key).
func (h *Handler) definition(c *echo.Context) error {
	d, err := h.loadAPI(c)
	if err != nil {
		return err
	}
	v := h.baseView(d)
	// AsyncAPI, GraphQL and gRPC render structured (reference*.go).
	if hasReference(d.typ) && c.QueryParam("view") != "raw" {
		page, _ := strconv.Atoi(c.QueryParam("page"))
		ref := filtered(atPage(d.reference(), page), c.QueryParam("q"))
		v.GraphQL = h.graphQLRunView(c, d)
		return h.renderDefinition(c, d, v, func(v av.DefinitionView) templ.Component { return av.ReferencePage(v, ref) })
	}
	if c.QueryParam("view") == "raw" || !d.isOpenAPI() {
		v.Tab = "raw"
		v.Raw = rawView(d)
		if !d.isOpenAPI() && !hasReference(d.typ) {
			return h.renderDefinition(c, d, v, av.RawPage)
		}
		return h.renderDefinition(c, d, v, av.Definition)
	}
	h.fillSummary(c, d, &v, c.QueryParam("op"))
	return h.renderDefinition(c, d, v, av.Definition)
}

// fillSummary puts the cheap summary on the page and starts the full load
// in the background, so the operation a person opens first is ready.
func (h *Handler) fillSummary(c *echo.Context, d *apiDef, v *av.DefinitionView, openKey string) {
	sum, err := h.cache.Summary(d.hash, d.data)
	if err != nil {
		v.Error = err.Error()
		return
	}
	v.Summary = summaryView(sum)
	v.Authorize = h.authorizeView(c, d, sum)
	o := d.outline(sum)
	q, tag := c.QueryParam("q"), c.QueryParam("tag")
	sel := o.selection(q)
	from := startOf(c, o, sel, openKey, tag)
	v.Chunk = o.chunk(v.BaseURL, q, sel, from, from+av.OperationsPerChunk, false)
	v.PrefetchAll = len(o.ops) <= av.PrefetchAllOps
	v.Sidebar = av.SidebarView{Action: v.BaseURL, ListURL: v.BaseURL + "/sidebar", List: o.sidebar(v.BaseURL, q, sel, openKey, tag)}
	if def, done, err := h.loadedQuickly(c, d); done {
		if err != nil {
			v.LoadError = err.Error()
		} else {
			v.Warnings = def.Warnings
		}
	}
	h.fillModelsAndWebhooks(c, d, v, sum)
	if openKey != "" && o.find(sel, openKey) >= 0 {
		ov := h.operationView(c, d, sum, o.ops[o.at[openKey]].op.Key)
		v.Chunk.Open = &ov
		return
	}
	if _, ok := o.at[openKey]; openKey != "" && !ok {
		v.MissingOp = openKey
	}
	h.cache.Warm(d.defKey, d.data, h.reader(d))
}

// quickLoadBytes is the size below which the page waits (briefly) for the
// full load, so its warnings or the reason it failed show on the first
// view; larger definitions show them once loaded.
const quickLoadBytes = 512 << 10

func (h *Handler) loadedQuickly(c *echo.Context, d *apiDef) (*openapi.Definition, bool, error) {
	if len(d.data) > quickLoadBytes {
		return h.cache.Loaded(d.defKey)
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 300*time.Millisecond)
	defer cancel()
	def, err := h.cache.Definition(ctx, d.defKey, d.data, h.reader(d))
	if errors.Is(err, openapi.ErrStillLoading) || errors.Is(err, openapi.ErrBusy) {
		return nil, false, nil
	}
	return def, true, err
}

// operation serves one expanded operation: the htmx fragment, or without
// htmx the whole page with that operation open.
func (h *Handler) operation(c *echo.Context) error {
	key := c.Param("opKey")
	return h.serveFragment(c, fragment{
		whole: func(d *apiDef) error {
			v := h.baseView(d)
			h.fillSummary(c, d, &v, key)
			return h.renderDefinition(c, d, v, av.Definition)
		},
		failed: func(err error) error {
			return web.Render(c, http.StatusOK, av.OperationDetails(av.OperationView{Key: key, Error: err.Error()}))
		},
		show: func(d *apiDef, sum *openapi.Summary) error {
			return web.Render(c, http.StatusOK, av.OperationDetails(h.operationView(c, d, sum, key)))
		},
	})
}

// fragment is what an OpenAPI fragment handler (an operation, a model, a
// webhook, a page of models) does once serveFragment has loaded the API
// the request names.
type fragment struct {
	// whole answers a request without htmx: the definition page showing
	// the same, or a redirect to it.
	whole func(d *apiDef) error
	// failed answers for a definition that cannot be summarized.
	failed func(err error) error
	// show renders the fragment.
	show func(d *apiDef, sum *openapi.Summary) error
}

// serveFragment loads the API the request names and, for htmx, its
// summary, and hands them to f.
func (h *Handler) serveFragment(c *echo.Context, f fragment) error {
	d, err := h.loadAPI(c)
	if err != nil {
		return err
	}
	if !web.IsPartial(c.Request()) {
		return f.whole(d)
	}
	sum, err := h.cache.Summary(d.hash, d.data)
	if err != nil {
		return f.failed(err)
	}
	return f.show(d, sum)
}

func (h *Handler) operationView(c *echo.Context, d *apiDef, sum *openapi.Summary, key string) av.OperationView {
	v := av.OperationView{BaseURL: DefinitionURL(d.ref), Key: key, CSRFToken: h.opts.Page(c, "").CSRFToken}
	def, err := h.cache.Definition(c.Request().Context(), d.defKey, d.data, h.reader(d))
	switch {
	case errors.Is(err, openapi.ErrStillLoading) || errors.Is(err, openapi.ErrBusy):
		v.Error, v.Retry = "This definition is large and still loading…", true
		return v
	case err != nil:
		v.Error = "The definition could not be loaded: " + err.Error()
		return v
	}
	op, ok := def.Operation(key)
	if !ok {
		v.Error = "This definition has no operation " + strconv.Quote(key) + "."
		return v
	}
	v.Op = opView(op, newModelLinks(v.BaseURL, sum.Models))
	targets := Targets(sum, d.entity.Metadata.Links, h.opts.BaseURL)
	for i, t := range targets {
		v.Servers = append(v.Servers, av.ServerChoice{Index: i, URL: t.URL, Description: t.Description, Variables: variableViews(t.Variables), FromEntity: t.FromEntity})
	}
	v.Schemes = schemeViews(UsedSchemes(sum.SecuritySchemes, op.Security))
	v.TryEnabled, v.TryNote = h.proxy.policy.Enabled && len(targets) > 0, tryNote(h.proxy.policy.Enabled, len(targets))
	v.Form = av.FormState{Params: map[string]string{}}
	if op.RequestBody != nil && len(op.RequestBody.Contents) > 0 {
		v.Form.ContentType = op.RequestBody.Contents[0].MediaType
	}
	if v.TryEnabled {
		in := TryInput{Params: map[string]string{}}
		for _, p := range op.Parameters {
			if p.Example != "" {
				in.Params[p.In+":"+p.Name] = p.Example
			}
		}
		in.Body = bodyExample(op)
		if call, err := Build(targets, op, sum.SecuritySchemes, in, h.proxy.policy.MaxRequestBytes, true); err == nil {
			v.Samples = viewSamples(Samples(call))
		}
	}
	return v
}

func tryNote(enabled bool, targets int) string {
	switch {
	case !enabled:
		return "Try it out is switched off on this portal."
	case targets == 0:
		return "This definition declares no server to call."
	}
	return ""
}

func bodyExample(op *openapi.Operation) string {
	if op.RequestBody == nil || len(op.RequestBody.Contents) == 0 {
		return ""
	}
	return op.RequestBody.Contents[0].Example
}

func viewSamples(list []Sample) []av.Sample {
	out := make([]av.Sample, len(list))
	for i, s := range list {
		out[i] = av.Sample{Lang: s.Lang, Label: s.Label, Code: s.Code}
	}
	return out
}

// groupByTag lists operations under their first tag, tags in the order
// the definition declares them, untagged operations last.
func groupByTag(sum *openapi.Summary) []av.TagGroup {
	idx := map[string]int{}
	var groups []av.TagGroup
	for _, t := range sum.Tags {
		if _, ok := idx[t.Name]; !ok {
			idx[t.Name] = len(groups)
			groups = append(groups, av.TagGroup{Name: t.Name, Description: t.Description})
		}
	}
	var untagged []av.OperationSummary
	for _, op := range sum.Operations {
		if len(op.Tags) == 0 {
			untagged = append(untagged, opSummaryView(op))
			continue
		}
		i, ok := idx[op.Tags[0]]
		if !ok {
			i = len(groups)
			idx[op.Tags[0]] = i
			groups = append(groups, av.TagGroup{Name: op.Tags[0]})
		}
		groups[i].Operations = append(groups[i].Operations, opSummaryView(op))
	}
	if len(untagged) > 0 {
		groups = append(groups, av.TagGroup{Name: "Other operations", Operations: untagged})
	}
	kept := groups[:0]
	for _, g := range groups {
		if len(g.Operations) > 0 {
			kept = append(kept, g)
		}
	}
	return kept
}

// maxRawShown caps the raw text put on the page; the download has it all.
const maxRawShown = 1 << 20

func rawView(d *apiDef) av.RawView {
	text := d.data
	lang, ext := rawLang(d)
	if lang == "json" && len(text) <= maxRawShown {
		var buf bytes.Buffer
		if json.Indent(&buf, text, "", "  ") == nil {
			text = buf.Bytes()
		}
	}
	v := av.RawView{Lang: lang, Size: len(d.data), Filename: d.ref.Name + "." + ext}
	if len(text) > maxRawShown {
		text, v.Truncated = text[:maxRawShown], true
	}
	v.Text = strings.ToValidUTF8(string(text), "\uFFFD")
	return v
}

func rawLang(d *apiDef) (lang, ext string) {
	switch strings.ToLower(d.typ) {
	case "graphql":
		return "graphql", "graphql"
	case "grpc":
		return "protobuf", "proto"
	}
	if openapi.IsJSON(d.data) {
		return "json", "json"
	}
	if strings.ToLower(d.typ) == "trpc" {
		return "text", "txt"
	}
	return "yaml", "yaml"
}

// raw downloads the definition as a file, never as HTML.
func (h *Handler) raw(c *echo.Context) error {
	d, err := h.loadAPI(c)
	if err != nil {
		return err
	}
	_, ext := rawLang(d)
	hdr := c.Response().Header()
	hdr.Set("Content-Disposition", `attachment; filename="`+openapi.Slug(d.ref.Name)+"."+ext+`"`)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", d.data)
}

// renderDefinition renders a definition view as the Definition tab of the
// API's entity page when the pages feature offers that frame, else alone in
// the layout.
func (h *Handler) renderDefinition(c *echo.Context, d *apiDef, v av.DefinitionView, view func(av.DefinitionView) templ.Component) error {
	status := http.StatusOK
	if v.MissingOp != "" && c.Param("opKey") != "" {
		// The address of an operation that is gone: the page, as a 404.
		status = http.StatusNotFound
	}
	if h.opts.EntityPageOf == nil || web.IsPartial(c.Request()) {
		return h.renderStatus(c, status, v.EntityTitle+" definition", view(v))
	}
	v.Framed = true
	page, err := h.opts.EntityPageOf(c, d.stored, d.entity, "definition", view(v))
	if err != nil {
		return err
	}
	return web.Render(c, status, page)
}

func (h *Handler) render(c *echo.Context, title string, content templ.Component) error {
	return h.renderStatus(c, http.StatusOK, title, content)
}

// renderStatus is render answering status: the fragment for htmx, else
// the page in the layout.
func (h *Handler) renderStatus(c *echo.Context, status int, title string, content templ.Component) error {
	if web.IsPartial(c.Request()) {
		return web.Render(c, status, content)
	}
	return web.Render(c, status, views.Layout(h.opts.Page(c, title), content))
}

type memoEntry struct {
	d       *apiDef
	version string // uid, update time and size of the stored row
	gen     uint64 // store generation when last checked
	at      time.Time
}

// storedVersion identifies one stored version of an entity without decoding
// it: uid, update time and size of the stored row.
func storedVersion(s *catalog.StoredEntity) string {
	return s.UID + "|" + strconv.FormatInt(s.UpdatedAt.UnixNano(), 10) + "|" + strconv.Itoa(len(s.JSON))
}

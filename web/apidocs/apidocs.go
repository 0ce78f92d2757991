// Package apidocs serves the API documentation pages (the Definition and
// Raw tabs of API entities, operations expanded lazily with htmx), the
// server-side try-it-out proxy with its policy, operation search, and the
// demo Petstore API. Register adds all of it to an echo instance.
package apidocs

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync/atomic"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/lru"
	"github.com/porticohq/portico/catalog/openapi"
	"github.com/porticohq/portico/views"
)

// Options configure Register. Store and Page are required.
type Options struct {
	Store  catalog.Store
	Logger *slog.Logger
	// Policy is apiDocs.tryItOut; a zero Policy means DefaultPolicy
	// except Enabled, which the caller sets (DefaultPolicy has it true).
	Policy Policy
	// Limits bound definition parsing (size, time); zero means defaults.
	Limits openapi.Limits
	// Demo serves the demo Petstore API at /demo-api/petstore/v1.
	Demo bool
	// RequireUser, when set, runs before every try-it-out call; an error
	// (e.g. echo.ErrUnauthorized) stops the call. Sign-in sets it.
	RequireUser func(c *echo.Context) error
	// Page returns the layout's page data for a request.
	Page func(c *echo.Context, title string) views.Page
	// EntityPageOf, when set, wraps content as tab `tab` of the entity page
	// of the entity the handler has already read and decoded (layout,
	// entity header, tab bar), so the definition reads as a tab of the
	// API's page; without it the definition stands alone in the layout.
	// The frame reads nothing: a large definition's entity took longer to
	// read and decode than the page to render.
	EntityPageOf func(c *echo.Context, stored *catalog.StoredEntity, e *catalog.Entity, tab string, content templ.Component) (templ.Component, error)
	// UserKey names the caller for the rate limit (default: client IP).
	UserKey func(c *echo.Context) string
	// EntityURL links an entity's page (default /catalog/{ns}/{kind}/{name}).
	EntityURL func(ref catalog.Ref) string
	// ReaderFor resolves relative $refs of an entity's definition; nil
	// refuses them (the page then says so).
	ReaderFor func(e *catalog.StoredEntity) catalog.Reader
	// BaseURL is the portal's own base URL (backend.baseUrl). Relative
	// server URLs ("/demo-api/petstore/v1") resolve against it, as OpenAPI
	// resolves them against where the document is served; without it they
	// cannot be called. The policy still applies: a loopback portal needs
	// an allow entry (demo mode adds one).
	BaseURL string
	// Lookup replaces DNS resolution for the proxy (tests).
	Lookup LookupFunc
	// GraphQL is apiDocs.graphql: GraphQL endpoints by entity.
	GraphQL GraphQLSettings
}

// Handler holds the feature's state: caches, proxy, search index.
type Handler struct {
	opts  Options
	log   *slog.Logger
	cache *openapi.Cache
	proxy *Proxy
	index *opIndex
	defs  *lru.Cache[string, memoEntry] // decoded API entities by ref

	refReads atomic.Int64 // AsyncAPI, GraphQL and gRPC definitions read into views
	// graphql maps an API's ref key to its configured GraphQL endpoint.
	graphql map[string]string
}

// Close stops the handler's background work (an operation search index
// build) and waits for it, so that the store can be closed after it.
// Searches after it answer with an error.
func (h *Handler) Close() { h.index.close() }

// New builds the handler; Register calls it.
func New(opts Options) (*Handler, error) {
	if opts.Store == nil {
		return nil, errors.New("apidocs: Options.Store is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Page == nil {
		opts.Page = func(_ *echo.Context, title string) views.Page {
			return views.Page{Title: title, AppTitle: "Portico", Active: "apis"}
		}
	}
	if opts.UserKey == nil {
		opts.UserKey = func(c *echo.Context) string { return c.RealIP() }
	}
	if opts.EntityURL == nil {
		opts.EntityURL = defaultEntityURL
	}
	proxy, err := NewProxy(opts.Policy, opts.Lookup)
	if err != nil {
		return nil, fmt.Errorf("apidocs: %w", err)
	}
	h := &Handler{
		opts:    opts,
		log:     opts.Logger,
		cache:   openapi.NewCache(openapi.CacheOptions{Limits: opts.Limits}),
		proxy:   proxy,
		defs:    lru.New[string](32, lru.Count[memoEntry]),
		graphql: opts.GraphQL.endpointsByRef(),
	}
	h.index = newOpIndex(h)
	return h, nil
}

// Register adds the API documentation routes, operation search and (in
// demo mode) the demo Petstore API:
//
//	GET  /catalog/:namespace/api/:name/definition             Definition tab (?view=raw, ?op=key)
//	GET  /catalog/:namespace/api/:name/definition/raw         download
//	GET  /catalog/:namespace/api/:name/definition/op/:opKey   operation (htmx fragment or page)
//	GET  /catalog/:namespace/api/:name/definition/ops          a run of operations (htmx fragment, else redirect)
//	GET  /catalog/:namespace/api/:name/definition/sidebar      the sidebar's list, filtered or one tag's (htmx fragment, else redirect)
//	POST /catalog/:namespace/api/:name/definition/op/:opKey/try  try it out
//	POST /catalog/:namespace/api/:name/definition/op/:opKey/samples  code samples for the form
//	GET  /catalog/:namespace/api/:name/definition/models       a page of models (htmx fragment, else redirect)
//	GET  /catalog/:namespace/api/:name/definition/model/:model  model (htmx fragment, else redirect)
//	GET  /catalog/:namespace/api/:name/definition/webhook/:key  3.1 webhook (htmx fragment, else redirect)
//	POST /catalog/:namespace/api/:name/definition/oauth/:scheme/token      OAuth2 client credentials
//	POST /catalog/:namespace/api/:name/definition/oauth/:scheme/authorize  OAuth2 code + PKCE: start
//	POST /catalog/:namespace/api/:name/definition/oauth/:scheme/refresh    OAuth2 refresh token (?flow=)
//	GET  /catalog/:namespace/api/:name/definition/oauth/callback           OAuth2 code + PKCE: return
//	POST /catalog/:namespace/api/:name/definition/graphql         GraphQL query runner
//	GET  /search                                              entities and operations
//	GET  /apidocs/static/apidocs.js                           deep links, copy buttons
//	*    /demo-api/petstore/v1/...                            demo mode only
func Register(e *echo.Echo, opts Options) (*Handler, error) {
	h, err := New(opts)
	if err != nil {
		return nil, err
	}
	h.routes(e)
	return h, nil
}

func (h *Handler) routes(e *echo.Echo) {
	base := "/catalog/:namespace/api/:name/definition"
	e.GET(base, h.definition)
	e.GET(base+"/raw", h.raw)
	e.GET(base+"/op/:opKey", h.operation)
	e.GET(base+"/ops", h.ops)
	e.GET(base+"/sidebar", h.sidebar)
	e.POST(base+"/op/:opKey/try", h.try)
	e.POST(base+"/op/:opKey/samples", h.samples)
	e.GET(base+"/models", h.models)
	e.GET(base+"/model/:model", h.model)
	e.GET(base+"/webhook/:key", h.webhook)
	e.POST(base+"/oauth/:scheme/token", h.oauthToken)
	e.POST(base+"/oauth/:scheme/authorize", h.oauthAuthorize)
	e.POST(base+"/oauth/:scheme/refresh", h.oauthRefresh)
	e.GET(base+"/oauth/callback", h.oauthCallback)
	e.POST(base+"/graphql", h.graphqlRun)
	e.GET("/search", h.search)
	e.GET("/apidocs/static/apidocs.js", serveScript)
	if h.opts.Demo {
		registerPetstore(e)
	}
}

// DefinitionURL is the Definition tab of an API entity, for the entity
// page's tab link.
func DefinitionURL(ref catalog.Ref) string {
	return "/catalog/" + url.PathEscape(ref.Namespace) + "/api/" + url.PathEscape(ref.Name) + "/definition"
}

func defaultEntityURL(ref catalog.Ref) string {
	return views.EntityURL(ref.Namespace, ref.Kind, ref.Name)
}

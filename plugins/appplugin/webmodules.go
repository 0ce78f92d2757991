package appplugin

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/auth"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apiwebhook"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/plugins/catalogplugin"
	"github.com/porticohq/portico/views"
	"github.com/porticohq/portico/web/apichanges"
	"github.com/porticohq/portico/web/apidocs"
	"github.com/porticohq/portico/web/syncstatus"
	"github.com/porticohq/portico/web/webhookstatus"
)

// APIDocsModule adds API documentation to the pages: the Definition tab of
// API entities (operations rendered on the server), operation search, and
// the try-it-out proxy configured by apiDocs.tryItOut. In demo mode it also
// serves the demo Petstore API and lets try-it-out reach it.
func APIDocsModule() portico.Feature {
	return portico.CheckConfig(portico.NewModule(ID, "api-docs", func(r portico.ModuleRegistrar) error {
		pages, err := portico.ExtensionPoint[Extensions](r)
		if err != nil {
			return err
		}
		s := r.Services()
		policy := apidocs.DefaultPolicy()
		if err := s.RootConfig.Sub("apiDocs.tryItOut").Decode(&policy); err != nil {
			return err
		}
		var graphql apidocs.GraphQLSettings
		if err := s.RootConfig.Sub("apiDocs.graphql").Decode(&graphql); err != nil {
			return err
		}
		// Relative servers (the demo Petstore's) resolve against the public
		// URL, as OpenAPI resolves them against where the document is served.
		baseURL := s.Settings.PublicURL()
		if s.Demo {
			// The demo Petstore's server is the portal itself: reachable at
			// the address it listens on, and at its public URL when that is
			// a private name (a public address needs no entry).
			policy.Allow = append(policy.Allow, s.Settings.Backend.Listen.LocalAddr())
			if u, err := url.Parse(baseURL); err == nil {
				policy.Allow = append(policy.Allow, u.Host)
			}
		}
		opts := apidocs.Options{
			BaseURL:     baseURL,
			Store:       s.Store,
			Logger:      s.Logger,
			Policy:      policy,
			GraphQL:     graphql,
			Demo:        s.Demo,
			RequireUser: auth.RequireUser,
			Page: func(c *echo.Context, title string) views.Page {
				return pages.Page(c, title, views.NavAPIs)
			},
			UserKey:   userKey,
			ReaderFor: readerFor(s.URLReader, catalogplugin.FileRoots(s.Settings.Catalog.Locations)),
		}
		x, _ := pages.(*pagesExtensions)
		if x != nil {
			opts.EntityPageOf = x.entityPageOf
		}
		h, err := apidocs.Register(s.Echo, opts)
		if err != nil {
			return err
		}
		// A search index build in progress stops, and is waited for,
		// before the database closes.
		s.OnStop(h.Close)
		if x != nil {
			x.apidocs = h
		}
		pages.AddEntityTab(EntityTab{ID: "definition", Title: "Definition", Kinds: []string{"API"}})
		return nil
	}), checkAPIDocsConfig)
}

// checkAPIDocsConfig refuses, before the database opens, what the module
// would at registration: apiDocs.tryItOut and apiDocs.graphql.
func checkAPIDocsConfig(root *config.Config) error {
	policy := apidocs.DefaultPolicy()
	if err := root.Sub("apiDocs.tryItOut").Decode(&policy); err != nil {
		return err
	}
	var graphql apidocs.GraphQLSettings
	return root.Sub("apiDocs.graphql").Decode(&graphql)
}

// SyncStatusModule serves /providers: every scheduled provider with its
// schedule, last and next run, counts and errors, and "Sync now" (for
// signed-in users when sign-in is configured); with API-change webhooks,
// a link to /providers/webhooks saying how many deliveries are failing.
func SyncStatusModule() portico.Feature {
	return portico.CheckConfig(portico.NewModule(ID, "sync-status", func(r portico.ModuleRegistrar) error {
		pages, err := portico.ExtensionPoint[Extensions](r)
		if err != nil {
			return err
		}
		s := r.Services()
		webhooks, err := webhookPage(r, pages)
		if err != nil {
			return err
		}
		opts := syncstatus.Options{
			Scheduler: s.Scheduler,
			Page: func(c *echo.Context) views.Page {
				return pages.Page(c, "Providers", views.NavProviders)
			},
			RequireUser: func(next echo.HandlerFunc) echo.HandlerFunc {
				return func(c *echo.Context) error {
					if err := auth.RequireUser(c); err != nil {
						return err
					}
					return next(c)
				}
			},
		}
		if webhooks != nil {
			opts.WebhooksURL, opts.WebhookTrouble = webhookstatus.PagePath, webhooks.Trouble
		}
		syncstatus.Register(s.Echo, opts)
		return nil
	}), catalogplugin.CheckHistoryConfig) // the apiDocs.history section webhookPage reads
}

// webhookPage serves /providers/webhooks, the deliveries of the API-change
// webhooks apiDocs.history.webhooks lists (the catalog plugin's
// HistoryModule migrates their table and sends them), and returns their
// store for the /providers page's link. With none, or with history off,
// the page says so and how to configure them, and the store is nil.
func webhookPage(r portico.ModuleRegistrar, pages Extensions) (*apiwebhook.Store, error) {
	s := r.Services()
	_, on, err := apichanges.ReadConfig(s.RootConfig)
	if err != nil {
		return nil, err
	}
	var cfg apiwebhook.Config
	if on { // with history off the webhooks are not read (CheckHistoryConfig)
		if cfg, _, err = apiwebhook.ReadConfig(s.RootConfig); err != nil {
			return nil, err
		}
	}
	p := &webhookstatus.Page{
		HistoryOff: !on,
		Layout: func(c *echo.Context) views.Page {
			return pages.Page(c, "Webhook deliveries", views.NavProviders)
		},
		Guard: auth.RequireUser,
	}
	var st *apiwebhook.Store
	if len(cfg.Webhooks) > 0 {
		st = apiwebhook.NewStore(s.DB, s.Clock)
		p.Store, p.Hooks = st, cfg.Webhooks
	}
	pages.AddRoute(http.MethodGet, webhookstatus.PagePath, p.Serve)
	return st, nil
}

// userKey names the caller for try-it-out's rate limit: the signed-in user,
// else the client address.
func userKey(c *echo.Context) string {
	if id := auth.IdentityFrom(c); id != nil {
		return id.UserRef
	}
	return c.RealIP()
}

// readerFor resolves an API definition's relative $refs where the
// definition came from: beside the file or URL its $text placeholder read
// (the definition-location annotation, which only ingest sets), else beside
// the entity's own file or URL. Where that is comes from the store's
// location record (the entity's location key) when it names a file or URL,
// else from the managed-by-location annotation, which ingest always sets
// from the provider's source. File reads stay inside the configured file
// location that holds the file (never a directory an entity names), URL
// reads within backend.reading.allow; other sources refuse them.
func readerFor(urls *catalog.URLReader, roots []string) func(e *catalog.StoredEntity) catalog.Reader {
	targets := &catalog.Targets{Roots: roots, URLs: urls}
	return func(se *catalog.StoredEntity) catalog.Reader {
		e, err := se.Decode()
		if err != nil {
			return nil
		}
		loc, err := catalog.ParseLocationRef(se.LocationKey)
		if err != nil || (loc.Type != "file" && loc.Type != "url") {
			loc, err = catalog.ParseLocationRef(e.Metadata.Annotations[catalog.AnnotationManagedByLocation])
			if err != nil {
				return nil
			}
		}
		if def, err := catalog.ParseLocationRef(e.Metadata.Annotations[catalog.AnnotationDefinitionLocation]); err == nil {
			loc = def
		}
		switch loc.Type {
		case "file":
			root, err := targets.Root(loc.Target)
			if err != nil {
				return nil
			}
			r := catalog.NewFileReader(root, loc.Target)
			r.URLs = urls
			return r
		case "url":
			return urls.ForURL(loc.Target)
		}
		return nil
	}
}

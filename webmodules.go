package portico

import (
	"errors"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/auth"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/views"
	"github.com/porticohq/portico/web/apidocs"
	"github.com/porticohq/portico/web/syncstatus"
)

// errNoPagesExtensions is what app modules return when the app plugin
// offers no PagesExtensions.
var errNoPagesExtensions = errors.New("the app plugin offers no PagesExtensions")

// APIDocsModule adds API documentation to the pages: the Definition tab of
// API entities (operations rendered on the server), operation search, and
// the try-it-out proxy configured by apiDocs.tryItOut. In demo mode it also
// serves the demo Petstore API and lets try-it-out reach it.
func APIDocsModule() Feature {
	return NewModule(AppPluginID, "api-docs", func(r ModuleRegistrar) error {
		var pages PagesExtensions
		if !r.ExtensionPoint(&pages) {
			return errNoPagesExtensions
		}
		s := r.Services()
		policy := apidocs.DefaultPolicy()
		if err := s.RootConfig.Sub("apiDocs.tryItOut").Decode(&policy); err != nil {
			return err
		}
		// Relative servers (the demo Petstore's) resolve against the public
		// URL, as OpenAPI resolves them against where the document is served.
		baseURL := s.Settings.PublicURL()
		if s.Demo {
			// The demo Petstore's server is the portal itself: reachable at
			// the address it listens on, and at its public URL when that is
			// a private name (a public address needs no entry).
			policy.Allow = append(policy.Allow, selfAddr(s.Settings.Backend.Listen))
			if u, err := url.Parse(baseURL); err == nil {
				policy.Allow = append(policy.Allow, u.Host)
			}
		}
		_, err := apidocs.Register(s.Echo, apidocs.Options{
			BaseURL:     baseURL,
			Store:       s.Store,
			Logger:      s.Logger,
			Policy:      policy,
			Demo:        s.Demo,
			RequireUser: auth.RequireUser,
			Page: func(c *echo.Context, title string) views.Page {
				return pages.Page(c, title, views.NavAPIs)
			},
			EntityPage: pages.EntityPage,
			UserKey:    userKey,
			ReaderFor:  readerFor(s.URLReader),
		})
		if err != nil {
			return err
		}
		pages.AddEntityTab(EntityTab{ID: "definition", Title: "Definition", Kinds: []string{"API"}})
		return nil
	})
}

// SyncStatusModule serves /providers: every scheduled provider with its
// schedule, last and next run, counts and errors, and "Sync now" (for
// signed-in users when sign-in is configured).
func SyncStatusModule() Feature {
	return NewModule(AppPluginID, "sync-status", func(r ModuleRegistrar) error {
		var pages PagesExtensions
		if !r.ExtensionPoint(&pages) {
			return errNoPagesExtensions
		}
		s := r.Services()
		syncstatus.Register(s.Echo, syncstatus.Options{
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
		})
		return nil
	})
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
// (the definition-location annotation), else beside the entity's file or
// URL. File reads stay within the location's base directory and URL reads
// within backend.reading.allow, whatever the annotations say. Other sources
// refuse them.
func readerFor(urls *catalog.URLReader) func(e *catalog.StoredEntity) catalog.Reader {
	return func(se *catalog.StoredEntity) catalog.Reader {
		e, err := se.Decode()
		if err != nil {
			return nil
		}
		loc := e.Metadata.Annotations[catalog.AnnotationManagedByLocation]
		origin := e.Metadata.Annotations[catalog.AnnotationManagedByOriginLocation]
		def := e.Metadata.Annotations[catalog.AnnotationDefinitionLocation]
		switch {
		case strings.HasPrefix(loc, "file:"):
			file := strings.TrimPrefix(loc, "file:")
			base := filepath.Dir(file)
			if o, ok := strings.CutPrefix(origin, "file:"); ok {
				base = globBase(o)
			}
			if d, ok := strings.CutPrefix(def, "url:"); ok {
				return urls.ForURL(d)
			}
			if d, ok := strings.CutPrefix(def, "file:"); ok {
				file = d
			}
			return catalog.NewFileReader(base, file)
		case strings.HasPrefix(loc, "url:"):
			if d, ok := strings.CutPrefix(def, "url:"); ok {
				return urls.ForURL(d)
			}
			return urls.ForURL(strings.TrimPrefix(loc, "url:"))
		}
		return nil
	}
}

// globBase is the directory part of a location target before any glob.
func globBase(target string) string {
	i := strings.IndexAny(target, "*?[{")
	if i < 0 {
		return filepath.Dir(target)
	}
	return filepath.Dir(target[:i] + "x")
}

// selfAddr is the address the portal reaches itself on: the listen address,
// with loopback standing in for "all interfaces".
func selfAddr(l ListenSettings) string {
	if l.Host == "" || l.Host == "0.0.0.0" || l.Host == "::" {
		l.Host = "127.0.0.1"
	}
	return l.Addr()
}

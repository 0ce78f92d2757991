// Package appplugin is the app plugin (id "app"): the portal's pages
// (web/pages), and Extensions for modules that add entity tabs and routes.
// Its modules add the API documentation (web/apidocs) and the providers'
// status page (web/syncstatus).
package appplugin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/auth"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/plugins/authplugin"
	"github.com/porticohq/portico/views"
	"github.com/porticohq/portico/web"
	"github.com/porticohq/portico/web/apidocs"
	"github.com/porticohq/portico/web/pages"
)

// ID is the id of the plugin that serves the portal's pages; modules that
// add entity tabs or pages extend it.
const ID = "app"

// Plugin serves the portal's pages (home, catalog, entity pages, API
// explorer, static assets) and offers Extensions to its modules.
func Plugin() portico.Feature {
	return portico.CheckConfig(portico.NewPlugin(ID, func(r portico.PluginRegistrar) error {
		s := r.Services()
		authCfg, err := authplugin.ParseConfig(s)
		if err != nil {
			return err
		}
		h := pages.New(pages.Options{
			Store:    s.Store,
			Logger:   s.Logger,
			AppTitle: s.Settings.App.Title,
			SignIn:   authCfg.SignInEnabled(),
			Viewer: func(c *echo.Context) *views.User {
				if id, _, _ := auth.PageInfo(c); id != nil {
					return &views.User{Ref: id.UserRef, Name: id.Name, AvatarURL: id.AvatarURL}
				}
				return nil
			},
			CSRFToken: func(c *echo.Context) string {
				_, _, token := auth.PageInfo(c)
				return token
			},
			OwnedBy:  auth.OwnedByMe,
			MyGroups: auth.MyGroups,
			// Registering, Refresh, Unregister and Delete entity act for a
			// person, as Sync now does.
			RequireUser: auth.RequireUser,
			Catalog:     s.Catalog,
			Locations:   s.Catalog.Locations,
			Runs:        s.Scheduler,
			Now:         s.Clock,
		})
		s.Web.ErrorPage = h.ErrorPage
		h.Register(s.Echo)
		ext := &pagesExtensions{h: h, e: s.Echo}
		r.RegisterExtensionPoint(ext)
		// Modules add their tabs while they register; a mistake among them
		// stops start-up here, once they all have.
		r.RegisterInit(func(context.Context) error { return errors.Join(ext.errs...) })
		return nil
	}), authplugin.CheckConfig)
}

// pagesExtensions adds modules' tabs and routes to the pages.
type pagesExtensions struct {
	h *pages.Handler
	// apidocs is the Definition tab's handler, once APIDocsModule added
	// it: the Changes tab links items through its memo.
	apidocs *apidocs.Handler
	e       *echo.Echo
	ids     []string
	errs    []error
}

var _ Extensions = (*pagesExtensions)(nil)

func (x *pagesExtensions) AddRoute(method, path string, h echo.HandlerFunc) {
	x.e.Add(method, path, h)
}

func (x *pagesExtensions) Page(c *echo.Context, title, active string) views.Page {
	return x.h.Page(c, title, active)
}

func (x *pagesExtensions) EntityPage(c *echo.Context, ref catalog.Ref, tab string, content templ.Component) (templ.Component, error) {
	frame, _, err := x.h.EntityFrameFor(c, ref, tab)
	if err != nil {
		return nil, err
	}
	return views.EntityShell(x.h.Page(c, frame.Header.Title, views.NavCatalog), frame, content), nil
}

// entityPageOf is EntityPage for an entity the caller holds decoded (the
// API definition's), so the frame does not read and decode it again.
func (x *pagesExtensions) entityPageOf(c *echo.Context, se *catalog.StoredEntity, e *catalog.Entity, tab string, content templ.Component) (templ.Component, error) {
	frame := x.h.EntityFrameOf(c, se, e, tab)
	return views.EntityShell(x.h.Page(c, frame.Header.Title, views.NavCatalog), frame, content), nil
}

// AddEntityTab shows the tab on the pages of the tab's kinds and serves it
// at <entity page>/<tab id>, inside the entity page's frame. A second tab
// with the same id is refused: the app plugin's init then fails naming it.
func (x *pagesExtensions) AddEntityTab(tab EntityTab) {
	if slices.Contains(x.ids, tab.ID) {
		x.errs = append(x.errs, fmt.Errorf("entity tab %q added twice (tab ids must be unique)", tab.ID))
		return
	}
	x.ids = append(x.ids, tab.ID)
	x.h.AddTab(func(e *catalog.Entity) (views.Tab, bool) {
		if !tab.appliesTo(e.Kind) {
			return views.Tab{}, false
		}
		return views.Tab{ID: tab.ID, Title: tab.Title, URL: entityPageURL(e.Ref()) + "/" + url.PathEscape(tab.ID)}, true
	})
	if tab.Render != nil {
		x.e.GET("/catalog/:namespace/:kind/:name/"+tab.ID, x.serveTab(tab))
	}
}

func (x *pagesExtensions) serveTab(tab EntityTab) echo.HandlerFunc {
	return func(c *echo.Context) error {
		frame, e, err := x.h.EntityFrame(c, tab.ID)
		if err != nil {
			if errors.Is(err, catalog.ErrNotFound) || catalog.ErrorCode(err) == catalog.ENOTFOUND {
				return x.h.ErrorPage(c, http.StatusNotFound, "")
			}
			return err
		}
		if !tab.appliesTo(e.Kind) {
			return x.h.ErrorPage(c, http.StatusNotFound, "")
		}
		content, err := renderTab(c.Request().Context(), tab, e)
		if err != nil {
			content = views.ErrorPanel(http.StatusInternalServerError, tab.Title+" could not be shown", err.Error())
		}
		p := x.h.Page(c, frame.Header.Title, views.NavCatalog)
		return web.Render(c, http.StatusOK, views.EntityShell(p, frame, content))
	}
}

// renderTab calls the tab's Render, turning a panic into an error shown in
// the tab.
func renderTab(ctx context.Context, tab EntityTab, e *catalog.Entity) (c templ.Component, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return tab.Render(ctx, e)
}

func (t EntityTab) appliesTo(kind string) bool {
	return len(t.Kinds) == 0 || slices.ContainsFunc(t.Kinds, func(k string) bool { return strings.EqualFold(k, kind) })
}

// entityPageURL is /catalog/<namespace>/<kind>/<name>, as the pages link it.
func entityPageURL(r catalog.Ref) string { return views.EntityURL(r.Namespace, r.Kind, r.Name) }

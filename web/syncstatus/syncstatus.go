// Package syncstatus serves /providers: the status of every scheduled
// provider and of every provider that pushes its changes (file locations), "Sync now" (POST) and the progress of a run, which htmx polls.
package syncstatus

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/providers"
	"github.com/porticohq/portico/views"
	view "github.com/porticohq/portico/views/syncstatus"
	"github.com/porticohq/portico/web"
)

// Options wire the page.
type Options struct {
	Scheduler *providers.Scheduler
	// Page fills the layout's fields (title, user, CSRF token) for a request.
	Page func(c *echo.Context) views.Page
	// RequireUser, when sign-in is configured, guards "Sync now": it lets
	// signed-in users through and answers everyone else.
	RequireUser echo.MiddlewareFunc
	// Recent is how many runs each provider lists; default 10.
	Recent int
	// WebhooksURL, when set, is linked from the page as where the
	// API-change webhooks' deliveries are listed; WebhookTrouble, when
	// set, counts the deliveries failing (waiting for a retry) and given
	// up, shown beside the link.
	WebhooksURL    string
	WebhookTrouble func(ctx context.Context) (retrying, givenUp int, err error)
}

type handler struct{ opts Options }

// Register adds GET /providers, POST /providers/sync and
// GET /providers/runs/:id to e.
func Register(e *echo.Echo, opts Options) {
	if opts.Recent <= 0 {
		opts.Recent = 10
	}
	h := &handler{opts: opts}
	e.GET("/providers", h.page)
	var mw []echo.MiddlewareFunc
	if opts.RequireUser != nil {
		mw = append(mw, opts.RequireUser)
	}
	e.POST("/providers/sync", h.sync, mw...)
	e.POST("/providers/accept", h.accept, mw...)
	e.GET("/providers/runs/:id", h.progress)
}

func (h *handler) pageInfo(c *echo.Context) views.Page {
	p := views.Page{AppTitle: "Portico"}
	if h.opts.Page != nil {
		p = h.opts.Page(c)
	}
	p.Title, p.Active = "Providers", views.NavProviders
	return p
}

func (h *handler) page(c *echo.Context) error {
	ctx := c.Request().Context()
	st, err := h.opts.Scheduler.Status(ctx, h.opts.Recent)
	if err != nil {
		return fmt.Errorf("providers status: %w", err)
	}
	list := make([]view.Provider, len(st))
	for i, s := range st {
		list[i] = providerView(i, s)
	}
	var connected []view.Connected
	for _, s := range h.opts.Scheduler.ConnectedStatuses() {
		connected = append(connected, connectedView(s))
	}
	return web.Render(c, http.StatusOK, view.Page(h.pageInfo(c), list, connected, h.webhooks(ctx)))
}

// webhooks is the link to the webhook deliveries, with their trouble.
func (h *handler) webhooks(ctx context.Context) *view.Webhooks {
	if h.opts.WebhooksURL == "" {
		return nil
	}
	w := &view.Webhooks{URL: h.opts.WebhooksURL}
	if h.opts.WebhookTrouble != nil {
		var err error
		if w.Retrying, w.GivenUp, err = h.opts.WebhookTrouble(ctx); err != nil {
			w.Unknown = true
		}
	}
	return w
}

// sync starts a run. htmx gets the progress region; a plain form post is
// redirected to the page, which shows the run in progress.
func (h *handler) sync(c *echo.Context) error {
	ctx := c.Request().Context()
	name := c.FormValue("provider")
	id, err := h.opts.Scheduler.Trigger(ctx, name)
	switch {
	case errors.Is(err, providers.ErrUnknownProvider):
		return echo.NewHTTPError(http.StatusNotFound, "unknown provider")
	case errors.Is(err, providers.ErrBusy):
		return echo.NewHTTPError(http.StatusConflict, "another replica is running this provider; try again shortly")
	case err != nil:
		return fmt.Errorf("sync %s: %w", name, err)
	}
	if !web.IsPartial(c.Request()) {
		return c.Redirect(http.StatusSeeOther, "/providers?run="+url.QueryEscape(id))
	}
	r, err := h.opts.Scheduler.Run(ctx, id)
	if err != nil {
		return fmt.Errorf("read run %s: %w", id, err)
	}
	return web.Render(c, http.StatusOK, view.Progress(runView(r)))
}

// accept applies a provider's held removals ("Apply now") and shows the
// page with the run it started.
func (h *handler) accept(c *echo.Context) error {
	name := c.FormValue("provider")
	id, err := h.opts.Scheduler.AcceptRemovals(c.Request().Context(), name)
	switch {
	case catalog.ErrorCode(err) == catalog.EINVALID:
		return echo.NewHTTPError(http.StatusConflict, "nothing is held for "+name+" any more")
	case err != nil:
		return fmt.Errorf("apply held removals of %s: %w", name, err)
	}
	return c.Redirect(http.StatusSeeOther, "/providers?run="+url.QueryEscape(id))
}

func (h *handler) progress(c *echo.Context) error {
	r, err := h.opts.Scheduler.Run(c.Request().Context(), c.Param("id"))
	if catalog.ErrorCode(err) == catalog.ENOTFOUND {
		return echo.NewHTTPError(http.StatusNotFound, "unknown run")
	}
	if err != nil {
		return fmt.Errorf("read run: %w", err)
	}
	return web.Render(c, http.StatusOK, view.Progress(runView(r)))
}

func providerView(i int, s providers.ProviderStatus) view.Provider {
	p := view.Provider{Index: i, Name: s.Name, Schedule: s.Schedule.String(), NextRun: "not scheduled yet"}
	if s.Schedule.Manual {
		p.NextRun = "when refreshed"
	} else if !s.NextRun.IsZero() && s.NextRun.Unix() > 0 {
		p.NextRun = formatTime(s.NextRun)
	}
	if s.Last != nil {
		v := runView(*s.Last)
		p.Last = &v
	}
	if s.Running != nil {
		v := runView(*s.Running)
		p.Running = &v
	}
	for _, r := range s.Recent {
		p.Recent = append(p.Recent, runView(r))
	}
	if s.Held > 0 {
		p.Held, p.HeldSince, p.Grace = s.Held, formatTime(s.HeldSince), s.RemovalGrace.String()
	}
	return p
}

func connectedView(s providers.ConnectedStatus) view.Connected {
	v := view.Connected{Name: s.Name, Follows: s.Follows, Loaded: s.Loaded}
	if !s.LastApplied.IsZero() {
		r := s.LastResult
		v.LastApplied = fmt.Sprintf("%s · %d added, %d updated, %d removed, %d unchanged, %d invalid",
			formatTime(s.LastApplied), r.Added, r.Updated, r.Removed+r.Orphaned, r.Unchanged, r.Invalid)
	}
	if !s.FailingSince.IsZero() {
		v.FailingSince, v.Failures, v.LastError = formatTime(s.FailingSince), s.Failures, s.LastError
	}
	return v
}

func runView(r providers.Run) view.Run {
	v := view.Run{ID: r.ID, Provider: r.Provider, Trigger: r.Trigger, Started: formatTime(r.StartedAt),
		Duration: r.Duration.Round(time.Millisecond).String(), Outcome: r.Outcome, Message: r.Message,
		Progress: r.Progress, Running: r.Running(), StatusURL: "/providers/runs/" + url.PathEscape(r.ID),
		Counts: fmt.Sprintf("%d listed, %d added, %d updated, %d removed, %d unchanged, %d invalid",
			r.Listed, r.Added, r.Updated, r.Removed, r.Unchanged, r.Invalid)}
	for _, e := range r.Errors {
		v.Errors = append(v.Errors, e.Error())
	}
	return v
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

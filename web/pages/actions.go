package pages

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/views"
	"github.com/porticohq/portico/web"
)

// notices are what an entity page says after a plain (no-JavaScript)
// action redirected back to it (?done=).
var notices = map[string]string{
	"refreshed":    refreshNotice,
	"unregistered": "The location was unregistered. Its entities, this one included, are kept as orphans until someone deletes them.",
}

const refreshNotice = "Its location is being read again; reload the page in a moment to see any change."

// locs returns the location service, nil while there is none.
func (h *Handler) locs() catalog.LocationService {
	if h.locations == nil {
		return nil
	}
	return h.locations()
}

// guard refuses an action the visitor may not take (RequireUser).
func (h *Handler) guard(c *echo.Context) error {
	if h.requireUser == nil {
		return nil
	}
	return h.requireUser(c)
}

// mayAct reports whether the visitor may take actions (and so see their
// buttons).
func (h *Handler) mayAct(c *echo.Context) bool { return h.guard(c) == nil }

// entityActions shapes the actions bar of an entity page.
func (h *Handler) entityActions(c *echo.Context, se *catalog.StoredEntity, e *catalog.Entity) views.EntityActions {
	ref := e.Ref()
	a := views.EntityActions{Base: entityURL(ref), CanAct: h.mayAct(c), Notice: notices[c.QueryParam("done")]}
	if h.csrfToken != nil {
		a.CSRFToken = h.csrfToken(c)
	}
	if !a.CanAct && h.signIn {
		a.SignInURL = signInURL(a.Base)
	}
	if e.Metadata.Annotations[catalog.AnnotationOrphan] == "true" {
		// What stopped emitting it is the Location that no longer names
		// its file (recorded when it was orphaned), else the location it
		// was listed through (a configured or registered location), not
		// its own file: that may be unchanged, with the Location that
		// named it no longer doing so.
		a.Orphan = &views.Orphan{
			ListedBy:  cmp.Or(e.Metadata.Annotations[catalog.AnnotationOrphanedBy], e.Metadata.Annotations[catalog.AnnotationManagedByOriginLocation]),
			ManagedBy: e.Metadata.Annotations[catalog.AnnotationManagedByLocation],
			Since:     se.UpdatedAt, UID: se.UID,
		}
		if a.Orphan.ListedBy == "" {
			a.Orphan.ListedBy = a.Orphan.ManagedBy
		}
	}
	locs := h.locs()
	if locs == nil {
		return a
	}
	a.CanRefresh = true
	ctx := c.Request().Context()
	loc, err := h.origin(ctx, locs, e)
	if err != nil {
		h.logAside(ctx, slog.LevelWarn, "could not find the location of an entity", "entity", ref.String(), "err", err)
	}
	a.Location = loc
	// An orphan whose location is gone (unregistered) has nothing to read
	// again: no Refresh button that would claim otherwise.
	a.CanRefresh = a.Orphan == nil || loc != nil
	return a
}

// origin returns the location an entity came from, as its origin
// annotation names it (a configured location before a registered one, as
// LocationService.ByEntity finds it); nil, nil when it came from none the
// location service knows (a provider, an unregistered one). It reads the
// entity the caller holds (ByEntity reads and decodes the entity again,
// which for an API with a 13 MB definition cost more than its page) and
// finds its location as ByEntity does, through BySpec.
func (h *Handler) origin(ctx context.Context, locs catalog.LocationService, e *catalog.Entity) (*views.OriginLocation, error) {
	ref := e.Ref()
	spec, err := catalog.ParseLocationRef(e.Metadata.Annotations[catalog.AnnotationManagedByOriginLocation])
	if err != nil {
		return nil, nil
	}
	loc, err := locs.BySpec(ctx, spec)
	switch {
	case catalog.ErrorCode(err) == catalog.ENOTFOUND:
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("location of %s: %w", ref, err)
	}
	o := &views.OriginLocation{ID: loc.ID, Type: loc.Type, Target: loc.Target, URL: locationPageURL(loc.Spec())}
	if ls, ok := h.store.(catalog.LocationStore); ok {
		_, err := ls.LocationByID(ctx, loc.ID)
		switch {
		case err == nil:
			o.Registered = true
		case catalog.ErrorCode(err) != catalog.ENOTFOUND:
			return nil, fmt.Errorf("location %s: %w", loc.ID, err)
		}
	}
	return o, nil
}

// routeRef is the entity the route names.
func routeRef(c *echo.Context) catalog.Ref {
	return catalog.Ref{Kind: c.Param("kind"), Namespace: c.Param("namespace"), Name: c.Param("name")}
}

// refreshEntity reads the entity's location again (Refresh). htmx gets
// the notice; a plain form post goes back to the entity page, which says it.
func (h *Handler) refreshEntity(c *echo.Context) error {
	if err := h.guard(c); err != nil {
		return err
	}
	ref := routeRef(c)
	locs := h.locs()
	if locs == nil {
		return h.renderError(c, http.StatusServiceUnavailable, "Refresh is not available here",
			"This portal runs without the catalog's location service.")
	}
	if se, e, loc, err := h.actionTarget(c); err == nil && loc == nil && e.Metadata.Annotations[catalog.AnnotationOrphan] == "true" {
		return h.renderError(c, http.StatusConflict, "Nothing to read again",
			"No location lists "+se.Ref.String()+" any more, so there is nothing to read. Delete the entity, or register its location again.")
	}
	if err := locs.Refresh(c.Request().Context(), ref); err != nil {
		if catalog.ErrorCode(err) == catalog.ENOTFOUND {
			return h.entityError(c, err)
		}
		return fmt.Errorf("refresh %s: %w", ref, err)
	}
	if isPartial(c.Request()) {
		return web.Render(c, http.StatusOK, views.ActionNotice(refreshNotice))
	}
	return c.Redirect(http.StatusSeeOther, entityURL(ref)+"?done=refreshed")
}

// actionTarget loads the route's entity and its origin location for the
// Unregister and Delete steps.
func (h *Handler) actionTarget(c *echo.Context) (*catalog.StoredEntity, *catalog.Entity, *views.OriginLocation, error) {
	ref := routeRef(c)
	se, err := h.store.ByRef(c.Request().Context(), ref)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read entity %s: %w", ref, err)
	}
	e, err := se.Decode()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("decode entity %s: %w", ref, err)
	}
	var loc *views.OriginLocation
	if locs := h.locs(); locs != nil {
		if loc, err = h.origin(c.Request().Context(), locs, e); err != nil {
			return nil, nil, nil, err
		}
	}
	return se, e, loc, nil
}

// renderConfirm writes a confirmation step: the page, or the panel for htmx.
func (h *Handler) renderConfirm(c *echo.Context, title string, cf views.Confirm) error {
	p := h.Page(c, title, views.NavCatalog)
	cf.CSRFToken = p.CSRFToken
	return render(c, http.StatusOK, views.ConfirmPage(p, cf), views.ConfirmPanel(cf))
}

package pages

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/views"
)

// confirmUnregister asks before unregistering the entity's location.
func (h *Handler) confirmUnregister(c *echo.Context) error {
	if err := h.guard(c); err != nil {
		return err
	}
	_, e, loc, err := h.actionTarget(c)
	if err != nil {
		return h.entityError(c, err)
	}
	if loc == nil || !loc.Registered {
		return h.renderError(c, http.StatusNotFound, "Nothing to unregister",
			"This entity did not come from a registered location. Locations in the configuration (catalog.locations) are removed there.")
	}
	n, err := h.countOrigin(c.Request().Context(), catalog.LocationSpec{Type: loc.Type, Target: loc.Target})
	if err != nil {
		return err
	}
	base := entityURL(e.Ref())
	return h.renderConfirm(c, "Unregister "+loc.Target, views.Confirm{
		Title: "Unregister this location?",
		Message: fmt.Sprintf("Portico stops reading %s:%s and removes its Location entity. Its other %s stay in the catalog "+
			"as orphans until someone deletes them (or go at once when catalog.orphanStrategy is delete).", loc.Type, loc.Target, countWords(max(n-1, 0))),
		Action:    base + "/actions/unregister",
		Hidden:    []views.HiddenField{{Name: "id", Value: loc.ID}},
		Button:    "Unregister",
		CancelURL: base,
		TestID:    "confirm-unregister",
	})
}

// unregisterLocation unregisters the entity's location and goes back to
// the entity, now an orphan, or to the location's page when the entity
// went with it (the location's own Location entity, orphanStrategy delete).
func (h *Handler) unregisterLocation(c *echo.Context) error {
	if err := h.guard(c); err != nil {
		return err
	}
	_, e, loc, err := h.actionTarget(c)
	if err != nil {
		return h.entityError(c, err)
	}
	if loc == nil || !loc.Registered || loc.ID != c.FormValue("id") {
		return h.renderError(c, http.StatusConflict, "The location changed",
			"This entity's location is no longer the one you confirmed. Open the entity page again and check.")
	}
	ctx := c.Request().Context()
	if err := h.locs().Unregister(ctx, loc.ID); err != nil {
		return fmt.Errorf("unregister %s: %w", loc.ID, err)
	}
	if _, err := h.store.ByRef(ctx, e.Ref()); err == nil {
		return c.Redirect(http.StatusSeeOther, entityURL(e.Ref())+"?done=unregistered")
	}
	return c.Redirect(http.StatusSeeOther, locationPageURL(catalog.LocationSpec{Type: loc.Type, Target: loc.Target}))
}

// confirmDelete asks before deleting an orphaned entity.
func (h *Handler) confirmDelete(c *echo.Context) error {
	if err := h.guard(c); err != nil {
		return err
	}
	se, e, _, err := h.actionTarget(c)
	if err != nil {
		return h.entityError(c, err)
	}
	if e.Metadata.Annotations[catalog.AnnotationOrphan] != "true" {
		return notAnOrphan(h, c)
	}
	base := entityURL(e.Ref())
	return h.renderConfirm(c, "Delete "+e.Ref().String(), views.Confirm{
		Title:     "Delete this entity?",
		Message:   fmt.Sprintf("%s is removed from the catalog. Nothing reads it any more, so it does not come back unless a location emits it again.", e.Ref()),
		Action:    base + "/actions/delete",
		Hidden:    []views.HiddenField{{Name: "uid", Value: se.UID}},
		Button:    "Delete entity",
		CancelURL: base,
		TestID:    "confirm-delete",
	})
}

// deleteEntity removes an orphaned entity (Catalog.RemoveEntity, as
// DELETE /entities/by-uid does) and shows the remaining orphans.
func (h *Handler) deleteEntity(c *echo.Context) error {
	if err := h.guard(c); err != nil {
		return err
	}
	se, e, _, err := h.actionTarget(c)
	if err != nil {
		return h.entityError(c, err)
	}
	if se.UID != c.FormValue("uid") {
		return h.renderError(c, http.StatusConflict, "The entity changed",
			"This entity is no longer the one you confirmed. Open its page again and check.")
	}
	if e.Metadata.Annotations[catalog.AnnotationOrphan] != "true" {
		return notAnOrphan(h, c)
	}
	if h.cat == nil {
		return h.renderError(c, http.StatusServiceUnavailable, "Deleting is not available here", "This portal runs without a catalog that can remove entities.")
	}
	if _, err := h.cat.RemoveEntity(c.Request().Context(), se.UID); err != nil {
		return fmt.Errorf("delete %s: %w", e.Ref(), err)
	}
	return c.Redirect(http.StatusSeeOther, "/catalog?orphan=true&deleted=1")
}

func notAnOrphan(h *Handler, c *echo.Context) error {
	return h.renderError(c, http.StatusConflict, "This entity is not orphaned",
		"Its location still emits it, so it would come back on the next read. Remove it from its file, or unregister its location.")
}

// countOrigin counts the entities whose origin is spec.
func (h *Handler) countOrigin(ctx context.Context, spec catalog.LocationSpec) (int, error) {
	if len(spec.String()) > maxIndexedValue {
		return 0, nil
	}
	page, err := h.store.Query(ctx, catalog.Query{
		Filter: catalog.Filter{{{Key: originKey, Values: []string{spec.String()}}}},
		Order:  []catalog.Order{{Field: "metadata.name"}},
		Limit:  1,
	})
	if err != nil {
		return 0, fmt.Errorf("count entities of %s: %w", spec, err)
	}
	return page.TotalItems, nil
}

// countWords says "1 entity" or "3 entities"; "entities" when unknown.
func countWords(n int) string {
	switch n {
	case 0:
		return "entities"
	case 1:
		return "1 entity"
	}
	return fmt.Sprintf("%d entities", n)
}

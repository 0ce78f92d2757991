package pages

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
)

// originKey is the filter key of an entity's origin location; every
// entity a location brings carries it.
const originKey = "metadata.annotations." + catalog.AnnotationManagedByOriginLocation

// maxIndexedValue is the longest value the store's field index keeps
// (Backstage's limit): a longer origin cannot be filtered on.
const maxIndexedValue = 200

// locationEntitiesShown bounds the entities a location's page lists.
const locationEntitiesShown = 100

// importedLocation renders /catalog-import/location?location=<type>:<target>:
// the location's record, its first read (polled by htmx, or refreshed by
// hand without JavaScript) and then its entities.
func (h *Handler) importedLocation(c *echo.Context) error {
	raw := c.QueryParam("location")
	spec, err := catalog.ParseLocationRef(raw)
	if err != nil || len(raw) > maxTargetLength+16 {
		return h.renderError(c, http.StatusNotFound, "Unknown location",
			"This link does not name a location. Register one on the Register an API page.")
	}
	m, err := h.locationModel(c.Request().Context(), spec)
	if err != nil {
		return err
	}
	if m.State == "gone" && m.Total == 0 && !m.Unfiltered {
		// Neither registered, configured, nor the origin of any entity:
		// never a location here (or one whose orphans were all deleted).
		return h.renderError(c, http.StatusNotFound, "Unknown location",
			"No location "+spec.String()+" is registered or configured, and no entity came from it. Register one on the Register an API page.")
	}
	p := h.Page(c, "Location "+spec.Target, views.NavRegister)
	return render(c, http.StatusOK, views.ImportedLocationPage(p, m), views.ImportedLocationRegion(m))
}

// locationModel finds the location among the registered and configured
// ones, where its read stands and, once read, its entities.
func (h *Handler) locationModel(ctx context.Context, spec catalog.LocationSpec) (views.ImportedLocation, error) {
	m := views.ImportedLocation{
		Location: spec.String(), Type: spec.Type, Target: spec.Target,
		PollURL: locationPageURL(spec), State: "gone",
	}
	if ls, ok := h.store.(catalog.LocationStore); ok {
		loc, err := ls.LocationBySpec(ctx, spec)
		switch {
		case err == nil:
			m.ID, m.State = loc.ID, "registered"
		case catalog.ErrorCode(err) != catalog.ENOTFOUND:
			return m, fmt.Errorf("find location %s: %w", spec, err)
		}
	}
	if locs := h.locs(); locs != nil && m.State == "gone" {
		list, err := locs.List(ctx)
		if err != nil {
			return m, fmt.Errorf("list locations: %w", err)
		}
		for _, l := range list {
			if l.Spec() == spec {
				m.ID, m.State = l.ID, "configured"
			}
		}
	}
	if m.State == "registered" {
		read, err := h.readState(ctx, spec.String())
		if err != nil {
			return m, err
		}
		m.Read = read
	}
	if m.Read.Pending {
		return m, nil
	}
	return m, h.originEntities(ctx, spec, &m)
}

// readState is where a registered location's reads stand. It is pending
// until its first read finishes; a replica that does not schedule it yet
// (registered through another replica a moment ago) waits too.
func (h *Handler) readState(ctx context.Context, provider string) (views.ReadState, error) {
	if h.runs == nil {
		return views.ReadState{}, nil
	}
	st, err := h.runs.ProviderStatus(ctx, provider, 1)
	if errors.Is(err, providers.ErrUnknownProvider) {
		return views.ReadState{Pending: true}, nil
	}
	if err != nil {
		return views.ReadState{}, fmt.Errorf("read status of %s: %w", provider, err)
	}
	var r views.ReadState
	if st.Running != nil {
		r.Running, r.Progress, r.Started = true, st.Running.Progress, st.Running.StartedAt
	}
	if st.Last == nil {
		r.Pending = true
		return r, nil
	}
	last := st.Last
	r.Started, r.Outcome = last.StartedAt.Truncate(time.Second), last.Outcome
	r.Counts = fmt.Sprintf("%d read, %d added, %d updated, %d removed, %d unchanged, %d invalid",
		last.Listed, last.Added, last.Updated, last.Removed, last.Unchanged, last.Invalid)
	for _, e := range last.Errors {
		r.Errors = append(r.Errors, e.Error())
	}
	if last.Message != "" && last.Outcome != providers.OutcomeOK {
		r.Errors = append(r.Errors, last.Message)
	}
	return r, nil
}

// originEntities lists the entities whose origin is spec.
func (h *Handler) originEntities(ctx context.Context, spec catalog.LocationSpec, m *views.ImportedLocation) error {
	value := spec.String()
	m.Filter = "/api/catalog/entities/by-query?filter=" + url.QueryEscape(originKey+"="+value)
	if len(value) > maxIndexedValue {
		m.Unfiltered = true
		return nil
	}
	page, err := h.store.Query(ctx, catalog.Query{
		Filter: catalog.Filter{{{Key: originKey, Values: []string{value}}}},
		Order:  []catalog.Order{{Field: "metadata.name"}},
		Limit:  locationEntitiesShown,
	})
	if err != nil {
		return fmt.Errorf("entities of %s: %w", value, err)
	}
	m.Entities, m.Total = h.summarizeAll(page.Items), page.TotalItems
	return nil
}

package catalog

import (
	"context"
	"encoding/json"
)

// LocationService registers, lists and reads again the catalog's
// locations, as Backstage's LocationService: the catalog API's location
// endpoints and the pages' Register and Refresh actions use it. The catalog
// plugin implements it over the configured and the registered locations and
// sets it with SetLocations when it starts.
type LocationService interface {
	// List returns the configured and the registered locations.
	List(ctx context.Context) ([]RegisteredLocation, error)
	// Get returns one location by id; ENOTFOUND for an unknown id.
	Get(ctx context.Context, id string) (RegisteredLocation, error)
	// ByEntity returns the location an entity came from (its origin);
	// ENOTFOUND when the entity or its location is unknown.
	ByEntity(ctx context.Context, ref Ref) (RegisteredLocation, error)
	// BySpec returns the configured or registered location spec names (a
	// configured one first); ENOTFOUND when there is none. ByEntity is
	// BySpec of the entity's origin annotation.
	BySpec(ctx context.Context, spec LocationSpec) (RegisteredLocation, error)
	// Register records a location and reads it; with DryRun it only reads
	// and processes it, writing nothing. EINVALID for a type that may not
	// be registered, ECONFLICT for a location that exists (unless
	// OnConflict is "refresh": then it is read again).
	Register(ctx context.Context, spec LocationSpec, opts RegisterOptions) (Registration, error)
	// Update gives a registered location another type and target, keeping
	// its id; what the old target emitted becomes orphans.
	Update(ctx context.Context, id string, spec LocationSpec) (RegisteredLocation, error)
	// Unregister removes a registered location; its entities become
	// orphans (or go, per catalog.orphanStrategy).
	Unregister(ctx context.Context, id string) error
	// Refresh reads again the location the entity came from.
	Refresh(ctx context.Context, ref Ref) error
}

// RegisterOptions are POST /locations' query parameters.
type RegisterOptions struct {
	DryRun bool
	// OnConflict is "reject" (the default: 409) or "refresh".
	OnConflict string
}

// Registration is the answer to POST /locations, as Backstage shapes it.
// Problems is Portico's addition: the dry run's validation problems, which
// Backstage answers with a 400 instead.
type Registration struct {
	Location RegisteredLocation `json:"location"`
	Exists   *bool              `json:"exists,omitempty"`
	Entities []json.RawMessage  `json:"entities"`
	Problems []Problem          `json:"problems,omitempty"`
}

// SetLocations sets the location service; the catalog plugin calls it when
// it starts, before the server listens.
func (c *Catalog) SetLocations(l LocationService) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.locations = l
}

// Locations returns the location service, nil before (or without) the
// catalog plugin: readers ask per request.
func (c *Catalog) Locations() LocationService {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.locations
}

// Package catalogapi is Backstage's catalog REST API (/api/catalog):
// entities, facets, locations, validation and removal, with a response
// cache keyed by the store's generation. The catalog plugin mounts it;
// package web provides the server around it (errors, metrics, health).
package catalogapi

import (
	"cmp"
	"log/slog"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
)

// Options configure New. Store is required; everything else has a default.
type Options struct {
	Store catalog.Store
	// Catalog serves the writes (DELETE /entities/by-uid, POST
	// /validate-entity) and the location endpoints (Catalog.Locations);
	// nil serves the reads alone.
	Catalog *catalog.Catalog
	Logger  *slog.Logger
	// CacheBytes bounds the response cache; 0 means 32 MB and a negative
	// value disables it.
	CacheBytes int64
	// CacheTTL bounds how long a cached answer is served. The cache is
	// always dropped when the store's generation changes (every replica's,
	// when the store offers ReplicasGeneration); a TTL matters only for
	// what another process changes without changing that generation.
	// 0 means no limit.
	CacheTTL time.Duration
	// Middleware runs before every handler (and before the response
	// cache), e.g. sign-in checks.
	Middleware []echo.MiddlewareFunc
	// RequireWriter, when set, runs before every call that changes the
	// catalog (DELETE /entities/by-uid); an error refuses the call. Sign-in
	// sets it (a signed-in user or a static token).
	RequireWriter func(c *echo.Context) error
	// URLReader reads the placeholders of entities sent to
	// POST /validate-entity, relative to their url: location; nil refuses
	// placeholders there.
	URLReader *catalog.URLReader
}

// API serves the catalog REST API; create it with New and add its routes
// with Register.
type API struct {
	Store   catalog.Store
	Catalog *catalog.Catalog

	log        *slog.Logger
	cache      *responseCache
	middleware []echo.MiddlewareFunc
	writeGuard func(c *echo.Context) error
	urls       *catalog.URLReader
}

// New returns the API over opts.Store.
func New(opts Options) *API {
	s := &API{
		Store:      opts.Store,
		Catalog:    opts.Catalog,
		log:        cmp.Or(opts.Logger, slog.New(slog.DiscardHandler)),
		middleware: opts.Middleware,
		writeGuard: opts.RequireWriter,
		urls:       opts.URLReader,
	}
	if opts.CacheBytes >= 0 {
		s.cache = newResponseCache(cmp.Or(opts.CacheBytes, 32<<20), opts.CacheTTL)
	}
	return s
}

// locations returns the catalog's location service; nil lists none and
// registers none.
func (s *API) locations() catalog.LocationService {
	if s.Catalog == nil {
		return nil
	}
	return s.Catalog.Locations()
}

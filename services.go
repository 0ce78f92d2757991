package portico

import (
	"context"
	"io/fs"
	"log/slog"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/uptrace/bun"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/providers"
	"github.com/porticohq/portico/web"
)

// Services are the values every feature receives at registration, as
// Backstage's core services are: plain Go values, shared by the backend and
// scoped to the feature where that matters (logger, config section, router,
// migrations). Options on New replace any of them. A module gets the
// services of the plugin it extends, with its own logger.
type Services struct {
	// Config is the feature's own section: the top-level key named after
	// the plugin id ("catalog", "auth", "apiDocs"). Modules get their
	// plugin's section and usually read Sub("providers.<name>").
	Config *config.Config
	// RootConfig is the whole configuration, for the few keys outside a
	// feature's section (integrations, backend.reading).
	RootConfig *config.Config
	// Settings is the typed app, backend and catalog configuration.
	Settings *config.Settings
	// Logger is scoped with the feature's id ("plugin", and "module" for
	// modules).
	Logger *slog.Logger
	// Clock returns the current time; tests replace it with WithClock.
	Clock func() time.Time
	// Store is the catalog's read side (and its writes, for the catalog).
	Store catalog.Store
	// DB is the database the store uses, for a feature's own tables; create
	// them with Migrate, never by hand.
	DB *bun.DB
	// Migrate applies the feature's numbered .sql migrations from fsys
	// (NNN_name.sql, or NNN_name.sqlite.sql / NNN_name.pg.sql per dialect),
	// recorded under the feature's id, on SQLite and PostgreSQL alike.
	Migrate func(ctx context.Context, fsys fs.FS) error
	// Catalog is the ingest pipeline: providers' mutations go through it.
	// Features other than the catalog read through Store.
	Catalog *catalog.Catalog
	// Scheduler runs scheduled providers, one runner per task across
	// replicas. Use catalogplugin.Extensions.AddEntityProvider rather than adding
	// to it directly; it is here for status pages and "sync now".
	Scheduler *providers.Scheduler
	// URLReader reads URLs that backend.reading.allow permits, within time
	// and size limits.
	URLReader *catalog.URLReader
	// Router is the feature's route group, /api/<pluginId>.
	Router *echo.Group
	// Echo serves pages; prefer appplugin.Extensions.AddRoute from a module of
	// the app plugin. Routes must be added before the backend starts
	// serving (during registration or init).
	Echo *echo.Echo
	// Web is the HTTP server: its error page and metrics.
	Web *web.Server
	// Readiness tracks work that must finish before /readyz answers ok.
	Readiness *Readiness
	// Demo is true when Portico runs with no configuration at all and
	// serves the embedded demo catalog.
	Demo bool
	// OnStop registers stop to run when the backend shuts down: after the
	// run's context is cancelled and scheduled tasks have ended, before
	// the database closes, last registered first. A feature stops there
	// what it started in the background and waits for it; stop must
	// return promptly.
	OnStop func(stop func())
}

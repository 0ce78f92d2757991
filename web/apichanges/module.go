package apichanges

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/web/apidocs"
)

// Config is apiDocs.history.
type Config struct {
	// Enabled records versions (default true).
	Enabled *bool `yaml:"enabled"`
	Keep    struct {
		// MaxAge keeps every version younger than this (default a year).
		MaxAge time.Duration `yaml:"maxAge"`
		// Min keeps at least this many versions of each API (default 50).
		Min int `yaml:"min"`
	} `yaml:"keep"`
}

// pruneInterval is how often retention runs.
const pruneInterval = 6 * time.Hour

// Module records every distinct definition of each API (a module of the
// catalog plugin: its processor notes changed definitions, its commit
// hook wakes the recorder, which writes after the commit) and serves
// GET /api/apidocs/{namespace}/{name}/versions and .../diff. Retention
// (apiDocs.history.keep) runs every few hours.
func Module() portico.Feature {
	return portico.NewModule(portico.CatalogPluginID, "api-history", func(r portico.ModuleRegistrar) error {
		s := r.Services()
		var cfg Config
		if err := s.RootConfig.Sub("apiDocs.history").Decode(&cfg); err != nil {
			return err
		}
		if cfg.Enabled != nil && !*cfg.Enabled {
			return nil
		}
		var cat portico.CatalogExtensions
		if !r.ExtensionPoint(&cat) {
			return errNoCatalog
		}
		hist := apihistory.NewStore(s.DB, s.Clock)
		rec := apihistory.NewRecorder(hist, s.Store, apihistory.RecorderOptions{Logger: s.Logger})
		cat.AddProcessor(rec.Processor())
		s.Catalog.AddCommitHook(rec.CommitHook())
		Register(s.Echo, &Handler{History: hist, Differ: rec})
		policy := apihistory.Policy{MaxAge: cfg.Keep.MaxAge, MinKeep: cfg.Keep.Min}
		r.RegisterInit(func(ctx context.Context) error {
			if err := hist.Migrate(ctx); err != nil {
				return err
			}
			go rec.Run(ctx)
			go hist.PruneEvery(ctx, policy, pruneInterval, s.Logger)
			return nil
		})
		return nil
	})
}

// PagesModule adds the Changes tab to API pages (a module of the app
// plugin): the diff between two versions, breaking changes first, each
// operation linked to the Definition tab, a picker for any two versions,
// and the timeline.
func PagesModule() portico.Feature {
	return portico.NewModule(portico.AppPluginID, "api-changes", func(r portico.ModuleRegistrar) error {
		s := r.Services()
		var cfg Config
		if err := s.RootConfig.Sub("apiDocs.history").Decode(&cfg); err != nil {
			return err
		}
		if cfg.Enabled != nil && !*cfg.Enabled {
			return nil
		}
		var pages portico.PagesExtensions
		if !r.ExtensionPoint(&pages) {
			return errNoPages
		}
		// The catalog module migrates the tables; this store only reads,
		// and its recorder only computes diffs asked for here.
		hist := apihistory.NewStore(s.DB, s.Clock)
		p := &Page{
			History:    hist,
			Differ:     apihistory.NewRecorder(hist, s.Store, apihistory.RecorderOptions{Logger: s.Logger}),
			EntityPage: pages.EntityPage,
			OperationURL: func(ref catalog.Ref, opKey string) string {
				return apidocs.DefinitionURL(ref) + "?op=" + url.QueryEscape(opKey)
			},
		}
		pages.AddEntityTab(portico.EntityTab{ID: "changes", Title: "Changes", Kinds: []string{"API"}})
		pages.AddRoute(http.MethodGet, Path, p.Serve)
		return nil
	})
}

var errNoPages = errors.New("api-changes: the app plugin offers no PagesExtensions")

var errNoCatalog = errors.New("api-history: the catalog plugin offers no CatalogExtensions")

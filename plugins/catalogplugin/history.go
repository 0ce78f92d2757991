package catalogplugin

import (
	"context"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/catalog/apiwebhook"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/providers"
	"github.com/porticohq/portico/web/apichanges"
)

// pruneJob is the scheduler job that applies apiDocs.history.keep.
const pruneJob = "api-history-prune"

// HistoryModule records every distinct definition of each API (the
// catalog store's write hook hands the recorder the API entities a
// mutation writes — an unchanged one costs nothing — its commit hook
// notes the changed definitions and wakes the recorder, which writes
// after the commit) and serves GET
// /api/apidocs/{namespace}/{name}/versions and .../diff. Retention
// (apiDocs.history.keep) is a scheduler job, so one replica prunes at a
// time; apiDocs.history.webhooks are told of new versions (webhooks.go).
// Issue 16.
func HistoryModule() Feature {
	return portico.CheckConfig(portico.NewModule(ID, "api-history", func(r portico.ModuleRegistrar) error {
		s := r.Services()
		cfg, on, err := apichanges.ReadConfig(s.RootConfig)
		if err != nil {
			return err
		}
		if !on {
			serveDeliveries(s, nil, nil) // no history, no webhook is sent
			return nil
		}
		cat, err := portico.ExtensionPoint[Extensions](r)
		if err != nil {
			return err
		}
		hooks, err := historyWebhooks(r)
		if err != nil {
			return err
		}
		var arrived apihistory.ArrivedFunc
		if hooks != nil {
			arrived = hooks.Arrived
		}
		hist := apihistory.NewStore(s.DB, s.Clock).ReadingCurrentFrom(s.Store)
		// Recording waits while a location's first load is under way:
		// writing versions between a bulk load's mutations made the
		// catalog's writer re-read its indexes after each one. A location
		// whose first load failed does not hold it (it may stay failed).
		rec := apihistory.NewRecorder(hist, s.Store, apihistory.RecorderOptions{Logger: s.Logger, Arrived: arrived,
			Hold: func() bool { return len(s.Readiness.Loading()) > 0 }})
		if hooks != nil {
			// Versions whose diff fails are found by the delivery job.
			hooks.History, hooks.Differ = hist, rec
		}
		cat.AddProcessor(rec.Processor())
		s.Catalog.AddCommitHook(rec.CommitHook())
		apichanges.Register(s.Echo, &apichanges.Handler{History: hist, Differ: rec, BaseURL: s.Settings.PublicURL(), Catalog: s.Store})
		policy := apihistory.Policy{MaxAge: cfg.Keep.MaxAge, MinKeep: cfg.Keep.Min}
		r.RegisterInit(func(ctx context.Context) error {
			if err := hist.Migrate(ctx); err != nil {
				return err
			}
			// A removed API's last definition is held only by its
			// entity: keep it in the transaction that deletes the entity.
			if rm, ok := s.Store.(apihistory.Remover); ok {
				hist.KeepRemovedFrom(rm)
			}
			// It hears of new and changed APIs, and keeps a replaced
			// definition, in the transaction that writes them.
			if w, ok := s.Store.(apihistory.Writer); ok {
				rec.WatchWritesOf(w)
			} else {
				s.Logger.Warn("api history: the catalog store does not report writes; no versions are recorded")
			}
			go rec.Run(ctx)
			return s.Scheduler.AddJob(providers.Job{Name: pruneJob, Every: apichanges.PruneInterval, Run: func(ctx context.Context) error {
				n, err := hist.Prune(ctx, policy)
				if n > 0 {
					s.Logger.Info("api history: pruned versions", "versions", n)
				}
				return err
			}})
		})
		return nil
	}), CheckHistoryConfig)
}

// CheckHistoryConfig refuses, before the database opens, what the module
// would at registration: a bad apiDocs.history or webhook entry.
func CheckHistoryConfig(root *config.Config) error {
	if _, on, err := apichanges.ReadConfig(root); err != nil || !on {
		return err
	}
	_, _, err := apiwebhook.ReadConfig(root)
	return err
}

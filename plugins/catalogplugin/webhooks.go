package catalogplugin

import (
	"context"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/auth"
	"github.com/porticohq/portico/catalog/apiwebhook"
	"github.com/porticohq/portico/providers"
	"github.com/porticohq/portico/web/webhookstatus"
)

// webhookJob is the scheduler job that sends API-change webhooks.
const webhookJob = "api-webhooks"

// webhookPoll is how often a replica looks for due deliveries (retries,
// and those queued by another replica); the recording replica wakes the
// job at once.
const webhookPoll = 10 * time.Second

// historyWebhooks reads apiDocs.history.webhooks and, when any is set,
// returns the deliverer whose Arrived hook the recorder calls and
// registers the scheduler job that sends deliveries, one replica at a time
// (issue 16 item 5). The caller sets its History and Differ. No webhooks:
// nil, and nothing runs. Either way it serves GET
// /api/apidocs/webhooks/deliveries, which then lists none.
func historyWebhooks(r portico.ModuleRegistrar) (*apiwebhook.Deliverer, error) {
	s := r.Services()
	cfg, rules, err := apiwebhook.ReadConfig(s.RootConfig)
	if err != nil {
		return nil, err
	}
	if len(cfg.Webhooks) == 0 {
		serveDeliveries(s, nil, nil)
		return nil, nil
	}
	d := &apiwebhook.Deliverer{
		Store:   apiwebhook.NewStore(s.DB, s.Clock),
		Hooks:   cfg.Webhooks,
		Rules:   rules,
		BaseURL: s.Settings.PublicURL(),
		Log:     s.Logger,
		Wake:    func() { s.Scheduler.WakeJob(webhookJob) },
	}
	r.RegisterInit(func(ctx context.Context) error {
		if err := d.Store.Migrate(ctx); err != nil {
			return err
		}
		return s.Scheduler.AddJob(providers.Job{Name: webhookJob, Every: webhookPoll, Run: d.DeliverDue})
	})
	serveDeliveries(s, d.Store, cfg.Webhooks)
	return d, nil
}

// serveDeliveries serves GET /api/apidocs/webhooks/deliveries to
// signed-in users and token holders; without webhooks (st nil) it lists
// none rather than answering 404, as the README promises the route.
func serveDeliveries(s *portico.Services, st webhookstatus.Lister, hooks []apiwebhook.Webhook) {
	webhookstatus.Register(s.Echo, st, hooks, func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if err := auth.RequireUserOrToken(c); err != nil {
				return err
			}
			return next(c)
		}
	})
}

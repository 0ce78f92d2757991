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
// returns the deliverer whose Arrived hook the recorder calls, registers
// the scheduler job that sends deliveries, one replica at a time (issue 16
// item 5), and serves GET /api/apidocs/webhooks/deliveries. The caller
// sets its History and Differ. No webhooks: nil, and nothing runs.
func historyWebhooks(r portico.ModuleRegistrar) (*apiwebhook.Deliverer, error) {
	s := r.Services()
	cfg, rules, err := apiwebhook.ReadConfig(s.RootConfig)
	if err != nil || len(cfg.Webhooks) == 0 {
		return nil, err
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
	webhookstatus.Register(s.Echo, d.Store, cfg.Webhooks, func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if err := auth.RequireUserOrToken(c); err != nil {
				return err
			}
			return next(c)
		}
	})
	return d, nil
}

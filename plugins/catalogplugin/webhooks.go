package catalogplugin

import (
	"context"
	"time"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/catalog/apiwebhook"
	"github.com/porticohq/portico/providers"
)

// webhookJob is the scheduler job that sends API-change webhooks.
const webhookJob = "api-webhooks"

// webhookPoll is how often a replica looks for due deliveries (retries,
// and those queued by another replica); the recording replica wakes the
// job at once.
const webhookPoll = 10 * time.Second

// historyWebhooks reads apiDocs.history.webhooks and, when any is set,
// returns the recorder's Arrived hook that queues their deliveries, and
// registers the scheduler job that sends them, one replica at a time
// (issue 16 item 5). No webhooks: nil, and nothing runs.
func historyWebhooks(r portico.ModuleRegistrar) (apihistory.ArrivedFunc, error) {
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
	return d.Arrived, nil
}

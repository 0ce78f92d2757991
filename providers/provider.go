// Package providers owns entity providers: the interface a provider
// implements, the scheduler that runs scheduled providers (one runner per
// task across replicas), run records and the safety rules every run obeys.
package providers

import (
	"context"
	"time"

	"github.com/porticohq/portico/catalog"
)

// EntityProvider is a source of entities with a stable, unique name; it owns
// the bucket of entities named after it (e.g. "ThreeScaleApiEntityProvider:dev").
type EntityProvider interface {
	Name() string
	// Connect is called once at start. Push-style providers (file watchers,
	// webhooks) keep conn and apply mutations whenever they like, from
	// goroutines that end when ctx ends.
	Connect(ctx context.Context, conn Connection) error
}

// Connection applies a provider's mutations to its bucket.
type Connection interface {
	ApplyMutation(ctx context.Context, m catalog.Mutation) (catalog.ApplyResult, error)
}

// MutationPreparer is an optional Connection capability that splits
// ApplyMutation in two: PrepareMutation processes a mutation without
// writing it, ApplyPrepared writes it. A provider that loads a large source
// as a series of mutations prepares the next while the current one is
// written, so processing and writing run side by side.
type MutationPreparer interface {
	PrepareMutation(ctx context.Context, m catalog.Mutation) (*catalog.PreparedMutation, error)
	ApplyPrepared(ctx context.Context, p *catalog.PreparedMutation) (catalog.ApplyResult, error)
}

// BulkLoader is an optional Connection capability: a provider about to
// load about n entities as many mutations says so first, and runs end when
// the load is over, failed or not, before it reports the load done (see
// catalog.Catalog.BeginBulkLoad).
type BulkLoader interface {
	BeginBulkLoad(ctx context.Context, n int) (end func(context.Context) error, err error)
}

// ScheduledProvider is a provider the scheduler drives: each run returns one
// mutation, which is applied only if the run succeeds within its timeout and
// passes the safety rules. "Sync now" triggers a run.
type ScheduledProvider interface {
	EntityProvider
	Schedule() Schedule
	Run(ctx context.Context) (catalog.Mutation, error)
}

// Schedule is a Backstage TaskScheduleDefinition after parsing.
type Schedule struct {
	Frequency    time.Duration // zero when Cron is set
	Cron         string        // crontab: 5 fields, or 6 with seconds first
	Timeout      time.Duration
	InitialDelay time.Duration
	// Manual: the task runs at start and when asked (Sync now, a
	// refresh), not on a timer; Frequency is then only a far-off backstop.
	Manual bool
}

// ApplyObserver is implemented by providers that log, in their own familiar
// form, that a run's mutation is being applied (3scale's "Applying the
// mutation with N entities"). The scheduler calls Applying only once the run
// succeeded, passed the safety rules and still holds its lease, right
// before the Connection applies m, so a held or failed run never claims to
// apply anything.
type ApplyObserver interface {
	Applying(ctx context.Context, m catalog.Mutation)
}

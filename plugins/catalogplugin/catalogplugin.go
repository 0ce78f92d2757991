// Package catalogplugin is the catalog plugin (id "catalog"): it offers
// Extensions (entity providers, processors, kinds, location readers) to its
// modules, connects every provider to ingest, schedules the scheduled ones,
// keeps the Location entities of the configured locations, serves the
// catalog REST API (web/catalogapi) with the registered locations behind
// it, and records ingest metrics and readiness through the catalog's commit
// hook. Its modules read file, url and demo locations.
package catalogplugin

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/auth"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/providers"
	"github.com/porticohq/portico/web/catalogapi"
)

// ID is the catalog plugin's id; catalog modules pass it to
// NewModule.
const ID = "catalog"

// DefaultLocationTimeout bounds one read of a location by a LocationReader
// (url locations, registered locations, custom types); they are read every
// catalog.processingInterval unless the reader chooses its own schedule.
const DefaultLocationTimeout = 2 * time.Minute

// Plugin is the catalog: it offers Extensions to its modules
// and, when the backend starts, adds their processors to ingest, connects
// every entity provider (the first ingest of each counts towards /readyz)
// and starts the scheduler for scheduled providers. It serves the catalog
// REST API (package catalogapi) under /api/catalog.
func Plugin() portico.Feature {
	return portico.NewPlugin(ID, func(r portico.PluginRegistrar) error {
		ext := &catalogExtensions{readers: map[string]LocationReader{}}
		r.RegisterExtensionPoint(ext)
		s := r.Services()
		catalogapi.New(catalogapi.Options{
			Store:   s.Store,
			Catalog: s.Catalog,
			Logger:  s.Logger,
			// Catalog writes need a signed-in user or a static token
			// whenever sign-in is configured.
			RequireWriter: auth.RequireUserOrToken,
			URLReader:     s.URLReader,
		}).Register(s.Router)
		r.RegisterInit(func(ctx context.Context) error { return ext.start(ctx, s) })
		return nil
	})
}

// catalogExtensions collects what modules add until the catalog starts.
type catalogExtensions struct {
	mu         sync.Mutex
	providers  []providers.EntityProvider
	processors []catalog.Processor
	kinds      []catalog.Kind
	readers    map[string]LocationReader
}

var _ Extensions = (*catalogExtensions)(nil)

func (x *catalogExtensions) AddEntityProvider(p providers.EntityProvider) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.providers = append(x.providers, p)
}

func (x *catalogExtensions) AddProcessor(p catalog.Processor) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.processors = append(x.processors, p)
}

func (x *catalogExtensions) AddKind(k catalog.Kind) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.kinds = append(x.kinds, k)
}

func (x *catalogExtensions) AddLocationReader(locationType string, r LocationReader) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.readers[locationType] = r
}

// start wires everything the modules added into the running catalog.
func (x *catalogExtensions) start(ctx context.Context, s *portico.Services) error {
	x.mu.Lock()
	procs := slices.Clone(x.processors)
	provs := slices.Clone(x.providers)
	kinds := slices.Clone(x.kinds)
	x.mu.Unlock()

	if slices.ContainsFunc(s.Settings.Catalog.Locations, func(l config.LocationSettings) bool { return len(l.Rules) > 0 }) {
		// Per-location rules widen the global ones, so the check is a
		// processor that knows each entity's location (the backend leaves
		// the catalog's own allow-list empty then), ahead of the modules'.
		s.Catalog.AddProcessor(newKindRules(&s.Settings.Catalog))
	}
	for _, p := range procs {
		s.Catalog.AddProcessor(p)
	}
	for _, k := range kinds {
		if err := s.Catalog.AddKind(k); err != nil {
			return err
		}
	}
	// catalog.orphanStrategy: delete also removes the orphans kept while
	// the strategy was keep. A failure is logged: the orphans stay, and
	// the next start tries again.
	if n, err := s.Catalog.DeleteOrphans(ctx); err != nil {
		s.Logger.Error("delete orphans kept under the keep strategy", "err", err)
	} else if n > 0 {
		s.Logger.Info("deleted orphans kept under the keep strategy", "entities", n)
	}
	if err := applyLocationEntities(ctx, s); err != nil {
		return fmt.Errorf("location entities: %w", err)
	}
	provs = append(provs, x.locationProviders(s)...)
	watch := &ingestWatch{metrics: s.Web.Metrics, readiness: s.Readiness, byName: map[string]*watched{}}
	s.Catalog.AddCommitHook(watch.observe)
	connect := func(name string) providers.Connection {
		return &connection{catalog: s.Catalog, name: name, w: watch.add(name, &watched{})}
	}
	locs := newLocationService(s, connect)
	names := map[string]bool{}
	for _, p := range provs {
		if names[p.Name()] {
			return fmt.Errorf("two entity providers are named %q; provider names must be unique", p.Name())
		}
		names[p.Name()] = true
	}
	var locations []*locationProvider
	for _, p := range provs {
		w := &watched{failReady: true}
		if lp, ok := p.(*locationProvider); ok {
			w.done = lp.done
			locations = append(locations, lp)
		}
		if r, ok := p.(refresher); ok {
			locs.refreshers[p.Name()] = r
		}
		conn := &connection{catalog: s.Catalog, name: p.Name(), w: w}
		if sp, ok := p.(providers.ScheduledProvider); ok {
			w.scheduled = true
			watch.add(p.Name(), w)
			if err := s.Scheduler.Add(sp, conn); err != nil {
				return fmt.Errorf("schedule provider %s: %w", p.Name(), err)
			}
			continue
		}
		follows := "pushes its changes"
		if f, ok := p.(providers.Follower); ok {
			follows = f.Follows()
		}
		w.tracker = s.Scheduler.Track(p.Name(), follows)
		w.done = s.Readiness.Add(p.Name())
		watch.add(p.Name(), w)
		x.connect(ctx, s, p, conn)
	}
	if err := s.Scheduler.Start(ctx); err != nil {
		return fmt.Errorf("start scheduler: %w", err)
	}
	for _, lp := range locations {
		go readyWhenApplied(ctx, s.Scheduler, lp)
	}
	s.Catalog.SetLocations(locs)
	if err := locs.start(ctx); err != nil {
		return fmt.Errorf("registered locations: %w", err)
	}
	return nil
}

// connect calls Connect in the background: a file location's Connect
// returns once its first full mutation is applied, which can take seconds,
// and the portal should answer (with /readyz saying "not yet") meanwhile.
// A provider whose first load fails is not ready, and /readyz says why,
// until it reports a later whole load (providers.LoadReporter: a file
// location's retry).
func (x *catalogExtensions) connect(ctx context.Context, s *portico.Services, p providers.EntityProvider, conn *connection) {
	go func() {
		start := time.Now()
		if err := p.Connect(ctx, conn); err != nil {
			if ctx.Err() == nil {
				s.Logger.Error("connect entity provider", "provider", p.Name(), "err", err)
				s.Readiness.Fail(p.Name(), err)
			}
			return
		}
		conn.Loaded()
		s.Logger.Debug("entity provider connected", "provider", p.Name(), "duration", time.Since(start))
	}()
}

// readyWhenApplied marks a url location ready as soon as any replica has
// applied a read of it: its stored entities are what this replica serves,
// so readiness never waits for this replica to win the task's lease (issue
// 15: two of three replicas stayed unready for 5 and 10 minutes).
func readyWhenApplied(ctx context.Context, sched *providers.Scheduler, lp *locationProvider) {
	for {
		ok, err := sched.HasApplied(ctx, lp.Name())
		if err == nil && ok {
			lp.done()
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-lp.ready:
			return
		case <-time.After(time.Second):
		}
	}
}

// locationProviders makes a scheduled provider of every configured
// location whose type has a LocationReader, and warns about locations no
// module reads.
func (x *catalogExtensions) locationProviders(s *portico.Services) []providers.EntityProvider {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []providers.EntityProvider
	for i, loc := range s.Settings.Catalog.Locations {
		r, ok := x.readers[loc.Type]
		if !ok {
			if loc.Type != "file" { // FileLocationsModule adds file providers itself
				s.Logger.Warn("no module reads catalog locations of this type; ignored",
					"location", fmt.Sprintf("catalog.locations[%d]", i), "type", loc.Type, "target", loc.Target)
			}
			continue
		}
		lp := &locationProvider{typ: loc.Type, target: loc.Target, reader: r, schedule: locationSchedule(s.Settings.Catalog.ProcessingInterval),
			readiness: s.Readiness, ready: make(chan struct{})}
		done := s.Readiness.Add(lp.Name())
		var once sync.Once
		lp.markReady = func() { once.Do(func() { done(); close(lp.ready) }) }
		out = append(out, lp)
	}
	return out
}

// connection applies one provider's mutations through ingest; the
// catalog's commit hook (ingestWatch) records what each apply did.
type connection struct {
	catalog *catalog.Catalog
	name    string
	w       *watched
}

var _ providers.LoadReporter = (*connection)(nil)

// Loaded marks a push-style provider's first whole load as written.
func (c *connection) Loaded() {
	if c.w.tracker != nil {
		c.w.tracker.Loaded()
	}
	if c.w.done != nil {
		c.w.done()
	}
}

func (c *connection) ApplyMutation(ctx context.Context, m catalog.Mutation) (catalog.ApplyResult, error) {
	return c.catalog.Apply(ctx, c.name, m)
}

var _ providers.MutationPreparer = (*connection)(nil)

var _ providers.BulkLoader = (*connection)(nil)

// KeepBelowFailed counts what a failed Location hid as failed too, before
// the scheduler counts removals in stored, the bucket it listed (see
// catalog.Catalog.KeepBelowFailed).
func (c *connection) KeepBelowFailed(ctx context.Context, m catalog.Mutation, stored []catalog.StoredRef) (catalog.Mutation, error) {
	return c.catalog.KeepBelowFailed(ctx, c.name, m, stored)
}

// BeginBulkLoad lets the store defer index upkeep during a large first
// load (see catalog.Catalog.BeginBulkLoad).
func (c *connection) BeginBulkLoad(ctx context.Context, n int) (func(context.Context) error, error) {
	return c.catalog.BeginBulkLoad(ctx, n)
}

// PrepareMutation processes m without writing it (see
// catalog.Catalog.Prepare); ApplyPrepared writes it.
func (c *connection) PrepareMutation(ctx context.Context, m catalog.Mutation) (*catalog.PreparedMutation, error) {
	return c.catalog.Prepare(ctx, c.name, m)
}

// ApplyPrepared writes a prepared mutation.
func (c *connection) ApplyPrepared(ctx context.Context, p *catalog.PreparedMutation) (catalog.ApplyResult, error) {
	return c.catalog.ApplyPrepared(ctx, p)
}

// BucketRefs lets push-style providers (file locations) load a large source
// as bounded deltas and then remove what none of its files holds any more.
func (c *connection) BucketRefs(ctx context.Context) ([]catalog.StoredRef, error) {
	return c.catalog.BucketRefs(ctx, c.name)
}

// locationProvider is a configured location read by a LocationReader on a
// schedule.
type locationProvider struct {
	typ, target string
	reader      LocationReader
	schedule    providers.Schedule // unless the reader chooses its own
	readiness   *portico.Readiness
	ready       chan struct{} // closed once the location is ready
	markReady   func()
}

// done marks the location ready (once it has been read and applied).
func (p *locationProvider) done() {
	p.markReady()
}

var _ providers.ScheduledProvider = (*locationProvider)(nil)

func (p *locationProvider) Name() string { return p.typ + ":" + p.target }

func (p *locationProvider) Connect(context.Context, providers.Connection) error { return nil }

func (p *locationProvider) Schedule() providers.Schedule {
	if s, ok := p.reader.(Scheduled); ok {
		return s.Schedule()
	}
	return p.schedule
}

// Run reads the location. Readiness counts the location as done once a
// read of it is applied, here or by another replica; until then a failed
// read is the reason /readyz gives.
func (p *locationProvider) Run(ctx context.Context) (catalog.Mutation, error) {
	m, err := p.reader.ReadLocation(ctx, p.target)
	if err != nil {
		err = fmt.Errorf("read %s: %w", p.Name(), err)
		p.readiness.Fail(p.Name(), err)
		return catalog.Mutation{}, err
	}
	return m, nil
}

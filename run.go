package portico

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/egress"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/providers"
	"github.com/porticohq/portico/web"
)

// urlBodyCache bounds the bodies the URL reader keeps to revalidate with
// If-None-Match (url locations and placeholders are read on every run).
const urlBodyCache = 64 << 20

// runtime is what one Run shares between features.
type runtime struct {
	log       *slog.Logger
	cfg       *config.Config
	settings  *config.Settings
	clock     func() time.Time
	store     *store.Store
	ownStore  bool
	catalog   *catalog.Catalog
	web       *web.Server
	scheduler *providers.Scheduler
	urls      *catalog.URLReader
	readiness *Readiness
	demo      bool
	// memory is what the start-up line says of the soft memory limit
	// (setMemoryLimit), when Run set one.
	memory []any

	stopMu sync.Mutex
	stops  []func() // Services.OnStop, in registration order
}

func (b *Backend) run(ctx context.Context) error {
	reg, err := newRegistry(b.features)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rt, err := b.setup(ctx, reg)
	if err != nil {
		return err
	}
	defer func() {
		// Stop what features started (scheduler loops, file watchers)
		// before the database closes under them.
		cancel()
		rt.scheduler.Wait()
		rt.stop()
		rt.close()
	}()
	if err := reg.register(rt.services); err != nil {
		return err
	}
	if err := reg.init(ctx); err != nil {
		return err
	}
	rt.warnUnused()
	ln, err := b.listen(ctx, rt.settings)
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.addr = ln.Addr()
	b.mu.Unlock()
	// The first line a newcomer reads: where to open the portal.
	rt.log.Info("Portico is running", append([]any{"url", rt.openURL(ln.Addr()), "address", ln.Addr().String(),
		"database", rt.databaseName(), "demo", rt.demo, "replica", rt.scheduler.Owner()}, rt.memory...)...)
	close(b.ready)
	return rt.web.Serve(ctx, ln)
}

// setup loads the configuration, checks it in full (reg's features'
// sections too), and only then opens the database and builds the shared
// services: store, catalog, scheduler, URL reader and HTTP server.
func (b *Backend) setup(ctx context.Context, reg *registry) (*runtime, error) {
	rt := &runtime{clock: b.opts.clock, log: b.opts.logger, readiness: NewReadiness()}
	if rt.clock == nil {
		rt.clock = time.Now
	}
	var level *slog.LevelVar
	if rt.log == nil {
		// Info until the configuration says otherwise.
		level = new(slog.LevelVar)
		rt.log = NewLogger(os.Stderr, level)
	}
	cfg, err := b.config()
	if err != nil {
		return nil, err
	}
	rt.cfg = cfg
	rt.demo = len(cfg.Files()) == 0 && b.opts.config == nil
	if b.opts.demo != nil {
		rt.demo = *b.opts.demo
	}
	if rt.settings, err = config.ParseSettings(cfg); err != nil {
		return nil, err
	}
	if rt.urls, err = urlReader(cfg, rt.settings.Backend.Reading); err != nil {
		return nil, err
	}
	if level != nil {
		level.Set(rt.settings.LogLevel())
	}
	if b.opts.memoryLimit {
		rt.memory = setMemoryLimit(rt.settings)
	}
	// Features see the address actually used (the demo's try-it-out allows
	// exactly that address; the public URL falls back to it).
	addr := b.opts.address
	if b.opts.listener != nil {
		addr = b.opts.listener.Addr().String()
	}
	if addr != "" {
		var l config.ListenSettings
		const key = "--listen (or PORTICO_LISTEN)"
		if err := l.UnmarshalConfig(config.New(map[string]any{key: addr}).Sub(key)); err != nil {
			return nil, fmt.Errorf("listen address %q: %w", addr, err)
		}
		rt.settings.Backend.Listen = l
	}
	if err := reg.checkConfig(cfg); err != nil {
		return nil, err
	}
	if err := b.openStore(ctx, rt); err != nil {
		return nil, err
	}
	if err := rt.build(); err != nil {
		rt.close()
		return nil, err
	}
	return rt, nil
}

// setMemoryLimit sets the soft memory limit the settings ask for and
// returns what the start-up line says of it, so an operator sees what the
// GC aims at (a line of its own came before "Portico is running", which
// must stay the first line a newcomer reads).
func setMemoryLimit(s *config.Settings) []any {
	limit, source := s.MemoryLimit(os.Getenv, config.CgroupMemoryMax())
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	current := debug.SetMemoryLimit(-1)
	if current == math.MaxInt64 {
		current = 0 // none
	}
	return []any{"memory_limit", current, "memory_limit_source", source}
}

func (b *Backend) config() (*config.Config, error) {
	if b.opts.config != nil {
		return b.opts.config, nil
	}
	return config.Load(b.opts.files...)
}

// openStore opens the configured database (or takes the one given with
// WithStore), creating the PostgreSQL database first when it is missing.
func (b *Backend) openStore(ctx context.Context, rt *runtime) error {
	if b.opts.store != nil {
		rt.store = b.opts.store
		return nil
	}
	db := config.Database{}
	if b.opts.database != nil {
		db = *b.opts.database
	} else {
		var err error
		if db, err = rt.settings.Backend.Database.Resolve(); err != nil {
			return err
		}
	}
	dsn := db.Path
	if db.Driver == config.DriverPostgres {
		dsn = db.URL
		if err := store.EnsurePGDatabase(ctx, serverURL(db.URL), db.Name); err != nil {
			return fmt.Errorf("database %s: %w", db, err)
		}
	}
	st, err := store.Open(ctx, store.Config{Driver: db.Driver, DSN: dsn, Logger: rt.log.With("component", "store")})
	if err != nil {
		return fmt.Errorf("database %s: %w", db, err)
	}
	rt.store, rt.ownStore = st, true
	return nil
}

// serverURL points a database URL at the server's maintenance database,
// from which a missing database can be created.
func serverURL(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return dbURL
	}
	u.Path = "/postgres"
	return u.String()
}

// urlReader is the reader for url locations and $text placeholders that
// backend.reading configures. A zero maxBytes is the reader's own default
// (catalog.DefaultMaxReadSize); an allowAddresses entry the egress rules
// cannot parse stops start-up, before the database opens, naming the file
// and the entry.
func urlReader(cfg *config.Config, r config.ReadingSettings) (*catalog.URLReader, error) {
	allow := make([]catalog.ReadAllowRule, 0, len(r.Allow))
	for _, a := range r.Allow {
		allow = append(allow, catalog.ReadAllowRule{Host: a.Host, Paths: a.Paths})
	}
	var addrs []egress.Rule
	for i, a := range r.AllowAddresses {
		rules, err := egress.ParseAddressRules([]string{a})
		if err != nil {
			return nil, cfg.Sub("backend.reading.allowAddresses").Index(i).Errorf("", "%v", err)
		}
		addrs = append(addrs, rules...)
	}
	return &catalog.URLReader{Allow: allow, Addresses: addrs, MaxSize: r.MaxBytes, Bodies: catalog.NewBodyCache(urlBodyCache)}, nil
}

// build creates the catalog, scheduler and HTTP server over the open
// store.
func (rt *runtime) build() error {
	s := rt.settings
	opts := catalog.Options{Logger: rt.log.With("component", "ingest"), OrphanStrategy: s.Catalog.OrphanStrategy}
	if !s.Catalog.HasLocationRules() {
		// Per-location rules widen the global ones; with them, the catalog
		// plugin checks kinds in a processor that knows each entity's
		// location instead.
		opts.AllowedKinds = s.Catalog.AllowedKinds(nil)
	}
	rt.catalog = catalog.New(rt.store, opts)
	sched, err := providers.New(providers.Options{
		DB:     rt.store.DB(),
		Logger: rt.log.With("component", "scheduler"),
		Clock:  rt.clock,
	})
	if err != nil {
		return fmt.Errorf("scheduler: %w", err)
	}
	rt.scheduler = sched
	rt.web = web.New(web.Options{
		Store:  rt.store,
		Logger: rt.log.With("component", "http"),
		Ready:  rt.readiness.Err,
		// Request lines at info only when asked: 116 MB of them in two
		// minutes of load buried everything else (issue 15).
		AccessLog: s.Backend.Logging.AccessLog,
	})
	rt.web.Metrics.Register(func(w io.Writer) { _ = sched.WriteMetrics(w) })
	return nil
}

// services returns the services for a plugin, or for one of its modules
// when moduleID is set.
func (rt *runtime) services(pluginID, moduleID string) *Services {
	log := rt.log.With("plugin", pluginID)
	owner := pluginID
	if moduleID != "" {
		log = log.With("module", moduleID)
		owner = pluginID + "." + moduleID
	}
	db := rt.store.DB()
	return &Services{
		Config:     rt.cfg.Section(pluginID),
		RootConfig: rt.cfg,
		Settings:   rt.settings,
		Logger:     log,
		Clock:      rt.clock,
		Store:      rt.store,
		DB:         db,
		Migrate: func(ctx context.Context, fsys fs.FS) error {
			return store.Migrate(ctx, db, owner, fsys)
		},
		Catalog:   rt.catalog,
		Scheduler: rt.scheduler,
		URLReader: rt.urls,
		Router:    rt.web.Echo.Group("/api/" + pluginID),
		Echo:      rt.web.Echo,
		Web:       rt.web,
		Readiness: rt.readiness,
		Demo:      rt.demo,
		OnStop:    rt.onStop,
	}
}

func (rt *runtime) onStop(stop func()) {
	rt.stopMu.Lock()
	defer rt.stopMu.Unlock()
	rt.stops = append(rt.stops, stop)
}

// stop runs what features registered with OnStop, last first.
func (rt *runtime) stop() {
	rt.stopMu.Lock()
	stops := rt.stops
	rt.stops = nil
	rt.stopMu.Unlock()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
}

// warnUnused logs, once each, the configuration keys nobody reads, the
// provider sections no module reads, and unset environment variables.
func (rt *runtime) warnUnused() {
	keys, provs := config.UnusedKeys(rt.cfg)
	if len(keys) > 0 {
		rt.log.Warn(config.DescribeUnused(keys))
	}
	if len(provs) > 0 {
		rt.log.Warn("ignoring catalog.providers sections no module reads (unknown provider?): " + strings.Join(provs, ", "))
	}
	if missing := rt.cfg.MissingEnv(); len(missing) > 0 {
		rt.log.Warn("config refers to unset environment variables; their keys are treated as absent: " + strings.Join(missing, ", "))
	}
}

// openURL is the URL to open in a browser: the public URL when one is
// configured, else the address the backend listens on, with localhost for
// "all interfaces".
func (rt *runtime) openURL(addr net.Addr) string {
	if rt.settings.PublicURLConfigured() {
		return rt.settings.PublicURL()
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func (rt *runtime) databaseName() string {
	return rt.store.Dialect()
}

func (rt *runtime) close() {
	if rt.ownStore && rt.store != nil {
		if err := rt.store.Close(); err != nil {
			rt.log.Warn("close database", "err", err)
		}
	}
}

// listen opens the listener: the one given with WithListener, the address
// given with WithAddress, or backend.listen.
func (b *Backend) listen(ctx context.Context, s *config.Settings) (net.Listener, error) {
	if b.opts.listener != nil {
		return b.opts.listener, nil
	}
	addr := b.opts.address
	if addr == "" {
		addr = s.Backend.Listen.Addr()
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

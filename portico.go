// Package portico is Portico's backend system: New creates a backend, Add
// registers features (plugins and the modules that extend them) and Run
// starts them, serves HTTP and shuts down gracefully when its context ends.
//
// It keeps the shape of Backstage's backend system in plain Go: services are
// ordinary values handed to each feature at registration (see Services),
// extension points are small interfaces offered by plugins and found by
// type with ExtensionPoint, and the built-in features (packages
// catalogplugin, appplugin and authplugin, and the providers; package
// defaults lists them) are added through the same API a user's own main.go
// uses:
//
//	b := portico.New(portico.WithConfigFiles("app-config.yaml"))
//	b.Add(defaults.Features()...)
//	b.Add(mymodule.Module())
//	if err := b.Run(ctx); err != nil { ... }
//
// Start-up order is derived: every plugin registers (offering its extension
// points), then every module registers against its plugin's extension
// points; then, plugin by plugin in the order they were added (a plugin that
// declares DependsOn waits for the other), each plugin's modules initialise
// and then the plugin itself. Only then does the backend listen. A duplicate
// id, a module whose plugin is absent, or a failing registration or init
// stops start-up with one error naming the feature, and no listener is left
// open. The configuration is checked in full (the features' sections with
// the checks given to CheckConfig) before the database is opened, so a
// start refused for a bad value creates no database.
package portico

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"sync"

	"github.com/porticohq/portico/config"
)

// Feature is a plugin or a module; create one with NewPlugin or NewModule
// and pass it to Backend.Add.
type Feature interface {
	featureID() string
}

// PluginRegistrar is handed to a plugin's register function.
type PluginRegistrar interface {
	// Services returns the services scoped to this plugin.
	Services() *Services
	// RegisterExtensionPoint offers ep to the plugin's modules; a module
	// finds it by type with ExtensionPoint.
	RegisterExtensionPoint(ep any)
	// RegisterInit runs init when the backend starts, after all of the
	// plugin's modules have initialised. ctx lives as long as the backend
	// runs, so goroutines started from init may use it.
	RegisterInit(init func(ctx context.Context) error)
	// DependsOn makes this plugin initialise after pluginID (which must be
	// added too), for plugins that use what another one sets up at init.
	DependsOn(pluginID string)
}

// ModuleRegistrar is handed to a module's register function.
type ModuleRegistrar interface {
	// Services returns the services scoped to this module.
	Services() *Services
	// extended returns the id of the plugin the module extends and the
	// extension points it offers; ExtensionPoint looks them up by type.
	extended() (pluginID string, eps []any)
	// RegisterInit runs init when the backend starts, before the extended
	// plugin initialises.
	RegisterInit(init func(ctx context.Context) error)
}

type plugin struct {
	id       string
	register func(PluginRegistrar) error
	check    func(root *config.Config) error
}

func (p *plugin) featureID() string { return p.id }

type module struct {
	pluginID, id string
	register     func(ModuleRegistrar) error
	check        func(root *config.Config) error
}

func (m *module) featureID() string { return m.pluginID + "." + m.id }

// NewPlugin returns a plugin feature. register is called once, when the
// backend starts, with the plugin's services; it offers extension points
// and registers the plugin's init.
func NewPlugin(id string, register func(r PluginRegistrar) error) Feature {
	return &plugin{id: id, register: register}
}

// NewModule returns a module that extends the plugin pluginID; it may use
// only that plugin's extension points, and it initialises before the plugin.
func NewModule(pluginID, moduleID string, register func(r ModuleRegistrar) error) Feature {
	return &module{pluginID: pluginID, id: moduleID, register: register}
}

// CheckConfig returns f with check, which Run calls with the whole
// configuration before it opens the database: a feature whose register
// reads its own section refuses a bad value there too, so that a start it
// stops leaves nothing behind (no new SQLite file, no new PostgreSQL
// database). check refuses what register would, and its error is reported
// as register's. A feature that is not a plugin or module is returned as
// it is.
func CheckConfig(f Feature, check func(root *config.Config) error) Feature {
	switch t := f.(type) {
	case *plugin:
		c := *t
		c.check = check
		return &c
	case *module:
		c := *t
		c.check = check
		return &c
	}
	return f
}

// featureIDPattern is what plugin and module ids look like (Backstage uses
// the same shape: "catalog", "apiDocs", "threescale-provider").
var featureIDPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)

// Backend is one Portico process: the features added to it, the services
// they share and the HTTP server. Create it with New.
type Backend struct {
	opts     options
	features []Feature

	mu    sync.Mutex
	addr  net.Addr
	ready chan struct{}
	ran   bool
}

// New returns a backend with the default services, replaced by opts.
func New(opts ...Option) *Backend {
	b := &Backend{ready: make(chan struct{})}
	for _, o := range opts {
		o(&b.opts)
	}
	return b
}

// Add adds features; their order is the order plugins initialise in (unless
// DependsOn says otherwise). Problems with them (duplicate ids, a module
// without its plugin) are reported by Run.
func (b *Backend) Add(features ...Feature) {
	b.features = append(b.features, features...)
}

// Addr returns the address the backend listens on, once Ready is closed;
// nil before.
func (b *Backend) Addr() net.Addr {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.addr
}

// Ready is closed once every feature has started and the backend accepts
// connections.
func (b *Backend) Ready() <-chan struct{} { return b.ready }

// Run starts the features and serves until ctx ends, then shuts down
// gracefully. It returns an error naming the feature when start-up fails;
// in that case nothing is left listening. Run may be called once.
func (b *Backend) Run(ctx context.Context) error {
	b.mu.Lock()
	if b.ran {
		b.mu.Unlock()
		return fmt.Errorf("portico: Run called twice")
	}
	b.ran = true
	b.mu.Unlock()
	err := b.run(ctx)
	if err != nil && b.opts.listener != nil {
		b.opts.listener.Close()
	}
	return err
}

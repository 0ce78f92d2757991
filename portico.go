// Package portico is Portico's backend system: New creates a backend, Add
// registers features (plugins and the modules that extend them) and Run
// starts them, serves HTTP and shuts down gracefully when its context ends.
//
// It keeps the shape of Backstage's backend system in plain Go: services are
// ordinary values handed to each feature at registration, extension points
// are small interfaces owned by the package that offers them, and the
// built-in features (catalog, file locations, 3scale, S3, sign-in, pages) are
// added through the same API a user's own main.go uses:
//
//	b := portico.New()
//	b.Add(defaults.Features()...)
//	b.Add(mymodule.Module())
//	if err := b.Run(ctx); err != nil { ... }
package portico

import "context"

// Feature is a plugin or a module; create one with NewPlugin or NewModule.
type Feature interface {
	featureID() string
}

// PluginRegistrar is handed to a plugin's register function.
type PluginRegistrar interface {
	// Services returns the services scoped to this plugin.
	Services() *Services
	// RegisterExtensionPoint offers ep to the plugin's modules; a module
	// finds it by type with ModuleRegistrar.ExtensionPoint.
	RegisterExtensionPoint(ep any)
	// RegisterInit runs init when the backend starts, after all of the
	// plugin's modules have initialised.
	RegisterInit(init func(ctx context.Context) error)
}

// ModuleRegistrar is handed to a module's register function.
type ModuleRegistrar interface {
	// Services returns the services scoped to this module.
	Services() *Services
	// ExtensionPoint sets *target (a pointer to an interface type) to the
	// extended plugin's extension point of that type, and reports whether
	// the plugin offers one.
	ExtensionPoint(target any) bool
	// RegisterInit runs init when the backend starts, before the extended
	// plugin initialises.
	RegisterInit(init func(ctx context.Context) error)
}

type plugin struct {
	id       string
	register func(PluginRegistrar) error
}

func (p *plugin) featureID() string { return p.id }

type module struct {
	pluginID, id string
	register     func(ModuleRegistrar) error
}

func (m *module) featureID() string { return m.pluginID + "." + m.id }

// NewPlugin returns a plugin feature. register is called once, when the
// backend starts, with the plugin's services.
func NewPlugin(id string, register func(r PluginRegistrar) error) Feature {
	return &plugin{id: id, register: register}
}

// NewModule returns a module that extends the plugin pluginID; it may use
// only that plugin's extension points.
func NewModule(pluginID, moduleID string, register func(r ModuleRegistrar) error) Feature {
	return &module{pluginID: pluginID, id: moduleID, register: register}
}

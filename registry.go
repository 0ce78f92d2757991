package portico

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/porticohq/portico/config"
)

// registry holds the added features grouped by plugin, and what they
// registered.
type registry struct {
	plugins []*pluginEntry // in Add order, then in init order after sortPlugins
	byID    map[string]*pluginEntry
}

type pluginEntry struct {
	p        *plugin
	modules  []*moduleEntry
	services *Services
	eps      []any
	inits    []func(context.Context) error
	deps     []string
}

type moduleEntry struct {
	m        *module
	plugin   *pluginEntry
	services *Services
	inits    []func(context.Context) error
}

// FeatureError is a start-up failure of one feature. Its message names the
// feature ("plugin \"catalog\": ..." or "module \"catalog.frobs\": ...").
type FeatureError struct {
	// Feature is the plugin id or "<pluginId>.<moduleId>".
	Feature string
	// Module reports whether Feature is a module.
	Module bool
	Err    error
}

// Error names the feature and what went wrong.
func (e *FeatureError) Error() string {
	kind := "plugin"
	if e.Module {
		kind = "module"
	}
	return fmt.Sprintf("%s %q: %v", kind, e.Feature, e.Err)
}

// Unwrap returns the underlying error.
func (e *FeatureError) Unwrap() error { return e.Err }

func pluginErr(id string, format string, args ...any) error {
	return &FeatureError{Feature: id, Err: fmt.Errorf(format, args...)}
}

func moduleErr(id string, format string, args ...any) error {
	return &FeatureError{Feature: id, Module: true, Err: fmt.Errorf(format, args...)}
}

// newRegistry checks the features (ids well formed and unique, every
// module's plugin present) and groups modules under their plugins.
func newRegistry(features []Feature) (*registry, error) {
	r := &registry{byID: map[string]*pluginEntry{}}
	var modules []*module
	for _, f := range features {
		switch t := f.(type) {
		case *plugin:
			if !featureIDPattern.MatchString(t.id) {
				return nil, pluginErr(t.id, "invalid id (use letters, digits, - and _, starting with a letter)")
			}
			if r.byID[t.id] != nil {
				return nil, pluginErr(t.id, "added twice (plugin ids must be unique)")
			}
			e := &pluginEntry{p: t}
			r.byID[t.id] = e
			r.plugins = append(r.plugins, e)
		case *module:
			modules = append(modules, t)
		case nil:
			return nil, errors.New("portico: Add was given a nil feature")
		default:
			return nil, fmt.Errorf("portico: unknown feature type %T (use NewPlugin or NewModule)", f)
		}
	}
	seen := map[string]bool{}
	for _, m := range modules {
		id := m.featureID()
		if !featureIDPattern.MatchString(m.id) {
			return nil, moduleErr(id, "invalid id (use letters, digits, - and _, starting with a letter)")
		}
		if seen[id] {
			return nil, moduleErr(id, "added twice (module ids must be unique within their plugin)")
		}
		seen[id] = true
		p := r.byID[m.pluginID]
		if p == nil {
			return nil, moduleErr(id, "extends plugin %q, which is not added", m.pluginID)
		}
		p.modules = append(p.modules, &moduleEntry{m: m, plugin: p})
	}
	return r, nil
}

// checkConfig runs the features' configuration checks (CheckConfig),
// plugins first, in the order register calls them.
func (r *registry) checkConfig(root *config.Config) error {
	for _, p := range r.plugins {
		if p.p.check == nil {
			continue
		}
		if err := safeCall(func() error { return p.p.check(root) }); err != nil {
			return pluginErr(p.p.id, "register: %w", err)
		}
	}
	for _, p := range r.plugins {
		for _, m := range p.modules {
			if m.m.check == nil {
				continue
			}
			if err := safeCall(func() error { return m.m.check(root) }); err != nil {
				return moduleErr(m.m.featureID(), "register: %w", err)
			}
		}
	}
	return nil
}

// register calls every plugin's register function, then every module's:
// a module can only find extension points its plugin has offered.
func (r *registry) register(services func(pluginID, moduleID string) *Services) error {
	for _, p := range r.plugins {
		p.services = services(p.p.id, "")
		if err := safeCall(func() error { return p.p.register(&pluginRegistrar{p}) }); err != nil {
			return pluginErr(p.p.id, "register: %w", err)
		}
	}
	for _, p := range r.plugins {
		for _, m := range p.modules {
			m.services = services(p.p.id, m.m.id)
			if err := safeCall(func() error { return m.m.register(&moduleRegistrar{m}) }); err != nil {
				return moduleErr(m.m.featureID(), "register: %w", err)
			}
		}
	}
	return r.sortPlugins()
}

// sortPlugins orders plugins so each comes after those it depends on,
// keeping Add order otherwise.
func (r *registry) sortPlugins() error {
	var (
		out   []*pluginEntry
		state = map[string]int{} // 1 visiting, 2 done
		visit func(p *pluginEntry, path []string) error
	)
	visit = func(p *pluginEntry, path []string) error {
		switch state[p.p.id] {
		case 2:
			return nil
		case 1:
			return pluginErr(p.p.id, "dependency cycle: %v", append(path, p.p.id))
		}
		state[p.p.id] = 1
		for _, dep := range p.deps {
			d := r.byID[dep]
			if d == nil {
				return pluginErr(p.p.id, "depends on plugin %q, which is not added", dep)
			}
			if err := visit(d, append(path, p.p.id)); err != nil {
				return err
			}
		}
		state[p.p.id] = 2
		out = append(out, p)
		return nil
	}
	for _, p := range r.plugins {
		if err := visit(p, nil); err != nil {
			return err
		}
	}
	r.plugins = out
	return nil
}

// init runs, plugin by plugin, the modules' inits and then the plugin's.
func (r *registry) init(ctx context.Context) error {
	for _, p := range r.plugins {
		for _, m := range p.modules {
			for _, fn := range m.inits {
				if err := safeCall(func() error { return fn(ctx) }); err != nil {
					return moduleErr(m.m.featureID(), "init: %w", err)
				}
			}
		}
		for _, fn := range p.inits {
			if err := safeCall(func() error { return fn(ctx) }); err != nil {
				return pluginErr(p.p.id, "init: %w", err)
			}
		}
	}
	return nil
}

// safeCall turns a panic in a feature's code into an error, so one broken
// feature gives a clear start-up error rather than a stack trace.
func safeCall(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return fn()
}

type pluginRegistrar struct{ e *pluginEntry }

func (r *pluginRegistrar) Services() *Services { return r.e.services }

func (r *pluginRegistrar) RegisterExtensionPoint(ep any) {
	if ep != nil {
		r.e.eps = append(r.e.eps, ep)
	}
}

func (r *pluginRegistrar) RegisterInit(init func(context.Context) error) {
	r.e.inits = append(r.e.inits, init)
}

func (r *pluginRegistrar) DependsOn(pluginID string) {
	if !slices.Contains(r.e.deps, pluginID) {
		r.e.deps = append(r.e.deps, pluginID)
	}
}

type moduleRegistrar struct{ e *moduleEntry }

func (r *moduleRegistrar) Services() *Services { return r.e.services }

func (r *moduleRegistrar) RegisterInit(init func(context.Context) error) {
	r.e.inits = append(r.e.inits, init)
}

func (r *moduleRegistrar) extended() (string, []any) { return r.e.plugin.p.id, r.e.plugin.eps }

package catalogplugin

import (
	"context"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/providers"
)

// Extensions is the extension point the catalog plugin (id "catalog")
// offers its modules, as Backstage's catalogProcessingExtensionPoint:
//
//	portico.NewModule(catalogplugin.ID, "frobs", func(r portico.ModuleRegistrar) error {
//		cat, err := portico.ExtensionPoint[catalogplugin.Extensions](r)
//		if err != nil {
//			return err
//		}
//		cat.AddEntityProvider(frobs.New(...))
//		return nil
//	})
//
// Everything added here takes effect when the catalog plugin starts, after
// all of its modules have initialised.
type Extensions interface {
	// AddEntityProvider adds a source of entities. The catalog connects it
	// at start; a providers.ScheduledProvider is also handed to the
	// scheduler, which runs it on its schedule (one runner across replicas).
	AddEntityProvider(p providers.EntityProvider)
	// AddProcessor adds an ingest step that every entity passes through
	// after validation, in the order processors were added. A processor may
	// change the entity, emit relations and report problems; a problem marks
	// only that entity, which keeps its last good version.
	AddProcessor(p catalog.Processor)
	// AddKind makes the catalog accept entities of another kind (or a
	// built-in kind at another apiVersion). As in Backstage, an entity
	// whose kind and apiVersion match no registered kind is refused. An
	// invalid or already registered kind stops the catalog from starting.
	AddKind(k catalog.Kind)
	// AddLocationReader makes catalog.locations entries of locationType
	// work: each such location becomes a scheduled provider named
	// "<type>:<target>" whose runs call r.
	AddLocationReader(locationType string, r LocationReader)
}

// LocationReader reads one configured catalog location of a custom type
// (catalog.locations: [{type: system-x, target: ...}]) and returns the
// entities it holds. It is the Go form of a Backstage processor's
// readLocation. A reader that also implements Scheduled decides how often
// its locations are read; the default is every catalog.processingInterval.
type LocationReader interface {
	ReadLocation(ctx context.Context, target string) (catalog.Mutation, error)
}

// LocationReaderFunc adapts a function to LocationReader.
type LocationReaderFunc func(ctx context.Context, target string) (catalog.Mutation, error)

// ReadLocation calls f.
func (f LocationReaderFunc) ReadLocation(ctx context.Context, target string) (catalog.Mutation, error) {
	return f(ctx, target)
}

// Scheduled is implemented by a LocationReader that wants its own schedule.
type Scheduled interface {
	Schedule() providers.Schedule
}

// Feature and Services are the backend's, named here so that a package
// that only adds to the catalog (a provider) depends on this package alone.
type (
	Feature  = portico.Feature
	Services = portico.Services
)

// CheckConfig is portico.CheckConfig, named here for the same reason: a
// provider module checks its section before the database opens.
func CheckConfig(f Feature, check func(root *config.Config) error) Feature {
	return portico.CheckConfig(f, check)
}

// NewModule returns a module of the catalog plugin: when it registers,
// register receives the catalog's extension point and the module's
// services (their Config is the catalog section). It is
// portico.NewModule(ID, moduleID, ...) with the extension point looked up.
func NewModule(moduleID string, register func(cat Extensions, s *Services) error) Feature {
	return portico.NewModule(ID, moduleID, func(r portico.ModuleRegistrar) error {
		cat, err := portico.ExtensionPoint[Extensions](r)
		if err != nil {
			return err
		}
		return register(cat, r.Services())
	})
}

package portico

import (
	"context"
	"errors"
	"fmt"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/providers/file"
)

// errNoCatalogExtensions is what catalog modules return when the catalog
// plugin offers no CatalogExtensions (it always does; a test double may not).
var errNoCatalogExtensions = errors.New("the catalog plugin offers no CatalogExtensions")

// FileLocationsModule makes every catalog.locations entry of type file an
// entity provider named "file:<target>": the matching files are ingested at
// start, then followed on disk (notifications plus a periodic re-scan).
// Relative targets are relative to the working directory, as in Backstage.
func FileLocationsModule() Feature {
	return NewModule(CatalogPluginID, "file-locations", func(r ModuleRegistrar) error {
		var cat CatalogExtensions
		if !r.ExtensionPoint(&cat) {
			return errNoCatalogExtensions
		}
		s := r.Services()
		for _, loc := range s.Settings.Catalog.Locations {
			if loc.Type != "file" {
				continue
			}
			cat.AddEntityProvider(file.New(file.Options{
				Target: loc.Target,
				URLs:   s.URLReader,
				Logger: s.Logger.With("location", "file:"+loc.Target),
			}))
		}
		return nil
	})
}

// URLLocationsModule reads catalog.locations entries of type url through the
// URL reader (hosts must be allowed by backend.reading.allow), every
// DefaultLocationFrequency; $text placeholders resolve relative to the URL.
func URLLocationsModule() Feature {
	return NewModule(CatalogPluginID, "url-locations", func(r ModuleRegistrar) error {
		var cat CatalogExtensions
		if !r.ExtensionPoint(&cat) {
			return errNoCatalogExtensions
		}
		cat.AddLocationReader("url", urlLocationReader{urls: r.Services().URLReader})
		return nil
	})
}

type urlLocationReader struct {
	urls *catalog.URLReader
}

// ReadLocation fetches the descriptor file at target and returns its
// entities as a full mutation. Documents that fail to parse are reported as
// a failed source, so what was stored from the URL before stays.
func (u urlLocationReader) ReadLocation(ctx context.Context, target string) (catalog.Mutation, error) {
	if !u.urls.Allowed(target) {
		return catalog.Mutation{}, fmt.Errorf("reading %s is not allowed by backend.reading.allow", target)
	}
	data, _, err := u.urls.Read(ctx, target)
	if err != nil {
		return catalog.Mutation{}, err
	}
	loc := "url:" + target
	entities, problems := catalog.ParseYAML(data, catalog.Source{
		Location:       loc,
		OriginLocation: loc,
		Reader:         u.urls.ForURL(target),
	})
	m := catalog.Mutation{Type: catalog.Full}
	for i := range entities {
		entities[i].LocationKey = loc
	}
	m.Entities = entities
	if len(problems) > 0 {
		m.Failed = []catalog.FailedSource{{Location: loc, Problems: problems}}
	}
	return m, nil
}

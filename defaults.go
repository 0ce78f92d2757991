package portico

import (
	"github.com/porticohq/portico/catalog/demo"
)

// Defaults returns the built-in features defined in this package: the
// catalog with file and url locations (and the demo catalog in demo mode),
// sign-in, the pages, API docs with try-it-out, and the providers' status
// page. Package defaults adds the built-in provider
// modules (3scale, S3) that live in their own packages; cmd/portico adds
// defaults.Features().
func Defaults() []Feature {
	return []Feature{
		CatalogPlugin(),
		FileLocationsModule(),
		URLLocationsModule(),
		DemoModule(),
		AuthPlugin(),
		AppPlugin(),
		APIDocsModule(),
		SyncStatusModule(),
	}
}

// DemoModule loads the embedded demo catalog when the backend runs in demo
// mode (no configuration at all), so a newcomer sees a populated portal.
func DemoModule() Feature {
	return NewModule(CatalogPluginID, "demo", func(r ModuleRegistrar) error {
		if !r.Services().Demo {
			return nil
		}
		var cat CatalogExtensions
		if !r.ExtensionPoint(&cat) {
			return errNoCatalogExtensions
		}
		cat.AddEntityProvider(demo.Provider())
		return nil
	})
}

// Package defaults is the one list of Portico's built-in features: the
// ones the portico command runs. A custom backend adds defaults.Features()
// and then its own modules.
package defaults

import (
	"github.com/porticohq/portico"
	"github.com/porticohq/portico/appplugin"
	"github.com/porticohq/portico/authplugin"
	"github.com/porticohq/portico/catalogplugin"
	"github.com/porticohq/portico/providers/awss3"
	"github.com/porticohq/portico/providers/threescale"
)

// Features returns every built-in feature: the catalog with file and url
// locations (and the demo catalog in demo mode), sign-in, the pages, API
// docs with try-it-out, the providers' status page, and the 3scale and S3
// providers. Providers whose config section is absent do nothing.
func Features() []portico.Feature {
	return []portico.Feature{
		catalogplugin.Plugin(),
		catalogplugin.FileLocationsModule(),
		catalogplugin.URLLocationsModule(),
		catalogplugin.DemoModule(),
		threescale.Module(),
		awss3.Module(),
		authplugin.Plugin(),
		appplugin.Plugin(),
		appplugin.APIDocsModule(),
		appplugin.SyncStatusModule(),
	}
}

// Package defaults is the one list of Portico's built-in features: the
// ones the portico command runs. A custom backend adds defaults.Features()
// and then its own modules.
package defaults

import (
	"github.com/porticohq/portico"
	"github.com/porticohq/portico/plugins/appplugin"
	"github.com/porticohq/portico/plugins/authplugin"
	"github.com/porticohq/portico/plugins/catalogplugin"
	"github.com/porticohq/portico/providers/awss3"
	"github.com/porticohq/portico/providers/threescale"
)

// Features returns every built-in feature: catalog, file and url
// locations, the demo catalog, sign-in, pages, API docs, the providers'
// status page, the 3scale and S3 providers, and API change history.
// Providers whose config section is absent do nothing.
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
		catalogplugin.HistoryModule(), // API change history: versions, diffs, /api/apidocs/...
		appplugin.ChangesModule(),     // the Changes tab of API pages
	}
}

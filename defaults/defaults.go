// Package defaults lists the features the portico command runs: the
// built-ins of package portico plus the provider modules that live in their
// own packages (they import portico, so portico cannot list them itself).
// A custom backend adds defaults.Features() and then its own modules.
package defaults

import (
	"github.com/porticohq/portico"
	"github.com/porticohq/portico/providers/awss3"
	"github.com/porticohq/portico/providers/threescale"
	"github.com/porticohq/portico/web/apichanges"
)

// Features returns every built-in feature: catalog, file and url
// locations, the demo catalog, sign-in, pages, API docs, the providers'
// status page, the 3scale and S3 providers, and API change history.
// Providers whose config section is absent do nothing.
func Features() []portico.Feature {
	return append(portico.Defaults(),
		threescale.Module(),
		awss3.Module(),
		apichanges.Module(),      // API change history (issue 16): versions, diffs, /api/apidocs/...
		apichanges.PagesModule(), // the Changes tab of API pages
	)
}

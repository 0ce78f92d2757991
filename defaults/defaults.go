// Package defaults lists the features the portico command runs: the
// built-ins of package portico plus the provider modules that live in their
// own packages (they import portico, so portico cannot list them itself).
// A custom backend adds defaults.Features() and then its own modules.
package defaults

import (
	"github.com/porticohq/portico"
	"github.com/porticohq/portico/providers/awss3"
	"github.com/porticohq/portico/providers/threescale"
)

// Features returns every built-in feature: catalog, file and url
// locations, the demo catalog, sign-in, pages, API docs, the providers'
// status page, and the 3scale and S3 providers.
// Providers whose config section is absent do nothing.
func Features() []portico.Feature {
	return append(portico.Defaults(),
		threescale.Module(),
		awss3.Module(),
	)
}

package catalogplugin

import (
	"github.com/porticohq/portico"
	"github.com/porticohq/portico/providers/demo"
)

// DemoModule loads the embedded demo catalog when the backend runs in demo
// mode (no configuration at all), so a newcomer sees a populated portal.
func DemoModule() portico.Feature {
	return portico.NewModule(ID, "demo", func(r portico.ModuleRegistrar) error {
		if !r.Services().Demo {
			return nil
		}
		cat, err := portico.ExtensionPoint[Extensions](r)
		if err != nil {
			return err
		}
		cat.AddEntityProvider(demo.Provider())
		return nil
	})
}

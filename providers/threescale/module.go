package threescale

import (
	"errors"

	"github.com/porticohq/portico"
)

// Module adds one provider per configured tenant
// (catalog.providers.threeScaleApiEntity.<id>) to the catalog. Without that
// section it does nothing.
func Module() portico.Feature {
	return portico.NewModule("catalog", "threescale-provider", func(r portico.ModuleRegistrar) error {
		s := r.Services()
		section := s.Config.Sub("providers.threeScaleApiEntity")
		if !section.Has("") {
			return nil
		}
		cfgs, err := ParseConfig(section)
		if err != nil {
			return err
		}
		var cat portico.CatalogExtensions
		if !r.ExtensionPoint(&cat) {
			return errors.New("threescale-provider: the catalog plugin offers no CatalogExtensions")
		}
		for _, c := range cfgs {
			cat.AddEntityProvider(New(c, nil, s.Logger))
		}
		return nil
	})
}

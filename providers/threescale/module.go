package threescale

import (
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/plugins/catalogplugin"
)

// Module adds one provider per configured tenant
// (catalog.providers.threeScaleApiEntity.<id>) to the catalog. Without that
// section it does nothing.
func Module() catalogplugin.Feature {
	return catalogplugin.CheckConfig(catalogplugin.NewModule("threescale-provider", func(cat catalogplugin.Extensions, s *catalogplugin.Services) error {
		section := s.Config.Sub("providers.threeScaleApiEntity")
		if !section.Has("") {
			return nil
		}
		cfgs, err := ParseConfig(section)
		if err != nil {
			return err
		}
		for _, c := range cfgs {
			cat.AddEntityProvider(New(c, nil, s.Logger))
		}
		return nil
	}), checkConfig)
}

// checkConfig refuses, before the database opens, a tenant Module would
// refuse at registration.
func checkConfig(root *config.Config) error {
	section := root.Section(catalogplugin.ID).Sub("providers.threeScaleApiEntity")
	if !section.Has("") {
		return nil
	}
	_, err := ParseConfig(section)
	return err
}

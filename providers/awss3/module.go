package awss3

import (
	"context"

	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/plugins/catalogplugin"
)

// Module adds one provider per bucket configured under
// catalog.providers.awsS3 to the catalog, with endpoint and keys from
// integrations.awsS3[0] when the provider does not set them. Without that
// section it does nothing.
func Module() catalogplugin.Feature {
	return catalogplugin.CheckConfig(catalogplugin.NewModule("awss3-provider", func(cat catalogplugin.Extensions, s *catalogplugin.Services) error {
		section := s.Config.Sub("providers.awsS3")
		if !section.Has("") {
			return nil
		}
		cfgs, err := ParseConfig(section, s.RootConfig.Sub("integrations.awsS3"))
		if err != nil {
			return err
		}
		for _, c := range cfgs {
			c.MaxBytes = s.Settings.Backend.Reading.MaxBytes
			p, err := New(context.Background(), c, s.URLReader, s.Logger)
			if err != nil {
				return err
			}
			cat.AddEntityProvider(p)
		}
		return nil
	}), checkConfig)
}

// checkConfig refuses, before the database opens, a bucket Module would
// refuse at registration.
func checkConfig(root *config.Config) error {
	section := root.Section(catalogplugin.ID).Sub("providers.awsS3")
	if !section.Has("") {
		return nil
	}
	_, err := ParseConfig(section, root.Sub("integrations.awsS3"))
	return err
}

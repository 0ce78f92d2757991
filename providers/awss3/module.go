package awss3

import (
	"context"

	"github.com/porticohq/portico/plugins/catalogplugin"
)

// Module adds one provider per bucket configured under
// catalog.providers.awsS3 to the catalog, with endpoint and keys from
// integrations.awsS3[0] when the provider does not set them. Without that
// section it does nothing.
func Module() catalogplugin.Feature {
	return catalogplugin.NewModule("awss3-provider", func(cat catalogplugin.Extensions, s *catalogplugin.Services) error {
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
	})
}

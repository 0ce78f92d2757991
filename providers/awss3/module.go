package awss3

import (
	"context"
	"errors"

	"github.com/porticohq/portico"
)

// Module adds one provider per bucket configured under
// catalog.providers.awsS3 to the catalog, with endpoint and keys from
// integrations.awsS3[0] when the provider does not set them. Without that
// section it does nothing.
func Module() portico.Feature {
	return portico.NewModule("catalog", "awss3-provider", func(r portico.ModuleRegistrar) error {
		s := r.Services()
		section := s.Config.Sub("providers.awsS3")
		if !section.Has("") {
			return nil
		}
		cfgs, err := ParseConfig(section, s.RootConfig.Sub("integrations.awsS3"))
		if err != nil {
			return err
		}
		var cat portico.CatalogExtensions
		if !r.ExtensionPoint(&cat) {
			return errors.New("awss3-provider: the catalog plugin offers no CatalogExtensions")
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

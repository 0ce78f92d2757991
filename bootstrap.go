package portico

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"path/filepath"

	"github.com/porticohq/portico/catalog"
)

// BootstrapProvider names the bucket of the Location entities that stand for
// the configured catalog.locations, and is their managed-by location
// ("bootstrap:bootstrap"), as in Backstage.
const BootstrapProvider = "bootstrap"

// locationEntities returns one kind: Location entity per configured
// location, shaped as Backstage's: named generated-<sha1 of type:target>,
// spec {type, target}. Scripts that list a catalog's locations through
// `filter=kind=location` find them as they would in Backstage.
func locationEntities(locs []LocationSettings) []catalog.DeferredEntity {
	out := make([]catalog.DeferredEntity, 0, len(locs))
	for _, l := range locs {
		target := l.Target
		if l.Type == "file" {
			if abs, err := filepath.Abs(target); err == nil {
				target = abs
			}
		}
		sum := sha1.Sum([]byte(l.Type + ":" + target))
		out = append(out, catalog.DeferredEntity{
			Entity: catalog.Entity{
				APIVersion: "backstage.io/v1alpha1",
				Kind:       "Location",
				Metadata: catalog.Metadata{
					Name:      "generated-" + hex.EncodeToString(sum[:]),
					Namespace: catalog.DefaultNamespace,
				},
				Spec: map[string]any{"type": l.Type, "target": target},
			},
			LocationKey: BootstrapProvider,
			Source: catalog.Source{
				Location:       BootstrapProvider + ":" + BootstrapProvider,
				OriginLocation: BootstrapProvider + ":" + BootstrapProvider,
			},
		})
	}
	return out
}

// applyLocationEntities replaces the bootstrap bucket with the configured
// locations, so a location removed from the config loses its entity too.
func applyLocationEntities(ctx context.Context, s *Services) error {
	_, err := s.Catalog.Apply(ctx, BootstrapProvider, catalog.Mutation{
		Type:     catalog.Full,
		Entities: locationEntities(s.Settings.Catalog.Locations),
	})
	return err
}

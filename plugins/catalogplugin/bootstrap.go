package catalogplugin

import (
	"context"
	"crypto/sha1"
	"encoding/hex"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/providers/file"
)

// BootstrapProvider names the bucket of the Location entities that stand for
// the configured catalog.locations (Backstage's ConfigLocationProvider).
const BootstrapProvider = "bootstrap"

// locationEntities returns one kind: Location entity per configured
// location, shaped as Backstage's locationSpecToLocationEntity makes it:
// named generated-<sha1 of type:target>, spec {type, target}, and both
// managed-by annotations (and the location key) "<type>:<target>", file
// targets made absolute. Scripts that list a catalog's locations through
// `filter=kind=location` find them as they would in Backstage.
func locationEntities(locs []config.LocationSettings) []catalog.DeferredEntity {
	out := make([]catalog.DeferredEntity, 0, len(locs))
	for _, l := range locs {
		target := l.Target
		if l.Type == "file" {
			target = file.AbsTarget(target, "")
		}
		out = append(out, GeneratedLocation(catalog.LocationSpec{Type: l.Type, Target: target}))
	}
	return out
}

// GeneratedLocation is the Location entity that stands for a configured or
// registered location, as Backstage's locationSpecToLocationEntity builds it.
func GeneratedLocation(spec catalog.LocationSpec) catalog.DeferredEntity {
	sum := sha1.Sum([]byte(spec.String()))
	return catalog.DeferredEntity{
		Entity: catalog.Entity{
			APIVersion: "backstage.io/v1alpha1",
			Kind:       "Location",
			Metadata: catalog.Metadata{
				Name:      "generated-" + hex.EncodeToString(sum[:]),
				Namespace: catalog.DefaultNamespace,
			},
			Spec: map[string]any{"type": spec.Type, "target": spec.Target},
		},
		LocationKey: spec.String(),
		Source:      catalog.Source{Location: spec.String(), OriginLocation: spec.String()},
	}
}

// applyLocationEntities replaces the bootstrap bucket with the configured
// locations, so a location removed from the config loses its entity too.
// With no locations and nothing to remove it writes nothing: an empty
// "applied mutation" as the first line of the demo read as "nothing loaded".
func applyLocationEntities(ctx context.Context, s *portico.Services) error {
	if len(s.Settings.Catalog.Locations) == 0 && s.Catalog.CanListBuckets() {
		refs, err := s.Catalog.BucketRefs(ctx, BootstrapProvider)
		if err != nil {
			return err
		}
		if len(refs) == 0 {
			return nil
		}
	}
	_, err := s.Catalog.Apply(ctx, BootstrapProvider, catalog.Mutation{
		Type:     catalog.Full,
		Entities: locationEntities(s.Settings.Catalog.Locations),
	})
	return err
}

package catalogtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog"
)

// APIEntity returns API entity i: even ones in production, odd ones
// experimental; owners alternate between team-a and team-b. definitionBytes
// pads spec.definition to make the entity about that large.
func APIEntity(i, definitionBytes int) catalog.Entity {
	lifecycle := "production"
	if i%2 == 1 {
		lifecycle = "experimental"
	}
	owner := "group:default/team-a"
	if i%3 == 0 {
		owner = "group:default/team-b"
	}
	def := fmt.Sprintf("openapi: 3.0.3\ninfo:\n  title: API %d\n  version: '1'\npaths: {}\n", i)
	if pad := definitionBytes - len(def); pad > 0 {
		def += "# " + strings.Repeat("x", pad) + "\n"
	}
	return catalog.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       "API",
		Metadata: catalog.Metadata{
			Name:        fmt.Sprintf("api-%06d", i),
			Description: fmt.Sprintf("Generated API number %d", i),
			Tags:        []string{"generated", "rest"},
			Annotations: map[string]string{"example.com/index": fmt.Sprint(i)},
		},
		Spec: map[string]any{
			"type":       "openapi",
			"lifecycle":  lifecycle,
			"owner":      owner,
			"system":     fmt.Sprintf("system-%d", i%4),
			"definition": def,
		},
	}
}

// GroupEntity is a team Group named name.
func GroupEntity(name string) catalog.Entity {
	return catalog.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       "Group",
		Metadata:   catalog.Metadata{Name: name},
		Spec:       map[string]any{"type": "team", "children": []any{}},
	}
}

// Ingest applies a full mutation of entities as provider, failing the
// test on an error or an invalid entity.
func Ingest(tb testing.TB, cat *catalog.Catalog, provider string, entities ...catalog.Entity) {
	tb.Helper()
	m := catalog.Mutation{Type: catalog.Full}
	for i, e := range entities {
		m.Entities = append(m.Entities, catalog.DeferredEntity{
			Entity:      e,
			LocationKey: provider,
			Source: catalog.Source{
				Location:       "file:/catalog/" + provider + ".yaml",
				OriginLocation: "file:/catalog/*.yaml",
				Document:       i + 1,
			},
		})
	}
	res, err := cat.Apply(context.Background(), provider, m)
	if err != nil {
		tb.Fatalf("apply %s: %v", provider, err)
	}
	if res.Invalid > 0 {
		tb.Fatalf("apply %s: %d invalid entities: %v", provider, res.Invalid, res.Problems)
	}
}

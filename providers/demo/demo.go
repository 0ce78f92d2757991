// Package demo is the catalog Portico loads when it starts without any
// configuration, so a newcomer sees a populated portal at once: a few groups
// and users, a domain, two systems, three components, a resource and five
// APIs of the common types, including a Petstore OpenAPI definition that the
// portal itself serves under /demo-api/petstore in demo mode. It is a
// provider like the others; the catalog plugin's demo module adds it.
package demo

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/providers"
)

// FS holds the demo descriptor files and the definitions they reference.
//
//go:embed *.yaml
var FS embed.FS

// ProviderName is the demo bucket's name.
const ProviderName = "demo"

// descriptorFiles are the files holding entities; the others are
// definitions read through $text.
var descriptorFiles = []string{"org.yaml", "systems.yaml", "apis.yaml"}

// Mutation returns the full mutation of the demo catalog. Its entities are
// annotated as coming from embedded:demo/<file>; placeholders resolve inside FS.
func Mutation() (catalog.Mutation, error) {
	m := catalog.Mutation{Type: catalog.Full}
	for _, name := range descriptorFiles {
		data, err := fs.ReadFile(FS, name)
		if err != nil {
			return m, fmt.Errorf("read demo %s: %w", name, err)
		}
		location := "embedded:demo/" + name
		entities, problems := catalog.ParseYAML(data, catalog.Source{
			Location:       location,
			OriginLocation: "embedded:demo",
			Reader:         catalog.FSReader{FS: FS, File: name},
		})
		if len(problems) > 0 {
			return m, fmt.Errorf("demo %s: %w", name, catalog.Problems(problems))
		}
		for i := range entities {
			entities[i].LocationKey = location
		}
		m.Entities = append(m.Entities, entities...)
	}
	return m, nil
}

// Provider returns the entity provider that applies the demo catalog once.
func Provider() providers.EntityProvider { return provider{} }

type provider struct{}

// Name is the demo bucket's name.
func (provider) Name() string { return ProviderName }

// Connect applies the demo catalog and returns.
func (provider) Connect(ctx context.Context, conn providers.Connection) error {
	m, err := Mutation()
	if err != nil {
		return err
	}
	if _, err := conn.ApplyMutation(ctx, m); err != nil {
		return fmt.Errorf("apply demo catalog: %w", err)
	}
	return nil
}

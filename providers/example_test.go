package providers_test

import (
	"context"
	"fmt"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/providers"
)

// FrobsProvider is Backstage's "frobs" example in Go: a provider that reads
// frobs from some system and publishes each as a Component. The scheduler
// runs it; it never touches the database, it only returns a mutation.
type FrobsProvider struct {
	env   string
	frobs func(ctx context.Context) ([]string, error) // the system's client
}

// Name is stable and unique: it names the bucket of entities it owns.
func (p *FrobsProvider) Name() string { return "frobs-" + p.env }

// Connect does nothing for a scheduled provider.
func (p *FrobsProvider) Connect(context.Context, providers.Connection) error { return nil }

// Schedule says how often and how long.
func (p *FrobsProvider) Schedule() providers.Schedule {
	return providers.Schedule{Frequency: 30 * time.Minute, Timeout: 3 * time.Minute}
}

// Run returns the whole bucket as a full mutation; an error applies nothing.
func (p *FrobsProvider) Run(ctx context.Context) (catalog.Mutation, error) {
	names, err := p.frobs(ctx)
	if err != nil {
		return catalog.Mutation{}, fmt.Errorf("list frobs: %w", err)
	}
	m := catalog.Mutation{Type: catalog.Full}
	for _, name := range names {
		location := "url:https://frobs.example.com/" + name
		m.Entities = append(m.Entities, catalog.DeferredEntity{
			Entity: catalog.Entity{
				APIVersion: "backstage.io/v1alpha1",
				Kind:       "Component",
				Metadata:   catalog.Metadata{Name: name},
				Spec:       map[string]any{"type": "service", "lifecycle": p.env, "owner": "team-frobs"},
			},
			LocationKey: p.Name(),
			Source:      catalog.Source{Location: location, OriginLocation: location},
		})
	}
	return m, nil
}

// Example_frobs shows a custom provider; a module adds it with
// catalogplugin.Extensions.AddEntityProvider (see docs/extending.md).
func Example_frobs() {
	p := &FrobsProvider{env: "production", frobs: func(context.Context) ([]string, error) {
		return []string{"frob-a", "frob-b"}, nil
	}}
	var _ providers.ScheduledProvider = p
	m, _ := p.Run(context.Background())
	fmt.Println(p.Name(), m.Type, len(m.Entities))
	// Output: frobs-production full 2
}

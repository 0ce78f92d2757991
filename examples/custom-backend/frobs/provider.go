// Package frobs is the worked example of extending Portico: a catalog
// module with an entity provider that syncs components and APIs from the
// (fictional) in-house frobs service, a processor that requires every
// component to declare its support tier, and a pages module with a Frobs tab
// on entity pages. docs/extending.md walks through it.
package frobs

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/providers"
)

// TierAnnotation is the annotation the tier processor requires on every
// component.
const TierAnnotation = "company.example/tier"

// FrobAnnotation links an entity back to its record in the frobs service.
const FrobAnnotation = "company.example/frob-url"

// Frob is one record of the frobs service: GET <baseUrl>/frobs answers
// {"frobs": [Frob...]}.
type Frob struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"` // "component" or "api"
	Type        string `json:"type"` // service, website / openapi, grpc...
	Owner       string `json:"owner"`
	Lifecycle   string `json:"lifecycle"`
	Description string `json:"description"`
	Tier        string `json:"tier"`
	System      string `json:"system"`
	Definition  string `json:"definition"` // APIs only
}

// Provider is the frobs entity provider. It is a providers.ScheduledProvider:
// the scheduler calls Run on the configured schedule, in one replica at a
// time, and applies the mutation Run returns.
type Provider struct {
	cfg    Config
	reader Reader

	mu   sync.Mutex
	last map[string]Frob // the listing of the previous run, by name
	runs int
}

// Reader fetches a URL; portico's URL reader (Services.URLReader) is one,
// and it only reads hosts that backend.reading.allow permits.
type Reader interface {
	Read(ctx context.Context, url string) (data []byte, location string, err error)
}

var _ providers.ScheduledProvider = (*Provider)(nil)

// NewProvider returns the provider for one frobs service.
func NewProvider(cfg Config, reader Reader) *Provider {
	return &Provider{cfg: cfg, reader: reader}
}

// Name is the provider's bucket: stable across restarts and unique among
// providers, so the catalog knows which entities this provider owns.
func (p *Provider) Name() string { return "frobs:" + p.cfg.ID }

// Connect is called once at start. A scheduled provider has nothing to do
// here: the scheduler applies what Run returns through the connection.
func (p *Provider) Connect(context.Context, providers.Connection) error { return nil }

// Schedule is catalog.providers.frobs.schedule.
func (p *Provider) Schedule() providers.Schedule { return p.cfg.Schedule }

// Run reads the whole listing. The first run after start (and every
// FullEvery-th run) returns a full mutation, which makes the bucket exactly
// this listing; the runs in between return a delta with only the frobs that
// changed or disappeared since the previous run. A run that fails returns an
// error and the scheduler applies nothing.
func (p *Provider) Run(ctx context.Context) (catalog.Mutation, error) {
	frobs, err := p.fetch(ctx)
	if err != nil {
		return catalog.Mutation{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	full := p.last == nil || (p.cfg.FullEvery > 0 && p.runs%p.cfg.FullEvery == 0)
	p.runs++
	var m catalog.Mutation
	if full {
		m = catalog.Mutation{Type: catalog.Full}
		for _, name := range slices.Sorted(maps.Keys(frobs)) {
			m.Entities = append(m.Entities, p.deferred(frobs[name]))
		}
	} else {
		m = p.delta(frobs)
	}
	p.last = frobs
	providers.ReportProgress(ctx, "%d frobs read, %s mutation with %d entities", len(frobs), m.Type, len(m.Entities))
	return m, nil
}

// delta compares the listing with the previous one.
func (p *Provider) delta(frobs map[string]Frob) catalog.Mutation {
	m := catalog.Mutation{Type: catalog.Delta}
	for _, name := range slices.Sorted(maps.Keys(frobs)) {
		if prev, ok := p.last[name]; !ok || !reflect.DeepEqual(prev, frobs[name]) {
			m.Entities = append(m.Entities, p.deferred(frobs[name]))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.last)) {
		if _, ok := frobs[name]; !ok {
			e := toEntity(p.last[name], p.cfg.BaseURL)
			m.Removed = append(m.Removed, e.Ref())
		}
	}
	return m
}

// fetch reads GET <baseUrl>/frobs, keyed by name.
func (p *Provider) fetch(ctx context.Context) (map[string]Frob, error) {
	data, _, err := p.reader.Read(ctx, p.cfg.BaseURL+"/frobs")
	if err != nil {
		return nil, fmt.Errorf("read frobs: %w", err)
	}
	var body struct {
		Frobs []Frob `json:"frobs"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return nil, fmt.Errorf("decode frobs from %s: %w", p.cfg.BaseURL, err)
	}
	out := make(map[string]Frob, len(body.Frobs))
	for _, f := range body.Frobs {
		out[f.Name] = f
	}
	return out, nil
}

// deferred wraps a frob's entity for the catalog. The locationKey claims
// the entity for this frobs service: if a catalog-info.yaml elsewhere
// describes an entity of the same name, the catalog keeps whichever claimed
// it first and records the other claim as a conflict.
func (p *Provider) deferred(f Frob) catalog.DeferredEntity {
	location := "url:" + p.cfg.BaseURL + "/frobs/" + f.Name
	return catalog.DeferredEntity{
		Entity:      toEntity(f, p.cfg.BaseURL),
		LocationKey: "frobs-provider:" + p.cfg.ID,
		Source:      catalog.Source{Location: location, OriginLocation: "url:" + p.cfg.BaseURL + "/frobs"},
	}
}

// toEntity maps the frobs data model onto Backstage's.
func toEntity(f Frob, baseURL string) catalog.Entity {
	kind := "Component"
	spec := map[string]any{"type": f.Type, "lifecycle": f.Lifecycle, "owner": f.Owner}
	if f.Kind == "api" {
		kind = "API"
		spec["definition"] = f.Definition
	}
	if f.System != "" {
		spec["system"] = f.System
	}
	annotations := map[string]string{FrobAnnotation: baseURL + "/frobs/" + f.Name}
	if f.Tier != "" {
		annotations[TierAnnotation] = f.Tier
	}
	return catalog.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       kind,
		Metadata: catalog.Metadata{
			Name:        f.Name,
			Namespace:   catalog.DefaultNamespace,
			Description: f.Description,
			Annotations: annotations,
		},
		Spec: spec,
	}
}

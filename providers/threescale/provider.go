package threescale

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/providers"
)

// Link titles and type the try-it-out offers as servers.
const (
	LinkOverview   = "3scale Overview"
	LinkStaging    = "Staging Apicast Endpoint"
	LinkProduction = "Production Apicast Endpoint"
	LinkTypeServer = "endpoint"
)

// Provider syncs one 3scale tenant into its bucket
// "ThreeScaleApiEntityProvider:<id>".
type Provider struct {
	cfg    Config
	client *client
	log    *slog.Logger
}

// New returns the provider for one tenant; hc may be nil (a client with a
// 60 s timeout is used; the run's context bounds it further).
func New(cfg Config, hc *http.Client, log *slog.Logger) *Provider {
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Provider{cfg: cfg, client: &client{http: hc, baseURL: cfg.BaseURL, token: cfg.AccessToken}}
	p.log = log.With("provider", p.Name())
	return p
}

// Name is the provider's bucket, as the Backstage plugin names it.
func (p *Provider) Name() string { return "ThreeScaleApiEntityProvider:" + p.cfg.ID }

// Connect does nothing: the scheduler drives this provider.
func (p *Provider) Connect(ctx context.Context, conn providers.Connection) error { return nil }

// Schedule is the tenant's configured schedule.
func (p *Provider) Schedule() providers.Schedule { return p.cfg.Schedule }

// Safety is the tenant's shrink guard.
func (p *Provider) Safety() providers.Safety { return p.cfg.Safety }

// Secrets lists the access token so the scheduler never records it.
func (p *Provider) Secrets() []string { return []string{p.cfg.AccessToken} }

// Run lists the tenant's services and ActiveDocs (once per run), reads the
// proxy config of services with docs and returns one full mutation. A
// service whose docs or proxy config cannot be used is reported as a failed
// source, so its stored entity is kept; a failed listing fails the whole run.
func (p *Provider) Run(ctx context.Context) (catalog.Mutation, error) {
	services, err := p.client.services(ctx, func(page, pages int) {
		providers.ReportProgress(ctx, "services page %d of %d", page, pages)
	})
	if err != nil {
		return catalog.Mutation{}, fmt.Errorf("list 3scale services: %w", err)
	}
	docs, err := p.client.activeDocs(ctx)
	if err != nil {
		return catalog.Mutation{}, fmt.Errorf("list 3scale ActiveDocs: %w", err)
	}
	byService := map[int64][]apiDoc{}
	for _, d := range docs {
		if d.ServiceID != nil {
			byService[*d.ServiceID] = append(byService[*d.ServiceID], d)
		}
	}
	m := catalog.Mutation{Type: catalog.Full}
	for i, svc := range services {
		sdocs := byService[svc.ID]
		if len(sdocs) == 0 {
			continue // the plugin skips services without docs
		}
		providers.ReportProgress(ctx, "service %d of %d", i+1, len(services))
		e, failed, err := p.entity(ctx, svc, sdocs)
		if err != nil {
			return catalog.Mutation{}, err
		}
		if failed != nil {
			p.log.Warn("skipped 3scale service", "service", svc.SystemName, "problem", failed.Problems[0].Message)
			m.Failed = append(m.Failed, *failed)
			continue
		}
		p.log.Info(fmt.Sprintf("Discovered ApiEntity %s", e.Entity.Metadata.Name), "service_id", svc.ID)
		m.Entities = append(m.Entities, *e)
	}
	return m, nil
}

// Applying logs the plugin's familiar line when the scheduler applies a
// run's mutation: after the shrink guard let it through, never for a run
// that is held.
func (p *Provider) Applying(ctx context.Context, m catalog.Mutation) {
	p.log.Info(fmt.Sprintf("Applying the mutation with %d entities", len(m.Entities)))
}

// nameRule is Backstage's metadata.name rule.
var nameRule = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)

// entity builds one service's API entity; a problem with this service
// alone comes back as a failed source, an API failure as an error.
func (p *Provider) entity(ctx context.Context, svc service, docs []apiDoc) (*catalog.DeferredEntity, *catalog.FailedSource, error) {
	overview := fmt.Sprintf("%s/apiconfig/services/%d", p.cfg.BaseURL, svc.ID)
	location := "url:" + overview
	ref := "api:default/" + svc.SystemName
	fail := func(field, msg string) *catalog.FailedSource {
		return &catalog.FailedSource{Location: location, Problems: []catalog.Problem{{File: location, Entity: ref, Field: field, Message: msg}}}
	}
	if len(svc.SystemName) > 63 || !nameRule.MatchString(svc.SystemName) {
		return nil, fail("metadata.name", fmt.Sprintf("3scale service %d: system_name %q is not a valid entity name (1-63 letters, digits, -, _, . starting and ending alphanumeric)", svc.ID, svc.SystemName)), nil
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].ID < docs[j].ID })
	var specs []map[string]any
	converted := false
	for _, d := range docs {
		converted = converted || !strings.Contains(d.Body[:min(len(d.Body), 200)], `"openapi"`)
		spec, err := toOpenAPI3(d.Body)
		if err != nil {
			return nil, fail("spec.definition", fmt.Sprintf("ActiveDoc %d (%s): %v", d.ID, d.SystemName, err)), nil
		}
		specs = append(specs, spec)
	}
	definition := docs[0].Body
	if len(specs) > 1 || converted {
		merged, notes := mergeDocs(svc.Name, specs)
		for _, n := range notes {
			p.log.Warn("merging 3scale docs", "service", svc.SystemName, "note", n)
		}
		data, err := json.MarshalIndent(merged, "", "  ")
		if err != nil {
			return nil, fail("spec.definition", fmt.Sprintf("write merged definition: %v", err)), nil
		}
		definition = string(data)
	}
	px, err := p.client.proxy(ctx, svc.ID)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("read proxy config of 3scale service %d: %w", svc.ID, err)
		}
		// One service's proxy config failing affects only that service:
		// its stored entity stays and the rest of the run applies.
		return nil, fail("metadata.links", fmt.Sprintf("read proxy config of 3scale service %d: %v", svc.ID, err)), nil
	}
	links := []catalog.Link{{URL: overview, Title: LinkOverview}}
	if px.SandboxEndpoint != "" {
		links = append(links, catalog.Link{URL: px.SandboxEndpoint, Title: LinkStaging, Type: LinkTypeServer})
	}
	if px.Endpoint != "" {
		links = append(links, catalog.Link{URL: px.Endpoint, Title: LinkProduction, Type: LinkTypeServer})
	}
	e := catalog.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       "API",
		Metadata: catalog.Metadata{
			Name:        svc.SystemName,
			Title:       svc.Name,
			Description: svc.Description,
			Annotations: map[string]string{
				catalog.AnnotationManagedByLocation:       location,
				catalog.AnnotationManagedByOriginLocation: location,
			},
			Links: links,
		},
		Spec: map[string]any{
			"type":       "openapi",
			"lifecycle":  p.cfg.ID,
			"owner":      p.cfg.OwnerLabel,
			"system":     p.cfg.SystemLabel,
			"definition": definition,
		},
	}
	return &catalog.DeferredEntity{
		Entity:      e,
		LocationKey: "ThreeScaleApiEntityProvider:" + p.cfg.ID,
		Source:      catalog.Source{Location: location, OriginLocation: location},
	}, nil, nil
}

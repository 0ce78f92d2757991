package apidocs

import (
	"strings"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/config"
)

// GraphQLSettings is config section apiDocs.graphql. As Backstage's
// GraphiQL plugin lists its endpoints ({id, title, url}) in the app, an
// operator names here where a GraphQL API's query runner sends queries:
//
//	apiDocs:
//	  graphql:
//	    endpoints:
//	      - entity: api:default/starwars
//	        url: https://swapi.example/graphql
//
// An entry wins over the entity's own annotation and links: it is the
// operator's word, not the entity author's. The try-it policy still
// decides whether the URL may be called.
type GraphQLSettings struct {
	Endpoints []GraphQLEndpointSetting `yaml:"endpoints"`
}

// GraphQLEndpointSetting is one entry of apiDocs.graphql.endpoints.
type GraphQLEndpointSetting struct {
	Entity string `yaml:"entity"` // [api:][namespace/]name
	URL    string `yaml:"url"`
	ref    catalog.Ref
}

// UnmarshalConfig decodes and checks one entry; errors name the key path
// (apiDocs.graphql.endpoints[0].url).
func (s *GraphQLEndpointSetting) UnmarshalConfig(c *config.Config) error {
	type plain GraphQLEndpointSetting
	var p plain
	if err := c.Decode(&p); err != nil {
		return err
	}
	ref, err := catalog.ParseRef(p.Entity, "api", catalog.DefaultNamespace)
	switch {
	case strings.TrimSpace(p.Entity) == "":
		return c.Errorf("entity", "required: the API entity whose queries go to url, like api:default/starwars")
	case err != nil:
		return c.Errorf("entity", "%v", err)
	case !strings.EqualFold(ref.Kind, "api"):
		return c.Errorf("entity", "want an API entity, got %s", ref)
	}
	if _, err := endpointURL("GraphQL endpoint", strings.TrimSpace(p.URL)); err != nil {
		return c.Errorf("url", "%v", err)
	}
	*s = GraphQLEndpointSetting{Entity: p.Entity, URL: strings.TrimSpace(p.URL), ref: ref}
	return nil
}

// UnmarshalConfig decodes the section and refuses an entity named twice.
func (g *GraphQLSettings) UnmarshalConfig(c *config.Config) error {
	type plain GraphQLSettings
	var p plain
	if err := c.Decode(&p); err != nil {
		return err
	}
	seen := map[string]int{}
	for i, e := range p.Endpoints {
		if j, ok := seen[e.ref.Key()]; ok {
			return c.Sub("endpoints").Index(i).Errorf("entity", "%s is named twice (also endpoints[%d])", e.ref, j)
		}
		seen[e.ref.Key()] = i
	}
	*g = GraphQLSettings(p)
	return nil
}

// endpointsByRef indexes the entries by entity ref key.
func (g GraphQLSettings) endpointsByRef() map[string]string {
	out := make(map[string]string, len(g.Endpoints))
	for _, e := range g.Endpoints {
		out[e.ref.Key()] = e.URL
	}
	return out
}

package apidocs

import (
	"net/url"
	"strings"
	"testing"

	"github.com/porticohq/portico/config"
)

func graphQLSettings(t *testing.T, yaml string) (GraphQLSettings, error) {
	t.Helper()
	cfg, err := config.Parse("app-config.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	var g GraphQLSettings
	err = cfg.Sub("apiDocs.graphql").Decode(&g)
	return g, err
}

// TestGraphQLEndpointsConfigErrorsNameTheKey: apiDocs.graphql.endpoints
// refuses what the runner could never call, naming the file and the key.
func TestGraphQLEndpointsConfigErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"ErrURLNotHTTP", "apiDocs: {graphql: {endpoints: [{entity: a, url: 'https://a.example/graphql'}, {entity: b, url: 'ftp://b.example/'}]}}",
			"app-config.yaml: apiDocs.graphql.endpoints[1].url: refused: the GraphQL endpoint \"ftp://b.example/\" is not an absolute http or https URL"},
		{"ErrURLUserInfo", "apiDocs: {graphql: {endpoints: [{entity: a, url: 'https://u:p@a.example/'}]}}", "apiDocs.graphql.endpoints[0].url: refused"},
		{"ErrURLMissing", "apiDocs: {graphql: {endpoints: [{entity: a}]}}", "apiDocs.graphql.endpoints[0].url: the GraphQL endpoint is empty"},
		{"ErrEntityMissing", "apiDocs: {graphql: {endpoints: [{url: 'https://a.example/'}]}}", "apiDocs.graphql.endpoints[0].entity: required"},
		{"ErrEntityKind", "apiDocs: {graphql: {endpoints: [{entity: 'component:default/a', url: 'https://a.example/'}]}}", "apiDocs.graphql.endpoints[0].entity: want an API entity"},
		{"ErrTwice", "apiDocs: {graphql: {endpoints: [{entity: a, url: 'https://a.example/'}, {entity: 'API:default/A', url: 'https://b.example/'}]}}",
			"apiDocs.graphql.endpoints[1].entity: api:default/A is named twice (also endpoints[0])"},
		{"ErrNotAList", "apiDocs: {graphql: {endpoints: {a: 'https://a.example/'}}}", "apiDocs.graphql.endpoints"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := graphQLSettings(t, tc.yaml)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		g, err := graphQLSettings(t, "apiDocs: {graphql: {endpoints: [{entity: starwars, url: ' https://swapi.example/graphql '}]}}")
		if err != nil {
			t.Fatal(err)
		}
		if got := g.endpointsByRef(); got["api:default/starwars"] != "https://swapi.example/graphql" {
			t.Errorf("endpoints %v", got)
		}
	})
	t.Run("OK absent", func(t *testing.T) {
		if g, err := graphQLSettings(t, "app: {title: x}"); err != nil || len(g.Endpoints) != 0 {
			t.Errorf("%v %v", g, err)
		}
	})
}

// TestGraphQLConfiguredEndpointWinsAndKeepsThePolicy: an endpoint the
// operator configures for an API is where its queries go, over the
// entity's own annotation; it still passes the try-it policy, so a
// configured loopback address without an allow entry is refused.
func TestGraphQLConfiguredEndpointWinsAndKeepsThePolicy(t *testing.T) {
	gql, port := fakeGraphQL(t)
	g, err := graphQLSettings(t, "apiDocs: {graphql: {endpoints: [{entity: 'api:default/pets', url: '"+gql.URL+"/graphql'}]}}")
	if err != nil {
		t.Fatal(err)
	}
	api := testAPI{name: "pets", typ: "graphql", definition: petSDL,
		annotations: map[string]string{GraphQLEndpointAnnotation: "https://elsewhere.example/graphql"}}
	r := newRig(t, Options{Policy: enabled("127.0.0.1:" + port), GraphQL: g}, api)
	page := r.doc(t, "GET", "/catalog/default/api/pets/definition", nil, false)
	if got := page.Find("[data-testid=graphql-endpoint]").Text(); got != gql.URL+"/graphql" {
		t.Fatalf("runner endpoint %q, want the configured one", got)
	}
	form := url.Values{"query": {"query P($id: ID!) { pet(id: $id) { name } }"}, "variables": {`{"id": "7"}`}}
	d := r.doc(t, "POST", "/catalog/default/api/pets/definition/graphql", form, true)
	if got := d.Find("[data-testid=try-status]").Text(); got != "200" || !strings.Contains(d.Find("[data-testid=try-body-out]").Text(), `"Rex"`) {
		t.Fatalf("status %q error %q", got, d.Find("[data-testid=try-error]").Text())
	}

	denied := newRig(t, Options{Policy: enabled(), GraphQL: g}, api)
	d = denied.doc(t, "POST", "/catalog/default/api/pets/definition/graphql", form, true)
	if got := d.Find("[data-testid=try-error]").Text(); !strings.Contains(got, "refused") {
		t.Errorf("a configured loopback endpoint without an allow entry: %q", got)
	}
}

package apidocs

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog"
)

const petSDL = `type Query {
  "One pet by its id."
  pet(id: ID!): Pet
}
type Pet { id: ID! name: String! }
`

// fakeGraphQL answers GraphQL-over-HTTP POSTs: the pet whose id the
// variables carry, and what it received.
func fakeGraphQL(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Query         string         `json:"query"`
			Variables     map[string]any `json:"variables"`
			OperationName string         `json:"operationName"`
		}
		w.Header().Set("Content-Type", "application/graphql-response+json")
		if r.Method != http.MethodPost || r.URL.Path != "/graphql" || r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&req) != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"errors":[{"message":"bad request"}]}`)
			return
		}
		out, _ := json.Marshal(map[string]any{"data": map[string]any{"pet": map[string]any{"id": req.Variables["id"], "name": "Rex"}},
			"extensions": map[string]any{"query": req.Query, "operationName": req.OperationName, "auth": r.Header.Get("Authorization")}})
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return srv, port
}

func TestGraphQLEndpointRule(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    catalog.Entity
		want string
	}{
		{"annotation", catalog.Entity{Metadata: catalog.Metadata{Annotations: map[string]string{GraphQLEndpointAnnotation: " https://a.example/graphql "},
			Links: []catalog.Link{{URL: "https://l.example/graphql", Type: "graphql-endpoint"}}}}, "https://a.example/graphql"},
		{"link of type graphql-endpoint", catalog.Entity{Metadata: catalog.Metadata{Links: []catalog.Link{
			{URL: "https://docs.example", Title: "GraphQL endpoint"}, {URL: "https://l.example/graphql", Type: "GraphQL-Endpoint"}}}}, "https://l.example/graphql"},
		{"none", catalog.Entity{Metadata: catalog.Metadata{Links: []catalog.Link{{URL: "https://x.example", Type: "endpoint"}}}}, ""},
	} {
		if got := GraphQLEndpoint(&tc.e); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestGraphQLQueryRunsThroughTheProxy(t *testing.T) {
	gql, port := fakeGraphQL(t)
	r := newRig(t, Options{Policy: enabled("127.0.0.1:" + port)}, testAPI{name: "pets", typ: "graphql", definition: petSDL,
		links: []catalog.Link{{URL: gql.URL + "/graphql", Title: "GraphQL endpoint", Type: "graphql-endpoint"}}})
	page := r.doc(t, "GET", "/catalog/default/api/pets/definition", nil, false)
	if got := page.Find("[data-testid=graphql-endpoint]").Text(); got != gql.URL+"/graphql" {
		t.Fatalf("runner endpoint %q", got)
	}
	form := url.Values{"query": {"query P($id: ID!) { pet(id: $id) { name } }"}, "variables": {`{"id": "7"}`}, "operationName": {"P"},
		"endpoint": {"http://169.254.169.254/"}, "url": {"http://169.254.169.254/"}}
	d := r.doc(t, "POST", "/catalog/default/api/pets/definition/graphql", form, true)
	if got := d.Find("[data-testid=try-status]").Text(); got != "200" {
		t.Fatalf("status %q error %q", got, d.Find("[data-testid=try-error]").Text())
	}
	body := d.Find("[data-testid=try-body-out]")
	for _, want := range []string{`"name": "Rex"`, `"id": "7"`, `"operationName": "P"`, `pet(id: $id)`} {
		if !strings.Contains(body.Text(), want) {
			t.Errorf("answer lacks %s: %s", want, body.Text())
		}
	}
	if body.Find("span.tok-key").Length() == 0 {
		t.Error("the JSON answer is not highlighted")
	}
	// Without JavaScript the page comes back with the runner and its result.
	full := r.doc(t, "POST", "/catalog/default/api/pets/definition/graphql", form, false)
	if full.Find("[data-testid=graphql-runner] [data-testid=try-status]").Text() != "200" || full.Find("[data-testid=graphql-query]").Text() != form.Get("query") {
		t.Error("the no-JS page does not show the query and its result")
	}
	bad := r.doc(t, "POST", "/catalog/default/api/pets/definition/graphql", url.Values{"query": {"{ a }"}, "variables": {`[1]`}}, true)
	if !strings.Contains(bad.Find("[data-testid=try-error]").Text(), "one JSON object") {
		t.Errorf("bad variables: %q", bad.Find("[data-testid=try-response]").Text())
	}
}

func TestGraphQLRunnerWithoutEndpointSaysWhatToAdd(t *testing.T) {
	r := newRig(t, Options{Policy: enabled()}, testAPI{name: "pets", typ: "graphql", definition: petSDL},
		testAPI{name: "rest", definition: upstreamSpec("https://api.example")})
	page := r.doc(t, "GET", "/catalog/default/api/pets/definition", nil, false)
	if note := page.Find("[data-testid=graphql-note]").Text(); !strings.Contains(note, GraphQLEndpointAnnotation) || page.Find("[data-testid=graphql-form]").Length() != 0 {
		t.Errorf("note %q", note)
	}
	d := r.doc(t, "POST", "/catalog/default/api/pets/definition/graphql", url.Values{"query": {"{ a }"}}, true)
	if !strings.Contains(d.Find("[data-testid=try-error]").Text(), "names no GraphQL endpoint") {
		t.Errorf("answer %q", d.Text())
	}
	if rec := r.do(t, "POST", "/catalog/default/api/rest/definition/graphql", url.Values{"query": {"{ a }"}}, true); rec.Code != http.StatusNotFound {
		t.Errorf("an OpenAPI API ran a GraphQL query: %d", rec.Code)
	}
}

// TestGraphQLEndpointsRefuseSSRF: the runner's endpoint goes through the
// try-it proxy, so no endpoint an entity names reaches a loopback,
// private or metadata address, directly, by DNS or by redirect.
func TestGraphQLEndpointsRefuseSSRF(t *testing.T) {
	r := newSSRFRig(t)
	cases := endpointSSRFURLs(r.sinkPort, r.upPort)
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			call, err := graphQLCall(raw, "{ __typename }", "", "", 1<<20)
			if err != nil {
				t.Log(err)
				return
			}
			res := r.proxy.Send(context.Background(), call)
			if res.Error == "" {
				t.Fatalf("not refused: status %d body %q", res.Status, res.Body)
			}
			t.Log(res.Error)
		})
	}
	for _, code := range []string{"301", "302", "303", "307", "308"} {
		call, err := graphQLCall("http://127.0.0.1:"+r.upPort+"/redirect/"+code, "{ a }", "", "", 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if res := r.proxy.Send(context.Background(), call); res.Status == 200 {
			t.Errorf("redirect %s followed", code)
		}
	}
	// From the page: an entity naming the sink is refused by the policy.
	rg := newRig(t, Options{Policy: enabled()}, testAPI{name: "pets", typ: "graphql", definition: petSDL,
		annotations: map[string]string{GraphQLEndpointAnnotation: "http://127.0.0.1:" + r.sinkPort + "/graphql"}})
	d := rg.doc(t, "POST", "/catalog/default/api/pets/definition/graphql", url.Values{"query": {"{ a }"}}, true)
	if !strings.Contains(d.Find("[data-testid=try-error]").Text(), "refused") {
		t.Errorf("answer %q", d.Text())
	}
	if n := r.sinkConns.Load(); n != 0 {
		t.Fatalf("the sink received %d connections, want 0", n)
	}
}

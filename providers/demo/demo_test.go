package demo

import (
	"context"
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/asyncapi"
	"github.com/porticohq/portico/catalog/graphqldef"
	"github.com/porticohq/portico/catalog/grpcdef"
)

func TestDemoCatalogIsValid(t *testing.T) {
	m, err := Mutation()
	if err != nil {
		t.Fatal(err)
	}
	c := catalog.New(nil, catalog.Options{})
	kinds := map[string]int{}
	apiTypes := map[string]bool{}
	for _, d := range m.Entities {
		pe := c.Process(context.Background(), ProviderName, d)
		if len(pe.Problems) > 0 {
			t.Errorf("%s: %v", pe.Ref, pe.Problems)
			continue
		}
		kinds[pe.Entity.Kind]++
		if pe.Entity.Kind == "API" {
			apiTypes[pe.Entity.SpecString("type")] = true
		}
		if pe.Ref.Name == "petstore" && pe.Entity.Kind == "API" {
			def := pe.Entity.SpecString("definition")
			if !strings.Contains(def, "openapi: 3.0") || !strings.Contains(def, "url: /demo-api/petstore/v1") {
				t.Errorf("petstore definition not substituted: %.80q", def)
			}
		}
	}
	if kinds["Group"] < 2 || kinds["User"] < 2 || kinds["System"] != 2 || kinds["Domain"] != 1 || kinds["Component"] != 3 || kinds["API"] < 5 {
		t.Errorf("kinds = %v", kinds)
	}
	for _, typ := range []string{"openapi", "asyncapi", "graphql", "grpc"} {
		if !apiTypes[typ] {
			t.Errorf("no %s API", typ)
		}
	}
}

// The demo's AsyncAPI, GraphQL and gRPC definitions read cleanly, so the
// demo shows them structured rather than as an error.
func TestDemoDefinitionsOfEveryFormatParse(t *testing.T) {
	m, err := Mutation()
	if err != nil {
		t.Fatal(err)
	}
	c := catalog.New(nil, catalog.Options{})
	seen := map[string]bool{}
	for _, d := range m.Entities {
		pe := c.Process(context.Background(), ProviderName, d)
		if pe.Entity == nil || pe.Entity.Kind != "API" {
			continue
		}
		def := []byte(pe.Entity.SpecString("definition"))
		typ := pe.Entity.SpecString("type")
		seen[typ] = true
		switch typ {
		case "asyncapi":
			d, err := asyncapi.Parse(def)
			if err != nil || len(d.Problems) > 0 || len(d.Operations) == 0 {
				t.Errorf("%s: %v %v", pe.Ref, err, d)
			}
		case "graphql":
			if s, err := graphqldef.Parse("demo.graphql", def); err != nil || len(s.Mutations) == 0 {
				t.Errorf("%s: %v", pe.Ref, err)
			}
		case "grpc":
			if f, err := grpcdef.Parse(context.Background(), "demo.proto", def); err != nil || len(f.Services) == 0 {
				t.Errorf("%s: %v", pe.Ref, err)
			}
		}
	}
	for _, typ := range []string{"asyncapi", "graphql", "grpc"} {
		if !seen[typ] {
			t.Errorf("no %s API in the demo", typ)
		}
	}
}

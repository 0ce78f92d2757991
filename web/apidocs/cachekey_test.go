package apidocs

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
)

// Hardening finding 9: two APIs with the same definition text in two
// locations, each with its own schema.yaml beside it, shared one cached
// load, so one API's page showed the other team's schema.
func TestSameDefinitionInTwoLocationsResolvesItsOwnRefs(t *testing.T) {
	root := t.TempDir()
	def := `openapi: 3.0.0
info: {title: Pets, version: "1"}
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "./schema.yaml"}
`
	for team, field := range map[string]string{"team-a": "alphaField", "team-b": "bravoField"} {
		dir := filepath.Join(root, team)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		schema := "type: object\nproperties:\n  " + field + ": {type: string}\n"
		if err := os.WriteFile(filepath.Join(dir, "schema.yaml"), []byte(schema), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st := openStore(t, "sqlite")
	cat := catalog.New(st, catalog.Options{})
	m := catalog.Mutation{Type: catalog.Full}
	for _, team := range []string{"team-a", "team-b"} {
		loc := "file:" + filepath.Join(root, team, "catalog-info.yaml")
		m.Entities = append(m.Entities, catalog.DeferredEntity{
			Entity: catalog.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "API", Metadata: catalog.Metadata{Name: team + "-pets"},
				Spec: map[string]any{"type": "openapi", "lifecycle": "production", "owner": "group:" + team, "definition": def}},
			LocationKey: loc, Source: catalog.Source{Location: loc, OriginLocation: "file:" + root},
		})
	}
	if res, err := cat.Apply(context.Background(), "file:"+root, m); err != nil || res.Invalid > 0 {
		t.Fatalf("apply: %v %v", err, res.Problems)
	}
	e := echo.New()
	_, err := Register(e, Options{Store: st, Logger: slog.New(slog.DiscardHandler),
		ReaderFor: func(se *catalog.StoredEntity) catalog.Reader {
			file := strings.TrimPrefix(se.LocationKey, "file:")
			return catalog.NewFileReader(root, file)
		}})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{e: e, store: st}
	for team, want := range map[string]string{"team-a": "alphaField", "team-b": "bravoField"} {
		body := r.do(t, "GET", "/catalog/default/api/"+team+"-pets/definition/op/listPets", nil, true).Body.String()
		for body == "" || strings.Contains(body, "still loading") {
			body = r.do(t, "GET", "/catalog/default/api/"+team+"-pets/definition/op/listPets", nil, true).Body.String()
		}
		other := map[string]string{"alphaField": "bravoField", "bravoField": "alphaField"}[want]
		if !strings.Contains(body, want) || strings.Contains(body, other) {
			t.Errorf("%s shows the wrong schema: has %s %v, has %s %v", team, want, strings.Contains(body, want), other, strings.Contains(body, other))
		}
	}
}

package apidocs

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store/storetest"
)

// Two replicas on one PostgreSQL database: a definition another replica
// wrote is served at once, not after the memo's 30 s.
func TestAnotherReplicasDefinitionIsServedAtOnce(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	reader, writer := storetest.OpenPostgres(t, dsn), storetest.OpenPostgres(t, dsn)
	cat := catalog.New(writer, catalog.Options{})
	write := func(title string) {
		t.Helper()
		def := "openapi: 3.0.0\ninfo: {title: " + title + ", version: \"1\"}\npaths: {}\n"
		m := catalog.Mutation{Type: catalog.Full, Entities: []catalog.DeferredEntity{{Entity: catalog.Entity{
			APIVersion: "backstage.io/v1alpha1", Kind: "API", Metadata: catalog.Metadata{Name: "pets"},
			Spec: map[string]any{"type": "openapi", "lifecycle": "production", "owner": "group:team", "definition": def},
		}}}}
		if res, err := cat.Apply(context.Background(), "test", m); err != nil || res.Invalid > 0 {
			t.Fatalf("apply: %v %v", err, res.Problems)
		}
	}
	e := echo.New()
	h, err := Register(e, Options{Store: reader, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	r := &rig{e: e, h: h, store: reader}
	raw := func() string {
		return r.do(t, "GET", "/catalog/default/api/pets/definition/raw", nil, false).Body.String()
	}

	write("First Pets")
	if got := raw(); !strings.Contains(got, "First Pets") {
		t.Fatalf("first definition: %q", got)
	}
	write("Second Pets")
	if got := raw(); !strings.Contains(got, "Second Pets") {
		t.Errorf("after the other replica's write the reader serves %q", got)
	}
}

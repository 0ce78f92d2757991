package portico_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/plugins/catalogplugin"
)

// kindModule is a catalog module that adds kind k.
func kindModule(k catalog.Kind) portico.Feature {
	return portico.NewModule(catalogplugin.ID, "frobs", func(r portico.ModuleRegistrar) error {
		cat, err := portico.ExtensionPoint[catalogplugin.Extensions](r)
		if err != nil {
			return err
		}
		cat.AddKind(k)
		return nil
	})
}

func TestKindAddedByAModuleIsIngested(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "frob.yaml", `apiVersion: example.com/v1
kind: Frob
metadata: {name: gizmo}
spec: {tier: gold}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: unknown}
`)
	cfg, err := config.Parse("app-config.yaml", []byte(fmt.Sprintf("catalog:\n  locations:\n    - {type: file, target: %s}\n", filepath.Join(dir, "*.yaml"))))
	if err != nil {
		t.Fatal(err)
	}
	b, logs := testBackend(t, portico.WithConfig(cfg))
	b.Add(catalogplugin.Plugin(), catalogplugin.FileLocationsModule(), kindModule(catalog.Kind{Name: "Frob", APIVersions: []string{"example.com/v1"}}))
	base := start(t, b)
	waitReady(t, base)
	var e catalog.Entity
	if status := getJSON(t, base, "/api/catalog/entities/by-name/frob/default/gizmo", &e); status != http.StatusOK {
		t.Fatalf("the added kind's entity: status %d; logs:\n%s", status, logs.String())
	}
	if e.SpecString("tier") != "gold" {
		t.Errorf("spec = %v", e.Spec)
	}
	if status := getJSON(t, base, "/api/catalog/entities/by-name/widget/default/unknown", nil); status != http.StatusNotFound {
		t.Errorf("an entity of a kind nobody added: status %d, want 404", status)
	}
}

func TestInvalidAddedKindStopsTheCatalog(t *testing.T) {
	b, _ := testBackend(t)
	b.Add(catalogplugin.Plugin(), kindModule(catalog.Kind{Name: "API", APIVersions: []string{"backstage.io/v1alpha1"}}))
	err := b.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "add kind API: apiVersion backstage.io/v1alpha1 is already registered") {
		t.Fatalf("Run() = %v, want the AddKind error", err)
	}
}

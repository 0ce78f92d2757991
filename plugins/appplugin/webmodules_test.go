package appplugin

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/porticohq/portico/catalog"
)

// An API definition read with $text from another folder resolves its
// relative $refs beside itself; without that annotation they resolve beside
// the entity's file; either way reads stay inside the location's base.
func TestReaderForResolvesRefsBesideTheDefinition(t *testing.T) {
	root := t.TempDir()
	base := filepath.Join(root, "catalog")
	for name, content := range map[string]string{
		"catalog/catalog-info.yaml":      "",
		"catalog/specs/openapi.yaml":     "openapi: 3.0.0\n",
		"catalog/specs/schemas/pet.yaml": "beside the definition",
		"catalog/schemas/pet.yaml":       "beside the entity",
		"secret.txt":                     "outside the base",
	} {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	entityFile := filepath.Join(base, "catalog-info.yaml")
	readerWith := func(def, origin string) catalog.Reader {
		t.Helper()
		ann := map[string]string{
			catalog.AnnotationManagedByLocation:       "file:" + entityFile,
			catalog.AnnotationManagedByOriginLocation: origin,
		}
		if def != "" {
			ann[catalog.AnnotationDefinitionLocation] = def
		}
		b, err := json.Marshal(catalog.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "API", Metadata: catalog.Metadata{Name: "pets", Annotations: ann}})
		if err != nil {
			t.Fatal(err)
		}
		// The configured file location is catalog/*.yaml: its directory is
		// the only root.
		return readerFor(nil, []string{base})(&catalog.StoredEntity{JSON: b, LocationKey: "file:" + entityFile})
	}
	reader := func(def string) catalog.Reader { return readerWith(def, "file:"+entityFile) }
	read := func(r catalog.Reader, target string) (string, error) {
		if r == nil {
			return "", errors.New("no reader: reads refused")
		}
		b, _, err := r.ReadRelative(context.Background(), target)
		return string(b), err
	}

	if got, err := read(reader("file:"+filepath.Join(base, "specs", "openapi.yaml")), "./schemas/pet.yaml"); err != nil || got != "beside the definition" {
		t.Errorf("with the definition location: %q, %v", got, err)
	}
	if got, err := read(reader(""), "./schemas/pet.yaml"); err != nil || got != "beside the entity" {
		t.Errorf("without it: %q, %v", got, err)
	}
	// Annotations that claim another directory (hand-written before ingest
	// overwrote them, or forged in a database) widen nothing: the root is
	// the configured location's directory.
	for _, forged := range []catalog.Reader{
		reader("file:" + filepath.Join(root, "elsewhere", "openapi.yaml")),
		readerWith("", "file:/"),
		readerWith("file:"+filepath.Join(root, "openapi.yaml"), "file:"+root),
	} {
		if got, err := read(forged, "../secret.txt"); err == nil {
			t.Errorf("forged annotations read %q outside the location", got)
		}
		if got, err := read(forged, "../../secret.txt"); err == nil {
			t.Errorf("forged annotations read %q outside the location", got)
		}
	}
}

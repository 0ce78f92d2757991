package catalogtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/openapi"
)

// TestWriteBenchCatalog checks that every generated file is one API entity
// whose definition has 10 operations, about 11 KB a file, and that the
// org file declares the owners and systems.
func TestWriteBenchCatalog(t *testing.T) {
	dir := t.TempDir()
	if err := WriteBenchCatalog(dir, 3); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "apis"))
	if err != nil || len(entries) != 3 {
		t.Fatalf("%d files (%v), want 3", len(entries), err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, "apis", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if len(data) < 8_000 || len(data) > 16_000 {
			t.Errorf("%s: %d bytes, want about 11 KB", e.Name(), len(data))
		}
		got, problems := catalog.ParseYAML(data, catalog.Source{Location: "file:" + e.Name()})
		if len(problems) > 0 || len(got) != 1 || got[0].Entity.Kind != "API" {
			t.Fatalf("%s: %d entities, problems %v", e.Name(), len(got), problems)
		}
		sum, err := openapi.Summarize(got[0].Entity.Definition())
		if err != nil || len(sum.Operations) != 10 {
			t.Errorf("%s: definition has %d operations (%v), want 10", e.Name(), len(sum.Operations), err)
		}
	}
	org, err := os.ReadFile(filepath.Join(dir, "org.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	got, problems := catalog.ParseYAML(org, catalog.Source{Location: "file:org.yaml"})
	if len(problems) > 0 || len(got) != Groups+Systems {
		t.Errorf("org.yaml: %d entities, problems %v; want %d", len(got), problems, Groups+Systems)
	}
}

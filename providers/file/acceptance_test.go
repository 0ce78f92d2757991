package file

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store"
)

// TestEachBadEntityIsReportedAndTheRestIngested covers the catalog issue's
// acceptance list: each bad entity gives a clear error naming file and
// field, and every other entity of the same file and location is ingested.
func TestEachBadEntityIsReportedAndTheRestIngested(t *testing.T) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		base := t.TempDir()
		good := func(name string) string { return api(name, "fine") }
		file := filepath.Join(base, "apis.yaml")
		write(t, filepath.Join(base, "defs", "petstore.yaml"), "openapi: 3.0.0\n")
		write(t, file, strings.Join([]string{
			good("good-1"),
			good(strings.Repeat("a", 64)),
			good("bad_name-"),
			strings.Replace(good("ns-bad"), "metadata:\n", "metadata:\n  namespace: Default\n", 1),
			strings.Replace(good("no-owner"), "  owner: team-a\n", "", 1),
			strings.Replace(good("missing-text"), "./defs/petstore.yaml", "./defs/missing.yaml", 1),
			good("good-2"),
		}, "---\n"))
		write(t, filepath.Join(base, "broken.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: [\n")
		write(t, filepath.Join(base, "other.yaml"), good("good-3"))

		p := New(Options{Target: filepath.Join(base, "*.yaml"), Rescan: -1})
		p.noWatch = true
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if err := p.Connect(ctx, connection{c: catalog.New(s, catalog.Options{}), name: p.Name()}); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"good-1", "good-2", "good-3"} {
			if e, _ := entity(t, s, "api:default/"+name); e == nil {
				t.Errorf("api:default/%s not ingested", name)
			}
		}
		sps, err := s.SourceProblems(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := describe(sps)
		loc := "file:" + file
		for _, want := range []string{
			loc + ": document 2: api:default/" + strings.Repeat("a", 64) + `: metadata.name: "` + strings.Repeat("a", 64) + `" is not valid; must be 1-63 characters`,
			loc + `: document 3: api:default/bad_name-: metadata.name: "bad_name-" is not valid`,
			loc + `: document 4: api:Default/ns-bad: metadata.namespace: "Default" is not valid`,
			loc + ": document 5: api:default/no-owner: spec.owner: is required",
			loc + ": document 6: api:default/missing-text: spec.definition: $text ./defs/missing.yaml: file " + filepath.Join(base, "defs", "missing.yaml") + " does not exist",
			"file:" + filepath.Join(base, "broken.yaml") + ": document 1: malformed YAML: ",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("missing problem %q in:\n%s", want, got)
			}
		}
	})
}

package file

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
)

// connection applies mutations through the real catalog engine.
type connection struct {
	c    *catalog.Catalog
	name string
}

func (c connection) ApplyMutation(ctx context.Context, m catalog.Mutation) (catalog.ApplyResult, error) {
	return c.c.Apply(ctx, c.name, m)
}

// eachStore runs fn against a SQLite file and, when PORTICO_TEST_PG_DSN is
// set, a PostgreSQL database created and dropped for the test.
func eachStore(t *testing.T, fn func(t *testing.T, s *store.Store)) { storetest.Each(t, fn) }

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	// Write beside and rename, as editors do, so a reader never sees half a file.
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func api(name, extra string) string {
	return "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: " + name + "\n  description: " + extra + "\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition: {$text: ./defs/petstore.yaml}\n"
}

const group = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\nspec: {type: team, children: []}\n"

func component(name string) string {
	return "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: " + name + "}\nspec: {type: service, lifecycle: production, owner: team-a, providesApis: [pets]}\n"
}

// waitFor polls cond until it holds or 2 s pass: the promise is that
// changes on disk are visible within 2 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitWithin(t, 2*time.Second, what, cond)
}

// waitWithin is waitFor for work whose time is not a product target (a
// retry after backoff, a whole load), so a loaded CI machine does not fail it.
func waitWithin(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("not within %s: %s", d, what)
}

func entity(t *testing.T, s *store.Store, ref string) (*catalog.Entity, *catalog.StoredEntity) {
	t.Helper()
	se, err := s.ByRef(context.Background(), catalog.MustParseRef(ref))
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		t.Fatal(err)
	}
	e, err := se.Decode()
	if err != nil {
		t.Fatal(err)
	}
	return e, se
}

// present reports whether ref is stored and emitted: stored, and not an
// orphan (an entity its location stopped emitting is kept, marked).
func present(t *testing.T, s *store.Store, ref string) bool {
	t.Helper()
	e, _ := entity(t, s, ref)
	return e != nil && e.Metadata.Annotations[catalog.AnnotationOrphan] != "true"
}

func TestFileLocationFollowsTheDisk(t *testing.T) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		dir := t.TempDir()
		base := filepath.Join(dir, "catalog")
		write(t, filepath.Join(base, "defs", "petstore.yaml"), "openapi: 3.0.0\n")
		write(t, filepath.Join(base, "a.yaml"), api("pets", "v1")+"---\n"+group)
		write(t, filepath.Join(base, "sub", "b.yaml"), component("web"))
		write(t, filepath.Join(base, "broken.yaml"), "kind: API\nmetadata: [unclosed\n")
		write(t, filepath.Join(base, "notes.txt"), "not a descriptor")
		target := filepath.Join(base, "**", "*.yaml")

		p := New(Options{Target: target, Debounce: 50 * time.Millisecond, Rescan: -1})
		cat := catalog.New(s, catalog.Options{})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if err := p.Connect(ctx, connection{c: cat, name: p.Name()}); err != nil {
			t.Fatal(err)
		}

		// Initial full mutation: everything valid is there, with its annotations.
		e, _ := entity(t, s, "api:default/pets")
		if e == nil {
			t.Fatal("api:default/pets not ingested")
		}
		ann := e.Metadata.Annotations
		if ann[catalog.AnnotationManagedByLocation] != "file:"+filepath.Join(base, "a.yaml") || ann[catalog.AnnotationManagedByOriginLocation] != "file:"+target {
			t.Errorf("annotations = %v", ann)
		}
		if e.SpecString("definition") != "openapi: 3.0.0\n" {
			t.Errorf("definition = %q", e.SpecString("definition"))
		}
		for _, ref := range []string{"group:default/team-a", "component:default/web"} {
			if e, _ := entity(t, s, ref); e == nil {
				t.Errorf("%s not ingested", ref)
			}
		}
		problems, err := s.SourceProblems(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(describe(problems), "broken.yaml: document 1: malformed YAML") {
			t.Errorf("source problems = %s", describe(problems))
		}

		t.Run("edit", func(t *testing.T) {
			write(t, filepath.Join(base, "a.yaml"), api("pets", "v2")+"---\n"+group)
			waitFor(t, "edited description", func() bool {
				e, _ := entity(t, s, "api:default/pets")
				return e != nil && e.Metadata.Description == "v2"
			})
		})
		t.Run("new file in a new directory", func(t *testing.T) {
			write(t, filepath.Join(base, "new", "deeper", "c.yaml"), component("mobile"))
			waitFor(t, "new component", func() bool { e, _ := entity(t, s, "component:default/mobile"); return e != nil })
		})
		t.Run("entity removed from a file", func(t *testing.T) {
			write(t, filepath.Join(base, "a.yaml"), api("pets", "v2"))
			waitFor(t, "group orphaned", func() bool { return !present(t, s, "group:default/team-a") })
		})
		t.Run("invalid edit keeps the last good version", func(t *testing.T) {
			write(t, filepath.Join(base, "a.yaml"), strings.Replace(api("pets", "v3"), "  owner: team-a\n", "", 1))
			waitFor(t, "problem recorded", func() bool {
				_, se := entity(t, s, "api:default/pets")
				return se != nil && len(se.Problems) > 0
			})
			e, se := entity(t, s, "api:default/pets")
			if e.Metadata.Description != "v2" || se.Problems[0].Field != "spec.owner" {
				t.Errorf("description %q, problems %v", e.Metadata.Description, se.Problems)
			}
		})
		t.Run("malformed edit keeps the entities", func(t *testing.T) {
			write(t, filepath.Join(base, "sub", "b.yaml"), "kind: [")
			waitFor(t, "source problem", func() bool {
				ps, _ := s.SourceProblems(ctx)
				return strings.Contains(describe(ps), "b.yaml: document 1: malformed YAML")
			})
			if e, _ := entity(t, s, "component:default/web"); e == nil {
				t.Error("component:default/web removed by a malformed edit")
			}
		})
		t.Run("deleted file", func(t *testing.T) {
			if err := os.Remove(filepath.Join(base, "new", "deeper", "c.yaml")); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "component orphaned", func() bool { return !present(t, s, "component:default/mobile") })
		})
		t.Run("deleted directory", func(t *testing.T) {
			write(t, filepath.Join(base, "sub", "b.yaml"), component("web"))
			waitFor(t, "web repaired", func() bool {
				ps, _ := s.SourceProblems(ctx)
				return !strings.Contains(describe(ps), "b.yaml")
			})
			if err := os.RemoveAll(filepath.Join(base, "sub")); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "web orphaned", func() bool { return !present(t, s, "component:default/web") })
		})
	})
}

func describe(ps []catalog.SourceProblem) string {
	var b strings.Builder
	for _, sp := range ps {
		b.WriteString(catalog.Problems(sp.Problems).Error())
		b.WriteString("\n")
	}
	return b.String()
}

func TestRescanCatchesWhatNotificationsMiss(t *testing.T) {
	s := storetest.SQLite(t)
	base := t.TempDir()
	write(t, filepath.Join(base, "a.yaml"), group)
	p := New(Options{Target: filepath.Join(base, "*.yaml"), Rescan: 100 * time.Millisecond})
	p.noWatch = true
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := p.Connect(ctx, connection{c: catalog.New(s, catalog.Options{}), name: p.Name()}); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(base, "b.yaml"), component("web"))
	waitFor(t, "re-scan found b.yaml", func() bool { e, _ := entity(t, s, "component:default/web"); return e != nil })
	os.Remove(filepath.Join(base, "a.yaml"))
	waitFor(t, "re-scan saw a.yaml go", func() bool { return !present(t, s, "group:default/team-a") })
}

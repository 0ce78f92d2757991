package file

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store"
)

func locationFile(name string, targets ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: " + name + "\nspec:\n  targets:\n")
	for _, t := range targets {
		b.WriteString("    - " + t + "\n")
	}
	return b.String()
}

func problemsOf(t *testing.T, s *store.Store, ref string) string {
	t.Helper()
	_, se := entity(t, s, ref)
	if se == nil {
		return ""
	}
	return catalog.Problems(se.Problems).Error()
}

// startLocation connects a file location on target with the given catalog
// options and returns when its first load is applied.
func startLocation(t *testing.T, s *store.Store, target string, opts catalog.Options, roots ...string) *Provider {
	t.Helper()
	p := New(Options{Target: target, Debounce: 30 * time.Millisecond, Rescan: -1, Roots: roots})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := p.Connect(ctx, connection{c: catalog.New(s, opts), name: p.Name()}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNestedLocationsFollowTheDisk(t *testing.T) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		base := t.TempDir()
		write(t, filepath.Join(base, "all.yaml"), locationFile("example-all", "./all-components.yaml", "./all-apis.yaml"))
		write(t, filepath.Join(base, "all-components.yaml"), locationFile("example-components", "./components/*.yaml"))
		write(t, filepath.Join(base, "all-apis.yaml"), locationFile("example-apis", "./apis/pets.yaml"))
		write(t, filepath.Join(base, "components", "web.yaml"), component("web"))
		write(t, filepath.Join(base, "apis", "defs", "petstore.yaml"), "openapi: 3.0.0\ninfo: {title: v1}\n")
		write(t, filepath.Join(base, "apis", "pets.yaml"), api("pets", "v1"))
		target := filepath.Join(base, "all.yaml")
		startLocation(t, s, target, catalog.Options{})

		e, _ := entity(t, s, "api:default/pets")
		if e == nil {
			t.Fatal("api:default/pets, two Locations deep, not ingested")
		}
		if got, want := e.Metadata.Annotations[catalog.AnnotationManagedByLocation], "file:"+filepath.Join(base, "apis", "pets.yaml"); got != want {
			t.Errorf("managed-by-location = %s, want %s", got, want)
		}
		if got, want := e.Metadata.Annotations[catalog.AnnotationManagedByOriginLocation], "file:"+target; got != want {
			t.Errorf("managed-by-origin-location = %s, want %s", got, want)
		}
		for _, ref := range []string{"location:default/example-all", "location:default/example-components", "location:default/example-apis", "component:default/web"} {
			if !present(t, s, ref) {
				t.Errorf("%s not ingested", ref)
			}
		}

		t.Run("edit two levels down", func(t *testing.T) {
			write(t, filepath.Join(base, "apis", "pets.yaml"), api("pets", "v2"))
			waitFor(t, "edited description", func() bool { e, _ := entity(t, s, "api:default/pets"); return e.Metadata.Description == "v2" })
		})
		t.Run("edit a placeholder's target", func(t *testing.T) {
			write(t, filepath.Join(base, "apis", "defs", "petstore.yaml"), "openapi: 3.0.0\ninfo: {title: v2}\n")
			waitFor(t, "new definition", func() bool {
				e, _ := entity(t, s, "api:default/pets")
				return strings.Contains(e.SpecString("definition"), "v2")
			})
		})
		t.Run("new file matching a nested glob", func(t *testing.T) {
			write(t, filepath.Join(base, "components", "mobile.yaml"), component("mobile"))
			waitFor(t, "new component", func() bool { return present(t, s, "component:default/mobile") })
		})
		t.Run("missing target is a problem of its Location, then fixed", func(t *testing.T) {
			write(t, filepath.Join(base, "all-apis.yaml"), locationFile("example-apis", "./apis/pets.yaml", "./apis/later.yaml"))
			waitFor(t, "missing-target problem", func() bool {
				return strings.Contains(problemsOf(t, s, "location:default/example-apis"), "apis/later.yaml does not exist")
			})
			write(t, filepath.Join(base, "apis", "later.yaml"), component("later"))
			waitFor(t, "target created", func() bool {
				return present(t, s, "component:default/later") && problemsOf(t, s, "location:default/example-apis") == ""
			})
		})
		t.Run("target removed from a nested Location orphans as that Location", func(t *testing.T) {
			write(t, filepath.Join(base, "all-apis.yaml"), locationFile("example-apis", "./apis/pets.yaml"))
			waitFor(t, "later orphaned", func() bool {
				e, _ := entity(t, s, "component:default/later")
				return e != nil && e.Metadata.Annotations[catalog.AnnotationOrphan] == "true"
			})
			e, _ := entity(t, s, "component:default/later")
			if got, want := e.Metadata.Annotations[catalog.AnnotationOrphanedBy], "file:"+filepath.Join(base, "all-apis.yaml"); got != want {
				t.Errorf("orphaned-by = %q, want the nested Location that dropped it, %q", got, want)
			}
		})
		t.Run("target removed orphans its entities", func(t *testing.T) {
			write(t, filepath.Join(base, "all.yaml"), locationFile("example-all", "./all-components.yaml"))
			waitFor(t, "apis orphaned", func() bool {
				e, _ := entity(t, s, "api:default/pets")
				return e != nil && e.Metadata.Annotations[catalog.AnnotationOrphan] == "true"
			})
			// pets.yaml is still named by all-apis.yaml, which all.yaml
			// no longer names: all.yaml is what dropped it.
			e, _ := entity(t, s, "api:default/pets")
			if got, want := e.Metadata.Annotations[catalog.AnnotationOrphanedBy], "file:"+target; got != want {
				t.Errorf("orphaned-by = %q, want %q", got, want)
			}
			for _, ref := range []string{"location:default/example-apis", "component:default/later"} {
				if e, _ := entity(t, s, ref); e == nil || e.Metadata.Annotations[catalog.AnnotationOrphan] != "true" {
					t.Errorf("%s not kept as an orphan", ref)
				}
			}
			for _, ref := range []string{"component:default/web", "component:default/mobile", "location:default/example-components"} {
				if !present(t, s, ref) {
					t.Errorf("%s changed by removing another target", ref)
				}
			}
		})
		t.Run("target named again adopts its orphans", func(t *testing.T) {
			write(t, filepath.Join(base, "all.yaml"), locationFile("example-all", "./all-components.yaml", "./all-apis.yaml"))
			waitFor(t, "apis back", func() bool { return present(t, s, "api:default/pets") })
		})
		t.Run("a cycle is reported once and not looped", func(t *testing.T) {
			write(t, filepath.Join(base, "all-components.yaml"), locationFile("example-components", "./components/*.yaml", "./all.yaml"))
			waitFor(t, "cycle problem", func() bool {
				return strings.Count(problemsOf(t, s, "location:default/example-components"), "(a cycle)") == 1
			})
			if !present(t, s, "component:default/web") {
				t.Error("a cycle lost the Location's other targets")
			}
		})
	})
}

func TestOrphanStrategyDeleteRemoves(t *testing.T) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		base := t.TempDir()
		write(t, filepath.Join(base, "all.yaml"), locationFile("all", "./a.yaml", "./b.yaml"))
		write(t, filepath.Join(base, "a.yaml"), component("a"))
		write(t, filepath.Join(base, "b.yaml"), component("b"))
		startLocation(t, s, filepath.Join(base, "all.yaml"), catalog.Options{OrphanStrategy: catalog.OrphanDelete})
		write(t, filepath.Join(base, "all.yaml"), locationFile("all", "./a.yaml"))
		waitFor(t, "b deleted", func() bool { e, _ := entity(t, s, "component:default/b"); return e == nil })
		if !present(t, s, "component:default/a") {
			t.Error("a removed too")
		}
	})
}

func TestLocationTargetsConfinedToConfiguredDirectories(t *testing.T) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		base, other, outside := t.TempDir(), t.TempDir(), t.TempDir()
		write(t, filepath.Join(outside, "secret.yaml"), component("secret"))
		write(t, filepath.Join(other, "shared.yaml"), component("shared"))
		if err := os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(base, "link.yaml")); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(base, "all.yaml"), locationFile("all",
			filepath.Join(outside, "secret.yaml"), "../"+filepath.Base(outside)+"/secret.yaml", "./link.yaml", filepath.Join(other, "shared.yaml")))
		startLocation(t, s, filepath.Join(base, "all.yaml"), catalog.Options{}, other)
		if e, _ := entity(t, s, "component:default/secret"); e != nil {
			t.Fatal("a file outside the configured directories was ingested")
		}
		if !present(t, s, "component:default/shared") {
			t.Error("a file under another configured location's directory was refused")
		}
		// The Location is stored on its first read with the problems of
		// its refused targets recorded on it (its page and status show
		// them); the symlink, a file that cannot be read, is a problem of
		// that file.
		if e, _ := entity(t, s, "location:default/all"); e == nil || e.Status == nil {
			t.Fatalf("location:default/all stored without its problems: %+v", e)
		}
		probs := problemsOf(t, s, "location:default/all")
		for _, want := range []string{"location:default/all: spec.targets[0]", "location:default/all: spec.targets[1]",
			"outside the directories of the configured file locations"} {
			if !strings.Contains(probs, want) {
				t.Errorf("problems %q lack %q", probs, want)
			}
		}
		ps, _ := s.SourceProblems(context.Background())
		if got := describe(ps); !strings.Contains(got, "link.yaml is a symlink to") || strings.Contains(got, "location:default/all") {
			t.Errorf("source problems = %s", got)
		}
	})
}

func TestLocationWithAMissingTargetIsStoredOnFirstRead(t *testing.T) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		base := t.TempDir()
		write(t, filepath.Join(base, "all.yaml"), locationFile("example-all", "./all-apis.yaml"))
		write(t, filepath.Join(base, "all-apis.yaml"), locationFile("example-apis", "./apis/pets.yaml", "./apis/later.yaml"))
		write(t, filepath.Join(base, "apis", "pets.yaml"), api("pets", "v1"))
		write(t, filepath.Join(base, "apis", "defs", "petstore.yaml"), "openapi: 3.0.0\ninfo: {title: v1}\n")
		startLocation(t, s, filepath.Join(base, "all.yaml"), catalog.Options{})

		e, _ := entity(t, s, "location:default/example-apis")
		if e == nil {
			t.Fatal("a Location whose target is missing is not stored on its first read")
		}
		if e.Status == nil || len(e.Status.Items) != 1 || e.Status.Items[0].Type != "backstage.io/catalog-processing" ||
			!strings.Contains(e.Status.Items[0].Message, "spec.targets[1]: target ./apis/later.yaml: file:"+filepath.Join(base, "apis", "later.yaml")+" does not exist") {
			t.Errorf("status = %+v", e.Status)
		}
		if got, want := e.Metadata.Annotations[catalog.AnnotationManagedByLocation], "file:"+filepath.Join(base, "all-apis.yaml"); got != want {
			t.Errorf("managed-by-location = %s, want %s", got, want)
		}
		for _, ref := range []string{"api:default/pets", "location:default/example-all"} {
			if !present(t, s, ref) {
				t.Errorf("%s did not load", ref)
			}
		}

		write(t, filepath.Join(base, "apis", "later.yaml"), component("later"))
		waitFor(t, "target created, problem gone", func() bool {
			return present(t, s, "component:default/later") && problemsOf(t, s, "location:default/example-apis") == ""
		})
	})
}

package catalogplugin_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/egress"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
	"github.com/porticohq/portico/plugins/catalogplugin"
)

// files serves descriptor files over HTTP; they can change between reads.
type files struct {
	mu   sync.Mutex
	m    map[string]string
	down map[string]bool // paths that answer 503
}

func (f *files) set(path, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if body == "" {
		delete(f.m, path)
		return
	}
	f.m[path] = body
}

func (f *files) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	body, ok := f.m[r.URL.Path]
	down := f.down[r.URL.Path]
	f.mu.Unlock()
	if down {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	_, _ = io.WriteString(w, body)
}

func locationDoc(name string, targets ...string) string {
	return fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: %s}\nspec:\n  targets: [%s]\n",
		name, strings.Join(targets, ", "))
}

func componentDoc(names ...string) string {
	var docs []string
	for _, n := range names {
		docs = append(docs, fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: %s}\n"+
			"spec: {type: service, lifecycle: production, owner: team-a}\n", n))
	}
	return strings.Join(docs, "---\n")
}

// urlLocation is a url location over a repository served by an httptest
// server: a root Location naming a nested Location naming three files.
type urlLocation struct {
	files  *files
	url    string // the server's base URL
	reader catalogplugin.URLTreeReader
	cat    *catalog.Catalog
	st     *store.Store
}

func newURLLocation(t *testing.T, st *store.Store, strategy string) *urlLocation {
	t.Helper()
	f := &files{m: map[string]string{
		"/repo/all.yaml":            locationDoc("example-all", "./all-components.yaml"),
		"/repo/all-components.yaml": locationDoc("example-components", "./components/a.yaml", "./components/b.yaml", "./components/c.yaml"),
		"/repo/components/a.yaml":   componentDoc("a"),
		"/repo/components/b.yaml":   componentDoc("b", "b2"),
		"/repo/components/c.yaml":   componentDoc("c"),
	}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	loopback, err := egress.ParseAddressRules([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	urls := &catalog.URLReader{Allow: []catalog.ReadAllowRule{{Host: strings.TrimPrefix(srv.URL, "http://")}}, Addresses: loopback}
	return &urlLocation{
		files: f, url: srv.URL, st: st,
		reader: catalogplugin.URLTreeReader{Targets: &catalog.Targets{URLs: urls}},
		cat:    catalog.New(st, catalog.Options{OrphanStrategy: strategy}),
	}
}

// run reads the location and applies what it read, as its scheduled
// provider does.
func (u *urlLocation) run(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	target := u.url + "/repo/all.yaml"
	m, err := u.reader.ReadLocation(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.cat.Apply(ctx, "url:"+target, m); err != nil {
		t.Fatal(err)
	}
}

// annotations returns the stored entity's annotations, nil when it is gone.
func (u *urlLocation) annotations(t *testing.T, ref string) map[string]string {
	t.Helper()
	se, err := u.st.ByRef(context.Background(), catalog.MustParseRef(ref))
	if err != nil {
		return nil
	}
	e, err := se.Decode()
	if err != nil {
		t.Fatal(err)
	}
	return e.Metadata.Annotations
}

// A url location keeps no graph between reads, yet each orphan names the
// Location that stopped emitting it: the nested Location whose targets no
// longer name its file, or name a file that is gone, and its own file when
// that still is read but no longer holds it.
func TestURLLocationOrphansNameTheLocationThatDroppedThem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		u := newURLLocation(t, st, "")
		u.run(t)
		u.files.set("/repo/all-components.yaml", locationDoc("example-components", "./components/b.yaml", "./components/c.yaml"))
		u.files.set("/repo/components/b.yaml", componentDoc("b"))
		u.files.set("/repo/components/c.yaml", "")
		u.run(t)
		nested := "url:" + u.url + "/repo/all-components.yaml"
		for ref, want := range map[string]string{
			"component:default/a":  nested,                                     // its target removed
			"component:default/c":  nested,                                     // its file gone
			"component:default/b2": "url:" + u.url + "/repo/components/b.yaml", // gone from a file still read
		} {
			a := u.annotations(t, ref)
			if a[catalog.AnnotationOrphan] != "true" {
				t.Errorf("%s is not an orphan: %v", ref, a)
			}
			if got := a[catalog.AnnotationOrphanedBy]; got != want {
				t.Errorf("%s orphaned-by = %q, want %q", ref, got, want)
			}
		}
		if a := u.annotations(t, "component:default/b"); a[catalog.AnnotationOrphan] != "" || a[catalog.AnnotationOrphanedBy] != "" {
			t.Errorf("b, still emitted, is marked: %v", a)
		}

		// The root stops naming the nested Location: what was read through
		// it names the root, the nearest Location above it still read.
		u.files.set("/repo/all.yaml", locationDoc("example-all"))
		u.run(t)
		root := "url:" + u.url + "/repo/all.yaml"
		for _, ref := range []string{"component:default/b", "location:default/example-components"} {
			if got := u.annotations(t, ref)[catalog.AnnotationOrphanedBy]; got != root {
				t.Errorf("%s orphaned-by = %q, want the root %q", ref, got, root)
			}
		}
		if got := u.annotations(t, "component:default/a")[catalog.AnnotationOrphanedBy]; got != nested {
			t.Errorf("a, orphaned before, orphaned-by = %q, want it kept (%q)", got, nested)
		}
	})
}

// With orphanStrategy delete, what a url location stops emitting goes, as
// before.
func TestURLLocationDropsWithTheDeleteStrategy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		u := newURLLocation(t, st, catalog.OrphanDelete)
		u.run(t)
		u.files.set("/repo/all-components.yaml", locationDoc("example-components", "./components/b.yaml", "./components/c.yaml"))
		u.run(t)
		if a := u.annotations(t, "component:default/a"); a != nil {
			t.Errorf("a is kept with the delete strategy: %v", a)
		}
		if a := u.annotations(t, "component:default/b"); a == nil || a[catalog.AnnotationOrphan] != "" {
			t.Errorf("b = %v, want it stored and not an orphan", a)
		}
	})
}

// A nested Location that cannot be read (a 503, broken YAML) hides the
// files it names; their entities are kept as they were, with either
// strategy, instead of orphaned or deleted (an outside test lost them).
func TestURLLocationKeepsWhatAFailedLocationHid(t *testing.T) {
	for _, strategy := range []string{"", catalog.OrphanDelete} {
		for _, failure := range []string{"503", "broken YAML"} {
			t.Run(strategy+" "+failure, func(t *testing.T) {
				storetest.Each(t, func(t *testing.T, st *store.Store) {
					u := newURLLocation(t, st, strategy)
					u.run(t)
					uids := map[string]string{}
					refs := []string{"component:default/a", "component:default/b", "component:default/b2", "component:default/c"}
					for _, ref := range refs {
						se, err := st.ByRef(context.Background(), catalog.MustParseRef(ref))
						if err != nil {
							t.Fatal(err)
						}
						uids[ref] = se.UID
					}
					if failure == "503" {
						u.files.mu.Lock()
						u.files.down = map[string]bool{"/repo/all-components.yaml": true}
						u.files.mu.Unlock()
					} else {
						u.files.set("/repo/all-components.yaml", "kind: [")
					}
					u.run(t)
					u.run(t)
					for _, ref := range refs {
						se, err := st.ByRef(context.Background(), catalog.MustParseRef(ref))
						if err != nil {
							t.Errorf("%s is gone: %v", ref, err)
							continue
						}
						if se.UID != uids[ref] {
							t.Errorf("%s has a new uid", ref)
						}
						if a := u.annotations(t, ref); a[catalog.AnnotationOrphan] != "" {
							t.Errorf("%s is marked an orphan: %v", ref, a)
						}
					}
				})
			})
		}
	}
}

// A file that a failed Location names but that was read through another
// Location decides for itself: what it no longer holds is dropped.
func TestURLLocationFileReadElsewhereIsNotKeptByAFailedLocation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		u := newURLLocation(t, st, "")
		u.files.set("/repo/all.yaml", locationDoc("example-all", "./all-components.yaml", "./components/b.yaml"))
		u.run(t)
		u.files.mu.Lock()
		u.files.down = map[string]bool{"/repo/all-components.yaml": true}
		u.files.mu.Unlock()
		u.files.set("/repo/components/b.yaml", componentDoc("b"))
		u.run(t)
		if a := u.annotations(t, "component:default/b2"); a[catalog.AnnotationOrphan] != "true" {
			t.Errorf("b2, gone from b.yaml which was read, is not an orphan: %v", a)
		}
		for _, ref := range []string{"component:default/a", "component:default/c", "component:default/b"} {
			if a := u.annotations(t, ref); a == nil || a[catalog.AnnotationOrphan] != "" {
				t.Errorf("%s = %v, want it kept and not an orphan", ref, a)
			}
		}
	})
}

package catalog

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeTree writes files (path → content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func location(name string, targets ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: " + name + "\nspec:\n  targets:\n")
	for _, t := range targets {
		b.WriteString("    - " + t + "\n")
	}
	return b.String()
}

func component(name string) string {
	return "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: " + name +
		"\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
}

// followed summarises reads: entity ref → managed-by-location, and the
// problems, one line each.
func followed(reads []LocationRead, root string) (map[string]string, []string) {
	refs := map[string]string{}
	var problems []string
	for _, r := range reads {
		for _, d := range r.Entities {
			refs[d.Entity.Ref().String()] = strings.ReplaceAll(d.Source.Location, root, "<ROOT>") + " | " +
				strings.ReplaceAll(d.Source.OriginLocation, root, "<ROOT>") + " | " + strings.ReplaceAll(d.LocationKey, root, "<ROOT>")
			for _, p := range d.Problems {
				problems = append(problems, p.Field+": "+strings.ReplaceAll(p.Message, root, "<ROOT>"))
			}
		}
		if r.Failed != nil {
			for _, p := range r.Failed.Problems {
				problems = append(problems, strings.ReplaceAll(p.Error(), root, "<ROOT>"))
			}
		}
	}
	slices.Sort(problems)
	return refs, problems
}

func TestFollowLocationsNestedRelativeAndGlobs(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"all.yaml":                  location("example-all", "./all-components.yaml", "./all-apis.yaml"),
		"all-components.yaml":       location("example-components", "./components/*.yaml"),
		"all-apis.yaml":             location("example-apis", "apis/petstore.yaml", "./nested/deeper.yaml"),
		"components/a.yaml":         component("a"),
		"components/b.yaml":         component("b") + "---\n" + component("b2"),
		"components/.hidden.yaml":   component("hidden"),
		"apis/petstore.yaml":        strings.ReplaceAll(component("petstore-impl"), "Component", "Component"),
		"nested/deeper.yaml":        location("deeper", "../nested/leaf/*.yaml"),
		"nested/leaf/leaf.yaml":     component("leaf"),
		"nested/leaf/not-yaml.json": component("json-file"),
	})
	tr := &Targets{Roots: []string{root}}
	origin := "file:" + filepath.Join(root, "all.yaml")
	reads := FollowLocations(context.Background(), tr, []LocationSpec{{Type: "file", Target: filepath.Join(root, "all.yaml")}}, origin)
	refs, problems := followed(reads, root)
	o := " | file:<ROOT>/all.yaml | "
	want := map[string]string{
		"location:default/example-all":        "file:<ROOT>/all.yaml" + o + "file:<ROOT>/all.yaml",
		"location:default/example-components": "file:<ROOT>/all-components.yaml" + o + "file:<ROOT>/all-components.yaml",
		"location:default/example-apis":       "file:<ROOT>/all-apis.yaml" + o + "file:<ROOT>/all-apis.yaml",
		"component:default/a":                 "file:<ROOT>/components/a.yaml" + o + "file:<ROOT>/components/a.yaml",
		"component:default/b":                 "file:<ROOT>/components/b.yaml" + o + "file:<ROOT>/components/b.yaml",
		"component:default/b2":                "file:<ROOT>/components/b.yaml" + o + "file:<ROOT>/components/b.yaml",
		"component:default/petstore-impl":     "file:<ROOT>/apis/petstore.yaml" + o + "file:<ROOT>/apis/petstore.yaml",
		"location:default/deeper":             "file:<ROOT>/nested/deeper.yaml" + o + "file:<ROOT>/nested/deeper.yaml",
		"component:default/leaf":              "file:<ROOT>/nested/leaf/leaf.yaml" + o + "file:<ROOT>/nested/leaf/leaf.yaml",
	}
	if d := cmp.Diff(want, refs); d != "" {
		t.Errorf("entities (-want +got):\n%s", d)
	}
	if len(problems) != 0 {
		t.Errorf("problems: %q", problems)
	}
}

func TestFollowLocationsCycleMissingAndOutside(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	writeTree(t, outside, map[string]string{"secret.yaml": component("secret")})
	writeTree(t, root, map[string]string{
		"a.yaml": location("a", "./b.yaml", "./missing.yaml", filepath.Join(outside, "secret.yaml"), "./a.yaml"),
		"b.yaml": location("b", "./a.yaml") + "---\n" + component("in-b"),
	})
	tr := &Targets{Roots: []string{root}}
	a := filepath.Join(root, "a.yaml")
	reads := FollowLocations(context.Background(), tr, []LocationSpec{{Type: "file", Target: a}}, "file:"+a)
	refs, problems := followed(reads, root)
	for _, ref := range []string{"location:default/a", "location:default/b", "component:default/in-b"} {
		if refs[ref] == "" {
			t.Errorf("%s not read; got %v", ref, refs)
		}
	}
	if refs["component:default/secret"] != "" {
		t.Errorf("a file outside the location's directory was read")
	}
	wantProblems := []string{
		"spec.targets[0]: target ./a.yaml leads back to file:<ROOT>/a.yaml, which names this location (a cycle); it is not followed again",
		"spec.targets[1]: target ./missing.yaml: file:<ROOT>/missing.yaml does not exist",
		"spec.targets[2]: target " + filepath.Join(outside, "secret.yaml") + ": " + filepath.Join(outside, "secret.yaml") +
			" is outside the directories of the configured file locations (<ROOT>); configure a file location whose directory holds it",
		"spec.targets[3]: target ./a.yaml leads back to file:<ROOT>/a.yaml, which names this location (a cycle); it is not followed again",
	}
	if d := cmp.Diff(wantProblems, problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
	// Each problem is reported once, on the Location that names the target.
	if n := strings.Count(strings.Join(problems, "\n"), "cycle"); n != 2 {
		t.Errorf("cycle reported %d times, want once per naming target (2)", n)
	}
}

func TestFollowLocationsOtherConfiguredRootAllowed(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeTree(t, a, map[string]string{"all.yaml": location("all", filepath.Join(b, "*.yaml"))})
	writeTree(t, b, map[string]string{"x.yaml": component("x")})
	tr := &Targets{Roots: []string{a, b}}
	all := filepath.Join(a, "all.yaml")
	refs, problems := followed(FollowLocations(context.Background(), tr, []LocationSpec{{Type: "file", Target: all}}, "file:"+all), a)
	if refs["component:default/x"] == "" || len(problems) != 0 {
		t.Errorf("entities %v, problems %q; want x read from the other root", refs, problems)
	}
}

func TestFollowLocationsOverURLs(t *testing.T) {
	files := map[string]string{
		"/catalog/all.yaml":     location("all", "./apis.yaml", "https://elsewhere.example/x.yaml", "/catalog/gone.yaml") + "---\n" + strings.Replace(location("with-file", "../etc/passwd"), "targets:", "type: file\n  targets:", 1),
		"/catalog/apis.yaml":    location("apis", "sub/one.yaml"),
		"/catalog/sub/one.yaml": component("one"),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	tr := &Targets{URLs: &URLReader{Allow: []ReadAllowRule{{Host: host}}, Addresses: addressRules(t, "127.0.0.1")}}
	root := srv.URL + "/catalog/all.yaml"
	refs, problems := followed(FollowLocations(context.Background(), tr, []LocationSpec{{Type: "url", Target: root}}, "url:"+root), srv.URL)
	if got := refs["component:default/one"]; got != "url:<ROOT>/catalog/sub/one.yaml | url:<ROOT>/catalog/all.yaml | url:<ROOT>/catalog/sub/one.yaml" {
		t.Errorf("component one: %q", got)
	}
	want := []string{
		"spec.targets[0]: target ../etc/passwd: a Location read from url cannot name files on the portal's disk",
		"spec.targets[1]: target https://elsewhere.example/x.yaml: reading https://elsewhere.example/x.yaml is not allowed by backend.reading.allow",
		"spec.targets[2]: target /catalog/gone.yaml: url:<ROOT>/catalog/gone.yaml does not exist",
	}
	if d := cmp.Diff(want, problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
}

func TestURLLocatedEntitiesGetViewEditAndSourceURLs(t *testing.T) {
	c := New(nil, Options{})
	for _, tc := range []struct {
		loc, own              string
		view, edit, sourceLoc string
	}{
		{loc: "url:https://git.example/raw/catalog-info.yaml", view: "https://git.example/raw/catalog-info.yaml"},
		{loc: "url:https://github.com/acme/shop/blob/main/services/cart/catalog-info.yaml",
			view:      "https://github.com/acme/shop/blob/main/services/cart/catalog-info.yaml",
			edit:      "https://github.com/acme/shop/edit/main/services/cart/catalog-info.yaml",
			sourceLoc: "url:https://github.com/acme/shop/tree/main/services/cart/"},
		{loc: "url:https://github.com/acme/shop/blob/main/catalog-info.yaml", own: "https://docs.example/cart",
			view: "https://docs.example/cart", edit: "https://github.com/acme/shop/edit/main/catalog-info.yaml",
			sourceLoc: "url:https://github.com/acme/shop/tree/main/"},
		{loc: "file:/srv/catalog/catalog-info.yaml"},
	} {
		doc := component("cart")
		if tc.own != "" {
			doc = strings.Replace(doc, "  name: cart\n", "  name: cart\n  annotations:\n    backstage.io/view-url: "+tc.own+"\n", 1)
		}
		ents, probs := ParseYAML([]byte(doc), Source{Location: tc.loc})
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		pe := c.Process(context.Background(), "p", ents[0])
		ann := pe.Entity.Metadata.Annotations
		got := [3]string{ann[AnnotationViewURL], ann[AnnotationEditURL], ann[AnnotationSourceLocation]}
		if want := [3]string{tc.view, tc.edit, tc.sourceLoc}; got != want {
			t.Errorf("%s: view/edit/source = %q, want %q", tc.loc, got, want)
		}
	}
}

// Hardening finding 1: an entity that writes its own managed-by (or
// orphan, or definition-location) annotations does not choose where the
// catalog believes it came from: ingest sets them from the source.
func TestIngestOverwritesAnnotationsAnEntityForges(t *testing.T) {
	doc := strings.Replace(component("forger"), "  name: forger\n", `  name: forger
  annotations:
    backstage.io/managed-by-location: "file:/"
    backstage.io/managed-by-origin-location: "file:/"
    backstage.io/orphan: "true"
    portico.dev/definition-location: "file:/etc/passwd"
    example.com/own: kept
`, 1)
	src := Source{Location: "file:/srv/catalog/team/catalog-info.yaml", OriginLocation: "file:/srv/catalog/*/catalog-info.yaml"}
	ents, probs := ParseYAML([]byte(doc), src)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	pe := New(nil, Options{}).Process(context.Background(), "file:/srv/catalog/*/catalog-info.yaml", ents[0])
	want := map[string]string{
		AnnotationManagedByLocation:       "file:/srv/catalog/team/catalog-info.yaml",
		AnnotationManagedByOriginLocation: "file:/srv/catalog/*/catalog-info.yaml",
		"example.com/own":                 "kept",
	}
	if diff := cmp.Diff(want, pe.Entity.Metadata.Annotations); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
}

// The bytes of a file read are reused for the next file once parsed: what
// a read returned must not change when later files are read.
func TestReadLocationKeepsNothingOfItsBuffer(t *testing.T) {
	dir := t.TempDir()
	api := func(name, fill string) string {
		def := strings.Repeat("    "+fill+": line of the definition\n", 200)
		return "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: " + name +
			"\n  description: " + strings.Repeat(fill, 50) + "\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team\n  definition: |\n" + def
	}
	files := map[string]string{}
	for i, fill := range []string{"aaaa", "bbbb", "cccc", "dddd"} {
		files[fmt.Sprintf("api-%d.yaml", i)] = api(fmt.Sprintf("api-%d", i), fill)
	}
	writeTree(t, dir, files)
	tr := &Targets{Roots: []string{dir}}
	var reads []LocationRead
	for i := range len(files) * 3 {
		r := ReadLocation(context.Background(), tr, LocationSpec{Type: "file", Target: filepath.Join(dir, fmt.Sprintf("api-%d.yaml", i%len(files)))}, "file:"+dir)
		if r.Failed != nil || len(r.Entities) != 1 {
			t.Fatalf("read %d: %+v", i, r.Failed)
		}
		reads = append(reads, r)
	}
	for i, r := range reads {
		e := r.Entities[0].Entity
		fill := []string{"aaaa", "bbbb", "cccc", "dddd"}[i%len(files)]
		if want := strings.Repeat(fill, 50); e.Metadata.Description != want {
			t.Errorf("read %d: description %.20q…, want %.20q…", i, e.Metadata.Description, want)
		}
		if want := strings.Repeat(fill+": line of the definition\n", 200); e.Spec["definition"] != want {
			t.Errorf("read %d: definition changed after later reads", i)
		}
	}
}

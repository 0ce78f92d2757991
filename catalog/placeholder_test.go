package catalog

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog/egress"
)

// writeFiles creates files (path → content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func apiWithDefinition(def string) string {
	return "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: a}\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition: " + def + "\n"
}

func TestPlaceholdersFromFiles(t *testing.T) {
	root := t.TempDir()
	base := filepath.Join(root, "catalog")
	writeFiles(t, root, map[string]string{
		"secret.txt":                    "top secret",
		"catalog/apis/petstore.yaml":    "openapi: 3.0.0\n",
		"catalog/shared/info.json":      `{"version": 2}`,
		"catalog/shared/one.yaml":       "a: 1\n",
		"catalog/shared/two.yaml":       "a: 1\n---\nb: 2\n",
		"catalog/shared/broken.json":    `{"version": `,
		"catalog/apis/catalog-info.yml": "",
	})
	if err := os.Symlink(filepath.Join(root, "secret.txt"), filepath.Join(base, "apis", "link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(base, "apis", "petstore.yaml"), filepath.Join(base, "apis", "inside.txt")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, def string
		want      any    // the resolved definition when valid
		problem   string // substring of the problem otherwise
	}{
		{name: "text relative", def: "{$text: ./petstore.yaml}", want: "openapi: 3.0.0\n"},
		{name: "text up within base", def: "{$text: ../shared/one.yaml}", want: "a: 1\n"},
		{name: "symlink inside base", def: "{$text: inside.txt}", want: "openapi: 3.0.0\n"},
		{name: "missing file", def: "{$text: ./missing.yaml}", problem: "spec.definition: $text ./missing.yaml: file " + filepath.Join(base, "apis", "missing.yaml") + " does not exist"},
		{name: "traversal", def: "{$text: ../../etc/passwd}", problem: "outside the location's base directory"},
		{name: "traversal to sibling of base", def: "{$text: ../../secret.txt}", problem: "outside the location's base directory"},
		{name: "absolute path", def: "{$text: /etc/passwd}", problem: "absolute paths are not allowed"},
		{name: "file URL", def: "{$text: 'file:///etc/passwd'}", problem: "only relative paths"},
		{name: "symlink out of base", def: "{$text: ./link.txt}", problem: "leads through a symlink outside the location's base directory"},
		{name: "URL without allow-list", def: "{$text: 'https://example.com/x'}", problem: "not readable from a file location"},
		{name: "yaml with two documents", def: "{$yaml: ../shared/two.yaml}", problem: "exactly one YAML document"},
		{name: "broken json", def: "{$json: ../shared/broken.json}", problem: "is not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := Source{Location: "file:" + filepath.Join(base, "apis", "catalog-info.yml"), Reader: NewFileReader(base, filepath.Join(base, "apis", "catalog-info.yml"))}
			pe := processDoc(t, New(nil, Options{}), src, apiWithDefinition(tt.def))
			if tt.problem == "" {
				if len(pe.Problems) != 0 {
					t.Fatalf("problems: %v", pe.Problems)
				}
				if got := pe.Entity.Spec["definition"]; fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("definition = %#v, want %#v", got, tt.want)
				}
				// The definition's relative $refs resolve beside the file
				// it was read from.
				target := strings.TrimSuffix(strings.Fields(tt.def)[1], "}")
				want := "file:" + filepath.Join(base, "apis", target)
				if got := pe.Entity.Metadata.Annotations[AnnotationDefinitionLocation]; got != want {
					t.Errorf("definition location = %q, want %q", got, want)
				}
				return
			}
			if len(pe.Problems) != 1 || !strings.Contains(pe.Problems[0].Error(), tt.problem) {
				t.Fatalf("problems = %v, want one containing %q", pe.Problems, tt.problem)
			}
			if pe.Problems[0].Field != "spec.definition" {
				t.Errorf("field = %q, want spec.definition", pe.Problems[0].Field)
			}
		})
	}
}

func TestPlaceholdersJSONAndYAMLAnywhere(t *testing.T) {
	base := t.TempDir()
	writeFiles(t, base, map[string]string{"info.json": `{"version": 2}`, "one.yaml": "a: [1, 2]\n", "t.txt": "hi"})
	doc := `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: c
  extra: {$text: t.txt}
spec:
  type: service
  lifecycle: production
  owner: team-a
  info: {$json: ./info.json}
  nested: [{x: {$yaml: one.yaml}}]
  untouched: {$other: x}
  two: {$text: t.txt, b: c}
`
	src := Source{Location: "file:" + filepath.Join(base, "c.yaml"), Reader: NewFileReader(base, filepath.Join(base, "c.yaml"))}
	pe := processDoc(t, New(nil, Options{}), src, doc)
	if len(pe.Problems) != 0 {
		t.Fatalf("problems: %v", pe.Problems)
	}
	spec := pe.Entity.Spec
	checks := map[string]string{
		"info":      "map[version:2]",
		"nested":    "[map[x:map[a:[1 2]]]]",
		"untouched": "map[$other:x]",
		"two":       "map[$text:t.txt b:c]",
	}
	for k, want := range checks {
		if got := fmt.Sprint(spec[k]); got != want {
			t.Errorf("spec.%s = %s, want %s", k, got, want)
		}
	}
	if got := pe.Entity.Metadata.Extra["extra"]; got != "hi" {
		t.Errorf("metadata.extra = %v, want hi", got)
	}
}

func TestPlaceholderWithoutReader(t *testing.T) {
	pe := processDoc(t, New(nil, Options{}), Source{Location: "x"}, apiWithDefinition("{$text: a.yaml}"))
	if len(pe.Problems) != 1 || !strings.Contains(pe.Problems[0].Message, "not supported") {
		t.Fatalf("problems = %v", pe.Problems)
	}
}

func TestURLReader(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/specs/petstore.yaml":
			fmt.Fprint(w, "openapi: 3.0.0\n")
		case "/big":
			fmt.Fprint(w, strings.Repeat("x", 100))
		case "/big-chunked": // no Content-Length: the limit applies while reading
			fmt.Fprint(w, strings.Repeat("x", 40))
			w.(http.Flusher).Flush()
			fmt.Fprint(w, strings.Repeat("x", 60))
		case "/redirect":
			http.Redirect(w, r, "http://localhost.invalid/x", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	u := &URLReader{Allow: []ReadAllowRule{{Host: host}}, Addresses: addressRules(t, "127.0.0.1"), MaxSize: 50}
	entityURL := srv.URL + "/catalog/catalog-info.yaml"
	tests := []struct {
		name, target, want, problem string
		reader                      Reader
	}{
		{name: "relative to entity URL", target: "../specs/petstore.yaml", want: "openapi: 3.0.0\n"},
		{name: "absolute allowed", target: srv.URL + "/specs/petstore.yaml", want: "openapi: 3.0.0\n"},
		{name: "404", target: "../nope.yaml", problem: "does not exist (404)"},
		{name: "too big", target: "/big", problem: "/big is 100 bytes, larger than the read limit of 50 bytes (backend.reading.maxBytes)"},
		{name: "too big, chunked", target: "/big-chunked", problem: "/big-chunked is larger than the read limit of 50 bytes (backend.reading.maxBytes)"},
		{name: "host not allowed", target: "http://127.0.0.2:1/x", problem: "not allowed; add its host to backend.reading.allow"},
		{name: "redirect off the allow-list", target: "/redirect", problem: "not allowed by backend.reading.allow"},
		{name: "not allowed at all", target: "x", problem: "not allowed", reader: (&URLReader{}).ForURL(entityURL)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.reader
			if r == nil {
				r = u.ForURL(entityURL)
			}
			data, _, err := r.ReadRelative(context.Background(), tt.target)
			if tt.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tt.problem) {
					t.Fatalf("err = %v, want %q", err, tt.problem)
				}
				return
			}
			if err != nil || string(data) != tt.want {
				t.Fatalf("got %q, %v; want %q", data, err, tt.want)
			}
		})
	}
}

func TestURLReaderAllowRules(t *testing.T) {
	u := &URLReader{Allow: []ReadAllowRule{{Host: "example.com"}, {Host: "*.example.org"}, {Host: "git.local:8443", Paths: []string{"/org/"}}}}
	for raw, want := range map[string]bool{
		"https://example.com/a":          true,
		"https://sub.example.com/a":      false,
		"https://a.b.example.org/x":      true,
		"https://example.org/x":          false,
		"https://example.com:8080/a":     false,
		"https://git.local:8443/org/x":   true,
		"https://git.local:8443/other/x": false,
		"ftp://example.com/a":            false,
	} {
		if got := u.Allowed(raw); got != want {
			t.Errorf("Allowed(%q) = %v, want %v", raw, got, want)
		}
	}
}

// addressRules parses backend.reading.allowAddresses entries: tests read
// from httptest servers on loopback, which the URL reader refuses unless
// allowed by address.
func addressRules(t *testing.T, entries ...string) []egress.Rule {
	t.Helper()
	rules, err := egress.ParseAddressRules(entries)
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

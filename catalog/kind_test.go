package catalog

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// frobKind is a kind a feature adds: Frob at example.com/v1 or v1beta1,
// whose spec needs a tier.
func frobKind() Kind {
	return Kind{
		Name:        "Frob",
		APIVersions: []string{"example.com/v1", "example.com/v1beta1"},
		Validate: func(pc *ProcessContext) {
			if pc.Entity.SpecString("tier") == "" {
				pc.AddProblem("spec.tier", "is required")
			}
		},
	}
}

func TestAddKindAcceptsItsEntities(t *testing.T) {
	c := New(nil, Options{})
	if err := c.AddKind(frobKind()); err != nil {
		t.Fatal(err)
	}
	if err := c.AddKind(Kind{Name: "API", APIVersions: []string{"example.com/v1"}}); err != nil {
		t.Fatalf("a built-in kind at a new apiVersion: %v", err)
	}
	tests := []struct {
		name, doc, want string
	}{
		{name: "added kind", doc: docAt("example.com/v1", "Frob", "", "{tier: gold}")},
		{name: "added kind, second apiVersion", doc: docAt("example.com/v1beta1", "Frob", "", "{tier: gold}")},
		{name: "added kind's own validation", doc: docAt("example.com/v1", "Frob", "", "{}"), want: "document 1: frob:default/x: spec.tier: is required"},
		{name: "added kind at another apiVersion", doc: docAt("example.com/v2", "Frob", "", "{tier: gold}"),
			want: `apiVersion: "example.com/v2" is not valid for kind Frob; must be example.com/v1 or example.com/v1beta1`},
		{name: "added kind spelled in another case", doc: docAt("example.com/v1", "frob", "", "{tier: gold}"), want: `did you mean "Frob"?`},
		{name: "built-in kind at an added apiVersion, nil Validate", doc: docAt("example.com/v1", "API", "", "{anything: 1}")},
		{name: "built-in kind still checked at its own apiVersions", doc: doc("API", "", "{}"), want: "spec.type: is required"},
		{name: "envelope rules still apply", doc: docAt("example.com/v1", "Frob", "title: ''", "{tier: gold}"), want: "metadata.title: must not be empty"},
		{name: "unknown kinds now list the added one", doc: docAt("example.com/v1", "Widget", "", "{}"), want: "(known: API, Component, Domain, Frob, Group,"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for path, problems := range map[string][]Problem{
				"ingest":           ingestVerdict(t, c, "catalog-info.yaml", tt.doc),
				"portico validate": validateDoc(t, c, dir, tt.doc),
			} {
				msg := Problems(problems).Error()
				if tt.want == "" && len(problems) > 0 || !strings.Contains(msg, tt.want) {
					t.Errorf("%s: problems:\n%s\nwant %q", path, msg, tt.want)
				}
			}
		})
	}
	if got := ingestVerdict(t, New(nil, Options{}), "catalog-info.yaml", tests[0].doc); len(got) == 0 {
		t.Error("a catalog without the added kind accepted a Frob")
	}
}

func validateDoc(t *testing.T, c *Catalog, dir, doc string) []Problem {
	t.Helper()
	path := filepath.Join(dir, "catalog-info.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return c.ValidateFiles(context.Background(), []string{path})
}

func TestAddKindRefusesBadKinds(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		want string
	}{
		{name: "invalid name", kind: Kind{Name: "My-Kind", APIVersions: []string{"example.com/v1"}}, want: `add kind "My-Kind": the name must be 1-63 characters`},
		{name: "no apiVersion", kind: Kind{Name: "Frob"}, want: "add kind Frob: no apiVersions"},
		{name: "invalid apiVersion", kind: Kind{Name: "Frob", APIVersions: []string{"example.com/v1", "a/b/c"}}, want: `add kind Frob: apiVersion "a/b/c" must be a version`},
		{name: "a built-in pair", kind: Kind{Name: "API", APIVersions: []string{"backstage.io/v1beta1"}}, want: "add kind API: apiVersion backstage.io/v1beta1 is already registered"},
		{name: "twice the same apiVersion", kind: Kind{Name: "Frob", APIVersions: []string{"example.com/v1", "example.com/v1"}}, want: "already registered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(nil, Options{})
			err := c.AddKind(tt.kind)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("AddKind: %v, want %q", err, tt.want)
			}
			// A refused kind leaves nothing behind.
			if got := ingestVerdict(t, c, "catalog-info.yaml", docAt("example.com/v1", "Frob", "", "{}")); len(got) == 0 {
				t.Error("a refused AddKind made Frob example.com/v1 valid")
			}
		})
	}
}

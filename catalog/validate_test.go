package catalog

import (
	"context"
	"strings"
	"testing"
)

// processDoc parses one document and runs it through ingest processing.
func processDoc(t *testing.T, c *Catalog, src Source, doc string) ProcessedEntity {
	t.Helper()
	got, problems := ParseYAML([]byte(doc), src)
	if len(problems) != 0 || len(got) != 1 {
		t.Fatalf("parse: %d entities, problems %v", len(got), problems)
	}
	return c.Process(context.Background(), "test", got[0])
}

const validAPI = `apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: petstore
  labels: {tier: gold, example.com/team: a}
  annotations: {backstage.io/techdocs-ref: "dir:.", "github.com/project-slug": "a/b"}
  tags: [java, c++, "a:b"]
spec: {type: openapi, lifecycle: production, owner: team-a, definition: "openapi: 3.0.0"}
`

func TestValidation(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		allowed []string
		want    string // "" means valid
	}{
		{name: "valid API", doc: validAPI},
		{name: "64-character name", doc: strings.Replace(validAPI, "name: petstore", "name: "+strings.Repeat("a", 64), 1),
			want: `metadata.name: "` + strings.Repeat("a", 64) + `" is not valid; must be 1-63 characters of [a-zA-Z0-9-_.], starting and ending with [a-zA-Z0-9]`},
		{name: "63-character name", doc: strings.Replace(validAPI, "name: petstore", "name: "+strings.Repeat("a", 63), 1)},
		{name: "bad_name-", doc: strings.Replace(validAPI, "name: petstore", "name: bad_name-", 1),
			want: `api:default/bad_name-: metadata.name: "bad_name-" is not valid; must be 1-63 characters of [a-zA-Z0-9-_.], starting and ending with [a-zA-Z0-9]`},
		{name: "missing name", doc: strings.Replace(validAPI, "name: petstore", "title: t", 1), want: "metadata.name: is required"},
		{name: "namespace Default", doc: strings.Replace(validAPI, "name: petstore", "name: petstore\n  namespace: Default", 1),
			want: `api:Default/petstore: metadata.namespace: "Default" is not valid; must be 1-63 characters of [a-z0-9-]`},
		{name: "API without spec.owner", doc: strings.Replace(validAPI, "owner: team-a, ", "", 1),
			want: "document 1: api:default/petstore: spec.owner: is required"},
		{name: "API without spec", doc: validAPI[:strings.Index(validAPI, "spec:")], want: "spec: is required for kind API"},
		{name: "owner not a string", doc: strings.Replace(validAPI, "owner: team-a", "owner: [a]", 1), want: "spec.owner: must be a string, not a list"},
		{name: "bad apiVersion", doc: strings.Replace(validAPI, "backstage.io/v1alpha1", "backstage.io/v2", 1),
			want: `apiVersion: "backstage.io/v2" is not valid for kind API`},
		{name: "v1beta1", doc: strings.Replace(validAPI, "v1alpha1", "v1beta1", 1)},
		{name: "kind with a dash", doc: strings.Replace(validAPI, "kind: API", "kind: My-Kind", 1), want: `kind: "My-Kind" is not valid`},
		{name: "core kind misspelled", doc: strings.Replace(validAPI, "kind: API", "kind: api", 1), want: `kinds are case-sensitive: did you mean "API"?`},
		{name: "bad tag", doc: strings.Replace(validAPI, "tags: [java", "tags: [Java", 1), want: `metadata.tags[0]: "Java" is not valid`},
		{name: "bad label key", doc: strings.Replace(validAPI, "tier: gold", "Bad..Key/x: gold", 1), want: `metadata.labels: key "Bad..Key/x" is not valid`},
		{name: "bad label value", doc: strings.Replace(validAPI, "tier: gold", "tier: gold-", 1), want: `metadata.labels.tier: "gold-" is not valid`},
		{name: "empty label value", doc: strings.Replace(validAPI, "tier: gold", "tier: ''", 1)},
		{name: "bad annotation key", doc: strings.Replace(validAPI, "github.com/project-slug", "a/b/c", 1), want: `metadata.annotations: key "a/b/c" is not valid`},
		{name: "link without url", doc: strings.Replace(validAPI, "  tags:", "  links: [{title: x}]\n  tags:", 1), want: "metadata.links[0].url: is required"},
		{name: "kind not allowed", doc: validAPI, allowed: []string{"Component", "Group"}, want: "kind: kind API is not allowed by catalog.rules"},
		{name: "kind allowed case-insensitively", doc: validAPI, allowed: []string{"api"}},
		{name: "component", doc: "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: c}\nspec: {type: service, lifecycle: x, owner: g, providesApis: [a], dependsOn: [resource:db]}\n"},
		{name: "component dependsOn needs a kind", doc: "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: c}\nspec: {type: service, lifecycle: x, owner: g, dependsOn: [db]}\n",
			want: `spec.dependsOn[0]: entity ref "db" has no kind`},
		{name: "group needs children", doc: "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\nspec: {type: team}\n", want: "spec.children: is required"},
		{name: "user", doc: "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: u}\nspec: {memberOf: [g]}\n"},
		{name: "location without a target", doc: "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: l}\nspec: {type: url}\n"},
		{name: "system needs owner", doc: "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: {name: s}\nspec: {}\n", want: "spec.owner: is required"},
		{name: "resource", doc: "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata: {name: r}\nspec: {type: db, owner: g}\n"},
		{name: "template", doc: "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata: {name: t}\nspec: {type: service, steps: []}\n"},
		{name: "unknown kind", doc: "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n", want: `kind: "Widget" is not a known kind`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(nil, Options{AllowedKinds: tt.allowed})
			pe := processDoc(t, c, Source{Location: "catalog/apis.yaml"}, tt.doc)
			if tt.want == "" {
				if len(pe.Problems) != 0 {
					t.Fatalf("unexpected problems: %v", pe.Problems)
				}
				if pe.Hash == "" {
					t.Error("valid entity has no hash")
				}
				return
			}
			if len(pe.Problems) == 0 {
				t.Fatalf("no problems; want %q", tt.want)
			}
			msg := Problems(pe.Problems).Error()
			if !strings.Contains(msg, tt.want) || !strings.HasPrefix(msg, "catalog/apis.yaml: document 1: ") {
				t.Errorf("problems:\n%s\nwant one containing %q", msg, tt.want)
			}
		})
	}
}

func TestIsValidKey(t *testing.T) {
	for key, want := range map[string]bool{
		"a": true, "backstage.io/source-location": true, "github.com/user-id": true,
		"a.b-c/d_e.f": true, "/a": false, "a/": false, "A.com/x": false, strings.Repeat("a", 64) + ".com/x": false,
	} {
		if got := IsValidKey(key); got != want {
			t.Errorf("IsValidKey(%q) = %v, want %v", key, got, want)
		}
	}
}

package catalog

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseYAMLMultiDocument(t *testing.T) {
	data := `
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: a
  custom: {x: 1}
spec: {type: service, lifecycle: production, owner: team-a}
---
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: b, namespace: ns1, labels: {tier: gold}, tags: [java], links: [{url: 'https://x', title: X}]}
spec:
  responses:
    200: ok
`
	got, problems := ParseYAML([]byte(data), Source{Location: "file:/c/x.yaml"})
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	if len(got) != 2 {
		t.Fatalf("got %d entities, want 2", len(got))
	}
	if got[0].Source.Document != 1 || got[1].Source.Document != 3 {
		t.Errorf("documents = %d, %d; want 1, 3", got[0].Source.Document, got[1].Source.Document)
	}
	if diff := cmp.Diff(map[string]any{"custom": map[string]any{"x": 1}}, got[0].Entity.Metadata.Extra); diff != "" {
		t.Errorf("Extra (-want +got):\n%s", diff)
	}
	b := got[1].Entity
	if b.Ref().String() != "api:ns1/b" || b.Metadata.Labels["tier"] != "gold" || b.Metadata.Tags[0] != "java" || b.Metadata.Links[0].Title != "X" {
		t.Errorf("entity b = %+v", b)
	}
	if _, ok := b.Spec["responses"].(map[string]any)["200"]; !ok {
		t.Errorf("non-string keys not normalised: %#v", b.Spec["responses"])
	}
}

func TestParseYAMLAcceptsJSON(t *testing.T) {
	data := `{"apiVersion":"backstage.io/v1alpha1","kind":"Group","metadata":{"name":"g"},"spec":{"type":"team","children":[]}}`
	got, problems := ParseYAML([]byte(data), Source{Location: "g.json"})
	if len(problems) != 0 || len(got) != 1 || got[0].Entity.Ref().String() != "group:default/g" {
		t.Fatalf("got %v, problems %v", got, problems)
	}
}

func TestParseYAMLProblems(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		entities int
		want     string
	}{
		{
			name:     "malformed YAML keeps earlier documents",
			data:     "kind: API\nmetadata: {name: ok}\n---\nkind: API\nmetadata:\n  name: [unclosed\n",
			entities: 1,
			want:     "catalog/apis.yaml: document 2: malformed YAML: ",
		},
		{
			name:     "labels must be an object",
			data:     "kind: API\nmetadata: {name: x}\n---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: x, labels: [a]}\n",
			entities: 1,
			want:     "catalog/apis.yaml: document 2: api:default/x: metadata.labels: must be an object, not a list",
		},
		{
			name: "label value must be a string",
			data: "kind: API\nmetadata: {name: x, labels: {version: 1}}\n",
			want: "catalog/apis.yaml: document 1: api:default/x: metadata.labels.version: must be a string, not a number (quote the value)",
		},
		{
			name: "document must be an object",
			data: "- a\n- b\n",
			want: "catalog/apis.yaml: document 1: document must be an object",
		},
		{
			name: "name must be a string",
			data: "kind: API\nmetadata: {name: {a: b}}\n",
			want: "catalog/apis.yaml: document 1: metadata.name: must be a string, not an object",
		},
		{
			name: "spec must be an object",
			data: "kind: API\nmetadata: {name: x}\nspec: hello\n",
			want: "catalog/apis.yaml: document 1: api:default/x: spec: must be an object, not a string",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := ParseYAML([]byte(tt.data), Source{Location: "catalog/apis.yaml"})
			if len(got) != tt.entities {
				t.Errorf("got %d entities, want %d", len(got), tt.entities)
			}
			if len(problems) != 1 || !strings.HasPrefix(problems[0].Error(), tt.want) {
				t.Errorf("problems = %v\nwant one starting with %q", problems, tt.want)
			}
		})
	}
}

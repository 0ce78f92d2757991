package catalogapi

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const fieldsEntity = `{
  "apiVersion": "backstage.io/v1alpha1",
  "kind": "API",
  "metadata": {
    "name": "petstore",
    "namespace": "default",
    "tags": ["pets", "rest"],
    "annotations": {"backstage.io/managed-by-location": "file:/c/api.yaml", "x": "y"},
    "labels": {"tier": "1"}
  },
  "spec": {"type": "openapi", "lifecycle": "production", "owner": "group:default/team-a", "definition": {"openapi": "3.0.0"}, "votes": {"+1": 5, "-0": 1}},
  "relations": [{"type": "ownedBy", "targetRef": "group:default/team-a"}]
}`

func TestProjectJSON(t *testing.T) {
	tests := []struct {
		name   string
		fields []string
		want   string
	}{
		{name: "one field", fields: []string{"metadata.name"}, want: `{"metadata":{"name":"petstore"}}`},
		{
			name:   "several fields merge into one object, in request order",
			fields: []string{"kind", "metadata.name", "spec.type", "metadata.namespace"},
			want:   `{"kind":"API","metadata":{"name":"petstore","namespace":"default"},"spec":{"type":"openapi"}}`,
		},
		{name: "whole subtree", fields: []string{"spec.definition"}, want: `{"spec":{"definition":{"openapi":"3.0.0"}}}`},
		{name: "arrays are taken whole", fields: []string{"metadata.tags", "relations"}, want: `{"metadata":{"tags":["pets","rest"]},"relations":[{"type":"ownedBy","targetRef":"group:default/team-a"}]}`},
		{
			name:   "keys containing dots",
			fields: []string{"metadata.annotations.backstage.io/managed-by-location"},
			want:   `{"metadata":{"annotations":{"backstage.io/managed-by-location":"file:/c/api.yaml"}}}`,
		},
		{name: "missing fields are left out", fields: []string{"metadata.title", "spec.nothing.deeper", "kind.x"}, want: `{}`},
		{name: "parent then child keeps the parent", fields: []string{"metadata.labels", "metadata.labels.tier"}, want: `{"metadata":{"labels":{"tier":"1"}}}`},
		{name: "an index picks an element, in an array", fields: []string{"metadata.tags.0"}, want: `{"metadata":{"tags":["pets"]}}`},
		{name: "elements before the index are null", fields: []string{"metadata.tags.1"}, want: `{"metadata":{"tags":[null,"rest"]}}`},
		{name: "indexes merge in index order", fields: []string{"metadata.tags.1", "metadata.tags.0"}, want: `{"metadata":{"tags":["pets","rest"]}}`},
		{name: "a field of an element", fields: []string{"relations.0.targetRef"}, want: `{"relations":[{"targetRef":"group:default/team-a"}]}`},
		{name: "an index past the end is missing", fields: []string{"metadata.tags.2", "metadata.tags.01", "metadata.tags.-1"}, want: `{}`},
		{name: "whole array then an index keeps the array", fields: []string{"metadata.tags", "metadata.tags.1"}, want: `{"metadata":{"tags":["pets","rest"]}}`},
		{name: "an index then the whole array takes the array", fields: []string{"metadata.tags.1", "metadata.tags"}, want: `{"metadata":{"tags":["pets","rest"]}}`},
		{name: "signed numbers are names, not indexes", fields: []string{"spec.votes.+1", "spec.votes.-0"}, want: `{"spec":{"votes":{"+1":5,"-0":1}}}`},
		{name: "child then parent takes the parent", fields: []string{"metadata.labels.tier", "metadata.labels"}, want: `{"metadata":{"labels":{"tier":"1"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := projectJSON([]byte(fieldsEntity), tt.fields)
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(got) {
				t.Fatalf("invalid JSON: %s", got)
			}
			if diff := cmp.Diff(tt.want, compactJSON(t, got)); diff != "" {
				t.Errorf("projection (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProjectJSONRejectsInvalidDocument(t *testing.T) {
	if _, err := projectJSON([]byte(`[1,2]`), []string{"a"}); err == nil {
		t.Fatal("want an error for a non-object document")
	}
}

func compactJSON(t *testing.T, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

package store

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico/catalog"
)

func TestBuildSearchFollowsBackstageRules(t *testing.T) {
	e := &catalog.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       "API",
		Metadata: catalog.Metadata{
			Name:        "Pets",
			UID:         "u-1",
			Etag:        "e-1",
			Tags:        []string{"Java", "java", "rest"},
			Labels:      map[string]string{"Tier": "Gold"},
			Annotations: map[string]string{"backstage.io/managed-by-location": "file:/x.yaml"},
			Extra:       map[string]any{"custom": map[string]any{"n": 3.0, "ok": true, "none": nil}},
		},
		Spec: map[string]any{
			"type":       "openapi",
			"definition": strings.Repeat("x", 201),
			"servers":    []any{map[string]any{"url": "https://a"}, "plain"},
		},
		Relations: []catalog.Relation{{Type: "ownedBy", TargetRef: "group:default/a"}},
	}
	got := map[string]string{}
	for _, r := range buildSearch(e) {
		v := r.value
		if r.null {
			v = "<null>"
		}
		if prev, ok := got[r.key]; ok {
			v = prev + "|" + v
		}
		got[r.key] = v
	}
	for k, v := range got {
		parts := strings.Split(v, "|")
		sort.Strings(parts)
		got[k] = strings.Join(parts, "|")
	}
	want := map[string]string{
		"apiversion":           "backstage.io/v1alpha1",
		"metadata.tags":        "java|rest",
		"metadata.tags.java":   "true",
		"metadata.tags.rest":   "true",
		"metadata.labels.tier": "gold",
		"metadata.annotations.backstage.io/managed-by-location": "file:/x.yaml",
		"metadata.custom.n":    "3",
		"metadata.custom.ok":   "true",
		"metadata.custom.none": "<null>",
		"spec.type":            "openapi",
		"spec.definition":      "<null>",
		"spec.servers.url":     "https://a",
		"spec.servers":         "plain",
		"spec.servers.plain":   "true",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("search rows (-want +got):\n%s", diff)
	}
}

func TestBuildSearchKeepsRawCaseForFacets(t *testing.T) {
	e := &catalog.Entity{Kind: "API", Metadata: catalog.Metadata{Name: "x", Tags: []string{"go"}}, Spec: map[string]any{"owner": "Team-A"}}
	for _, r := range buildSearch(e) {
		if r.key == "spec.owner" && (r.value != "team-a" || r.raw != "Team-A") {
			t.Errorf("spec.owner row = %+v", r)
		}
	}
}

package catalog

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSpecArraysAreSortedAsBackstageStoresThem follows Backstage 4.0's
// BuiltinKindsEntityProcessor.preProcessEntity: the seven relation-bearing
// arrays are sorted (JavaScript's default sort), on any kind, only when
// every item is a string; other spec fields keep their order.
func TestSpecArraysAreSortedAsBackstageStoresThem(t *testing.T) {
	tests := []struct {
		name, doc string
		want      map[string]any
	}{
		{
			name: "component",
			doc: `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: web}
spec:
  type: website
  lifecycle: production
  owner: team-a
  providesApis: [zeta, beta, Alpha, beta]
  consumesApis: [default/z, api:a]
  dependsOn: [resource:z, component:a, Component:b]
  dependencyOf: [component:y, component:x]
  tags: [z, a]
`,
			want: map[string]any{
				"type": "website", "lifecycle": "production", "owner": "team-a",
				"providesApis": []any{"Alpha", "beta", "beta", "zeta"},
				"consumesApis": []any{"api:a", "default/z"},
				"dependsOn":    []any{"Component:b", "component:a", "resource:z"},
				"dependencyOf": []any{"component:x", "component:y"},
				"tags":         []any{"z", "a"},
			},
		},
		{
			name: "group",
			doc: `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: [z, m, a], members: [zed, amy]}
`,
			want: map[string]any{"type": "team", "children": []any{"a", "m", "z"}, "members": []any{"amy", "zed"}},
		},
		{
			name: "user",
			doc:  "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: jane}\nspec: {memberOf: [team-b, team-a]}\n",
			want: map[string]any{"memberOf": []any{"team-a", "team-b"}},
		},
		{
			name: "any kind a feature adds, and a list with a non-string item is left alone",
			doc: `apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec: {members: [b, a], dependsOn: [b, 1, a]}
`,
			want: map[string]any{"members": []any{"a", "b"}, "dependsOn": []any{"b", 1, "a"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(nil, Options{})
			if err := c.AddKind(Kind{Name: "Widget", APIVersions: []string{"example.com/v1"}}); err != nil {
				t.Fatal(err)
			}
			pe := processDoc(t, c, Source{Location: "x.yaml"}, tt.doc)
			if len(pe.Problems) != 0 {
				t.Fatalf("problems: %v", pe.Problems)
			}
			if diff := cmp.Diff(tt.want, pe.Entity.Spec); diff != "" {
				t.Errorf("spec (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSortSpecArraysLeavesTheCallersEntityAlone(t *testing.T) {
	doc := "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: jane}\nspec: {memberOf: [b, a]}\n"
	got, _ := ParseYAML([]byte(doc), Source{Location: "x.yaml"})
	New(nil, Options{}).Process(t.Context(), "test", got[0])
	if list := got[0].Entity.Spec["memberOf"]; !cmp.Equal(list, []any{"b", "a"}) {
		t.Errorf("the mutation's entity was changed: %v", list)
	}
}

// TestCompareUTF16 checks the order JavaScript's sort gives, which differs
// from Go's byte order for characters above U+FFFF against U+E000–U+FFFF.
func TestCompareUTF16(t *testing.T) {
	in := []string{"b", "", "a", "B", "ab", "\uff21", "\U0001F600", "é", "a-b", "a_b"}
	want := []string{"", "B", "a", "a-b", "a_b", "ab", "b", "é", "\U0001F600", "\uff21"}
	got := slices.Clone(in)
	slices.SortFunc(got, compareUTF16)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if byteOrder := slices.Sorted(slices.Values(in)); slices.Equal(byteOrder, want) {
		t.Errorf("test does not tell UTF-16 order from byte order")
	}
}

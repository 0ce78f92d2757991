package catalog

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func relationStrings(rows []RelationRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Source + " " + r.Type + " " + r.Target
	}
	sort.Strings(out)
	return out
}

func TestRelationsBothDirections(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string
	}{
		{
			name: "component with default kinds in its own namespace",
			doc: `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: web, namespace: shop}
spec:
  type: website
  lifecycle: production
  owner: team-a
  system: storefront
  subcomponentOf: portal
  providesApis: [orders]
  consumesApis: [default/payments]
  dependsOn: [resource:db]
  dependencyOf: [component:other/x]
`,
			want: []string{
				"api:default/payments apiConsumedBy component:shop/web",
				"api:shop/orders apiProvidedBy component:shop/web",
				"component:other/x dependsOn component:shop/web",
				"component:shop/portal hasPart component:shop/web",
				"component:shop/web consumesApi api:default/payments",
				"component:shop/web dependencyOf component:other/x",
				"component:shop/web dependsOn resource:shop/db",
				"component:shop/web ownedBy group:shop/team-a",
				"component:shop/web partOf component:shop/portal",
				"component:shop/web partOf system:shop/storefront",
				"component:shop/web providesApi api:shop/orders",
				"group:shop/team-a ownerOf component:shop/web",
				"resource:shop/db dependencyOf component:shop/web",
				"system:shop/storefront hasPart component:shop/web",
			},
		},
		{
			name: "API owned by a user",
			doc:  apiWithDefinition("x") + "  system: pets\n",
			want: []string{
				"api:default/a ownedBy group:default/team-a",
				"api:default/a partOf system:default/pets",
				"group:default/team-a ownerOf api:default/a",
				"system:default/pets hasPart api:default/a",
			},
		},
		{
			name: "system and domain",
			doc:  "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: {name: s}\nspec: {owner: user:jane, domain: commerce}\n",
			want: []string{
				"domain:default/commerce hasPart system:default/s",
				"system:default/s ownedBy user:default/jane",
				"system:default/s partOf domain:default/commerce",
				"user:default/jane ownerOf system:default/s",
			},
		},
		{
			name: "group",
			doc:  "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\nspec: {type: team, parent: org, children: [sub], members: [jane]}\n",
			want: []string{
				"group:default/g childOf group:default/org",
				"group:default/g hasMember user:default/jane",
				"group:default/g parentOf group:default/sub",
				"group:default/org parentOf group:default/g",
				"group:default/sub childOf group:default/g",
				"user:default/jane memberOf group:default/g",
			},
		},
		{
			name: "user",
			doc:  "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: Jane}\nspec: {memberOf: [team-a]}\n",
			want: []string{
				"group:default/team-a hasMember user:default/jane",
				"user:default/jane memberOf group:default/team-a",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pe := processDoc(t, New(nil, Options{}), Source{Location: "x.yaml"}, tt.doc)
			if len(pe.Problems) != 0 {
				t.Fatalf("problems: %v", pe.Problems)
			}
			if diff := cmp.Diff(tt.want, relationStrings(pe.Relations)); diff != "" {
				t.Errorf("relations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRefDefaultKinds(t *testing.T) {
	tests := []struct {
		in, defaultKind, defaultNS, want, err string
	}{
		{in: "team-a", defaultKind: "Group", defaultNS: "default", want: "group:default/team-a"},
		{in: "user:jane", defaultKind: "Group", defaultNS: "default", want: "user:default/jane"},
		{in: "ns/team-a", defaultKind: "Group", defaultNS: "default", want: "group:ns/team-a"},
		{in: "API:Ns/Pets", defaultKind: "System", defaultNS: "x", want: "api:ns/pets"},
		{in: "db", defaultNS: "default", err: "has no kind"},
		{in: "", defaultKind: "Group", err: "empty"},
		{in: "a:b:c", defaultKind: "Group", err: "not of the form"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseRef(tt.in, tt.defaultKind, tt.defaultNS)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || r.Key() != tt.want {
				t.Fatalf("ParseRef = %v, %v; want %s", r, err, tt.want)
			}
		})
	}
}

func TestApplyMarksOnlyInvalidEntities(t *testing.T) {
	st := &recordingStore{}
	c := New(st, Options{})
	var hooked ApplyResult
	c.AddCommitHook(func(_ context.Context, a Applied) { hooked = a.Result })
	c.AddProcessor(ProcessorFunc{ID: "reject-b", Fn: func(_ context.Context, pc *ProcessContext) error {
		if pc.Entity.Metadata.Name == "b" {
			pc.AddProblem("metadata.name", "b is reserved")
		}
		if pc.Entity.Metadata.Name == "p" {
			panic("boom")
		}
		pc.AddRelation("custom", MustParseRef("group:default/x"), "")
		return nil
	}})
	docs := "" +
		apiWithDefinition("x") + "---\n" +
		strings.Replace(apiWithDefinition("x"), "name: a", "name: b", 1) + "---\n" +
		strings.Replace(apiWithDefinition("x"), "name: a", "name: p", 1) + "---\n" +
		strings.Replace(apiWithDefinition("x"), "name: a", "name: bad_name-", 1)
	entities, problems := ParseYAML([]byte(docs), Source{Location: "file:/c/a.yaml", OriginLocation: "file:/c/*.yaml"})
	if len(problems) != 0 {
		t.Fatal(problems)
	}
	res, err := c.Apply(context.Background(), "file:/c/*.yaml", Mutation{Type: Full, Entities: entities})
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 1 || res.Invalid != 3 || len(res.Problems) != 3 || hooked.Invalid != 3 {
		t.Fatalf("result = %+v (hook saw %+v)", res, hooked)
	}
	m := st.last()
	a := m.Entities[0]
	if a.Hash == "" || len(a.Problems) != 0 || a.Location != "file:/c/a.yaml" {
		t.Errorf("a = %+v", a)
	}
	ann := a.Entity.Metadata.Annotations
	if ann[AnnotationManagedByLocation] != "file:/c/a.yaml" || ann[AnnotationManagedByOriginLocation] != "file:/c/*.yaml" {
		t.Errorf("annotations = %v", ann)
	}
	if got := relationStrings(a.Relations); !cmp.Equal(got[0], "api:default/a custom group:default/x") {
		t.Errorf("relations = %v", got)
	}
	if !strings.Contains(m.Entities[2].Problems[0].Message, "processor reject-b: panic: boom") {
		t.Errorf("panic problem = %v", m.Entities[2].Problems)
	}
	if entities[0].Entity.Metadata.Annotations != nil {
		t.Error("Apply changed the provider's entity")
	}
}

func TestHashIsStableAndSensitive(t *testing.T) {
	c := New(nil, Options{})
	src := Source{Location: "x.yaml"}
	h1 := processDoc(t, c, src, apiWithDefinition("x")).Hash
	h2 := processDoc(t, c, src, apiWithDefinition("x")).Hash
	h3 := processDoc(t, c, src, apiWithDefinition("y")).Hash
	if h1 == "" || h1 != h2 || h1 == h3 {
		t.Fatalf("hashes %s %s %s", h1, h2, h3)
	}
}

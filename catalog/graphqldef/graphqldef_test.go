package graphqldef

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSWAPIListsRootFieldsAndTypesInOrder(t *testing.T) {
	data, err := os.ReadFile("testdata/swapi.graphql")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse("swapi.graphql", data)
	if err != nil {
		t.Fatal(err)
	}
	if s.RootTypes[0] != "Root" || len(s.Mutations) != 0 {
		t.Fatalf("roots %q, %d mutations", s.RootTypes, len(s.Mutations))
	}
	var names []string
	for _, q := range s.Queries {
		names = append(names, q.Name)
	}
	if len(names) < 10 || names[0] != "allFilms" {
		t.Errorf("queries: %q", names)
	}
	var film *Field
	for i := range s.Queries {
		if s.Queries[i].Name == "film" {
			film = &s.Queries[i]
		}
	}
	if film == nil || film.Type != "Film" || film.NamedType != "Film" || len(film.Args) != 2 || film.Args[0].Name != "id" || film.Args[0].Type != "ID" {
		t.Errorf("film query: %+v", film)
	}
	if s.Types[0].Name != "Film" || s.Types[0].Kind != "object" || s.Types[0].Description != "A single film." || !cmp.Equal(s.Types[0].Interfaces, []string{"Node"}) {
		t.Errorf("first type: %+v", s.Types[0])
	}
	for _, ty := range s.Types {
		if ty.Name == "Root" || ty.Name == "String" || ty.Name == "__Schema" {
			t.Errorf("type %s should not be listed", ty.Name)
		}
		if ty.Name == "Node" {
			if ty.Kind != "interface" || !cmp.Equal(ty.Implemented, []string{"Film", "Person", "Planet", "Species", "Starship", "Vehicle"}) {
				t.Errorf("Node: %+v", ty)
			}
		}
		if ty.Name == "PageInfo" && (ty.Fields[0].Name != "hasNextPage" || ty.Fields[0].Type != "Boolean!") {
			t.Errorf("PageInfo: %+v", ty.Fields[0])
		}
	}
}

func TestParseReadsEnumsInputsUnionsAndDeprecations(t *testing.T) {
	sdl := `
"The API"
schema { query: Q mutation: M subscription: S }
type Q { pets(kind: Kind = DOG, filter: Filter): [Pet!]! old: String @deprecated(reason: "use pets") }
type M { add(input: Filter!): Pet }
type S { changed: Pet }
"Kinds of pets"
enum Kind { DOG CAT @deprecated }
input Filter { name: String = "rex" age: Int }
union Pet = Dog | Cat
type Dog { name: String }
type Cat { name: String }
scalar Time
`
	s, err := Parse("x.graphql", []byte(sdl))
	if err != nil {
		t.Fatal(err)
	}
	q := s.Queries
	if len(q) != 2 || q[0].Type != "[Pet!]!" || q[0].NamedType != "Pet" || q[0].Args[0].Default != "DOG" || q[0].Args[1].NamedType != "Filter" {
		t.Errorf("pets: %+v", q[0])
	}
	if !q[1].Deprecated || q[1].DeprecationReason != "use pets" {
		t.Errorf("old: %+v", q[1])
	}
	if len(s.Mutations) != 1 || len(s.Subscriptions) != 1 {
		t.Errorf("mutations %d subscriptions %d", len(s.Mutations), len(s.Subscriptions))
	}
	got := map[string]Type{}
	var order []string
	for _, ty := range s.Types {
		got[ty.Name] = ty
		order = append(order, ty.Kind+" "+ty.Name)
	}
	if diff := cmp.Diff([]string{"enum Kind", "input Filter", "union Pet", "object Dog", "object Cat", "scalar Time"}, order); diff != "" {
		t.Errorf("types (-want +got):\n%s", diff)
	}
	if k := got["Kind"]; k.Description != "Kinds of pets" || len(k.Values) != 2 || !k.Values[1].Deprecated || k.Values[1].DeprecationReason != "No longer supported" {
		t.Errorf("Kind: %+v", k)
	}
	if f := got["Filter"]; f.Fields[0].Default != `"rex"` {
		t.Errorf("Filter default: %+v", f.Fields[0])
	}
	if u := got["Pet"]; !cmp.Equal(u.Members, []string{"Dog", "Cat"}) {
		t.Errorf("Pet: %+v", u)
	}
}

func TestParseErrorsCarryLineAndColumn(t *testing.T) {
	_, err := Parse("x.graphql", []byte("type Q {\n  a: String\n  b String\n}"))
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("want *SyntaxError, got %v", err)
	}
	if se.Line != 3 || se.Column != 5 {
		t.Errorf("at %d:%d, want 3:5 (%s)", se.Line, se.Column, se)
	}
}

func TestParseShowsSchemasThatDoNotValidateWithWarnings(t *testing.T) {
	// Real schemas often fail validation (GitHub's declares
	// EnterpriseOwnerInfo.repositoryDeployKeySetting twice): they are
	// read anyway, the problem listed with its place.
	sdl := "type Query {\n  a: Missing\n  b: Int\n  b: Int\n}\nextend type Query { c: String }\n"
	s, err := Parse("x.graphql", []byte(sdl))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, q := range s.Queries {
		names = append(names, q.Name+":"+q.Type)
	}
	if diff := cmp.Diff([]string{"a:Missing", "b:Int", "b:Int", "c:String"}, names); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
	if len(s.Warnings) != 1 || !strings.HasPrefix(s.Warnings[0], "line ") {
		t.Errorf("warnings %q", s.Warnings)
	}
}

package apidocs

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/porticohq/portico/catalog/openapi"
)

// viewOnly are view fields the web layer computes (links to models), not
// copies of a domain field.
var viewOnly = map[string]bool{"ModelURL": true, "URL": true, "Target": true, "OperationURL": true}

// sameFields reports the exported fields of the view that differ from the
// domain field of the same name, descending into nested structs, pointers
// and slices; a view field the domain type lacks is reported too.
func sameFields(t *testing.T, path string, view, domain reflect.Value) {
	t.Helper()
	if view.Kind() == reflect.Pointer {
		if view.IsNil() != domain.IsNil() {
			t.Errorf("%s: view nil=%v, domain nil=%v", path, view.IsNil(), domain.IsNil())
			return
		}
		if view.IsNil() {
			return
		}
		view, domain = view.Elem(), domain.Elem()
	}
	switch view.Kind() {
	case reflect.Struct:
		for i := range view.NumField() {
			f := view.Type().Field(i)
			d := domain.FieldByName(f.Name)
			if !d.IsValid() && viewOnly[f.Name] {
				continue
			}
			if !d.IsValid() {
				t.Errorf("%s.%s: the domain type has no such field", path, f.Name)
				continue
			}
			sameFields(t, path+"."+f.Name, view.Field(i), d)
		}
	case reflect.Slice:
		if view.Len() != domain.Len() {
			t.Errorf("%s: %d in the view, %d in the domain", path, view.Len(), domain.Len())
			return
		}
		for i := range view.Len() {
			sameFields(t, fmt.Sprintf("%s[%d]", path, i), view.Index(i), domain.Index(i))
		}
	default:
		if view.Interface() != domain.Interface() {
			t.Errorf("%s: view %v, domain %v", path, view.Interface(), domain.Interface())
		}
	}
}

func TestSchemaNodeViewKeepsTheTree(t *testing.T) {
	tree := &openapi.SchemaNode{Type: "object", Ref: "Pet", Title: "Pet", Description: "a pet", Combinator: "oneOf",
		Composed:      []openapi.SchemaPart{{Label: "inline schema"}},
		Discriminator: &openapi.Discriminator{PropertyName: "kind", Mapping: []openapi.DiscriminatorMapping{{Value: "v"}}},
		Variants:      []*openapi.SchemaNode{{Type: "string", WriteOnly: true}},
		Children: []*openapi.SchemaNode{
			{Name: "id", Type: "integer", Format: "int64", Required: true, ReadOnly: true, Constraints: []openapi.Constraint{{Kind: "minimum", Label: "≥", Value: "1"}}},
			{Name: "^x-", Type: "string", Role: openapi.RolePatternProperty},
			{Name: "tag", Type: "string", Nullable: true, Deprecated: true, Enum: []string{"a", "b"}},
			{Name: "parent", Ref: "Pet", Type: "object", Cycle: true},
			{Name: "owner", Type: "object", Children: []*openapi.SchemaNode{
				{Name: "address", Type: "object", Truncated: true},
			}},
		}}
	v := schemaNodeView(tree, nil)
	sameFields(t, "schema", reflect.ValueOf(v), reflect.ValueOf(tree))
	if !v.Children[3].Cycle || !v.Children[4].Children[0].Truncated {
		t.Errorf("the cycle and truncation markers are lost: %+v", v)
	}
	if schemaNodeView(nil, nil) != nil {
		t.Error("a nil schema maps to a node")
	}
}

func TestOperationViewCopiesWhatThePageShows(t *testing.T) {
	op := &openapi.Operation{
		OperationSummary: openapi.OperationSummary{Key: "getPet", Method: "GET", Path: "/pets/{id}", OperationID: "getPet", Summary: "Get a pet", Deprecated: true},
		Description:      "Returns **a pet**.",
		ExternalDocs:     &openapi.ExternalDocs{URL: "https://docs.example/pets", Description: "More"},
		Parameters: []openapi.Parameter{{Name: "id", In: "path", Description: "the id", Required: true, Deprecated: true, Type: "integer", Enum: []string{"1"}, Example: "1",
			Format: "int64", Constraints: []openapi.Constraint{{Kind: "pattern", Label: "pattern", Value: "^a"}},
			Input:    openapi.InputRules{Number: true, Min: "1", Max: "2", Step: "1", Pattern: "p", MinLength: "1", MaxLength: "2"},
			Examples: []openapi.Example{{Name: "one", Summary: "s", Description: "d", Value: "1", External: "https://x"}}}},
		RequestBody: &openapi.RequestBody{Description: "body", Required: true, Contents: []openapi.MediaContent{
			{MediaType: "application/json", Example: `{"id":1}`, Generated: true, Schema: &openapi.SchemaNode{Type: "object"}, Examples: []openapi.Example{{Name: "a"}}},
		}},
		Callbacks: []openapi.Callback{{Name: "cb", Expression: "{$url}", Operations: []*openapi.Operation{{OperationSummary: openapi.OperationSummary{Method: "POST", Path: "{$url}"}}}}},
		Responses: []openapi.Response{{Status: "200", Description: "ok", Contents: []openapi.MediaContent{{MediaType: "text/plain"}},
			Headers: []openapi.Header{{Name: "X-Rate", Description: "d", Required: true, Deprecated: true, Schema: &openapi.SchemaNode{Type: "integer"}}},
			Links: []openapi.Link{{Name: "owner", OperationID: "getOwner", OperationRef: "#/x", Description: "d",
				Parameters: []openapi.LinkParameter{{Name: "id", Value: "$response.body#/id"}}, RequestBody: "$request.body"}}}},
		Security:  [][]string{{"key"}, {}},
		Truncated: true,
	}
	sameFields(t, "op", reflect.ValueOf(opView(op, nil)), reflect.ValueOf(op))

	sum := &openapi.Summary{
		Format: "openapi-3.0", Title: "Pets", Version: "1.0", Description: "d",
		Servers:         []openapi.Server{{URL: "https://api.example", Description: "prod", Variables: []openapi.ServerVariable{{Name: "v"}}}},
		SecuritySchemes: []openapi.SecurityScheme{{Name: "key", Type: "apiKey", In: "header", ParamName: "X-Key", Scheme: "", Description: "k"}},
		ExternalDocs:    &openapi.ExternalDocs{URL: "https://docs.example"},
	}
	sameFields(t, "summary", reflect.ValueOf(summaryView(sum)), reflect.ValueOf(sum))
	vars := []openapi.ServerVariable{{Name: "env", Default: "api", Enum: []string{"api", "sandbox"}}}
	sameFields(t, "variables", reflect.ValueOf(variableViews(vars)), reflect.ValueOf(vars))
}

package openapi

import (
	"context"
	"strings"
	"testing"
)

// Swagger 2.0 with a null where kin-openapi expects an object panicked in
// the library (issue 15); the error now says where the null is.
func TestNullsInSwaggerAreProblemsNotPanics(t *testing.T) {
	const head = "swagger: '2.0'\ninfo: {title: t, version: '1'}\n"
	for name, tc := range map[string]struct{ doc, want string }{
		"path item":        {head + "paths:\n  /x: null\n", `paths["/x"] is null`},
		"parameter":        {head + "paths:\n  /x:\n    get:\n      parameters: [null]\n      responses: {'200': {description: ok}}\n", `paths["/x"].get.parameters[0] is null`},
		"response":         {head + "paths:\n  /x:\n    get:\n      responses: {'200': null}\n", `paths["/x"].get.responses["200"] is null`},
		"unquoted code":    {head + "paths:\n  /x:\n    get:\n      responses: {200: null}\n", `paths["/x"].get.responses["200"] is null`},
		"header":           {head + "paths:\n  /x:\n    get:\n      responses: {'200': {description: ok, headers: {h: null}}}\n", `paths["/x"].get.responses["200"].headers.h is null`},
		"global parameter": {head + "paths: {}\nparameters: {p: null}\n", `parameters.p is null`},
		"json":             {`{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/x":null}}`, `paths["/x"] is null`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(context.Background(), []byte(tc.doc), nil, Limits{})
			if err == nil {
				t.Fatal("loaded a definition kin-openapi cannot convert")
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "runtime error") {
				t.Errorf("error %q does not say %q in the author's terms", err, tc.want)
			}
		})
	}
}

// A null under example, default, enum or an extension is data: a document
// that loads is never searched for nulls, and one that fails elsewhere is
// not blamed for them.
func TestNullsInValuesAreData(t *testing.T) {
	doc := map[string]any{
		"paths": map[string]any{"/x": map[string]any{"get": map[string]any{
			"x-internal": nil,
			"parameters": []any{map[string]any{"name": "a", "default": nil, "enum": []any{nil, "b"}, "example": nil}},
		}}},
	}
	if got := nullsIn(doc); len(got) != 0 {
		t.Errorf("nullsIn = %v, want none", got)
	}
	const ok = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      parameters:\n      - {name: a, in: query, schema: {type: string, nullable: true, default: null, example: null}}\n      responses: {'200': {description: ok}}\n"
	if _, err := Parse(context.Background(), []byte(ok), nil, Limits{}); err != nil {
		t.Errorf("a valid definition with null examples failed: %v", err)
	}
}

// Swagger 2.0 in YAML usually writes response codes unquoted; YAML reads
// them as numbers and the conversion to JSON refused the whole document.
func TestSwaggerYAMLWithUnquotedResponseCodesLoads(t *testing.T) {
	doc := "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      operationId: getX\n      responses:\n        200: {description: ok}\n        404: {description: missing}\n"
	d, err := Parse(context.Background(), []byte(doc), nil, Limits{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if op := d.doc.Paths.Find("/x").Get; op == nil || op.Responses.Status(404) == nil {
		t.Errorf("responses not converted: %+v", op)
	}
}

// kin-openapi reads a null path item of an OpenAPI 3 document as an empty
// one: the definition loaded as if the path had no operations, passed
// `portico validate`, and its diff against the version before called each
// of the path's operations removed. It is the same mistake Swagger 2.0's
// null path item is, reported in the same words by Parse (the page,
// validate) and LoadDocument (the differ); an empty path item still loads.
func TestNullPathItemsAreProblemsInEveryFormat(t *testing.T) {
	for name, tc := range map[string]struct{ doc, want string }{
		"3.0 path item": {"openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {/x: null}\n", `load definition: paths["/x"] is null where an object is expected`},
		"3.1 path item": {"openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x: null\n", `paths["/x"] is null`},
		"3.1 webhook":   {"openapi: 3.1.0\ninfo: {title: t, version: '1'}\nwebhooks: {newPet: null}\n", `webhooks.newPet is null`},
		"json":          {`{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/x":null}}`, `paths["/x"] is null`},
		"several":       {"openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {/b: null, /a: null, /c: {}}\n", `paths["/a"], paths["/b"] is null`},
		"swagger (2.0)": {"swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {/x: null}\n", `load definition: paths["/x"] is null where an object is expected`},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(context.Background(), []byte(tc.doc), nil, Limits{}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse: %v, want %q", err, tc.want)
			}
			if _, _, err := LoadDocument(context.Background(), []byte(tc.doc), nil, Limits{}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadDocument: %v, want %q", err, tc.want)
			}
		})
	}
	const empty = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {/x: {}}\n"
	if _, err := Parse(context.Background(), []byte(empty), nil, Limits{}); err != nil {
		t.Errorf("an empty path item: %v", err)
	}
}

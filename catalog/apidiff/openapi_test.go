package apidiff

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
	"go.yaml.in/yaml/v3"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/openapi"
)

const petsYAML = `
openapi: 3.0.3
info: {title: Pets, version: "1.0"}
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
        - {name: status, in: query, schema: {type: string, enum: [available, sold]}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}
    post:
      operationId: createPet
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewPet'}
      responses:
        "201": {description: created}
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
    delete:
      operationId: deletePet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: deleted}
components:
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: string}
        name: {type: string}
    NewPet:
      type: object
      required: [name]
      properties:
        name: {type: string}
        tag: {type: string}
`

// pets returns the base definition as a generic tree for a case to edit.
func pets(t *testing.T) map[string]any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(petsYAML), &v); err != nil {
		t.Fatal(err)
	}
	return catalog.Normalize(v).(map[string]any)
}

func at(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

func params(m map[string]any, path, method string) []any {
	return at(m, "paths", path, method)["parameters"].([]any)
}

func encode(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ruleCases are one hand-made pair per rule Portico documents, each with
// the rule id and level oasdiff's checker gives it.
var ruleCases = []struct {
	name   string
	edit   func(m map[string]any)
	id     string
	level  Level
	method string
	path   string
	opKey  string
}{
	{"removed operation", func(m map[string]any) {
		delete(at(m, "paths", "/pets/{id}"), "delete")
	}, "api-removed-without-deprecation", Breaking, "DELETE", "/pets/{id}", "deletePet"},
	{"removed path", func(m map[string]any) {
		delete(at(m, "paths"), "/pets/{id}")
	}, "api-path-removed-without-deprecation", Breaking, "GET", "/pets/{id}", "getPet"},
	{"removed parameter", func(m map[string]any) {
		at(m, "paths", "/pets", "get")["parameters"] = params(m, "/pets", "get")[1:]
	}, "request-parameter-removed", Warning, "GET", "/pets", "listPets"},
	{"parameter became required", func(m map[string]any) {
		params(m, "/pets", "get")[0].(map[string]any)["required"] = true
	}, "request-parameter-became-required", Breaking, "GET", "/pets", "listPets"},
	{"new required parameter", func(m map[string]any) {
		op := at(m, "paths", "/pets", "get")
		op["parameters"] = append(params(m, "/pets", "get"), map[string]any{
			"name": "owner", "in": "query", "required": true, "schema": map[string]any{"type": "string"},
		})
	}, "new-required-request-parameter", Breaking, "GET", "/pets", "listPets"},
	{"parameter type narrowed", func(m map[string]any) {
		params(m, "/pets/{id}", "get")[0].(map[string]any)["schema"] = map[string]any{"type": "integer"}
	}, "request-parameter-type-changed", Breaking, "GET", "/pets/{id}", "getPet"},
	{"parameter type widened", func(m map[string]any) {
		params(m, "/pets", "get")[0].(map[string]any)["schema"] = map[string]any{"type": "string"}
	}, "request-parameter-type-generalized", Info, "GET", "/pets", "listPets"},
	{"removed enum value", func(m map[string]any) {
		params(m, "/pets", "get")[1].(map[string]any)["schema"].(map[string]any)["enum"] = []any{"available"}
	}, "request-parameter-enum-value-removed", Breaking, "GET", "/pets", "listPets"},
	{"response type changed", func(m map[string]any) {
		at(m, "paths", "/pets/{id}", "get", "responses", "200", "content", "application/json")["schema"] = map[string]any{"type": "string"}
	}, "response-body-type-changed", Breaking, "GET", "/pets/{id}", "getPet"},
	{"success status removed", func(m map[string]any) {
		responses := at(m, "paths", "/pets/{id}", "delete", "responses")
		responses["202"] = responses["204"]
		delete(responses, "204")
	}, "response-success-status-removed", Breaking, "DELETE", "/pets/{id}", "deletePet"},
	{"new required request property", func(m map[string]any) {
		s := at(m, "components", "schemas", "NewPet")
		s["required"] = []any{"name", "tag"}
	}, "request-property-became-required", Breaking, "POST", "/pets", "createPet"},
	{"added operation", func(m map[string]any) {
		at(m, "paths", "/pets/{id}")["put"] = map[string]any{
			"operationId": "replacePet",
			"responses":   map[string]any{"200": map[string]any{"description": "ok"}},
		}
	}, "endpoint-added", Info, "PUT", "/pets/{id}", "replacePet"},
}

func TestOpenAPIClassifiesEachRule(t *testing.T) {
	for _, tt := range ruleCases {
		t.Run(tt.name, func(t *testing.T) {
			old := encode(t, pets(t))
			m := pets(t)
			tt.edit(m)
			rep := diffBytes(t, old, encode(t, m))
			g := findGroup(rep, tt.method, tt.path)
			if g == nil || !slices.ContainsFunc(g.Changes, func(c Change) bool { return c.ID == tt.id }) {
				t.Fatalf("no %s change to %s %s; got %s", tt.id, tt.method, tt.path, dump(rep))
			}
			if g.OperationKey != tt.opKey {
				t.Errorf("operation key = %q, want %q", g.OperationKey, tt.opKey)
			}
			if removed := strings.HasPrefix(tt.id, "api-"); g.InRevision == removed {
				t.Errorf("InRevision = %v for %s", g.InRevision, tt.id)
			}
			for _, c := range g.Changes {
				if c.ID == tt.id && c.Level != tt.level {
					t.Errorf("%s level = %s, want %s", tt.id, c.Level, tt.level)
				}
			}
			if rep.Has(Breaking) != (tt.level == Breaking) {
				t.Errorf("Has(Breaking) = %v for a %s change", rep.Has(Breaking), tt.level)
			}
		})
	}
}

// TestOpenAPIMatchesOasdiff runs oasdiff's own pipeline (its loader, diff
// and checker, as its CLI does) on every pair and asserts the report holds
// the same changes at the same levels: the classification is the library's.
func TestOpenAPIMatchesOasdiff(t *testing.T) {
	for _, tt := range ruleCases {
		t.Run(tt.name, func(t *testing.T) {
			old := encode(t, pets(t))
			m := pets(t)
			tt.edit(m)
			rev := encode(t, m)
			want := oasdiffSays(t, old, rev)
			got := flatten(diffBytes(t, old, rev))
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("report differs from oasdiff (-oasdiff +report):\n%s", d)
			}
		})
	}
}

func TestOpenAPIIdenticalDefinitionsHaveNoChanges(t *testing.T) {
	b := encode(t, pets(t))
	rep := diffBytes(t, b, []byte(petsYAML)) // same definition, JSON vs YAML
	if rep.Counts.Total() != 0 || len(rep.Groups) != 0 {
		t.Fatalf("changes between identical definitions: %s", dump(rep))
	}
}

func TestOpenAPIGroupsBreakingFirst(t *testing.T) {
	old := encode(t, pets(t))
	m := pets(t)
	at(m, "paths", "/pets/{id}")["put"] = map[string]any{ // info, sorts first by path
		"responses": map[string]any{"200": map[string]any{"description": "ok"}},
	}
	at(m, "paths")["/a"] = map[string]any{"get": map[string]any{ // info, first path
		"responses": map[string]any{"200": map[string]any{"description": "ok"}},
	}}
	delete(at(m, "paths", "/pets/{id}"), "delete") // breaking, last path
	params(m, "/pets", "get")[0].(map[string]any)["required"] = true
	at(m, "info")["version"] = "2.0"
	delete(at(m, "components", "schemas"), "NewPet") // a component, but also the body of POST /pets
	at(m, "paths", "/pets", "post")["requestBody"].(map[string]any)["content"] = map[string]any{
		"application/json": map[string]any{"schema": at(pets(t), "components", "schemas", "NewPet")},
	}
	rep := diffBytes(t, old, encode(t, m))
	var order []string
	for _, g := range rep.Groups {
		order = append(order, strings.TrimSpace(fmt.Sprintf("%s:%s %s%s", g.Level, g.Method, g.Path, g.Section)))
	}
	want := []string{
		"breaking:GET /pets", // paths in order, then methods
		"breaking:DELETE /pets/{id}",
		"info:GET /a",
		"info:PUT /pets/{id}",
		"info: components/schemas", // sections after operations
	}
	if d := cmp.Diff(want, order); d != "" {
		t.Errorf("group order (-want +got):\n%s", d)
	}
	if rep.FromVersion != "1.0" || rep.ToVersion != "2.0" {
		t.Errorf("versions = %q → %q", rep.FromVersion, rep.ToVersion)
	}
	if rep.Counts.Breaking != 2 || rep.Counts.Info < 3 {
		t.Errorf("counts = %+v", rep.Counts)
	}
}

func TestOpenAPISwagger2(t *testing.T) {
	const v1 = `
swagger: "2.0"
info: {title: S, version: "1"}
paths:
  /a:
    get:
      operationId: getA
      responses:
        200: {description: ok}
  /b:
    get:
      responses:
        200: {description: ok}
`
	v2 := strings.Replace(v1, "  /a:\n    get:\n      operationId: getA\n      responses:\n        200: {description: ok}\n", "", 1)
	rep := diffBytes(t, []byte(v1), []byte(v2))
	if g := findChange(rep, "api-path-removed-without-deprecation"); g == nil || g.OperationKey != "getA" {
		t.Fatalf("removed swagger path not reported: %s", dump(rep))
	}
}

func TestOpenAPIErrorsNameTheInput(t *testing.T) {
	_, err := OpenAPI(context.Background(),
		Input{Name: "old.yaml", Data: []byte(petsYAML)},
		Input{Name: "new.yaml", Data: []byte("openapi: 3.0.0\npaths: [")},
		openapi.Limits{})
	if err == nil || !strings.HasPrefix(err.Error(), "new.yaml: ") {
		t.Fatalf("err = %v, want it to name new.yaml", err)
	}
}

func diffBytes(t *testing.T, from, to []byte) *Report {
	t.Helper()
	rep, err := OpenAPI(context.Background(), Input{Name: "old", Data: from}, Input{Name: "new", Data: to}, openapi.Limits{})
	if err != nil {
		t.Fatalf("OpenAPI: %v", err)
	}
	return rep
}

func findGroup(rep *Report, method, path string) *Group {
	for i, g := range rep.Groups {
		if g.Method == method && g.Path == path {
			return &rep.Groups[i]
		}
	}
	return nil
}

func findChange(rep *Report, id string) *Group {
	for i, g := range rep.Groups {
		for _, c := range g.Changes {
			if c.ID == id {
				return &rep.Groups[i]
			}
		}
	}
	return nil
}

func dump(rep *Report) string {
	b, _ := json.MarshalIndent(rep, "", "  ")
	return string(b)
}

// flatten lists a report's changes as "level id METHOD path" lines, sorted.
func flatten(rep *Report) []string {
	var out []string
	for _, g := range rep.Groups {
		for _, c := range g.Changes {
			out = append(out, fmt.Sprintf("%s %s %s %s%s", c.Level, c.ID, g.Method, g.Path, g.Section))
		}
	}
	slices.Sort(out)
	return out
}

func oasdiffSays(t *testing.T, from, to []byte) []string {
	t.Helper()
	spec := func(name string, data []byte) *load.SpecInfo {
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			t.Fatalf("oasdiff load %s: %v", name, err)
		}
		return &load.SpecInfo{Spec: doc, Url: name}
	}
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), spec("old", from), spec("new", to))
	if err != nil {
		t.Fatal(err)
	}
	changes := checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, sources, checker.INFO)
	var out []string
	for _, c := range changes {
		level := map[checker.Level]Level{checker.ERR: Breaking, checker.WARN: Warning, checker.INFO: Info}[c.GetLevel()]
		where := c.GetOperation() + " " + c.GetPath()
		if c.GetOperation() == "" || c.GetPath() == "" {
			where = " " + sectionOf(c)
		}
		out = append(out, fmt.Sprintf("%s %s %s", level, c.GetId(), where))
	}
	slices.Sort(out)
	return out
}

// A path item emptied to null is a definition that cannot be loaded, as
// any other: the diff fails (diff-failed) instead of calling each of the
// path's operations removed.
func TestOpenAPINullPathItemFailsTheDiff(t *testing.T) {
	const v1 = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n" +
		"    get: {responses: {'200': {description: ok}}}\n" +
		"    post: {responses: {'200': {description: ok}}}\n" +
		"    delete: {responses: {'200': {description: ok}}}\n"
	const v2 = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {/x: null}\n"
	rep, err := OpenAPI(context.Background(), Input{Name: "old.yaml", Data: []byte(v1)}, Input{Name: "new.yaml", Data: []byte(v2)}, openapi.Limits{})
	if err == nil {
		t.Fatalf("diffed a null path item: %s", dump(rep))
	}
	if want := `new.yaml: load definition: paths["/x"] is null`; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v, want it to start %q", err, want)
	}
}

package catalogapi

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestAPIErrors(t *testing.T) {
	tests := []struct {
		method, target, body string
		status               int
		name, message        string
	}{
		{"GET", "/api/catalog/entities/by-query?limit=abc", "", 400, "InputError", "request/query/limit must be integer"},
		{"GET", "/api/catalog/entities/by-query?orderField=metadata.name,sideways", "", 400, "InputError", "Invalid order field order, must be asc or desc"},
		{"GET", "/api/catalog/entities/by-query?filter=kind=api,=x", "", 400, "InputError", "Invalid filter, '=x' is not a valid statement (expected a string on the form a=b or a= or a)"},
		{"GET", "/api/catalog/entities?offset=x", "", 400, "InputError", "request/query/offset must be integer"},
		{"GET", "/api/catalog/entities?limit=0", "", 400, "InputError", "Invalid limit, must be greater than zero"},
		{"GET", "/api/catalog/entities?order=metadata.name", "", 400, "InputError", `Invalid order parameter "metadata.name", expected "<asc or desc>:<field name>"`},
		{"GET", "/api/catalog/entities?order=up:metadata.name", "", 400, "InputError", `Invalid order parameter "up:metadata.name", expected "<asc or desc>:<field name>"`},
		{"GET", "/api/catalog/entities?after=", "", 400, "InputError", "Invalid after, must not be empty"},
		{"GET", "/api/catalog/entities?after=bm90IGpzb24", "", 400, "InputError", "Malformed after cursor, could not be parsed"},
		{"GET", "/api/catalog/entities?after=eyJsaW1pdCI6ImEifQ==", "", 400, "InputError", "Malformed after cursor, limit was not an number"},
		{"GET", "/api/catalog/entities/by-query?totalItems=some", "", 400, "InputError", "request/query/totalItems must be equal to one of the allowed values: include, exclude"},
		{"GET", "/api/catalog/entities/by-query?offset=x", "", 400, "InputError", "request/query/offset must be integer"},
		{"GET", "/api/catalog/entities/by-name/api/default/missing", "", 404, "NotFoundError", "No entity named 'missing' found, with kind 'api' in namespace 'default'"},
		{"GET", "/api/catalog/entities/by-uid/0000-missing", "", 404, "NotFoundError", "No entity with uid 0000-missing"},
		{"GET", "/api/catalog/entity-facets", "", 400, "InputError", "Missing facet parameter"},
		{"GET", "/api/catalog/no-such-route", "", 404, "NotFoundError", "Not Found"},
		{"GET", "/api/catalog", "", 404, "NotFoundError", "Not Found"},
		{"POST", "/api/catalog/no-such-route", `{}`, 404, "NotFoundError", "Not Found"},
		{"PUT", "/api/catalog/entities", `{}`, 404, "NotFoundError", "Not Found"},
		{"PATCH", "/api/catalog/entity-facets?facet=kind", `{}`, 404, "NotFoundError", "Not Found"},
		{"DELETE", "/api/catalog/entities/by-name/api/default/api-000001", "", 404, "NotFoundError", "Not Found"},
		{"POST", "/api/catalog/entities/by-refs", `{"entityRefs":[],"query":"api"}`, 400, "InputError", `Invalid filter predicate: top-level primitive values are not supported. Wrap the value in a field expression, e.g. { "kind": "api" }`},
		{"POST", "/api/catalog/entities/by-query", `{"query":{"kind":{"$regex":"a"}}}`, 400, "InputError", `Unsupported filter predicate value for field "kind": {"$regex":"a"} (use a string, number or boolean, $exists, $in, $hasPrefix or $contains)`},
		{"POST", "/api/catalog/entities/by-query", `{"query":{"$all":[{"kind":"api"}],"kind":"api"}}`, 400, "InputError", "Invalid query: operator $all must be the only key in query, wrap in $all to combine with other conditions"},
		{"POST", "/api/catalog/entities/by-query", `{"query":{"$or":[]}}`, 400, "InputError", "Invalid query: unknown operator $or in query (use $all, $any or $not)"},
		{"POST", "/api/catalog/entities/by-query", `{"cursor":""}`, 400, "InputError", "Cursor cannot be empty"},
		{"POST", "/api/catalog/entities/by-query", `{"orderBy":[{"field":"metadata.name","order":"up"}]}`, 400, "InputError", "Invalid order field order, must be asc or desc"},
		{"POST", "/api/catalog/entities/by-query", `{"query":`, 400, "InputError", "Malformed request body (did you remember to specify an application/json content type?), unexpected EOF"},
		{"POST", "/api/catalog/entity-facets", `{"query":{"kind":"api"}}`, 400, "InputError", "request/body must have required property 'facets'"},
		{"POST", "/api/catalog/entity-facets", `{"facets":["kind"],"query":{"relations":{"$contains":{"targetRef":"group:default/a"}}}}`, 400, "InputError", `The $contains operator for "relations" requires a "type" and optionally a "targetRef" property, but got {"targetRef":"group:default/a"}`},
	}
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		for _, tt := range tests {
			t.Run(tt.target, func(t *testing.T) {
				res, body := env.do(t, tt.method, tt.target, tt.body)
				want := errorBody{
					Error:    errorInfo{Name: tt.name, Message: tt.message},
					Request:  errorRequest{Method: tt.method, URL: tt.target},
					Response: errorStatus{StatusCode: tt.status},
				}
				assertErrorBody(t, res, body, want)
			})
		}
		t.Run("malformed cursor", func(t *testing.T) {
			res, body := env.do(t, "GET", "/api/catalog/entities/by-query?cursor=%21%21not-a-cursor", "")
			got := decode[errorBody](t, body)
			if res.StatusCode != 400 || got.Error.Name != "InputError" || got.Response.StatusCode != 400 || got.Error.Message == "" {
				t.Errorf("status %d body %s", res.StatusCode, body)
			}
		})
		t.Run("malformed by-refs body", func(t *testing.T) {
			res, body := env.do(t, "POST", "/api/catalog/entities/by-refs", `{"entityRefs": 7}`)
			got := decode[errorBody](t, body)
			if res.StatusCode != 400 || got.Error.Name != "InputError" {
				t.Errorf("status %d body %s", res.StatusCode, body)
			}
		})
	})
}

func assertErrorBody(t *testing.T, res *http.Response, body string, want errorBody) {
	t.Helper()
	if res.StatusCode != want.Response.StatusCode {
		t.Errorf("status = %d, want %d", res.StatusCode, want.Response.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	wantJSON, _ := json.Marshal(want)
	if body != string(wantJSON) {
		t.Errorf("body\n got %s\nwant %s", body, wantJSON)
	}
}

// errorBody is the JSON of package web's error answers (Backstage's
// shape), which API clients read.
type errorBody struct {
	Error    errorInfo    `json:"error"`
	Request  errorRequest `json:"request"`
	Response errorStatus  `json:"response"`
}

type errorInfo struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

type errorRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

type errorStatus struct {
	StatusCode int `json:"statusCode"`
}

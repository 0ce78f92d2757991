package catalogapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v5"
)

func TestRemoveEntityByUID(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		uid := entityUID(t, env, "api/default/api-000003")
		// Warm the response cache: the removal must drop the cached answers.
		mustGet(t, env, "/api/catalog/entities/by-uid/"+uid)
		mustGet(t, env, "/api/catalog/entities/by-query?filter=kind=api&limit=0")

		res, body := env.do(t, "DELETE", "/api/catalog/entities/by-uid/"+uid, "")
		if res.StatusCode != http.StatusNoContent || body != "" {
			t.Fatalf("DELETE: status %d body %q, want 204 and no body", res.StatusCode, body)
		}
		if res, body := env.do(t, "GET", "/api/catalog/entities/by-uid/"+uid, ""); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET after DELETE: %d %s", res.StatusCode, body)
		}
		if page := decode[queryPage](t, mustGet(t, env, "/api/catalog/entities/by-query?filter=kind=api&limit=0")); page.TotalItems != 11 {
			t.Errorf("totalItems after DELETE = %d, want 11", page.TotalItems)
		}
		// As Backstage: removing what is not there is not an error.
		if res, body := env.do(t, "DELETE", "/api/catalog/entities/by-uid/"+uid, ""); res.StatusCode != http.StatusNoContent {
			t.Errorf("second DELETE: %d %s", res.StatusCode, body)
		}
	})
}

func TestRemoveEntityByUIDRunsTheWriteGuard(t *testing.T) {
	refuse := func(c *echo.Context) error { return echo.NewHTTPError(http.StatusUnauthorized, "sign in to do this") }
	forEachDatabase(t, Options{RequireWriter: refuse}, func(t *testing.T, env *testEnv) {
		uid := entityUID(t, env, "api/default/api-000003")
		res, body := env.do(t, "DELETE", "/api/catalog/entities/by-uid/"+uid, "")
		want := errorBody{
			Error:    errorInfo{Name: "AuthenticationError", Message: "sign in to do this"},
			Request:  errorRequest{Method: "DELETE", URL: "/api/catalog/entities/by-uid/" + uid},
			Response: errorStatus{StatusCode: http.StatusUnauthorized},
		}
		assertErrorBody(t, res, body, want)
		mustGet(t, env, "/api/catalog/entities/by-uid/"+uid)
	})
}

func entityUID(t *testing.T, env *testEnv, byName string) string {
	t.Helper()
	var e struct {
		Metadata struct {
			UID string `json:"uid"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal([]byte(mustGet(t, env, "/api/catalog/entities/by-name/"+byName)), &e); err != nil || e.Metadata.UID == "" {
		t.Fatalf("uid of %s: %v", byName, err)
	}
	return e.Metadata.UID
}

func TestEntityAncestry(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		entity := mustGet(t, env, "/api/catalog/entities/by-name/api/default/api-000001")
		body := mustGet(t, env, "/api/catalog/entities/by-name/API/default/api-000001/ancestry")
		want := `{"rootEntityRef":"api:default/api-000001","items":[{"entity":` + entity + `,"parentEntityRefs":[]}]}`
		if body != want {
			t.Errorf("ancestry\n got %s\nwant %s", body, want)
		}
		res, body := env.do(t, "GET", "/api/catalog/entities/by-name/API/default/Nope/ancestry", "")
		assertErrorBody(t, res, body, errorBody{
			Error:    errorInfo{Name: "NotFoundError", Message: "No such entity api:default/nope"},
			Request:  errorRequest{Method: "GET", URL: "/api/catalog/entities/by-name/API/default/Nope/ancestry"},
			Response: errorStatus{StatusCode: http.StatusNotFound},
		})
	})
}

const validComponent = `{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"web"},"spec":{"type":"website","lifecycle":"production","owner":"team-a"}}`

// TestValidateEntity follows Backstage 4.0's POST /validate-entity: 200
// with no body when the entity is valid; otherwise 400 {"errors": [...]},
// for a bad request as for an invalid entity.
func TestValidateEntity(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		wantStatus              int
		wantErrors              []serializedError
	}{
		{"valid", "application/json", `{"entity":` + validComponent + `,"location":"url:https://example.com/catalog-info.yaml"}`, 200, nil},
		{"invalid entity", "application/json", `{"entity":{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"web"},"spec":{"type":"website","lifecycle":"production"}},"location":"url:https://example.com/x.yaml"}`,
			400, []serializedError{{"InputError", "component:default/web: spec.owner: is required"}}},
		{"no content type", "", `{}`, 400, []serializedError{{"InputError", "Content-Type missing"}}},
		{"form body", "application/x-www-form-urlencoded", `a=b`, 400, []serializedError{{"InputError", "Illegal Content-Type"}}},
		{"array body", "application/json", `[]`, 400, []serializedError{{"InputError", "Expected body to be a JSON object"}}},
		{"empty object", "application/json", `{}`, 400, []serializedError{{"InputError", "Empty request body"}}},
		{"no location", "application/json", `{"entity":` + validComponent + `}`, 400, []serializedError{{"InputError", "Malformed request: location must be a string"}}},
		{"envelope without kind", "application/json", `{"entity":{"apiVersion":"a","metadata":{"name":"x"}},"location":"url:https://e.com/x"}`,
			400, []serializedError{{"TypeError", "<root> must have required property 'kind' - missingProperty: kind"}}},
		{"empty name", "application/json", `{"entity":{"apiVersion":"a","kind":"B","metadata":{"name":""}},"location":"url:https://e.com/x"}`,
			400, []serializedError{{"TypeError", "/metadata/name must NOT have fewer than 1 characters - limit: 1"}}},
		{"file location", "application/json", `{"entity":` + validComponent + `,"location":"file:/srv/catalog-info.yaml"}`,
			400, []serializedError{{"TypeError", "Invalid location ref file:/srv/catalog-info.yaml, only 'url:<target>' is supported, e.g. url:https://host/path"}}},
		{"bare URL", "application/json", `{"entity":` + validComponent + `,"location":"https://e.com/x"}`,
			400, []serializedError{{"TypeError", "Invalid location ref 'https://e.com/x', please prefix it with 'url:', e.g. 'url:https://e.com/x'"}}},
		{"no type", "application/json", `{"entity":` + validComponent + `,"location":"catalog-info.yaml"}`,
			400, []serializedError{{"TypeError", "Unable to parse location ref 'catalog-info.yaml', expected '<type>:<target>', e.g. 'url:https://host/path'"}}},
		{"javascript target", "application/json", `{"entity":` + validComponent + `,"location":"url: JavaScript:alert(1)"}`,
			400, []serializedError{{"TypeError", "Invalid location ref 'url: JavaScript:alert(1)', target is a javascript: URL"}}},
	}
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				header := []string{"Content-Type", tt.contentType}
				res, body := env.do(t, "POST", "/api/catalog/validate-entity", tt.body, header...)
				if res.StatusCode != tt.wantStatus {
					t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.wantStatus, body)
				}
				if tt.wantErrors == nil {
					if body != "" {
						t.Errorf("body %q, want none", body)
					}
					return
				}
				got := decode[map[string][]serializedError](t, body)
				if diff := cmp.Diff(map[string][]serializedError{"errors": tt.wantErrors}, got); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
			})
		}
		if strings.Contains(mustGet(t, env, "/api/catalog/entities?fields=metadata.name"), `"web"`) {
			t.Error("validate-entity stored the entity")
		}
	})
}

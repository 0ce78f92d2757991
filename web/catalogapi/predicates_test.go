package catalogapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico/catalog"
)

// The test catalog: api-000000 … api-000011, production when even,
// owned by team-b when the index is a multiple of 3, team-a otherwise.
const ownedByTeamB = `{"$all": [{"kind": "API"}, {"relations": {"$contains": {"type": "ownedBy", "targetRef": "group:default/team-b"}}}]}`

func mustPost(t *testing.T, env *testEnv, target, body string) string {
	t.Helper()
	res, out := env.do(t, "POST", target, body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST %s %s: status %d: %s", target, body, res.StatusCode, out)
	}
	return out
}

// POST by-query pages like GET by-query: order, limit, fields, a total
// per page, and a cursor (sent back as {cursor}) that keeps the predicate.
func TestQueryEntitiesByPredicatePages(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		body := `{"query": ` + ownedByTeamB + `, "limit": 3, "orderBy": [{"field": "metadata.name", "order": "desc"}], "fields": ["metadata.name"]}`
		var got []string
		for i := 0; i < 5; i++ {
			page := decode[queryPage](t, mustPost(t, env, "/api/catalog/entities/by-query", body))
			if page.TotalItems != 4 {
				t.Fatalf("page %d: totalItems = %d, want 4", i, page.TotalItems)
			}
			for _, it := range page.Items {
				if len(it) != 1 {
					t.Errorf("item not projected to metadata.name: %v", it)
				}
			}
			got = append(got, names(page.Items)...)
			if page.PageInfo.NextCursor == "" {
				break
			}
			// catalog-client sends the next page to POST when atob of the
			// cursor is JSON with a "query" key.
			raw, err := base64.StdEncoding.DecodeString(page.PageInfo.NextCursor)
			if err != nil || !strings.Contains(string(raw), `"query":`) {
				t.Fatalf("cursor %q does not carry the query (%v)", page.PageInfo.NextCursor, err)
			}
			next, _ := json.Marshal(map[string]any{"cursor": page.PageInfo.NextCursor, "limit": 3, "fields": []string{"metadata.name"}})
			body = string(next)
		}
		if diff := cmp.Diff([]string{"api-000009", "api-000006", "api-000003", "api-000000"}, got); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
	})
}

// The filter parameter and the predicate must both hold, as in Backstage.
func TestPredicateEndpointsANDTheFilterParameter(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		page := decode[queryPage](t, mustPost(t, env, "/api/catalog/entities/by-query?filter=spec.lifecycle=production",
			`{"query": `+ownedByTeamB+`}`))
		if diff := cmp.Diff([]string{"api-000000", "api-000006"}, names(page.Items)); diff != "" || page.TotalItems != 2 {
			t.Errorf("by-query: totalItems %d (-want +got):\n%s", page.TotalItems, diff)
		}

		facets := decode[facetsResponse](t, mustPost(t, env, "/api/catalog/entity-facets?filter=spec.lifecycle=experimental",
			`{"facets": ["spec.lifecycle", "relations.ownedBy"], "query": `+ownedByTeamB+`}`))
		wantFacets := facetsResponse{}
		_ = json.Unmarshal([]byte(`{"facets": {
			"spec.lifecycle": [{"value": "experimental", "count": 2}],
			"relations.ownedBy": [{"value": "group:default/team-b", "count": 2}]}}`), &wantFacets)
		if diff := cmp.Diff(wantFacets, facets); diff != "" {
			t.Errorf("entity-facets (-want +got):\n%s", diff)
		}

		refs := decode[struct {
			Items []map[string]any `json:"items"`
		}](t, mustPost(t, env, "/api/catalog/entities/by-refs?filter=kind=api",
			`{"entityRefs": ["api:default/api-000001", "api:default/api-000003", "group:default/team-b"], "fields": ["metadata.name"],
			  "query": {"relations.ownedBy": {"$hasPrefix": "Group:default/team-b"}}}`))
		if diff := cmp.Diff([]string{"", "api-000003", ""}, names(refs.Items)); diff != "" {
			t.Errorf("by-refs (-want +got):\n%s", diff)
		}
	})
}

func TestQueryEntitiesByPredicateLimitZeroCounts(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		page := decode[queryPage](t, mustPost(t, env, "/api/catalog/entities/by-query",
			`{"query": {"$all": [{"$not": {"spec.lifecycle": {"$in": ["production"]}}}, {"kind": {"$exists": true}}]}, "limit": 0}`))
		if page.TotalItems != 8 || len(page.Items) != 0 { // 6 experimental APIs and 2 groups
			t.Errorf("totalItems %d, %d items", page.TotalItems, len(page.Items))
		}
	})
}

// plainStore hides the store's predicate methods, as a store that cannot
// evaluate filter predicates has none.
type plainStore struct{ catalog.Store }

// A store that cannot evaluate predicates answers 501, never the
// unfiltered entities.
func TestPredicatesNeedAStoreThatEvaluatesThem(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		srv, api := serve(Options{Store: plainStore{env.store}})
		plain := &testEnv{srv: srv, api: api, store: env.store}
		for target, body := range map[string]string{
			"/api/catalog/entities/by-query": `{"query": {"kind": "group"}}`,
			"/api/catalog/entity-facets":     `{"facets": ["kind"], "query": {"kind": "group"}}`,
			"/api/catalog/entities/by-refs":  `{"entityRefs": ["api:default/api-000001"], "query": {"kind": "group"}}`,
		} {
			if res, out := plain.do(t, "POST", target, body); res.StatusCode != http.StatusNotImplemented {
				t.Errorf("POST %s: status %d: %s", target, res.StatusCode, out)
			}
		}
		// Without a predicate the POST forms still answer.
		page := decode[queryPage](t, mustPost(t, plain, "/api/catalog/entities/by-query?filter=kind=group", `{}`))
		if page.TotalItems != 2 {
			t.Errorf("POST by-query without a query: totalItems %d, want 2", page.TotalItems)
		}
	})
}

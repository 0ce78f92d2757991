package catalogapi

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/catalogtest"
)

// forEachDatabase runs test on SQLite and, when configured, PostgreSQL.
func forEachDatabase(t *testing.T, opts Options, test func(t *testing.T, env *testEnv)) {
	for _, db := range testDatabases(t) {
		t.Run(db.name, func(t *testing.T) {
			test(t, newTestEnv(t, db.open, opts))
		})
	}
}

// queryPage is the by-query body.
type queryPage struct {
	Items      []map[string]any `json:"items"`
	TotalItems int              `json:"totalItems"`
	PageInfo   struct {
		NextCursor string `json:"nextCursor"`
		PrevCursor string `json:"prevCursor"`
	} `json:"pageInfo"`
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

func names(items []map[string]any) []string {
	var out []string
	for _, it := range items {
		md, _ := it["metadata"].(map[string]any)
		name, _ := md["name"].(string)
		out = append(out, name)
	}
	return out
}

func TestQueryEntitiesFilterAndFields(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		res, body := env.do(t, "GET", "/api/catalog/entities/by-query?filter=kind=api,spec.lifecycle=production&fields=metadata.name", "")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", res.StatusCode, body)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		if res.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
			t.Errorf("Content-Length = %q, body is %d bytes", res.Header.Get("Content-Length"), len(body))
		}
		raw := decode[map[string]json.RawMessage](t, body)
		if diff := cmp.Diff([]string{"items", "pageInfo", "totalItems"}, slices.Sorted(maps.Keys(raw))); diff != "" {
			t.Errorf("top-level keys (-want +got):\n%s", diff)
		}
		page := decode[queryPage](t, body)
		want := []string{"api-000000", "api-000002", "api-000004", "api-000006", "api-000008", "api-000010"}
		if diff := cmp.Diff(want, slices.Sorted(slices.Values(names(page.Items)))); diff != "" {
			t.Errorf("names (-want +got):\n%s", diff)
		}
		if page.TotalItems != 6 {
			t.Errorf("totalItems = %d, want 6", page.TotalItems)
		}
		for _, it := range page.Items {
			if len(it) != 1 || len(it["metadata"].(map[string]any)) != 1 {
				t.Errorf("item not projected to metadata.name: %v", it)
			}
		}
	})
}

func TestQueryEntitiesWholeEntitiesAreTheStoredJSON(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		_, body := env.do(t, "GET", "/api/catalog/entities/by-query?filter=kind=api,metadata.name=api-000003", "")
		page := decode[queryPage](t, body)
		if len(page.Items) != 1 {
			t.Fatalf("items = %d, want 1: %s", len(page.Items), body)
		}
		it := page.Items[0]
		md := it["metadata"].(map[string]any)
		spec := it["spec"].(map[string]any)
		if it["kind"] != "API" || md["uid"] == "" || spec["lifecycle"] != "experimental" || it["relations"] == nil {
			t.Errorf("unexpected entity: %v", it)
		}
	})
}

// TestQueryEntitiesTotalItemsExclude: totalItems=exclude answers 0 on the
// first page and on the pages its cursor leads to, as Backstage does.
func TestQueryEntitiesTotalItemsExclude(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		page := decode[queryPage](t, mustGet(t, env, "/api/catalog/entities/by-query?filter=kind=api&limit=5&totalItems=exclude&fields=metadata.name"))
		if page.TotalItems != 0 || len(page.Items) != 5 || page.PageInfo.NextCursor == "" {
			t.Fatalf("first page: %+v", page)
		}
		next := decode[queryPage](t, mustGet(t, env, "/api/catalog/entities/by-query?fields=metadata.name&cursor="+url.QueryEscape(page.PageInfo.NextCursor)))
		if next.TotalItems != 0 || len(next.Items) != 7 {
			t.Errorf("second page: %+v", next)
		}
		if included := decode[queryPage](t, mustGet(t, env, "/api/catalog/entities/by-query?filter=kind=api&limit=5&totalItems=include")); included.TotalItems != 12 {
			t.Errorf("totalItems=include gave %d, want 12", included.TotalItems)
		}
	})
}

func TestQueryEntitiesCursorVisitsEveryEntityOnce(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		for _, order := range []string{"", "&orderField=metadata.name,asc", "&orderField=metadata.name,desc", "&orderField=spec.owner,asc"} {
			t.Run(order, func(t *testing.T) {
				seen := map[string]int{}
				var sequence []string
				target := "/api/catalog/entities/by-query?filter=kind=api&limit=5&fields=metadata.name" + order
				pages := 0
				for target != "" {
					res, body := env.do(t, "GET", target, "")
					if res.StatusCode != http.StatusOK {
						t.Fatalf("%s: status %d: %s", target, res.StatusCode, body)
					}
					page := decode[queryPage](t, body)
					if page.TotalItems != 12 {
						t.Fatalf("totalItems = %d, want 12", page.TotalItems)
					}
					for _, n := range names(page.Items) {
						seen[n]++
						sequence = append(sequence, n)
					}
					target = ""
					if page.PageInfo.NextCursor != "" {
						target = "/api/catalog/entities/by-query?limit=5&fields=metadata.name&cursor=" + url.QueryEscape(page.PageInfo.NextCursor)
					}
					if pages++; pages > 10 {
						t.Fatal("cursor does not end")
					}
				}
				if len(seen) != 12 || len(sequence) != 12 {
					t.Fatalf("visited %d distinct in %d items, want 12 once each: %v", len(seen), len(sequence), sequence)
				}
				switch order {
				case "&orderField=metadata.name,asc":
					if !slices.IsSorted(sequence) {
						t.Errorf("not ascending: %v", sequence)
					}
				case "&orderField=metadata.name,desc":
					rev := slices.Clone(sequence)
					slices.Reverse(rev)
					if !slices.IsSorted(rev) {
						t.Errorf("not descending: %v", sequence)
					}
				}
			})
		}
	})
}

func TestQueryEntitiesPrevCursorReturnsThePreviousPage(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		first := decode[queryPage](t, mustGet(t, env, "/api/catalog/entities/by-query?filter=kind=api&limit=4&orderField=metadata.name,asc&fields=metadata.name"))
		if first.PageInfo.PrevCursor != "" {
			t.Error("first page has a prevCursor")
		}
		second := decode[queryPage](t, mustGet(t, env, "/api/catalog/entities/by-query?fields=metadata.name&limit=4&cursor="+url.QueryEscape(first.PageInfo.NextCursor)))
		if second.PageInfo.PrevCursor == "" {
			t.Fatal("second page has no prevCursor")
		}
		back := decode[queryPage](t, mustGet(t, env, "/api/catalog/entities/by-query?fields=metadata.name&limit=4&cursor="+url.QueryEscape(second.PageInfo.PrevCursor)))
		if diff := cmp.Diff(names(first.Items), names(back.Items)); diff != "" {
			t.Errorf("prev page (-first +back):\n%s", diff)
		}
	})
}

func TestQueryEntitiesLimitZeroCountsOnly(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		body := mustGet(t, env, "/api/catalog/entities/by-query?filter=kind=api&limit=0")
		if body != `{"items":[],"totalItems":12,"pageInfo":{}}` {
			t.Errorf("body = %s", body)
		}
	})
}

func TestQueryEntitiesOffset(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		all := mustGet(t, env, "/api/catalog/entities/by-query?filter=kind=api&orderField=metadata.name,asc&fields=metadata.name&limit=12")
		skipped := mustGet(t, env, "/api/catalog/entities/by-query?filter=kind=api&orderField=metadata.name,asc&fields=metadata.name&limit=3&offset=4")
		var a, s struct {
			Items []struct {
				Metadata struct{ Name string } `json:"metadata"`
			} `json:"items"`
			TotalItems int `json:"totalItems"`
		}
		if err := json.Unmarshal([]byte(all), &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(skipped), &s); err != nil {
			t.Fatal(err)
		}
		if len(a.Items) != 12 || len(s.Items) != 3 || s.TotalItems != 12 {
			t.Fatalf("all %d items, offset page %d items of %d", len(a.Items), len(s.Items), s.TotalItems)
		}
		for i, it := range s.Items {
			if it.Metadata.Name != a.Items[4+i].Metadata.Name {
				t.Errorf("offset item %d = %s, want %s", i, it.Metadata.Name, a.Items[4+i].Metadata.Name)
			}
		}
	})
}

func TestQueryEntitiesFullText(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		page := decode[queryPage](t, mustGet(t, env, "/api/catalog/entities/by-query?fullTextFilterTerm=number+7&fields=metadata.name"))
		if diff := cmp.Diff([]string{"api-000007"}, names(page.Items)); diff != "" {
			t.Errorf("names (-want +got):\n%s", diff)
		}
	})
}

func mustGet(t *testing.T, env *testEnv, target string) string {
	t.Helper()
	res, body := env.do(t, "GET", target, "")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", target, res.StatusCode, body)
	}
	return body
}

func TestListEntities(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		all := decode[[]map[string]any](t, mustGet(t, env, "/api/catalog/entities?filter=kind=api&fields=metadata.name"))
		if len(all) != 12 {
			t.Fatalf("entities = %d, want 12", len(all))
		}
		page := decode[[]map[string]any](t, mustGet(t, env, "/api/catalog/entities?filter=kind=api&fields=metadata.name&offset=10&limit=5"))
		if len(page) != 2 {
			t.Errorf("offset 10 limit 5 gave %d, want 2", len(page))
		}
		groups := decode[[]map[string]any](t, mustGet(t, env, "/api/catalog/entities?filter=kind=group&filter=kind=system&fields=kind,metadata.name"))
		if diff := cmp.Diff([]string{"team-a", "team-b"}, slices.Sorted(slices.Values(names(groups)))); diff != "" {
			t.Errorf("ORed filters (-want +got):\n%s", diff)
		}
	})
}

// TestListEntitiesOrder: GET /entities' order=asc|desc:<field>, repeatable,
// later directives breaking ties; entities lacking a field come last in
// either direction.
func TestListEntitiesOrder(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		tests := []struct {
			query string
			want  []string
		}{
			{"filter=kind=api&order=desc:metadata.name&limit=3", []string{"api-000011", "api-000010", "api-000009"}},
			{"filter=kind=api&order=asc:metadata.name&limit=3", []string{"api-000000", "api-000001", "api-000002"}},
			{"filter=kind=api,spec.lifecycle=production&order=asc:spec.owner&order=desc:metadata.name", []string{
				"api-000010", "api-000008", "api-000004", "api-000002", "api-000006", "api-000000"}},
			{"order=desc:spec.system&order=asc:metadata.name&offset=9", []string{"api-000000", "api-000004", "api-000008", "team-a", "team-b"}},
			{"order=asc:spec.system&order=asc:metadata.name&offset=10", []string{"api-000007", "api-000011", "team-a", "team-b"}},
		}
		for _, tt := range tests {
			t.Run(tt.query, func(t *testing.T) {
				got := names(decode[[]map[string]any](t, mustGet(t, env, "/api/catalog/entities?fields=metadata.name&"+tt.query)))
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("names (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestListEntitiesPagesWithAfter follows the Link header from page to page:
// Backstage's after cursor replaces offset.
func TestListEntitiesPagesWithAfter(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		target := "/api/catalog/entities?filter=kind=api&fields=metadata.name&order=asc:metadata.name&limit=5&offset=1"
		var got []string
		pages := 0
		for target != "" && pages < 10 {
			res, body := env.do(t, "GET", target, "")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %s", target, res.StatusCode, body)
			}
			got = append(got, names(decode[[]map[string]any](t, body))...)
			pages++
			target = ""
			if link := res.Header.Get("Link"); link != "" {
				m := regexp.MustCompile(`^<(/api/catalog/entities\?[^>]+)>; rel="next"$`).FindStringSubmatch(link)
				if m == nil || strings.Contains(m[1], "offset=") || !strings.Contains(m[1], "after=") {
					t.Fatalf("Link = %q", link)
				}
				target = m[1]
			}
		}
		want := []string{"api-000001", "api-000002", "api-000003", "api-000004", "api-000005", "api-000006",
			"api-000007", "api-000008", "api-000009", "api-000010", "api-000011"}
		if diff := cmp.Diff(want, got); diff != "" || pages != 3 {
			t.Errorf("%d pages; names (-want +got):\n%s", pages, diff)
		}
	})
}

func TestEntityByNameAndUID(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		res, body := env.do(t, "GET", "/api/catalog/entities/by-name/API/default/api-000005", "")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", res.StatusCode, body)
		}
		e := decode[catalog.Entity](t, body)
		if e.Metadata.Name != "api-000005" || e.Kind != "API" || e.Metadata.UID == "" {
			t.Fatalf("by-name gave %+v", e.Metadata)
		}
		if !slices.Contains(e.Relations, catalog.Relation{Type: "ownedBy", TargetRef: "group:default/team-a"}) {
			t.Errorf("relations = %v, want ownedBy team-a", e.Relations)
		}
		lower := mustGet(t, env, "/api/catalog/entities/by-name/api/default/API-000005")
		if lower != body {
			t.Error("by-name is not case-insensitive")
		}
		byUID := mustGet(t, env, "/api/catalog/entities/by-uid/"+e.Metadata.UID)
		if byUID != body {
			t.Errorf("by-uid body differs from by-name body")
		}
	})
}

func TestEntityByNameETag(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		res, _ := env.do(t, "GET", "/api/catalog/entities/by-name/api/default/api-000001", "")
		etag := res.Header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		res, body := env.do(t, "GET", "/api/catalog/entities/by-name/api/default/api-000001", "", "If-None-Match", etag)
		if res.StatusCode != http.StatusNotModified || body != "" {
			t.Fatalf("If-None-Match: status %d body %q, want 304 and no body", res.StatusCode, body)
		}
		changed := catalogtest.APIEntity(1, 200)
		changed.Metadata.Description = "changed"
		all := []catalog.Entity{catalogtest.GroupEntity("team-a"), catalogtest.GroupEntity("team-b")}
		for i := range 12 {
			e := catalogtest.APIEntity(i, 200)
			if i == 1 {
				e = changed
			}
			all = append(all, e)
		}
		catalogtest.Ingest(t, env.cat, "file:/catalog/all.yaml", all...)
		res, body = env.do(t, "GET", "/api/catalog/entities/by-name/api/default/api-000001", "", "If-None-Match", etag)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("after a change: status %d, want 200", res.StatusCode)
		}
		if e := decode[catalog.Entity](t, body); e.Metadata.Description != "changed" {
			t.Errorf("description = %q: the response cache served a stale entity", e.Metadata.Description)
		}
	})
}

// TestEntitiesByRefs follows Backstage 4.0's entitiesBatch: a ref matches
// only when spelled exactly as the stored entity_ref (kind:namespace/name,
// lower case); every other spelling answers null.
func TestEntitiesByRefs(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		tests := []struct {
			name, target, body, want string
		}{
			{
				name:   "exact refs, fields in the body",
				target: "/api/catalog/entities/by-refs",
				body:   `{"entityRefs":["api:default/api-000002","api:default/nope","group:default/team-b"],"fields":["kind","metadata.name"]}`,
				want:   `{"items":[{"kind":"API","metadata":{"name":"api-000002"}},null,{"kind":"Group","metadata":{"name":"team-b"}}]}`,
			},
			{
				name:   "spellings Backstage does not resolve",
				target: "/api/catalog/entities/by-refs?fields=metadata.name",
				body:   `{"entityRefs":["group:team-b","team-b","API:default/api-000003","api:DEFAULT/api-000003"," api:default/api-000003","not a ref:/",""]}`,
				want:   `{"items":[null,null,null,null,null,null,null]}`,
			},
			{
				name:   "fields in the query",
				target: "/api/catalog/entities/by-refs?fields=metadata.name",
				body:   `{"entityRefs":["api:default/api-000004"]}`,
				want:   `{"items":[{"metadata":{"name":"api-000004"}}]}`,
			},
			{
				name:   "filter parameters: null where the entity does not match",
				target: "/api/catalog/entities/by-refs?fields=metadata.name&filter=spec.lifecycle=production&filter=kind=group",
				body:   `{"entityRefs":["api:default/api-000004","api:default/api-000005","group:default/team-a"]}`,
				want:   `{"items":[{"metadata":{"name":"api-000004"}},null,{"metadata":{"name":"team-a"}}]}`,
			},
			{
				name:   "no refs",
				target: "/api/catalog/entities/by-refs",
				body:   `{"entityRefs":[]}`,
				want:   `{"items":[]}`,
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, body := env.do(t, "POST", tt.target, tt.body)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status %d: %s", res.StatusCode, body)
				}
				if body != tt.want {
					t.Errorf("body\n got %s\nwant %s", body, tt.want)
				}
			})
		}
	})
}

func TestEntityFacets(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		body := mustGet(t, env, "/api/catalog/entity-facets?facet=kind&facet=spec.lifecycle&facet=metadata.nothing&filter=kind=api&filter=kind=group")
		got := decode[struct {
			Facets map[string][]catalog.FacetCount `json:"facets"`
		}](t, body)
		// Values in value order, as Backstage's facets query orders them.
		want := map[string][]catalog.FacetCount{
			"kind":             {{Value: "API", Count: 12}, {Value: "Group", Count: 2}},
			"spec.lifecycle":   {{Value: "experimental", Count: 6}, {Value: "production", Count: 6}},
			"metadata.nothing": {},
		}
		if diff := cmp.Diff(want, got.Facets); diff != "" {
			t.Errorf("facets (-want +got):\n%s", diff)
		}
		body = mustGet(t, env, "/api/catalog/entity-facets?facet=spec.system&filter=kind=api,metadata.name=api-000000&filter=kind=api,spec.system=system-1")
		want = map[string][]catalog.FacetCount{"spec.system": {{Value: "system-0", Count: 1}, {Value: "system-1", Count: 3}}}
		if diff := cmp.Diff(want, decode[facetsResponse](t, body).Facets); diff != "" {
			t.Errorf("facet values are not in value order (-want +got):\n%s", diff)
		}
	})
}

package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico/catalog"
)

// seedCatalog stores a small catalog whose filters have known answers.
func seedCatalog(t *testing.T, s *Store) {
	t.Helper()
	apply(t, s, "p", catalog.Full,
		testEntity("Group", "team-a"),
		testEntity("Group", "team-b"),
		testEntity("API", "petstore", ownedBy("team-a"), tags("java", "rest"), title("Pet Store"),
			description("Sells pets online"), spec("type", "openapi", "lifecycle", "production")),
		testEntity("API", "orders", ownedBy("team-b"), tags("go"), title("Orders"),
			description("Order history"), spec("type", "openapi", "lifecycle", "experimental")),
		testEntity("API", "events", ownedBy("team-a"), tags("Kafka", "java"),
			spec("type", "asyncapi", "lifecycle", "production")),
		testEntity("Component", "shop", ownedBy("team-a"), spec("type", "service", "lifecycle", "production",
			"providesApis", []any{"petstore", "orders"})),
	)
}

func names(items []*catalog.StoredEntity) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Ref.Name
	}
	return out
}

func cond(key string, vals ...string) catalog.Condition {
	return catalog.Condition{Key: key, Values: vals}
}

func TestFilters(t *testing.T) {
	tests := []struct {
		name   string
		filter catalog.Filter
		want   []string
	}{
		{"empty matches all", nil, []string{"events", "orders", "petstore", "shop", "team-a", "team-b"}},
		{"kind", catalog.Filter{{cond("kind", "api")}}, []string{"events", "orders", "petstore"}},
		{"case-insensitive key and value", catalog.Filter{{cond("KIND", "API"), cond("Spec.Type", "OpenAPI")}}, []string{"orders", "petstore"}},
		{"and", catalog.Filter{{cond("kind", "api"), cond("spec.lifecycle", "production")}}, []string{"events", "petstore"}},
		{"or of sets", catalog.Filter{{cond("kind", "group")}, {cond("spec.type", "asyncapi")}}, []string{"events", "team-a", "team-b"}},
		{"any of values", catalog.Filter{{cond("metadata.name", "orders", "shop")}}, []string{"orders", "shop"}},
		{"exists", catalog.Filter{{cond("metadata.title")}}, []string{"orders", "petstore"}},
		{"array item", catalog.Filter{{cond("metadata.tags", "java")}}, []string{"events", "petstore"}},
		{"array item upper-case in entity", catalog.Filter{{cond("metadata.tags", "kafka")}}, []string{"events"}},
		{"array item as key", catalog.Filter{{cond("metadata.tags.java"), cond("metadata.tags.rest")}}, []string{"petstore"}},
		{"array of refs", catalog.Filter{{cond("spec.providesapis", "orders")}}, []string{"shop"}},
		{"relation", catalog.Filter{{cond("relations.ownedby", "group:default/team-a")}}, []string{"events", "petstore", "shop"}},
		{"relation case-insensitive", catalog.Filter{{cond("relations.ownedBy", "Group:default/TEAM-B")}}, []string{"orders"}},
		{"reverse relation", catalog.Filter{{cond("relations.ownerof", "api:default/orders")}}, []string{"team-b"}},
		{"relation exists", catalog.Filter{{cond("relations.ownerof")}}, []string{"team-a", "team-b"}},
		{"namespace", catalog.Filter{{cond("metadata.namespace", "default"), cond("kind", "group")}}, []string{"team-a", "team-b"}},
		{"no match", catalog.Filter{{cond("kind", "system")}}, []string{}},
	}
	eachDialect(t, func(t *testing.T, s *Store) {
		seedCatalog(t, s)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				page, err := s.Query(context.Background(), catalog.Query{Filter: tt.filter, Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				got := names(page.Items)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("Query (-want +got):\n%s", diff)
				}
				if page.TotalItems != len(tt.want) {
					t.Errorf("TotalItems = %d, want %d", page.TotalItems, len(tt.want))
				}
				list, err := s.List(context.Background(), tt.filter, 0, 0)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, names(list)); diff != "" {
					t.Errorf("List (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestListOffsetLimit(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		seedCatalog(t, s)
		got, err := s.List(context.Background(), nil, 2, 2)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"petstore", "shop"}, names(got)); diff != "" {
			t.Errorf("List (-want +got):\n%s", diff)
		}
		if got, _ = s.List(context.Background(), nil, 4, 0); len(got) != 2 {
			t.Errorf("offset without limit: %d items", len(got))
		}
	})
}

func TestFullText(t *testing.T) {
	tests := []struct {
		term   string
		fields []string
		want   []string
	}{
		{"pet", nil, []string{"petstore"}},
		{"PETS online", nil, []string{"petstore"}},
		{"production java", nil, []string{"events", "petstore"}},
		{"team-b", nil, []string{"orders", "team-b"}},
		{"nothing-like-this", nil, []string{}},
		{"TS", []string{"metadata.name"}, []string{"events", "petstore"}},
		{"TS", []string{"metadata.name", "kind"}, []string{"events", "petstore"}},
		{"o", []string{"metadata.name", "metadata.title"}, []string{"orders", "petstore", "shop"}},
		{"order", []string{"metadata.title", "metadata.namespace"}, []string{"orders"}},
		{"gro", []string{"kind"}, []string{"team-a", "team-b"}},
	}
	eachDialect(t, func(t *testing.T, s *Store) {
		seedCatalog(t, s)
		for _, tt := range tests {
			page, err := s.Query(context.Background(), catalog.Query{FullText: tt.term, FullTextFields: tt.fields, Limit: 50})
			if err != nil {
				t.Fatalf("%q: %v", tt.term, err)
			}
			if diff := cmp.Diff(tt.want, names(page.Items)); diff != "" {
				t.Errorf("%q (-want +got):\n%s", tt.term, diff)
			}
		}
	})
}

func TestFacets(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		seedCatalog(t, s)
		got, err := s.Facets(context.Background(), []string{"kind", "spec.lifecycle", "metadata.tags", "relations.ownedBy"},
			catalog.Filter{{cond("kind", "api", "component")}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]catalog.FacetCount{
			"kind":              {{Value: "API", Count: 3}, {Value: "Component", Count: 1}},
			"spec.lifecycle":    {{Value: "production", Count: 3}, {Value: "experimental", Count: 1}},
			"metadata.tags":     {{Value: "java", Count: 2}, {Value: "Kafka", Count: 1}, {Value: "go", Count: 1}, {Value: "rest", Count: 1}},
			"relations.ownedBy": {{Value: "group:default/team-a", Count: 3}, {Value: "group:default/team-b", Count: 1}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Facets (-want +got):\n%s", diff)
		}
	})
}

// kind, metadata.name, metadata.namespace and metadata.uid are answered
// from entity columns, with the case as written.
func TestFacetsOfColumnFields(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		seedCatalog(t, s)
		apply(t, s, "q", catalog.Full, testEntity("API", "MixedCase"))
		got, err := s.Facets(context.Background(), []string{"metadata.name", "metadata.namespace", "Kind"},
			catalog.Filter{{cond("kind", "api")}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]catalog.FacetCount{
			"metadata.name":      {{Value: "MixedCase", Count: 1}, {Value: "events", Count: 1}, {Value: "orders", Count: 1}, {Value: "petstore", Count: 1}},
			"metadata.namespace": {{Value: "default", Count: 4}},
			"Kind":               {{Value: "API", Count: 4}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Facets (-want +got):\n%s", diff)
		}
		uids, err := s.Facets(context.Background(), []string{"metadata.uid"}, catalog.Filter{{cond("metadata.name", "orders")}})
		if err != nil {
			t.Fatal(err)
		}
		e, err := s.ByRef(context.Background(), catalog.Ref{Kind: "API", Namespace: "default", Name: "orders"})
		if err != nil {
			t.Fatal(err)
		}
		if want := []catalog.FacetCount{{Value: e.UID, Count: 1}}; !cmp.Equal(want, uids["metadata.uid"]) {
			t.Errorf("uid facet = %v, want %v", uids["metadata.uid"], want)
		}
	})
}

func TestFacetsWithTextCountOnlyTheSearchResults(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		seedCatalog(t, s)
		got, err := s.FacetsWithText(context.Background(), []string{"kind", "metadata.tags"},
			catalog.Filter{{cond("kind", "api", "component")}}, "pets")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]catalog.FacetCount{
			"kind":          {{Value: "API", Count: 1}},
			"metadata.tags": {{Value: "java", Count: 1}, {Value: "rest", Count: 1}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("FacetsWithText(pets) (-want +got):\n%s", diff)
		}
	})
}

// seedMany stores n APIs; every third has no title, so ordering by title
// puts them last.
func seedMany(t *testing.T, s *Store, n int) []string {
	t.Helper()
	var es []catalog.ProcessedEntity
	var all []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("api-%03d", (i*37)%n)
		opts := []entityOpt{spec("type", "openapi")}
		if i%3 != 0 {
			opts = append(opts, title(fmt.Sprintf("Title %02d", i%17)))
		}
		es = append(es, testEntity("API", name, opts...))
		all = append(all, name)
	}
	es = append(es, testEntity("Group", "not-an-api"))
	apply(t, s, "p", catalog.Full, es...)
	sort.Strings(all)
	return all
}

func TestCursorPagingVisitsEveryMatchOnce(t *testing.T) {
	orders := map[string][]catalog.Order{
		"default":    nil,
		"name asc":   {{Field: "metadata.name"}},
		"name desc":  {{Field: "metadata.name", Desc: true}},
		"title asc":  {{Field: "metadata.title"}},
		"title desc": {{Field: "metadata.title", Desc: true}},
		"two fields": {{Field: "metadata.title", Desc: true}, {Field: "metadata.name"}},
	}
	eachDialect(t, func(t *testing.T, s *Store) {
		all := seedMany(t, s, 95)
		for name, order := range orders {
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				q := catalog.Query{Filter: catalog.Filter{{cond("kind", "api")}}, Order: order, Limit: 10}
				var seen []string
				var pages []catalog.Page
				for i := 0; i < 20; i++ {
					page, err := s.Query(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					if page.TotalItems != 95 {
						t.Fatalf("TotalItems = %d", page.TotalItems)
					}
					seen = append(seen, names(page.Items)...)
					pages = append(pages, page)
					if page.NextCursor == "" {
						break
					}
					q = catalog.Query{Cursor: page.NextCursor, Limit: 10}
				}
				if len(pages) != 10 || pages[0].PrevCursor != "" || pages[9].PrevCursor == "" {
					t.Errorf("pages = %d, first prev %q", len(pages), pages[0].PrevCursor)
				}
				sorted := slices.Clone(seen)
				sort.Strings(sorted)
				if diff := cmp.Diff(all, sorted); diff != "" {
					t.Fatalf("visited (-want +got):\n%s", diff)
				}
				if name == "name desc" && seen[0] != "api-094" {
					t.Errorf("desc order starts with %s", seen[0])
				}
				// Going back from page 4 gives page 3 again.
				back, err := s.Query(ctx, catalog.Query{Cursor: pages[3].PrevCursor, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(names(pages[2].Items), names(back.Items)); diff != "" {
					t.Errorf("prev page (-want +got):\n%s", diff)
				}
				if back.NextCursor == "" || back.PrevCursor == "" {
					t.Errorf("prev page lacks cursors")
				}
			})
		}
	})
}

func TestTitleOrderPutsMissingLast(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		seedCatalog(t, s)
		for _, desc := range []bool{false, true} {
			page, err := s.Query(context.Background(), catalog.Query{Order: []catalog.Order{{Field: "metadata.title", Desc: desc}}, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"petstore", "orders", "events"}
			if !desc {
				want = []string{"orders", "petstore", "events"}
			}
			if diff := cmp.Diff(want, names(page.Items)); diff != "" {
				t.Errorf("desc=%v (-want +got):\n%s", desc, diff)
			}
		}
	})
}

func TestMalformedCursorIsInvalid(t *testing.T) {
	s := openSQLiteT(t)
	for _, c := range []string{"%%%", "bm90IGpzb24", "eyJ2IjpbXX0"} {
		_, err := s.Query(context.Background(), catalog.Query{Cursor: c})
		if catalog.ErrorCode(err) != catalog.EINVALID {
			t.Errorf("cursor %q: err = %v, want EINVALID", c, err)
		}
	}
}

func TestRecent(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		now := s.now()
		seedCatalog(t, s)
		s.now = func() time.Time { return now.Add(time.Minute) }
		apply(t, s, "p2", catalog.Delta, testEntity("API", "late"))
		got, err := s.Recent(context.Background(), 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Ref.Name != "late" {
			t.Errorf("Recent = %v", names(got))
		}
	})
}

func TestQueryOffsetSkipsMatchesThenTheCursorGoesOn(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		seedMany(t, s, 30)
		ctx := context.Background()
		q := catalog.Query{Filter: catalog.Filter{{cond("kind", "api")}}, Order: []catalog.Order{{Field: "metadata.name"}}, Limit: 5, Offset: 12}
		page, err := s.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"api-012", "api-013", "api-014", "api-015", "api-016"}
		if diff := cmp.Diff(want, names(page.Items)); diff != "" {
			t.Errorf("offset 12 (-want +got):\n%s", diff)
		}
		if page.TotalItems != 30 {
			t.Errorf("TotalItems = %d, want 30 (offset does not change the count)", page.TotalItems)
		}
		// The cursor continues after the page, and an offset sent with it
		// is ignored rather than applied twice.
		next, err := s.Query(ctx, catalog.Query{Cursor: page.NextCursor, Limit: 2, Offset: 12})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"api-017", "api-018"}, names(next.Items)); diff != "" {
			t.Errorf("next page (-want +got):\n%s", diff)
		}
	})
}

// HeadersOnly pages like a whole query but reads no bodies; each header
// carries the uid, update time and content hash of the version a whole read
// returns.
func TestQueryHeadersOnly(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		seedMany(t, s, 12)
		ctx := context.Background()
		q := catalog.Query{Filter: catalog.Filter{{cond("kind", "api")}}, Order: []catalog.Order{{Field: "metadata.name"}}, Limit: 5}
		whole, err := s.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		q.HeadersOnly = true
		heads, err := s.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(names(whole.Items), names(heads.Items)); diff != "" {
			t.Fatalf("headers page (-whole +headers):\n%s", diff)
		}
		if heads.TotalItems != 12 || heads.NextCursor == "" {
			t.Errorf("TotalItems %d, next cursor %q; want 12 and a cursor", heads.TotalItems, heads.NextCursor)
		}
		for i, h := range heads.Items {
			w := whole.Items[i]
			if h.JSON != nil {
				t.Errorf("%s: headers-only item has a %d-byte body", h.Ref, len(h.JSON))
			}
			if h.Hash == "" || h.Hash != w.Hash || h.UID != w.UID || !h.UpdatedAt.Equal(w.UpdatedAt) || h.Ref != w.Ref {
				t.Errorf("header %+v does not identify the whole item's version (%s %s %s)", h, w.UID, w.Hash, w.UpdatedAt)
			}
		}
	})
}

package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico/catalog"
)

func mustPredicate(tb testing.TB, s string) *catalog.Predicate {
	tb.Helper()
	p, err := catalog.ParsePredicate(json.RawMessage(s))
	if err != nil {
		tb.Fatalf("ParsePredicate(%.200s): %v", s, err)
	}
	return p
}

// The answers below are Backstage's for the same catalog: its catalog
// backend evaluates predicates over the same flattened search rows.
func TestPredicates(t *testing.T) {
	all := []string{"events", "orders", "petstore", "shop", "team-a", "team-b"}
	tests := []struct {
		name  string
		query string
		want  []string
	}{
		{"empty expression matches all", `{}`, all},
		{"value", `{"kind": "API"}`, []string{"events", "orders", "petstore"}},
		{"key and value fold case", `{"KIND": "api", "Spec.Type": "OpenAPI"}`, []string{"orders", "petstore"}},
		{"fields of one expression are ANDed", `{"kind": "api", "spec.lifecycle": "production"}`, []string{"events", "petstore"}},
		{"$all", `{"$all": [{"kind": "api"}, {"spec.type": "openapi"}]}`, []string{"orders", "petstore"}},
		{"empty $all matches all", `{"$all": []}`, all},
		{"$any", `{"$any": [{"kind": "group"}, {"spec.type": "asyncapi"}]}`, []string{"events", "team-a", "team-b"}},
		{"empty $any matches nothing", `{"$any": []}`, []string{}},
		{"$not", `{"$all": [{"kind": "api"}, {"$not": {"spec.lifecycle": "experimental"}}]}`, []string{"events", "petstore"}},
		{"$not of a column", `{"$not": {"kind": "api"}}`, []string{"shop", "team-a", "team-b"}},
		{"$not of $any", `{"$not": {"$any": [{"kind": "api"}, {"kind": "group"}]}}`, []string{"shop"}},
		{"$in", `{"metadata.name": {"$in": ["orders", "SHOP", "nope"]}}`, []string{"orders", "shop"}},
		{"$in of search values", `{"spec.type": {"$in": ["asyncapi", "service"]}}`, []string{"events", "shop"}},
		{"empty $in matches nothing", `{"spec.type": {"$in": []}}`, []string{}},
		{"$exists", `{"metadata.title": {"$exists": true}}`, []string{"orders", "petstore"}},
		{"$exists false", `{"kind": "api", "metadata.title": {"$exists": false}}`, []string{"events"}},
		{"$exists on a column always holds", `{"metadata.namespace": {"$exists": true}}`, all},
		{"$exists false on a column never holds", `{"metadata.uid": {"$exists": false}}`, []string{}},
		{"$hasPrefix on a column", `{"metadata.name": {"$hasPrefix": "TEAM-"}}`, []string{"team-a", "team-b"}},
		{"$hasPrefix on search values", `{"metadata.title": {"$hasPrefix": "pet"}}`, []string{"petstore"}},
		{"$hasPrefix escapes LIKE", `{"metadata.name": {"$hasPrefix": "team_"}}`, []string{}},
		{"$hasPrefix of a relation", `{"relations.ownedBy": {"$hasPrefix": "group:default/team-"}}`, []string{"events", "orders", "petstore", "shop"}},
		{"array item", `{"metadata.tags": "java"}`, []string{"events", "petstore"}},
		{"$contains a primitive", `{"metadata.tags": {"$contains": "Kafka"}}`, []string{"events"}},
		{"array item as key", `{"metadata.tags.java": true}`, []string{"events", "petstore"}},
		{"relation shorthand", `{"relations.ownedBy": "group:default/team-b"}`, []string{"orders"}},
		{"relation $in", `{"relations.ownerOf": {"$in": ["api:default/orders", "api:default/events"]}}`, []string{"team-a", "team-b"}},
		{"relations $contains type and targetRef", `{"relations": {"$contains": {"type": "ownedBy", "targetRef": "group:default/team-a"}}}`, []string{"events", "petstore", "shop"}},
		{"relations $contains type only", `{"relations": {"$contains": {"type": "ownerOf"}}}`, []string{"team-a", "team-b"}},
		{"relations $contains targetRef $in", `{"relations": {"$contains": {"type": "ownedBy", "targetRef": {"$in": ["group:default/team-b"]}}}}`, []string{"orders"}},
		{"relations key itself has no rows", `{"relations": {"$exists": true}}`, []string{}},
		{"nested", `{"$all": [{"kind": "api"}, {"$any": [{"spec.type": "asyncapi"}, {"metadata.tags": "go"}]}, {"$not": {"metadata.name": "orders"}}]}`, []string{"events"}},
		{"boolean value", `{"spec.public": true}`, []string{"shop"}},
		{"number value", `{"spec.replicas": 3}`, []string{"shop"}},
		{"number value as JavaScript writes it", `{"spec.replicas": 3.0}`, []string{"shop"}},
	}
	eachDialect(t, func(t *testing.T, s *Store) {
		seedCatalog(t, s)
		apply(t, s, "q", catalog.Full, testEntity("Component", "shop", ownedBy("team-a"), spec("type", "service",
			"lifecycle", "production", "providesApis", []any{"petstore", "orders"}, "public", true, "replicas", 3.0)))
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				page, err := s.Query(context.Background(), catalog.Query{Predicate: mustPredicate(t, tt.query), Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, names(page.Items)); diff != "" {
					t.Errorf("Query (-want +got):\n%s", diff)
				}
				if page.TotalItems != len(tt.want) {
					t.Errorf("TotalItems = %d, want %d", page.TotalItems, len(tt.want))
				}
			})
		}
	})
}

func TestPredicateIsANDedWithTheFilter(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		seedCatalog(t, s)
		ctx := context.Background()
		filter := catalog.Filter{{cond("kind", "api")}, {cond("kind", "component")}}
		p := mustPredicate(t, `{"relations.ownedBy": "group:default/team-a"}`)
		page, err := s.Query(ctx, catalog.Query{Filter: filter, Predicate: mustPredicate(t, `{"$not": {"kind": "component"}}`), Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"events", "orders", "petstore"}, names(page.Items)); diff != "" {
			t.Errorf("Query (-want +got):\n%s", diff)
		}
		refs := []catalog.Ref{catalog.MustParseRef("api:default/orders"), catalog.MustParseRef("api:default/petstore"), catalog.MustParseRef("group:default/team-a")}
		got, err := s.ByRefsMatching(ctx, refs, catalog.Filter{{cond("kind", "api")}}, p)
		if err != nil {
			t.Fatal(err)
		}
		var gotNames []string
		for _, e := range got {
			if e == nil {
				gotNames = append(gotNames, "")
				continue
			}
			gotNames = append(gotNames, e.Ref.Name)
		}
		if diff := cmp.Diff([]string{"", "petstore", ""}, gotNames); diff != "" {
			t.Errorf("ByRefsMatching (-want +got):\n%s", diff)
		}
		facets, err := s.FacetsMatching(ctx, []string{"kind", "metadata.tags"}, catalog.Filter{{cond("kind", "api")}}, p)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]catalog.FacetCount{
			"kind":          {{Value: "API", Count: 2}},
			"metadata.tags": {{Value: "java", Count: 2}, {Value: "Kafka", Count: 1}, {Value: "rest", Count: 1}},
		}
		if diff := cmp.Diff(want, facets); diff != "" {
			t.Errorf("FacetsMatching (-want +got):\n%s", diff)
		}
	})
}

// A predicate query pages like a filter query, its cursor carries the
// predicate, and the cursor is what Backstage's catalog-client recognises:
// standard base64 (atob) of JSON with a "query" key.
func TestPredicateCursorCarriesTheQuery(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		all := seedMany(t, s, 45)
		ctx := context.Background()
		p := mustPredicate(t, `{"$all": [{"kind": "API"}, {"$not": {"metadata.name": "api-007"}}]}`)
		q := catalog.Query{Predicate: p, Order: []catalog.Order{{Field: "metadata.title", Desc: true}}, Limit: 10}
		var seen []string
		for i := 0; i < 10; i++ {
			page, err := s.Query(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if page.TotalItems != 44 {
				t.Fatalf("TotalItems = %d, want 44", page.TotalItems)
			}
			seen = append(seen, names(page.Items)...)
			if page.NextCursor == "" {
				break
			}
			b, err := base64.StdEncoding.DecodeString(page.NextCursor)
			if err != nil {
				t.Fatalf("cursor %q is not standard base64: %v", page.NextCursor, err)
			}
			var c map[string]json.RawMessage
			if err := json.Unmarshal(b, &c); err != nil || c["query"] == nil {
				t.Fatalf("cursor %s has no query", b)
			}
			q = catalog.Query{Cursor: page.NextCursor, Limit: 10}
		}
		want := slices.DeleteFunc(slices.Clone(all), func(n string) bool { return n == "api-007" })
		sort.Strings(seen)
		if diff := cmp.Diff(want, seen); diff != "" {
			t.Errorf("visited (-want +got):\n%s", diff)
		}
	})
}

// The widest predicates the limits allow answer on both dialects: SQLite
// refuses an expression tree deeper than 1,000, which a flat chain of
// ~1,000 field tests reached before conditions were bounded; the bound
// (catalog.MaxPredicateConditions) must keep the widest chain below it.
func TestAWidePredicateAnswers(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		seedCatalog(t, s)
		all, err := s.Query(context.Background(), catalog.Query{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		var fields []string
		for i := range catalog.MaxPredicateConditions - 2 {
			fields = append(fields, fmt.Sprintf(`"spec.nothing%d": {"$exists": true}`, i))
		}
		wide := mustPredicate(t, `{"$not": {`+strings.Join(fields, ", ")+`}}`)
		page, err := s.Query(context.Background(), catalog.Query{Predicate: wide, Limit: 1})
		if err != nil || page.TotalItems != all.TotalItems {
			t.Errorf("254 ANDed fields: total %d, want %d (%.300v)", page.TotalItems, all.TotalItems, err)
		}
		var tests []string
		for i := range catalog.MaxPredicateConditions/2 - 2 {
			tests = append(tests, fmt.Sprintf(`{"metadata.name": "nothing-%d"}`, i))
		}
		tests = append(tests, `{"metadata.name": "petstore"}`)
		page, err = s.Query(context.Background(), catalog.Query{Predicate: mustPredicate(t, `{"$any": [`+strings.Join(tests, ", ")+`]}`), Limit: 10})
		if err != nil {
			t.Fatalf("wide $any: %.300v", err)
		}
		if diff := cmp.Diff([]string{"petstore"}, names(page.Items)); diff != "" || page.TotalItems != 1 {
			t.Errorf("wide $any: total %d (-want +got):\n%s", page.TotalItems, diff)
		}
	})
}

// A predicate built in code has no JSON for the next page's cursor, so
// the store refuses it rather than answer page 2 unfiltered.
func TestAPredicateWithoutItsJSONIsRefused(t *testing.T) {
	s := openSQLiteT(t)
	_, err := s.Query(context.Background(), catalog.Query{Predicate: &catalog.Predicate{Op: catalog.PredicateFields}})
	if catalog.ErrorCode(err) != catalog.EINVALID {
		t.Errorf("err = %v, want EINVALID", err)
	}
}

// Requests that would make SQL no database answers in time, or at all,
// are refused or answered without it: too many order fields, a prefix or
// a field-restricted full-text word longer than any stored value (SQLite
// refused a LIKE pattern over 50,000 bytes with a 500).
func TestOversizedQueryPartsAreRefusedOrAnswered(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		seedCatalog(t, s)
		ctx := context.Background()
		order := make([]catalog.Order, MaxOrderFields+1)
		for i := range order {
			order[i] = catalog.Order{Field: fmt.Sprintf("spec.f%d", i)}
		}
		if _, err := s.Query(ctx, catalog.Query{Order: order}); catalog.ErrorCode(err) != catalog.EINVALID {
			t.Errorf("%d order fields: %v, want EINVALID", len(order), err)
		}
		long := strings.Repeat("a", 60000)
		page, err := s.Query(ctx, catalog.Query{Predicate: mustPredicate(t, `{"metadata.name": {"$hasPrefix": "`+long+`"}}`)})
		if err != nil || page.TotalItems != 0 {
			t.Errorf("a 60,000-byte prefix: %d items, %.200v", page.TotalItems, err)
		}
		page, err = s.Query(ctx, catalog.Query{FullText: "pet " + long, FullTextFields: []string{"metadata.name"}})
		if err != nil || page.TotalItems != 0 {
			t.Errorf("a 60,000-byte full-text word: %d items, %.200v", page.TotalItems, err)
		}
	})
}

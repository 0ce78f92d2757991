package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog"
)

// planWalk plans f on s and returns its walk, failing when there is none.
func planWalk(t *testing.T, s *Store, f catalog.Filter) *walk {
	t.Helper()
	w := &whereBuilder{dl: s.dialect}
	if _, err := s.planFilter(context.Background(), w, f); err != nil {
		t.Fatal(err)
	}
	if w.walk == nil {
		t.Fatalf("%v: no walk", f)
	}
	return w.walk
}

// A default-ordered page driven by one search value walks that value's run
// of search_key_value in ref-key order and stops after the page: no sort
// of every match, and the other conditions probed through the same index.
func TestDefaultOrderedPageWalksTheDriversIndex(t *testing.T) {
	filters := map[string]catalog.Filter{
		"owner and lifecycle": {{cond("kind", "api"), cond("spec.owner", "team-3"), cond("spec.lifecycle", "production")}},
		"system":              {{cond("kind", "api"), cond("spec.system", "system-4")}},
	}
	eachDialect(t, func(t *testing.T, s *Store) {
		plannedCatalog(t, s, 300)
		if s.dialect.name() == Postgres {
			if _, err := s.sql.Exec("ANALYZE"); err != nil {
				t.Fatal(err)
			}
		}
		for name, f := range filters {
			wk := planWalk(t, s, f)
			for _, c := range []struct {
				name   string
				key    string
				before bool
			}{{"first", "", false}, {"after", "api:default/e-100", false}, {"before", "api:default/e-200", true}} {
				q, args := wk.page(s.dialect, c.key, c.before, 21, 4)
				if s.dialect.name() == SQLite {
					plan := explainPlan(t, s, q, args)
					if !strings.Contains(plan, "SEARCH s USING COVERING INDEX search_key_value (key=? AND value=? AND ref_key>") ||
						strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "entities") {
						t.Errorf("%s %s: not an ordered walk of the index:\n%s\n%s", name, c.name, q, plan)
					}
					if strings.Contains(name, "lifecycle") && !strings.Contains(plan, "search_key_value (key=? AND value=? AND ref_key=? AND entity_id=?)") {
						t.Errorf("%s %s: the lifecycle is not probed by ref key:\n%s", name, c.name, plan)
					}
					continue
				}
				plan := explainPlan(t, s, q, args)
				if !strings.Contains(plan, "search_key_value") || strings.Contains(plan, "Sort") || strings.Contains(plan, "entities") {
					t.Errorf("%s %s: not an ordered walk of the index:\n%s\n%s", name, c.name, q, plan)
				}
			}
			q, args := wk.count(s.dialect)
			if s.dialect.name() == SQLite {
				if plan := explainPlan(t, s, q, args); !strings.Contains(plan, "USING COVERING INDEX search_key_value") || strings.Contains(plan, "entities") {
					t.Errorf("%s count: not from the index alone:\n%s", name, plan)
				}
			}
		}
	})
}

// Which filters walk: one search value drives; the others are search
// conditions or kinds.
func TestOnlyWalkableFiltersWalk(t *testing.T) {
	s := openSQLiteT(t)
	plannedCatalog(t, s, 300)
	for _, c := range []struct {
		f    catalog.FilterSet
		walk bool
	}{
		{catalog.FilterSet{cond("kind", "api"), cond("spec.owner", "team-3")}, true},
		{catalog.FilterSet{cond("kind", "api", "group"), cond("spec.owner", "team-3")}, true},
		{catalog.FilterSet{cond("kind"), cond("spec.system", "system-1"), cond("metadata.tags")}, true},
		{catalog.FilterSet{cond("kind", "api"), cond("spec.owner", "team-3", "team-4")}, false},
		{catalog.FilterSet{cond("kind", "a-b"), cond("spec.owner", "team-3")}, false},
		{catalog.FilterSet{cond("metadata.name", "e-001", "e-002", "e-003", "e-004", "e-005", "e-006", "e-007", "e-008", "e-009", "e-010", "e-011", "e-012", "e-013", "e-014", "e-015", "e-016", "e-017", "e-018", "e-019", "e-020", "e-021", "e-022", "e-023", "e-024", "e-025", "e-026", "e-027", "e-028", "e-029", "e-030", "e-031", "e-032", "e-033", "e-034", "e-035", "e-036", "e-037", "e-038", "e-039", "e-040", "e-041", "e-042", "e-043", "e-044", "e-045", "e-046", "e-047", "e-048", "e-049"), cond("spec.system", "system-1")}, false},
		{catalog.FilterSet{cond("relations.ownedby", "group:default/team-1"), cond("spec.system", "system-1")}, false},
	} {
		w := &whereBuilder{dl: s.dialect}
		if _, err := s.planFilter(context.Background(), w, catalog.Filter{c.f}); err != nil {
			t.Fatal(err)
		}
		if got := w.walk != nil; got != c.walk {
			t.Errorf("%v: walks = %v, want %v", c.f, got, c.walk)
		}
	}
}

// A walked page answers as the naive evaluation does, in ref-key order:
// every limit and offset, cursors both ways, totals with and without the
// count cache, SkipTotal and HeadersOnly.
func TestWalkedPagesMatchNaiveEvaluation(t *testing.T) {
	sets := []catalog.FilterSet{
		{cond("kind", "api"), cond("spec.owner", "team-3"), cond("spec.lifecycle", "experimental")},
		{cond("kind", "api"), cond("spec.system", "system-4")},
		{cond("kind", "API", "Group"), cond("spec.owner", "TEAM-2"), cond("metadata.tags", "tag-1", "rest")},
		{cond("kind", "component"), cond("spec.system", "system-0"), cond("metadata.tags.tag-0")},
		{cond("spec.lifecycle", "production"), cond("spec.owner", "team-6")},
		{cond("kind", "api"), cond("spec.owner", "nobody")},
	}
	eachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		model := plannedCatalog(t, s, 150)
		kindOf := func(name string) string {
			var n int
			fmt.Sscanf(name, "e-%d", &n)
			return []string{"api", "api", "api", "component", "group"}[n%5]
		}
		for i, set := range sets {
			planWalk(t, s, catalog.Filter{set})
			var want []string
			for _, e := range model {
				if e.matches(set) {
					want = append(want, e.name)
				}
			}
			// Ref-key order: kind first, then name.
			slices.SortStableFunc(want, func(a, b string) int { return strings.Compare(kindOf(a), kindOf(b)) })
			for _, limit := range []int{1, 3, 7, 50} {
				q := catalog.Query{Filter: catalog.Filter{set}, Limit: limit}
				got, total := allPages(t, s, q)
				if !slices.Equal(got, want) || total != len(want) {
					t.Errorf("%d limit %d: %v (total %d), want %v", i, limit, got, total, want)
				}
				for _, offset := range []int{1, 2, 5, 19, len(want), len(want) + 3} {
					// Counted with nothing kept, counted from kept id
					// sets, and the cached total.
					for _, kept := range []int{0, 1, 2} {
						if kept < 2 {
							s.counts.reset()
						}
						if kept == 0 {
							s.idSets.reset()
						}
						cached := kept == 2
						p, err := s.Query(ctx, catalog.Query{Filter: catalog.Filter{set}, Limit: limit, Offset: offset, HeadersOnly: cached})
						if err != nil {
							t.Fatal(err)
						}
						if w := want[min(offset, len(want)):min(offset+limit, len(want))]; !slices.Equal(names(p.Items), w) || p.TotalItems != len(want) {
							t.Errorf("%d limit %d offset %d: %v (total %d), want %v (total %d)", i, limit, offset, names(p.Items), p.TotalItems, w, len(want))
						}
						if more := offset+limit < len(want); (p.NextCursor != "") != more {
							t.Errorf("%d limit %d offset %d: next cursor %q, want one: %v", i, limit, offset, p.NextCursor, more)
						}
					}
				}
			}
			p, err := s.Query(ctx, catalog.Query{Filter: catalog.Filter{set}, Limit: 2, SkipTotal: true})
			if err != nil {
				t.Fatal(err)
			}
			if p.TotalItems != 0 || !slices.Equal(names(p.Items), want[:min(2, len(want))]) {
				t.Errorf("%d SkipTotal: %v (total %d)", i, names(p.Items), p.TotalItems)
			}
		}
	})
}

// A binary of the release before migration 005 inserts search rows
// without a ref key: a PostgreSQL replica not yet upgraded, or a rollback
// on SQLite. The database fills the key in, so the entity stays in walked
// and probed filters.
func TestSearchRowsOfAnOlderBinaryGetTheirRefKey(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		apply(t, s, "file:/catalog/*.yaml", catalog.Full, testEntity("API", "a", spec("owner", "team-x")))
		// What the previous release's writeIndex inserts.
		if _, err := s.sql.ExecContext(ctx, "DELETE FROM search WHERE key = 'spec.owner'"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.sql.ExecContext(ctx, "INSERT INTO search (entity_id, key, value, raw) SELECT id, 'spec.owner', 'team-x', NULL FROM entities"); err != nil {
			t.Fatal(err)
		}
		s.counts.reset()
		s.idSets.reset()
		p, err := s.Query(ctx, catalog.Query{Filter: catalog.Filter{{cond("kind", "api"), cond("spec.owner", "team-x")}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := names(p.Items); !slices.Equal(got, []string{"a"}) || p.TotalItems != 1 {
			t.Errorf("kind=api,spec.owner=team-x: %v (total %d), want [a]", got, p.TotalItems)
		}
	})
}

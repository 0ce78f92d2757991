package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/porticohq/portico/catalog"
)

// Facets counts, for each facet (a dotted path, or relations.<type>), how
// many entities matching f have each value. Values keep the case they were
// written in, as Backstage's entity-facets answers.
func (s *Store) Facets(ctx context.Context, facets []string, f catalog.Filter) (map[string][]catalog.FacetCount, error) {
	return s.FacetsWithText(ctx, facets, f, "")
}

var _ catalog.TextFacetCounter = (*Store)(nil)

// FacetsWithText is Facets among the entities that also match the
// full-text term (every word, as Query's FullText); an empty term matches all.
func (s *Store) FacetsWithText(ctx context.Context, facets []string, f catalog.Filter, fullText string) (map[string][]catalog.FacetCount, error) {
	w := &whereBuilder{dl: s.dialect}
	w.filter(f)
	w.fullText(fullText, nil)
	return s.facetsWhere(ctx, facets, w)
}

var _ catalog.PredicateMatcher = (*Store)(nil)

// FacetsMatching is Facets among the entities that also match the filter
// predicate p (POST /entity-facets).
func (s *Store) FacetsMatching(ctx context.Context, facets []string, f catalog.Filter, p *catalog.Predicate) (map[string][]catalog.FacetCount, error) {
	w := &whereBuilder{dl: s.dialect}
	w.filter(f)
	w.predicate(p)
	return s.facetsWhere(ctx, facets, w)
}

// facetsWhere counts the facets' values among the entities matching w.
func (s *Store) facetsWhere(ctx context.Context, facets []string, w *whereBuilder) (map[string][]catalog.FacetCount, error) {
	// Read before the counts: an answer is never older than its key.
	gen, err := s.ReplicasGeneration(ctx)
	if err != nil {
		return nil, fmt.Errorf("facets: %w", err)
	}
	matching := "SELECT e.id FROM entities e" + w.clause()
	out := make(map[string][]catalog.FacetCount, len(facets))
	for _, facet := range facets {
		key := strings.ToLower(strings.TrimSpace(facet))
		var q string
		var args []any
		if typ, ok := strings.CutPrefix(key, "relations."); ok {
			q = "SELECT r.target_key, count(DISTINCT r.source_key) FROM relations r JOIN entities e ON e.ref_key = r.source_key" +
				" WHERE r.type_key = ? AND e.id IN (" + matching + ") GROUP BY r.target_key"
			args = append([]any{typ}, w.args...)
		} else if col, ok := s.facetColumn(key); ok {
			q = "SELECT " + col + ", count(*) FROM entities e" + w.clause() + " GROUP BY " + col
			args = w.args
		} else {
			q = "SELECT coalesce(s.raw, s.value) AS v, count(DISTINCT s.entity_id) FROM search s WHERE s.key = ?" +
				" AND s.value IS NOT NULL AND s.entity_id IN (" + matching + ") GROUP BY coalesce(s.raw, s.value)"
			args = append([]any{key}, w.args...)
		}
		counts, err := s.facetCounts(ctx, gen, q, args)
		if err != nil {
			return nil, fmt.Errorf("facet %s: %w", facet, err)
		}
		out[facet] = counts
	}
	return out, nil
}

// facetCounts runs one facet's GROUP BY, or reuses its answer of
// generation gen (ReplicasGeneration; see genCache): at 100,000 entities
// each one reads the whole table.
func (s *Store) facetCounts(ctx context.Context, gen uint64, q string, args []any) ([]catalog.FacetCount, error) {
	key := cacheKey(q, args)
	if counts, ok := s.facets.get(gen, key, s.now(), 0); ok {
		return slices.Clone(counts), nil
	}
	counts, err := s.queryFacetCounts(ctx, q, args)
	if err != nil {
		return nil, err
	}
	s.facets.put(gen, key, slices.Clone(counts), s.now())
	return counts, nil
}

func (s *Store) queryFacetCounts(ctx context.Context, q string, args []any) ([]catalog.FacetCount, error) {
	rows, err := s.sql.QueryContext(ctx, s.dialect.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := []catalog.FacetCount{}
	for rows.Next() {
		var fc catalog.FacetCount
		if err := rows.Scan(&fc.Value, &fc.Count); err != nil {
			return nil, err
		}
		counts = append(counts, fc)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(counts, func(i, j int) bool {
		if counts[i].Count != counts[j].Count {
			return counts[i].Count > counts[j].Count
		}
		return counts[i].Value < counts[j].Value
	})
	return counts, nil
}

// facetColumn gives the expression, with the case as written, of a facet
// that entities keep as a column (entityColumn) rather than in search rows.
func (s *Store) facetColumn(key string) (string, bool) {
	col, ok := entityColumn[key]
	switch {
	case !ok:
		return "", false
	case key == "kind":
		return "e.kind_raw", true
	case key == "metadata.name":
		// ref is kind:namespace/name as written; neither kind nor
		// namespace may contain a slash.
		return s.dialect.afterSlash("e.ref"), true
	}
	return col, true // namespaces and uids are lower-case as written
}

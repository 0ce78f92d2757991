package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/porticohq/portico/catalog"
)

// A filter of ANDed conditions such as kind=api, spec.owner=X,
// spec.lifecycle=Y is answered fastest by reading the entities of its most
// selective condition and checking the others on each of them. Left to
// itself, SQLite (which keeps no statistics here) walks every entity of the
// kind index and materialises each other condition's id list, a third of
// the catalog for a lifecycle: O(catalog) per query, however few entities
// match. planFilter measures each condition with a bounded count, lets the
// smallest drive (an IN over its index) and writes the others as
// correlated EXISTS probes or as column tests no index can serve, so that
// neither dialect's planner can pick a broader driver. A search driver
// checks the other search conditions inside its own list, from the
// search_key_value index alone, so that the entities table is read only
// for entities that pass them.
//
// PostgreSQL keeps statistics and, once it has analysed the tables, plans
// the plain form the same way (EXPLAIN ANALYZE, 100,000 APIs); the rewrite
// keeps that plan when the statistics are missing or stale, as right after
// a first bulk load.

// Drive bounds: a condition is counted up to estimateCaps[0] entries, then,
// when none was below that, up to estimateCaps[1]. When every condition
// matches estimateCaps[1] entries or more, no rewrite happens: driving by
// that many entities and sorting them costs as much as the planner's own
// choice, which for an ordered page with a small limit is often an ordered
// index walk that stops early.
var estimateCaps = [2]int{1024, 16384}

// term is one filter condition, in the forms a planned query needs.
type term struct {
	key  string // lower-cased
	vals []any  // lower-cased; empty means "has the field"
	col  string // the entities column, for entityColumn keys
	rel  string // the relation type, for relations.<type>
	// rank orders the estimates so that the likely smallest is counted
	// first and bounds the others' counts.
	rank int
}

func newTerm(c catalog.Condition) term {
	t := term{key: strings.ToLower(strings.TrimSpace(c.Key))}
	for _, v := range c.Values {
		t.vals = append(t.vals, strings.ToLower(strings.TrimSpace(v)))
	}
	if col, ok := entityColumn[t.key]; ok {
		t.col = col
	} else if typ, ok := strings.CutPrefix(t.key, "relations."); ok {
		t.rel = typ
	}
	switch {
	case t.col == "e.name" || t.col == "e.uid":
		t.rank = 0
	case t.col == "":
		t.rank = 1
	default:
		t.rank = 2 // kind: a few kinds share the catalog
	}
	if len(t.vals) == 0 {
		t.rank = 3
	}
	return t
}

// indexed says whether an index can list the term's entities: every term
// but a namespace test and "has the column" (always true).
func (t term) indexed() bool {
	if t.col != "" {
		return t.col != "e.namespace" && len(t.vals) > 0
	}
	return true
}

// estimate is the SQL counting the term's index entries up to a limit.
func (t term) estimate() (string, []any) {
	var q string
	args := []any{}
	switch {
	case t.col != "":
		q = "SELECT 1 FROM entities e WHERE " + t.col + " IN (" + placeholders(len(t.vals)) + ")"
	case t.rel != "":
		q = "SELECT 1 FROM relations r WHERE r.type_key = ?"
		args = append(args, t.rel)
		if len(t.vals) > 0 {
			q += " AND r.target_key IN (" + placeholders(len(t.vals)) + ")"
		}
	default:
		q = "SELECT 1 FROM search s WHERE s.key = ?"
		args = append(args, t.key)
		if len(t.vals) > 0 {
			q += " AND s.value IN (" + placeholders(len(t.vals)) + ")"
		}
	}
	return "SELECT count(*) FROM (" + q + " LIMIT ?) x", append(args, t.vals...)
}

// probe is the term as a test of the entity aliased e that no index on
// entities can serve: a column compared through an expression (SQLite's
// unary + is not PostgreSQL's), search and relation rows looked up by the
// entity.
func (t term) probe(w *whereBuilder) string {
	switch {
	case t.col != "":
		if len(t.vals) == 0 {
			return "1 = 1"
		}
		w.args = append(w.args, t.vals...)
		return t.col + " || '' IN (" + placeholders(len(t.vals)) + ")"
	case t.rel != "":
		w.args = append(w.args, t.rel)
		q := "EXISTS (SELECT 1 FROM relations r WHERE r.source_key = e.ref_key AND r.type_key = ?"
		if len(t.vals) > 0 {
			w.args = append(w.args, t.vals...)
			q += " AND r.target_key IN (" + placeholders(len(t.vals)) + ")"
		}
		return q + ")"
	default:
		return t.searchProbe(w, "e.id", "e.ref_key")
	}
}

// searched says whether the term is answered by the search table.
func (t term) searched() bool { return t.col == "" && t.rel == "" }

// searchProbe tests the entity whose id and ref key are the expressions id
// and refKey: naming both lets a probe with values seek search_key_value
// (key, value, ref_key, entity_id) to the one entry it looks for.
func (t term) searchProbe(w *whereBuilder, id, refKey string) string {
	w.args = append(w.args, t.key)
	q := "EXISTS (SELECT 1 FROM search p WHERE p.entity_id = " + id + " AND p.key = ?"
	if len(t.vals) > 0 {
		w.args = append(w.args, t.vals...)
		q += " AND p.value IN (" + placeholders(len(t.vals)) + ") AND p.ref_key = " + refKey
	}
	return q + ")"
}

// drive is the driver term as an IN over its index. A search driver also
// checks the other search terms in its list, from the index alone, so that
// only entities passing them are read from the entities table.
func (t term) drive(w *whereBuilder, c catalog.Condition, others []term) string {
	if !t.searched() {
		return w.condition(c)
	}
	w.args = append(w.args, t.key)
	q := "e.id IN (SELECT s.entity_id FROM search s WHERE s.key = ?"
	if len(t.vals) > 0 {
		w.args = append(w.args, t.vals...)
		q += " AND s.value IN (" + placeholders(len(t.vals)) + ")"
	}
	for _, o := range others {
		if o.searched() {
			q += " AND " + o.searchProbe(w, "s.entity_id", "s.ref_key")
		}
	}
	return q + ")"
}

// planFilter adds f to w, driven by its most selective condition when f is
// one set of conditions of which one is selective (see estimateCaps), and
// says so; otherwise as whereBuilder.filter writes it.
func (s *Store) planFilter(ctx context.Context, w *whereBuilder, f catalog.Filter) (bool, error) {
	if len(f) != 1 || len(f[0]) < 2 {
		w.filter(f)
		return false, nil
	}
	terms := make([]term, len(f[0]))
	for i, c := range f[0] {
		terms[i] = newTerm(c)
	}
	driver, err := s.driver(ctx, terms)
	if err != nil {
		return false, err
	}
	if driver < 0 {
		w.filter(f)
		return false, nil
	}
	d := terms[driver]
	others := append(slices.Clone(terms[:driver]), terms[driver+1:]...)
	conds := []string{d.drive(w, f[0][driver], others)}
	for _, t := range others {
		if !d.searched() || !t.searched() {
			conds = append(conds, t.probe(w))
		}
	}
	w.conds = append(w.conds, "("+strings.Join(conds, " AND ")+")")
	w.walk = newWalk(d, others)
	// A search driver lists ids; the other terms test search and relation
	// rows by id and ref key, or columns that entities_page may hold.
	w.narrow = d.searched() && !slices.ContainsFunc(others, func(t term) bool {
		return t.col != "" && !slices.Contains(pageColumns, t.col)
	})
	return true, nil
}

// driver returns the index of the term with the fewest entries, or -1 when
// none has fewer than the last of estimateCaps. Counts are bounded by the
// smallest count so far, so a broad condition costs little to rule out.
func (s *Store) driver(ctx context.Context, terms []term) (int, error) {
	order := make([]int, 0, len(terms))
	for rank := 0; rank <= 3; rank++ {
		for i, t := range terms {
			if t.rank == rank && t.indexed() {
				order = append(order, i)
			}
		}
	}
	for _, limit := range estimateCaps {
		best, bestN := -1, limit
		for _, i := range order {
			n, err := s.estimate(ctx, terms[i], bestN)
			if err != nil {
				return -1, err
			}
			if n < bestN {
				best, bestN = i, n
			}
			if bestN == 0 {
				break // nothing beats a condition no entity meets
			}
		}
		if best >= 0 {
			return best, nil
		}
	}
	return -1, nil
}

// estimate counts t's index entries, up to limit (limit meaning "limit or
// more"), cached like query totals.
func (s *Store) estimate(ctx context.Context, t term, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil // "0 or more": nothing to count, nothing to cache
	}
	q, args := t.estimate()
	key := cacheKey(q, args)
	gen := s.Generation()
	if e, ok := s.estimates.get(gen, key, s.now(), s.cacheTTL()); ok {
		if e >= 0 {
			return min(e, limit), nil
		}
		if -e >= limit {
			return limit, nil
		}
	}
	var n int
	rows, err := s.query(ctx, q, append(args, limit)...)
	if err != nil {
		return 0, fmt.Errorf("estimate %s: %w", t.key, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, fmt.Errorf("estimate %s: %w", t.key, err)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("estimate %s: %w", t.key, err)
	}
	// Kept negated when bounded: -n means "n or more".
	e := n
	if n >= limit {
		e = -n
	}
	s.estimates.put(gen, key, e, s.now())
	return n, nil
}

// walk is a filter whose default-ordered page can be read by walking its
// driver's run of search_key_value, which is in ref-key order, and
// stopping after offset+limit+1 matches: the other conditions are search
// rows, probed through the same index by (key, value, ref_key, entity_id),
// or kinds, which are ref-key prefixes ("api:" for kind=api: a kind is
// letters and digits, catalog.IsValidKind, and a ref key is the lower-cased
// "kind:namespace/name"). At 100,000 APIs a team's page otherwise looked up
// and sorted all of its ~2,000 matches (issue 15, item 8).
type walk struct {
	driver term
	others []term   // searched terms
	kinds  []string // lower-cased; empty means any kind
}

// newWalk returns the walk of a filter driven by d, or nil when its driver
// is not one search value or another condition is neither a search row
// nor a kind.
func newWalk(d term, others []term) *walk {
	if !d.searched() || len(d.vals) != 1 {
		return nil
	}
	wk := &walk{driver: d}
	for _, t := range others {
		switch {
		case t.searched():
			wk.others = append(wk.others, t)
		case t.col == "e.kind" && len(t.vals) == 0:
			// "has a kind": every entity.
		case t.col == "e.kind":
			if wk.kinds != nil {
				return nil // two kind conditions: rare, left to the general plan
			}
			wk.kinds = []string{}
			for _, v := range t.vals {
				k := v.(string)
				if !catalog.IsValidKind(k) {
					return nil
				}
				wk.kinds = append(wk.kinds, k)
			}
		default:
			return nil
		}
	}
	return wk
}

// where is the walk's FROM and WHERE over search aliased s, without a
// cursor, and its arguments.
func (wk *walk) where(dl dialect) (string, []any) {
	w := &whereBuilder{dl: dl}
	w.args = append(w.args, wk.driver.key, wk.driver.vals[0])
	conds := []string{"s.key = ?", "s.value = ?"}
	if wk.kinds != nil {
		var alts []string
		for _, k := range wk.kinds {
			c, args := dl.refKeyPrefix("s.ref_key", k+":")
			alts = append(alts, c)
			w.args = append(w.args, args...)
		}
		if len(alts) == 0 {
			alts = append(alts, "1 = 0")
		}
		conds = append(conds, "("+strings.Join(alts, " OR ")+")")
	}
	for _, t := range wk.others {
		probe := t.searchProbe(w, "s.entity_id", "s.ref_key")
		conds = append(conds, strings.TrimSuffix(probe, ")")+dl.probeFence()+")")
	}
	// Only search_key_value serves s.key = ? (nothing to name with
	// INDEXED BY, which would fail during a bulk load that dropped it).
	return " FROM search s WHERE " + strings.Join(conds, " AND "), w.args
}

// count is the walk's count query: the driver's run read from the index.
func (wk *walk) count(dl dialect) (string, []any) {
	from, args := wk.where(dl)
	return dl.rebind("SELECT count(*)" + from), args
}

// ids lists the entity ids of the walk's driver's run with its kinds
// tested, not its other terms (walkCount looks those up).
func (wk *walk) ids(dl dialect) (string, []any) {
	from, args := (&walk{driver: wk.driver, kinds: wk.kinds}).where(dl)
	return dl.rebind("SELECT s.entity_id" + from), args
}

// page is the walk's page query: the entity ids and ref keys of up to limit
// matches after offset, past (or, before, ahead of) the cursor key.
func (wk *walk) page(dl dialect, key string, before bool, limit, offset int) (string, []any) {
	from, args := wk.where(dl)
	q := "SELECT s.entity_id, s.ref_key" + from
	dir := " ASC"
	if key != "" {
		op := " > ?"
		if before {
			op = " < ?"
		}
		q += " AND s.ref_key" + op
		args = append(args, key)
	}
	if before {
		dir = " DESC"
	}
	q += " ORDER BY s.ref_key" + dir + " LIMIT ?"
	args = append(args, limit)
	if offset > 0 {
		q += " OFFSET ?"
		args = append(args, offset)
	}
	return dl.rebind(q), args
}

package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// A walk's total with other conditions (owner and lifecycle, say) is
// counted by reading the driver's run of ids once and looking each up in
// the other conditions' id sets, which are read from the index once per
// generation and kept. Counted in SQL, every first total probed the index
// for each entry of the driver's run: a team's ~2,000 APIs at 100,000 took
// 6–9 ms on PostgreSQL (issue 15, item 8). A lifecycle's set (33,000 ids
// there) takes 14–39 ms to read once, then serves every team's total.
const (
	// idSetCap bounds the index entries read for one condition's set; a
	// condition with more is counted in SQL.
	idSetCap = 100_000
	// idSetBudget bounds the ids one generation keeps (8 MB).
	idSetBudget = 1 << 20
)

// Store.idSets keeps sorted entity-id sets of search conditions: one
// generation's, at most idSetBudget ids in all (a set past it starts the
// cache over). A nil set marks a condition with more than idSetCap
// entries, so that it is not read again in that generation.

// idSetSize is a kept set's cost against idSetBudget.
func idSetSize(set []int64) int { return len(set) }

// termIDs returns the sorted ids of the entities t matches, read at most
// once per generation while the cache keeps them, and false when t has
// more than idSetCap index entries.
func (s *Store) termIDs(ctx context.Context, t term, gen uint64) ([]int64, bool, error) {
	q, args := t.ids()
	key := cacheKey(q, args)
	if set, ok := s.idSets.get(gen, key, s.now(), 0); ok {
		return set, set != nil, nil
	}
	maxSet := cmp.Or(s.idSetCap, idSetCap)
	read, err := s.readIDs(ctx, q, append(args, maxSet+1)...)
	if err != nil {
		return nil, false, fmt.Errorf("read the ids of %s: %w", t.key, err)
	}
	if len(read) > maxSet {
		s.idSets.put(gen, key, nil, s.now())
		return nil, false, nil
	}
	// A condition with several values, or none, lists an entity once per
	// matching value; what is kept is exactly the distinct ids, so that
	// the budget counts what the cache holds.
	slices.Sort(read)
	set := slices.Clone(slices.Compact(read))
	if set == nil {
		set = []int64{} // nil marks a condition too large to keep
	}
	s.idSets.put(gen, key, set, s.now())
	return set, true, nil
}

// ids is the SQL listing the entity ids of a search term's index entries,
// up to a limit.
func (t term) ids() (string, []any) {
	q := "SELECT s.entity_id FROM search s WHERE s.key = ?"
	args := []any{t.key}
	if len(t.vals) > 0 {
		q += " AND s.value IN (" + placeholders(len(t.vals)) + ")"
		args = append(args, t.vals...)
	}
	return q + " LIMIT ?", args
}

// walkCount is cq's total, counted from id sets when every other term of
// wk has one (see idSetCap), otherwise by cq's SQL. Query has looked for
// a cached total already.
func (s *Store) walkCount(ctx context.Context, wk *walk, cq countQuery) (int, error) {
	if len(wk.others) == 0 {
		return s.count(ctx, cq) // one run of the index, counted where it lies
	}
	sets := make([][]int64, len(wk.others))
	for i, t := range wk.others {
		set, ok, err := s.termIDs(ctx, t, cq.gen)
		if err != nil {
			return 0, fmt.Errorf("count entities: %w", err)
		}
		if !ok {
			return s.count(ctx, cq)
		}
		sets[i] = set
	}
	// The smallest set rules out the most entities first; an empty one
	// rules out all of them.
	slices.SortFunc(sets, func(a, b []int64) int { return len(a) - len(b) })
	n := 0
	if len(sets[0]) > 0 {
		var err error
		if n, err = s.countIn(ctx, wk, sets); err != nil {
			return 0, err
		}
	}
	s.counts.put(cq.gen, cq.key, n, s.now())
	return n, nil
}

// countIn counts the ids of wk's driver's run that are in every set.
func (s *Store) countIn(ctx context.Context, wk *walk, sets [][]int64) (int, error) {
	q, args := wk.ids(s.dialect)
	ids, err := s.readIDs(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("count entities: %w", err)
	}
	n := 0
	for _, id := range ids {
		if inAll(sets, id) {
			n++
		}
	}
	return n, nil
}

// inAll says whether id is in every sorted set.
func inAll(sets [][]int64, id int64) bool {
	for _, set := range sets {
		if _, ok := slices.BinarySearch(set, id); !ok {
			return false
		}
	}
	return true
}

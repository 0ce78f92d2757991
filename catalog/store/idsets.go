package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
)

// A walk's total with other conditions (owner and lifecycle, say) is
// counted by reading the driver's run of ids once and looking each up in
// the other conditions' id sets, which are read from the index once per
// generation and kept. Counted in SQL, every first total probed the index
// for each entry of the driver's run: a team's ~2,000 APIs at 100,000 took
// 6–9 ms on PostgreSQL (issue 15, item 8). A lifecycle's set (33,000 ids
// there) takes 14–39 ms to read once, then serves every team's total.
const (
	// idSetCap bounds one condition's set; a larger one is counted in SQL.
	idSetCap = 100_000
	// idSetBudget bounds the ids one generation keeps (8 MB).
	idSetBudget = 1 << 20
)

// idSets keeps sorted entity-id sets of search conditions for one
// generation, like genCache; a nil set marks a condition too large to
// keep, so that it is not read again in that generation.
type idSets struct {
	mu    sync.Mutex
	gen   uint64
	m     map[string][]int64
	total int
	// maxSet and budget replace idSetCap and idSetBudget when set (tests).
	maxSet, budget int
}

func (c *idSets) limits() (maxSet, budget int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return cmp.Or(c.maxSet, idSetCap), cmp.Or(c.budget, idSetBudget)
}

func (c *idSets) get(gen uint64, key string) (set []int64, known bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return nil, false
	}
	set, known = c.m[key]
	return set, known
}

// put keeps set (nil: too large) for key at gen unless the generation's
// budget is spent, and says whether it kept it; a put of an older
// generation than the cache's is dropped.
func (c *idSets) put(gen uint64, key string, set []int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen < c.gen {
		return false
	}
	if c.gen != gen || c.m == nil {
		c.gen, c.m, c.total = gen, make(map[string][]int64), 0
	}
	if _, ok := c.m[key]; ok {
		return true // read twice at once: the same ids
	}
	if c.total+len(set) > cmp.Or(c.budget, idSetBudget) || len(c.m) >= genCacheSize {
		return false
	}
	c.m[key] = set
	c.total += len(set)
	return true
}

// reset forgets every set (tests and benchmarks measure first counts).
func (c *idSets) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m, c.total = nil, 0
}

// termIDs returns the sorted ids of the entities t matches, read at most
// once per generation, and false when t matches more than idSetCap
// entities or the generation's budget is spent.
func (s *Store) termIDs(ctx context.Context, t term, gen uint64) ([]int64, bool, error) {
	q, args := t.ids()
	key := cacheKey(q, args)
	if set, known := s.idSets.get(gen, key); known {
		return set, set != nil, nil
	}
	maxSet, _ := s.idSets.limits()
	rows, err := s.query(ctx, q, append(args, maxSet+1)...)
	if err != nil {
		return nil, false, fmt.Errorf("read the ids of %s: %w", t.key, err)
	}
	defer rows.Close()
	var set []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, false, fmt.Errorf("read the ids of %s: %w", t.key, err)
		}
		set = append(set, id)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("read the ids of %s: %w", t.key, err)
	}
	if len(set) > maxSet {
		s.idSets.put(gen, key, nil)
		return nil, false, nil
	}
	// A condition with several values, or none, lists an entity once per
	// matching value.
	slices.Sort(set)
	set = slices.Clip(slices.Compact(set))
	if set == nil {
		set = []int64{}
	}
	return set, s.idSets.put(gen, key, set), nil
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
// wk has one (see idSetCap), otherwise by cq's SQL.
func (s *Store) walkCount(ctx context.Context, wk *walk, cq countQuery) (int, error) {
	if len(wk.others) == 0 {
		return s.count(ctx, cq) // one run of the index, counted where it lies
	}
	if n, ok := s.counts.get(cq.gen, cq.key, s.now(), cq.ttl); ok {
		return n, nil
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
	// The smallest set rules out the most entities first.
	slices.SortFunc(sets, func(a, b []int64) int { return len(a) - len(b) })
	q, args := wk.ids(s.dialect)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("count entities: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, fmt.Errorf("count entities: %w", err)
		}
		if inAll(sets, id) {
			n++
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("count entities: %w", err)
	}
	s.counts.put(cq.gen, cq.key, n, s.now())
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

package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
)

// teamCatalog is 12 APIs of team-a, every third in production (4), one
// Component of team-a in production, and 20 APIs of team-b in production,
// so that team-a drives a walk and the lifecycle is the kept set;
// production names team-a's APIs in production instead.
func teamCatalog(production ...int) []catalog.ProcessedEntity {
	prod := map[int]bool{}
	for _, i := range production {
		prod[i] = true
	}
	if len(production) == 0 {
		prod = map[int]bool{0: true, 3: true, 6: true, 9: true}
	}
	var es []catalog.ProcessedEntity
	for i := range 12 {
		lifecycle := "experimental"
		if prod[i] {
			lifecycle = "production"
		}
		es = append(es, testEntity("API", fmt.Sprintf("a-%02d", i), ownedBy("team-a"), spec("lifecycle", lifecycle)))
	}
	for i := range 20 {
		es = append(es, testEntity("API", fmt.Sprintf("b-%02d", i), ownedBy("team-b"), spec("lifecycle", "production")))
	}
	return append(es, testEntity("Component", "c", ownedBy("team-a"), spec("lifecycle", "production")))
}

// walkedTotal is the total of kind=api, spec.owner=team-a,
// spec.lifecycle=production, with no total cached.
func walkedTotal(t *testing.T, s *Store) int {
	t.Helper()
	f := catalog.Filter{{cond("kind", "api"), cond("spec.owner", "team-a"), cond("spec.lifecycle", "production")}}
	if wk := planWalk(t, s, f); wk.driver.key != "spec.owner" {
		t.Fatalf("driven by %s, want spec.owner", wk.driver.key)
	}
	s.counts.reset()
	p, err := s.Query(context.Background(), catalog.Query{Filter: f, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return p.TotalItems
}

// keptSets is how many id sets s keeps, and how many of them mark a
// condition too large to keep.
func keptSets(s *Store) (kept, tooLarge int) {
	s.idSets.mu.Lock()
	defer s.idSets.mu.Unlock()
	for _, e := range s.idSets.m {
		if e.v == nil {
			tooLarge++
		} else {
			kept++
		}
	}
	return kept, tooLarge
}

// A walked total with other conditions is counted from the driver's ids
// and the others' id sets, which are kept until the next write: a write
// that moves an API between lifecycles changes the next total.
func TestWalkedTotalsFromKeptIDSetsFollowWrites(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		apply(t, s, "p", catalog.Full, teamCatalog()...)
		if got := walkedTotal(t, s); got != 4 {
			t.Fatalf("total %d, want 4", got)
		}
		if kept, _ := keptSets(s); kept != 1 {
			t.Fatalf("%d id sets kept, want the lifecycle's", kept)
		}
		apply(t, s, "p", catalog.Full, teamCatalog(0, 1, 2, 3, 4, 5, 6)...)
		if got := walkedTotal(t, s); got != 7 {
			t.Errorf("after a write: total %d, want 7 (a set of the previous generation answered?)", got)
		}
		apply(t, s, "p", catalog.Full, teamCatalog(11)...)
		if got := walkedTotal(t, s); got != 1 {
			t.Errorf("after a second write: total %d, want 1", got)
		}
	})
}

// A condition with more entities than a set may hold, or past the
// generation's budget, is counted in SQL, and the total stays right.
func TestLargeConditionsAreCountedInSQL(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		apply(t, s, "p", catalog.Full, teamCatalog()...)
		s.idSetCap = 24 // the lifecycle has 25 entries
		if got := walkedTotal(t, s); got != 4 {
			t.Errorf("set too large: total %d, want 4", got)
		}
		if kept, tooLarge := keptSets(s); kept != 0 || tooLarge != 1 {
			t.Errorf("set too large: %d kept, %d marked too large; want 0 and 1", kept, tooLarge)
		}
		s.idSets.reset()
		s.idSetCap, s.idSets.budget = 0, 24
		if got := walkedTotal(t, s); got != 4 {
			t.Errorf("budget spent: total %d, want 4", got)
		}
		if kept, tooLarge := keptSets(s); kept != 0 || tooLarge != 0 {
			t.Errorf("budget spent: %d kept, %d marked too large; want none", kept, tooLarge)
		}
	})
}

// A cache full of entries starts over for a new set rather than refuse it
// (512 filters on values no entity has leave 512 empty sets behind).
func TestAFullIDSetCacheKeepsTheNewSet(t *testing.T) {
	s := openSQLiteT(t)
	apply(t, s, "p", catalog.Full, teamCatalog()...)
	for i := range genCacheSize {
		s.idSets.put(s.Generation(), fmt.Sprint("empty-", i), []int64{}, s.now())
	}
	if got := walkedTotal(t, s); got != 4 {
		t.Fatalf("total %d, want 4", got)
	}
	if kept, _ := keptSets(s); kept != 1 {
		t.Errorf("%d sets kept, want the lifecycle's alone", kept)
	}
}

// A sized genCache (idSets) keeps one generation within its budget: a
// value past the budget starts it over, one larger than the budget is not
// kept, a replaced value is no longer counted, and an older generation's
// put is dropped.
func TestSizedGenCacheKeepsItsBudget(t *testing.T) {
	c := genCache[[]int64]{size: idSetSize, budget: 4}
	now := time.Now()
	has := func(gen uint64, key string) bool {
		_, ok := c.get(gen, key, now, 0)
		return ok
	}
	c.put(2, "a", []int64{1, 2}, now)
	c.put(2, "a", []int64{1, 2, 3}, now) // the same key again: 3 ids, not 5
	c.put(2, "b", []int64{4}, now)
	if !has(2, "a") || !has(2, "b") || c.used != 4 {
		t.Fatalf("a %v, b %v, used %d; want both kept, 4 used", has(2, "a"), has(2, "b"), c.used)
	}
	c.put(2, "c", []int64{5, 6}, now)
	if has(2, "a") || has(2, "b") || !has(2, "c") || c.used != 2 {
		t.Errorf("past the budget: a %v, b %v, c %v, used %d; want c alone", has(2, "a"), has(2, "b"), has(2, "c"), c.used)
	}
	c.put(2, "big", []int64{1, 2, 3, 4, 5}, now)
	if has(2, "big") || !has(2, "c") {
		t.Error("a value larger than the budget was kept, or cost what was kept")
	}
	c.put(1, "old", []int64{3}, now)
	if has(1, "old") || has(2, "old") {
		t.Error("a put of an older generation was kept")
	}
	c.put(3, "d", []int64{7}, now)
	if has(2, "c") || !has(3, "d") || c.used != 1 {
		t.Errorf("generation 3: c %v, d %v, used %d", has(2, "c"), has(3, "d"), c.used)
	}
}

// A kept set holds its distinct ids and no more: "has tags" lists an
// entity once per tag, and the budget counts ids.
func TestKeptSetsHoldTheirIDsOnly(t *testing.T) {
	s := openSQLiteT(t)
	var es []catalog.ProcessedEntity
	for i := range 40 {
		es = append(es, testEntity("API", fmt.Sprintf("t-%02d", i), ownedBy("team-a"),
			tags("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")))
	}
	apply(t, s, "p", catalog.Full, es...)
	f := catalog.Filter{{cond("kind", "api"), cond("spec.owner", "team-a"), cond("metadata.tags")}}
	p, err := s.Query(context.Background(), catalog.Query{Filter: f, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if p.TotalItems != 40 {
		t.Errorf("total %d, want 40", p.TotalItems)
	}
	s.idSets.mu.Lock()
	defer s.idSets.mu.Unlock()
	if len(s.idSets.m) != 1 {
		t.Fatalf("%d sets kept, want the tags'", len(s.idSets.m))
	}
	for _, e := range s.idSets.m {
		if len(e.v) != 40 || cap(e.v) > 48 || s.idSets.used != 40 {
			t.Errorf("kept %d ids in room for %d, charged %d; want 40 in about 40", len(e.v), cap(e.v), s.idSets.used)
		}
	}
}

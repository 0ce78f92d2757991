package store

import (
	"context"
	"fmt"
	"testing"

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
	for _, set := range s.idSets.m {
		if set == nil {
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
		s.idSets.maxSet = 24 // the lifecycle has 25 entries
		if got := walkedTotal(t, s); got != 4 {
			t.Errorf("set too large: total %d, want 4", got)
		}
		if kept, tooLarge := keptSets(s); kept != 0 || tooLarge != 1 {
			t.Errorf("set too large: %d kept, %d marked too large; want 0 and 1", kept, tooLarge)
		}
		s.idSets.reset()
		s.idSets.maxSet, s.idSets.budget = 0, 24
		if got := walkedTotal(t, s); got != 4 {
			t.Errorf("budget spent: total %d, want 4", got)
		}
		if kept, tooLarge := keptSets(s); kept != 0 || tooLarge != 0 {
			t.Errorf("budget spent: %d kept, %d marked too large; want none", kept, tooLarge)
		}
	})
}

// idSets drops what an older generation reads and starts over at a newer
// one.
func TestIDSetsKeepOneGeneration(t *testing.T) {
	var c idSets
	if !c.put(2, "k", []int64{1, 2}) {
		t.Fatal("put at generation 2 refused")
	}
	if c.put(1, "old", []int64{3}) {
		t.Error("a put of an older generation was kept")
	}
	if set, known := c.get(2, "k"); !known || len(set) != 2 {
		t.Errorf("get(2, k) = %v, %v", set, known)
	}
	if _, known := c.get(3, "k"); known {
		t.Error("generation 3 got generation 2's set")
	}
	c.put(3, "k2", []int64{5})
	if _, known := c.get(2, "k"); known || c.total != 1 {
		t.Errorf("generation 2's set outlived generation 3 (total %d)", c.total)
	}
}

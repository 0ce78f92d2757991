package lru

import (
	"fmt"
	"testing"
)

func TestEvictsLeastRecentlyUsedByCost(t *testing.T) {
	c := New[string, []byte](10, func(b []byte) int64 { return int64(len(b)) })
	c.Put("a", make([]byte, 4))
	c.Put("b", make([]byte, 4))
	if _, ok := c.Get("a"); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	c.Put("c", make([]byte, 4)) // 12 > 10: b, the least recent, goes
	if _, ok := c.Get("b"); ok {
		t.Error("b kept; want it evicted as least recently used")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("%s evicted", k)
		}
	}
	if c.Cost() != 8 || c.Len() != 2 {
		t.Errorf("cost %d, len %d; want 8, 2", c.Cost(), c.Len())
	}
	c.Put("huge", make([]byte, 11))
	if _, ok := c.Get("huge"); ok || c.Len() != 2 {
		t.Error("a value over the limit was kept or evicted others")
	}
	c.Put("a", make([]byte, 1)) // replacing updates the cost
	c.Delete("c")
	if c.Cost() != 1 || c.Len() != 1 {
		t.Errorf("after replace and delete: cost %d, len %d; want 1, 1", c.Cost(), c.Len())
	}
}

func TestClearEmptiesTheCacheAndItsCost(t *testing.T) {
	c := New[string, []byte](10, func(b []byte) int64 { return int64(len(b)) })
	c.Put("a", make([]byte, 4))
	c.Put("b", make([]byte, 4))
	c.Clear()
	if c.Len() != 0 || c.Cost() != 0 {
		t.Fatalf("after Clear: len %d, cost %d; want 0, 0", c.Len(), c.Cost())
	}
	if _, ok := c.Get("a"); ok {
		t.Error("a survived Clear")
	}
	// The cleared cache takes the whole limit again.
	c.Put("c", make([]byte, 10))
	if _, ok := c.Get("c"); !ok || c.Cost() != 10 {
		t.Errorf("after Clear, a value of the full limit: kept %v, cost %d", ok, c.Cost())
	}
}

// Putting a value again records its new cost: a value that grew (a
// cached answer that gained its compressed body) counts in full, and
// what no longer fits is evicted.
func TestPutAgainRecountsAGrownValue(t *testing.T) {
	type answer struct{ body, gzip []byte }
	c := New[string, *answer](110, func(a *answer) int64 { return int64(len(a.body) + len(a.gzip)) })
	a, b := &answer{body: make([]byte, 40)}, &answer{body: make([]byte, 40)}
	c.Put("a", a)
	c.Put("b", b)
	a.gzip = make([]byte, 30)
	c.Put("a", a)
	if c.Cost() != 110 || c.Len() != 2 {
		t.Fatalf("cost %d, len %d; want 110, 2", c.Cost(), c.Len())
	}
	b.gzip = make([]byte, 30)
	c.Put("b", b) // 140 > 110: a, now the least recent, goes
	if _, ok := c.Get("a"); ok {
		t.Error("a kept; want it evicted")
	}
	if c.Cost() != 70 {
		t.Errorf("cost %d, want 70", c.Cost())
	}
}

func TestConcurrentUseStaysWithinTheLimit(t *testing.T) {
	c := New[string, []byte](1<<10, func(b []byte) int64 { return int64(len(b)) })
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 1000 {
				k := fmt.Sprint((i*7 + g) % 64)
				if v, ok := c.Get(k); ok && len(v) != len(k)*16 {
					t.Errorf("get %s: %d bytes, want %d", k, len(v), len(k)*16)
					return
				}
				c.Put(k, make([]byte, len(k)*16))
				if i%250 == 0 {
					c.Clear()
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
	if c.Cost() > 1<<10 {
		t.Errorf("cost %d over the limit", c.Cost())
	}
}

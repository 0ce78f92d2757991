package lru

import "testing"

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

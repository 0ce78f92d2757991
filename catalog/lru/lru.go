// Package lru is the one least-recently-used cache of the code base: a map
// bounded by the total cost of its values (bytes, usually), safe for
// concurrent use.
package lru

import (
	"container/list"
	"sync"
)

// Cache maps K to V, evicting the least recently used entries once the
// total cost exceeds the limit. The zero value is not usable; call New.
type Cache[K comparable, V any] struct {
	mu    sync.Mutex
	limit int64
	cost  func(V) int64
	total int64
	order *list.List // front: most recently used
	items map[K]*list.Element
}

type entry[K comparable, V any] struct {
	key  K
	val  V
	cost int64
}

// New returns a cache holding at most limit in total cost, where cost
// gives one value's: its size in bytes for a cache bounded in bytes, Count
// for one bounded by its number of entries. Put records the cost when it
// stores the value; a value whose size changes later is Put again to count
// the change. A value costing more than the limit is never kept.
func New[K comparable, V any](limit int64, cost func(V) int64) *Cache[K, V] {
	return &Cache[K, V]{limit: limit, cost: cost, order: list.New(), items: map[K]*list.Element{}}
}

// Get returns the value for key and marks it recently used.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*entry[K, V]).val, true
}

// Put stores val under key, evicting what it must.
func (c *Cache[K, V]) Put(key K, val V) {
	cost := c.cost(val)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
	if cost > c.limit {
		return
	}
	c.items[key] = c.order.PushFront(&entry[K, V]{key: key, val: val, cost: cost})
	c.total += cost
	for c.total > c.limit {
		c.remove(c.order.Back())
	}
}

// Delete removes key.
func (c *Cache[K, V]) Delete(key K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
}

// Clear removes every entry.
func (c *Cache[K, V]) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.items)
	c.order.Init()
	c.total = 0
}

// Len returns how many entries the cache holds.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

// Cost returns the total cost of the entries held.
func (c *Cache[K, V]) Cost() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

func (c *Cache[K, V]) remove(el *list.Element) {
	e := el.Value.(*entry[K, V])
	c.order.Remove(el)
	delete(c.items, e.key)
	c.total -= e.cost
}

// Count is the cost function of a cache bounded by its number of entries:
// every value costs one.
func Count[V any](V) int64 { return 1 }

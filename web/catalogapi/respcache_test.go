package catalogapi

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func okResponse(body string) *apiResponse {
	return &apiResponse{status: http.StatusOK, body: []byte(body)}
}

func TestResponseCacheServesWithinGeneration(t *testing.T) {
	c := newResponseCache(1<<20, 0)
	c.put("a", 1, okResponse("A"))
	if r, ok := c.get("a", 1); !ok || string(r.body) != "A" {
		t.Fatalf("get a@1 = %v, %v; want A", r, ok)
	}
	if _, ok := c.get("b", 1); ok {
		t.Fatal("get b: want a miss")
	}
}

func TestResponseCacheDropsEverythingWhenGenerationChanges(t *testing.T) {
	c := newResponseCache(1<<20, 0)
	c.put("a", 1, okResponse("A"))
	if _, ok := c.get("a", 2); ok {
		t.Fatal("get a@2 served an answer from generation 1")
	}
	if n, _ := c.stats(); n != 0 {
		t.Fatalf("entries after generation change = %d, want 0", n)
	}
	// An answer computed before the change must not be stored afterwards.
	c.put("a", 1, okResponse("stale"))
	if _, ok := c.get("a", 2); ok {
		t.Fatal("a stale answer was stored after the generation changed")
	}
	// An answer from a newer generation resets the cache.
	c.put("b", 3, okResponse("B"))
	if _, ok := c.get("b", 3); !ok {
		t.Fatal("get b@3: want a hit")
	}
	// A request that read an older generation misses and leaves the
	// newer answers be (replicas: it read the row before a write).
	if _, ok := c.get("b", 2); ok {
		t.Fatal("get b@2 served an answer of generation 3")
	}
	if _, ok := c.get("b", 3); !ok {
		t.Fatal("a get of an older generation emptied the cache")
	}
}

func TestResponseCacheNeverStoresErrors(t *testing.T) {
	c := newResponseCache(1<<20, 0)
	c.put("a", 1, &apiResponse{status: http.StatusNotFound, body: []byte("{}")})
	if _, ok := c.get("a", 1); ok {
		t.Fatal("an error answer was cached")
	}
}

func TestResponseCacheIsBoundedInBytes(t *testing.T) {
	const maxBytes = 64 << 10
	c := newResponseCache(maxBytes, 0)
	body := string(make([]byte, 4<<10))
	for i := range 100 {
		c.put(fmt.Sprintf("k%d", i), 1, okResponse(body))
	}
	n, size := c.stats()
	if size > maxBytes {
		t.Fatalf("cache holds %d bytes, bound is %d", size, maxBytes)
	}
	if n == 0 {
		t.Fatal("cache holds nothing")
	}
	if _, ok := c.get("k99", 1); !ok {
		t.Error("the most recent entry was evicted")
	}
	if _, ok := c.get("k0", 1); ok {
		t.Error("the oldest entry was kept")
	}
	// An entry larger than an eighth of the cache is not stored at all.
	c.put("big", 1, okResponse(string(make([]byte, maxBytes/4))))
	if _, ok := c.get("big", 1); ok {
		t.Error("an oversized entry was stored")
	}
}

func TestResponseCacheEvictsLeastRecentlyUsed(t *testing.T) {
	body := string(make([]byte, 1000))
	cost := entryCost("k0", okResponse(body))
	c := newResponseCache(3*cost, 0)
	c.maxEntry = cost
	c.put("k0", 1, okResponse(body))
	c.put("k1", 1, okResponse(body))
	c.put("k2", 1, okResponse(body))
	c.get("k0", 1) // k1 is now the least recently used
	c.put("k3", 1, okResponse(body))
	if _, ok := c.get("k1", 1); ok {
		t.Error("k1 should have been evicted")
	}
	for _, k := range []string{"k0", "k2", "k3"} {
		if _, ok := c.get(k, 1); !ok {
			t.Errorf("%s was evicted", k)
		}
	}
}

func TestResponseCacheTTL(t *testing.T) {
	c := newResponseCache(1<<20, time.Millisecond)
	c.put("a", 1, okResponse("A"))
	time.Sleep(5 * time.Millisecond)
	if _, ok := c.get("a", 1); ok {
		t.Fatal("an expired entry was served")
	}
}

func TestResponseCacheConcurrentUse(t *testing.T) {
	c := newResponseCache(32<<10, 0)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				key := fmt.Sprintf("k%d", (i*7+g)%50)
				gen := uint64(i / 100)
				if r, ok := c.get(key, gen); ok && string(r.body) != key {
					t.Errorf("get %s = %s", key, r.body)
					return
				}
				c.put(key, gen, okResponse(key))
			}
		})
	}
	wg.Wait()
	if _, size := c.stats(); size > 32<<10 {
		t.Fatalf("size %d over bound", size)
	}
}

func TestFlightGroupSharesOneComputation(t *testing.T) {
	var g flightGroup
	release := make(chan struct{})
	var calls, sharedCount atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			resp, shared, err := g.do("k", 1, func() (*apiResponse, error) {
				calls.Add(1)
				<-release
				return okResponse("A"), nil
			})
			if err != nil || string(resp.body) != "A" {
				t.Errorf("do = %v, %v", resp, err)
			}
			if shared {
				sharedCount.Add(1)
			}
		})
	}
	for sharedCount.Load()+calls.Load() < 1 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the others queue behind the leader
	close(release)
	wg.Wait()
	if calls.Load() < 1 || calls.Load()+sharedCount.Load() != 8 {
		t.Fatalf("calls %d shared %d", calls.Load(), sharedCount.Load())
	}
	if calls.Load() > 2 {
		t.Errorf("%d computations for 8 concurrent callers", calls.Load())
	}
}

func TestFlightGroupLeaderPanicLetsWaitersRetry(t *testing.T) {
	var g flightGroup
	started := make(chan struct{})
	waiterDone := make(chan error, 1)
	go func() {
		defer func() { recover() }()
		g.do("k", 1, func() (*apiResponse, error) {
			close(started)
			time.Sleep(20 * time.Millisecond)
			panic("boom")
		})
	}()
	<-started
	go func() {
		_, shared, err := g.do("k", 1, func() (*apiResponse, error) { return okResponse("B"), nil })
		if shared && err == nil {
			err = errors.New("waiter got no error from a panicked leader")
		} else if !shared {
			err = nil
		}
		waiterDone <- err
	}()
	select {
	case err := <-waiterDone:
		if err != nil && !errors.Is(err, errFlightAborted) {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("waiter blocked after the leader panicked")
	}
}

// A miss is cached uncompressed; the gzip bytes a gzip client needed are
// kept with the cached answer and counted against the bound, and only
// while that answer is still the one cached.
func TestResponseCacheKeepsGzipOfCachedAnswersOnly(t *testing.T) {
	c := newResponseCache(1<<20, 0)
	a := okResponse(string(make([]byte, 4<<10)))
	c.put("a", 1, a)
	_, before := c.stats()
	if a.gzip() != nil {
		t.Fatal("put compressed the answer")
	}
	gz := gzipBytes(a.body)
	c.keepGzip("a", a, gz)
	if _, after := c.stats(); after != before+int64(cap(gz)) || a.gzip() == nil {
		t.Fatalf("after keepGzip: cost %d (was %d, gzip buffer %d bytes), kept %v", after, before, cap(gz), a.gzip() != nil)
	}
	other := okResponse("not cached")
	c.keepGzip("a", other, gz)
	c.keepGzip("zzz", other, gz)
	if other.gzip() != nil {
		t.Error("gzip kept with an answer that is not the cached one")
	}
	c.put("b", 2, okResponse("B")) // a newer generation drops a
	late := okResponse("late")
	c.keepGzip("a", a, gz)
	c.keepGzip("a", late, gz)
	if _, cost := c.stats(); cost != entryCost("b", okResponse("B")) {
		t.Errorf("cost after the reset = %d, want only b's", cost)
	}
}

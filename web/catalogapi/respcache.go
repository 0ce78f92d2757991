package catalogapi

import (
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/porticohq/portico/catalog/lru"
)

// apiResponse is a finished JSON answer of the catalog API, kept as bytes so
// it can be cached and written with an explicit Content-Length.
type apiResponse struct {
	status int
	body   []byte
	etag   string // set for single-entity answers; enables If-None-Match
	link   string // the Link header (GET /entities' next page)
	// gzipped is body compressed, made the first time a client that
	// accepts gzip gets the cached answer and kept with it (keepGzip), so
	// a miss never pays for compression nobody asked for.
	gzipped atomic.Pointer[[]byte]
}

// gzip returns the compressed body, when one was kept.
func (r *apiResponse) gzip() []byte {
	if p := r.gzipped.Load(); p != nil {
		return *p
	}
	return nil
}

// responseCache keeps catalog API answers by normalized URL, bounded in
// bytes with least-recently-used eviction (catalog/lru). Every entry belongs
// to one store generation: when the store's generation changes, the whole
// cache is dropped, so an answer is never served after a mutation committed
// in this process. The catalog API answers the same for every authorized
// caller, so the cache holds no per-user data; it sits behind any sign-in
// middleware.
type responseCache struct {
	maxEntry int64
	ttl      time.Duration
	// mu makes the generation check and the entries' change one step (the
	// lru's own lock covers only the latter).
	mu         sync.Mutex
	generation uint64
	entries    *lru.Cache[string, *cacheEntry]
	flight     flightGroup
}

type cacheEntry struct {
	key    string
	resp   *apiResponse
	stored time.Time
}

// cacheEntryOverhead approximates the bookkeeping bytes of one entry.
const cacheEntryOverhead = 160

func newResponseCache(maxBytes int64, ttl time.Duration) *responseCache {
	return &responseCache{
		maxEntry: maxBytes / 8,
		ttl:      ttl,
		entries: lru.New[string](maxBytes, func(e *cacheEntry) int64 {
			return entryCost(e.key, e.resp)
		}),
	}
}

// get returns the answer cached for key in store generation gen.
func (c *responseCache) get(key string, gen uint64) (*apiResponse, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.generation {
		// A request that read the generation before a write another has
		// already seen must not empty the newer answers.
		if gen > c.generation {
			c.resetLocked(gen)
		}
		return nil, false
	}
	e, ok := c.entries.Get(key)
	if !ok {
		return nil, false
	}
	if c.ttl > 0 && time.Since(e.stored) > c.ttl {
		c.entries.Delete(key)
		return nil, false
	}
	return e.resp, true
}

// put stores resp, computed from the store at generation gen (read before
// the query ran). An answer from an older generation than the cache's is
// dropped; one from a newer generation resets the cache first.
func (c *responseCache) put(key string, gen uint64, resp *apiResponse) {
	if resp.status != http.StatusOK {
		return
	}
	if entryCost(key, resp) > c.maxEntry {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.generation {
		if gen < c.generation {
			return
		}
		c.resetLocked(gen)
	}
	c.entries.Put(key, &cacheEntry{key: key, resp: resp, stored: time.Now()})
}

// keepGzip keeps gz, the compressed body of resp, with resp while resp is
// the answer cached for key, counting its bytes against the bound.
func (c *responseCache) keepGzip(key string, resp *apiResponse, gz []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries.Get(key)
	if !ok || e.resp != resp || resp.gzipped.Load() != nil {
		return
	}
	if entryCost(key, resp)+int64(cap(gz)) > c.maxEntry {
		return
	}
	resp.gzipped.Store(&gz)
	c.entries.Put(key, e) // again, to count the gzip bytes
}

func (c *responseCache) resetLocked(gen uint64) {
	c.generation = gen
	c.entries.Clear()
}

// entryCost is what an entry holds: the capacity of its bodies, not their
// length, since a body built in a larger buffer keeps all of it.
func entryCost(key string, resp *apiResponse) int64 {
	return int64(len(key)+cap(resp.body)+cap(resp.gzip())+len(resp.etag)+len(resp.link)) + cacheEntryOverhead
}

// stats returns the number of entries and their cost, for tests.
func (c *responseCache) stats() (entries int, bytes int64) {
	return c.entries.Len(), c.entries.Cost()
}

// flightGroup lets concurrent requests for the same key and generation wait
// for one computation instead of each querying the store.
type flightGroup struct {
	mu    sync.Mutex
	calls map[flightKey]*flightCall
}

type flightKey struct {
	key string
	gen uint64
}

type flightCall struct {
	done chan struct{}
	resp *apiResponse
	err  error
}

// do runs fn once for concurrent callers with the same key and generation;
// shared reports that this caller received another caller's result.
func (g *flightGroup) do(key string, gen uint64, fn func() (*apiResponse, error)) (resp *apiResponse, shared bool, err error) {
	k := flightKey{key, gen}
	g.mu.Lock()
	if call, ok := g.calls[k]; ok {
		g.mu.Unlock()
		<-call.done
		return call.resp, true, call.err
	}
	// errFlightAborted stays when fn panics, so waiters compute for themselves.
	call := &flightCall{done: make(chan struct{}), err: errFlightAborted}
	if g.calls == nil {
		g.calls = map[flightKey]*flightCall{}
	}
	g.calls[k] = call
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.calls, k)
		g.mu.Unlock()
		close(call.done)
	}()
	call.resp, call.err = fn()
	return call.resp, false, call.err
}

var errFlightAborted = errors.New("shared computation aborted")

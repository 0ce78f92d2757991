package openapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/lru"
)

// Hash is the content hash definitions are cached by.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ErrStillLoading is returned when a load did not finish within the
// caller's wait; it keeps running and a later call gets its result.
var ErrStillLoading = errors.New("definition is still loading")

// ErrBusy is returned when too many definitions are loading at once.
var ErrBusy = errors.New("too many definitions are loading; try again shortly")

// Cache holds parsed definitions and summaries by content hash, in a small
// LRU. Loads of the same content are shared, at most MaxConcurrent loads run
// at once, and a caller waits at most Limits.Timeout.
type Cache struct {
	limits        Limits
	maxConcurrent chan struct{}

	mu        sync.Mutex // guards inflight, and defs against a second start
	defs      *lru.Cache[string, *load]
	summaries *lru.Cache[string, summaryEntry]
	inflight  map[string]*load
}

type load struct {
	done chan struct{}
	def  *Definition
	err  error
}

// CacheOptions configure a Cache; zero values mean defaults.
type CacheOptions struct {
	Limits        Limits
	MaxEntries    int // parsed definitions kept (default 8; GitHub's takes ~170 MB)
	MaxSummaries  int // summaries kept (default 256)
	MaxConcurrent int // loads running at once (default 2)
}

// NewCache returns an empty cache.
func NewCache(o CacheOptions) *Cache {
	if o.MaxEntries <= 0 {
		o.MaxEntries = 8
	}
	if o.MaxSummaries <= 0 {
		o.MaxSummaries = 256
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 2
	}
	return &Cache{
		limits:        o.Limits.withDefaults(),
		maxConcurrent: make(chan struct{}, o.MaxConcurrent),
		defs:          lru.New[string](int64(o.MaxEntries), lru.Count[*load]),
		summaries:     lru.New[string](int64(o.MaxSummaries), lru.Count[summaryEntry]),
		inflight:      map[string]*load{},
	}
}

type summaryEntry struct {
	sum *Summary
	err error
}

// Summary returns the cached summary of data, decoding it on a miss.
func (c *Cache) Summary(hash string, data []byte) (*Summary, error) {
	if e, ok := c.summaries.Get(hash); ok {
		return e.sum, e.err
	}
	var e summaryEntry
	if int64(len(data)) > c.limits.MaxBytes {
		e.err = fmt.Errorf("%w (%d bytes, limit %d)", ErrTooLarge, len(data), c.limits.MaxBytes)
	} else {
		e.sum, e.err = Summarize(data)
	}
	c.summaries.Put(hash, e)
	return e.sum, e.err
}

// Definition returns the parsed definition of data, loading it on a miss.
// It waits at most Limits.Timeout (or until ctx ends) and then returns
// ErrStillLoading. Errors are cached like results, so a hostile definition
// is parsed once.
func (c *Cache) Definition(ctx context.Context, hash string, data []byte, reader catalog.Reader) (*Definition, error) {
	l, err := c.start(hash, data, reader)
	if err != nil {
		return nil, err
	}
	select {
	case <-l.done:
		return l.def, l.err
	default:
	}
	wait, cancel := context.WithTimeout(ctx, c.limits.Timeout)
	defer cancel()
	select {
	case <-l.done:
		return l.def, l.err
	case <-wait.Done():
		return nil, fmt.Errorf("%w after %s", ErrStillLoading, c.limits.Timeout)
	}
}

// Warm starts loading data in the background if it is not cached, so the
// first operation a person expands is ready.
func (c *Cache) Warm(hash string, data []byte, reader catalog.Reader) {
	_, _ = c.start(hash, data, reader)
}

func (c *Cache) start(hash string, data []byte, reader catalog.Reader) (*load, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l, ok := c.defs.Get(hash); ok {
		return l, nil
	}
	if l, ok := c.inflight[hash]; ok {
		return l, nil
	}
	select {
	case c.maxConcurrent <- struct{}{}:
	default:
		return nil, ErrBusy
	}
	l := &load{done: make(chan struct{})}
	c.inflight[hash] = l
	go c.run(hash, data, reader, l)
	return l, nil
}

func (c *Cache) run(hash string, data []byte, reader catalog.Reader, l *load) {
	defer func() { <-c.maxConcurrent }()
	defer func() {
		c.mu.Lock()
		delete(c.inflight, hash)
		c.defs.Put(hash, l)
		c.mu.Unlock()
		close(l.done)
	}()
	// Parse recovers from panics in kin-openapi: they cost this
	// definition, not the process.
	def, err := Parse(context.Background(), data, reader, c.limits)
	l.def, l.err = def, err
}

// Loaded returns the outcome of a load of hash that has finished — the
// definition, or the error that stopped it — without starting or waiting
// for one; done is false when there is none yet.
func (c *Cache) Loaded(hash string) (def *Definition, done bool, err error) {
	l, ok := c.defs.Get(hash)
	if !ok {
		return nil, false, nil
	}
	return l.def, true, l.err
}

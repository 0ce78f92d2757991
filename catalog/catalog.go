package catalog

import (
	"context"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Catalog. The zero value is usable: a discarding
// logger, the built-in kinds (see Kind) allowed, no extra processors.
type Options struct {
	// Logger receives ingest logs; nil discards them.
	Logger *slog.Logger
	// AllowedKinds is catalog.rules' allow-list of kinds (case-insensitive);
	// empty allows every registered kind.
	AllowedKinds []string
	// Processors run after the built-in steps (placeholders, validation,
	// then the spec-order processor), in order.
	Processors []Processor
	// Workers bounds the goroutines that process one mutation; zero means
	// one per CPU.
	Workers int
	// OrphanStrategy is catalog.orphanStrategy: OrphanKeep (the default)
	// keeps an entity its Location stops emitting and marks it orphaned;
	// OrphanDelete deletes it.
	OrphanStrategy string
}

// Orphan strategies, as Backstage's catalog.orphanStrategy.
const (
	OrphanKeep   = "keep"
	OrphanDelete = "delete"
)

// Applied is what a CommitHook learns about one apply of a provider's
// mutation: its result, how long it took and, when it failed, why.
type Applied struct {
	Provider string
	Result   ApplyResult
	// Duration is the whole Apply (processing and writing), or the write
	// alone for ApplyPrepared.
	Duration time.Duration
	// Err is set when the mutation was not written; nothing changed then.
	Err error
	// Removal is true for an entity deleted by RemoveEntity rather than a
	// mutation of the provider.
	Removal bool
	// Entities are the mutation's processed entities, when it was written
	// (the store wrote those without problems it did not reject: compare
	// the stored content hash). Hooks must not modify them.
	Entities []ProcessedEntity
}

// CommitHook is called after every apply of a mutation, written or failed
// (Applied.Err), e.g. to update ingest metrics or readiness. It runs on the
// applying goroutine and must be quick.
type CommitHook func(ctx context.Context, a Applied)

// Catalog is the ingest pipeline in front of a Store: it processes each
// mutation (placeholders, validation, processors, relations) and writes it
// in one transaction. Apply is implemented in ingest.go.
type Catalog struct {
	store   Store
	logger  *slog.Logger
	allowed map[string]bool
	workers int
	kinds   atomic.Pointer[kindSet] // read by every entity; AddKind swaps it

	orphanStrategy string

	mu         sync.RWMutex
	processors []Processor
	hooks      []CommitHook
	locations  LocationService

	problems problemLog
}

// New returns a Catalog writing to store.
func New(store Store, opts Options) *Catalog {
	c := &Catalog{
		store:          store,
		logger:         opts.Logger,
		workers:        opts.Workers,
		orphanStrategy: opts.OrphanStrategy,
		processors:     append([]Processor{specOrder}, opts.Processors...),
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	ks := newKindSet()
	c.kinds.Store(&ks)
	if c.workers <= 0 {
		c.workers = runtime.GOMAXPROCS(0)
	}
	if len(opts.AllowedKinds) > 0 {
		c.allowed = make(map[string]bool, len(opts.AllowedKinds))
		for _, k := range opts.AllowedKinds {
			c.allowed[strings.ToLower(k)] = true
		}
	}
	return c
}

// Store returns the read side.
func (c *Catalog) Store() Store { return c.store }

// AddProcessor appends p to the processors every entity passes through;
// this is the catalog's AddProcessor extension point.
func (c *Catalog) AddProcessor(p Processor) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.processors = append(c.processors, p)
}

// AddCommitHook registers h to run after every apply, written or failed.
func (c *Catalog) AddCommitHook(h CommitHook) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hooks = append(c.hooks, h)
}

func (c *Catalog) snapshot() ([]Processor, []CommitHook) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.processors, c.hooks
}

// kindAllowed reports whether catalog.rules allow kind.
func (c *Catalog) kindAllowed(kind string) bool {
	return c.allowed == nil || c.allowed[strings.ToLower(kind)]
}

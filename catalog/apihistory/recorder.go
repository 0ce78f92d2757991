package apihistory

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/openapi"
)

// maxAttempts is how many flushes a noted definition waits to be found in
// the store (its mutation still being written, or the entity rejected)
// before it is forgotten.
const maxAttempts = 5

// Recorder records API definitions as the catalog ingests them. Its
// processor notes each API whose definition differs from the current
// version it knows (a hash compare: unchanged syncs cost no query); its
// commit hook wakes Run, which reads the noted APIs back from the store,
// so only committed definitions are recorded, off the ingest transaction,
// and then diffs each new version against the previous one.
type Recorder struct {
	hist   *Store
	store  catalog.Store
	log    *slog.Logger
	limits openapi.Limits

	headsOnce sync.Once
	mu        sync.Mutex
	heads     map[string]string         // entity key → current hash
	pending   map[string]map[string]int // entity key → noted hash → flushes waited
	sizes     map[string]int            // entity key → size of the last noted definition
	wake      chan struct{}
	quiet     time.Duration
	maxDelay  time.Duration
	hold      func() bool

	flights  flights
	failures map[pair]error // pairs that cannot be diffed (guarded by mu)

	onArrival ArrivedFunc
}

// RecorderOptions configure NewRecorder.
type RecorderOptions struct {
	Logger *slog.Logger
	// Limits bound loading definitions for diffs; zero means defaults.
	Limits openapi.Limits
	// Arrived, when set, hears of each new version whose diff against the
	// previous one was computed (see arrived.go).
	Arrived ArrivedFunc
	// Quiet is how long Run waits after a commit for the next one before
	// it records (default DefaultQuiet); MaxDelay bounds that wait under
	// a steady stream of commits (default DefaultMaxDelay).
	Quiet, MaxDelay time.Duration
	// Hold, when set, makes Run wait while it returns true (up to
	// MaxDelay), e.g. until the first load of every location is written:
	// under load a bulk load's commits can be seconds apart.
	Hold func() bool
}

// Run's defaults. A bulk load commits many mutations back to back;
// recording between them made the catalog's writer connection drop its
// page cache after every history write (another connection changed the
// database) and re-read the indexes it had just written, which cost more
// than the recording itself. Waiting until the commits pause records the
// whole load in one pass, after it.
const (
	DefaultQuiet    = time.Second
	DefaultMaxDelay = 2 * time.Minute
)

// NewRecorder returns a recorder writing to hist and reading entities
// from st.
func NewRecorder(hist *Store, st catalog.Store, opts RecorderOptions) *Recorder {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Quiet <= 0 {
		opts.Quiet = DefaultQuiet
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = DefaultMaxDelay
	}
	return &Recorder{
		hist: hist, store: st, log: opts.Logger, limits: opts.Limits, onArrival: opts.Arrived,
		quiet: opts.Quiet, maxDelay: opts.MaxDelay, hold: opts.Hold,
		pending: map[string]map[string]int{},
		sizes:   map[string]int{},
		wake:    make(chan struct{}, 1),
	}
}

// Processor notes API entities whose definition is not the current
// version; it changes nothing.
func (r *Recorder) Processor() catalog.Processor {
	return catalog.ProcessorFunc{ID: "api-history", Fn: func(ctx context.Context, pc *catalog.ProcessContext) error {
		e := pc.Entity
		if !strings.EqualFold(e.Kind, "API") {
			return nil
		}
		def := e.Definition()
		if len(def) == 0 {
			return nil
		}
		r.note(ctx, e.Ref().Key(), Hash(def), len(def))
		return nil
	}}
}

func (r *Recorder) note(ctx context.Context, key, hash string, size int) {
	r.headsOnce.Do(func() {
		heads, err := r.hist.Heads(ctx)
		if err != nil {
			// Every API is then noted once; Record still adds nothing
			// for a definition already current.
			r.log.Warn("api history: read current versions", "err", err)
			heads = map[string]string{}
		}
		r.mu.Lock()
		r.heads = heads
		r.mu.Unlock()
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.heads[key] == hash {
		return
	}
	if r.pending[key] == nil {
		r.pending[key] = map[string]int{}
	}
	if _, ok := r.pending[key][hash]; !ok {
		r.pending[key][hash] = 0
	}
	r.sizes[key] = size
}

// CommitHook wakes Run after a mutation commits (a failed apply wrote
// nothing to record).
func (r *Recorder) CommitHook() catalog.CommitHook {
	return func(_ context.Context, a catalog.Applied) {
		if a.Err != nil {
			return
		}
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

// Run records noted definitions once commits pause (Quiet after the
// latest, at most MaxDelay after the first), until ctx ends.
func (r *Recorder) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		}
		if !r.settle(ctx) {
			return
		}
		r.Flush(ctx)
	}
}

// settle waits until no commit has woken the recorder for r.quiet and
// nothing holds it, or r.maxDelay has passed; false when ctx ended.
func (r *Recorder) settle(ctx context.Context) bool {
	deadline := time.Now().Add(r.maxDelay)
	t := time.NewTimer(r.quiet)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			if r.hold == nil || !r.hold() || !time.Now().Before(deadline) {
				return true
			}
			t.Reset(min(r.quiet, time.Until(deadline)))
		case <-r.wake:
			t.Reset(min(r.quiet, time.Until(deadline)))
		}
	}
}

// Pending is the number of APIs with noted definitions not yet recorded.
func (r *Recorder) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending)
}

// Flush reads and records noted APIs in chunks of at most flushBatch
// APIs and flushBytes of definitions (a catalog of large definitions
// must not be read into memory at once), one transaction per chunk.
const (
	flushBatch = 200
	flushBytes = 16 << 20
)

// Flush records the noted definitions that the store now holds, then
// computes the diff of each new version against the one before it.
func (r *Recorder) Flush(ctx context.Context) {
	var fresh []Version
	for _, chunk := range r.chunks() {
		if ctx.Err() != nil {
			return
		}
		fresh = append(fresh, r.recordChunk(ctx, chunk)...)
	}
	for _, v := range fresh {
		if v.PrevID == 0 || !apidiff.Diffable(v.SpecType) {
			continue
		}
		rep, err := r.DiffBetween(ctx, v.PrevID, v.ID)
		if err != nil {
			r.log.Warn("api history: diff against the previous version", "entity", v.EntityKey, "err", err)
			continue
		}
		r.arrived(ctx, v, rep)
	}
}

// chunks splits the noted APIs into Flush's chunks.
func (r *Recorder) chunks() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	keys := make([]string, 0, len(r.pending))
	for k := range r.pending {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out [][]string
	var cur []string
	bytes := 0
	for _, k := range keys {
		if len(cur) > 0 && (len(cur) >= flushBatch || bytes+r.sizes[k] > flushBytes) {
			out, cur, bytes = append(out, cur), nil, 0
		}
		cur, bytes = append(cur, k), bytes+r.sizes[k]
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// recordChunk records the stored definitions of keys that the processor
// noted, in one transaction, and returns the versions that became current.
func (r *Recorder) recordChunk(ctx context.Context, keys []string) []Version {
	refs := make([]catalog.Ref, 0, len(keys))
	valid := keys[:0:0]
	for _, key := range keys {
		ref, err := catalog.ParseRef(key, "API", catalog.DefaultNamespace)
		if err != nil {
			r.forget(key, "")
			continue
		}
		refs, valid = append(refs, ref), append(valid, key)
	}
	stored, err := r.store.ByRefs(ctx, refs, catalog.Filter{})
	if err != nil {
		r.log.Warn("api history: read entities", "err", err)
		for _, key := range valid {
			r.wait(key)
		}
		return nil
	}
	var items []Item
	for i, se := range stored {
		if it, ok := r.item(valid[i], se); ok {
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return nil
	}
	res, err := r.hist.RecordAll(ctx, items)
	if err != nil {
		r.log.Warn("api history: record versions", "err", err)
		for _, it := range items {
			r.wait(it.Version.EntityKey)
		}
		return nil
	}
	var fresh []Version
	for _, rec := range res {
		r.forget(rec.Version.EntityKey, rec.Version.Hash)
		if rec.Changed {
			r.log.Debug("api history: new version", "entity", rec.Version.EntityKey, "version", rec.Version.InfoVersion, "id", rec.Version.ID)
			fresh = append(fresh, rec.Version)
		}
	}
	return fresh
}

// item is what to record for key, stored as se, when its stored
// definition is one the processor noted.
func (r *Recorder) item(key string, se *catalog.StoredEntity) (Item, bool) {
	if se == nil {
		// Not stored yet: the processor notes an entity before its
		// mutation is written (a bulk load prepares the next batch while
		// the recorder flushes), so wait for a later flush; one that was
		// rejected or removed is forgotten after maxAttempts.
		r.wait(key)
		return Item{}, false
	}
	e, annotations, err := decodeAPI(se.JSON)
	if err != nil {
		r.forget(key, "")
		return Item{}, false
	}
	def := e.Definition()
	hash := Hash(def)
	r.mu.Lock()
	_, noted := r.pending[key][hash]
	r.mu.Unlock()
	if !noted || len(def) == 0 {
		r.wait(key)
		return Item{}, false
	}
	return Item{Version: Version{
		EntityKey:   key,
		Hash:        hash,
		SpecType:    e.SpecString("type"),
		InfoVersion: infoVersion(def),
		Provider:    se.Provider,
		Location:    annotations[catalog.AnnotationManagedByLocation],
	}, Definition: def}, true
}

// decodeAPI decodes the spec and annotations of a stored entity, all a
// version needs: decoding the whole entity cost a third of recording a
// cold ingest.
func decodeAPI(data []byte) (*catalog.Entity, map[string]string, error) {
	var e struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
		Spec map[string]any `json:"spec"`
	}
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, nil, err
	}
	return &catalog.Entity{Spec: e.Spec}, e.Metadata.Annotations, nil
}

// forget drops key's noted definition hash (all of them when hash is
// empty) and makes a recorded hash the head.
func (r *Recorder) forget(key, hash string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if hash != "" && r.heads != nil {
		r.heads[key] = hash
	}
	delete(r.pending[key], hash)
	if hash == "" || len(r.pending[key]) == 0 {
		delete(r.pending, key)
		delete(r.sizes, key)
	}
}

// wait counts a flush that did not find key's noted definitions stored.
func (r *Recorder) wait(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for h, n := range r.pending[key] {
		if n+1 >= maxAttempts {
			delete(r.pending[key], h)
		} else {
			r.pending[key][h] = n + 1
		}
	}
	if len(r.pending[key]) == 0 {
		delete(r.pending, key)
		delete(r.sizes, key)
	}
}

// DiffBetween returns the diff from one version of an API to another:
// the cached report, or one computed now (once, however many callers ask)
// and cached.
func (r *Recorder) DiffBetween(ctx context.Context, from, to int64) (*apidiff.Report, error) {
	if rep, err := r.hist.Diff(ctx, from, to); err == nil || !errors.Is(err, ErrNotFound) {
		return rep, err
	}
	k := pair{from, to}
	if err := r.failed(k); err != nil {
		return nil, err
	}
	return r.flights.do(k, func() (*apidiff.Report, error) {
		rep, err := r.computeDiff(ctx, from, to)
		if catalog.ErrorCode(err) == catalog.EINVALID {
			r.remember(k, err)
		}
		return rep, err
	})
}

// maxFailures bounds the pairs remembered as not diffable.
const maxFailures = 256

// failed returns the error a pair failed with before: a definition that
// cannot be loaded (or a type that is not diffed) fails the same way every
// time, and loading a large one costs seconds.
func (r *Recorder) failed(k pair) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failures[k]
}

func (r *Recorder) remember(k pair, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failures == nil || len(r.failures) >= maxFailures {
		r.failures = map[pair]error{}
	}
	r.failures[k] = err
}

func (r *Recorder) computeDiff(ctx context.Context, from, to int64) (*apidiff.Report, error) {
	a, err := r.hist.Get(ctx, from)
	if err != nil {
		return nil, err
	}
	b, err := r.hist.Get(ctx, to)
	if err != nil {
		return nil, err
	}
	if a.EntityKey != b.EntityKey {
		return nil, catalog.Errorf(catalog.EINVALID, "versions %d and %d belong to different APIs", from, to)
	}
	if !strings.EqualFold(a.SpecType, b.SpecType) || !apidiff.Diffable(b.SpecType) {
		return nil, catalog.Errorf(catalog.EINVALID, "only two OpenAPI, AsyncAPI, GraphQL or gRPC definitions are diffed (versions are %s and %s)", a.SpecType, b.SpecType)
	}
	da, err := r.hist.Definition(ctx, from)
	if err != nil {
		return nil, err
	}
	db, err := r.hist.Definition(ctx, to)
	if err != nil {
		return nil, err
	}
	rep, err := apidiff.Definitions(ctx, b.SpecType,
		apidiff.Input{Name: versionName(a), Data: da},
		apidiff.Input{Name: versionName(b), Data: db}, r.limits)
	if err != nil {
		// A definition that cannot be loaded is the API's problem.
		return nil, catalog.Errorf(catalog.EINVALID, "%v", err)
	}
	if err := r.hist.SaveDiff(ctx, from, to, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

func versionName(v Version) string {
	if v.InfoVersion != "" {
		return v.EntityKey + " version " + v.InfoVersion
	}
	return v.EntityKey + " of " + v.CurrentSince.Format("2006-01-02 15:04")
}

type pair struct{ from, to int64 }

// flights runs one computation per pair at a time; callers asking for a
// pair in flight wait for its result.
type flights struct {
	mu sync.Mutex
	m  map[pair]*flight
}

type flight struct {
	done chan struct{}
	rep  *apidiff.Report
	err  error
}

func (f *flights) do(k pair, fn func() (*apidiff.Report, error)) (*apidiff.Report, error) {
	f.mu.Lock()
	if f.m == nil {
		f.m = map[pair]*flight{}
	}
	if c, ok := f.m[k]; ok {
		f.mu.Unlock()
		<-c.done
		return c.rep, c.err
	}
	c := &flight{done: make(chan struct{})}
	f.m[k] = c
	f.mu.Unlock()
	c.rep, c.err = fn()
	close(c.done)
	f.mu.Lock()
	delete(f.m, k)
	f.mu.Unlock()
	return c.rep, c.err
}

package apihistory

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"
	"weak"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/openapi"
)

// maxAttempts is how many flushes a noted definition waits to be found in
// the store (its mutation still being written, or the entity rejected)
// before it is forgotten.
const maxAttempts = 5

// Recorder records API definitions as the catalog ingests them; register
// both its Processor and its CommitHook with the catalog. Its
// processor notes each API whose definition differs from the current
// version it knows (a hash compare: unchanged syncs cost no query), with
// what the version row needs (info.version, source); its commit hook
// learns the content hash each noted entity was written with and wakes
// Run, which checks that hash against the store's (reading no bodies), so
// only committed definitions are recorded, off the ingest transaction,
// and then diffs each new version against the previous one.
//
// A current version is stored without its body (the entity holds it; see
// Store): when the processor sees a new definition it first stores the
// body of the version it replaces, read from the entity before the new
// one is written; when the entity is removed, the catalog store's
// transaction that deletes it stores that body (Store.KeepRemovedFrom).
type Recorder struct {
	hist   *Store
	store  catalog.Store
	log    *slog.Logger
	limits openapi.Limits

	headsOnce sync.Once
	mu        sync.Mutex
	heads     map[string]Head             // entity key → current version
	pending   map[string]map[string]*note // entity key → noted hash → note
	wake      chan struct{}
	quiet     time.Duration
	maxDelay  time.Duration
	hold      func() bool

	flights  flights
	failures map[pair]error // pairs that cannot be diffed (guarded by mu)

	onArrival ArrivedFunc
}

// note is a definition the processor saw and the recorder has not
// recorded yet.
type note struct {
	version Version // EntityKey, Hash, Size, SpecType, InfoVersion, source
	entity  weak.Pointer[catalog.Entity]
	content string // the entity's content hash, once its mutation committed
	waited  int    // flushes that did not find it stored
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
		pending: map[string]map[string]*note{},
		wake:    make(chan struct{}, 1),
	}
}

// Processor notes API entities whose definition is not the current
// version; it changes nothing in the entity.
func (r *Recorder) Processor() catalog.Processor {
	return catalog.ProcessorFunc{ID: "api-history", Fn: func(ctx context.Context, pc *catalog.ProcessContext) error {
		e := pc.Entity
		if !strings.EqualFold(e.Kind, "API") {
			return nil
		}
		def := definition(e)
		if len(def) == 0 {
			return nil
		}
		key, hash := e.Ref().Key(), Hash(def)
		head, changed := r.changed(ctx, key, hash)
		if !changed {
			return nil
		}
		if head.Hash != "" && !head.Kept {
			r.keep(ctx, key, head.Hash)
		}
		r.note(key, e, Version{
			EntityKey:   key,
			Hash:        hash,
			Size:        int64(len(def)),
			SpecType:    e.SpecString("type"),
			InfoVersion: infoVersion(def),
			Provider:    pc.Provider,
			Location:    e.Metadata.Annotations[catalog.AnnotationManagedByLocation],
			RunID:       catalog.RunOf(ctx),
			Revision:    revision(pc.Source.Reader),
		})
		return nil
	}}
}

// definition is e's definition, as Entity.Definition returns it but
// without copying an inline one (a string): the processor only reads it,
// and copying every definition of a 10k ingest (110 MB) cost as much CPU
// as hashing them.
func definition(e *catalog.Entity) []byte {
	if s, ok := e.Spec["definition"].(string); ok {
		return unsafe.Slice(unsafe.StringData(s), len(s)) // read only
	}
	return e.Definition()
}

// revisioned is a location's Reader that knows the revision it read (the
// S3 provider's: the object's ETag).
type revisioned interface{ Revision() string }

func revision(r catalog.Reader) string {
	if rv, ok := r.(revisioned); ok {
		return rv.Revision()
	}
	return ""
}

// changed reports whether hash is not key's current version, and that
// version.
func (r *Recorder) changed(ctx context.Context, key, hash string) (Head, bool) {
	r.headsOnce.Do(func() {
		heads, err := r.hist.Heads(ctx)
		if err != nil {
			// Every API is then noted once; Record still adds nothing
			// for a definition already current.
			r.log.Warn("api history: read current versions", "err", err)
			heads = map[string]Head{}
		}
		r.mu.Lock()
		r.heads = heads
		r.mu.Unlock()
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	head := r.heads[key]
	return head, head.Hash != hash
}

// keep stores the body of key's current version, stored without one,
// before the entity that holds it is replaced: the stored entity is still
// the one of that version (a processor runs before its mutation is
// written). When it is not, the body was kept when the entity was
// removed (Store.KeepRemovedFrom), or by another replica; failing both
// (the process stopped between writing a new definition and recording
// it), it is lost and diffs with that version fail with ErrNotKept.
func (r *Recorder) keep(ctx context.Context, key, hash string) {
	def, err := currentDefinition(ctx, r.store, key)
	if err == nil && def != nil && Hash(def) == hash {
		_, err = r.hist.Keep(ctx, key, hash, def)
	} else if err == nil {
		// Another replica may have kept it (and written the new one).
		var kept bool
		if kept, err = r.hist.kept(ctx, key, hash); err == nil && !kept {
			r.log.Warn("api history: the replaced definition is no longer stored; diffs with it will fail", "entity", key)
		}
	}
	if err != nil {
		r.log.Warn("api history: keep the replaced definition", "entity", key, "err", err)
		return // tried again when the entity is processed next
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if h, ok := r.heads[key]; ok && h.Hash == hash {
		h.Kept = true
		r.heads[key] = h
	}
}

func (r *Recorder) note(key string, e *catalog.Entity, v Version) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending[key] == nil {
		r.pending[key] = map[string]*note{}
	}
	n := r.pending[key][v.Hash]
	if n == nil {
		n = &note{}
		r.pending[key][v.Hash] = n
	}
	n.version, n.entity = v, weak.Make(e)
}

// CommitHook learns the content hash each noted entity of a written
// mutation was stored with, and wakes Run (a failed apply wrote nothing
// to record).
func (r *Recorder) CommitHook() catalog.CommitHook {
	return func(_ context.Context, a catalog.Applied) {
		if a.Err != nil {
			return
		}
		r.committed(a.Entities)
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

func (r *Recorder) committed(entities []catalog.ProcessedEntity) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) == 0 {
		return
	}
	for i := range entities {
		pe := &entities[i]
		if pe.Entity == nil || pe.Hash == "" {
			continue
		}
		for _, n := range r.pending[pe.Ref.Key()] {
			if n.entity.Value() == pe.Entity {
				n.content = pe.Hash
			}
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

// flushBatch is how many APIs Flush records per transaction.
const flushBatch = 500

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

// chunks splits the noted APIs into Flush's chunks of flushBatch keys.
func (r *Recorder) chunks() [][]string {
	r.mu.Lock()
	keys := make([]string, 0, len(r.pending))
	for k := range r.pending {
		keys = append(keys, k)
	}
	r.mu.Unlock()
	slices.Sort(keys)
	var out [][]string
	for len(keys) > 0 {
		n := min(len(keys), flushBatch)
		out, keys = append(out, keys[:n]), keys[n:]
	}
	return out
}

// headerReader is the catalog store's read of entities without bodies.
type headerReader interface {
	HeadersByRefs(ctx context.Context, refs []catalog.Ref) ([]*catalog.StoredEntity, error)
}

// recordChunk records, in one transaction, the noted definitions of keys
// whose entity the store holds as it was written after being noted, and
// returns the versions that became current.
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
	var stored []*catalog.StoredEntity
	var err error
	if hr, ok := r.store.(headerReader); ok {
		stored, err = hr.HeadersByRefs(ctx, refs)
	} else {
		stored, err = r.store.ByRefs(ctx, refs, catalog.Filter{})
	}
	if err != nil {
		r.log.Warn("api history: read entities", "err", err)
		for _, key := range valid {
			r.wait(key)
		}
		return nil
	}
	var items []Item
	for i, se := range stored {
		if v, ok := r.stored(valid[i], se); ok {
			items = append(items, Item{Version: v})
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

// stored is the noted version of key that the store holds as se, if any.
// A noted definition not stored yet waits for a later flush (a bulk load
// notes the next batch while the recorder flushes); one that was rejected,
// replaced or removed is forgotten after maxAttempts.
func (r *Recorder) stored(key string, se *catalog.StoredEntity) (Version, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if se != nil {
		for _, n := range r.pending[key] {
			if n.content != "" && n.content == se.Hash {
				return n.version, true
			}
		}
	}
	r.waitLocked(key)
	return Version{}, false
}

// forget drops key's noted definition hash (all of them when hash is
// empty) and makes a recorded hash the head, kept or not as the store
// has it: a recorded version is stored without its body, or is one seen
// before, stored with it.
func (r *Recorder) forget(key, hash string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if hash != "" && r.heads != nil {
		r.heads[key] = Head{Hash: hash}
	}
	delete(r.pending[key], hash)
	if hash == "" || len(r.pending[key]) == 0 {
		delete(r.pending, key)
	}
}

// wait counts a flush that did not find key's noted definitions stored.
func (r *Recorder) wait(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waitLocked(key)
}

func (r *Recorder) waitLocked(key string) {
	for h, n := range r.pending[key] {
		if n.waited+1 >= maxAttempts {
			delete(r.pending[key], h)
		} else {
			n.waited++
		}
	}
	if len(r.pending[key]) == 0 {
		delete(r.pending, key)
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
	da, err := r.hist.definition(ctx, from, r.store)
	if err != nil {
		return nil, err
	}
	db, err := r.hist.definition(ctx, to, r.store)
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

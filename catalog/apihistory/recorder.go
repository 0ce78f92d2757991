package apihistory

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	"github.com/porticohq/portico/catalog/store"
)

// maxAttempts is how many flushes a noted definition waits to be found in
// the store (its mutation still being written, or the entity rejected)
// before it is forgotten.
const maxAttempts = 5

// Recorder records API definitions as the catalog ingests them: register
// it with the catalog store (WatchWritesOf), and its Processor and
// CommitHook with the catalog. The store's write hook hands it the API
// entities a mutation inserts or rewrites — new, or stored with another
// content hash — inside the mutation's transaction, so an unchanged
// entity, and so an unchanged restart, costs history nothing; of those,
// it notes the ones whose definition changed. Its commit hook learns that
// the mutation committed and, for each noted entity, takes what the
// version row needs (definition hash, info.version, source), then wakes
// Run, which records the versions off the ingest transaction (checking
// the content hash against the store's, reading no bodies) and then
// diffs each new version against the previous one.
//
// A current version is stored without its body (the entity holds it; see
// Store): the write hook stores the body of the version a new definition
// replaces, read from the entity in the transaction that overwrites it;
// when the entity is removed, the catalog store's transaction that
// deletes it stores that body (Store.KeepRemovedFrom).
type Recorder struct {
	hist   *Store
	store  catalog.Store
	log    *slog.Logger
	limits openapi.Limits

	mu        sync.Mutex
	writing   map[weak.Pointer[catalog.Entity]]struct{} // noted by the write hook, not committed yet
	revisions map[weak.Pointer[catalog.Entity]]string   // the location revision each entity was read at
	pending   map[string]map[string]*note               // entity key → noted hash → note
	wake      chan struct{}
	quiet     time.Duration
	maxDelay  time.Duration
	hold      func() bool

	flights  flights
	failures map[pair]error // pairs that cannot be diffed (guarded by mu)

	onArrival ArrivedFunc
}

// note is a committed definition the recorder has not recorded yet.
type note struct {
	version Version // EntityKey, Hash, Size, SpecType, InfoVersion, source
	content string  // the entity's content hash as its mutation wrote it
	waited  int     // flushes that did not find it stored
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
		writing:   map[weak.Pointer[catalog.Entity]]struct{}{},
		revisions: map[weak.Pointer[catalog.Entity]]string{},
		pending:   map[string]map[string]*note{},
		wake:      make(chan struct{}, 1),
	}
}

// Writer is the catalog store's hook on writes (catalog/store.Store).
type Writer interface {
	BeforeWrite(kind string, h store.WriteHook)
}

// WatchWritesOf makes the recorder hear of the API entities st writes.
// Call it once, after the history tables exist (Store.Migrate) and before
// the catalog writes; without it nothing is recorded.
func (r *Recorder) WatchWritesOf(st Writer) {
	st.BeforeWrite("API", r.beforeWrite)
}

// beforeWrite runs in the transaction that writes new or changed API
// entities. An API with no version yet (all of a cold ingest) gets its
// first version here, in that transaction: a few rows per mutation on the
// writer's connection, with no diff to compute, so nothing is left to do
// after the load. Of the others it notes those whose definition changed
// (a rewrite of metadata or relations alone adds no version), for Run to
// record after the commit and diff, and stores the body of each replaced
// definition, read from the entity about to be overwritten, when its
// version was stored without one: it commits with the new definition, so
// there is no moment, and no crash, after which it is lost.
func (r *Recorder) beforeWrite(ctx context.Context, tx *sql.Tx, writing []store.Writing) error {
	var noted []weak.Pointer[catalog.Entity]
	var replaced []keptDefinition
	var fresh []store.Writing // new entities: first versions, unless the API had some
	for _, w := range writing {
		pe := w.Entity
		if pe.Entity == nil || len(pe.Problems) > 0 {
			continue
		}
		def := definition(pe.Entity)
		if len(def) == 0 {
			continue
		}
		if w.Old == nil {
			fresh = append(fresh, w)
			continue
		}
		old, err := bodyDefinition(w.Key, w.Old)
		if err == nil && bytes.Equal(old, def) {
			continue
		}
		if err == nil && len(old) > 0 {
			replaced = append(replaced, keptDefinition{key: w.Key, def: old})
		}
		noted = append(noted, weak.Make(pe.Entity))
	}
	if err := r.hist.keepDefinitions(ctx, tx, replaced); err != nil {
		return err
	}
	if len(fresh) > 0 {
		keys := make([]string, len(fresh))
		for i, w := range fresh {
			keys[i] = w.Key
		}
		known, err := r.hist.versioned(ctx, tx, keys)
		if err != nil {
			return fmt.Errorf("api history: %w", err)
		}
		var firsts []Version
		run := catalog.RunOf(ctx)
		for _, w := range fresh {
			if known[w.Key] {
				// Removed and back: Run records it as any change.
				noted = append(noted, weak.Make(w.Entity.Entity))
				continue
			}
			known[w.Key] = true // a key written twice by one mutation
			firsts = append(firsts, r.version(w.Key, w.Entity, w.Provider, run, r.takeRevision(w.Entity.Entity)))
		}
		if err := r.hist.insertFirstVersions(ctx, tx, firsts); err != nil {
			return fmt.Errorf("api history: %w", err)
		}
		if len(firsts) > 0 {
			if err := r.hist.statsAfterFirsts(ctx, tx, r.log); err != nil {
				return fmt.Errorf("api history: %w", err)
			}
		}
	}
	if len(noted) == 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range noted {
		r.writing[p] = struct{}{}
	}
	return nil
}

// version is the version row of pe's definition.
func (r *Recorder) version(key string, pe *catalog.ProcessedEntity, provider, run, revision string) Version {
	e := pe.Entity
	def := definition(e)
	return Version{
		EntityKey:   key,
		Hash:        Hash(def),
		Size:        int64(len(def)),
		SpecType:    e.SpecString("type"),
		InfoVersion: infoVersion(def),
		Provider:    provider,
		Location:    e.Metadata.Annotations[catalog.AnnotationManagedByLocation],
		RunID:       run,
		Revision:    revision,
	}
}

// takeRevision returns and forgets the revision the processor saw e read at.
func (r *Recorder) takeRevision(e *catalog.Entity) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.revisions) == 0 {
		return ""
	}
	p := weak.Make(e)
	rev := r.revisions[p]
	delete(r.revisions, p)
	return rev
}

// Processor remembers the revision of the location each API entity read
// through a revisioned reader (S3) was read at, for its version's source;
// it changes nothing in the entity and costs other entities nothing.
func (r *Recorder) Processor() catalog.Processor {
	return catalog.ProcessorFunc{ID: "api-history", Fn: func(ctx context.Context, pc *catalog.ProcessContext) error {
		rv, ok := pc.Source.Reader.(revisioned)
		if !ok || !strings.EqualFold(pc.Entity.Kind, "API") {
			return nil
		}
		rev := rv.Revision()
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.revisions) >= maxRevisions {
			r.sweepLocked()
		}
		r.revisions[weak.Make(pc.Entity)] = rev
		return nil
	}}
}

// maxRevisions bounds the revisions remembered for entities whose
// mutation has not committed (or never will: it failed).
const maxRevisions = 1 << 16

// sweepLocked forgets what was noted for entities that are gone (their
// mutation failed, so the commit hook never saw them).
func (r *Recorder) sweepLocked() {
	for p := range r.revisions {
		if p.Value() == nil {
			delete(r.revisions, p)
		}
	}
	for p := range r.writing {
		if p.Value() == nil {
			delete(r.writing, p)
		}
	}
}

// definition is e's definition, as Entity.Definition returns it but
// without copying an inline one (a string): the recorder only reads it,
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

// CommitHook notes, for each entity of a written mutation that the write
// hook saw with a new definition, the version to record (hashing its
// definition), and wakes Run. A failed apply wrote nothing to record.
func (r *Recorder) CommitHook() catalog.CommitHook {
	return func(ctx context.Context, a catalog.Applied) {
		if a.Err != nil {
			r.mu.Lock()
			r.sweepLocked()
			r.mu.Unlock()
			return
		}
		if r.committed(ctx, a) {
			select {
			case r.wake <- struct{}{}:
			default:
			}
		}
	}
}

// committed notes the written definitions of a; false when there were none.
func (r *Recorder) committed(ctx context.Context, a catalog.Applied) bool {
	type item struct {
		pe  *catalog.ProcessedEntity
		rev string
	}
	var items []item
	r.mu.Lock()
	if len(r.writing) == 0 && len(r.revisions) == 0 {
		r.mu.Unlock()
		return false
	}
	for i := range a.Entities {
		pe := &a.Entities[i]
		if pe.Entity == nil || !strings.EqualFold(pe.Entity.Kind, "API") {
			continue
		}
		p := weak.Make(pe.Entity)
		rev, hasRev := r.revisions[p]
		if hasRev {
			delete(r.revisions, p)
		}
		if _, ok := r.writing[p]; ok {
			delete(r.writing, p)
			items = append(items, item{pe, rev})
		}
	}
	r.mu.Unlock()
	if len(items) == 0 {
		return false
	}
	run := catalog.RunOf(ctx)
	versions := make([]Version, len(items))
	for i, it := range items {
		versions[i] = r.version(it.pe.Entity.Ref().Key(), it.pe, a.Provider, run, it.rev)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, v := range versions {
		if r.pending[v.EntityKey] == nil {
			r.pending[v.EntityKey] = map[string]*note{}
		}
		r.pending[v.EntityKey][v.Hash] = &note{version: v, content: items[i].pe.Hash}
	}
	return true
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
// empty).
func (r *Recorder) forget(key, hash string) {
	r.mu.Lock()
	defer r.mu.Unlock()
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
			// Stored too, so that the timeline and the feeds say why on
			// every replica; the diff itself is tried again after a
			// restart.
			if serr := r.hist.SaveDiffFailure(ctx, from, to, err.Error()); serr != nil {
				r.log.Warn("api history: record a failed diff", "from", from, "to", to, "err", serr)
			}
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

package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/porticohq/portico/catalog"
)

// stored is the state of a stored entity that Apply compares against.
type stored struct {
	id          int64
	uid         string
	refKey      string
	provider    string
	locationKey string
	location    string
	hash        string
	hasProblems bool
	orphaned    bool
}

// pending is an entity Apply will insert or rewrite.
type pending struct {
	pe   *catalog.ProcessedEntity
	key  string
	id   int64
	uid  string
	etag string
	body string
	// packed is body as stored, when the store compresses bodies and it
	// was compressed already (storedBody).
	packed []byte
	search []searchRow
	fts    string
	// problems are recorded on an entity inserted with them (a Storable
	// one).
	problems []catalog.Problem
	// rendered is set once body, search and fts are computed.
	rendered bool
}

// plan is what one mutation changes, decided before anything is written.
type plan struct {
	m              *catalog.StoreMutation
	inserts        []*pending
	updates        []*pending
	setProblems    map[int64][]catalog.Problem
	clearProblems  []any
	deletes        []*stored
	orphans        []*stored
	conflicts      []catalog.Conflict
	sourceProblems map[string][]catalog.Problem
	touchedRefs    []any
	locations      map[string]bool // sources read this run (delta: their problems are replaced)
	res            catalog.ApplyResult
}

// Apply writes one processed mutation in one transaction. A full mutation
// makes the provider's bucket exactly the given set, writing only what
// changed; a delta upserts Entities and removes Removed from the bucket.
// Claims on an entity another location key owns are rejected and recorded;
// invalid entities keep their last good version; entities read from a
// Failed source are kept.
func (s *Store) Apply(ctx context.Context, m catalog.StoreMutation) (catalog.ApplyResult, error) {
	res, err := s.apply(ctx, m)
	return res, explainDiskFull(err)
}

func (s *Store) apply(ctx context.Context, m catalog.StoreMutation) (catalog.ApplyResult, error) {
	if m.Type != catalog.Full && m.Type != catalog.Delta {
		return catalog.ApplyResult{}, catalog.Errorf(catalog.EINVALID, "apply: unknown mutation type %q", m.Type)
	}
	// Mutations are serialized: in this process by a mutex (so a long bulk
	// ingest never runs another mutation into SQLite's busy timeout), across
	// PostgreSQL replicas by a transaction-scoped advisory lock.
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	conn, err := s.writeConn(ctx)
	if err != nil {
		return catalog.ApplyResult{}, fmt.Errorf("apply %s: %w", m.Provider, err)
	}
	defer s.releaseWriteConn(conn)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return catalog.ApplyResult{}, fmt.Errorf("apply %s: begin: %w", m.Provider, err)
	}
	defer tx.Rollback()
	if s.dialect.name() == Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7007002)"); err != nil {
			return catalog.ApplyResult{}, fmt.Errorf("apply %s: lock: %w", m.Provider, err)
		}
	}
	p, err := s.plan(ctx, tx, &m)
	if err != nil {
		return catalog.ApplyResult{}, fmt.Errorf("apply %s: %w", m.Provider, err)
	}
	if err := s.write(ctx, tx, p); err != nil {
		return catalog.ApplyResult{}, fmt.Errorf("apply %s: %w", m.Provider, err)
	}
	anyConflicts := hasConflicts(ctx, tx)
	if err := tx.Commit(); err != nil {
		return catalog.ApplyResult{}, fmt.Errorf("apply %s: commit: %w", m.Provider, err)
	}
	s.hasConflicts.Store(anyConflicts)
	r := p.res
	if r.Added+r.Updated+r.Removed+r.Orphaned+r.Invalid+len(r.Conflicts)+len(m.Failed) > 0 || len(p.sourceProblems) > 0 {
		s.gen.Add(1)
	}
	s.log.Debug("applied mutation", "provider", m.Provider, "type", string(m.Type),
		"added", r.Added, "updated", r.Updated, "removed", r.Removed, "orphaned", r.Orphaned, "unchanged", r.Unchanged,
		"invalid", r.Invalid, "conflicts", len(r.Conflicts))
	return r, nil
}

// SQLite page-cache sizes (KiB, negative as the pragma takes them): a
// mutation's connection gets a large cache so a bulk ingest does not spill
// and rewrite index pages; it shrinks back afterwards to keep memory low.
// A file database keeps one writer connection for good, so that a bulk load
// arriving as many mutations finds the index pages it just wrote. Its cache
// lives outside the Go heap and stays full once filled, so it counts
// towards peak RSS whole: at 32 MiB it was a fifth of the 10,000-API
// benchmark's VmHWM (172 MB). With 4 MiB a mutation of 400 entities
// spills pages before its commit, but most of them are bodies, appended
// and never touched again, so nothing is written twice; index pages beyond
// it are re-read from the OS page cache. BenchmarkBulkLoad wrote as many
// bytes with 4 as with 32 MiB and read 16% more at 10,000 entities, 55%
// more at 100,000, for no measurable CPU at 10,000 and ~5% at 100,000.
const (
	sqliteWriteCache   = "-65536"
	sqliteWriterCache  = "-4096"
	sqliteDefaultCache = "-2000"
)

// writeConn returns the connection a mutation writes through. Callers hold
// applyMu.
func (s *Store) writeConn(ctx context.Context) (*sql.Conn, error) {
	if s.checkpoints != nil {
		return s.writer(ctx)
	}
	conn, err := s.sql.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if s.dialect.name() != SQLite {
		return conn, nil
	}
	pragmas := []string{"PRAGMA cache_size = " + sqliteWriteCache}
	if s.checkpoints != nil {
		// The checkpointer copies the WAL into the database after the
		// commit, off the mutation's path.
		pragmas = append(pragmas, "PRAGMA wal_autocheckpoint = 0")
	}
	for _, p := range pragmas {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			conn.Close()
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	return conn, nil
}

// writer returns the long-lived writer connection of a file database,
// opening it on first use.
func (s *Store) writer(ctx context.Context) (*sql.Conn, error) {
	if s.writerConn != nil {
		return s.writerConn, nil
	}
	conn, err := s.sql.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	// The checkpointer copies the WAL into the database after each commit,
	// off the mutation's path.
	for _, p := range []string{"PRAGMA cache_size = " + sqliteWriterCache, "PRAGMA wal_autocheckpoint = 0"} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			conn.Close()
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	s.writerConn = conn
	return conn, nil
}

func (s *Store) releaseWriteConn(conn *sql.Conn) {
	if conn == s.writerConn {
		select {
		case s.checkpoints <- struct{}{}:
		default:
		}
		return
	}
	defer conn.Close()
	if s.dialect.name() != SQLite {
		return
	}
	pragmas := []string{"PRAGMA cache_size = " + sqliteDefaultCache}
	if s.checkpoints != nil {
		pragmas = append(pragmas, "PRAGMA wal_autocheckpoint = 1000")
		select {
		case s.checkpoints <- struct{}{}:
		default:
		}
	}
	for _, p := range pragmas {
		if _, err := conn.ExecContext(context.Background(), p); err != nil {
			s.log.Warn("reset sqlite connection", "pragma", p, "err", err)
		}
	}
}

func (s *Store) plan(ctx context.Context, tx *sql.Tx, m *catalog.StoreMutation) (*plan, error) {
	p := &plan{
		m:              m,
		setProblems:    map[int64][]catalog.Problem{},
		sourceProblems: map[string][]catalog.Problem{},
		locations:      map[string]bool{},
	}
	keys := make([]any, 0, len(m.Entities)+len(m.Removed))
	for i := range m.Entities {
		keys = append(keys, entityKey(&m.Entities[i]))
	}
	for _, r := range m.Removed {
		keys = append(keys, r.Key())
	}
	existing, err := s.loadStored(ctx, tx, m.Provider, m.Type == catalog.Full, keys)
	if err != nil {
		return nil, err
	}
	failed := map[string]bool{}
	for _, f := range m.Failed {
		failed[f.Location] = true
		p.locations[f.Location] = true
		p.sourceProblems[f.Location] = append(p.sourceProblems[f.Location], f.Problems...)
	}
	keep := map[string]bool{}
	for _, pe := range p.resolveDuplicates(existing) {
		key := entityKey(pe)
		p.touchedRefs = append(p.touchedRefs, key)
		if pe.Location != "" && !failed[pe.Location] {
			p.locations[pe.Location] = true
		}
		ex := existing[key]
		if ex != nil && !claimAllowed(ex, pe, m, failed) {
			p.conflict(pe, ex.locationKey)
			continue
		}
		keep[key] = true
		p.decide(pe, ex)
	}
	// A full mutation removes the rest of the bucket, except what a failed
	// source produced; a delta removes what it names, from its own bucket.
	if m.Type == catalog.Full {
		for _, ex := range existing {
			if ex.provider == m.Provider && !keep[ex.refKey] && !failed[ex.location] {
				p.drop(ex)
			}
		}
	} else {
		for _, r := range m.Removed {
			if ex := existing[r.Key()]; ex != nil && ex.provider == m.Provider && !keep[ex.refKey] {
				p.drop(ex)
				p.touchedRefs = append(p.touchedRefs, ex.refKey)
			}
		}
	}
	p.res.Removed = len(p.deletes)
	p.res.Orphaned = len(p.orphans)
	return p, nil
}

// drop removes an entity from the bucket: it becomes an orphan when the
// mutation keeps orphans (once: an orphan stays as it is), else it goes.
func (p *plan) drop(ex *stored) {
	switch {
	case !p.m.Orphan:
		p.deletes = append(p.deletes, ex)
	case !ex.orphaned:
		p.orphans = append(p.orphans, ex)
	}
}

func entityKey(pe *catalog.ProcessedEntity) string {
	if pe.Ref.IsZero() && pe.Entity != nil {
		return pe.Entity.Ref().Key()
	}
	return pe.Ref.Key()
}

// resolveDuplicates keeps one claim per entity ref within the mutation: the
// last one for the same location key; for another location key the one the
// stored entity already belongs to, else the first, the other being a
// conflict.
func (p *plan) resolveDuplicates(existing map[string]*stored) []*catalog.ProcessedEntity {
	index := map[string]int{}
	var out []*catalog.ProcessedEntity
	for i := range p.m.Entities {
		pe := &p.m.Entities[i]
		if pe.Entity == nil {
			p.res.Invalid++
			p.res.Problems = append(p.res.Problems, catalog.Problem{File: pe.Location, Entity: pe.Ref.String(), Message: "no entity to store"})
			continue
		}
		key := entityKey(pe)
		j, dup := index[key]
		if !dup {
			index[key] = len(out)
			out = append(out, pe)
			continue
		}
		prev := out[j]
		switch {
		case prev.LocationKey == pe.LocationKey:
			out[j] = pe
		case existing[key] != nil && existing[key].locationKey == pe.LocationKey:
			p.conflict(prev, pe.LocationKey)
			out[j] = pe
		default:
			p.conflict(pe, prev.LocationKey)
		}
	}
	return out
}

// claimAllowed applies Backstage's locationKey rules: an entity stored
// without a key is taken over, one stored with the same key is replaced, one
// with another key is not, unless it is an orphan (no Location emits it any
// more, so a new one may adopt it; Backstage keeps orphans' keys and reports
// a conflict instead). A full mutation of the owning provider may move
// an entity to another of its own keys (the entity moved between that
// provider's files: the old file no longer claims it, or resolveDuplicates
// would have kept that claim), unless the old source failed this run.
func claimAllowed(ex *stored, pe *catalog.ProcessedEntity, m *catalog.StoreMutation, failed map[string]bool) bool {
	switch {
	case ex.locationKey == "", ex.locationKey == pe.LocationKey, ex.orphaned:
		return true
	case ex.provider == m.Provider && m.Type == catalog.Full:
		return !failed[ex.location]
	}
	return false
}

func (p *plan) conflict(pe *catalog.ProcessedEntity, existingKey string) {
	ref := pe.Ref.String()
	if pe.Ref.IsZero() && pe.Entity != nil {
		ref = pe.Entity.Ref().String()
	}
	p.res.Conflicts = append(p.res.Conflicts, catalog.Conflict{
		EntityRef:           ref,
		Provider:            p.m.Provider,
		LocationKey:         pe.LocationKey,
		ExistingLocationKey: existingKey,
		Location:            pe.Location,
		Message: fmt.Sprintf("Detected conflicting entityRef %s already referenced by %s and now also %s",
			ref, existingKey, pe.LocationKey),
	})
}

// decide classifies one accepted claim: invalid, unchanged, update or insert.
func (p *plan) decide(pe *catalog.ProcessedEntity, ex *stored) {
	if len(pe.Problems) > 0 {
		p.res.Invalid++
		p.res.Problems = append(p.res.Problems, pe.Problems...)
		if ex != nil && ex.provider == p.m.Provider {
			p.setProblems[ex.id] = pe.Problems
			return
		}
		if ex == nil && pe.Storable {
			// A first version whose only problems are its reading's (a
			// Location with a missing target) is stored with them.
			p.insert(pe).problems = pe.Problems
			p.res.Added++
			return
		}
		loc := pe.Location
		if loc == "" {
			loc = pe.Ref.String()
		}
		p.sourceProblems[loc] = append(p.sourceProblems[loc], pe.Problems...)
		return
	}
	if ex != nil && ex.hash == pe.Hash && ex.provider == p.m.Provider &&
		ex.locationKey == pe.LocationKey && ex.location == pe.Location {
		if ex.hasProblems {
			p.clearProblems = append(p.clearProblems, ex.id)
			p.res.Updated++
			return
		}
		p.res.Unchanged++
		return
	}
	if ex == nil {
		p.insert(pe)
		p.res.Added++
		return
	}
	pd := newPending(pe)
	if pd.rendered && pd.uid != ex.uid {
		// The body was encoded with another uid (a fresh one: the entity
		// was new when prepared), which appears in it exactly once; the
		// entity keeps the uid it has.
		if pd.packed != nil {
			body, err := unpackBody(pd.packed, nil)
			pd.body, pd.packed = string(body), nil
			pd.rendered = err == nil // else write renders it again
		}
		pd.body = strings.Replace(pd.body, pd.uid, ex.uid, 1)
	}
	pd.id, pd.uid = ex.id, ex.uid
	p.updates = append(p.updates, pd)
	p.res.Updated++
}

// insert plans the insertion of pe.
func (p *plan) insert(pe *catalog.ProcessedEntity) *pending {
	pd := newPending(pe)
	p.inserts = append(p.inserts, pd)
	return pd
}

// newPending returns pe to be written, encoded by Prepare or not yet.
func newPending(pe *catalog.ProcessedEntity) *pending {
	pd := &pending{pe: pe, key: entityKey(pe)}
	if pr, ok := pe.Prepared.(*prepared); ok {
		pd.uid, pd.etag, pd.body, pd.packed, pd.search, pd.fts, pd.rendered = pr.uid, pr.etag, pr.body, pr.packed, pr.search, pr.fts, true
	} else {
		pd.uid, pd.etag = newUID(), randomHex(16)
	}
	return pd
}

// prepared is what Prepare computes for one valid entity ahead of Apply:
// its stored body, encoded with a fresh uid and etag, its search rows and
// its full text, and the body compressed when the store stores it so.
type prepared struct {
	uid, etag, body, fts string
	packed               []byte
	search               []searchRow
}

var _ catalog.MutationPreparer = (*Store)(nil)

// Prepare encodes the valid entities of m for storage on every core, so
// that Apply's transaction only writes. Entities stored with the same
// content hash are skipped: Apply leaves them as they are (and, should one
// change in between, encodes it itself). Prepare only reads, outside any
// transaction: a caller may prepare one mutation while another is applied.
func (s *Store) Prepare(ctx context.Context, m *catalog.StoreMutation) {
	list := make([]*pending, 0, len(m.Entities))
	keys := make([]any, 0, len(m.Entities))
	for i := range m.Entities {
		pe := &m.Entities[i]
		if pe.Entity == nil || (len(pe.Problems) > 0 && !pe.Storable) {
			continue
		}
		pd := &pending{pe: pe, key: entityKey(pe)}
		list = append(list, pd)
		keys = append(keys, pd.key)
	}
	existing, err := s.loadStored(ctx, s.sql, "", false, keys)
	if err == nil {
		changed := list[:0]
		for _, pd := range list {
			if ex := existing[pd.key]; ex == nil || ex.hash != pd.pe.Hash {
				changed = append(changed, pd)
			}
		}
		list = changed
	}
	for _, pd := range list {
		// An update keeps the stored uid, encoded now so that Apply does
		// not re-encode its body on the write path (decide).
		pd.uid, pd.etag = newUID(), randomHex(16)
		if ex := existing[pd.key]; ex != nil {
			pd.uid = ex.uid
		}
	}
	if err := renderAll(list, s.packsBodies()); err != nil {
		// Apply renders them again and reports the error there.
		return
	}
	for _, pd := range list {
		pd.pe.Prepared = &prepared{uid: pd.uid, etag: pd.etag, body: pd.body, packed: pd.packed, fts: pd.fts, search: pd.search}
	}
}

// ref is the entity's ref as ingest gave it (kind as written).
func (pd *pending) ref() catalog.Ref {
	if pd.pe.Ref.IsZero() {
		return pd.pe.Entity.Ref()
	}
	return pd.pe.Ref
}

// render builds the stored body (no relations, no status, uid and etag
// set), the search rows and the full-text of a pending entity. With pack
// the body is kept compressed only (storedBody), so that a batch waiting
// to be written holds each body once, at a fifth of its size.
func (pd *pending) render(pack bool) error {
	e := *pd.pe.Entity
	e.Relations, e.Status = nil, nil
	e.Metadata.UID, e.Metadata.Etag = pd.uid, pd.etag
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer renderBuffers.Put(buf)
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&e); err != nil {
		return fmt.Errorf("encode %s: %w", pd.key, err)
	}
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if pack {
		pd.packed = packBody(body)
	}
	if pd.packed == nil {
		// One allocation of the body's size: the pooled buffer has
		// already grown to fit bodies of ~10 KB.
		pd.body = string(body)
	}
	pd.search = buildSearch(&e)
	pd.fts = ftsText(&e)
	pd.rendered = true
	return nil
}

// renderBuffers hold entity bodies while they are encoded.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// querier is a transaction or the pool.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// loadStored reads the stored state of the entities with the given keys
// and, when bucket is set, of every entity in provider's bucket.
func (s *Store) loadStored(ctx context.Context, tx querier, provider string, bucket bool, keys []any) (map[string]*stored, error) {
	const cols = "SELECT id, uid, ref_key, provider, location_key, location, hash, problems IS NOT NULL, orphaned_at IS NOT NULL FROM entities"
	out := map[string]*stored{}
	scan := func(q string, args []any) error {
		rows, err := tx.QueryContext(ctx, s.dialect.rebind(q), args...)
		if err != nil {
			return fmt.Errorf("load stored entities: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var st stored
			if err := rows.Scan(&st.id, &st.uid, &st.refKey, &st.provider, &st.locationKey, &st.location, &st.hash, &st.hasProblems, &st.orphaned); err != nil {
				return fmt.Errorf("load stored entities: %w", err)
			}
			out[st.refKey] = &st
		}
		return rows.Err()
	}
	if bucket {
		if err := scan(cols+" WHERE provider = ?", []any{provider}); err != nil {
			return nil, err
		}
	}
	missing := make([]any, 0, len(keys))
	for _, k := range keys {
		if out[k.(string)] == nil {
			missing = append(missing, k)
		}
	}
	for _, chunk := range chunks(missing, 500) {
		if err := scan(cols+" WHERE ref_key IN ("+placeholders(len(chunk))+")", chunk); err != nil {
			return nil, err
		}
	}
	return out, nil
}

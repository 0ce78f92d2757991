package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/porticohq/portico/catalog"
)

// entityColumns are the columns scanEntity reads, from entities e joined
// with entity_bodies b; the relations come as one JSON array per entity.
func entityColumns(dl dialect) string {
	return "e.id, e.uid, e.kind_raw, e.ref, e.ref_key, e.provider, e.location_key, e.hash, b.body, e.problems, e.updated_at, " +
		dl.relationsJSON() + " FROM entities e JOIN entity_bodies b ON b.entity_id = e.id"
}

// statements are the prepared hot-path queries.
type statements struct {
	byRef, byUID, conflictsOf *sql.Stmt
}

func prepareStatements(ctx context.Context, s *Store) (*statements, error) {
	st := &statements{}
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&st.byRef, "SELECT " + entityColumns(s.dialect) + " WHERE e.ref_key = ?"},
		{&st.byUID, "SELECT " + entityColumns(s.dialect) + " WHERE e.uid = ?"},
		{&st.conflictsOf, "SELECT entity_ref, provider, location_key, existing_location_key, location, message FROM conflicts WHERE entity_ref = ? ORDER BY at, provider"},
	} {
		stmt, err := s.sql.PrepareContext(ctx, s.dialect.rebind(p.query))
		if err != nil {
			st.close()
			return nil, fmt.Errorf("prepare %q: %w", p.query, err)
		}
		*p.dst = stmt
	}
	return st, nil
}

func (st *statements) close() {
	for _, s := range []*sql.Stmt{st.byRef, st.byUID, st.conflictsOf} {
		if s != nil {
			s.Close()
		}
	}
}

type scanner interface{ Scan(dest ...any) error }

// unpackBuffers hold a compressed body while it is spliced into the JSON a
// read returns; buffers grown past maxPooledBody are not kept.
var unpackBuffers = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledBody = 256 << 10

// scanEntity reads one row of entityColumns into a StoredEntity with its
// relations (and, when invalid, its status) spliced into the body.
func (s *Store) scanEntity(sc scanner) (id int64, se *catalog.StoredEntity, err error) {
	se = &catalog.StoredEntity{}
	var kind, ref, refKey string
	var body, rels sql.RawBytes
	var problems sql.NullString
	var updated int64
	if err := sc.Scan(&id, &se.UID, &kind, &ref, &refKey, &se.Provider, &se.LocationKey, &se.Hash, &body, &problems, &updated, &rels); err != nil {
		return 0, nil, err
	}
	se.Ref = parseStoredRef(ref)
	se.Ref.Kind = kind
	se.UpdatedAt = time.UnixMilli(updated).UTC()
	if problems.Valid && problems.String != "" {
		if err := json.Unmarshal([]byte(problems.String), &se.Problems); err != nil {
			return 0, nil, fmt.Errorf("decode problems of %s: %w", ref, err)
		}
	}
	buf := unpackBuffers.Get().(*[]byte)
	defer unpackBuffers.Put(buf)
	stored := body
	if body, err = unpackBody(stored, *buf); err != nil {
		var p catalog.Problem
		body, p = s.damagedBody(se.Ref, se.UID, err)
		se.Problems = append(se.Problems, p)
	}
	se.JSON = spliceBody(body, rels, se.Problems)
	if isPacked(stored) && cap(body) <= maxPooledBody {
		*buf = body // the driver owns stored; body is ours
	}
	return id, se, nil
}

// headerColumns are the columns scanHeader reads: no body, no relations
// (Query.HeadersOnly).
const headerColumns = "e.id, e.uid, e.kind_raw, e.ref, e.provider, e.location_key, e.hash, e.updated_at FROM entities e"

// scanHeader reads one row of headerColumns.
func scanHeader(sc scanner) (id int64, se *catalog.StoredEntity, err error) {
	se = &catalog.StoredEntity{}
	var kind, ref string
	var updated int64
	if err := sc.Scan(&id, &se.UID, &kind, &ref, &se.Provider, &se.LocationKey, &se.Hash, &updated); err != nil {
		return 0, nil, err
	}
	se.Ref = parseStoredRef(ref)
	se.Ref.Kind = kind
	se.UpdatedAt = time.UnixMilli(updated).UTC()
	return id, se, nil
}

// rowShape is what a read selects and how it scans a row: whole entities,
// or their headers only.
type rowShape struct {
	from string // the columns and the FROM clause
	scan func(scanner) (int64, *catalog.StoredEntity, error)
}

func (s *Store) shape(headersOnly bool) rowShape {
	if headersOnly {
		return rowShape{headerColumns, scanHeader}
	}
	return rowShape{entityColumns(s.dialect), s.scanEntity}
}

// query runs a read query through a prepared statement kept per query
// text: the queries a page runs repeat, and preparing them costs more than
// running them on SQLite.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = s.dialect.rebind(q)
	tx, inSnapshot := ctx.Value(snapshotKey{}).(*sql.Tx)
	if v, ok := s.prepared.Load(q); ok {
		if inSnapshot {
			return tx.StmtContext(ctx, v.(*sql.Stmt)).QueryContext(ctx, args...)
		}
		return v.(*sql.Stmt).QueryContext(ctx, args...)
	}
	if inSnapshot {
		return tx.QueryContext(ctx, q, args...)
	}
	if s.preparedN.Load() >= maxPrepared || len(q) > maxPreparedQuery {
		return s.sql.QueryContext(ctx, q, args...)
	}
	stmt, err := s.sql.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.prepared.LoadOrStore(q, stmt); loaded {
		stmt.Close()
		stmt = prev.(*sql.Stmt)
	} else {
		s.preparedN.Add(1)
	}
	return stmt.QueryContext(ctx, args...)
}

// maxPreparedQuery is the longest query text kept prepared: the queries a
// page repeats are short; a long one (a large filter predicate) is likely
// one of a kind, and keeping it would hold its text and program for good.
const maxPreparedQuery = 8 << 10

// snapshotKey carries, in the context of one request's reads, the read
// transaction they all run in (readSnapshot); query honours it.
type snapshotKey struct{}

// readSnapshot returns a context whose reads through query all see one
// snapshot of the database, and the function that ends it (see Query).
func (s *Store) readSnapshot(ctx context.Context) (context.Context, func(), error) {
	tx, err := s.sql.BeginTx(ctx, s.dialect.snapshot())
	if err != nil {
		return nil, nil, fmt.Errorf("begin read: %w", err)
	}
	if s.dialect.name() != SQLite {
		// The driver gives up reading after 10 s, but PostgreSQL would run
		// the statement on (an outside test saw one run for 90 s): the
		// server stops it too.
		q := fmt.Sprintf("SET LOCAL statement_timeout = %d", readStatementTimeout.Milliseconds())
		if _, err := tx.ExecContext(ctx, q); err != nil {
			_ = tx.Rollback()
			return nil, nil, fmt.Errorf("begin read: %w", err)
		}
	}
	return context.WithValue(ctx, snapshotKey{}, tx), func() { _ = tx.Rollback() }, nil
}

// readStatementTimeout bounds a page's statements on PostgreSQL, as the
// driver's read timeout bounds the wait for them.
var readStatementTimeout = 10 * time.Second

// maxPrepared bounds the statement cache; filters are user input, so the
// set of query texts is open-ended.
const maxPrepared = 256

// parseStoredRef splits "kind:namespace/name".
func parseStoredRef(s string) catalog.Ref {
	kind, rest, _ := strings.Cut(s, ":")
	ns, name, _ := strings.Cut(rest, "/")
	return catalog.Ref{Kind: kind, Namespace: ns, Name: name}
}

// ByRef returns the entity with ref, ErrNotFound when there is none.
func (s *Store) ByRef(ctx context.Context, ref catalog.Ref) (*catalog.StoredEntity, error) {
	return s.one(ctx, s.stmts.byRef, ref.Key())
}

// ByUID returns the entity with uid, ErrNotFound when there is none.
func (s *Store) ByUID(ctx context.Context, uid string) (*catalog.StoredEntity, error) {
	return s.one(ctx, s.stmts.byUID, uid)
}

func (s *Store) one(ctx context.Context, stmt *sql.Stmt, arg string) (*catalog.StoredEntity, error) {
	rows, err := stmt.QueryContext(ctx, arg)
	if err != nil {
		return nil, fmt.Errorf("read entity %s: %w", arg, err)
	}
	if !rows.Next() {
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read entity %s: %w", arg, err)
		}
		return nil, catalog.ErrNotFound
	}
	_, se, err := s.scanEntity(rows)
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("read entity %s: %w", arg, err)
	}
	if s.mayHaveConflicts() {
		if se.Conflicts, err = s.conflictsOf(ctx, se.Ref.Key()); err != nil {
			return nil, err
		}
	}
	return se, nil
}

// mayHaveConflicts lets SQLite lookups skip the conflicts query while none
// are recorded. On PostgreSQL another replica may record one, so it always
// asks.
func (s *Store) mayHaveConflicts() bool {
	return s.dialect.name() == Postgres || s.hasConflicts.Load()
}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// hasConflicts reports whether any conflict is recorded (true on error, so
// that lookups keep asking).
func hasConflicts(ctx context.Context, q rowQuerier) bool {
	var n int
	err := q.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM conflicts LIMIT 1) c").Scan(&n)
	return err != nil || n > 0
}

func (s *Store) conflictsOf(ctx context.Context, key string) ([]catalog.Conflict, error) {
	rows, err := s.stmts.conflictsOf.QueryContext(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read conflicts of %s: %w", key, err)
	}
	defer rows.Close()
	var out []catalog.Conflict
	for rows.Next() {
		var c catalog.Conflict
		if err := rows.Scan(&c.EntityRef, &c.Provider, &c.LocationKey, &c.ExistingLocationKey, &c.Location, &c.Message); err != nil {
			return nil, fmt.Errorf("read conflicts of %s: %w", key, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// spliceBody appends the relations (always, as Backstage does) and, for an
// entity whose latest attempt failed, a status with the problems, to the
// stored body.
func spliceBody(body, rels []byte, problems []catalog.Problem) []byte {
	if len(rels) == 0 {
		rels = []byte("[]")
	}
	var statusJSON []byte
	if len(problems) > 0 {
		statusJSON, _ = json.Marshal(problemStatus(problems))
	}
	n := len(body) - 1
	for n > 0 && body[n] != '}' {
		n--
	}
	out := make([]byte, 0, n+len(rels)+len(statusJSON)+32)
	out = append(out, body[:n]...)
	if n > 1 {
		out = append(out, ',')
	}
	out = append(out, `"relations":`...)
	out = append(out, rels...)
	if statusJSON != nil {
		out = append(out, `,"status":`...)
		out = append(out, statusJSON...)
	}
	return append(out, '}')
}

func problemStatus(problems []catalog.Problem) catalog.Status {
	st := catalog.Status{Items: make([]catalog.StatusItem, len(problems))}
	for i, p := range problems {
		st.Items[i] = catalog.StatusItem{
			Type:    "backstage.io/catalog-processing",
			Level:   "error",
			Message: "InputError: " + p.Error(),
			Error:   map[string]any{"name": "InputError", "message": p.Error()},
		}
	}
	return st
}

// ByRefs returns one item per ref, in order, nil where unknown or where the
// entity does not match f (an empty f matches every entity).
func (s *Store) ByRefs(ctx context.Context, refs []catalog.Ref, f catalog.Filter) ([]*catalog.StoredEntity, error) {
	return s.byRefs(ctx, refs, f, nil, false)
}

// ByRefsMatching is ByRefs with nil also where the entity does not match
// the filter predicate p (POST /entities/by-refs with a query).
func (s *Store) ByRefsMatching(ctx context.Context, refs []catalog.Ref, f catalog.Filter, p *catalog.Predicate) ([]*catalog.StoredEntity, error) {
	return s.byRefs(ctx, refs, f, p, false)
}

// HeadersByRefs is ByRefs without bodies and relations (Ref, UID, Hash,
// Provider, LocationKey, UpdatedAt): a reader that only checks which
// version of an entity is stored (API history) reads no bodies.
func (s *Store) HeadersByRefs(ctx context.Context, refs []catalog.Ref) ([]*catalog.StoredEntity, error) {
	return s.byRefs(ctx, refs, catalog.Filter{}, nil, true)
}

func (s *Store) byRefs(ctx context.Context, refs []catalog.Ref, f catalog.Filter, p *catalog.Predicate, headersOnly bool) ([]*catalog.StoredEntity, error) {
	keys := make([]any, len(refs))
	for i, r := range refs {
		keys[i] = r.Key()
	}
	w := &whereBuilder{dl: s.dialect}
	w.filter(f)
	w.predicate(p)
	byKey, err := s.fetchWhere(ctx, s.shape(headersOnly), "e.ref_key", keys, w)
	if err != nil {
		return nil, err
	}
	out := make([]*catalog.StoredEntity, len(refs))
	for i, k := range keys {
		out[i] = byKey[k.(string)]
	}
	return out, nil
}

// fetchWhere reads, in shape sh, the entities whose column col is one of
// vals and that match w, keyed by that column's value (ref_key or id).
func (s *Store) fetchWhere(ctx context.Context, sh rowShape, col string, vals []any, w *whereBuilder) (map[any]*catalog.StoredEntity, error) {
	out := make(map[any]*catalog.StoredEntity, len(vals))
	for _, chunk := range chunks(vals, 500) {
		q := "SELECT " + sh.from + " WHERE " + col + " IN (" + placeholders(len(chunk)) + ")"
		for _, c := range w.conds {
			q += " AND " + c
		}
		rows, err := s.query(ctx, q, append(chunk[:len(chunk):len(chunk)], w.args...)...)
		if err != nil {
			return nil, fmt.Errorf("read entities: %w", err)
		}
		for rows.Next() {
			id, se, err := sh.scan(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("read entities: %w", err)
			}
			if col == "e.id" {
				out[id] = se
			} else {
				out[se.Ref.Key()] = se
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read entities: %w", err)
		}
	}
	return out, nil
}

// Recent returns the most recently changed entities, newest first.
func (s *Store) Recent(ctx context.Context, limit int) ([]*catalog.StoredEntity, error) {
	if limit <= 0 {
		limit = 10
	}
	ids, err := s.ids(ctx, "SELECT e.id FROM entities e ORDER BY e.updated_at DESC, e.ref_key LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("recent entities: %w", err)
	}
	return s.byIDs(ctx, ids, false)
}

// List answers GET /entities: filter, ordered by ref, offset and limit (a
// limit of 0 or less means all).
func (s *Store) List(ctx context.Context, f catalog.Filter, offset, limit int) ([]*catalog.StoredEntity, error) {
	w := &whereBuilder{dl: s.dialect}
	w.filter(f)
	if limit <= 0 {
		limit = math.MaxInt32
	}
	q := "SELECT e.id FROM entities e" + w.clause() + " ORDER BY e.ref_key LIMIT ? OFFSET ?"
	args := append(w.args, limit, max(offset, 0))
	ids, err := s.ids(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list entities: %w", err)
	}
	return s.byIDs(ctx, ids, false)
}

// ids is readIDs as arguments, for byIDs.
func (s *Store) ids(ctx context.Context, q string, args ...any) ([]any, error) {
	ids, err := s.readIDs(ctx, q, args...)
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out, err
}

// readIDs reads the one int64 column q selects (entity ids).
func (s *Store) readIDs(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// byIDs reads entities by id, keeping the order of ids; with headersOnly
// without their bodies (Query.HeadersOnly).
func (s *Store) byIDs(ctx context.Context, ids []any, headersOnly bool) ([]*catalog.StoredEntity, error) {
	m, err := s.fetchWhere(ctx, s.shape(headersOnly), "e.id", ids, &whereBuilder{dl: s.dialect})
	if err != nil {
		return nil, err
	}
	out := make([]*catalog.StoredEntity, 0, len(ids))
	for _, id := range ids {
		if se := m[id]; se != nil {
			out = append(out, se)
		}
	}
	return out, nil
}

// SourceProblems returns the problems recorded against sources and against
// entities that never had a valid version.
func (s *Store) SourceProblems(ctx context.Context) ([]catalog.SourceProblem, error) {
	rows, err := s.sql.QueryContext(ctx, "SELECT provider, location, problems, at FROM source_problems ORDER BY provider, location")
	if err != nil {
		return nil, fmt.Errorf("read source problems: %w", err)
	}
	defer rows.Close()
	var out []catalog.SourceProblem
	for rows.Next() {
		var sp catalog.SourceProblem
		var problems string
		var at int64
		if err := rows.Scan(&sp.Provider, &sp.Location, &problems, &at); err != nil {
			return nil, fmt.Errorf("read source problems: %w", err)
		}
		if err := json.Unmarshal([]byte(problems), &sp.Problems); err != nil {
			return nil, fmt.Errorf("decode source problems of %s: %w", sp.Location, err)
		}
		sp.UpdatedAt = time.UnixMilli(at).UTC()
		out = append(out, sp)
	}
	return out, rows.Err()
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

func chunks(vals []any, size int) [][]any {
	var out [][]any
	for len(vals) > size {
		out = append(out, vals[:size])
		vals = vals[size:]
	}
	if len(vals) > 0 {
		out = append(out, vals)
	}
	return out
}

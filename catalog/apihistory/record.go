package apihistory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Record makes definition the current version of v.EntityKey. A
// definition already current adds nothing (changed is false); one seen
// before becomes current again; a new one is stored. The returned version
// is the current one, with PrevID set when it changed.
func (s *Store) Record(ctx context.Context, v Version, definition []byte) (cur Version, changed bool, err error) {
	res, err := s.RecordAll(ctx, []Item{{Version: v, Definition: definition}})
	if err != nil {
		return Version{}, false, err
	}
	return res[0].Version, res[0].Changed, nil
}

// Item is one definition to record.
type Item struct {
	// Version holds EntityKey and the source fields; the rest is filled
	// in. Hash may be set to Hash(Definition) when the caller has it.
	// Without a Definition, Hash and Size must be set: the version is
	// stored without a body, which the catalog's entity holds (see Store).
	Version    Version
	Definition []byte
}

// Recorded is what recording an Item did.
type Recorded struct {
	Version Version // the current version
	Changed bool
}

// RecordAll records items as Record does, in one transaction. The first
// versions of APIs with none yet (all of a cold ingest) are inserted
// together, a few statements for hundreds of rows; the others one by one.
func (s *Store) RecordAll(ctx context.Context, items []Item) ([]Recorded, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.Version.EntityKey
	}
	known, err := s.versioned(ctx, tx, keys)
	if err != nil {
		return nil, fmt.Errorf("record api versions: %w", err)
	}
	out := make([]Recorded, len(items))
	var firsts []firstRow // inserted together, one per API
	var st *recordStmts
	defer func() {
		if st != nil {
			st.close()
		}
	}()
	for i, it := range items {
		key := it.Version.EntityKey
		if !known[key] {
			row, err := s.firstVersion(it)
			if err != nil {
				return nil, fmt.Errorf("record %s: %w", key, err)
			}
			out[i], known[key] = Recorded{Version: row.v, Changed: true}, true
			row.i = i
			firsts = append(firsts, row)
			continue
		}
		// A later item of an API inserted above sees that version.
		if err := s.insertFirsts(ctx, tx, out, firsts); err != nil {
			return nil, fmt.Errorf("record api versions: %w", err)
		}
		firsts = firsts[:0]
		if st == nil {
			if st, err = s.prepare(ctx, tx); err != nil {
				return nil, fmt.Errorf("record api versions: %w", err)
			}
		}
		v, changed, err := s.recordIn(ctx, st, it.Version, it.Definition)
		if err != nil {
			return nil, fmt.Errorf("record %s: %w", key, err)
		}
		out[i] = Recorded{Version: v, Changed: changed}
	}
	if err := s.insertFirsts(ctx, tx, out, firsts); err != nil {
		return nil, fmt.Errorf("record api versions: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("record api versions: %w", err)
	}
	return out, nil
}

// versioned reports which of keys have a version.
func (s *Store) versioned(ctx context.Context, tx *sql.Tx, keys []string) (map[string]bool, error) {
	out := make(map[string]bool, len(keys))
	for chunk := range chunks(keys) {
		args := anys(chunk)
		rows, err := tx.QueryContext(ctx, s.rebind(`SELECT DISTINCT entity_key FROM api_versions
WHERE entity_key IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, err
			}
			out[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// firstRow is the first version of an API, to insert as out[i].
type firstRow struct {
	i  int
	v  Version
	gz []byte // empty: stored without a body, which the entity holds
}

// firstVersion is the row it records for an API with no version.
func (s *Store) firstVersion(it Item) (firstRow, error) {
	row := firstRow{v: it.Version, gz: []byte{}}
	if it.Definition != nil {
		var err error
		if row.gz, err = compress(it.Definition); err != nil {
			return firstRow{}, err
		}
		row.v.Hash, row.v.Size = Hash(it.Definition), int64(len(it.Definition))
	}
	if row.v.Hash == "" {
		return firstRow{}, errors.New("a version without a definition needs its hash")
	}
	now := unixMilli(s.now().UnixMilli()) // as stored
	row.v.FirstSeen, row.v.CurrentSince, row.v.PrevID = now, now, 0
	return row, nil
}

// insertColumns are the columns a new version row sets.
const insertColumns = `INSERT INTO api_versions
(entity_key, hash, spec_type, info_version, provider, location, run_id, revision, size, first_seen, current_since, prev_id, definition)
VALUES `

// firstsPerInsert bounds the rows of one INSERT (13 placeholders each).
const firstsPerInsert = 500

// insertFirsts inserts rows, first versions of distinct APIs, and sets
// the ids of their versions in out.
func (s *Store) insertFirsts(ctx context.Context, tx *sql.Tx, out []Recorded, rows []firstRow) error {
	for len(rows) > 0 {
		n := min(len(rows), firstsPerInsert)
		if err := s.insertRows(ctx, tx, out, rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, out []Recorded, rows []firstRow) error {
	var q strings.Builder
	q.WriteString(insertColumns)
	args := make([]any, 0, 13*len(rows))
	byKey := make(map[string]int, len(rows))
	for j, r := range rows {
		v := r.v
		if j > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, v.EntityKey, v.Hash, v.SpecType, v.InfoVersion, v.Provider, v.Location, v.RunID, v.Revision, v.Size,
			v.FirstSeen.UnixMilli(), v.CurrentSince.UnixMilli(), nil, r.gz)
		byKey[v.EntityKey] = r.i
	}
	q.WriteString(" RETURNING id, entity_key")
	res, err := tx.QueryContext(ctx, s.rebind(q.String()), args...)
	if err != nil {
		return err
	}
	defer res.Close()
	for res.Next() {
		var id int64
		var key string
		if err := res.Scan(&id, &key); err != nil {
			return err
		}
		out[byKey[key]].Version.ID = id
	}
	return res.Err()
}

// insertFirstVersions inserts, inside tx (the catalog's transaction that
// writes the entities), the first versions of APIs that have none, stored
// without a body (the entity holds it). A version another replica
// recorded meanwhile is left as it is. Rows go firstsPerStmt at a time
// through one statement prepared once per process (the catalog writes on
// one connection, where it stays prepared): parsing a statement of
// hundreds of rows for every mutation cost more than inserting them.
func (s *Store) insertFirstVersions(ctx context.Context, tx *sql.Tx, versions []Version) error {
	now := s.now().UnixMilli()
	for len(versions) > 0 {
		n := firstsPerStmt
		if len(versions) < n {
			n = 1
		}
		stmt, err := s.firstsStmt(ctx, n)
		if err != nil {
			return fmt.Errorf("record first api versions: %w", err)
		}
		args := make([]any, 0, 13*n)
		for _, v := range versions[:n] {
			args = append(args, v.EntityKey, v.Hash, v.SpecType, v.InfoVersion, v.Provider, v.Location, v.RunID, v.Revision, v.Size,
				now, now, nil, []byte{})
		}
		if _, err := tx.StmtContext(ctx, stmt).ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("record first api versions: %w", err)
		}
		versions = versions[n:]
	}
	return nil
}

// statsAfterFirsts gives PostgreSQL statistics on api_versions after the
// first time this process inserts first versions into a table that has none
// (never analysed: a new database). Without them the planner guesses
// that each of a batch's 400 keys matches 0.5 % of the table and reads
// all of it for versioned's lookup: during a cold load of 100,000 APIs
// that was 250 sequential scans, 2.4 s of the writing backend's time
// (0.02 s at 10,000), growing with the square of the catalog. Sampled
// after the first batch, entity_key is all distinct, which PostgreSQL
// keeps as a fraction of the rows, so the estimate (one row per key)
// stays right as the table grows and the lookup probes the index.
//
// It runs in the writer's transaction (ANALYZE may, unlike VACUUM), so it
// must neither take long nor fail the write: only while the table is
// small (a table without statistics can be large after pg_upgrade, which
// does not carry them; autovacuum or the operator's vacuumdb --analyze
// gives them), waiting at most a second for its lock (a manual VACUUM of
// the table holds it), inside a savepoint that a failure (a lock not
// granted, a role that does not own the table) rolls back, with a
// warning, instead of the write. Once per process.
func (s *Store) statsAfterFirsts(ctx context.Context, tx *sql.Tx, log *slog.Logger) error {
	if !s.pg || s.analysed.Load() {
		return nil
	}
	s.analysed.Store(true)
	var tuples float64 // -1 (PostgreSQL 14+) or 0: never analysed or vacuumed
	var size int64
	if err := tx.QueryRowContext(ctx, "SELECT reltuples, pg_relation_size(oid) FROM pg_class WHERE oid = 'api_versions'::regclass").Scan(&tuples, &size); err != nil {
		return fmt.Errorf("api versions statistics: %w", err)
	}
	if tuples > 0 || size > analyseInWriteMax {
		return nil
	}
	var lockTimeout string
	if err := tx.QueryRowContext(ctx, "SELECT current_setting('lock_timeout')").Scan(&lockTimeout); err != nil {
		return fmt.Errorf("api versions statistics: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "SAVEPOINT api_versions_stats"); err != nil {
		return fmt.Errorf("api versions statistics: %w", err)
	}
	_, err := tx.ExecContext(ctx, "SET LOCAL lock_timeout = '1s'")
	if err == nil {
		_, err = tx.ExecContext(ctx, "ANALYZE api_versions")
	}
	if err != nil {
		// Rolling back to the savepoint undoes the lock timeout too.
		if _, rerr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT api_versions_stats"); rerr != nil {
			return fmt.Errorf("api versions statistics: %w", errors.Join(err, rerr))
		}
		log.Warn("api history: no statistics on api_versions yet; autovacuum will gather them", "err", err)
		return nil
	}
	if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT api_versions_stats"); err != nil {
		return fmt.Errorf("api versions statistics: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT set_config('lock_timeout', $1, true)", lockTimeout); err != nil {
		return fmt.Errorf("api versions statistics: %w", err)
	}
	return nil
}

// analyseInWriteMax is the largest api_versions table statsAfterFirsts
// analyses in a write: 8 MB, some 30,000 first versions, which ANALYZE
// samples in well under a second.
const analyseInWriteMax = 8 << 20

// firstsPerStmt is how many first versions one INSERT writes.
const firstsPerStmt = 50

// firstsStmt is the statement inserting n (1 or firstsPerStmt) first
// versions, prepared on first use.
func (s *Store) firstsStmt(ctx context.Context, n int) (*sql.Stmt, error) {
	s.firstsMu.Lock()
	defer s.firstsMu.Unlock()
	if st := s.firsts[n]; st != nil {
		return st, nil
	}
	var q strings.Builder
	q.WriteString(insertColumns)
	for j := range n {
		if j > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	q.WriteString(" ON CONFLICT (entity_key, hash) DO NOTHING")
	st, err := s.db.PrepareContext(ctx, s.rebind(q.String()))
	if err != nil {
		return nil, err
	}
	if s.firsts == nil {
		s.firsts = map[int]*sql.Stmt{}
	}
	s.firsts[n] = st
	return st, nil
}

// recordStmts are RecordAll's statements, prepared once per transaction.
type recordStmts struct{ head, update, insert *sql.Stmt }

func (s *Store) prepare(ctx context.Context, tx *sql.Tx) (*recordStmts, error) {
	var st recordStmts
	var err error
	if st.head, err = tx.PrepareContext(ctx, s.rebind(selectVersion+` WHERE entity_key = ? `+latest+` LIMIT 1`)); err != nil {
		return nil, err
	}
	if st.update, err = tx.PrepareContext(ctx, s.rebind(`UPDATE api_versions SET current_since = ?, prev_id = ?
WHERE entity_key = ? AND hash = ? RETURNING id, spec_type, info_version, provider, location, run_id, revision, first_seen`)); err != nil {
		st.close()
		return nil, err
	}
	if st.insert, err = tx.PrepareContext(ctx, s.rebind(`INSERT INTO api_versions
(entity_key, hash, spec_type, info_version, provider, location, run_id, revision, size, first_seen, current_since, prev_id, definition)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)); err != nil {
		st.close()
		return nil, err
	}
	return &st, nil
}

func (st *recordStmts) close() {
	for _, s := range []*sql.Stmt{st.head, st.update, st.insert} {
		if s != nil {
			s.Close()
		}
	}
}

func (s *Store) recordIn(ctx context.Context, st *recordStmts, v Version, definition []byte) (Version, bool, error) {
	if definition != nil {
		if v.Hash == "" {
			v.Hash = Hash(definition)
		}
		v.Size = int64(len(definition))
	}
	if v.Hash == "" {
		return Version{}, false, errors.New("a version without a definition needs its hash")
	}
	head, err := s.scanVersion(st.head.QueryRowContext(ctx, v.EntityKey))
	first := errors.Is(err, ErrNotFound) // no version of this API yet
	switch {
	case first:
	case err != nil:
		return Version{}, false, err
	case head.Hash == v.Hash:
		return head, false, nil
	}
	now := unixMilli(s.now().UnixMilli()) // as stored
	if !head.CurrentSince.Before(now) {   // keep the timeline strictly ordered
		now = head.CurrentSince.Add(time.Millisecond)
	}
	v.CurrentSince, v.PrevID = now, head.ID
	// A definition seen before becomes current again, keeping its first
	// sighting and source (an API without versions has none to revive).
	if !first {
		var seen int64
		err = st.update.QueryRowContext(ctx, now.UnixMilli(), nullID(head.ID), v.EntityKey, v.Hash).Scan(&v.ID, &v.SpecType, &v.InfoVersion, &v.Provider, &v.Location, &v.RunID, &v.Revision, &seen)
		if err == nil {
			v.FirstSeen = unixMilli(seen)
			return v, true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return Version{}, false, err
		}
	}
	gz := []byte{} // not NULL: the column predates bodiless versions
	if definition != nil {
		if gz, err = compress(definition); err != nil {
			return Version{}, false, err
		}
	}
	v.FirstSeen = now
	err = st.insert.QueryRowContext(ctx, v.EntityKey, v.Hash, v.SpecType, v.InfoVersion, v.Provider, v.Location, v.RunID, v.Revision, v.Size,
		now.UnixMilli(), now.UnixMilli(), nullID(head.ID), gz).Scan(&v.ID)
	if err != nil {
		return Version{}, false, err
	}
	return v, true, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

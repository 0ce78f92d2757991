package apihistory

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// MigrationOwner names this package's rows in schema_migrations.
const MigrationOwner = "apihistory"

// Migrations returns the embedded migrations, rooted at their folder.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the folder is embedded above
	}
	return sub
}

// ErrNotFound is returned for an unknown version.
var ErrNotFound = catalog.Errorf(catalog.ENOTFOUND, "version not found")

// Version is one stored definition of an API.
type Version struct {
	ID           int64
	EntityKey    string // the API's ref key (lower case)
	Hash         string // hex SHA-256 of the definition
	SpecType     string // spec.type: openapi, asyncapi, ...
	InfoVersion  string // info.version, when the definition has one
	Provider     string
	Location     string // backstage.io/managed-by-location
	Size         int64  // bytes, uncompressed
	FirstSeen    time.Time
	CurrentSince time.Time // when it last became the current definition
	PrevID       int64     // the version current before it, 0 for the first
}

// Store reads and writes versions in the catalog's database.
//
// A version's definition is stored (gzip) once it is no longer current:
// while it is, the catalog's entity holds the same bytes, so the recorder
// stores the version without a body (an empty definition) and stores the
// body when a new definition arrives, before that one is written (see
// Recorder.Processor). A cold ingest of 10,000 APIs so records 10,000
// small rows instead of compressing and writing 110 MB a second time.
type Store struct {
	bun      *bun.DB
	db       *sql.DB
	pg       bool
	now      func() time.Time
	entities EntityReader
}

// EntityReader reads the current definition of a version stored without
// one: the catalog's store.
type EntityReader interface {
	ByRef(ctx context.Context, ref catalog.Ref) (*catalog.StoredEntity, error)
}

// ReadingCurrentFrom makes s read the definitions of current versions
// stored without a body from the catalog's entities, and returns s. Call
// it before use; without it such a definition is ErrNotKept.
func (s *Store) ReadingCurrentFrom(entities EntityReader) *Store {
	s.entities = entities
	return s
}

// ErrNotKept is returned for the definition of a version that was stored
// without a body and whose entity no longer holds it (the API was removed
// before its definition changed).
var ErrNotKept = catalog.Errorf(catalog.ENOTFOUND, "this version's definition was not kept")

// NewStore returns the store over db without touching the database; run
// Migrate before using it. now is the clock (nil: time.Now).
func NewStore(db *bun.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{bun: db, db: db.DB, pg: db.Dialect().Name() == dialect.PG, now: now}
}

// Migrate creates or updates the history tables.
func (s *Store) Migrate(ctx context.Context) error {
	return store.Migrate(ctx, s.bun, MigrationOwner, Migrations())
}

// Open is NewStore followed by Migrate.
func Open(ctx context.Context, db *bun.DB, now func() time.Time) (*Store, error) {
	s := NewStore(db, now)
	if err := s.Migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// rebind numbers the placeholders for PostgreSQL; the queries here never
// put `?` in a literal.
func (s *Store) rebind(q string) string {
	if !s.pg {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Hash is the content hash versions are keyed by.
func Hash(definition []byte) string {
	sum := sha256.Sum256(definition)
	return hex.EncodeToString(sum[:])
}

// latest orders an API's versions newest first.
const latest = "ORDER BY current_since DESC, id DESC"

// Head is an API's current version as the recorder compares with it.
type Head struct {
	Hash string
	Kept bool // its definition is stored, not only held by the entity
}

// Heads returns every API's current version, by entity key.
func (s *Store) Heads(ctx context.Context) (map[string]Head, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT entity_key, hash, kept FROM (
  SELECT entity_key, hash, length(definition) > 0 AS kept,
    ROW_NUMBER() OVER (PARTITION BY entity_key `+latest+`) AS rn FROM api_versions
) x WHERE rn = 1`)
	if err != nil {
		return nil, fmt.Errorf("read api version heads: %w", err)
	}
	defer rows.Close()
	out := map[string]Head{}
	for rows.Next() {
		var k string
		var h Head
		if err := rows.Scan(&k, &h.Hash, &h.Kept); err != nil {
			return nil, err
		}
		out[k] = h
	}
	return out, rows.Err()
}

// Keep stores the definition of entityKey's version hash if it was
// stored without one; a definition with another hash is refused. It
// reports whether it stored it.
func (s *Store) Keep(ctx context.Context, entityKey, hash string, definition []byte) (bool, error) {
	if Hash(definition) != hash {
		return false, fmt.Errorf("keep version %s of %s: the definition has another hash", hash, entityKey)
	}
	gz, err := compress(definition)
	if err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, s.rebind(`UPDATE api_versions SET definition = ?
WHERE entity_key = ? AND hash = ? AND length(definition) = 0`), gz, entityKey, hash)
	if err != nil {
		return false, fmt.Errorf("keep version %s of %s: %w", hash, entityKey, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

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

// RecordAll records items as Record does, in one transaction.
func (s *Store) RecordAll(ctx context.Context, items []Item) ([]Recorded, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	st, err := s.prepare(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("record api versions: %w", err)
	}
	defer st.close()
	out := make([]Recorded, len(items))
	for i, it := range items {
		v, changed, err := s.recordIn(ctx, st, it.Version, it.Definition)
		if err != nil {
			return nil, fmt.Errorf("record %s: %w", it.Version.EntityKey, err)
		}
		out[i] = Recorded{Version: v, Changed: changed}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("record api versions: %w", err)
	}
	return out, nil
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
WHERE entity_key = ? AND hash = ? RETURNING id, spec_type, info_version, provider, location, first_seen`)); err != nil {
		st.close()
		return nil, err
	}
	if st.insert, err = tx.PrepareContext(ctx, s.rebind(`INSERT INTO api_versions
(entity_key, hash, spec_type, info_version, provider, location, size, first_seen, current_since, prev_id, definition)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)); err != nil {
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
		err = st.update.QueryRowContext(ctx, now.UnixMilli(), nullID(head.ID), v.EntityKey, v.Hash).Scan(&v.ID, &v.SpecType, &v.InfoVersion, &v.Provider, &v.Location, &seen)
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
	err = st.insert.QueryRowContext(ctx, v.EntityKey, v.Hash, v.SpecType, v.InfoVersion, v.Provider, v.Location, v.Size,
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

const selectVersion = `SELECT id, entity_key, hash, spec_type, info_version, provider, location, size,
first_seen, current_since, prev_id FROM api_versions`

func (s *Store) scanVersion(row interface{ Scan(...any) error }) (Version, error) {
	var v Version
	var first, since int64
	var prev sql.NullInt64
	err := row.Scan(&v.ID, &v.EntityKey, &v.Hash, &v.SpecType, &v.InfoVersion, &v.Provider, &v.Location,
		&v.Size, &first, &since, &prev)
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, ErrNotFound
	}
	v.FirstSeen, v.CurrentSince, v.PrevID = unixMilli(first), unixMilli(since), prev.Int64
	return v, err
}

// Get returns one version.
func (s *Store) Get(ctx context.Context, id int64) (Version, error) {
	return s.scanVersion(s.db.QueryRowContext(ctx, s.rebind(selectVersion+" WHERE id = ?"), id))
}

// List returns an API's versions, the current one first.
func (s *Store) List(ctx context.Context, entityKey string) ([]Version, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(selectVersion+" WHERE entity_key = ? "+latest), entityKey)
	if err != nil {
		return nil, fmt.Errorf("list versions of %s: %w", entityKey, err)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v, err := s.scanVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Definition returns a version's definition: decompressed, or, for a
// version stored without one, the entity's while it still holds it.
func (s *Store) Definition(ctx context.Context, id int64) ([]byte, error) {
	return s.definition(ctx, id, s.entities)
}

func (s *Store) definition(ctx context.Context, id int64, entities EntityReader) ([]byte, error) {
	var key, hash string
	var gz []byte
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT entity_key, hash, definition FROM api_versions WHERE id = ?"), id).Scan(&key, &hash, &gz)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read version %d: %w", id, err)
	}
	if len(gz) > 0 {
		return decompress(gz)
	}
	def, err := currentDefinition(ctx, entities, key)
	if err != nil {
		return nil, fmt.Errorf("read version %d: %w", id, err)
	}
	if def == nil || Hash(def) != hash {
		return nil, ErrNotKept
	}
	return def, nil
}

// currentDefinition is the definition key's entity holds now, nil when
// there is none.
func currentDefinition(ctx context.Context, entities EntityReader, key string) ([]byte, error) {
	if entities == nil {
		return nil, nil
	}
	ref, err := catalog.ParseRef(key, "API", catalog.DefaultNamespace)
	if err != nil {
		return nil, nil
	}
	se, err := entities.ByRef(ctx, ref)
	if catalog.ErrorCode(err) == catalog.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return storedDefinition(se)
}

// storedDefinition is the definition of a stored API entity, decoding
// only its spec.
func storedDefinition(se *catalog.StoredEntity) ([]byte, error) {
	var e struct {
		Spec struct {
			Definition any `json:"definition"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(se.JSON, &e); err != nil {
		return nil, fmt.Errorf("decode %s: %w", se.Ref.Key(), err)
	}
	ent := catalog.Entity{Spec: map[string]any{"definition": e.Spec.Definition}}
	return ent.Definition(), nil
}

// gzipWriters are reused: a new flate compressor allocates about a
// megabyte, which dominated recording a cold ingest.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return w
}}

// compress gzips data at the fastest level: definitions are repetitive
// text, so even that shrinks them several times.
func compress(data []byte) ([]byte, error) {
	var b bytes.Buffer
	w := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(w)
	w.Reset(&b)
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func decompress(gz []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	return io.ReadAll(r)
}

func unixMilli(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

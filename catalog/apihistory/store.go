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
	"sync/atomic"
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
	RunID        string // the provider run that first saw it, when known
	Revision     string // ETag or object version of Location, when known
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
// body when a new definition arrives, in the transaction that overwrites
// the entity (see Recorder.WatchWritesOf), or when its entity is removed,
// in the transaction that deletes it (KeepRemovedFrom). A cold ingest of 10,000 APIs so
// records 10,000 small rows instead of compressing and writing 110 MB a
// second time.
type Store struct {
	bun      *bun.DB
	db       *sql.DB
	pg       bool
	now      func() time.Time
	entities EntityReader

	firstsMu sync.Mutex
	firsts   map[int]*sql.Stmt // insertFirstVersions' statements by row count

	analysed atomic.Bool // statsAfterFirsts has run (or was not needed)
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
// without KeepRemovedFrom, e.g. by an older release, before its
// definition changed).
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

// Began returns when the history began in this database: when its first
// migration was applied. It is the last change of a feed with nothing in
// it yet, the same on every request and every replica.
func (s *Store) Began(ctx context.Context) (time.Time, error) {
	var ms sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT MIN(applied_at) FROM schema_migrations WHERE owner = ?"), MigrationOwner).Scan(&ms)
	if err != nil {
		return time.Time{}, fmt.Errorf("read when the history began: %w", err)
	}
	if !ms.Valid {
		return time.Time{}, catalog.Errorf(catalog.ENOTFOUND, "the API history is not set up (no migration applied)")
	}
	return unixMilli(ms.Int64), nil
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

const selectVersion = `SELECT id, entity_key, hash, spec_type, info_version, provider, location, run_id, revision, size,
first_seen, current_since, prev_id FROM api_versions`

func (s *Store) scanVersion(row interface{ Scan(...any) error }) (Version, error) {
	var v Version
	var first, since int64
	var prev sql.NullInt64
	err := row.Scan(&v.ID, &v.EntityKey, &v.Hash, &v.SpecType, &v.InfoVersion, &v.Provider, &v.Location,
		&v.RunID, &v.Revision, &v.Size, &first, &since, &prev)
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
	return bodyDefinition(se.Ref.Key(), se.JSON)
}

// bodyDefinition is the definition in the stored body of the API key.
func bodyDefinition(key string, body []byte) ([]byte, error) {
	var e struct {
		Spec struct {
			Definition any `json:"definition"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("decode %s: %w", key, err)
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

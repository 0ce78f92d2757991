package apihistory

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
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
type Store struct {
	bun *bun.DB
	db  *sql.DB
	pg  bool
	now func() time.Time
}

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

// Heads returns the hash of every API's current version, by entity key.
func (s *Store) Heads(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT entity_key, hash FROM (
  SELECT entity_key, hash, ROW_NUMBER() OVER (PARTITION BY entity_key `+latest+`) AS rn FROM api_versions
) x WHERE rn = 1`)
	if err != nil {
		return nil, fmt.Errorf("read api version heads: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, h string
		if err := rows.Scan(&k, &h); err != nil {
			return nil, err
		}
		out[k] = h
	}
	return out, rows.Err()
}

// Record makes definition the current version of v.EntityKey. A
// definition already current adds nothing (changed is false); one seen
// before becomes current again; a new one is stored. The returned version
// is the current one, with PrevID set when it changed.
func (s *Store) Record(ctx context.Context, v Version, definition []byte) (cur Version, changed bool, err error) {
	v.Hash, v.Size = Hash(definition), int64(len(definition))
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Version{}, false, err
	}
	defer tx.Rollback()
	head, err := s.scanVersion(tx.QueryRowContext(ctx, s.rebind(selectVersion+` WHERE entity_key = ? `+latest+` LIMIT 1`), v.EntityKey))
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return Version{}, false, fmt.Errorf("record %s: %w", v.EntityKey, err)
	case head.Hash == v.Hash:
		return head, false, nil
	}
	now := s.now()
	if !head.CurrentSince.Before(now) { // keep the timeline strictly ordered
		now = head.CurrentSince.Add(time.Millisecond)
	}
	v.CurrentSince, v.PrevID = now, head.ID
	var id int64
	err = tx.QueryRowContext(ctx, s.rebind(`UPDATE api_versions SET current_since = ?, prev_id = ?
WHERE entity_key = ? AND hash = ? RETURNING id`), now.UnixMilli(), nullID(head.ID), v.EntityKey, v.Hash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		gz, gzErr := compress(definition)
		if gzErr != nil {
			return Version{}, false, gzErr
		}
		v.FirstSeen = now
		err = tx.QueryRowContext(ctx, s.rebind(`INSERT INTO api_versions
(entity_key, hash, spec_type, info_version, provider, location, size, first_seen, current_since, prev_id, definition)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			v.EntityKey, v.Hash, v.SpecType, v.InfoVersion, v.Provider, v.Location, v.Size,
			now.UnixMilli(), now.UnixMilli(), nullID(head.ID), gz).Scan(&id)
	}
	if err != nil {
		return Version{}, false, fmt.Errorf("record %s: %w", v.EntityKey, err)
	}
	if err := tx.Commit(); err != nil {
		return Version{}, false, fmt.Errorf("record %s: %w", v.EntityKey, err)
	}
	cur, err = s.Get(ctx, id)
	return cur, err == nil, err
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

// Definition returns a version's definition, decompressed.
func (s *Store) Definition(ctx context.Context, id int64) ([]byte, error) {
	var gz []byte
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT definition FROM api_versions WHERE id = ?"), id).Scan(&gz)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read version %d: %w", id, err)
	}
	return decompress(gz)
}

func compress(data []byte) ([]byte, error) {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
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

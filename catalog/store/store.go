// Package store implements catalog.Store over bun, on SQLite (modernc, pure
// Go) or PostgreSQL. It owns the catalog's tables, their migrations, the
// flattened search index that answers filters, full-text search, keyset
// cursors and facets. Other features add their own tables with Migrate.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/porticohq/portico/catalog"
)

// migrationFiles are the catalog's own tables, for both dialects.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// MigrationOwner is the owner under which the catalog's own migrations are
// recorded in schema_migrations.
const MigrationOwner = "catalog"

// Dialect names, as Config.Driver and (*Store).Dialect spell them.
const (
	SQLite   = "sqlite"
	Postgres = "pg"
)

// sqlitePragmas are the DSN parameters that held under concurrent writers:
// immediate transactions avoid SQLITE_BUSY on lock upgrades.
const sqlitePragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"

// Config says which database to open.
type Config struct {
	// Driver is "sqlite" (also "sqlite3", "better-sqlite3") or "pg"
	// ("postgres", "postgresql").
	Driver string
	// DSN is, for SQLite, a file path, ":memory:" or a "file:" URI; for
	// PostgreSQL a postgres:// URL.
	DSN    string
	Logger *slog.Logger
}

// Store is the catalog's storage. It satisfies catalog.Store and gives other
// features the underlying *bun.DB for their own tables.
type Store struct {
	db      *bun.DB
	sql     *sql.DB
	dialect dialect
	log     *slog.Logger
	// damagedLogged holds the ref keys of entities whose damaged body was
	// logged, so that each page view does not log it again.
	damagedLogged sync.Map
	gen           atomic.Uint64
	applyMu       sync.Mutex
	// hasConflicts is false while the conflicts table is empty (SQLite).
	hasConflicts atomic.Bool
	counts       genCache[int]
	facets       genCache[[]catalog.FacetCount]
	prepared     sync.Map // query text → *sql.Stmt
	// checkpoints wakes the SQLite WAL checkpointer (nil without one).
	checkpoints chan struct{}
	// writerConn is a file database's long-lived writer (see writeConn),
	// guarded by applyMu.
	writerConn *sql.Conn
	// removeHooks run before entities of a kind (lower case) are
	// deleted (see BeforeRemove), guarded by applyMu.
	removeHooks kindHooks[RemoveHook]
	// writeHooks run before new or changed entities of a kind are
	// written (see BeforeWrite), guarded by applyMu.
	writeHooks     kindHooks[WriteHook]
	stopCheckpoint context.CancelFunc
	checkpointDone chan struct{}
	preparedN      atomic.Int64
	stmts          *statements
	now            func() time.Time

	// estimates bounds how many entities one filter condition matches,
	// to pick the condition a query is driven by (plan.go).
	estimates genCache[int]
	// idSets keeps the entity ids of walked conditions, for totals
	// (idsets.go); idSetCap, when set, replaces the constant (tests).
	idSets   genCache[[]int64]
	idSetCap int

	// bulkLoads counts the bulk loads under way (bulk.go), guarded by
	// bulkMu.
	bulkMu    sync.Mutex
	bulkLoads int
	// pgDSN is the PostgreSQL DSN the store was opened with, for the
	// maintenance connection of vacuumAfterLoad.
	pgDSN string

	// betweenCountAndPage, when set (by tests), runs after Query has its
	// total and before it selects the page.
	betweenCountAndPage func()
}

var _ catalog.Store = (*Store)(nil)

// Open connects, runs the catalog's migrations and prepares the hot
// statements. The caller closes the Store.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var (
		db  *bun.DB
		dl  dialect
		err error
	)
	switch normalizeDriver(cfg.Driver) {
	case SQLite:
		db, err = openSQLite(cfg.DSN)
		dl = sqliteDialect{}
	case Postgres:
		db, err = openPG(cfg.DSN)
		dl = pgDialect{}
	default:
		return nil, fmt.Errorf("open store: unknown driver %q (want sqlite or pg)", cfg.Driver)
	}
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, sql: db.DB, dialect: dl, log: log, now: time.Now}
	s.idSets.size, s.idSets.budget = idSetSize, idSetBudget
	if dl.name() == Postgres {
		s.pgDSN = cfg.DSN
	}
	if err := s.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := s.migrateCatalog(ctx, sub); err != nil {
		db.Close()
		return nil, err
	}
	if dl.name() == SQLite {
		if err := s.restoreDeferredIndexes(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	if s.stmts, err = prepareStatements(ctx, s); err != nil {
		db.Close()
		return nil, err
	}
	s.hasConflicts.Store(hasConflicts(ctx, s.sql))
	if full := SQLiteDSN(cfg.DSN); dl.name() == SQLite && !strings.Contains(full, "mode=memory") {
		s.startCheckpointer(sqliteFilePath(full) + "-wal")
	}
	return s, nil
}

func normalizeDriver(d string) string {
	switch strings.ToLower(d) {
	case "", "sqlite", "sqlite3", "better-sqlite3":
		return SQLite
	case "pg", "postgres", "postgresql":
		return Postgres
	}
	return d
}

// SQLiteDSN turns a file path, ":memory:" or a "file:" URI into a DSN with
// the pragmas Portico relies on. A ":memory:" database gets a unique name so
// that two stores in one process never share it.
func SQLiteDSN(path string) string {
	switch {
	case path == "" || path == ":memory:":
		return "file:portico-" + randomHex(8) + "?mode=memory&cache=shared&" + sqlitePragmas
	case strings.HasPrefix(path, "file:"):
		if strings.Contains(path, "_pragma=") {
			return path
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		return path + sep + sqlitePragmas
	default:
		return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + sqlitePragmas
	}
}

func openSQLite(dsn string) (*bun.DB, error) {
	full := SQLiteDSN(dsn)
	if err := createSQLiteFile(full); err != nil {
		return nil, fmt.Errorf("create sqlite %s: %w", dsn, err)
	}
	sqldb, err := sql.Open("sqlite", full)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", dsn, err)
	}
	if strings.Contains(full, "mode=memory") {
		// One connection keeps a memory database alive and avoids
		// shared-cache table locks between pooled connections.
		sqldb.SetMaxOpenConns(1)
	} else {
		sqldb.SetMaxOpenConns(8)
		sqldb.SetMaxIdleConns(8)
	}
	sqldb.SetConnMaxLifetime(0)
	sqldb.SetConnMaxIdleTime(0)
	return bun.NewDB(sqldb, sqlitedialect.New()), nil
}

// sqlitePageSize suits entities of ~10 KB: a body fits one page instead of
// a chain of overflow pages, so a bulk ingest writes a third of the pages
// and a point read touches one.
const sqlitePageSize = 16384

// createSQLiteFile gives a database file that does not exist yet its page
// size before WAL mode fixes it (modernc applies DSN pragmas sorted by name,
// so journal_mode would always come first).
func createSQLiteFile(full string) error {
	path := sqliteFilePath(full)
	if strings.Contains(full, "mode=memory") || path == "" {
		return nil
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath())
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(fmt.Sprintf("PRAGMA page_size = %d; PRAGMA journal_mode = WAL", sqlitePageSize))
	return err
}

// sqliteFilePath is the file a SQLite DSN opens ("" for none).
func sqliteFilePath(full string) string {
	path, _, _ := strings.Cut(strings.TrimPrefix(full, "file:"), "?")
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	return path
}

func openPG(dsn string) (*bun.DB, error) {
	if dsn == "" {
		return nil, fmt.Errorf("open postgres: empty DSN")
	}
	sqldb := sql.OpenDB(guardedConnector{pgdriver.NewConnector(pgdriver.WithDSN(dsn))})
	sqldb.SetMaxOpenConns(16)
	sqldb.SetMaxIdleConns(16)
	return bun.NewDB(sqldb, pgdialect.New()), nil
}

// EnsurePGDatabase creates dbName on the server serverDSN points at when it
// does not exist yet, as Backstage does with `<prefix>catalog`.
func EnsurePGDatabase(ctx context.Context, serverDSN, dbName string) error {
	sqldb := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(serverDSN)))
	defer sqldb.Close()
	var n int
	err := sqldb.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", dbName).Scan(&n)
	if err != nil {
		return fmt.Errorf("look up database %s: %w", dbName, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := sqldb.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(dbName)); err != nil {
		// Another replica may have created it in the meantime.
		if err2 := sqldb.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", dbName).Scan(&n); err2 == nil && n > 0 {
			return nil
		}
		return fmt.Errorf("create database %s: %w", dbName, err)
	}
	return nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// DB returns the bun handle, for features that keep their own tables in the
// catalog's database.
func (s *Store) DB() *bun.DB { return s.db }

// Dialect returns "sqlite" or "pg", for features whose SQL differs.
func (s *Store) Dialect() string { return s.dialect.name() }

// Generation changes whenever a mutation commits in this process.
func (s *Store) Generation() uint64 { return s.gen.Load() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.sql.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", s.dialect.name(), err)
	}
	return nil
}

// Checkpoint pacing: the checkpointer waits until commits pause for
// checkpointQuiet, but no longer than checkpointEvery further commits. A
// bulk ingest commits every few tens of milliseconds; checkpointing after
// each commit copied the index pages every commit rewrites again and again
// and took CPU from the writer, while waiting copies each page once.
//
// A checkpoint that fails (the database file cannot grow on a full disk)
// or stops short (a reader still needs old pages) is retried on a timer,
// from checkpointRetryMin doubling to checkpointRetryMax, not only after
// the next commit: after a full disk there may be none for a long time,
// and the WAL holds everything meanwhile (issue 15). Once a checkpoint is
// complete while commits pause, a WAL larger than walTruncateBytes is
// truncated, so the space a burst took is given back.
const (
	checkpointQuiet    = 250 * time.Millisecond
	checkpointEvery    = 16
	checkpointRetryMin = time.Second
	checkpointRetryMax = 30 * time.Second
)

// walTruncateBytes is a var for tests.
var walTruncateBytes int64 = 16 << 20

// startCheckpointer runs WAL checkpoints after mutations in the
// background, so that a bulk ingest returns once its commit is durable in
// the WAL rather than after copying every page into the database file.
func (s *Store) startCheckpointer(walPath string) {
	ctx, cancel := context.WithCancel(context.Background())
	s.checkpoints = make(chan struct{}, 1)
	s.stopCheckpoint = cancel
	s.checkpointDone = make(chan struct{})
	go func() {
		defer close(s.checkpointDone)
		quiet := time.NewTimer(time.Hour)
		quiet.Stop()
		retry := time.NewTimer(time.Hour)
		retry.Stop()
		var (
			pending int
			backoff time.Duration // zero while checkpoints succeed
		)
		for {
			idle := true
			select {
			case <-ctx.Done():
				return
			case <-s.checkpoints:
				pending++
				if pending < checkpointEvery {
					quiet.Reset(checkpointQuiet)
					continue
				}
				quiet.Stop()
				idle = false
			case <-quiet.C:
			case <-retry.C:
			}
			pending = 0
			err := s.checkpoint(ctx, walPath, idle)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				switch {
				case backoff != 0:
				case errors.Is(err, errCheckpointShort):
					// Readers during a bulk load: ordinary.
					s.log.Debug("sqlite checkpoint stopped short; retrying on a timer")
				default:
					s.log.Warn("sqlite checkpoint failed; retrying on a timer", "err", explainDiskFull(err))
				}
				backoff = min(max(2*backoff, checkpointRetryMin), checkpointRetryMax)
				retry.Reset(backoff)
			case backoff != 0:
				s.log.Debug("sqlite checkpoint complete again")
				backoff = 0
				retry.Stop()
			}
		}
	}()
}

// errCheckpointShort is a checkpoint that could not copy the whole WAL.
var errCheckpointShort = errors.New("checkpoint stopped short of the end of the WAL (a reader holds old pages, or the database file could not grow)")

// checkpoint copies the WAL into the database file. When commits pause
// (idle) and the whole WAL was copied, a WAL above walTruncateBytes is
// truncated to nothing, without waiting for readers or writers.
func (s *Store) checkpoint(ctx context.Context, walPath string, idle bool) error {
	var busy, logFrames, copied int
	err := s.sql.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &copied)
	if err != nil {
		return err
	}
	if busy != 0 || copied < logFrames {
		return errCheckpointShort
	}
	if !idle || walPath == "" {
		return nil
	}
	if info, err := os.Stat(walPath); err != nil || info.Size() <= walTruncateBytes {
		return nil
	}
	// The truncation runs on the writer connection. Resetting the WAL from
	// any other connection gives it a new header, and SQLite then throws
	// away the writer's page cache: a bulk load that paused between two
	// mutations re-read every index page it had just written. A mutation
	// holding the writer means commits have not paused after all: the
	// timer retries.
	if !s.applyMu.TryLock() {
		return errCheckpointShort
	}
	defer s.applyMu.Unlock()
	conn := s.writerConn
	if conn == nil {
		if conn, err = s.sql.Conn(ctx); err != nil {
			return err
		}
		defer conn.Close()
	}
	// No waiting: a TRUNCATE checkpoint that waited for readers would hold
	// writers back meanwhile. A busy answer is retried on the timer.
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), "PRAGMA busy_timeout = 5000") //nolint:errcheck // back to the DSN's value
	if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &copied); err != nil {
		return err
	}
	if busy != 0 {
		return errCheckpointShort
	}
	return nil
}

// Close stops the checkpointer and releases the prepared statements and the
// connection pool.
func (s *Store) Close() error {
	if s.stopCheckpoint != nil {
		s.stopCheckpoint()
		<-s.checkpointDone
	}
	if s.stmts != nil {
		s.stmts.close()
	}
	s.applyMu.Lock()
	if s.writerConn != nil {
		s.writerConn.Close()
		s.writerConn = nil
	}
	s.applyMu.Unlock()
	s.prepared.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	return s.db.Close()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newUID returns a version-7 UUID string: Backstage's uids are UUIDs
// (version 4, random) and clients treat them as opaque, but a time-ordered
// one lands at the end of the uid index instead of at a random page, which
// makes a bulk ingest rewrite far fewer index pages per commit.
func newUID() string {
	return uuid.Must(uuid.NewV7()).String()
}

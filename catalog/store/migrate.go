package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/uptrace/bun"
	bundialect "github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// migrationName is NNN_name.sql (both dialects) or NNN_name.sqlite.sql /
// NNN_name.pg.sql (one dialect).
var migrationName = regexp.MustCompile(`^(\d+)_([A-Za-z0-9_\-]+?)(?:\.(sqlite|pg))?\.sql$`)

type migration struct {
	version int
	name    string
	file    string
}

// Migrate applies the numbered, forward-only SQL files at the root of fsys
// that have not been applied yet for owner, each in its own transaction, and
// records them in schema_migrations(owner, version). Features that keep
// their own tables in the catalog's database (provider runs, sessions, the
// operation index) call it with their own owner and embedded files. It is
// safe to run concurrently from several replicas.
func Migrate(ctx context.Context, db *bun.DB, owner string, fsys fs.FS) error {
	dl := dialectOf(db)
	list, err := readMigrations(fsys, dl.name())
	if err != nil {
		return fmt.Errorf("migrate %s: %w", owner, err)
	}
	if err := inMigrationTx(ctx, db.DB, dl, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
  owner      TEXT   NOT NULL,
  version    BIGINT NOT NULL,
  name       TEXT   NOT NULL,
  applied_at BIGINT NOT NULL,
  PRIMARY KEY (owner, version)
)`)
		return err
	}); err != nil {
		return fmt.Errorf("migrate %s: create schema_migrations: %w", owner, err)
	}
	for _, m := range list {
		err := inMigrationTx(ctx, db.DB, dl, func(tx *sql.Tx) error {
			var n int
			q := dl.rebind("SELECT count(*) FROM schema_migrations WHERE owner = ? AND version = ?")
			if err := tx.QueryRowContext(ctx, q, owner, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			body, err := fs.ReadFile(fsys, m.file)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			q = dl.rebind("INSERT INTO schema_migrations (owner, version, name, applied_at) VALUES (?, ?, ?, ?)")
			_, err = tx.ExecContext(ctx, q, owner, m.version, m.name, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %s: %w", owner, m.file, err)
		}
	}
	return nil
}

// migrateCatalog applies the catalog's own migrations. On PostgreSQL they
// run on a connection of their own that waits maintenanceReadTimeout for an
// answer: the pool's read timeout (pgdriver's 10 s) cut migration 005's
// UPDATE of every search row short at 100,000 APIs (~12 s), and the store
// would not open.
func (s *Store) migrateCatalog(ctx context.Context, fsys fs.FS) error {
	if s.dialect.name() != Postgres {
		return Migrate(ctx, s.db, MigrationOwner, fsys)
	}
	db := bun.NewDB(s.maintenanceDB(), pgdialect.New())
	defer db.Close()
	return Migrate(ctx, db, MigrationOwner, fsys)
}

func readMigrations(fsys fs.FS, dialectName string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	byVersion := map[int]migration{}
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if e.IsDir() || m == nil || (m[3] != "" && m[3] != dialectName) {
			continue
		}
		v, err := strconv.Atoi(m[1])
		if err != nil {
			return nil, fmt.Errorf("%s: bad version: %w", e.Name(), err)
		}
		if prev, ok := byVersion[v]; ok {
			return nil, fmt.Errorf("%s and %s share version %d", prev.file, e.Name(), v)
		}
		byVersion[v] = migration{version: v, name: m[2], file: e.Name()}
	}
	list := make([]migration, 0, len(byVersion))
	for _, m := range byVersion {
		list = append(list, m)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].version < list[j].version })
	return list, nil
}

// inMigrationTx runs fn in a transaction that, on PostgreSQL, holds an
// advisory lock so replicas starting together migrate one at a time (SQLite
// serializes through its immediate write lock).
func inMigrationTx(ctx context.Context, db *sql.DB, dl dialect, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if dl.name() == Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7007001)"); err != nil {
			return err
		}
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func dialectOf(db *bun.DB) dialect {
	if db.Dialect().Name() == bundialect.PG {
		return pgDialect{}
	}
	return sqliteDialect{}
}

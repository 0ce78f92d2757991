package store

import (
	"context"
	"io/fs"
	"testing"
	"testing/fstest"
)

func TestMigrateIsIdempotentAndPerDialect(t *testing.T) {
	feature := fstest.MapFS{
		"001_runs.sql":         {Data: []byte("CREATE TABLE feature_runs (id TEXT PRIMARY KEY, n INTEGER NOT NULL);")},
		"002_extra.sqlite.sql": {Data: []byte("CREATE TABLE feature_extra (id INTEGER PRIMARY KEY);")},
		"002_extra.pg.sql":     {Data: []byte("CREATE TABLE feature_extra (id BIGINT PRIMARY KEY);")},
		"003_more.sql":         {Data: []byte("ALTER TABLE feature_runs ADD COLUMN note TEXT;\nCREATE INDEX feature_runs_n ON feature_runs (n);")},
		"README.md":            {Data: []byte("not a migration")},
		"004_other.mysql.sql":  {Data: []byte("this is never run")},
	}
	eachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for i := 0; i < 2; i++ {
			if err := Migrate(ctx, s.DB(), "feature", feature); err != nil {
				t.Fatalf("run %d: %v", i, err)
			}
		}
		var n int
		if err := s.DB().QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE owner = 'feature'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Errorf("recorded %d feature migrations, want 3", n)
		}
		if _, err := s.DB().ExecContext(ctx, "INSERT INTO feature_runs (id, n, note) VALUES ('a', 1, 'x')"); err != nil {
			t.Errorf("migrated table unusable: %v", err)
		}
		// The catalog's own migrations ran once, and reopening is a no-op.
		sub, _ := fs.Sub(migrationFiles, "migrations")
		own, err := readMigrations(sub, s.dialect.name())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DB().QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE owner = 'catalog'").Scan(&n); err != nil || n != len(own) {
			t.Errorf("catalog migrations recorded = %d, %v; want %d", n, err, len(own))
		}
	})
}

func TestMigrateRejectsDuplicateVersions(t *testing.T) {
	s := openSQLiteT(t)
	fsys := fstest.MapFS{
		"001_a.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")},
		"001_b.sql": {Data: []byte("CREATE TABLE b (x INTEGER);")},
	}
	if err := Migrate(context.Background(), s.DB(), "dup", fsys); err == nil {
		t.Fatal("duplicate versions accepted")
	}
}

func TestMigrateFailureRollsBack(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		fsys := fstest.MapFS{"001_bad.sql": {Data: []byte("CREATE TABLE half (x INTEGER);\nTHIS IS NOT SQL;")}}
		if err := Migrate(ctx, s.DB(), "bad", fsys); err == nil {
			t.Fatal("bad migration succeeded")
		}
		var n int
		if err := s.DB().QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE owner = 'bad'").Scan(&n); err != nil || n != 0 {
			t.Errorf("failed migration recorded: %d %v", n, err)
		}
	})
}

func TestReopenKeepsData(t *testing.T) {
	path := t.TempDir() + "/c.db"
	ctx := context.Background()
	s, err := Open(ctx, Config{Driver: "sqlite3", DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	apply(t, s, "p", "full", testEntity("API", "kept"))
	s.Close()
	s, err = Open(ctx, Config{Driver: "better-sqlite3", DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustRef(t, s, "api:default/kept")
	if s.Dialect() != SQLite {
		t.Errorf("Dialect = %s", s.Dialect())
	}
}

func TestMemoryDatabasesAreSeparate(t *testing.T) {
	ctx := context.Background()
	a, err := Open(ctx, Config{Driver: "sqlite", DSN: ":memory:"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, Config{Driver: "sqlite", DSN: ":memory:"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	apply(t, a, "p", "full", testEntity("API", "only-in-a"))
	if _, err := b.ByRef(ctx, testEntity("API", "only-in-a").Ref); err == nil {
		t.Error("two :memory: stores share data")
	}
	mustRef(t, a, "api:default/only-in-a")
}

package store

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/porticohq/portico/catalog"
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

// A database created before migration 005 gains search.ref_key, filled
// from each row's entity, and search_key_value ordered by it; queries walk
// it with the right answers.
func TestMigrationFillsSearchRefKeys(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		model := plannedCatalog(t, s, 60)
		// Back to the schema of migration 004.
		back := []string{"DROP TRIGGER search_ref_key"}
		if s.dialect.name() == Postgres {
			back = []string{"DROP TRIGGER search_ref_key ON search", "DROP FUNCTION search_fill_ref_key()"}
		}
		for _, q := range append(back,
			"DROP INDEX search_key_value",
			"ALTER TABLE search DROP COLUMN ref_key",
			"CREATE INDEX search_key_value ON search (key, value, entity_id)",
			"DELETE FROM schema_migrations WHERE owner = 'catalog' AND version = 5",
		) {
			if _, err := s.DB().ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		sub, _ := fs.Sub(migrationFiles, "migrations")
		if err := Migrate(ctx, s.DB(), "catalog", sub); err != nil {
			t.Fatal(err)
		}
		var rows, wrong int
		if err := s.DB().QueryRowContext(ctx, `SELECT count(*), coalesce(sum(CASE WHEN s.ref_key = e.ref_key THEN 0 ELSE 1 END), 0)
FROM search s JOIN entities e ON e.id = s.entity_id`).Scan(&rows, &wrong); err != nil {
			t.Fatal(err)
		}
		if rows == 0 || wrong != 0 {
			t.Errorf("%d of %d search rows lack their entity's ref key", wrong, rows)
		}
		def := "SELECT sql FROM sqlite_master WHERE name = 'search_key_value'"
		if s.dialect.name() == Postgres {
			def = "SELECT indexdef FROM pg_indexes WHERE indexname = 'search_key_value' AND schemaname = current_schema()"
		}
		var got string
		if err := s.DB().QueryRowContext(ctx, def).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got, "(key, value, ref_key, entity_id)") {
			t.Errorf("search_key_value after migrating: %s", got)
		}
		set := catalog.FilterSet{cond("kind", "api"), cond("spec.owner", "team-3")}
		var want []string
		for _, e := range model {
			if e.matches(set) {
				want = append(want, e.name)
			}
		}
		if got, total := allPages(t, s, catalog.Query{Filter: catalog.Filter{set}, Limit: 2}); !slices.Equal(got, want) || total != len(want) {
			t.Errorf("after migrating: %v (total %d), want %v", got, total, want)
		}
	})
}

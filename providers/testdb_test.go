package providers

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog/store/storetest"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	_ "modernc.org/sqlite"
)

// testDB is one database a scheduler test runs against; dsn lets a test open
// more handles (another "replica") on the same database.
type testDB struct {
	name string
	dsn  string
	open func(tb testing.TB) *bun.DB
}

// testDBs returns SQLite always and PostgreSQL when storetest.EnvPG is set.
func testDBs(t *testing.T) []testDB {
	t.Helper()
	dbs := []testDB{sqliteDB(t)}
	if pg, ok := postgresDB(t); ok {
		dbs = append(dbs, pg)
	}
	return dbs
}

func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
}

func sqliteDB(t *testing.T) testDB {
	dsn := sqliteDSN(filepath.Join(t.TempDir(), "portico.db"))
	return testDB{name: "sqlite", dsn: dsn, open: func(tb testing.TB) *bun.DB { return openDSN(tb, dsn) }}
}

func openDSN(tb testing.TB, dsn string) *bun.DB {
	tb.Helper()
	var db *bun.DB
	if strings.HasPrefix(dsn, "postgres") {
		db = bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn))), pgdialect.New())
	} else {
		sqldb, err := sql.Open("sqlite", dsn)
		if err != nil {
			tb.Fatal(err)
		}
		db = bun.NewDB(sqldb, sqlitedialect.New())
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func postgresDB(t *testing.T) (testDB, bool) {
	if os.Getenv(storetest.EnvPG) == "" {
		t.Log(storetest.EnvPG + " is not set: skipping the PostgreSQL half")
		return testDB{}, false
	}
	dsn := storetest.PostgresDSN(t)
	return testDB{name: "postgres", dsn: dsn, open: func(tb testing.TB) *bun.DB { return openDSN(tb, dsn) }}, true
}

func migrated(t *testing.T, db *bun.DB) *bun.DB {
	t.Helper()
	if err := migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

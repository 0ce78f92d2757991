// Package storetest opens real catalog stores for the tests of packages
// built on them: a fresh SQLite file, and a fresh PostgreSQL database when
// PORTICO_TEST_PG_DSN is set, dropped when the test ends. It exists so that
// every such package runs the same way on both dialects.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/porticohq/portico/catalog/store"
)

// EnvPG names the environment variable with the PostgreSQL server's DSN.
const EnvPG = "PORTICO_TEST_PG_DSN"

// Each runs fn as subtest "sqlite" on a fresh SQLite store and as subtest
// "pg" on a fresh PostgreSQL database, which skips when EnvPG is unset.
func Each(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("pg", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite opens a store on a new file in the test's temporary directory.
func SQLite(tb testing.TB) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), store.Config{Driver: store.SQLite, DSN: filepath.Join(tb.TempDir(), "portico.db")})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// Open opens a fresh store of driver (store.SQLite or store.Postgres).
func Open(tb testing.TB, driver string) *store.Store {
	tb.Helper()
	if driver == store.Postgres {
		return Postgres(tb)
	}
	return SQLite(tb)
}

// Postgres creates a database on the server EnvPG names, opens a store on
// it and drops it when the test ends. It skips the test when EnvPG is unset.
func Postgres(tb testing.TB) *store.Store {
	tb.Helper()
	return OpenPostgres(tb, PostgresDSN(tb))
}

// OpenPostgres opens a store on the PostgreSQL database dsn names, closed
// when the test ends: a second one on a PostgresDSN is another replica.
func OpenPostgres(tb testing.TB, dsn string) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), store.Config{Driver: store.Postgres, DSN: dsn})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// PostgresDSN creates an empty database on the server EnvPG names and
// returns its DSN (same server, user and parameters), for tests that start
// the binary or open several connections; the database is dropped, with
// any connection still open, when the test ends. It skips the test when
// EnvPG is unset.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	server := os.Getenv(EnvPG)
	if server == "" {
		tb.Skip(EnvPG + " is not set: skipping the PostgreSQL half")
	}
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("%s: %v", EnvPG, err)
	}
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "portico_test_" + hex.EncodeToString(b[:])
	if err := store.EnsurePGDatabase(ctx, server, name); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		admin := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(server)))
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			tb.Errorf("drop %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

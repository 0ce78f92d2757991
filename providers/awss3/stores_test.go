package awss3

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/porticohq/portico/catalog/store"
)

// eachStore runs fn on a fresh SQLite store and, when PORTICO_TEST_PG_DSN
// is set, on a fresh PostgreSQL database dropped afterwards.
func eachStore(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := store.Open(context.Background(), store.Config{Driver: store.SQLite, DSN: filepath.Join(t.TempDir(), "portico.db")})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		fn(t, st)
	})
	t.Run("pg", func(t *testing.T) {
		base := os.Getenv("PORTICO_TEST_PG_DSN")
		if base == "" {
			t.Skip("PORTICO_TEST_PG_DSN is not set: skipping the PostgreSQL half")
		}
		var b [6]byte
		_, _ = rand.Read(b[:])
		name := "portico_awss3_" + hex.EncodeToString(b[:])
		if err := store.EnsurePGDatabase(context.Background(), base, name); err != nil {
			t.Fatal(err)
		}
		admin := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(base)))
		defer func() { _, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); _ = admin.Close() }()
		path, query, _ := strings.Cut(base, "?")
		dsn := path[:strings.LastIndex(path, "/")+1] + name
		if query != "" {
			dsn += "?" + query
		}
		st, err := store.Open(context.Background(), store.Config{Driver: store.Postgres, DSN: dsn})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		fn(t, st)
	})
}

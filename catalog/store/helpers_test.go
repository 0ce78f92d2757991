package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/porticohq/portico/catalog"
)

// pgRunDSN points at the database this test run created on the server in
// PORTICO_TEST_PG_DSN; empty when that variable is unset.
var pgRunDSN string

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

func runTests(m *testing.M) int {
	server := os.Getenv("PORTICO_TEST_PG_DSN")
	if server == "" {
		return m.Run()
	}
	ctx := context.Background()
	name := "portico_store_test_" + randomHex(4)
	if err := EnsurePGDatabase(ctx, server, name); err != nil {
		fmt.Fprintln(os.Stderr, "create test database:", err)
		return 1
	}
	defer func() {
		db := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(server)))
		defer db.Close()
		if _, err := db.ExecContext(ctx, "DROP DATABASE "+quoteIdent(name)+" WITH (FORCE)"); err != nil {
			fmt.Fprintln(os.Stderr, "drop test database:", err)
		}
	}()
	pgRunDSN = withParams(server, name, nil)
	return m.Run()
}

// withParams returns dsn with its database replaced by db and params added.
func withParams(dsn, db string, params map[string]string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	if db != "" {
		u.Path = "/" + db
	}
	q := u.Query()
	for k, v := range params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// eachDialect runs fn against a fresh SQLite file and, when
// PORTICO_TEST_PG_DSN is set, a fresh PostgreSQL schema.
func eachDialect(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, openSQLiteT(t)) })
	t.Run("pg", func(t *testing.T) {
		if pgRunDSN == "" {
			t.Skip("PORTICO_TEST_PG_DSN is not set: skipping the PostgreSQL half")
		}
		fn(t, openPGT(t))
	})
}

func openSQLiteT(tb testing.TB) *Store {
	tb.Helper()
	s, err := Open(context.Background(), Config{Driver: "sqlite", DSN: filepath.Join(tb.TempDir(), "catalog.db")})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func openPGT(tb testing.TB) *Store {
	tb.Helper()
	ctx := context.Background()
	schema := "t_" + randomHex(6)
	admin := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(pgRunDSN)))
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatal(err)
	}
	s, err := Open(ctx, Config{Driver: "pg", DSN: withParams(pgRunDSN, "", map[string]string{"search_path": schema})})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// entityOpt changes a test entity before it is hashed.
type entityOpt func(*catalog.ProcessedEntity)

// testEntity builds a processed entity as ingest would hand it over.
func testEntity(kind, name string, opts ...entityOpt) catalog.ProcessedEntity {
	e := &catalog.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       kind,
		Metadata:   catalog.Metadata{Name: name, Namespace: "default"},
		Spec:       map[string]any{},
	}
	pe := catalog.ProcessedEntity{
		Ref:         e.Ref(),
		LocationKey: "file:/catalog/" + name + ".yaml",
		Location:    "file:/catalog/" + name + ".yaml",
		Entity:      e,
	}
	for _, o := range opts {
		o(&pe)
	}
	pe.Hash = hashOf(&pe)
	return pe
}

func hashOf(pe *catalog.ProcessedEntity) string {
	b, _ := json.Marshal(struct {
		E *catalog.Entity
		R []catalog.RelationRow
		K string
	}{pe.Entity, pe.Relations, pe.LocationKey})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func spec(kv ...any) entityOpt {
	return func(pe *catalog.ProcessedEntity) {
		for i := 0; i+1 < len(kv); i += 2 {
			pe.Entity.Spec[kv[i].(string)] = kv[i+1]
		}
	}
}

func tags(t ...string) entityOpt {
	return func(pe *catalog.ProcessedEntity) { pe.Entity.Metadata.Tags = t }
}

func title(s string) entityOpt {
	return func(pe *catalog.ProcessedEntity) { pe.Entity.Metadata.Title = s }
}

func description(s string) entityOpt {
	return func(pe *catalog.ProcessedEntity) { pe.Entity.Metadata.Description = s }
}

func location(key, loc string) entityOpt {
	return func(pe *catalog.ProcessedEntity) { pe.LocationKey, pe.Location = key, loc }
}

func problems(msg string) entityOpt {
	return func(pe *catalog.ProcessedEntity) {
		pe.Problems = []catalog.Problem{{File: pe.Location, Entity: pe.Ref.String(), Field: "spec.owner", Message: msg}}
	}
}

// ownedBy sets spec.owner and emits ownedBy/ownerOf as ingest does.
func ownedBy(group string) entityOpt {
	return func(pe *catalog.ProcessedEntity) {
		pe.Entity.Spec["owner"] = group
		target := catalog.Ref{Kind: "group", Namespace: "default", Name: group}
		src := pe.Ref.Key()
		pe.Relations = append(pe.Relations,
			catalog.RelationRow{Source: src, Type: "ownedBy", Target: target.Key()},
			catalog.RelationRow{Source: target.Key(), Type: "ownerOf", Target: src})
	}
}

func apply(tb testing.TB, s *Store, provider string, typ catalog.MutationType, es ...catalog.ProcessedEntity) catalog.ApplyResult {
	tb.Helper()
	res, err := s.Apply(context.Background(), catalog.StoreMutation{Provider: provider, Type: typ, Entities: es})
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func mustRef(tb testing.TB, s *Store, ref string) (*catalog.StoredEntity, *catalog.Entity) {
	tb.Helper()
	se, err := s.ByRef(context.Background(), catalog.MustParseRef(ref))
	if err != nil {
		tb.Fatalf("ByRef(%s): %v", ref, err)
	}
	e, err := se.Decode()
	if err != nil {
		tb.Fatalf("decode %s: %v\n%s", ref, err, se.JSON)
	}
	return se, e
}

// queryStrings reads the one text column q selects from s's database.
func queryStrings(t *testing.T, s *Store, q string, args ...any) []string {
	t.Helper()
	rows, err := s.sql.Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

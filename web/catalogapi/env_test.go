package catalogapi

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/web"
)

// testDatabase opens an empty store: SQLite in a temporary directory, or a
// fresh PostgreSQL database (dropped afterwards).
type testDatabase struct {
	name string
	open func(tb testing.TB) *store.Store
}

// testDatabases returns SQLite always and PostgreSQL when
// PORTICO_TEST_PG_DSN is set.
func testDatabases(t *testing.T) []testDatabase {
	t.Helper()
	dbs := []testDatabase{{name: "sqlite", open: openSQLiteStore}}
	if dsn := os.Getenv("PORTICO_TEST_PG_DSN"); dsn != "" {
		dbs = append(dbs, testDatabase{name: "postgres", open: func(tb testing.TB) *store.Store {
			return openPGStore(tb, dsn)
		}})
	} else {
		t.Log("PORTICO_TEST_PG_DSN is not set: skipping the PostgreSQL half")
	}
	return dbs
}

func openSQLiteStore(tb testing.TB) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), store.Config{Driver: "sqlite", DSN: filepath.Join(tb.TempDir(), "portico.db")})
	if err != nil {
		tb.Fatalf("open sqlite store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func openPGStore(tb testing.TB, serverDSN string) *store.Store {
	tb.Helper()
	b := make([]byte, 5)
	rand.Read(b)
	name := "portico_web_" + hex.EncodeToString(b)
	admin := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(serverDSN)))
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		tb.Fatalf("create test database: %v", err)
	}
	st, err := store.Open(context.Background(), store.Config{Driver: "pg", DSN: withDatabase(serverDSN, name)})
	if err != nil {
		tb.Fatalf("open pg store: %v", err)
	}
	tb.Cleanup(func() {
		st.Close()
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	return st
}

// withDatabase replaces the database name in a postgres:// DSN.
func withDatabase(dsn, name string) string {
	query := ""
	if i := strings.Index(dsn, "?"); i >= 0 {
		dsn, query = dsn[:i], dsn[i:]
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(dsn, "postgres://"), "postgresql://")
	scheme := dsn[:len(dsn)-len(rest)]
	if i := strings.Index(rest, "/"); i >= 0 {
		rest = rest[:i]
	}
	return scheme + rest + "/" + name + query
}

// apiEntity returns API entity i: even ones in production, odd ones
// experimental; owners alternate between team-a and team-b. definitionBytes
// pads spec.definition to make the entity about that large.
func apiEntity(i, definitionBytes int) catalog.Entity {
	lifecycle := "production"
	if i%2 == 1 {
		lifecycle = "experimental"
	}
	owner := "group:default/team-a"
	if i%3 == 0 {
		owner = "group:default/team-b"
	}
	def := fmt.Sprintf("openapi: 3.0.3\ninfo:\n  title: API %d\n  version: '1'\npaths: {}\n", i)
	if pad := definitionBytes - len(def); pad > 0 {
		def += "# " + strings.Repeat("x", pad) + "\n"
	}
	return catalog.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       "API",
		Metadata: catalog.Metadata{
			Name:        fmt.Sprintf("api-%06d", i),
			Description: fmt.Sprintf("Generated API number %d", i),
			Tags:        []string{"generated", "rest"},
			Annotations: map[string]string{"example.com/index": fmt.Sprint(i)},
		},
		Spec: map[string]any{
			"type":       "openapi",
			"lifecycle":  lifecycle,
			"owner":      owner,
			"system":     fmt.Sprintf("system-%d", i%4),
			"definition": def,
		},
	}
}

func groupEntity(name string) catalog.Entity {
	return catalog.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       "Group",
		Metadata:   catalog.Metadata{Name: name},
		Spec:       map[string]any{"type": "team", "children": []any{}},
	}
}

// ingest applies a full mutation of entities as provider.
func ingest(tb testing.TB, cat *catalog.Catalog, provider string, entities ...catalog.Entity) {
	tb.Helper()
	m := catalog.Mutation{Type: catalog.Full}
	for i, e := range entities {
		m.Entities = append(m.Entities, catalog.DeferredEntity{
			Entity:      e,
			LocationKey: provider,
			Source: catalog.Source{
				Location:       "file:/catalog/" + provider + ".yaml",
				OriginLocation: "file:/catalog/*.yaml",
				Document:       i + 1,
			},
		})
	}
	res, err := cat.Apply(context.Background(), provider, m)
	if err != nil {
		tb.Fatalf("apply %s: %v", provider, err)
	}
	if res.Invalid > 0 {
		tb.Fatalf("apply %s: %d invalid entities: %v", provider, res.Invalid, res.Problems)
	}
}

// testEnv is a server over a real store holding 12 APIs (api-000000 …
// api-000011) and two groups.
type testEnv struct {
	srv   *web.Server
	api   *API
	store *store.Store
	cat   *catalog.Catalog
}

// serve mounts the API built from opts on a web server under
// /api/catalog, as the catalog plugin does.
func serve(opts Options) (*web.Server, *API) {
	srv := web.New(web.Options{Store: opts.Store, Logger: opts.Logger})
	api := New(opts)
	api.Register(srv.Echo.Group("/api/catalog"))
	return srv, api
}

func newTestEnv(tb testing.TB, open func(testing.TB) *store.Store, opts Options) *testEnv {
	tb.Helper()
	st := open(tb)
	cat := catalog.New(st, catalog.Options{})
	entities := []catalog.Entity{groupEntity("team-a"), groupEntity("team-b")}
	for i := range 12 {
		entities = append(entities, apiEntity(i, 200))
	}
	ingest(tb, cat, "file:/catalog/all.yaml", entities...)
	opts.Store, opts.Catalog = st, cat
	srv, api := serve(opts)
	return &testEnv{srv: srv, api: api, store: st, cat: cat}
}

// do sends a request through the server and returns status and body.
func (e *testEnv) do(tb testing.TB, method, target, body string, header ...string) (*http.Response, string) {
	tb.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

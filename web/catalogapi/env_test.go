package catalogapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/catalogtest"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
	"github.com/porticohq/portico/web"
)

// testDatabase opens an empty store: SQLite in a temporary directory, or a
// fresh PostgreSQL database (dropped afterwards).
type testDatabase struct {
	name string
	open func(tb testing.TB) *store.Store
}

// testDatabases returns SQLite, and PostgreSQL (skipped when
// PORTICO_TEST_PG_DSN is unset).
func testDatabases(*testing.T) []testDatabase {
	return []testDatabase{{name: "sqlite", open: storetest.SQLite}, {name: "postgres", open: storetest.Postgres}}
}

var openSQLiteStore = storetest.SQLite

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
	entities := []catalog.Entity{catalogtest.GroupEntity("team-a"), catalogtest.GroupEntity("team-b")}
	for i := range 12 {
		entities = append(entities, catalogtest.APIEntity(i, 200))
	}
	catalogtest.Ingest(tb, cat, "file:/catalog/all.yaml", entities...)
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

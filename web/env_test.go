package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/catalogtest"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
)

var openSQLiteStore = storetest.SQLite

// testEnv is a server over a real store holding 12 APIs (api-000000 …
// api-000011) and two groups.
type testEnv struct {
	srv   *Server
	store *store.Store
	cat   *catalog.Catalog
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
	opts.Store = st
	srv := New(opts)
	srv.Echo.GET("/api/catalog/entities/by-name/:kind/:namespace/:name", entityByName(st))
	return &testEnv{srv: srv, store: st, cat: cat}
}

// entityByName stands in for the catalog API's route of that name (package
// catalogapi, which the catalog plugin mounts): the server's tests need a
// real route that answers 200 or a catalog error.
func entityByName(st catalog.Store) echo.HandlerFunc {
	return func(c *echo.Context) error {
		ref := catalog.Ref{Kind: c.Param("kind"), Namespace: c.Param("namespace"), Name: c.Param("name")}
		e, err := st.ByRef(c.Request().Context(), ref)
		if err != nil {
			if errors.Is(err, catalog.ErrNotFound) {
				return catalog.Errorf(catalog.ENOTFOUND, "No such entity %s", ref)
			}
			return err
		}
		return WriteBody(c, http.StatusOK, mimeJSON, e.JSON)
	}
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

// mustGet returns the body of a GET that must answer 200.
func mustGet(t *testing.T, env *testEnv, target string) string {
	t.Helper()
	res, body := env.do(t, "GET", target, "")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", target, res.StatusCode, body)
	}
	return body
}

// assertErrorBody checks an error answer's status, type and JSON body.
func assertErrorBody(t *testing.T, res *http.Response, body string, want errorBody) {
	t.Helper()
	if res.StatusCode != want.Response.StatusCode {
		t.Errorf("status = %d, want %d", res.StatusCode, want.Response.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != mimeJSON {
		t.Errorf("Content-Type = %q", ct)
	}
	wantJSON, _ := json.Marshal(want)
	if body != string(wantJSON) {
		t.Errorf("body\n got %s\nwant %s", body, wantJSON)
	}
}

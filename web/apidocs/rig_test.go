package apidocs

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/openapi"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
)

// testAPI is one API entity the rig stores.
type testAPI struct {
	name, typ, definition string
	links                 []catalog.Link
	title                 string
	annotations           map[string]string
}

type rig struct {
	e     *echo.Echo
	h     *Handler
	store *store.Store
}

// newRig stores the APIs in a real SQLite store through the real ingest
// pipeline and registers the feature on a fresh echo.
func newRig(tb testing.TB, opts Options, apis ...testAPI) *rig {
	tb.Helper()
	return newRigOn(tb, "sqlite", opts, apis...)
}

// stores lists the databases store-backed tests run on: SQLite, and
// PostgreSQL when storetest.EnvPG is set.
func stores(t *testing.T) []string {
	if os.Getenv(storetest.EnvPG) == "" {
		t.Log(storetest.EnvPG + " is unset: the PostgreSQL half is skipped")
		return []string{store.SQLite}
	}
	return []string{store.SQLite, store.Postgres}
}

func openStore(tb testing.TB, driver string) *store.Store { return storetest.Open(tb, driver) }

func newRigOn(tb testing.TB, driver string, opts Options, apis ...testAPI) *rig {
	tb.Helper()
	ctx := context.Background()
	st := openStore(tb, driver)
	cat := catalog.New(st, catalog.Options{})
	m := catalog.Mutation{Type: catalog.Full, Entities: []catalog.DeferredEntity{{
		Entity: catalog.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Group", Metadata: catalog.Metadata{Name: "team"}, Spec: map[string]any{"type": "team", "children": []any{}}},
	}}}
	for _, a := range apis {
		typ := a.typ
		if typ == "" {
			typ = "openapi"
		}
		m.Entities = append(m.Entities, catalog.DeferredEntity{Entity: catalog.Entity{
			APIVersion: "backstage.io/v1alpha1", Kind: "API",
			Metadata: catalog.Metadata{Name: a.name, Title: a.title, Links: a.links, Annotations: a.annotations, Description: "API " + a.name},
			Spec:     map[string]any{"type": typ, "lifecycle": "production", "owner": "group:team", "definition": a.definition},
		}})
	}
	res, err := cat.Apply(ctx, "test", m)
	if err != nil {
		tb.Fatalf("apply: %v", err)
	}
	if res.Invalid > 0 {
		tb.Fatalf("invalid entities: %v", res.Problems)
	}
	opts.Store = st
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	e := echo.New()
	h, err := Register(e, opts)
	if err != nil {
		tb.Fatal(err)
	}
	// Before the store closes (cleanups run last first): a search starts
	// an index build that outlives its request.
	tb.Cleanup(h.Close)
	return &rig{e: e, h: h, store: st}
}

func enabled(allow ...string) Policy {
	p := DefaultPolicy()
	p.Allow = allow
	return p
}

// do sends a request to the feature; partial adds htmx's headers.
func (r *rig) do(tb testing.TB, method, target string, form url.Values, partial bool, hdr ...string) *httptest.ResponseRecorder {
	tb.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if partial {
		req.Header.Set("HX-Request", "true")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	r.e.ServeHTTP(rec, req)
	return rec
}

func (r *rig) doc(tb testing.TB, method, target string, form url.Values, partial bool, hdr ...string) *goquery.Document {
	tb.Helper()
	rec := r.do(tb, method, target, form, partial, hdr...)
	if rec.Code != http.StatusOK {
		tb.Fatalf("%s %s: status %d: %s", method, target, rec.Code, truncate(rec.Body.String(), 500))
	}
	d, err := goquery.NewDocumentFromReader(rec.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func testdata(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func sharedFixture(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "catalog", "openapi", "testdata", "threescale_account_management.json"))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func summaryOf(tb testing.TB, def string) *openapi.Summary {
	tb.Helper()
	s, err := openapi.Summarize([]byte(def))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

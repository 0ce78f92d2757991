package pages_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/web"
	"github.com/porticohq/portico/web/pages"
)

// portal is a real server (web.New + the pages) over a real SQLite store
// loaded with testdata/.
type portal struct {
	URL     string
	Catalog *catalog.Catalog
}

// newPortal starts the pages on an httptest server with the testdata
// catalog applied by the real ingest pipeline.
func newPortal(t *testing.T) *portal {
	t.Helper()
	return newPortalWith(t, pages.Options{})
}

// newPortalWith is newPortal with page options (Store and AppTitle are set).
func newPortalWith(t *testing.T, opts pages.Options) *portal {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Config{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "portico.db")})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	cat := catalog.New(st, catalog.Options{})
	m := catalog.Mutation{Type: catalog.Full}
	for _, name := range []string{"catalog.yaml", "many.yaml"} {
		m.Entities = append(m.Entities, parseFile(t, name)...)
	}
	broken := "file:testdata/broken.yaml"
	_, problems := catalog.ParseYAML([]byte("kind: [unclosed\n"), catalog.Source{Location: broken, Document: 1})
	if len(problems) == 0 {
		t.Fatal("malformed YAML gave no problems")
	}
	m.Failed = []catalog.FailedSource{{Location: broken, Problems: problems}}
	if _, err := cat.Apply(ctx, "file:testdata", m); err != nil {
		t.Fatalf("apply testdata: %v", err)
	}

	srv := web.New(web.Options{Store: st})
	opts.Store, opts.AppTitle = st, "Test Portal"
	if opts.Catalog == nil {
		opts.Catalog = cat
	}
	h := pages.New(opts)
	h.Register(srv.Echo)
	srv.ErrorPage = h.ErrorPage
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &portal{URL: ts.URL, Catalog: cat}
}

// parseFile reads testdata/name as a file location would.
func parseFile(t *testing.T, name string) []catalog.DeferredEntity {
	t.Helper()
	path := filepath.Join("testdata", name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(path)
	entities, problems := catalog.ParseYAML(data, catalog.Source{
		Location: "file:" + abs, OriginLocation: "file:" + abs,
		Reader: catalog.NewFileReader(filepath.Dir(abs), abs),
	})
	if len(problems) > 0 {
		t.Fatalf("parse %s: %v", name, catalog.Problems(problems))
	}
	for i := range entities {
		entities[i].LocationKey = "file:" + abs
	}
	return entities
}

// get fetches path with optional headers (name, value pairs) and returns
// the status and the parsed document.
func get(t *testing.T, base, path string, headers ...string) (int, *goquery.Document, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("parse HTML of %s: %v", path, err)
	}
	return resp.StatusCode, doc, string(body)
}

// texts returns the trimmed text of every match.
func texts(doc *goquery.Document, selector string) []string {
	var out []string
	doc.Find(selector).Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.Join(strings.Fields(s.Text()), " "))
	})
	return out
}

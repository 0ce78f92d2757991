package catalogapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/catalogtest"
	"github.com/porticohq/portico/web"
)

// BenchmarkCatalogAPI measures the two endpoints of the shared Backstage
// bench over 1,000 and 10,000 stored APIs of ~11 KB, with and without the
// response cache, with parallel clients as wrk sends them:
// by-query?filter=kind=api&limit=20 (20 whole entities, ~220 KB) and by-name
// of one API.
func BenchmarkCatalogAPI(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			cached, uncached := benchServers(b, n)
			query := "/api/catalog/entities/by-query?filter=kind=api&limit=20"
			byName := fmt.Sprintf("/api/catalog/entities/by-name/api/default/api-%06d", n/2)
			b.Run("by-query/cache", func(b *testing.B) { benchGET(b, cached, query) })
			b.Run("by-query/nocache", func(b *testing.B) { benchGET(b, uncached, query) })
			b.Run("by-name/cache", func(b *testing.B) { benchGET(b, cached, byName) })
			b.Run("by-name/nocache", func(b *testing.B) { benchGET(b, uncached, byName) })
		})
	}
}

// benchServers ingests n generated APIs of ~11 KB into a SQLite store and
// returns a server with the response cache and one without.
func benchServers(b *testing.B, n int) (cached, uncached *web.Server) {
	b.Helper()
	st := openSQLiteStore(b)
	cat := catalog.New(st, catalog.Options{})
	entities := []catalog.Entity{catalogtest.GroupEntity("team-a"), catalogtest.GroupEntity("team-b")}
	for i := range n {
		entities = append(entities, catalogtest.APIEntity(i, 10800))
	}
	catalogtest.Ingest(b, cat, "file:/bench/apis", entities...)
	cached, _ = serve(Options{Store: st, Catalog: cat})
	uncached, _ = serve(Options{Store: st, Catalog: cat, CacheBytes: -1})
	return cached, uncached
}

func benchGET(b *testing.B, srv *web.Server, target string) {
	w := &discardResponse{header: http.Header{}}
	srv.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
	if w.status != http.StatusOK {
		b.Fatalf("GET %s: status %d", target, w.status)
	}
	b.SetBytes(w.n)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest("GET", target, nil)
		w := &discardResponse{header: http.Header{}}
		for pb.Next() {
			clear(w.header)
			w.status, w.n = 0, 0
			srv.ServeHTTP(w, req)
			if w.status != http.StatusOK {
				b.Errorf("status %d", w.status)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// discardResponse is a ResponseWriter that keeps only the status and size,
// so the benchmark measures the handler rather than a recorder's copying.
type discardResponse struct {
	header http.Header
	status int
	n      int64
}

func (d *discardResponse) Header() http.Header { return d.header }
func (d *discardResponse) WriteHeader(status int) {
	if d.status == 0 {
		d.status = status
	}
}
func (d *discardResponse) Write(p []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	d.n += int64(len(p))
	return len(p), nil
}

// BenchmarkGzipBytes compresses a by-query answer of 20 generated APIs
// (~220 KB), as every uncached gzip request does; its allocations per
// answer show whether the compressor is reused.
func BenchmarkGzipBytes(b *testing.B) {
	var body []byte
	for i := range 20 {
		body = append(body, benchJSON(b, i)...)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		gzipBytes(body)
	}
}

// BenchmarkProjectJSON projects two fields of a generated API (~11 KB),
// as by-query?fields=metadata.name,spec.owner does for each item.
func BenchmarkProjectJSON(b *testing.B) {
	doc := benchJSON(b, 7)
	fields := []string{"metadata.name", "spec.owner"}
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := projectJSON(doc, fields); err != nil {
			b.Fatal(err)
		}
	}
}

// benchJSON is generated API number i as the store serves it: JSON.
func benchJSON(b *testing.B, i int) []byte {
	var doc map[string]any
	if err := yaml.Unmarshal(catalogtest.BenchAPI(i), &doc); err != nil {
		b.Fatal(err)
	}
	out, err := json.Marshal(doc)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

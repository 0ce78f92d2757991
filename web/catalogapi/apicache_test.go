package catalogapi

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/catalogtest"
)

func TestResponseCacheServesRepeatedQueriesAndSkipsErrors(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		target := "/api/catalog/entities/by-query?filter=kind=api&limit=3"
		first := mustGet(t, env, target)
		second := mustGet(t, env, "/api/catalog/entities/by-query?limit=3&filter=kind=api")
		if first != second {
			t.Error("the same query with reordered parameters gave a different body")
		}
		n, _ := env.api.cache.stats()
		if n != 1 {
			t.Errorf("cache entries = %d, want 1 (parameter order is normalized)", n)
		}
		env.do(t, "GET", "/api/catalog/entities/by-name/api/default/missing", "")
		if n2, _ := env.api.cache.stats(); n2 != n {
			t.Error("an error answer was cached")
		}
		catalogtest.Ingest(t, env.cat, "file:/catalog/more.yaml", catalogtest.APIEntity(100, 200))
		page := decode[queryPage](t, mustGet(t, env, target))
		if page.TotalItems != 13 {
			t.Errorf("after ingest totalItems = %d, want 13 (stale cache)", page.TotalItems)
		}
	})
}

func TestAPIWithoutCache(t *testing.T) {
	forEachDatabase(t, Options{CacheBytes: -1}, func(t *testing.T, env *testEnv) {
		if env.api.cache != nil {
			t.Fatal("cache is on")
		}
		page := decode[queryPage](t, mustGet(t, env, "/api/catalog/entities/by-query?filter=kind=api&limit=3"))
		if len(page.Items) != 3 || page.TotalItems != 12 {
			t.Errorf("items %d total %d", len(page.Items), page.TotalItems)
		}
	})
}

func TestAPIMiddlewareRunsBeforeTheCache(t *testing.T) {
	var calls int
	deny := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			calls++
			if c.Request().Header.Get("Authorization") == "" {
				return catalog.Errorf(catalog.EUNAUTHORIZED, "sign in first")
			}
			return next(c)
		}
	}
	forEachDatabase(t, Options{Middleware: []echo.MiddlewareFunc{deny}}, func(t *testing.T, env *testEnv) {
		calls = 0
		target := "/api/catalog/entities/by-name/api/default/api-000001"
		if res, _ := env.do(t, "GET", target, "", "Authorization", "Bearer x"); res.StatusCode != 200 {
			t.Fatalf("authorized: status %d", res.StatusCode)
		}
		res, body := env.do(t, "GET", target, "")
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("unauthorized request got %d from the cache: %s", res.StatusCode, body)
		}
		if got := decode[errorBody](t, body); got.Error.Name != "AuthenticationError" {
			t.Errorf("error name %q", got.Error.Name)
		}
		if calls != 2 {
			t.Errorf("middleware ran %d times, want 2", calls)
		}
	})
}

func TestGzipWhenAccepted(t *testing.T) {
	for _, cacheBytes := range []int64{0, -1} {
		t.Run(fmt.Sprintf("cache=%d", cacheBytes), func(t *testing.T) {
			env := newTestEnv(t, openSQLiteStore, Options{CacheBytes: cacheBytes})
			catalogtest.Ingest(t, env.cat, "file:/catalog/big.yaml", catalogtest.APIEntity(50, 4000))
			for _, target := range []string{
				"/api/catalog/entities/by-query?filter=kind=api&limit=5",
				"/api/catalog/entities/by-name/api/default/api-000050",
			} {
				plainRes, plain := env.do(t, "GET", target, "")
				res, body := env.do(t, "GET", target, "", "Accept-Encoding", "br;q=1.0, gzip;q=0.8")
				if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Vary") != "Accept-Encoding" {
					t.Fatalf("%s: headers %v", target, res.Header)
				}
				if res.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
					t.Errorf("%s: Content-Length %s for %d bytes", target, res.Header.Get("Content-Length"), len(body))
				}
				zr, err := gzip.NewReader(strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				unzipped, _ := io.ReadAll(zr)
				if string(unzipped) != plain {
					t.Errorf("%s: gzip body differs from the plain body", target)
				}
				if etag := res.Header.Get("ETag"); etag != "" && etag == plainRes.Header.Get("ETag") {
					t.Errorf("%s: the gzip and plain representations share ETag %s", target, etag)
				}
				refused, _ := env.do(t, "GET", target, "", "Accept-Encoding", "gzip;q=0")
				if refused.Header.Get("Content-Encoding") != "" {
					t.Errorf("%s: gzip;q=0 got gzip", target)
				}
			}
		})
	}
}

// TestCachedFieldAnswersHoldWhatTheyCount: a by-query answer restricted
// to a few fields is a fraction of the entities it reads; its buffer is
// not sized for the whole entities (the cache counts capacities since:
// respcache's entryCost). A buffer sized for them was kept whole by the cache while
// it counted only the answer's length: 1,000 such answers held 200 MB of a
// 32 MB cache at 10,000 APIs.
func TestCachedFieldAnswersHoldWhatTheyCount(t *testing.T) {
	forEachDatabase(t, Options{}, func(t *testing.T, env *testEnv) {
		target := "/api/catalog/entities/by-query?fields=metadata.name&filter=kind=api&limit=10"
		body := mustGet(t, env, target)
		u, _ := url.Parse(target)
		key := u.Path + "?" + u.Query().Encode()
		gen, err := env.api.generation(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		resp, ok := env.api.cache.get(key, gen)
		if !ok {
			t.Fatalf("%s is not cached", key)
		}
		if len(resp.body) != len(body) || cap(resp.body) > 2*len(resp.body) {
			t.Errorf("cached answer: %d bytes in a buffer of %d", len(resp.body), cap(resp.body))
		}
	})
}

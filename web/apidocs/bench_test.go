package apidocs

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog/openapi/openapitest"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog/openapi"
)

// BenchmarkGitHubDefinition measures GitHub's REST description (13 MB,
// 1,223 operations): the first render of the API page (cold caches: plain
// decode of the summary, no kin-openapi), a warm render, one operation
// expand with the definition loaded, the next chunk of operations, the
// chunk around a deep link (operation open), a tag's sidebar entries and
// the filtered sidebar. B/resp is the response's size: the page's must not
// grow with the number of operations.
func BenchmarkGitHubDefinition(b *testing.B) {
	def := string(openapitest.GitHubSpec(b))
	r := newRig(b, Options{Policy: enabled(), Limits: openapi.Limits{Timeout: time.Minute}}, testAPI{name: "github", definition: def})
	base := "/catalog/default/api/github/definition"
	size := 0
	get := func(b *testing.B, target string, partial bool) {
		rec := r.do(b, "GET", target, nil, partial)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
		size = rec.Body.Len()
	}
	waitLoaded := func(b *testing.B, h *Handler) {
		for {
			_, err := h.cache.Definition(context.Background(), openapi.Hash([]byte(def)), []byte(def), nil)
			if !errors.Is(err, openapi.ErrStillLoading) && !errors.Is(err, openapi.ErrBusy) {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	b.Run("first-render", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			h, err := New(r.h.opts)
			if err != nil {
				b.Fatal(err)
			}
			r.h = h
			r.e = newEcho(h)
			b.StartTimer()
			get(b, base, false)
			b.StopTimer()
			waitLoaded(b, h) // the background load must not skew the next round
			b.StartTimer()
		}
	})
	warm := func(name, target string, partial bool) {
		b.Run(name, func(b *testing.B) {
			waitLoaded(b, r.h)
			get(b, target, partial)
			for b.Loop() {
				get(b, target, partial)
			}
			b.ReportMetric(float64(size), "B/resp")
		})
	}
	warm("warm-render", base, false)
	warm("operation-expand", base+"/op/repos-get", true)
	warm("next-chunk", base+"/ops?from=600", true)
	warm("deep-link-chunk", base+"/ops?op=repos-get", true)
	warm("sidebar-tag", base+"/sidebar?tag=repos", true)
	warm("sidebar-filter", base+"/sidebar?q=issue", true)
}

func newEcho(h *Handler) *echo.Echo {
	e := echo.New()
	h.routes(e)
	return e
}

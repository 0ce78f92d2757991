package catalog

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// A URL read again is revalidated with If-None-Match; a 304 answers from
// the cache, a 200 with the new body.
func TestURLReaderRevalidatesWithETags(t *testing.T) {
	var body atomic.Value
	body.Store("v1")
	var full, notModified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := body.Load().(string)
		etag := `"` + b + `"`
		if r.Header.Get("If-None-Match") == etag {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("ETag", etag)
		_, _ = w.Write([]byte(b))
	}))
	defer srv.Close()
	u := &URLReader{Allow: []ReadAllowRule{{Host: strings.TrimPrefix(srv.URL, "http://")}}, Addresses: addressRules(t, "127.0.0.1"), Bodies: NewBodyCache(1 << 20)}
	read := func() string {
		t.Helper()
		data, _, err := u.Read(context.Background(), srv.URL+"/catalog-info.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	if read() != "v1" || read() != "v1" {
		t.Fatal("wrong body")
	}
	if full.Load() != 1 || notModified.Load() != 1 {
		t.Errorf("full %d, not modified %d; want the second read revalidated", full.Load(), notModified.Load())
	}
	body.Store("v2")
	if got := read(); got != "v2" {
		t.Errorf("after a change: %q", got)
	}
}

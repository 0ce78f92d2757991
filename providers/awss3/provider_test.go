package awss3

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/providers"
	"github.com/porticohq/portico/web/syncstatus/syncstatustest"
)

const testSecret = "s3-SECRET-key-0123456789"

// fakeS3 is gofakes3 over HTTP, wrapped so a test can inject faults and
// count object reads.
type fakeS3 struct {
	backend *s3mem.Backend
	srv     *httptest.Server
	mu      sync.Mutex
	fault   string // "", "denied", "page2", "endearly", "get500" (objects under bad/)
	gets    atomic.Int64
	lists   atomic.Int64
}

func newFakeS3(t *testing.T) *fakeS3 {
	f := &fakeS3{backend: s3mem.New()}
	h := gofakes3.New(f.backend).Server()
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		fault := f.fault
		f.mu.Unlock()
		listing := r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "2"
		if listing {
			f.lists.Add(1)
		} else if r.Method == http.MethodGet {
			f.gets.Add(1)
		}
		if fault == "get500" && !listing && r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/bad/") {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error.</Message><RequestId>1</RequestId></Error>`))
			return
		}
		if fault == "endearly" && listing && r.URL.Query().Get("start-after") == "" {
			// A server that ends the listing after page 1, saying page 1
			// was the last.
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			body := strings.Replace(rec.Body.String(), "<IsTruncated>true</IsTruncated>", "<IsTruncated>false</IsTruncated>", 1)
			body = regexp.MustCompile(`<NextContinuationToken>[^<]*</NextContinuationToken>`).ReplaceAllString(body, "")
			w.Header().Set("Content-Type", "application/xml")
			_, _ = w.Write([]byte(body))
			return
		}
		if fault == "denied" || (fault == "page2" && listing && r.URL.Query().Get("continuation-token") != "") {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>1</RequestId></Error>`))
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	if err := f.backend.CreateBucket("catalog"); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fakeS3) put(t *testing.T, key, body string) {
	t.Helper()
	if _, err := f.backend.PutObject("catalog", key, map[string]string{}, strings.NewReader(body), int64(len(body)), nil); err != nil {
		t.Fatal(err)
	}
}

func (f *fakeS3) del(t *testing.T, key string) {
	t.Helper()
	if _, err := f.backend.DeleteObject("catalog", key); err != nil {
		t.Fatal(err)
	}
}

func (f *fakeS3) setFault(s string) { f.mu.Lock(); f.fault = s; f.mu.Unlock() }

func api(name string) string {
	return fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: %s\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition: 'openapi: 3.0.0'\n", name)
}

func newProvider(t *testing.T, f *fakeS3, prefix string) *Provider {
	t.Helper()
	p, err := New(context.Background(), Config{ID: "default", BucketName: "catalog", Prefix: prefix, Region: "us-east-1",
		Endpoint: f.srv.URL, ForcePathStyle: true, AccessKeyID: "AKIDTEST", SecretAccessKey: testSecret,
		// The default run timeout: 2,000 objects through the fake S3 take
		// over 30 s under -race on a loaded machine.
		Schedule: providers.Schedule{Frequency: time.Hour, InitialDelay: time.Hour, Timeout: defaultSchedule.Timeout},
		Safety:   providers.DefaultSafety()}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunReadsNestedMultiDocumentObjectsAndText(t *testing.T) {
	f := newFakeS3(t)
	f.put(t, "apis/folder/", "")
	f.put(t, "apis/a.yaml", api("a"))
	f.put(t, "apis/team/multi.yaml", api("b")+"---\n"+api("c"))
	f.put(t, "apis/team/spec.yaml", strings.Replace(api("d"), "definition: 'openapi: 3.0.0'", "definition:\n    $text: ./openapi/d.yaml", 1))
	f.put(t, "apis/team/openapi/d.yaml", "openapi: 3.0.0\ninfo: {title: d, version: '1'}\npaths: {}\n")
	f.put(t, "apis/bad.yaml", "kind: [unclosed")
	f.put(t, "other/x.yaml", api("x"))
	p := newProvider(t, f, "apis/")
	m, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]catalog.DeferredEntity{}
	for _, e := range m.Entities {
		names[e.Entity.Metadata.Name] = e
	}
	// openapi/d.yaml is itself listed and has no entity: it parses as a
	// document without kind and is reported, which is fine.
	for _, n := range []string{"a", "b", "c", "d"} {
		if _, ok := names[n]; !ok {
			t.Fatalf("entity %s missing: %v", n, names)
		}
	}
	if _, ok := names["x"]; ok {
		t.Fatal("object outside the prefix read")
	}
	b := names["b"]
	if b.LocationKey != "url:"+f.srv.URL+"/catalog/apis/team/multi.yaml" || b.Source.Location != "url:"+f.srv.URL+"/catalog/apis/team/multi.yaml" || b.Source.Document != 1 || names["c"].Source.Document != 2 {
		t.Fatalf("b = %+v", b)
	}
	data, loc, err := names["d"].Source.Reader.ReadRelative(context.Background(), "./openapi/d.yaml")
	if err != nil || !strings.Contains(string(data), "title: d") || loc != "url:"+f.srv.URL+"/catalog/apis/team/openapi/d.yaml" {
		t.Fatalf("$text read: %q %s %v", data, loc, err)
	}
	for _, target := range []string{"../../../etc/passwd", "/etc/passwd", "https://evil.example.com/x"} {
		if _, _, err := names["d"].Source.Reader.ReadRelative(context.Background(), target); err == nil {
			t.Fatalf("%s: read outside the bucket", target)
		}
	}
	var bad bool
	for _, fs := range m.Failed {
		bad = bad || strings.HasSuffix(fs.Location, "/apis/bad.yaml")
	}
	if !bad {
		t.Fatalf("invalid object not reported: %+v", m.Failed)
	}
}

// catalogConn applies through the real ingest pipeline.
type catalogConn struct {
	cat  *catalog.Catalog
	name string
}

func (c catalogConn) ApplyMutation(ctx context.Context, m catalog.Mutation) (catalog.ApplyResult, error) {
	return c.cat.Apply(ctx, c.name, m)
}

type harness struct {
	st  *store.Store
	s   *providers.Scheduler
	p   *Provider
	ctx context.Context
}

func newHarness(t *testing.T, f *fakeS3, st *store.Store) *harness {
	t.Helper()
	p := newProvider(t, f, "")
	s, err := providers.New(providers.Options{DB: st.DB()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add(p, catalogConn{cat: catalog.New(st, catalog.Options{}), name: p.Name()}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); s.Wait() })
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return &harness{st: st, s: s, p: p, ctx: ctx}
}

func (h *harness) run(t *testing.T) providers.Run {
	t.Helper()
	id, err := h.s.Trigger(h.ctx, h.p.Name())
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(defaultSchedule.Timeout + time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		r, err := h.s.Run(h.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Running() {
			return r
		}
	}
	t.Fatal("run did not end")
	return providers.Run{}
}

// page asserts what /providers shows for the newest run, without the key.
func (h *harness) page(t *testing.T, outcome, message string) {
	t.Helper()
	syncstatustest.AssertLastRun(t, h.s, h.p.Name(), outcome, message, testSecret)
}

func (h *harness) count(t *testing.T) int {
	t.Helper()
	items, err := h.st.List(h.ctx, nil, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return len(items)
}

// TestFaultTable: AccessDenied, a failure after the first page, an empty
// listing after a non-empty one and one invalid object delete nothing, and
// both the run record and the /providers page say what happened.
func TestFaultTable(t *testing.T) {
	eachStore(t, testFaultTable)
}

func testFaultTable(t *testing.T, st *store.Store) {
	f := newFakeS3(t)
	for i := range 1100 { // more than one ListObjectsV2 page
		f.put(t, fmt.Sprintf("apis/%04d.yaml", i), api(fmt.Sprintf("api-%04d", i)))
	}
	h := newHarness(t, f, st)
	if r := h.run(t); r.Outcome != providers.OutcomeOK || r.Added != 1100 {
		t.Fatalf("first run: %+v", r)
	}
	h.page(t, providers.OutcomeOK, "applied 1100 entities")
	for _, tt := range []struct{ fault, outcome, message string }{
		{"denied", providers.OutcomeError, "access denied"},
		{"page2", providers.OutcomeError, "page 2"},
	} {
		f.setFault(tt.fault)
		r := h.run(t)
		f.setFault("")
		if r.Outcome != tt.outcome || !strings.Contains(r.Message, tt.message) || strings.Contains(fmt.Sprint(r), testSecret) {
			t.Fatalf("%s: %+v", tt.fault, r)
		}
		if n := h.count(t); n != 1100 {
			t.Fatalf("%s: %d entities left", tt.fault, n)
		}
		h.page(t, tt.outcome, tt.message)
	}
	f.put(t, "apis/0005.yaml", "metadata: [oops")
	if r := h.run(t); r.Outcome != providers.OutcomeOK || r.Removed != 0 || len(r.Errors) != 1 || !strings.Contains(r.Errors[0].File, "0005.yaml") {
		t.Fatalf("invalid object: %+v", r)
	}
	if n := h.count(t); n != 1100 {
		t.Fatalf("invalid object: %d entities left", n)
	}
	h.page(t, providers.OutcomeOK, "apis/0005.yaml")
	for i := range 1100 {
		f.del(t, fmt.Sprintf("apis/%04d.yaml", i))
	}
	if r := h.run(t); r.Outcome != providers.OutcomeHeld || !strings.Contains(r.Message, "empty") {
		t.Fatalf("empty listing: %+v", r)
	}
	if n := h.count(t); n != 1100 {
		t.Fatalf("empty listing: %d entities left", n)
	}
	h.page(t, providers.OutcomeHeld, "listing is empty")
}

// TestTwoThousandObjectsAndETagSkip syncs 2,000 objects, then runs again
// with nothing changed: no object body is read and nothing is updated.
func TestTwoThousandObjectsAndETagSkip(t *testing.T) {
	st, err := store.Open(context.Background(), store.Config{Driver: store.SQLite, DSN: filepath.Join(t.TempDir(), "p.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f := newFakeS3(t)
	for i := range 2000 {
		f.put(t, fmt.Sprintf("team-%d/api-%04d.yaml", i%20, i), api(fmt.Sprintf("api-%04d", i)))
	}
	h := newHarness(t, f, st)
	start := time.Now()
	first := h.run(t)
	d1 := time.Since(start)
	if first.Outcome != providers.OutcomeOK || first.Added != 2000 || h.count(t) != 2000 {
		t.Fatalf("first run: %+v", first)
	}
	gets := f.gets.Load()
	start = time.Now()
	second := h.run(t)
	d2 := time.Since(start)
	if second.Outcome != providers.OutcomeOK || second.Updated != 0 || second.Unchanged != 2000 {
		t.Fatalf("second run: %+v", second)
	}
	if f.gets.Load() != gets {
		t.Fatalf("second run read %d object bodies", f.gets.Load()-gets)
	}
	t.Logf("2,000 objects: first run %s (recorded %s), unchanged run %s (recorded %s)", d1, first.Duration, d2, second.Duration)
	var buf bytes.Buffer
	_ = h.s.WriteMetrics(&buf)
	if !strings.Contains(buf.String(), `portico_provider_entities{provider="awsS3-provider:default"} 2000`) {
		t.Fatal(buf.String())
	}
}

// Issue 15: a listing that ends after page 1 (1,000 of 2,000 keys) passed
// the shrink guard and deleted half a bucket; and 200 objects that kept
// failing, each retried three times with backoff, made every run time out.
func TestLyingListingAndFailingObjects(t *testing.T) {
	eachStore(t, func(t *testing.T, st *store.Store) {
		f := newFakeS3(t)
		const n, bad = 1100, 64 // two pages; bad objects fail on every read
		for i := range n {
			f.put(t, fmt.Sprintf("apis/%04d.yaml", i), api(fmt.Sprintf("api-%04d", i)))
		}
		h := newHarness(t, f, st)
		if r := h.run(t); r.Outcome != providers.OutcomeOK || h.count(t) != n {
			t.Fatalf("first run: %+v", r)
		}
		f.setFault("endearly")
		r := h.run(t)
		f.setFault("")
		if r.Outcome != providers.OutcomeError || !strings.Contains(r.Message, "more keys follow") || h.count(t) != n {
			t.Fatalf("a listing cut after page 1: %s %q, %d entities left", r.Outcome, r.Message, h.count(t))
		}
		for i := range bad {
			f.put(t, fmt.Sprintf("apis/bad/%04d.yaml", i), api(fmt.Sprintf("bad-%04d", i)))
		}
		if r := h.run(t); r.Outcome != providers.OutcomeOK || h.count(t) != n+bad {
			t.Fatalf("adding the bad ones: %+v", r)
		}
		for i := range n { // every good object changes, every bad one now fails
			f.put(t, fmt.Sprintf("apis/%04d.yaml", i), strings.Replace(api(fmt.Sprintf("api-%04d", i)), "lifecycle: production", "lifecycle: deprecated", 1))
		}
		for i := range bad {
			f.put(t, fmt.Sprintf("apis/bad/%04d.yaml", i), api(fmt.Sprintf("bad-%04d", i))+"# changed\n")
		}
		f.setFault("get500")
		r = h.run(t)
		f.setFault("")
		if r.Outcome != providers.OutcomeOK || r.Updated != n || h.count(t) != n+bad {
			t.Fatalf("%d failing objects: %s %q, %d updated, %d entities (want ok, %d, %d)", bad, r.Outcome, r.Message, r.Updated, h.count(t), n, n+bad)
		}
		if len(r.Errors) != bad {
			t.Errorf("%d failed objects reported, want %d", len(r.Errors), bad)
		}
	})
}

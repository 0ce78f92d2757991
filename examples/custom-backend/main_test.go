package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/porticohq/portico/examples/custom-backend/frobs"
)

// frobsService is a fake frobs service whose listing the test changes.
type frobsService struct {
	mu    sync.Mutex
	frobs []frobs.Frob
}

func (f *frobsService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/frobs" {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"frobs": f.frobs})
}

func (f *frobsService) update(name string, change func(*frobs.Frob)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.frobs {
		if f.frobs[i].Name == name {
			change(&f.frobs[i])
		}
	}
}

func (f *frobsService) remove(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.frobs = slices.DeleteFunc(f.frobs, func(x frobs.Frob) bool { return x.Name == name })
}

// portal is the running example binary.
type portal struct {
	t    *testing.T
	base string
	logs *lockedWriter
}

func (p *portal) get(path string) (int, string) {
	p.t.Helper()
	resp, err := http.Get(p.base + path)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// eventually polls check until it returns "" (success) or 30 s pass.
func (p *portal) eventually(what string, check func() string) {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		problem := check()
		if problem == "" {
			p.t.Logf("%s after %s", what, time.Since(deadline.Add(-30*time.Second)).Round(time.Millisecond))
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: %s\nlogs:\n%s", what, problem, p.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// entity reads an entity through the catalog API; nil when it is unknown.
func (p *portal) entity(kind, name string) map[string]any {
	p.t.Helper()
	status, body := p.get("/api/catalog/entities/by-name/" + kind + "/default/" + name)
	if status == http.StatusNotFound {
		return nil
	}
	var e map[string]any
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		p.t.Fatalf("by-name %s/%s: status %d, %v: %s", kind, name, status, err, body)
	}
	return e
}

func (p *portal) names(filter string) []string {
	p.t.Helper()
	status, body := p.get("/api/catalog/entities/by-query?fields=metadata.name&orderField=metadata.name,asc&filter=" + url.QueryEscape(filter))
	var page struct {
		Items []struct {
			Metadata struct{ Name string } `json:"metadata"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		p.t.Fatalf("by-query %s: status %d, %v: %s", filter, status, err, body)
	}
	var out []string
	for _, it := range page.Items {
		out = append(out, it.Metadata.Name)
	}
	return out
}

func startExample(t *testing.T, frobsURL string) *portal {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "custom-backend")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	u, _ := url.Parse(frobsURL)
	config := filepath.Join(dir, "app-config.yaml")
	os.WriteFile(config, []byte(fmt.Sprintf(`
backend:
  listen: {host: 127.0.0.1, port: %d}
  database: {client: better-sqlite3, connection: %s}
  reading:
    allow: [{host: '%s'}]
    allowAddresses: [127.0.0.1]
catalog:
  providers:
    frobs:
      baseUrl: %s
      schedule: {frequency: {seconds: 1}, timeout: {seconds: 10}}
      fullEvery: 1000
`, port, filepath.Join(dir, "portal.db"), u.Host, frobsURL)), 0o644)

	logs := &lockedWriter{}
	cmd := exec.Command(bin, "--config", config)
	cmd.Dir = dir
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	p := &portal{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", port), logs: logs}
	p.eventually("portal answers", func() string {
		resp, err := http.Get(p.base + "/healthz")
		if err != nil {
			return err.Error()
		}
		resp.Body.Close()
		return ""
	})
	return p
}

// lockedWriter collects the binary's stderr; the process writes while the
// test reads, so both go through the lock.
type lockedWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(b)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestExampleBackendSyncsFrobs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example binary")
	}
	svc := &frobsService{frobs: []frobs.Frob{
		{Name: "billing", Kind: "component", Type: "service", Owner: "team-a", Lifecycle: "production", Tier: "1", Description: "Bills customers"},
		{Name: "search", Kind: "component", Type: "service", Owner: "team-b", Lifecycle: "production", Tier: "2"},
		{Name: "legacy", Kind: "component", Type: "service", Owner: "team-b", Lifecycle: "deprecated"},
		{Name: "billing-api", Kind: "api", Type: "openapi", Owner: "team-a", Lifecycle: "production",
			Definition: "openapi: 3.0.0\ninfo: {title: Billing, version: '1'}\npaths: {}\n"},
	}}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	p := startExample(t, srv.URL)

	// The first run's full mutation: every valid frob appears; the component
	// without a tier is refused by the processor.
	p.eventually("frobs ingested", func() string {
		if got := p.names("kind=component"); !slices.Equal(got, []string{"billing", "search"}) {
			return fmt.Sprintf("components %v, want [billing search]", got)
		}
		if got := p.names("kind=api"); !slices.Equal(got, []string{"billing-api"}) {
			return fmt.Sprintf("APIs %v, want [billing-api]", got)
		}
		return ""
	})

	// The processor's relation, from the tier annotation.
	billing := p.entity("component", "billing")
	rels, _ := billing["relations"].([]any)
	if !slices.ContainsFunc(rels, func(r any) bool {
		m, _ := r.(map[string]any)
		return m["type"] == "supportedBy" && m["targetRef"] == "group:default/tier-1-support"
	}) {
		t.Errorf("billing relations %v, want supportedBy group:default/tier-1-support", rels)
	}

	// The entity tab renders on the server.
	status, body := p.get("/catalog/default/component/billing/frobs")
	if status != http.StatusOK || !strings.Contains(body, `data-testid="frobs-tab"`) || !strings.Contains(body, "Tier 1") {
		t.Errorf("Frobs tab: status %d, body lacks the tab or the tier:\n%.2000s", status, body)
	}
	if status, _ := p.get("/catalog/default/group/team-a/frobs"); status != http.StatusNotFound {
		t.Errorf("Frobs tab on a group (not one of its kinds): status %d, want 404", status)
	}

	// Single changes arrive as deltas on the next run.
	svc.update("billing", func(f *frobs.Frob) { f.Description = "Bills customers, now monthly" })
	svc.update("search", func(f *frobs.Frob) { f.Tier = "" })
	svc.remove("billing-api")
	p.eventually("delta applied", func() string {
		e := p.entity("component", "billing")
		if md, _ := e["metadata"].(map[string]any); md["description"] != "Bills customers, now monthly" {
			return fmt.Sprintf("billing description %v", md["description"])
		}
		if p.entity("api", "billing-api") != nil {
			return "billing-api still present after it left the listing"
		}
		return ""
	})

	// search lost its tier: it keeps its last good version, and its page
	// shows the processor's error.
	p.eventually("processor error shown", func() string {
		_, page := p.get("/catalog/default/component/search")
		if !strings.Contains(page, "every component must declare its support tier") {
			return "entity page does not show the processor's error"
		}
		return ""
	})
	search := p.entity("component", "search")
	md, _ := search["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	if ann[frobs.TierAnnotation] != "2" {
		t.Errorf("search annotations %v, want its last good version (tier 2)", ann)
	}
}

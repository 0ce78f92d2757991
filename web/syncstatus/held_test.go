package syncstatus

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/providers"
)

// shrinkingProvider lists n groups; the test changes n.
type shrinkingProvider struct {
	mu sync.Mutex
	n  int
}

func (p *shrinkingProvider) Name() string                                        { return "awsS3-provider:default" }
func (p *shrinkingProvider) Connect(context.Context, providers.Connection) error { return nil }
func (p *shrinkingProvider) Schedule() providers.Schedule {
	return providers.Schedule{Frequency: time.Hour, InitialDelay: time.Hour, Timeout: 5 * time.Second}
}
func (p *shrinkingProvider) Run(context.Context) (catalog.Mutation, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := catalog.Mutation{Type: catalog.Full}
	for i := range p.n {
		m.Entities = append(m.Entities, catalog.DeferredEntity{Entity: catalog.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "Group",
			Metadata: catalog.Metadata{Name: fmt.Sprintf("g-%d", i)}, Spec: map[string]any{"type": "team", "children": []any{}}}})
	}
	return m, nil
}

// Issue 15: held removals show on /providers with "Apply now", which applies
// them.
func TestHeldRemovalsShowWithApplyNow(t *testing.T) {
	st, err := store.Open(context.Background(), store.Config{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "p.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sched, err := providers.New(providers.Options{DB: st.DB()})
	if err != nil {
		t.Fatal(err)
	}
	p := &shrinkingProvider{n: 100}
	if err := sched.Add(p, catalogConn{cat: catalog.New(st, catalog.Options{}), name: p.Name()}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); sched.Wait() }()
	if err := sched.Start(ctx); err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	Register(e, Options{Scheduler: sched})
	run := func() {
		t.Helper()
		id, err := sched.Trigger(ctx, p.Name())
		if err != nil {
			t.Fatal(err)
		}
		for r, _ := sched.Run(ctx, id); r.Running(); r, _ = sched.Run(ctx, id) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	run()
	p.mu.Lock()
	p.n = 40
	p.mu.Unlock()
	run()
	body := serve(e, http.MethodGet, "/providers", nil, false).Body.String()
	if !strings.Contains(body, `data-testid="held-removals"`) || !strings.Contains(body, "held: 60 removals await confirmation") || !strings.Contains(body, `data-testid="apply-now"`) {
		t.Fatalf("the page does not show the held removals:\n%s", body)
	}
	rec := serve(e, http.MethodPost, "/providers/accept", url.Values{"provider": {p.Name()}}, false)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("Apply now: %d %s", rec.Code, rec.Body.String())
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		refs, _ := st.BucketRefs(ctx, p.Name())
		if len(refs) == 40 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after Apply now the bucket holds %d, want 40", len(refs))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(serve(e, http.MethodGet, "/providers", nil, false).Body.String(), `data-testid="held-removals"`) {
		t.Error("the page still shows held removals after they were applied")
	}
}

// catalogConn applies a provider's mutations through the real ingest
// pipeline and lists its bucket, as the backend's connection does (the
// scheduler holds removals only for a connection that lists).
type catalogConn struct {
	cat  *catalog.Catalog
	name string
}

func (c catalogConn) ApplyMutation(ctx context.Context, m catalog.Mutation) (catalog.ApplyResult, error) {
	return c.cat.Apply(ctx, c.name, m)
}

func (c catalogConn) BucketRefs(ctx context.Context) ([]catalog.StoredRef, error) {
	return c.cat.BucketRefs(ctx, c.name)
}

package threescale

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/providers"
	"github.com/porticohq/portico/web/syncstatus/syncstatustest"
)

// catalogConn applies a provider's mutations through the real ingest
// pipeline, as the backend's connection does.
type catalogConn struct {
	cat  *catalog.Catalog
	name string
}

func (c catalogConn) ApplyMutation(ctx context.Context, m catalog.Mutation) (catalog.ApplyResult, error) {
	return c.cat.Apply(ctx, c.name, m)
}

// lockedBuffer is a log sink the scheduler's goroutines and the test share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// take returns what was logged since the last call.
func (b *lockedBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}

func countEntities(t *testing.T, st *store.Store) int {
	t.Helper()
	items, err := st.List(context.Background(), nil, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	return len(items)
}

// TestFaultTable: after each fault the catalog still holds every entity of
// the last good run, and both the run record and the /providers page say
// what happened. The familiar "Applying the mutation" line is logged only
// for runs that apply.
func TestFaultTable(t *testing.T) {
	eachStore(t, testFaultTable)
}

func testFaultTable(t *testing.T, st *store.Store) {
	f := newFake(t, 600) // two pages, so page 2 can be truncated
	cat := catalog.New(st, catalog.Options{})
	cfg := tenant("dev", f.srv.URL)
	cfg.Schedule.Timeout = 5 * time.Second // 600 services, read under -race on 2 shared cores
	var logs lockedBuffer
	p := New(cfg, nil, slog.New(slog.NewTextHandler(&logs, nil)))
	s, err := providers.New(providers.Options{DB: st.DB()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add(p, catalogConn{cat: cat, name: p.Name()}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); s.Wait() }()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	run := func() providers.Run {
		t.Helper()
		id, err := s.Trigger(ctx, p.Name())
		if err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			r, err := s.Run(ctx, id)
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
	if r := run(); r.Outcome != providers.OutcomeOK || r.Added != 600 {
		t.Fatalf("first run: %+v", r)
	}
	if out := logs.take(); !strings.Contains(out, "Applying the mutation with 600 entities") {
		t.Fatalf("first run logs lack the apply line:\n%s", out)
	}
	syncstatustest.AssertLastRun(t, s, p.Name(), providers.OutcomeOK, "applied 600 entities", testToken)
	tests := []struct {
		fault, outcome, message string
	}{
		{"500", providers.OutcomeError, "500"},
		{"timeout", providers.OutcomeTimeout, "timed out"},
		{"reset", providers.OutcomeError, "EOF"},
		{"401", providers.OutcomeError, "401"},
		{"empty", providers.OutcomeHeld, "listing is empty"},
		{"truncated", providers.OutcomeError, "read response"},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			f.setFault(tt.fault)
			defer f.setFault("")
			r := run()
			if r.Outcome != tt.outcome || !strings.Contains(r.Message, tt.message) {
				t.Fatalf("outcome %s %q, want %s containing %q", r.Outcome, r.Message, tt.outcome, tt.message)
			}
			if strings.Contains(r.Message, testToken) {
				t.Fatalf("token in message %q", r.Message)
			}
			if n := countEntities(t, st); n != 600 {
				t.Fatalf("%d entities after %s, want 600", n, tt.fault)
			}
			if out := logs.take(); strings.Contains(out, "Applying the mutation") || strings.Contains(out, testToken) {
				t.Fatalf("logs after %s:\n%s", tt.fault, out)
			}
			syncstatustest.AssertLastRun(t, s, p.Name(), tt.outcome, tt.message, testToken)
		})
	}
	t.Run("one malformed doc among many", func(t *testing.T) {
		f.mu.Lock()
		f.docs[2]["body"] = `{"openapi":`
		f.mu.Unlock()
		r := run()
		if r.Outcome != providers.OutcomeOK || len(r.Errors) == 0 || r.Errors[0].Entity != "api:default/svc-3" || r.Removed != 0 {
			t.Fatalf("run = %+v", r)
		}
		if n := countEntities(t, st); n != 600 {
			t.Fatalf("%d entities, want 600 (svc-3 kept)", n)
		}
		if _, err := st.ByRef(ctx, catalog.Ref{Kind: "api", Namespace: "default", Name: "svc-3"}); err != nil {
			t.Fatalf("svc-3: %v", err)
		}
		syncstatustest.AssertLastRun(t, s, p.Name(), providers.OutcomeOK, "api:default/svc-3", testToken)
	})
	t.Run("one service's proxy config failing", func(t *testing.T) {
		f.mu.Lock()
		f.badProxy = 7
		f.mu.Unlock()
		defer func() { f.mu.Lock(); f.badProxy = 0; f.mu.Unlock() }()
		r := run()
		if r.Outcome != providers.OutcomeOK || r.Removed != 0 {
			t.Fatalf("run = %+v", r)
		}
		found := false
		for _, e := range r.Errors {
			found = found || (e.Entity == "api:default/svc-7" && strings.Contains(e.Message, "proxy config"))
		}
		if !found {
			t.Fatalf("no error recorded against svc-7: %+v", r.Errors)
		}
		if n := countEntities(t, st); n != 600 {
			t.Fatalf("%d entities, want 600 (svc-7 kept)", n)
		}
		syncstatustest.AssertLastRun(t, s, p.Name(), providers.OutcomeOK, "api:default/svc-7", testToken)
	})
	status, err := s.Status(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(status[0].Recent); got != 9 {
		t.Fatalf("%d runs on the status, want 9", got)
	}
}

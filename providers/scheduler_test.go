package providers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
)

// testProvider is a ScheduledProvider whose runs the test scripts.
type testProvider struct {
	name    string
	sched   Schedule
	safety  *Safety
	secrets []string
	run     func(ctx context.Context) (catalog.Mutation, error)
}

func (p *testProvider) Name() string                                       { return p.name }
func (p *testProvider) Connect(ctx context.Context, conn Connection) error { return nil }
func (p *testProvider) Schedule() Schedule                                 { return p.sched }
func (p *testProvider) Run(ctx context.Context) (catalog.Mutation, error)  { return p.run(ctx) }
func (p *testProvider) Secrets() []string                                  { return p.secrets }
func (p *testProvider) Safety() Safety {
	if p.safety != nil {
		return *p.safety
	}
	return DefaultSafety()
}

// recordingConn is a Connection that keeps what it was asked to apply and
// answers with the bucket's size change, as a catalog would.
type recordingConn struct {
	mu        sync.Mutex
	mutations []catalog.Mutation
	bucket    map[string]bool
}

func (c *recordingConn) ApplyMutation(ctx context.Context, m catalog.Mutation) (catalog.ApplyResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mutations = append(c.mutations, m)
	next := map[string]bool{}
	var res catalog.ApplyResult
	for _, d := range m.Entities {
		key := d.Entity.Ref().Key()
		next[key] = true
		if c.bucket[key] {
			res.Unchanged++
		} else {
			res.Added++
		}
	}
	for key := range c.bucket {
		if !next[key] {
			res.Removed++
		}
	}
	c.bucket = next
	return res, nil
}

func (c *recordingConn) applied() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.mutations)
}

func entities(n int) catalog.Mutation {
	m := catalog.Mutation{Type: catalog.Full}
	for i := range n {
		m.Entities = append(m.Entities, catalog.DeferredEntity{Entity: catalog.Entity{
			APIVersion: "backstage.io/v1alpha1", Kind: "API", Metadata: catalog.Metadata{Name: fmt.Sprintf("api-%d", i)}}})
	}
	return m
}

func startScheduler(t *testing.T, db testDB, log *slog.Logger, ps ...*testProvider) (*Scheduler, []*recordingConn) {
	t.Helper()
	s, err := New(Options{DB: db.open(t), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	var conns []*recordingConn
	for _, p := range ps {
		c := &recordingConn{}
		if err := s.Add(p, c); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); s.Wait() })
	return s, conns
}

// manual is a schedule that never fires during a test: runs are triggered.
var manual = Schedule{Frequency: time.Hour, InitialDelay: time.Hour, Timeout: 2 * time.Second}

func waitRun(t *testing.T, s *Scheduler, id string) Run {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		r, err := s.Run(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Running() {
			return r
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("run %s did not end", id)
	return Run{}
}

func trigger(t *testing.T, s *Scheduler, name string) Run {
	t.Helper()
	id, err := s.Trigger(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return waitRun(t, s, id)
}

func TestRunOutcomes(t *testing.T) {
	for _, db := range testDBs(t) {
		t.Run(db.name, func(t *testing.T) {
			var step int
			p := &testProvider{name: "test:outcomes", sched: manual, run: func(ctx context.Context) (catalog.Mutation, error) {
				step++
				switch step {
				case 2:
					return catalog.Mutation{}, errors.New("upstream said 500")
				case 3:
					<-ctx.Done() // runs past its timeout
					return entities(3), nil
				}
				return entities(3), nil
			}}
			p.sched.Timeout = 200 * time.Millisecond
			s, conns := startScheduler(t, db, nil, p)

			tests := []struct {
				outcome, message string
				applied          int
			}{
				{OutcomeOK, "applied 3 entities", 1},
				{OutcomeError, "upstream said 500", 1},
				{OutcomeTimeout, "timed out", 1},
				{OutcomeOK, "applied 3 entities", 2},
			}
			for i, tt := range tests {
				r := trigger(t, s, p.name)
				if r.Outcome != tt.outcome || !strings.Contains(r.Message, tt.message) {
					t.Fatalf("run %d: outcome %s %q, want %s %q", i+1, r.Outcome, r.Message, tt.outcome, tt.message)
				}
				if got := conns[0].applied(); got != tt.applied {
					t.Fatalf("run %d: %d mutations applied, want %d", i+1, got, tt.applied)
				}
				if r.Trigger != TriggerManual || r.Duration <= 0 && r.Outcome == OutcomeTimeout {
					t.Fatalf("run %d: trigger %s duration %s", i+1, r.Trigger, r.Duration)
				}
			}
			st, err := s.Status(context.Background(), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(st) != 1 || len(st[0].Recent) != 4 || st[0].Last.Outcome != OutcomeOK || st[0].Last.Unchanged != 3 {
				t.Fatalf("status = %+v", st)
			}
		})
	}
}

// TestShrinkGuardHoldsLargeDeletions covers the guard of connections that
// cannot list their bucket (the catalog's can: see held_test.go): the whole
// run is held when its listing shrinks by more than the guard.
func TestShrinkGuardHoldsLargeDeletions(t *testing.T) {
	allow := Safety{ShrinkGuard: 0.5, AllowLargeDeletions: true}
	half := Safety{ShrinkGuard: 0.5}
	tests := []struct {
		name    string
		safety  *Safety
		sizes   []int
		want    []string
		applied int
	}{
		{"empty after non-empty is held", &half, []int{10, 0}, []string{OutcomeOK, OutcomeHeld}, 1},
		{"more than half is held", &half, []int{10, 4}, []string{OutcomeOK, OutcomeHeld}, 1},
		{"half is applied", &half, []int{10, 5}, []string{OutcomeOK, OutcomeOK}, 2},
		{"held compares with the last applied run", &half, []int{10, 0, 3, 10}, []string{OutcomeOK, OutcomeHeld, OutcomeHeld, OutcomeOK}, 2},
		{"empty first run is applied", &half, []int{0, 5}, []string{OutcomeOK, OutcomeOK}, 2},
		{"allowLargeDeletions", &allow, []int{10, 0}, []string{OutcomeOK, OutcomeOK}, 2},
		{"shrinkGuard 0", &Safety{}, []int{10, 1}, []string{OutcomeOK, OutcomeOK}, 2},
	}
	db := sqliteDB(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n int
			p := &testProvider{name: fmt.Sprintf("test:shrink%d", i), sched: manual, safety: tt.safety,
				run: func(ctx context.Context) (catalog.Mutation, error) {
					n++
					return entities(tt.sizes[n-1]), nil
				}}
			s, conns := startScheduler(t, db, nil, p)
			for j, want := range tt.want {
				r := trigger(t, s, p.name)
				if r.Outcome != want {
					t.Fatalf("run %d: outcome %s (%s), want %s", j+1, r.Outcome, r.Message, want)
				}
				if want == OutcomeHeld && (!strings.Contains(r.Message, "nothing was deleted") || len(r.Errors) == 0) {
					t.Fatalf("held run does not say why: %+v", r)
				}
			}
			if got := conns[0].applied(); got != tt.applied {
				t.Fatalf("%d mutations applied, want %d", got, tt.applied)
			}
		})
	}
}

func TestFailedSourcesAreRecordedPerItem(t *testing.T) {
	p := &testProvider{name: "test:failed", sched: manual, run: func(ctx context.Context) (catalog.Mutation, error) {
		m := entities(2)
		m.Failed = []catalog.FailedSource{{Location: "url:https://x/bad", Problems: []catalog.Problem{{Entity: "api:default/bad", Message: "malformed body"}}}}
		return m, nil
	}}
	s, conns := startScheduler(t, sqliteDB(t), nil, p)
	r := trigger(t, s, p.name)
	if r.Outcome != OutcomeOK || r.Listed != 3 || len(r.Errors) != 1 || r.Errors[0].Entity != "api:default/bad" || r.Errors[0].File != "url:https://x/bad" {
		t.Fatalf("run = %+v", r)
	}
	if len(conns[0].mutations[0].Failed) != 1 {
		t.Fatal("the failed source was not handed to the catalog")
	}
}

func TestSecretsNeverRecordedOrLogged(t *testing.T) {
	const secret = "s3cr3t-T0KEN-value"
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	p := &testProvider{name: "test:secret", sched: manual, secrets: []string{secret},
		run: func(ctx context.Context) (catalog.Mutation, error) {
			return catalog.Mutation{}, fmt.Errorf("GET https://x/admin/api/services.json?access_token=%s&page=1: 401 (other %s)", "abc"+"def1234", secret)
		}}
	s, _ := startScheduler(t, sqliteDB(t), log, p)
	r := trigger(t, s, p.name)
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), "did not apply") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	st, _ := s.Status(context.Background(), 5)
	dump := fmt.Sprintf("%+v %+v %s", r, st, logs.String())
	for _, leaked := range []string{secret, "abcdef1234"} {
		if strings.Contains(dump, leaked) {
			t.Fatalf("secret %q leaked: %s", leaked, dump)
		}
	}
	if !strings.Contains(r.Message, "access_token=[redacted]") {
		t.Fatalf("message = %q", r.Message)
	}
}

func TestTriggerWhileRunningReturnsTheRunningRun(t *testing.T) {
	release := make(chan struct{})
	p := &testProvider{name: "test:busy", sched: manual, run: func(ctx context.Context) (catalog.Mutation, error) {
		ReportProgress(ctx, "page %d of %d", 1, 3)
		select {
		case <-release:
		case <-ctx.Done():
		}
		return entities(1), nil
	}}
	s, _ := startScheduler(t, sqliteDB(t), nil, p)
	id1, err := s.Trigger(context.Background(), p.name)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := s.Trigger(context.Background(), p.name)
	if err != nil || id2 != id1 {
		t.Fatalf("second trigger = %s, %v; want %s", id2, err, id1)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, _ := s.Run(context.Background(), id1)
		if r.Progress == "page 1 of 3" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("progress never shown: %+v", r)
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	if r := waitRun(t, s, id1); r.Outcome != OutcomeOK {
		t.Fatalf("run = %+v", r)
	}
	if _, err := s.Trigger(context.Background(), "nope"); !errors.Is(err, ErrUnknownProvider) {
		t.Fatalf("unknown provider: %v", err)
	}
}

func TestMetrics(t *testing.T) {
	p := &testProvider{name: "test:metrics", sched: manual, run: func(ctx context.Context) (catalog.Mutation, error) { return entities(2), nil }}
	s, _ := startScheduler(t, sqliteDB(t), nil, p)
	trigger(t, s, p.name)
	var buf bytes.Buffer
	if err := s.WriteMetrics(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`portico_provider_runs_total{provider="test:metrics",outcome="ok"} 1`,
		`portico_provider_run_duration_seconds_count{provider="test:metrics"} 1`,
		`portico_provider_entities{provider="test:metrics"} 2`,
	} {
		if !strings.Contains(buf.String(), want) {
			t.Fatalf("metrics lack %q:\n%s", want, buf.String())
		}
	}
}

// lockedBuffer is a log sink the test can read while the scheduler writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestOldRunsArePrunedButTheLastAppliedIsKept(t *testing.T) {
	for _, db := range testDBs(t) {
		t.Run(db.name, func(t *testing.T) {
			n := 0
			p := &testProvider{name: "test:prune", sched: manual, run: func(ctx context.Context) (catalog.Mutation, error) {
				n++
				if n == 1 {
					return entities(10), nil
				}
				return entities(0), nil // held from now on
			}}
			s, err := New(Options{DB: db.open(t), KeepRuns: 3})
			if err != nil {
				t.Fatal(err)
			}
			_ = s.Add(p, &recordingConn{})
			ctx, cancel := context.WithCancel(context.Background())
			defer func() { cancel(); s.Wait() }()
			if err := s.Start(ctx); err != nil {
				t.Fatal(err)
			}
			for range 6 {
				trigger(t, s, p.name)
				time.Sleep(2 * time.Millisecond) // distinct started_at
			}
			// A run prunes after its record is final, which is when
			// trigger returns: the last prune may still be under way.
			var runs []Run
			for deadline := time.Now().Add(5 * time.Second); ; {
				var err error
				if runs, err = s.runs.recent(ctx, p.name, 100); err != nil {
					t.Fatal(err)
				}
				if len(runs) <= 4 || time.Now().After(deadline) {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			if len(runs) != 4 || runs[3].Outcome != OutcomeOK || runs[0].Outcome != OutcomeHeld {
				t.Fatalf("kept %d runs: %+v", len(runs), runs)
			}
		})
	}
}

func TestProviderAddedAfterStartRunsAndRemovedStops(t *testing.T) {
	for _, db := range testDBs(t) {
		t.Run(db.name, func(t *testing.T) {
			s, _ := startScheduler(t, db, nil)
			started := make(chan struct{})
			var once sync.Once
			p := &testProvider{name: "url:https://example.com/catalog-info.yaml",
				sched: Schedule{Frequency: time.Hour, Timeout: 5 * time.Second},
				run: func(ctx context.Context) (catalog.Mutation, error) {
					once.Do(func() { close(started) })
					<-ctx.Done() // a long read, cut short by Remove
					return entities(1), ctx.Err()
				}}
			c := &recordingConn{}
			if err := s.Add(p, c); err != nil {
				t.Fatal(err)
			}
			select { // scheduled at once: its first run is due
			case <-started:
			case <-time.After(5 * time.Second):
				t.Fatal("a provider added after Start never ran")
			}
			if !s.Remove(p.name) {
				t.Fatal("Remove reported the provider unknown")
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				r, ok, err := s.runs.running(context.Background(), p.name)
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("run %s still running after Remove", r.ID)
				}
				time.Sleep(10 * time.Millisecond)
			}
			if c.applied() != 0 {
				t.Errorf("a removed provider's cancelled run applied %d mutations", c.applied())
			}
			if _, err := s.Trigger(context.Background(), p.name); !errors.Is(err, ErrUnknownProvider) {
				t.Errorf("Trigger after Remove: %v, want ErrUnknownProvider", err)
			}
			if s.Remove(p.name) {
				t.Error("second Remove reported the provider known")
			}
		})
	}
}

func TestRefreshStartsARunAfterTheOneInProgress(t *testing.T) {
	for _, db := range testDBs(t) {
		t.Run(db.name, func(t *testing.T) {
			release := make(chan struct{})
			var mu sync.Mutex
			runs := 0
			p := &testProvider{name: "test:refresh", sched: manual, run: func(ctx context.Context) (catalog.Mutation, error) {
				mu.Lock()
				runs++
				first := runs == 1
				mu.Unlock()
				if first {
					<-release // read its source before the change
				}
				return entities(1), nil
			}}
			s, _ := startScheduler(t, db, nil, p)
			first, err := s.Trigger(context.Background(), p.name)
			if err != nil {
				t.Fatal(err)
			}
			if again, _ := s.Trigger(context.Background(), p.name); again != first {
				t.Fatalf("Trigger during a run = %s, want the running run %s", again, first)
			}
			got := make(chan string, 1)
			go func() {
				id, err := s.Refresh(context.Background(), p.name)
				if err != nil {
					t.Error(err)
				}
				got <- id
			}()
			select {
			case id := <-got:
				t.Fatalf("Refresh returned %s while the earlier run was still in progress", id)
			case <-time.After(200 * time.Millisecond):
			}
			close(release)
			id := <-got
			if id == first || id == "" {
				t.Fatalf("Refresh = %q, want a new run after %s", id, first)
			}
			if r := waitRun(t, s, id); r.Outcome != OutcomeOK {
				t.Errorf("refreshed run: %+v", r)
			}
		})
	}
}

// TestProviderStatusOfOneProvider: the register page asks for one
// location's runs; a provider this replica does not schedule (not yet
// synced, or removed) is ErrUnknownProvider, and Status skips a provider
// removed while it lists.
func TestProviderStatusOfOneProvider(t *testing.T) {
	p := &testProvider{name: "url:https://example.com/all.yaml", sched: manual,
		run: func(context.Context) (catalog.Mutation, error) { return entities(2), nil }}
	s, _ := startScheduler(t, sqliteDB(t), nil, p)
	ctx := context.Background()
	st, err := s.ProviderStatus(ctx, p.name, 1)
	if err != nil || st.Last != nil || st.Running != nil {
		t.Fatalf("before any run: %+v, %v", st, err)
	}
	r := trigger(t, s, p.name)
	st, err = s.ProviderStatus(ctx, p.name, 1)
	if err != nil || st.Last == nil || st.Last.ID != r.ID || st.Last.Listed != 2 {
		t.Fatalf("after a run: %+v, %v", st, err)
	}
	if _, err := s.ProviderStatus(ctx, "url:https://example.com/other.yaml", 1); !errors.Is(err, ErrUnknownProvider) {
		t.Errorf("unknown provider: %v, want ErrUnknownProvider", err)
	}
	s.Remove(p.name)
	if _, err := s.ProviderStatus(ctx, p.name, 1); !errors.Is(err, ErrUnknownProvider) {
		t.Errorf("removed provider: %v, want ErrUnknownProvider", err)
	}
	if all, err := s.Status(ctx, 1); err != nil || len(all) != 0 {
		t.Errorf("Status after Remove: %v, %v", all, err)
	}
}

// "Sync now" right after a run has read its source starts a new run: the
// old one cannot see a change made after it read (issue 15: Trigger
// returned the previous run while its record was being closed).
func TestSyncNowAfterARunReadReturnsANewRun(t *testing.T) {
	for _, db := range testDBs(t) {
		t.Run(db.name, func(t *testing.T) {
			release := make(chan struct{})
			returned := make(chan struct{})
			var calls atomic.Int32
			p := &testProvider{name: "test:syncnow", sched: manual, run: func(ctx context.Context) (catalog.Mutation, error) {
				if calls.Add(1) == 1 {
					defer close(returned)
					<-release
				}
				return entities(1), nil
			}}
			s, _ := startScheduler(t, db, nil, p)
			first, err := s.Trigger(context.Background(), p.name)
			if err != nil {
				t.Fatal(err)
			}
			close(release)
			<-returned // the first run has read its source...
			// ...and execute has marked it so (a few instructions after
			// Run returns; under -race the Trigger below could land between).
			s.mu.Lock()
			task := s.tasks[p.name]
			s.mu.Unlock()
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
				if id, _ := task.currentRun(); id != first || time.Now().After(deadline) {
					break
				}
			}
			second, err := s.Trigger(context.Background(), p.name)
			if err != nil {
				t.Fatal(err)
			}
			if second == first {
				t.Fatalf("Sync now after the run read its source returned that run (%s)", first)
			}
			if r := waitRun(t, s, second); r.Outcome != OutcomeOK || calls.Load() != 2 {
				t.Errorf("second run %+v after %d reads", r, calls.Load())
			}
		})
	}
}

// TestRemoveCancelsAManualRunAndWaitsForIt: "Sync now" (and POST /refresh)
// runs under the task's context, so removing the provider cancels it, and
// Remove returns once it has closed, having applied nothing. Before, the
// manual run outlived the removal and its apply re-adopted entities the
// caller had just orphaned (unregistering a location, flaky in CI).
func TestRemoveCancelsAManualRunAndWaitsForIt(t *testing.T) {
	for _, db := range testDBs(t) {
		t.Run(db.name, func(t *testing.T) {
			reading := make(chan struct{})
			var cancelled atomic.Bool
			p := &testProvider{name: "test:removed", sched: manual, run: func(ctx context.Context) (catalog.Mutation, error) {
				close(reading)
				<-ctx.Done()
				cancelled.Store(true)
				time.Sleep(50 * time.Millisecond) // a provider slow to notice
				return entities(3), nil
			}}
			s, conns := startScheduler(t, db, nil, p)
			if _, err := s.Trigger(context.Background(), p.name); err != nil {
				t.Fatal(err)
			}
			<-reading
			done := make(chan bool)
			go func() { done <- s.Remove(p.name) }()
			select {
			case ok := <-done:
				if !ok {
					t.Fatal("Remove did not find the provider")
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Remove did not cancel the manual run")
			}
			if !cancelled.Load() {
				t.Error("Remove returned before the run saw its cancellation")
			}
			if n := conns[0].applied(); n != 0 {
				t.Errorf("the removed provider's run applied %d mutations", n)
			}
		})
	}
}

// Outside test: with catalog.processingInterval: false a url location was
// read on the first start only; the stored next run (a century away) kept
// later starts from reading it, although /providers says "at start and
// when refreshed". A manual schedule runs once at every start, and only
// once.
func TestManualScheduleRunsAtEveryStart(t *testing.T) {
	for _, db := range testDBs(t) {
		t.Run(db.name, func(t *testing.T) {
			var runs atomic.Int32
			p := &testProvider{name: "url:https://example.com/all.yaml",
				sched: Schedule{Frequency: 100 * 365 * 24 * time.Hour, Timeout: 5 * time.Second, Manual: true},
				run: func(ctx context.Context) (catalog.Mutation, error) {
					runs.Add(1)
					return entities(1), nil
				}}
			start := func() (stop func()) {
				s, err := New(Options{DB: db.open(t)})
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Add(p, &recordingConn{}); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				if err := s.Start(ctx); err != nil {
					t.Fatal(err)
				}
				return func() { cancel(); s.Wait() }
			}
			waitRuns := func(n int32) {
				t.Helper()
				deadline := time.Now().Add(10 * time.Second)
				for runs.Load() < n {
					if time.Now().After(deadline) {
						t.Fatalf("%d runs, want %d", runs.Load(), n)
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			stop := start()
			waitRuns(1)
			time.Sleep(300 * time.Millisecond) // no scheduled run follows
			stop()
			if got := runs.Load(); got != 1 {
				t.Fatalf("%d runs at the first start, want 1", got)
			}
			stop = start()
			defer stop()
			waitRuns(2)
			time.Sleep(300 * time.Millisecond)
			if got := runs.Load(); got != 2 {
				t.Errorf("%d runs after the second start, want 2", got)
			}
		})
	}
}

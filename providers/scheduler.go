package providers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// ErrBusy is returned by Trigger when another replica holds the task's lease
// and no running run is recorded for it yet.
var ErrBusy = errors.New("another replica is running this provider")

// Options configure a Scheduler.
type Options struct {
	DB     *bun.DB
	Logger *slog.Logger
	Clock  func() time.Time
	// Owner names this replica in leases and run records; default
	// hostname-pid-random.
	Owner string
	// MaxPoll bounds how long a replica waits before looking at a task that
	// another replica holds; default 10 s.
	MaxPoll time.Duration
	// KeepRuns is how many run records each provider keeps; default 500.
	KeepRuns int
	// LeaseTTL is how long a task's lease lives unless renewed (every
	// third of it while a run lives); default DefaultLeaseTTL.
	LeaseTTL time.Duration
}

// Scheduler runs scheduled providers on their schedules, at most one run per
// task across every replica sharing the database, and records each run.
type Scheduler struct {
	db      *bun.DB
	log     *slog.Logger
	clock   func() time.Time
	owner   string
	maxPoll time.Duration
	keep    int
	runs    runStore
	held    heldStore
	leases  leases
	metrics *metrics

	mu        sync.Mutex
	tasks     map[string]*task
	jobs      map[string]*job     // background jobs (jobs.go)
	connected []*ConnectedTracker // push-style providers, for the status page
	order     []string
	ctx       context.Context // set by Start; manual runs end with it
	since     time.Time       // when Start was called
	wg        sync.WaitGroup
}

// task is one scheduled provider in this replica.
type task struct {
	p       ScheduledProvider
	conn    Connection
	sched   Schedule
	safety  Safety
	secrets []string

	mu      sync.Mutex
	current *liveRun        // the run this replica is executing, if any
	ctx     context.Context // the task's own context: Remove cancels it
	stop    context.CancelFunc
}

// liveRun is a run in progress in this replica. ended is set once its
// record is final; done closes when the task no longer points at it.
type liveRun struct {
	mu    sync.Mutex
	run   Run
	ended bool
	done  chan struct{}
}

// New returns a scheduler over db; call Add for each provider, then Start.
func New(opts Options) (*Scheduler, error) {
	if opts.DB == nil {
		return nil, errors.New("providers scheduler: no database")
	}
	s := &Scheduler{db: opts.DB, log: opts.Logger, clock: opts.Clock, owner: opts.Owner,
		maxPoll: opts.MaxPoll, metrics: newMetrics(), tasks: map[string]*task{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.owner == "" {
		// Random per start: a restarted process is never taken for the
		// one that died, whose runs are shown as interrupted.
		host, _ := os.Hostname()
		s.owner = fmt.Sprintf("%s-%s", host, newID()[:10])
	}
	if s.maxPoll <= 0 {
		s.maxPoll = 10 * time.Second
	}
	s.keep = opts.KeepRuns
	if s.keep <= 0 {
		s.keep = 500
	}
	s.runs = runStore{db: opts.DB}
	s.held = heldStore{db: opts.DB}
	ttl := opts.LeaseTTL
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	s.leases = newLeases(opts.DB, s.owner, ttl)
	return s, nil
}

// Owner is this replica's name in leases and run records.
func (s *Scheduler) Owner() string { return s.owner }

// Add registers a provider; conn applies its mutations. Names must be
// unique. A provider added after Start (a registered location) is connected
// and scheduled at once.
func (s *Scheduler) Add(p ScheduledProvider, conn Connection) error {
	s.mu.Lock()
	name := p.Name()
	if _, dup := s.tasks[name]; dup {
		s.mu.Unlock()
		return fmt.Errorf("provider %s added twice", name)
	}
	sched := p.Schedule()
	if sched.Timeout <= 0 {
		sched.Timeout = 3 * time.Minute
	}
	if sched.Frequency <= 0 && sched.Cron == "" {
		sched.Frequency = 30 * time.Minute
	}
	t := &task{p: p, conn: conn, sched: sched, safety: DefaultSafety()}
	if sp, ok := p.(SafetyPolicy); ok {
		t.safety = sp.Safety()
	}
	if sh, ok := p.(SecretHolder); ok {
		t.secrets = sh.Secrets()
	}
	s.tasks[name] = t
	s.order = append(s.order, name)
	base := s.ctx
	s.mu.Unlock()
	if base == nil {
		return nil
	}
	if err := s.startTask(base, t); err != nil {
		s.Remove(name)
		return err
	}
	return nil
}

// Remove stops scheduling the provider named name (an unregistered
// location): its loop ends and a run in progress is cancelled, applying
// nothing. It reports whether the provider was scheduled.
func (s *Scheduler) Remove(name string) bool {
	s.mu.Lock()
	t, ok := s.tasks[name]
	if ok {
		delete(s.tasks, name)
		s.order = slices.DeleteFunc(s.order, func(n string) bool { return n == name })
	}
	s.mu.Unlock()
	if ok {
		t.mu.Lock()
		stop, cur := t.stop, t.current
		t.mu.Unlock()
		if stop != nil {
			stop()
		}
		// A run in flight (a scheduled one or "Sync now") is cancelled
		// with the task and applies nothing; wait for it to close, so that
		// what the caller writes next (unregistering orphans the
		// location's entities) is not undone by its apply.
		if cur != nil {
			select {
			case <-cur.done:
			case <-time.After(removeWait):
				s.log.Warn("a run of a removed provider is still closing", "provider", name)
			}
		}
	}
	return ok
}

// removeWait bounds how long Remove waits for a cancelled run to close.
const removeWait = 30 * time.Second

// startTask connects t's provider and starts its loop under base.
func (s *Scheduler) startTask(base context.Context, t *task) error {
	ctx, stop := context.WithCancel(base)
	t.mu.Lock()
	t.ctx, t.stop = ctx, stop
	t.mu.Unlock()
	if err := t.p.Connect(ctx, t.conn); err != nil {
		stop()
		return fmt.Errorf("connect provider %s: %w", t.p.Name(), err)
	}
	s.wg.Add(1)
	go s.loop(ctx, t)
	return nil
}

// Migrate creates the scheduler's tables.
func (s *Scheduler) Migrate(ctx context.Context) error {
	return migrate(ctx, s.db)
}

// Start migrates, connects every provider and starts one loop per task; the
// loops and any manual runs end when ctx ends (see Wait).
func (s *Scheduler) Start(ctx context.Context) error {
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	s.ctx = ctx
	s.since = s.clock()
	tasks := make([]*task, 0, len(s.order))
	for _, name := range s.order {
		tasks = append(tasks, s.tasks[name])
	}
	s.mu.Unlock()
	for _, t := range tasks {
		if err := s.startTask(ctx, t); err != nil {
			return err
		}
	}
	s.startJobs(ctx)
	return nil
}

// Wait blocks until every loop and run started by this scheduler has ended.
func (s *Scheduler) Wait() { s.wg.Wait() }

// loop runs one task whenever it is due and this replica gets its lease.
func (s *Scheduler) loop(ctx context.Context, t *task) {
	defer s.wg.Done()
	if !sleep(ctx, t.sched.InitialDelay) {
		return
	}
	if t.sched.Manual {
		// "At start and when refreshed": the stored next run is a far-off
		// backstop, so each start reads the source once (a replica that
		// finds it running already leaves it to that run).
		if _, _, err := s.trigger(ctx, t.p.Name()); err != nil && !errors.Is(err, ErrBusy) && ctx.Err() == nil {
			s.log.Error("scheduler could not start the start-up run", "provider", t.p.Name(), "err", err)
		}
	}
	for {
		wake := s.tick(ctx, t)
		if !sleep(ctx, time.Until(wake)) {
			return
		}
	}
}

// tick tries a scheduled run and returns when to look again.
func (s *Scheduler) tick(ctx context.Context, t *task) time.Time {
	name := t.p.Name()
	now := s.clock()
	if t.busy() {
		return now.Add(min(s.maxPoll, t.sched.Timeout))
	}
	got, err := s.leases.acquire(ctx, name, true)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("scheduler could not take a lease", "provider", name, "err", err)
		}
		return now.Add(time.Second)
	}
	if got {
		r, ok := s.begin(ctx, t, TriggerScheduled)
		if !ok {
			_ = s.leases.release(context.WithoutCancel(ctx), name, time.Second)
			return now.Add(time.Second)
		}
		s.execute(ctx, t, r)
		return s.clock().Add(time.Millisecond)
	}
	return s.wakeFromLease(ctx, t, now)
}

// wakeFromLease picks when to look again at a task this replica could not
// take: when it is next due, or when the holder's lease runs out.
func (s *Scheduler) wakeFromLease(ctx context.Context, t *task, now time.Time) time.Time {
	st, ok, err := s.leases.state(ctx, t.p.Name())
	if err != nil || !ok {
		return now.Add(time.Second)
	}
	wake := now.Add(st.DueIn)
	if st.LockedFor > 0 {
		wake = now.Add(st.LockedFor)
	}
	lo, hi := now.Add(50*time.Millisecond), now.Add(s.maxPoll)
	if wake.Before(lo) {
		wake = lo
	}
	if wake.After(hi) {
		wake = hi
	}
	return wake
}

// Trigger starts a manual run ("Sync now") and returns its id; the run's
// record shows its progress. When the task is already running (here or in
// another replica) it returns that run's id instead.
func (s *Scheduler) Trigger(ctx context.Context, name string) (string, error) {
	id, _, err := s.trigger(ctx, name)
	return id, err
}

// Refresh starts a run that begins after the call and returns its id
// ("read it again now", POST /refresh): a run already in progress, here or
// in another replica, may have read its source before the change the
// caller wants seen, so Refresh waits for it to end and starts another.
func (s *Scheduler) Refresh(ctx context.Context, name string) (string, error) {
	for {
		id, fresh, err := s.trigger(ctx, name)
		switch {
		case fresh:
			return id, nil
		case err != nil && !errors.Is(err, ErrBusy):
			return "", err
		}
		for id != "" {
			if !sleep(ctx, 50*time.Millisecond) {
				return "", ctx.Err()
			}
			r, err := s.runs.get(ctx, id)
			if err != nil || !r.Running() {
				break
			}
		}
		if !sleep(ctx, 10*time.Millisecond) {
			return "", ctx.Err()
		}
	}
}

// trigger is Trigger; fresh reports that the run returned was started by
// this call.
func (s *Scheduler) trigger(ctx context.Context, name string) (id string, fresh bool, err error) {
	s.mu.Lock()
	t, ok := s.tasks[name]
	base := s.ctx
	s.mu.Unlock()
	if !ok {
		return "", false, fmt.Errorf("trigger %s: %w", name, ErrUnknownProvider)
	}
	t.mu.Lock()
	if t.ctx != nil {
		base = t.ctx // so that Remove cancels a manual run too
	}
	t.mu.Unlock()
	if base == nil {
		return "", false, fmt.Errorf("trigger %s: scheduler not started", name)
	}
	if id, wait := t.currentRun(); id != "" {
		return id, false, nil
	} else if wait != nil {
		select { // the previous run is closing: start after it
		case <-wait:
		case <-ctx.Done():
			return "", false, ctx.Err()
		}
	}
	got, err := s.leases.acquire(ctx, name, false)
	if err != nil {
		return "", false, fmt.Errorf("trigger %s: %w", name, err)
	}
	if !got {
		if r, ok, err := s.runs.running(ctx, name); err == nil && ok {
			return r.ID, false, nil
		}
		return "", false, fmt.Errorf("trigger %s: %w", name, ErrBusy)
	}
	r, ok := s.begin(base, t, TriggerManual)
	if !ok {
		_ = s.leases.release(context.WithoutCancel(ctx), name, 0)
		return "", false, fmt.Errorf("trigger %s: could not record the run", name)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.execute(base, t, r)
	}()
	return r.run.ID, true, nil
}

// ErrUnknownProvider is returned for a provider name the scheduler does not run.
var ErrUnknownProvider = errors.New("unknown provider")

// WriteMetrics writes run counters and duration histograms in Prometheus'
// text format; /metrics calls it.
func (s *Scheduler) WriteMetrics(w io.Writer) error { return s.metrics.write(w) }

func (t *task) busy() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.current != nil
}

// currentRun returns the id of the run in progress, or, when that run has
// ended but is still closing, a channel that closes when it is gone.
func (t *task) currentRun() (string, <-chan struct{}) {
	t.mu.Lock()
	lr := t.current
	t.mu.Unlock()
	if lr == nil {
		return "", nil
	}
	lr.mu.Lock()
	defer lr.mu.Unlock()
	if lr.ended {
		return "", lr.done
	}
	return lr.run.ID, nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

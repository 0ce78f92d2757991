package providers

import (
	"context"
	"fmt"
	"time"
)

// Job is background work that must run in one replica at a time, such as
// delivering outgoing webhooks: the scheduler runs it every Every under a
// lease in task_leases, as it runs providers (same lease lifetime,
// renewal and takeover), but it applies no mutation and records no run.
type Job struct {
	Name    string
	Every   time.Duration // how often it is due; default a minute
	Timeout time.Duration // bounds one run; default 5 minutes
	// Run does the work; its context ends when the timeout passes or the
	// lease is lost to another replica.
	Run func(ctx context.Context) error
}

type job struct {
	Job
	wake chan struct{}
}

// jobLeasePrefix keeps jobs' leases apart from providers' in task_leases.
const jobLeasePrefix = "job:"

// AddJob registers a job; names must be unique. A job added after Start
// starts at once.
func (s *Scheduler) AddJob(j Job) error {
	if j.Name == "" || j.Run == nil {
		return fmt.Errorf("scheduler job %q: needs a name and a Run", j.Name)
	}
	if j.Every <= 0 {
		j.Every = time.Minute
	}
	if j.Timeout <= 0 {
		j.Timeout = 5 * time.Minute
	}
	s.mu.Lock()
	if s.jobs == nil {
		s.jobs = map[string]*job{}
	}
	if _, dup := s.jobs[j.Name]; dup {
		s.mu.Unlock()
		return fmt.Errorf("scheduler job %s added twice", j.Name)
	}
	jb := &job{Job: j, wake: make(chan struct{}, 1)}
	s.jobs[j.Name] = jb
	base := s.ctx
	s.mu.Unlock()
	if base != nil {
		s.wg.Add(1)
		go s.jobLoop(base, jb)
	}
	return nil
}

// WakeJob asks for a run of the named job as soon as no replica holds its
// lease, without waiting for it to be due (work was just queued here).
func (s *Scheduler) WakeJob(name string) {
	s.mu.Lock()
	jb := s.jobs[name]
	s.mu.Unlock()
	if jb == nil {
		return
	}
	select {
	case jb.wake <- struct{}{}:
	default:
	}
}

func (s *Scheduler) startJobs(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, jb := range s.jobs {
		s.wg.Add(1)
		go s.jobLoop(ctx, jb)
	}
}

// jobLoop runs jb whenever it is due, or woken, and this replica gets its
// lease.
func (s *Scheduler) jobLoop(ctx context.Context, jb *job) {
	defer s.wg.Done()
	due := true
	for {
		wait := s.runJob(ctx, jb, due)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-jb.wake:
			due = false
		case <-timer.C:
			due = true
		}
		timer.Stop()
	}
}

// runJob runs jb once if this replica takes its lease (due: only when it
// is due) and returns how long to wait before looking again.
func (s *Scheduler) runJob(ctx context.Context, jb *job, due bool) time.Duration {
	name := jobLeasePrefix + jb.Name
	log := s.log.With("job", jb.Name)
	got, err := s.leases.acquire(ctx, name, due)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("scheduler could not take a job's lease", "err", err)
		}
		return time.Second
	}
	if !got {
		return s.jobWait(ctx, name, jb.Every)
	}
	leaseCtx, stopLease := context.WithCancelCause(ctx)
	renewDone := s.keepLease(leaseCtx, stopLease, name)
	runCtx, cancel := context.WithTimeout(leaseCtx, jb.Timeout)
	err = jb.Run(runCtx)
	cancel()
	stopLease(nil)
	<-renewDone
	if err != nil && ctx.Err() == nil {
		log.Warn("job failed", "err", err)
	}
	if err := s.leases.release(context.WithoutCancel(ctx), name, jb.Every); err != nil {
		log.Error("could not release a job's lease", "err", err)
	}
	return jb.Every
}

// jobWait is how long to wait for a job another replica holds or ran:
// until it is due or its lease runs out, within [50 ms, every].
func (s *Scheduler) jobWait(ctx context.Context, name string, every time.Duration) time.Duration {
	st, ok, err := s.leases.state(ctx, name)
	if err != nil || !ok {
		return time.Second
	}
	wait := st.DueIn
	if st.LockedFor > 0 {
		wait = st.LockedFor
	}
	return min(max(wait, 50*time.Millisecond), every)
}

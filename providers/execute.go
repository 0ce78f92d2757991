package providers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/porticohq/portico/catalog"
)

// begin records a new run (outcome running) for a task whose lease this
// replica holds, and marks it as the task's current run.
func (s *Scheduler) begin(ctx context.Context, t *task, trigger string) (*liveRun, bool) {
	name := t.p.Name()
	if err := s.runs.abandon(ctx, name, s.owner); err != nil {
		s.log.Warn("could not close abandoned runs", "provider", name, "err", err)
	}
	lr := &liveRun{run: Run{ID: newID(), Provider: name, Trigger: trigger, Owner: s.owner,
		StartedAt: s.clock().UTC(), Outcome: OutcomeRunning}, done: make(chan struct{})}
	if err := s.runs.insert(ctx, lr.run); err != nil {
		s.log.Error("could not record a run", "provider", name, "err", err)
		return nil, false
	}
	t.mu.Lock()
	t.current = lr
	t.mu.Unlock()
	return lr, true
}

// execute performs one run under the lease: the provider's Run with the
// schedule's timeout, the safety rules, the Connection's apply, the record.
// A run that errors, times out, is cancelled or loses its lease applies
// nothing.
func (s *Scheduler) execute(ctx context.Context, t *task, lr *liveRun) {
	name := t.p.Name()
	log := s.log.With("provider", name, "run_id", lr.run.ID)
	ctx = catalog.WithRun(ctx, lr.run.ID)
	leaseCtx, stopLease := context.WithCancelCause(ctx)
	renewDone := s.keepLease(leaseCtx, stopLease, name)

	runCtx, cancel := context.WithTimeout(context.WithValue(leaseCtx, progressKey{}, lr), t.sched.Timeout)
	m, err := t.p.Run(runCtx)
	// The source has been read: from now on "Sync now" starts another run
	// (after this one closes) rather than returning this one, which cannot
	// see a change made after it read.
	lr.mu.Lock()
	lr.ended = true
	lr.mu.Unlock()
	if err == nil && runCtx.Err() != nil {
		err = runCtx.Err() // a provider that ignores its context still applies nothing
	}
	outcome := s.classify(runCtx, leaseCtx, err)
	cancel()

	r := lr.snapshot()
	r.Listed = len(m.Entities) + len(m.Failed)
	r.Errors = failedProblems(m.Failed)
	switch {
	case outcome != OutcomeOK:
		r.Outcome = outcome
		r.Message = runMessage(outcome, err, leaseCtx)
		r.Errors = append(r.Errors, catalog.Problem{Message: r.Message})
	default:
		s.apply(leaseCtx, t, m, &r)
	}
	r.Message = Redact(r.Message, t.secrets)
	r.Errors = dedupeProblems(r.Errors)
	for i := range r.Errors {
		r.Errors[i].Message = Redact(r.Errors[i].Message, t.secrets)
		r.Errors[i].File = Redact(r.Errors[i].File, t.secrets)
	}
	r.Duration = s.clock().Sub(r.StartedAt)

	stopLease(nil)
	<-renewDone
	// Metrics first: once the run's end is recorded, a caller that saw it
	// end (Sync now, a test) may scrape /metrics and must find it there.
	s.metrics.observe(r)
	bg := context.WithoutCancel(ctx)
	if err := s.runs.update(bg, r); err != nil {
		log.Error("could not record the run's end", "err", err)
	}
	now := s.clock()
	if err := s.leases.release(bg, name, t.sched.Next(now).Sub(now)); err != nil {
		log.Error("could not release the lease", "err", err)
	}
	if err := s.runs.prune(bg, name, s.keep); err != nil {
		log.Warn("could not prune old runs", "err", err)
	}
	t.mu.Lock()
	t.current = nil
	t.mu.Unlock()
	close(lr.done)
	attrs := []any{"outcome", r.Outcome, "trigger", r.Trigger, "duration", r.Duration,
		"added", r.Added, "updated", r.Updated, "removed", r.Removed, "unchanged", r.Unchanged,
		"invalid", r.Invalid, "errors", len(r.Errors)}
	if r.Outcome == OutcomeOK {
		log.Info("provider run finished", attrs...)
	} else {
		log.Warn("provider run did not apply", append(attrs, "message", r.Message)...)
	}
}

// apply runs the safety rules and hands the mutation to the Connection.
func (s *Scheduler) apply(ctx context.Context, t *task, m catalog.Mutation, r *Run) {
	stored, lists, err := listBucket(ctx, t.conn, m)
	if err != nil {
		r.Outcome, r.Message = OutcomeError, err.Error()
		return
	}
	if fk, ok := t.conn.(failedKeeper); ok && lists {
		km, err := fk.KeepBelowFailed(ctx, m, stored)
		if err != nil {
			r.Outcome, r.Message = OutcomeError, err.Error()
			return
		}
		m = km
	}
	if m.Type == catalog.Full && !lists {
		prev, ok, err := s.runs.lastApplied(ctx, r.Provider)
		if err != nil {
			r.Outcome, r.Message = OutcomeError, err.Error()
			return
		}
		if why := t.safety.hold(prev, r.Listed); ok && why != "" {
			r.Outcome, r.Message = OutcomeHeld, why
			r.Errors = append(r.Errors, catalog.Problem{Message: why})
			return
		}
	}
	full := m
	m, err = s.holdRemovals(ctx, t, m, stored, lists, r)
	if err != nil {
		r.Outcome, r.Message = OutcomeError, err.Error()
		return
	}
	if ok, err := s.leases.renew(ctx, r.Provider); err != nil || !ok {
		r.Outcome, r.Message = OutcomeCancelled, "the lease was lost before applying; nothing was applied"
		return
	}
	if ob, ok := t.p.(ApplyObserver); ok {
		ob.Applying(ctx, m)
	}
	res, err := t.conn.ApplyMutation(ctx, m)
	if err != nil {
		r.Outcome, r.Message = OutcomeError, fmt.Sprintf("apply: %v", err)
		r.Errors = append(r.Errors, catalog.Problem{Message: r.Message})
		return
	}
	r.Outcome = OutcomeOK
	r.Added, r.Updated, r.Removed, r.Unchanged, r.Invalid = res.Added, res.Updated, res.Removed, res.Unchanged, res.Invalid
	r.Errors = append(r.Errors, res.Problems...)
	for _, c := range res.Conflicts {
		r.Errors = append(r.Errors, catalog.Problem{File: c.Location, Entity: c.EntityRef, Message: c.Message})
	}
	r.Message = fmt.Sprintf("applied %d entities", len(m.Entities))
	if r.Held > 0 {
		r.Message += fmt.Sprintf("; held: %d removals await confirmation (the next run must agree, %s must pass, or Apply now)",
			r.Held, t.safety.RemovalGrace)
		if len(full.Entities) == 0 {
			r.Outcome = OutcomeHeld
			r.Message = fmt.Sprintf("held: the listing is empty; %d removals await confirmation (Apply now, or allowLargeDeletions: true)", r.Held)
		}
	}
	if len(m.Failed) > 0 {
		r.Message += fmt.Sprintf("; %d sources failed and kept their entities", len(m.Failed))
	}
}

// keepLease renews the lease of the task named name every third of its
// lifetime until ctx ends; when the lease is lost it cancels ctx so the run
// applies nothing.
func (s *Scheduler) keepLease(ctx context.Context, cancel context.CancelCauseFunc, name string) <-chan struct{} {
	done := make(chan struct{})
	every := max(s.leases.ttl/3, 20*time.Millisecond)
	go func() {
		defer close(done)
		renewed := time.Now()
		for sleep(ctx, every) {
			ok, err := s.leases.renew(ctx, name)
			switch {
			case ctx.Err() != nil:
				return
			case err == nil && ok:
				renewed = time.Now()
			case err == nil && !ok, s.leases.shared && time.Since(renewed) >= s.leases.ttl:
				// Another replica holds the task now, or our lease has
				// run out while a shared database would not answer:
				// stop before applying twice. On SQLite the database
				// is busy with this process's own apply (a 100,000-object
				// bucket writes for longer than a lease lives), which
				// no other replica can interrupt.
				cancel(errLeaseLost)
				return
			default:
				s.log.Warn("could not renew a lease; retrying", "task", name, "err", err)
			}
		}
	}()
	return done
}

var errLeaseLost = errors.New("the task's lease was lost to another replica")

func (s *Scheduler) classify(runCtx, leaseCtx context.Context, err error) string {
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(context.Cause(leaseCtx), errLeaseLost):
		return OutcomeCancelled
	case leaseCtx.Err() != nil:
		return OutcomeCancelled
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		return OutcomeTimeout
	}
	return OutcomeError
}

func runMessage(outcome string, err error, leaseCtx context.Context) string {
	switch outcome {
	case OutcomeTimeout:
		return fmt.Sprintf("timed out; nothing was applied: %v", err)
	case OutcomeCancelled:
		if cause := context.Cause(leaseCtx); cause != nil && cause != context.Canceled {
			return fmt.Sprintf("cancelled (%v); nothing was applied", cause)
		}
		return "cancelled; nothing was applied"
	}
	return fmt.Sprintf("failed; nothing was applied: %v", err)
}

func failedProblems(failed []catalog.FailedSource) []catalog.Problem {
	var out []catalog.Problem
	for _, f := range failed {
		if len(f.Problems) == 0 {
			out = append(out, catalog.Problem{File: f.Location, Message: "could not be read; its entities were kept"})
		}
		for _, p := range f.Problems {
			if p.File == "" {
				p.File = f.Location
			}
			out = append(out, p)
		}
	}
	return out
}

func (lr *liveRun) snapshot() Run {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	return lr.run
}

type progressKey struct{}

// ReportProgress notes how far a run has got ("page 2 of 3"); the status
// page shows the latest note while the run lasts. Providers call it with
// the context their Run received; elsewhere it does nothing.
func ReportProgress(ctx context.Context, format string, args ...any) {
	lr, ok := ctx.Value(progressKey{}).(*liveRun)
	if !ok {
		return
	}
	lr.mu.Lock()
	lr.run.Progress = fmt.Sprintf(format, args...)
	lr.mu.Unlock()
}

// dedupeProblems drops repeats: the catalog reports a failed source's
// problems again in its result.
func dedupeProblems(ps []catalog.Problem) []catalog.Problem {
	seen := make(map[catalog.Problem]bool, len(ps))
	out := ps[:0]
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

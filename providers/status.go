package providers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/porticohq/portico/catalog"
)

// ProviderStatus is what /providers shows for one provider.
type ProviderStatus struct {
	Name     string
	Schedule Schedule
	NextRun  time.Time // zero before the first run is scheduled
	Last     *Run      // latest finished run
	Running  *Run      // the run in progress, here or in another replica
	Recent   []Run     // newest first
	// Held counts removals that wait for confirmation, since HeldSince,
	// for at most RemovalGrace.
	Held         int
	HeldSince    time.Time
	RemovalGrace time.Duration
}

// Providers returns the names of the scheduled providers, in the order added.
func (s *Scheduler) Providers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.order...)
}

// Status reports every provider's schedule, next run, latest runs and the
// run in progress.
func (s *Scheduler) Status(ctx context.Context, recent int) ([]ProviderStatus, error) {
	var out []ProviderStatus
	for _, name := range s.Providers() {
		st, err := s.ProviderStatus(ctx, name, recent)
		if errors.Is(err, ErrUnknownProvider) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// ProviderStatus is Status for one provider; ErrUnknownProvider when this
// replica does not schedule it (a location registered through another
// replica a moment ago, or one unregistered).
func (s *Scheduler) ProviderStatus(ctx context.Context, name string, recent int) (ProviderStatus, error) {
	s.mu.Lock()
	t := s.tasks[name]
	s.mu.Unlock()
	if t == nil { // removed (a location unregistered) since it was listed
		return ProviderStatus{Name: name}, fmt.Errorf("status of %s: %w", name, ErrUnknownProvider)
	}
	st := ProviderStatus{Name: name, Schedule: t.sched, RemovalGrace: t.safety.RemovalGrace}
	runs, err := s.runs.recent(ctx, name, recent+1)
	if err != nil {
		return st, err
	}
	for i := range runs {
		r := runs[i]
		if r.Running() && st.Running == nil {
			st.Running = s.withProgress(t, &r)
			continue
		}
		if st.Last == nil && !r.Running() {
			st.Last = &r
		}
		if len(st.Recent) < recent {
			st.Recent = append(st.Recent, r)
		}
	}
	lease, ok, err := s.leases.state(ctx, name)
	if err != nil {
		return st, err
	}
	s.mu.Lock()
	since := s.since
	s.mu.Unlock()
	if st.Running != nil && ok && (lease.LockedFor <= 0 || lease.Owner != st.Running.Owner) {
		// Its replica stopped renewing the lease (it died or was killed):
		// nothing it does will be applied.
		r := *st.Running
		r.Outcome, r.Message = OutcomeInterrupted, "interrupted: the replica running it stopped; nothing was applied"
		st.Running = nil
		if st.Last == nil || st.Last.StartedAt.Before(r.StartedAt) {
			st.Last = &r
		}
	}
	if held, err := s.held.load(ctx, name); err == nil && len(held.Refs) > 0 {
		st.Held, st.HeldSince = len(held.Refs), held.Since
	}
	switch {
	case ok && lease.NextRunSet:
		st.NextRun = s.clock().Add(lease.DueIn)
	case !since.IsZero():
		st.NextRun = since.Add(t.sched.InitialDelay) // first run, after the initial delay
	}
	return st, nil
}

// Run returns one run record, with live progress when this replica runs it.
func (s *Scheduler) Run(ctx context.Context, id string) (Run, error) {
	r, err := s.runs.get(ctx, id)
	if err != nil {
		return r, err
	}
	s.mu.Lock()
	t := s.tasks[r.Provider]
	s.mu.Unlock()
	if t != nil && r.Running() {
		return *s.withProgress(t, &r), nil
	}
	return r, nil
}

func (s *Scheduler) withProgress(t *task, r *Run) *Run {
	t.mu.Lock()
	lr := t.current
	t.mu.Unlock()
	if lr != nil && lr.run.ID == r.ID {
		r.Progress = lr.snapshot().Progress
	}
	return r
}

// HasApplied reports whether any replica has applied a run of the provider
// named name (its entities are stored).
func (s *Scheduler) HasApplied(ctx context.Context, name string) (bool, error) {
	_, ok, err := s.runs.lastApplied(ctx, name)
	return ok, err
}

// AcceptRemovals applies the provider's held removals ("Apply now"): the
// run it starts removes everything its listing drops. It returns the run's
// id; EINVALID when nothing is held.
func (s *Scheduler) AcceptRemovals(ctx context.Context, name string) (string, error) {
	ok, err := s.held.accept(ctx, name)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", catalog.Errorf(catalog.EINVALID, "%s holds no removals", name)
	}
	return s.Refresh(ctx, name)
}

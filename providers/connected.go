package providers

import (
	"slices"
	"sync"
	"time"

	"github.com/porticohq/portico/catalog"
)

// Push-style providers (a file location following a disk) are not run by
// the scheduler, but /providers lists them like any provider: how they
// follow their source, their last applied change, and whether writes are
// failing (a full disk). Their status lives in this process: each replica
// follows its own disk.

// Follower is an optional EntityProvider capability: how a push-style
// provider follows its source, in words for the providers page ("file
// notifications and a re-scan every 1m0s").
type Follower interface {
	Follows() string
}

// LoadReporter is an optional Connection capability. A push-style
// provider whose Connect failed (its first load could not be written)
// calls Loaded once a later attempt has loaded its whole source, so the
// process turns ready then, not after the first of a series of batches.
type LoadReporter interface {
	Loaded()
}

// ConnectedStatus is a push-style provider's status.
type ConnectedStatus struct {
	Name    string
	Follows string
	// Loaded is set once the provider's first full load has been written.
	Loaded bool
	// LastApplied is the last change written, with its result.
	LastApplied time.Time
	LastResult  catalog.ApplyResult
	Applies     int
	// FailingSince is when writes started failing (zero while they work),
	// LastError the latest failure.
	FailingSince time.Time
	Failures     int
	LastError    string
	LastErrorAt  time.Time
}

// ConnectedTracker records one push-style provider's applies.
type ConnectedTracker struct {
	clock func() time.Time
	mu    sync.Mutex
	st    ConnectedStatus
}

// Track returns the tracker of a push-style provider, listed by
// ConnectedStatuses in the order tracked.
func (s *Scheduler) Track(name, follows string) *ConnectedTracker {
	t := &ConnectedTracker{clock: s.clock, st: ConnectedStatus{Name: name, Follows: follows}}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.connected = append(s.connected, t)
	return t
}

// Applied records one apply and its outcome.
func (t *ConnectedTracker) Applied(res catalog.ApplyResult, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock()
	if err != nil {
		if t.st.FailingSince.IsZero() {
			t.st.FailingSince = now
		}
		t.st.Failures++
		t.st.LastError, t.st.LastErrorAt = err.Error(), now
		return
	}
	t.st.Applies++
	t.st.LastApplied, t.st.LastResult = now, res
	t.st.FailingSince = time.Time{}
}

// Loaded records that the first full load has been written.
func (t *ConnectedTracker) Loaded() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.st.Loaded = true
}

// ConnectedStatuses returns every tracked provider's status.
func (s *Scheduler) ConnectedStatuses() []ConnectedStatus {
	s.mu.Lock()
	ts := slices.Clone(s.connected)
	s.mu.Unlock()
	out := make([]ConnectedStatus, len(ts))
	for i, t := range ts {
		t.mu.Lock()
		out[i] = t.st
		t.mu.Unlock()
	}
	return out
}

package providers

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/porticohq/portico/catalog"
)

// Held removals. A full listing that would remove many entities from a
// bucket (a listing cut short, a prefix changed, a source that lies) does
// not remove them at once: the run applies everything else and holds the
// removals, which go when the next run agrees (it lacks them too), when the
// grace period has passed, or when someone clicks "Apply now". A listing
// that lists nothing at all never empties a bucket on its own. An entity
// that comes back meanwhile keeps its uid: it was never removed.

// heldState is what a task holds.
type heldState struct {
	Refs   map[string]bool // ref keys
	Since  time.Time
	Accept bool // "Apply now": the next run applies every removal
}

type heldStore struct{ db *bun.DB }

func (h heldStore) load(ctx context.Context, task string) (heldState, error) {
	var refs string
	var since int64
	var accept int
	err := h.db.NewRaw("SELECT refs, since, accept FROM held_removals WHERE task = ?", task).Scan(ctx, &refs, &since, &accept)
	if errors.Is(err, sql.ErrNoRows) {
		return heldState{}, nil
	}
	if err != nil {
		return heldState{}, fmt.Errorf("read held removals of %s: %w", task, err)
	}
	var keys []string
	if err := json.Unmarshal([]byte(refs), &keys); err != nil {
		return heldState{}, fmt.Errorf("decode held removals of %s: %w", task, err)
	}
	st := heldState{Refs: make(map[string]bool, len(keys)), Since: time.UnixMilli(since), Accept: accept != 0}
	for _, k := range keys {
		st.Refs[k] = true
	}
	return st, nil
}

func (h heldStore) save(ctx context.Context, task string, refs map[string]bool, since time.Time) error {
	keys := slices.Sorted(mapKeys(refs))
	data, _ := json.Marshal(keys)
	_, err := h.db.NewRaw(`INSERT INTO held_removals (task, refs, since, accept) VALUES (?, ?, ?, 0)
ON CONFLICT (task) DO UPDATE SET refs = excluded.refs, since = excluded.since, accept = 0`, task, string(data), since.UnixMilli()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("hold removals of %s: %w", task, err)
	}
	return nil
}

func (h heldStore) clear(ctx context.Context, task string) error {
	if _, err := h.db.NewRaw("DELETE FROM held_removals WHERE task = ?", task).Exec(ctx); err != nil {
		return fmt.Errorf("clear held removals of %s: %w", task, err)
	}
	return nil
}

func (h heldStore) accept(ctx context.Context, task string) (bool, error) {
	res, err := h.db.NewRaw("UPDATE held_removals SET accept = 1 WHERE task = ?", task).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("accept held removals of %s: %w", task, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func subset(a, b map[string]bool) bool {
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// bucketLister is a Connection that can list its bucket (the catalog's).
type bucketLister interface {
	BucketRefs(ctx context.Context) ([]catalog.StoredRef, error)
}

// listBucket lists the bucket of a full mutation's provider once for the
// rules that read it (what failed sources hid, removals to hold); lists is
// false when the mutation is a delta or the connection cannot list.
func listBucket(ctx context.Context, conn Connection, m catalog.Mutation) (stored []catalog.StoredRef, lists bool, err error) {
	bl, ok := conn.(bucketLister)
	if !ok || m.Type != catalog.Full {
		return nil, false, nil
	}
	if stored, err = bl.BucketRefs(ctx); err != nil {
		return nil, true, fmt.Errorf("list bucket: %w", err)
	}
	return stored, true, nil
}

// failedKeeper is a Connection that counts the stored entities a failed
// Location hid as failed too (catalog.Catalog.KeepBelowFailed), so that
// they are neither counted as removals nor removed; stored is its bucket
// as listed for this run.
type failedKeeper interface {
	KeepBelowFailed(ctx context.Context, m catalog.Mutation, stored []catalog.StoredRef) (catalog.Mutation, error)
}

// removalPlan is what a full mutation would remove, and how much of it the
// run applies now.
type removalPlan struct {
	bucket  int             // entities stored in the bucket (not orphans)
	removes map[string]bool // ref keys the listing drops
}

// planRemovals lists what m would remove from the bucket: stored entities
// it does not list, except orphans (already dropped) and those of a
// source that failed this run (kept anyway).
func planRemovals(stored []catalog.StoredRef, m catalog.Mutation) removalPlan {
	listed := make(map[string]bool, len(m.Entities))
	for _, d := range m.Entities {
		listed[d.Entity.Ref().Key()] = true
	}
	failed := map[string]bool{}
	for _, f := range m.Failed {
		failed[f.Location] = true
	}
	p := removalPlan{removes: map[string]bool{}}
	for _, sr := range stored {
		if sr.Orphan {
			continue
		}
		p.bucket++
		if key := sr.Ref.Key(); !listed[key] && !failed[sr.Location] {
			p.removes[key] = true
		}
	}
	return p
}

// large reports whether the removals need confirmation: more than
// minHeldRemovals entities and more than the guard's share of the bucket.
func (s Safety) large(p removalPlan) bool {
	if s.AllowLargeDeletions || s.ShrinkGuard == 0 {
		return false
	}
	n := len(p.removes)
	return n > minHeldRemovals && float64(n) > s.ShrinkGuard*float64(p.bucket)
}

// minHeldRemovals is how many removals a run may always apply at once:
// ordinary churn (an API retired, a file deleted) is never held.
const minHeldRemovals = 10

// holdRemovals decides how much of a full mutation's removals to apply
// now, from stored, the bucket listBucket listed (lists). It returns the
// mutation to apply (m itself, or a delta that leaves the held removals in
// the bucket) and records on r what is held.
func (s *Scheduler) holdRemovals(ctx context.Context, t *task, m catalog.Mutation, stored []catalog.StoredRef, lists bool, r *Run) (catalog.Mutation, error) {
	if !lists || m.Type != catalog.Full {
		return m, nil
	}
	plan := planRemovals(stored, m)
	name := t.p.Name()
	held, err := s.held.load(ctx, name)
	if err != nil {
		return m, err
	}
	now := s.clock()
	switch {
	case len(plan.removes) == 0 || held.Accept || !t.safety.large(plan):
		return m, s.held.clear(ctx, name)
	case len(m.Entities) > 0 && !held.Since.IsZero() && now.Sub(held.Since) >= t.safety.RemovalGrace:
		return m, s.held.clear(ctx, name) // the grace period passed
	}
	agreed := map[string]bool{}
	if len(m.Entities) > 0 { // a listing of nothing never confirms removals
		for k := range plan.removes {
			if held.Refs[k] {
				agreed[k] = true
			}
		}
	}
	pending := map[string]bool{}
	for k := range plan.removes {
		if !agreed[k] {
			pending[k] = true
		}
	}
	// The grace period counts from when these removals were first held: a
	// set already held keeps its time, a new one starts now.
	since := held.Since
	if since.IsZero() || !subset(pending, held.Refs) {
		since = now
	}
	if len(pending) == 0 {
		err = s.held.clear(ctx, name)
	} else {
		err = s.held.save(ctx, name, pending, since)
	}
	r.Held = len(pending)
	d := catalog.Mutation{Type: catalog.Delta, Entities: m.Entities, Failed: m.Failed, Orphans: m.Orphans,
		OrphanedBy: m.OrphanedBy, Followed: m.Followed}
	for k := range agreed {
		d.Removed = append(d.Removed, catalog.MustParseRef(k))
	}
	return d, err
}

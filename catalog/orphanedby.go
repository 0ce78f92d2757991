package catalog

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// bucket is a provider's bucket as stored before the mutation at hand,
// listed, and its Location entities read, at most once for all that needs
// them while the mutation is applied.
type bucket struct {
	c        *Catalog
	provider string
	listed   bool
	refs     []StoredRef
	tree     *storedLocations
}

// list returns the bucket's refs; ok is false when the store cannot list.
func (b *bucket) list(ctx context.Context) (refs []StoredRef, ok bool, err error) {
	if b.listed {
		return b.refs, true, nil
	}
	bl, ok := b.c.store.(BucketLister)
	if !ok {
		return nil, false, nil
	}
	if b.refs, err = bl.BucketRefs(ctx, b.provider); err != nil {
		return nil, true, err
	}
	b.listed = true
	return b.refs, true, nil
}

// locations returns the bucket's Location entities; list has succeeded.
func (b *bucket) locations(ctx context.Context) (*storedLocations, error) {
	if b.tree == nil {
		t, err := b.c.storedLocations(ctx, b.refs)
		if err != nil {
			return nil, err
		}
		b.tree = t
	}
	return b.tree, nil
}

// orphanedBy completes m.OrphanedBy for a mutation that lists the locations
// its run followed (m.Followed): every entity m drops from the bucket is
// named after the location that stopped emitting it, worked out from the
// bucket as stored before m (see Mutation.Followed). With the delete
// strategy nothing is orphaned, so nothing is read.
func (c *Catalog) orphanedBy(ctx context.Context, b *bucket, m Mutation) (map[string]string, error) {
	if m.Followed == nil || !m.Orphans || c.orphanStrategy == OrphanDelete {
		return m.OrphanedBy, nil
	}
	stored, ok, err := b.list(ctx)
	if err != nil {
		return nil, fmt.Errorf("name the orphans of %s: %w", b.provider, err)
	}
	if !ok {
		return m.OrphanedBy, nil
	}
	dropped := droppedRefs(stored, m)
	if len(dropped) == 0 {
		return m.OrphanedBy, nil
	}
	out := maps.Clone(m.OrphanedBy)
	if out == nil {
		out = make(map[string]string, len(dropped))
	}
	read := make(map[string]bool, len(m.Followed))
	for _, l := range m.Followed {
		read[l] = true
	}
	for _, s := range dropped {
		key := s.Ref.Key()
		if _, named := out[key]; named || s.Location == "" {
			continue
		}
		if read[s.Location] {
			out[key] = s.Location
			continue
		}
		tree, err := b.locations(ctx)
		if err != nil {
			return nil, fmt.Errorf("name the orphans of %s: %w", b.provider, err)
		}
		if by := tree.nearestAbove(s.Location, read, nil); by != "" {
			out[key] = by
		}
	}
	return out, nil
}

// droppedRefs returns the entities of stored that m drops: those a full
// mutation does not emit, those a delta removes. Orphans already are not
// dropped again.
func droppedRefs(stored []StoredRef, m Mutation) []StoredRef {
	var out []StoredRef
	if m.Type == Delta {
		removed := make(map[string]bool, len(m.Removed))
		for _, r := range m.Removed {
			removed[r.Key()] = true
		}
		for _, s := range stored {
			if removed[s.Ref.Key()] && !s.Orphan {
				out = append(out, s)
			}
		}
		return out
	}
	emitted := make(map[string]bool, len(m.Entities))
	for _, d := range m.Entities {
		emitted[d.Entity.Ref().Key()] = true
	}
	for _, s := range stored {
		if !emitted[s.Ref.Key()] && !s.Orphan {
			out = append(out, s)
		}
	}
	return out
}

// storedLocations are the Location entities of a bucket as stored: which
// location named which, before the mutation at hand.
type storedLocations struct {
	all     []locationEntity
	parents map[string][]string // location -> the locations whose Location entities name it
}

// storedLocations reads the Location entities among stored.
func (c *Catalog) storedLocations(ctx context.Context, stored []StoredRef) (*storedLocations, error) {
	var refs []Ref
	for _, s := range stored {
		if strings.EqualFold(s.Ref.Kind, "location") && !s.Orphan {
			refs = append(refs, s.Ref)
		}
	}
	t := &storedLocations{parents: map[string][]string{}}
	if len(refs) == 0 {
		return t, nil
	}
	ses, err := c.store.ByRefs(ctx, refs, Filter{})
	if err != nil {
		return nil, fmt.Errorf("read Location entities: %w", err)
	}
	for _, se := range ses {
		if se == nil {
			continue
		}
		if le, ok := locationEntityOf(se); ok {
			t.all = append(t.all, le)
		}
	}
	return t, nil
}

// parentsOf returns the locations whose Location entities name loc, sorted.
func (t *storedLocations) parentsOf(loc string) []string {
	if ps, ok := t.parents[loc]; ok {
		return ps
	}
	var ps []string
	if spec, err := ParseLocationRef(loc); err == nil {
		for _, le := range t.all {
			if from := le.from.String(); from != loc && le.names(spec) && !slices.Contains(ps, from) {
				ps = append(ps, from)
			}
		}
	}
	slices.Sort(ps)
	t.parents[loc] = ps
	return ps
}

// nearestAbove returns the nearest location above loc, as the stored
// Location entities named it, that is in set: with the locations a run
// read, the Location whose targets no longer reach loc (or name it while it
// is gone); with the sources that failed, the one that hid loc. The walk
// does not climb past a location in stop. "" when none is found.
func (t *storedLocations) nearestAbove(loc string, set, stop map[string]bool) string {
	seen := map[string]bool{loc: true}
	level := []string{loc}
	for range MaxLocationDepth + 1 {
		var next []string
		for _, l := range level {
			for _, p := range t.parentsOf(l) {
				if set[p] {
					return p
				}
				if !seen[p] && !stop[p] {
					seen[p] = true
					next = append(next, p)
				}
			}
		}
		if len(next) == 0 {
			return ""
		}
		level = next
	}
	return ""
}

// KeepBelowFailed completes the failed sources of a full mutation from a
// run that follows Locations and keeps no tree between runs (m.Followed):
// a Location that could not be read hid the files it names, so their
// stored entities count as failed too, and are kept instead of dropped,
// at every depth. Without it a url location orphaned (or, with the delete
// strategy, deleted) everything under a nested Location that answered 503
// once. The scheduler calls it before it counts removals, with the bucket
// it lists for that (stored, from BucketRefs), so that one listing serves
// both; Apply does too, over its own.
func (c *Catalog) KeepBelowFailed(ctx context.Context, provider string, m Mutation, stored []StoredRef) (Mutation, error) {
	return c.keepBelowFailed(ctx, &bucket{c: c, provider: provider, listed: true, refs: stored}, m)
}

// keepBelowFailed is KeepBelowFailed over a bucket the caller may read
// again.
func (c *Catalog) keepBelowFailed(ctx context.Context, b *bucket, m Mutation) (Mutation, error) {
	if m.Type != Full || len(m.Failed) == 0 || m.Followed == nil {
		return m, nil
	}
	stored, ok, err := b.list(ctx)
	if err != nil {
		return m, fmt.Errorf("keep what failed sources hid in %s: %w", b.provider, err)
	}
	if !ok {
		return m, nil
	}
	failed := make(map[string]bool, len(m.Failed))
	for _, f := range m.Failed {
		failed[f.Location] = true
	}
	// What the run did read decides for itself: an entity of a file that
	// was read, or below a Location that was read, is dropped or kept by
	// what that read found, even if a failed Location also names it.
	read := make(map[string]bool, len(m.Followed))
	for _, l := range m.Followed {
		if !failed[l] {
			read[l] = true
		}
	}
	emitted := make(map[string]bool, len(m.Entities))
	for _, d := range m.Entities {
		emitted[d.Entity.Ref().Key()] = true
	}
	added := false
	for _, s := range stored {
		if s.Orphan || s.Location == "" || failed[s.Location] || read[s.Location] || emitted[s.Ref.Key()] {
			continue
		}
		tree, err := b.locations(ctx)
		if err != nil {
			return m, fmt.Errorf("keep what failed sources hid in %s: %w", b.provider, err)
		}
		by := tree.nearestAbove(s.Location, failed, read)
		if by == "" {
			continue
		}
		if !added {
			m.Failed = slices.Clone(m.Failed)
			added = true
		}
		failed[s.Location] = true
		m.Failed = append(m.Failed, FailedSource{Location: s.Location, Problems: []Problem{{File: s.Location,
			Message: "not read: " + by + ", which names it, could not be read; its entities are kept as they were"}}})
	}
	return m, nil
}

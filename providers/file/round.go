package file

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"unique"

	"github.com/porticohq/portico/catalog"
)

// A round brings the bucket in line with the disk after some locations
// changed: it reads them, follows what became reachable through Location
// entities, re-reads the Locations whose targets turned missing or cyclic
// (or stopped being so), and applies one delta. Entities no location emits
// any more are dropped as orphans. p.mu is held for the whole round.
type round struct {
	reads map[string]*nodeRead
	order []string
}

// nodeRead is one location read in a round.
type nodeRead struct {
	catalog.LocationRead
	stat fileStat
}

func (p *Provider) readOne(ctx context.Context, loc catalog.LocationSpec) nodeRead {
	var st fileStat
	if loc.Type == "file" {
		st, _ = statOf(loc.Target)
	}
	return nodeRead{LocationRead: catalog.ReadLocation(ctx, p.targets, loc, p.origin), stat: st}
}

// read reads the locations not read yet this round, on every core, and
// records them in the graph.
func (p *Provider) read(ctx context.Context, rd *round, locs []catalog.LocationSpec) {
	var todo []catalog.LocationSpec
	for _, l := range locs {
		if rd.reads[l.String()] == nil && !slices.Contains(todo, l) {
			todo = append(todo, l)
		}
	}
	out := make([]nodeRead, len(todo))
	catalog.Parallel(len(todo), 0, func(i int) { out[i] = p.readOne(ctx, todo[i]) })
	for i := range out {
		r := &out[i]
		key := p.graph.Update(r.LocationRead)
		rd.reads[key] = r
		rd.order = append(rd.order, key)
	}
}

// round reads changed (all of a fresh location when first), follows the
// graph and applies the resulting delta.
func (p *Provider) round(ctx context.Context, changed []catalog.LocationSpec, first bool) (loadStats, error) {
	rd := &round{reads: map[string]*nodeRead{}}
	p.read(ctx, rd, changed)
	p.graph.SetRoots(p.rootSpecs())
	w := p.graph.Walk()
	for len(w.Unread) > 0 && ctx.Err() == nil {
		p.read(ctx, rd, w.Unread)
		w = p.graph.Walk()
	}
	if err := ctx.Err(); err != nil {
		return loadStats{}, err
	}
	p.fixProblems(ctx, rd, &w)
	m, next := p.delta(rd, &w)
	if len(m.Entities) == 0 && len(m.Removed) == 0 && len(m.Failed) == 0 && !first {
		p.commit(rd, next)
		p.listedBy = w.ListedBy
		return loadStats{}, nil
	}
	res, err := p.conn.ApplyMutation(ctx, m)
	if err != nil {
		p.rollback(rd)
		return loadStats{}, fmt.Errorf("apply %s: %w", p.name, err)
	}
	p.commit(rd, next)
	p.listedBy = w.ListedBy
	var st loadStats
	st.add(m, res)
	return st, nil
}

// fixProblems re-reads the reachable Locations whose walk problems (a
// missing or cyclic target) differ from what they were last emitted with,
// and attaches the problems to every reachable read.
func (p *Provider) fixProblems(ctx context.Context, rd *round, w *catalog.Walk) {
	var again []catalog.LocationSpec
	for key := range w.Reachable {
		n := p.nodes[key]
		if rd.reads[key] == nil && n != nil && n.problems != fingerprint(w.Problems[key]) {
			again = append(again, n.loc)
		}
	}
	slices.SortFunc(again, func(a, b catalog.LocationSpec) int { return strings.Compare(a.String(), b.String()) })
	p.read(ctx, rd, again)
	for _, key := range rd.order {
		if w.Reachable[key] {
			w.AttachProblems(&rd.reads[key].LocationRead)
		}
	}
}

// fingerprint identifies a set of walk problems.
func fingerprint(byEntity map[int][]catalog.Problem) string {
	var b strings.Builder
	for _, i := range slices.Sorted(maps.Keys(byEntity)) {
		for _, pr := range byEntity[i] {
			fmt.Fprintf(&b, "%d %s %s\n", i, pr.Field, pr.Message)
		}
	}
	return b.String()
}

// delta builds the mutation of a round and the nodes it leaves: reachable
// reads are upserted; the entities of reads that are gone (deleted, no
// longer named) and of locations no longer reachable are dropped, unless
// another location still emits them.
func (p *Provider) delta(rd *round, w *catalog.Walk) (catalog.Mutation, map[string]*node) {
	m := catalog.Mutation{Type: catalog.Delta, Orphans: true}
	next := map[string]*node{}
	var gone []catalog.Ref
	by := map[string]string{} // ref key -> the location that stopped emitting it
	drop := func(refs []catalog.Ref, loc string) {
		gone = append(gone, refs...)
		for _, r := range refs {
			by[r.Key()] = loc
		}
	}
	for _, key := range rd.order {
		r := rd.reads[key]
		var prev []catalog.Ref
		if n := p.nodes[key]; n != nil {
			prev = n.refs
		}
		if !w.Reachable[key] {
			drop(prev, p.droppedBy(key, w))
			next[key] = nil
			if r.Missing && !slices.Contains(w.Unreachable, key) {
				// A missing target a Location still names: remembered, so
				// that creating the file is noticed.
				next[key] = &node{loc: r.Location, stat: r.stat}
			}
			continue
		}
		n := nodeFrom(r, fingerprint(w.Problems[key]))
		if r.Failed != nil {
			n.refs = unionRefs(n.refs, prev)
			m.Failed = append(m.Failed, *r.Failed)
		}
		m.Entities = append(m.Entities, r.Entities...)
		drop(missing(prev, n.refs), key)
		next[key] = n
	}
	for _, key := range w.Unreachable {
		if _, done := next[key]; !done {
			if n := p.nodes[key]; n != nil {
				drop(n.refs, p.droppedBy(key, w))
			}
			next[key] = nil
		}
	}
	m.Removed = p.stillUnclaimed(gone, m.Entities, next)
	for _, r := range m.Removed {
		if loc := by[r.Key()]; loc != "" {
			if m.OrphanedBy == nil {
				m.OrphanedBy = map[string]string{}
			}
			m.OrphanedBy[r.Key()] = loc
		}
	}
	return m, next
}

// droppedBy returns the Location whose targets stopped reaching key: the
// nearest location above it, as the last walk went, that w still
// reaches (a Location two levels up that dropped the one naming key
// dropped key too); "" when none does.
func (p *Provider) droppedBy(key string, w *catalog.Walk) string {
	loc := p.listedBy[key]
	for range catalog.MaxLocationDepth + 1 {
		if loc == "" || w.Reachable[loc] {
			return loc
		}
		loc = p.listedBy[loc]
	}
	return ""
}

func nodeFrom(r *nodeRead, problems string) *node {
	n := &node{loc: r.Location, stat: r.stat, problems: problems, remote: r.Location.Type == "url", failed: r.Failed != nil}
	if len(r.Entities) == 1 {
		n.refs = n.one[:0]
	} else {
		n.refs = make([]catalog.Ref, 0, len(r.Entities))
	}
	for _, d := range r.Entities {
		ref := d.Entity.Ref()
		// One copy of each kind and namespace, shared by every ref: 100,000
		// refs need not keep 100,000 copies of "API" (each an object for
		// the garbage collector) alive.
		ref.Kind, ref.Namespace = unique.Make(ref.Kind).Value(), unique.Make(ref.Namespace).Value()
		n.refs = append(n.refs, ref)
	}
	for _, pat := range r.Patterns {
		n.globs = append(n.globs, catalog.ParseGlob(pat))
	}
	return n
}

// commit makes the round's nodes the provider's, records what their
// placeholders read and watches the directories involved.
func (p *Provider) commit(rd *round, next map[string]*node) {
	var dirs []string
	for key, n := range next {
		p.dropDeps(key)
		if n == nil {
			delete(p.nodes, key)
			p.graph.Forget(key)
			continue
		}
		if r := rd.reads[key]; r != nil {
			if fr, ok := r.Reader.(*catalog.FileReader); ok {
				files, remote := fr.Reads()
				n.deps, n.remote = files, n.remote || remote
			}
		}
		p.nodes[key] = n
		p.addDeps(key, n.deps)
		dirs = append(dirs, watchDirs(n)...)
	}
	if p.w != nil {
		p.w.add(dirs)
	}
}

// rollback forgets the round's reads after a failed apply: the graph reads
// them again next time, and the re-scan sees them as changed.
func (p *Provider) rollback(rd *round) {
	for _, key := range rd.order {
		p.graph.Forget(key)
		if n := p.nodes[key]; n != nil {
			n.stat = fileStat{size: -2} // unlike any file, present or missing
		}
	}
}

func (p *Provider) dropDeps(key string) {
	n := p.nodes[key]
	if n == nil {
		return
	}
	for _, d := range n.deps {
		p.deps[d] = slices.DeleteFunc(p.deps[d], func(k string) bool { return k == key })
		if len(p.deps[d]) == 0 {
			delete(p.deps, d)
			delete(p.depStat, d)
		}
	}
}

func (p *Provider) addDeps(key string, deps []string) {
	for _, d := range deps {
		if !slices.Contains(p.deps[d], key) {
			p.deps[d] = append(p.deps[d], key)
		}
		if _, ok := p.depStat[d]; !ok {
			p.depStat[d], _ = statOf(d)
		}
	}
}

// watchDirs are the directories whose changes concern n: its own, those of
// the globs its Locations name, and those of the files its placeholders read.
func watchDirs(n *node) []string {
	var dirs []string
	if n.loc.Type == "file" {
		dirs = append(dirs, filepath.Dir(n.loc.Target))
	}
	for _, g := range n.globs {
		if _, ds, err := g.List(); err == nil {
			dirs = append(dirs, ds...)
		}
	}
	for _, d := range n.deps {
		dirs = append(dirs, filepath.Dir(d))
	}
	return dirs
}

// missing returns the refs of prev that are not in now.
func missing(prev, now []catalog.Ref) []catalog.Ref {
	keep := make(map[string]bool, len(now))
	for _, r := range now {
		keep[r.Key()] = true
	}
	var out []catalog.Ref
	for _, r := range prev {
		if !keep[r.Key()] {
			out = append(out, r)
		}
	}
	return out
}

// stillUnclaimed drops refs that an upserted entity or another location
// still provides (an entity moved between files).
func (p *Provider) stillUnclaimed(gone []catalog.Ref, upserted []catalog.DeferredEntity, next map[string]*node) []catalog.Ref {
	if len(gone) == 0 {
		return nil
	}
	claimed := make(map[string]bool, len(upserted))
	for _, d := range upserted {
		claimed[d.Entity.Ref().Key()] = true
	}
	for key, n := range p.nodes {
		if _, changed := next[key]; !changed {
			for _, r := range n.refs {
				claimed[r.Key()] = true
			}
		}
	}
	var out []catalog.Ref
	for _, r := range gone {
		if !claimed[r.Key()] {
			claimed[r.Key()] = true
			out = append(out, r)
		}
	}
	return out
}

func unionRefs(a, b []catalog.Ref) []catalog.Ref {
	seen := make(map[string]bool, len(a))
	for _, r := range a {
		seen[r.Key()] = true
	}
	for _, r := range b {
		if !seen[r.Key()] {
			seen[r.Key()] = true
			a = append(a, r)
		}
	}
	return a
}

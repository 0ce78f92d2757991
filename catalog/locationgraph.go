package catalog

import (
	"context"
	"fmt"
	"maps"
	"slices"
)

// MaxLocationDepth bounds how deeply Location entities nest; a deeper
// target is reported on the Location that names it and not followed.
const MaxLocationDepth = 32

// LocationGraph remembers, for every location a source has read, the
// locations its Location entities name. From a set of roots it finds which
// locations are reachable, which must still be read, which are no longer
// reachable (their entities become orphans), and which Location entities
// name a target that is missing or leads back into a cycle. A provider that
// re-reads only the locations that changed (file notifications) updates the
// graph with those reads and walks it again; the rest is not read again.
// A LocationGraph is not safe for concurrent use.
type LocationGraph struct {
	roots []LocationSpec
	nodes map[string]*graphNode
}

// graphNode is what a read of one location found. It does not repeat the
// location, its key in nodes: a file location over 100,000 files keeps one
// per file. Nodes are never changed once made; the reads that name no
// Location (nearly all of them) share leafNode or missingNode, so that the
// garbage collector has no object per file to mark.
type graphNode struct {
	children []ChildLocation
	missing  bool
}

var (
	leafNode    = &graphNode{}
	missingNode = &graphNode{missing: true}
)

// newGraphNode returns the node for a read: a shared one when it names no
// location.
func newGraphNode(children []ChildLocation, missing bool) *graphNode {
	switch {
	case len(children) > 0:
		return &graphNode{children: children, missing: missing}
	case missing:
		return missingNode
	}
	return leafNode
}

// NewLocationGraph returns an empty graph.
func NewLocationGraph() *LocationGraph {
	return &LocationGraph{nodes: map[string]*graphNode{}}
}

// SetRoots sets the locations the walk starts from, in order. The graph
// keeps roots, not a copy (a file location has one per file): the caller
// must not change them afterwards.
func (g *LocationGraph) SetRoots(roots []LocationSpec) { g.roots = roots }

// Update records what a read of r.Location found, and returns the
// location's key (r.Location.String()), which a caller that keeps its own
// state by location can share rather than build again.
func (g *LocationGraph) Update(r LocationRead) string {
	key := r.Location.String()
	children := r.Children
	if r.Failed != nil {
		// A location that failed to parse keeps the children it had: what
		// it emitted before stays, as its own entities do.
		children = nil
		if old := g.nodes[key]; old != nil {
			children = old.children
		}
	}
	g.nodes[key] = newGraphNode(children, r.Missing)
	return key
}

// Forget drops what the graph knows of loc.
func (g *LocationGraph) Forget(loc string) { delete(g.nodes, loc) }

// Known reports whether loc has been read.
func (g *LocationGraph) Known(loc string) bool { return g.nodes[loc] != nil }

// Children returns the children recorded for loc.
func (g *LocationGraph) Children(loc string) []ChildLocation {
	if n := g.nodes[loc]; n != nil {
		return n.children
	}
	return nil
}

// Walk is what a walk of the graph found.
type Walk struct {
	// Reachable are the known, existing locations reachable from the roots.
	Reachable map[string]bool
	// Unread are reachable locations not read yet, in walk order.
	Unread []LocationSpec
	// Unreachable are known locations no root reaches any more.
	Unreachable []string
	// ListedBy names, for each reachable location other than a root, the
	// location whose Location entity named it (the first, in walk order).
	ListedBy map[string]string
	// Problems are, by location and then by entity index, the problems of
	// Location entities whose targets are missing, cyclic or too deep.
	Problems map[string]map[int][]Problem
}

// Walk follows the graph from the roots, depth first, each location once.
func (g *LocationGraph) Walk() Walk {
	w := Walk{Reachable: map[string]bool{}, ListedBy: map[string]string{}, Problems: map[string]map[int][]Problem{}}
	onPath := map[string]bool{}
	visited := map[string]bool{}
	var visit func(loc LocationSpec, depth int)
	visit = func(loc LocationSpec, depth int) {
		key := loc.String()
		visited[key] = true
		n := g.nodes[key]
		if n == nil {
			w.Unread = append(w.Unread, loc)
			return
		}
		if n.missing {
			return
		}
		w.Reachable[key] = true
		onPath[key] = true
		defer delete(onPath, key)
		for _, c := range n.children {
			ck := c.Location.String()
			switch {
			case onPath[ck]:
				w.addProblem(key, c, fmt.Sprintf("target %s leads back to %s, which names this location (a cycle); it is not followed again", c.Target, ck))
			case visited[ck]:
				// Reached along another path (a diamond): read once.
			case depth+1 > MaxLocationDepth:
				w.addProblem(key, c, fmt.Sprintf("target %s is nested more than %d Locations deep; it is not followed", c.Target, MaxLocationDepth))
			default:
				if cn := g.nodes[ck]; cn != nil && cn.missing && !c.Glob {
					w.addProblem(key, c, fmt.Sprintf("target %s: %s does not exist", c.Target, ck))
				}
				w.ListedBy[ck] = key
				visit(c.Location, depth+1)
			}
		}
	}
	for _, r := range g.roots {
		if !visited[r.String()] {
			visit(r, 0)
		}
	}
	for key := range g.nodes {
		if !w.Reachable[key] && !visited[key] {
			w.Unreachable = append(w.Unreachable, key)
		}
	}
	slices.Sort(w.Unreachable)
	return w
}

func (w *Walk) addProblem(loc string, c ChildLocation, msg string) {
	byEntity := w.Problems[loc]
	if byEntity == nil {
		byEntity = map[int][]Problem{}
		w.Problems[loc] = byEntity
	}
	byEntity[c.Entity] = append(byEntity[c.Entity], Problem{File: loc, Field: c.Field, Message: msg})
}

// AttachProblems adds the walk's problems for r's location to r's entities.
func (w *Walk) AttachProblems(r *LocationRead) {
	byEntity := w.Problems[r.Location.String()]
	for _, i := range slices.Sorted(maps.Keys(byEntity)) {
		if i < 0 || i >= len(r.Entities) {
			continue
		}
		d := &r.Entities[i]
		for _, p := range byEntity[i] {
			d.AddProblem(p.Field, p.Message)
		}
	}
}

// followWorkers is how many locations FollowLocations reads at once: the
// reads of url locations and buckets wait on the network.
const followWorkers = 8

// FollowLocations reads the roots and every location their Location
// entities name, to any depth, each once (several at a time, so tr must be
// safe for concurrent use), and returns what they hold as one
// list of reads in walk order (roots first). Missing and cyclic targets are
// problems of the Location entities that name them; reads of locations that
// turned out unreachable are dropped.
func FollowLocations(ctx context.Context, tr TargetReader, roots []LocationSpec, origin string) []LocationRead {
	g := NewLocationGraph()
	g.SetRoots(roots)
	reads := map[string]*LocationRead{}
	var order []string
	for {
		w := g.Walk()
		if len(w.Unread) == 0 || ctx.Err() != nil {
			out := make([]LocationRead, 0, len(order))
			for _, key := range order {
				if r := reads[key]; w.Reachable[key] || r.Missing {
					w.AttachProblems(r)
					out = append(out, *r)
				}
			}
			return out
		}
		batch := make([]LocationRead, len(w.Unread))
		Parallel(len(batch), followWorkers, func(i int) { batch[i] = ReadLocation(ctx, tr, w.Unread[i], origin) })
		for i := range batch {
			r := &batch[i]
			g.Update(*r)
			reads[r.Location.String()] = r
			order = append(order, r.Location.String())
		}
	}
}

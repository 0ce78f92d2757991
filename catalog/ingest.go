package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// parallelThreshold is the mutation size from which entities are processed
// by several goroutines; below it the goroutines cost more than they save.
const parallelThreshold = 64

// Apply processes every entity of m (managed-by annotations, placeholders,
// validation, rules, processors, relations, content hash) and writes the
// result to the provider's bucket in one store transaction. An entity that
// fails processing is written with its problems, so the store keeps its last
// good version. Two entities with one ref are both handed to the store,
// which knows which location key already owns it. The returned result's
// Invalid and Problems are filled here, from processing and from m.Failed.
// Apply is Prepare followed by ApplyPrepared.
func (c *Catalog) Apply(ctx context.Context, provider string, m Mutation) (ApplyResult, error) {
	start := time.Now()
	p, err := c.Prepare(ctx, provider, m)
	if err != nil {
		c.runHooks(ctx, Applied{Provider: provider, Duration: time.Since(start), Err: err})
		return ApplyResult{}, err
	}
	return c.applyPrepared(ctx, p, start)
}

// PreparedMutation is a mutation whose entities are processed (and, where
// the store can, encoded for storage) but not written yet.
type PreparedMutation struct {
	provider  string
	m         Mutation
	processed []ProcessedEntity
	prepTime  time.Duration
}

// MutationPreparer is an optional Store capability: the part of writing a
// mutation that does not depend on what is stored (encoding bodies, index
// rows), done before Apply and outside its transaction. The store keeps
// what it computes in each ProcessedEntity's Prepared field.
type MutationPreparer interface {
	Prepare(ctx context.Context, m *StoreMutation)
}

// Prepare does the CPU-heavy part of Apply: it processes every entity of m
// and lets the store encode them, writing nothing. A provider that loads a
// large source in several mutations prepares the next one while the store
// writes the current one (ApplyPrepared), which keeps both cores busy
// during a bulk ingest.
func (c *Catalog) Prepare(ctx context.Context, provider string, m Mutation) (*PreparedMutation, error) {
	start := time.Now()
	procs, _ := c.snapshot()
	if m.Type != Full && m.Type != Delta {
		return nil, Errorf(EINVALID, "apply mutation of %s: unknown mutation type %q", provider, m.Type)
	}
	processed := c.processAll(ctx, provider, m.Entities, procs)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("apply mutation of %s: %w", provider, err)
	}
	if sp, ok := c.store.(MutationPreparer); ok {
		sp.Prepare(ctx, &StoreMutation{Provider: provider, Type: m.Type, Entities: processed})
	}
	return &PreparedMutation{provider: provider, m: m, processed: processed, prepTime: time.Since(start)}, nil
}

// BeginBulkLoad tells the store that about n entities follow in many
// mutations (a large location's first load), so that it can defer index
// upkeep, or the upkeep a large load calls for, to the returned end, which
// the caller runs when the load is over, failed or not, and before it
// reports the load done.
func (c *Catalog) BeginBulkLoad(ctx context.Context, n int) (end func(context.Context) error, err error) {
	if b, ok := c.store.(BulkLoader); ok {
		return b.BeginBulkLoad(ctx, n)
	}
	return func(context.Context) error { return nil }, nil
}

// ApplyPrepared writes a prepared mutation in one store transaction and
// runs the commit hooks; see Apply.
func (c *Catalog) ApplyPrepared(ctx context.Context, p *PreparedMutation) (ApplyResult, error) {
	return c.applyPrepared(ctx, p, time.Now())
}

// applyPrepared writes p; the commit hooks see the time since began (the
// start of Apply, or of the write alone).
func (c *Catalog) applyPrepared(ctx context.Context, p *PreparedMutation, began time.Time) (ApplyResult, error) {
	start := time.Now()
	provider, m := p.provider, p.m
	b := &bucket{c: c, provider: provider} // listed once, for both
	m, err := c.keepBelowFailed(ctx, b, m)
	var orphanedBy map[string]string
	if err == nil {
		orphanedBy, err = c.orphanedBy(ctx, b, m)
	}
	if err != nil {
		err = fmt.Errorf("apply mutation of %s: %w", provider, err)
		c.runHooks(ctx, Applied{Provider: provider, Duration: time.Since(began), Err: err})
		return ApplyResult{}, err
	}
	res, err := c.store.Apply(ctx, StoreMutation{
		Provider:   provider,
		Type:       m.Type,
		Entities:   p.processed,
		Removed:    m.Removed,
		Failed:     m.Failed,
		Orphan:     m.Orphans && c.orphanStrategy != OrphanDelete,
		OrphanedBy: orphanedBy,
	})
	if err != nil {
		err = fmt.Errorf("apply mutation of %s: %w", provider, err)
		c.runHooks(ctx, Applied{Provider: provider, Result: res, Duration: time.Since(began), Err: err})
		return res, err
	}
	res.Invalid, res.Problems = collectProblems(p.processed, m.Failed)
	c.logger.Info("applied mutation", "provider", provider, "type", string(m.Type),
		"entities", len(p.processed), "added", res.Added, "updated", res.Updated, "removed", res.Removed, "orphaned", res.Orphaned,
		"unchanged", res.Unchanged, "invalid", res.Invalid, "failed_sources", len(m.Failed),
		"conflicts", len(res.Conflicts), "duration", p.prepTime+time.Since(start))
	c.problems.record(c.logger, provider, m, p.processed)
	c.runHooks(ctx, Applied{Provider: provider, Result: res, Duration: time.Since(began), Entities: p.processed})
	return res, nil
}

func (c *Catalog) runHooks(ctx context.Context, a Applied) {
	_, hooks := c.snapshot()
	for _, h := range hooks {
		h(ctx, a)
	}
}

// Process runs the ingest steps on one entity without storing it; the
// validate command and tests use it.
func (c *Catalog) Process(ctx context.Context, provider string, d DeferredEntity) ProcessedEntity {
	procs, _ := c.snapshot()
	return c.processOne(ctx, provider, &d, procs)
}

// processAll processes the entities with a bounded pool of workers.
func (c *Catalog) processAll(ctx context.Context, provider string, in []DeferredEntity, procs []Processor) []ProcessedEntity {
	out := make([]ProcessedEntity, len(in))
	workers := c.workers
	if len(in) < parallelThreshold {
		workers = 1
	}
	Parallel(len(in), workers, func(i int) {
		if ctx.Err() == nil {
			out[i] = c.processOne(ctx, provider, &in[i], procs)
		}
	})
	return out
}

func (c *Catalog) processOne(ctx context.Context, provider string, d *DeferredEntity, procs []Processor) ProcessedEntity {
	e := d.Entity.Clone()
	e.Relations, e.Status = nil, nil
	e.Metadata.UID, e.Metadata.Etag = "", ""
	if e.Metadata.Namespace == "" {
		e.Metadata.Namespace = DefaultNamespace
	}
	setManagedBy(e, d.Source)
	setSourceAnnotations(e, d.Source)
	pc := &ProcessContext{Entity: e, Source: d.Source, Provider: provider}
	// The problems found while reading the entity (a Location target that
	// could not be followed) are not the entity's own: it is processed in
	// full all the same, so that the store can keep a first version of it
	// with those problems recorded (ProcessedEntity.Storable).
	pc.problems = append(pc.problems, d.Problems...)
	readProblems := len(pc.problems)
	resolvePlaceholders(ctx, pc)
	validateEntity(pc, *c.kinds.Load())
	if e.Kind != "" && !c.kindAllowed(e.Kind) {
		pc.AddProblem("kind", fmt.Sprintf("kind %s is not allowed by catalog.rules", e.Kind))
	}
	if len(pc.problems) == readProblems {
		runProcessors(ctx, pc, procs, readProblems)
	}
	if len(pc.problems) == readProblems {
		emitRelations(pc)
	}
	pe := ProcessedEntity{
		Ref:         e.Ref(),
		LocationKey: d.LocationKey,
		Location:    d.Source.Location,
		Entity:      e,
		Relations:   pc.relations,
		Problems:    pc.problems,
	}
	if len(pe.Problems) == readProblems {
		hash, err := contentHash(e, pc.relations, d.LocationKey)
		if err != nil {
			pc.AddProblem("", err.Error())
			pe.Problems = pc.problems
		}
		pe.Hash = hash
		pe.Storable = readProblems > 0 && err == nil
	}
	if e.Kind == "" || e.Metadata.Name == "" {
		for i := range pe.Problems {
			pe.Problems[i].Entity = ""
		}
	}
	return pe
}

// setManagedBy sets the managed-by annotations from the source, replacing
// what the entity carries, as Backstage's processing does: an entity author
// must not choose where the catalog believes it came from (the definition
// reader confines relative reads to that location). A source without a
// location (a provider that sets the annotations itself) leaves them. The
// orphan mark is the catalog's too, never read from input.
func setManagedBy(e *Entity, src Source) {
	delete(e.Metadata.Annotations, AnnotationOrphan)
	delete(e.Metadata.Annotations, AnnotationOrphanedBy)
	delete(e.Metadata.Annotations, AnnotationDefinitionLocation)
	if src.Location == "" {
		return
	}
	if e.Metadata.Annotations == nil {
		e.Metadata.Annotations = make(map[string]string, 2)
	}
	origin := src.OriginLocation
	if origin == "" {
		origin = src.Location
	}
	e.Metadata.Annotations[AnnotationManagedByLocation] = src.Location
	e.Metadata.Annotations[AnnotationManagedByOriginLocation] = origin
}

// setSourceAnnotations adds what Backstage's AnnotateLocationEntityProcessor
// adds to an entity read from a url location, unless the entity sets it
// itself: backstage.io/view-url (the URL it was read from) and, for a
// GitHub blob URL, backstage.io/edit-url and backstage.io/source-location
// (the folder it was read from).
func setSourceAnnotations(e *Entity, src Source) {
	target, ok := strings.CutPrefix(src.Location, "url:")
	if !ok {
		return
	}
	add := func(key, value string) {
		if value != "" && e.Metadata.Annotations[key] == "" {
			e.Metadata.Annotations[key] = value
		}
	}
	add(AnnotationViewURL, target)
	if edit, source, ok := githubBlob(target); ok {
		add(AnnotationEditURL, edit)
		add(AnnotationSourceLocation, "url:"+source)
	}
}

// githubBlob returns the edit URL and the folder of a
// https://github.com/<owner>/<repo>/blob/<ref>/<path> URL.
func githubBlob(u string) (edit, folder string, ok bool) {
	rest, found := strings.CutPrefix(u, "https://github.com/")
	if !found {
		return "", "", false
	}
	parts := strings.SplitN(rest, "/", 4)
	if len(parts) < 4 || parts[2] != "blob" {
		return "", "", false
	}
	repo := "https://github.com/" + parts[0] + "/" + parts[1]
	file := parts[3] // <ref>/<path>
	ref, path, _ := strings.Cut(file, "/")
	folder = repo + "/tree/" + ref + "/"
	if i := strings.LastIndex(path, "/"); i >= 0 {
		folder += path[:i+1]
	}
	return repo + "/edit/" + file, folder, true
}

// runProcessors runs each processor in order, stopping at the first that
// fails (adds a problem to the base problems pc had before); a panicking
// processor marks the entity instead of the process.
func runProcessors(ctx context.Context, pc *ProcessContext, procs []Processor, base int) {
	for _, p := range procs {
		if err := runProcessor(ctx, pc, p); err != nil {
			pc.AddProblem("", fmt.Sprintf("processor %s: %v", p.Name(), err))
		}
		if len(pc.problems) > base {
			return
		}
	}
}

func runProcessor(ctx context.Context, pc *ProcessContext, p Processor) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return p.Process(ctx, pc)
}

func collectProblems(processed []ProcessedEntity, failed []FailedSource) (int, []Problem) {
	invalid := 0
	var problems []Problem
	for _, pe := range processed {
		if len(pe.Problems) > 0 {
			invalid++
			problems = append(problems, pe.Problems...)
		}
	}
	for _, f := range failed {
		problems = append(problems, f.Problems...)
	}
	return invalid, problems
}

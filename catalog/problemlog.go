package catalog

import (
	"hash/fnv"
	"log/slog"
	"strconv"
	"sync"
)

// MaxProblemLines bounds the problem lines one mutation writes to the log;
// what is left over is counted in one summary line and logged by a later
// mutation.
const MaxProblemLines = 50

// problemLog writes one warning line per problem of a committed mutation
// (a rejected file, a rejected entity), naming file, document, entity,
// field and reason, as Backstage's catalog logs processing errors. A
// location re-read every minute must not repeat itself, so a problem is
// logged when it is new or changed for its entity or source (Backstage
// likewise skips an entity whose result, errors included, did not change),
// and at most MaxProblemLines lines per mutation.
type problemLog struct {
	mu sync.Mutex
	// seen holds, per provider, a fingerprint of the problems last logged
	// for each entity or source.
	seen map[string]map[string]uint64
}

// budget counts the lines one mutation may still write.
type budget struct {
	lines, skipped int
}

// record logs the new or changed problems of a committed mutation and
// remembers them; entities and sources that are fine again are forgotten,
// so a relapse is logged.
func (l *problemLog) record(log *slog.Logger, provider string, m Mutation, processed []ProcessedEntity) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string]map[string]uint64{}
	}
	prev := l.seen[provider]
	next := prev
	if m.Type == Full || next == nil {
		// A full mutation is the whole bucket: keep only what it reports.
		next = make(map[string]uint64)
	}
	b := &budget{}
	fine := map[string]bool{} // sources that could be read this time
	for _, pe := range processed {
		fine[pe.Location] = true
		key := entityKey(pe)
		if len(pe.Problems) == 0 {
			delete(next, key)
			continue
		}
		l.report(log, provider, "rejected entity", key, pe.Problems, prev, next, b)
	}
	for _, f := range m.Failed {
		delete(fine, f.Location)
		l.report(log, provider, "rejected file", "source\x00"+f.Location, f.Problems, prev, next, b)
	}
	for loc := range fine {
		delete(next, "source\x00"+loc)
	}
	for _, ref := range m.Removed {
		delete(next, "entity\x00"+ref.String())
	}
	l.seen[provider] = next
	if b.skipped > 0 {
		log.Warn("more problems than one mutation logs; the rest follow with later runs, `portico validate` and the home page list them all",
			"provider", provider, "logged", b.lines, "not_logged", b.skipped)
	}
}

// report logs one entity's or source's problems unless they were logged
// as they are, or the mutation's budget is spent (then they are not
// remembered, so a later mutation logs them).
func (l *problemLog) report(log *slog.Logger, provider, msg, key string, ps []Problem, prev, next map[string]uint64, b *budget) {
	fp := fingerprint(ps)
	if old, ok := prev[key]; ok && old == fp {
		next[key] = fp
		return
	}
	if b.lines >= MaxProblemLines {
		b.skipped += len(ps)
		delete(next, key)
		return
	}
	for _, p := range ps {
		log.Warn(msg, problemAttrs(provider, p)...)
		b.lines++
	}
	next[key] = fp
}

// entityKey names an entity across mutations: its ref, or where it was
// read when it has no usable ref.
func entityKey(pe ProcessedEntity) string {
	if pe.Ref.Kind != "" && pe.Ref.Name != "" {
		return "entity\x00" + pe.Ref.String()
	}
	doc := 0
	if len(pe.Problems) > 0 {
		doc = pe.Problems[0].Document
	}
	return "document\x00" + pe.Location + "\x00" + strconv.Itoa(doc)
}

func fingerprint(ps []Problem) uint64 {
	h := fnv.New64a()
	for _, p := range ps {
		h.Write([]byte(p.Error()))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// problemAttrs are a problem's structured keys; empty ones are left out.
func problemAttrs(provider string, p Problem) []any {
	attrs := []any{"provider", provider, "file", p.File}
	if p.Document > 0 {
		attrs = append(attrs, "document", p.Document)
	}
	if p.Entity != "" {
		attrs = append(attrs, "entity", p.Entity)
	}
	if p.Field != "" {
		attrs = append(attrs, "field", p.Field)
	}
	return append(attrs, "reason", p.Message)
}

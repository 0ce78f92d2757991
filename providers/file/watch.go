package file

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/providers"
)

// watcher follows the directories a pattern can match in.
type watcher struct {
	fw *fsnotify.Watcher
	p  *Provider
}

func newWatcher(p *Provider, dirs []string) (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &watcher{fw: fw, p: p}
	w.add(dirs)
	return w, nil
}

func (w *watcher) add(dirs []string) {
	for _, d := range dirs {
		if err := w.fw.Add(d); err != nil {
			w.p.logger.Warn("cannot watch directory", "dir", d, "error", err)
		}
	}
}

func (w *watcher) close() { _ = w.fw.Close() }

// maxDelay bounds how long a stream of notifications can postpone applying
// the changes.
const maxDelay = time.Second

// loop turns notifications and re-scans into delta mutations until ctx ends.
func (p *Provider) loop(ctx context.Context, conn providers.Connection, w *watcher) {
	var (
		events <-chan fsnotify.Event
		errs   <-chan error
	)
	if w != nil {
		defer w.close()
		events, errs = w.fw.Events, w.fw.Errors
	}
	var rescan <-chan time.Time
	if p.opts.Rescan > 0 {
		t := time.NewTicker(p.opts.Rescan)
		defer t.Stop()
		rescan = t.C
	}
	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	defer debounce.Stop()
	pending := map[string]bool{}
	var firstPending time.Time // when the oldest pending change arrived
	// arm is a trailing debounce, except that a file written without pause
	// is still applied within maxDelay of its first change.
	arm := func() {
		if firstPending.IsZero() {
			firstPending = time.Now()
		}
		debounce.Reset(max(0, min(p.opts.Debounce, maxDelay-time.Since(firstPending))))
	}
	flush := func() {
		p.apply(ctx, conn, pending)
		pending = map[string]bool{}
		firstPending = time.Time{}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if p.event(w, ev, pending) {
				arm()
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			// An overflow loses events: re-scan to catch up.
			p.logger.Warn("file notification error; re-scanning", "error", err)
			p.scan(w, pending)
			arm()
		case <-debounce.C:
			flush()
		case <-rescan:
			p.scan(w, pending)
			if len(pending) > 0 {
				flush()
			}
		}
	}
}

// event records the files ev may have changed; it reports whether any.
func (p *Provider) event(w *watcher, ev fsnotify.Event, pending map[string]bool) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	path := filepath.Clean(ev.Name)
	changed := false
	if ev.Has(fsnotify.Create) {
		if info, err := os.Stat(path); err == nil && info.IsDir() {
			// A new directory: watch it (and below) and take what is already in it.
			files := p.listUnder(w, path)
			for _, f := range files {
				pending[f] = true
				changed = true
			}
		}
	}
	if p.pattern.match(path) {
		pending[path] = true
		changed = true
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		// A removed directory takes its files with it.
		prefix := path + string(filepath.Separator)
		p.mu.Lock()
		for f := range p.files {
			if strings.HasPrefix(f, prefix) {
				pending[f] = true
				changed = true
			}
		}
		p.mu.Unlock()
	}
	return changed
}

// listUnder watches dir and the directories below it that can hold
// matches, then lists the matching files already there. Watching first
// means a file created meanwhile is either listed or notified.
func (p *Provider) listUnder(w *watcher, dir string) []string {
	if !within(p.pattern.base, dir) || (p.pattern.maxDepth() >= 0 && depth(p.pattern.base, dir) > p.pattern.maxDepth()) {
		return nil
	}
	if w != nil {
		_, dirs, err := p.pattern.listFrom(dir)
		if err != nil {
			return nil
		}
		w.add(dirs)
	}
	files, _, err := p.pattern.listFrom(dir)
	if err != nil {
		return nil
	}
	return files
}

// within reports whether path is base or below it.
func within(base, path string) bool {
	rel, err := filepath.Rel(base, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// scan is the safety net: it marks files that are new, gone, or whose
// modification time or size changed, and watches new directories.
func (p *Provider) scan(w *watcher, pending map[string]bool) {
	files, dirs, err := p.pattern.list()
	if err != nil && !os.IsNotExist(err) {
		p.logger.Warn("re-scan failed", "error", err)
		return
	}
	if w != nil {
		w.add(dirs)
	}
	seen := make(map[string]bool, len(files))
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range files {
		seen[f] = true
		st, known := p.files[f]
		info, err := os.Stat(f)
		if !known || err != nil || !info.ModTime().Equal(st.modTime) || info.Size() != st.size {
			pending[f] = true
		}
	}
	for f := range p.files {
		if !seen[f] {
			pending[f] = true
		}
	}
}

// apply reads the pending files and applies one delta: their entities are
// upserted, and entities they no longer contain are removed.
func (p *Provider) apply(ctx context.Context, conn providers.Connection, pending map[string]bool) {
	if len(pending) == 0 {
		return
	}
	start := time.Now()
	paths := make([]string, 0, len(pending))
	for f := range pending {
		paths = append(paths, f)
	}
	reads := p.readAll(paths)
	m := catalog.Mutation{Type: catalog.Delta}
	p.mu.Lock()
	next := make(map[string]fileState, len(reads))
	var gone []catalog.Ref
	for _, r := range reads {
		prev := p.files[r.path].refs
		if !r.exists || !p.pattern.match(r.path) {
			gone = append(gone, prev...)
			continue
		}
		st := r.state(prev)
		next[r.path] = st
		m.Entities = append(m.Entities, r.entities...)
		if r.failed != nil {
			m.Failed = append(m.Failed, *r.failed)
		}
		gone = append(gone, missing(prev, st.refs)...)
	}
	prevStates := make(map[string]fileState, len(reads))
	for _, r := range reads {
		if st, ok := p.files[r.path]; ok {
			prevStates[r.path] = st
		}
		delete(p.files, r.path)
	}
	for f, st := range next {
		p.files[f] = st
	}
	m.Removed = p.stillUnclaimed(gone, m.Entities)
	p.mu.Unlock()
	if len(m.Entities) == 0 && len(m.Removed) == 0 && len(m.Failed) == 0 {
		return
	}
	res, err := conn.ApplyMutation(ctx, m)
	if err != nil {
		p.logger.Error("apply file changes; the next re-scan retries", "files", len(paths), "error", err)
		p.forget(paths, prevStates)
		return
	}
	p.logger.Info("file changes applied", "files", len(paths), "entities", len(m.Entities),
		"removed", len(m.Removed), "invalid", res.Invalid, "failed_files", len(m.Failed),
		"duration", time.Since(start))
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

// stillUnclaimed drops refs that an upserted entity or another file still
// provides (an entity moved between files). p.mu must be held.
func (p *Provider) stillUnclaimed(gone []catalog.Ref, upserted []catalog.DeferredEntity) []catalog.Ref {
	if len(gone) == 0 {
		return nil
	}
	claimed := make(map[string]bool, len(upserted))
	for _, d := range upserted {
		claimed[d.Entity.Ref().Key()] = true
	}
	for _, st := range p.files {
		for _, r := range st.refs {
			claimed[r.Key()] = true
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

// forget puts back what was known of paths before a failed apply, marked
// as changed, so the next re-scan reads and applies them again.
func (p *Provider) forget(paths []string, prev map[string]fileState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, path := range paths {
		st, ok := prev[path]
		if !ok {
			delete(p.files, path) // a new file: unknown again
			continue
		}
		st.modTime, st.size = time.Time{}, -1
		p.files[path] = st
	}
}

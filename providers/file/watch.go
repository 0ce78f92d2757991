package file

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/porticohq/portico/catalog"
)

// watcher follows the directories that can hold the location's files: those
// the target's glob can match in, and those of the files its Locations name
// and its placeholders read.
type watcher struct {
	fw *fsnotify.Watcher
	p  *Provider

	mu      sync.Mutex
	watched map[string]bool
}

func newWatcher(p *Provider, dirs []string) (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &watcher{fw: fw, p: p, watched: map[string]bool{}}
	w.add(dirs)
	return w, nil
}

// add watches the dirs not watched yet and says how many it added.
func (w *watcher) add(dirs []string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	added := 0
	for _, d := range dirs {
		if w.watched[d] {
			continue
		}
		if err := w.fw.Add(d); err != nil {
			if !os.IsNotExist(err) {
				w.p.logger.Warn("cannot watch directory", "dir", d, "err", err)
			}
			continue
		}
		w.watched[d] = true
		added++
	}
	return added
}

// gone forgets a removed directory and those below it, so that a new one
// of the same name is watched again.
func (w *watcher) gone(dir string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	prefix := dir + string(filepath.Separator)
	for d := range w.watched {
		if d == dir || strings.HasPrefix(d, prefix) {
			delete(w.watched, d)
		}
	}
}

// forget stops every watch, so that the next add watches the directories
// where their paths lead now.
func (w *watcher) forget() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for d := range w.watched {
		_ = w.fw.Remove(d) // a directory that is gone is no longer watched anyway
		delete(w.watched, d)
	}
}

func (w *watcher) close() { _ = w.fw.Close() }

// maxDelay bounds how long a stream of notifications can postpone applying
// the changes.
const maxDelay = time.Second

// loop turns notifications and re-scans into rounds until ctx ends. Until
// a first load has succeeded (loaded), it retries the whole load instead,
// from Options.Retry doubling up to the re-scan period.
func (p *Provider) loop(ctx context.Context, loaded bool) {
	var (
		events <-chan fsnotify.Event
		errs   <-chan error
	)
	if p.w != nil {
		defer p.w.close()
		events, errs = p.w.fw.Events, p.w.fw.Errors
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
	retry := time.NewTimer(p.opts.Retry)
	defer retry.Stop()
	backoff := p.opts.Retry
	if loaded {
		retry.Stop()
	}
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
		if !loaded {
			// The retry reads everything anyway.
			pending = map[string]bool{}
			firstPending = time.Time{}
			return
		}
		p.apply(ctx, pending)
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
			if p.event(ev, pending) {
				arm()
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			// An overflow loses events: re-scan to catch up.
			p.logger.Warn("file notification error; re-scanning", "err", err)
			if loaded {
				p.scan(pending)
				arm()
			}
		case <-debounce.C:
			flush()
		case <-retry.C:
			start := time.Now()
			dirs, err := p.retryInitial(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				limit := p.opts.Rescan
				if limit <= 0 {
					limit = 5 * time.Minute
				}
				backoff = min(2*backoff, max(limit, p.opts.Retry))
				p.logger.Error("file location still not loaded; retrying", "in", backoff, "err", err)
				retry.Reset(backoff)
				continue
			}
			loaded = true
			p.logger.Info("file location loaded after a failed first load", "duration", time.Since(start))
			if p.w == nil && !p.noWatch {
				// The directories could not be listed when the location
				// connected: watch them now.
				var werr error
				if p.w, werr = newWatcher(p, dirs); werr != nil {
					p.logger.Warn("file notifications unavailable; relying on re-scan", "err", werr)
				} else {
					defer p.w.close()
					events, errs = p.w.fw.Events, p.w.fw.Errors
				}
			}
		case <-rescan:
			if !loaded {
				continue
			}
			p.scan(pending)
			if len(pending) > 0 {
				flush()
			}
		}
	}
}

// event records the path ev may have changed; it reports whether it may
// concern the location. apply decides which locations to read again.
func (p *Provider) event(ev fsnotify.Event, pending map[string]bool) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	path := filepath.Clean(ev.Name)
	if ev.Has(fsnotify.Create) {
		if info, err := os.Stat(path); err == nil && info.IsDir() {
			// A new directory: watch it (and below) and take what is already in it.
			for _, f := range p.listUnder(path) {
				pending[f] = true
			}
			return true
		}
	}
	pending[path] = true
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		// A removed directory takes its files with it.
		if p.w != nil {
			p.w.gone(path)
		}
		p.mu.Lock()
		prefix := path + string(filepath.Separator)
		for key, n := range p.nodes {
			if n.loc.Type == "file" && strings.HasPrefix(n.loc.Target, prefix) {
				pending[strings.TrimPrefix(key, "file:")] = true
			}
		}
		p.mu.Unlock()
	}
	return true
}

// listUnder watches dir and the directories below it that can hold matches
// of the target or of a glob a Location names, and lists the matching files
// already there. It lists again after each new watch, until no directory is
// new: a file created in a directory before its watch began (mkdir -p then
// write) is listed by the next pass, and one created after is notified.
func (p *Provider) listUnder(dir string) []string {
	p.mu.Lock()
	globs := []catalog.Glob{p.glob}
	for _, n := range p.nodes {
		globs = append(globs, n.globs...)
	}
	p.mu.Unlock()
	var files []string
	for _, g := range globs {
		if !within(g.Base, dir) || (g.MaxDepth() >= 0 && catalog.Depth(g.Base, dir) > g.MaxDepth()) {
			continue
		}
		for {
			fs, dirs, err := g.ListFrom(dir)
			if err != nil {
				break
			}
			files = append(files, fs...)
			if afterList != nil {
				afterList()
			}
			if p.w == nil || p.w.add(dirs) == 0 {
				break
			}
		}
	}
	return files
}

// afterList, when a test sets it, runs between a listing and its watches.
var afterList func()

// within reports whether path is base or below it.
func within(base, path string) bool {
	rel, err := filepath.Rel(base, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// scan is the safety net: it marks the files that are new, gone, or whose
// modification time or size changed (the target's matches, the files
// Locations name, the files placeholders read), the Locations whose globs
// match a different set, and every location that reads URLs.
func (p *Provider) scan(pending map[string]bool) {
	if t := resolvedBase(p.glob.Base); t != p.baseTarget {
		// A link swapped in another directory (or leads nowhere now):
		// what was resolved and watched under the old one is stale. The
		// files' inodes tell what changed below. A directory that did not
		// exist before had nothing resolved or watched.
		if p.baseTarget != "" {
			if t != "" {
				p.logger.Info("file location's directory leads elsewhere now; watching it again", "base", p.glob.Base, "to", t)
			}
			if p.targets != nil {
				p.targets.ForgetResolvedRoots()
			}
			if p.w != nil {
				p.w.forget()
			}
		}
		p.baseTarget = t
	}
	files, dirs, err := p.glob.List()
	if err != nil && !os.IsNotExist(err) {
		p.logger.Warn("re-scan failed", "err", err)
		return
	}
	if p.w != nil {
		p.w.add(dirs)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	listed := make(map[string]bool, len(files))
	for _, f := range files {
		listed[f] = true
		if p.nodes["file:"+f] == nil {
			pending[f] = true
		}
	}
	for f := range p.roots {
		// A set, not slices.Contains: with 100,000 files that was 5·10⁹
		// comparisons a minute, under p.mu.
		if !listed[f] {
			pending[f] = true
		}
	}
	for _, n := range p.nodes {
		p.scanNode(n, pending)
	}
	for d, st := range p.depStat {
		if now, _ := statOf(d); now != st {
			pending[d] = true
		}
	}
}

// scanNode marks n when it changed on disk or must be read again anyway.
func (p *Provider) scanNode(n *node, pending map[string]bool) {
	key := n.loc.Target
	if n.loc.Type != "file" {
		key = n.loc.String()
	}
	if n.remote || len(n.globs) > 0 {
		// URLs are re-read (cheaply, with their ETags), and a glob a
		// Location names is listed again when its owner is read.
		pending[key] = true
		return
	}
	if now, _ := statOf(n.loc.Target); now != n.stat {
		pending[key] = true
	}
}

// apply reads again the locations the pending paths concern and applies
// the round's delta. A path concerns a location when it is that file, a
// file the target matches, a match of a glob a Location names (the
// Location is read again), or a file a placeholder read (the entity's file
// is read again).
func (p *Provider) apply(ctx context.Context, pending map[string]bool) {
	if len(pending) == 0 {
		return
	}
	start := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	changed := p.changedLocations(pending)
	st, err := p.round(ctx, changed, false)
	if err != nil {
		if ctx.Err() == nil {
			p.logger.Error("apply file changes; the next re-scan retries", "files", len(pending), "err", err)
		}
		return
	}
	if st.mutations > 0 {
		p.logger.Info("file changes applied", "files", len(pending), "entities", st.entities,
			"removed", st.removed, "invalid", st.invalid, "failed_files", st.failed,
			"duration", time.Since(start))
	}
}

// changedLocations maps changed paths (or url location strings) to the
// locations to read again, and keeps the set of the target's matches up to
// date. p.mu is held.
func (p *Provider) changedLocations(pending map[string]bool) []catalog.LocationSpec {
	set := map[string]catalog.LocationSpec{}
	add := func(l catalog.LocationSpec) { set[l.String()] = l }
	for path := range pending {
		if strings.HasPrefix(path, "url:") {
			if n := p.nodes[path]; n != nil {
				add(n.loc)
			}
			continue
		}
		loc := catalog.LocationSpec{Type: "file", Target: path}
		if p.glob.Match(path) {
			if _, ok := statOf(path); ok {
				p.roots[path] = true
			} else {
				delete(p.roots, path)
			}
			add(loc)
		}
		if p.nodes[loc.String()] != nil {
			add(loc)
		}
		for _, n := range p.nodes {
			for _, g := range n.globs {
				if g.Match(path) {
					add(n.loc)
				}
			}
		}
		for _, key := range p.deps[path] {
			if n := p.nodes[key]; n != nil {
				add(n.loc)
			}
		}
	}
	out := make([]catalog.LocationSpec, 0, len(set))
	for _, k := range slices.Sorted(maps.Keys(set)) {
		out = append(out, set[k])
	}
	return out
}

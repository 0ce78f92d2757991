// Package file is the `file` catalog location: a configured target (a file
// or a glob, `**` included) whose descriptor files become one provider's
// bucket, together with everything their kind: Location entities name, to
// any depth. It loads everything at start, then follows the disk with
// file-system notifications (debounced) and a periodic re-scan as a safety
// net, applying a delta for each change. An entity that is no longer emitted
// (its file deleted, or no Location names the file any more) becomes an
// orphan, as in Backstage; the catalog's orphan strategy decides whether it
// stays.
package file

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/providers"
)

// Defaults for Options.
const (
	DefaultRescan   = 60 * time.Second
	DefaultDebounce = 150 * time.Millisecond
	DefaultRetry    = 5 * time.Second
)

// Options configure a file location.
type Options struct {
	// Target is the location's target as configured: a path or a glob.
	Target string
	// Dir resolves a relative Target; empty means the working directory.
	Dir string
	// Roots are the directories of every configured file location (each
	// target's part before any glob): Location entities of this location
	// may name files under any of them. This location's own directory is
	// always one.
	Roots []string
	// Rescan is the period of the safety-net re-scan; zero means
	// DefaultRescan, negative disables it.
	Rescan time.Duration
	// Debounce groups bursts of notifications; zero means DefaultDebounce.
	Debounce time.Duration
	// Retry is how soon a first load that failed (the database's disk
	// full, say) is tried again, doubling up to Rescan; zero means
	// DefaultRetry.
	Retry time.Duration
	// URLs reads url targets and placeholders; nil refuses them.
	URLs *catalog.URLReader
	// MaxBytes bounds each descriptor file and placeholder target read;
	// zero means the URL reader's limit (backend.reading.maxBytes), so
	// every read of the catalog has one limit.
	MaxBytes int64
	Logger   *slog.Logger
}

// Provider is one file location. It implements providers.EntityProvider.
type Provider struct {
	opts    Options
	name    string
	origin  string
	glob    catalog.Glob
	targets *catalog.Targets
	logger  *slog.Logger

	mu    sync.Mutex // held for a whole round of reads and its apply
	conn  providers.Connection
	graph *catalog.LocationGraph
	roots map[string]bool  // files matching the target, by path
	nodes map[string]*node // every location read, by location string
	// listedBy is the last walk's Walk.ListedBy: which Location named each
	// location, so that what a dropped target emitted is marked as
	// orphaned by that Location.
	listedBy map[string]string
	deps     map[string][]string // placeholder file → locations that read it
	depStat  map[string]fileStat // placeholder files as last seen
	w        *watcher
	// baseTarget is where the glob's base led at the last listing: when a
	// link swaps in another directory, the watches still follow the old
	// one (a notification watch resolves links when it is set).
	baseTarget string

	noWatch bool // tests: rely on the re-scan alone
}

// node is what the provider remembers of a location between changes: the
// refs it produced, not the entities. A location of one entity (nearly
// every file) keeps its ref in one, which refs then points into: one
// object per file for the garbage collector to mark, not two.
type node struct {
	loc      catalog.LocationSpec
	refs     []catalog.Ref
	one      [1]catalog.Ref
	stat     fileStat
	globs    []catalog.Glob // globs its Location entities name
	deps     []string       // files its placeholders read
	remote   bool           // it is, or its placeholders read, a URL
	failed   bool           // its last read failed: what it emitted stays
	problems string         // the walk problems last attached to it
}

// fileStat is a file's modification time (Unix nanoseconds), size and
// inode, as last seen; 24 bytes, once per file. The inode tells a file
// from another of the same size and time, as when a link swaps in another
// release directory whose files were written in the same second.
type fileStat struct {
	modTime int64
	size    int64
	ino     uint64
}

func statOf(path string) (fileStat, bool) {
	info, err := os.Stat(path)
	if err != nil {
		return fileStat{size: -1}, false
	}
	return fileStat{modTime: info.ModTime().UnixNano(), size: info.Size(), ino: inodeOf(info)}, true
}

// resolvedBase is where the glob's base directory leads through links, ""
// when it does not resolve.
func resolvedBase(base string) string {
	t, err := filepath.EvalSymlinks(base)
	if err != nil {
		return ""
	}
	return t
}

var _ providers.EntityProvider = (*Provider)(nil)

// New returns the provider for one configured file location.
func New(opts Options) *Provider {
	if opts.Rescan == 0 {
		opts.Rescan = DefaultRescan
	}
	if opts.Retry <= 0 {
		opts.Retry = DefaultRetry
	}
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	abs := AbsTarget(opts.Target, opts.Dir)
	g := catalog.ParseGlob(abs)
	roots := []string{Root(opts.Target, opts.Dir)}
	for _, r := range opts.Roots {
		if !slices.Contains(roots, r) {
			roots = append(roots, r)
		}
	}
	return &Provider{
		opts:    opts,
		name:    "file:" + opts.Target,
		origin:  "file:" + abs,
		glob:    g,
		targets: &catalog.Targets{Roots: roots, URLs: opts.URLs, MaxSize: maxBytes(opts)},
		logger:  opts.Logger.With("provider", "file:"+opts.Target),
		graph:   catalog.NewLocationGraph(),
		roots:   map[string]bool{},
		nodes:   map[string]*node{},
		deps:    map[string][]string{},
		depStat: map[string]fileStat{},
	}
}

// maxBytes is Options.MaxBytes, else the URL reader's limit, else the
// catalog's default.
func maxBytes(opts Options) int64 {
	switch {
	case opts.MaxBytes > 0:
		return opts.MaxBytes
	case opts.URLs != nil && opts.URLs.MaxSize > 0:
		return opts.URLs.MaxSize
	}
	return catalog.DefaultMaxReadSize
}

// AbsTarget is a configured file target made absolute: relative targets
// are relative to dir, or to the working directory, as in Backstage.
func AbsTarget(target, dir string) string {
	if !filepath.IsAbs(target) && dir != "" {
		target = filepath.Join(dir, target)
	}
	abs, err := filepath.Abs(target)
	if err != nil {
		return filepath.Clean(target)
	}
	return abs
}

// Root is the directory that confines a file location's reads (its
// Location targets, placeholders and API definitions' $refs): the absolute
// target's part before any glob, or a plain file's directory. Every place
// that confines reads to file locations asks this function.
func Root(target, dir string) string {
	return catalog.ParseGlob(AbsTarget(target, dir)).Base
}

// Name is "file:<target as configured>", the bucket's name.
func (p *Provider) Name() string { return p.name }

// Origin is "file:<absolute target>": the managed-by-origin-location of
// every entity the location emits, as Backstage sets it.
func (p *Provider) Origin() string { return p.origin }

// Connect reads every matching file and everything their Locations name,
// applies it, then watches the disk until ctx ends. It returns after the
// first load is applied, so the caller knows the location's first ingest is
// done. A base directory that does not exist yet is not an error: nothing is
// applied (nothing stored is removed) and the re-scan picks the files up.
func (p *Provider) Connect(ctx context.Context, conn providers.Connection) error {
	p.conn = conn
	p.baseTarget = resolvedBase(p.glob.Base)
	files, dirs, err := p.glob.List()
	if err != nil && !os.IsNotExist(err) {
		// A directory that cannot be listed (permissions, an unmounted
		// volume) may become readable: the loop retries the first load.
		p.mu.Lock()
		p.reset()
		p.mu.Unlock()
		go p.loop(ctx, false)
		return fmt.Errorf("list %s: %w", p.opts.Target, err)
	}
	if err != nil {
		p.logger.Warn("file location has no base directory yet", "base", p.glob.Base)
	}
	if !p.noWatch {
		var werr error
		if p.w, werr = newWatcher(p, dirs); werr != nil {
			p.logger.Warn("file notifications unavailable; relying on re-scan", "err", werr)
		}
	}
	if err == nil {
		if err := p.initial(ctx, files); err != nil {
			// Keep following the disk: the loop loads everything again,
			// in batches, until a load succeeds.
			p.mu.Lock()
			p.reset()
			p.mu.Unlock()
			go p.loop(ctx, false)
			return err
		}
	}
	go p.loop(ctx, err == nil)
	return nil
}

// Follows says how the location follows its files, for /providers.
func (p *Provider) Follows() string {
	var how string
	switch {
	case p.noWatch:
		how = "re-scans its files"
	default:
		how = "follows its files through file-system notifications"
	}
	if p.opts.Rescan > 0 {
		how += fmt.Sprintf(", with a re-scan every %s", p.opts.Rescan)
	}
	return how
}

// retryInitial loads the location again after a first load that failed,
// the way the first load does: a large location in batches, so a disk that
// filled up is not asked for everything in one transaction again.
// It returns the directories the location's pattern lists, to watch.
func (p *Provider) retryInitial(ctx context.Context) ([]string, error) {
	files, dirs, err := p.glob.List()
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("list %s: %w", p.opts.Target, err)
	}
	if err := p.initial(ctx, files); err != nil {
		p.mu.Lock()
		p.reset()
		p.mu.Unlock()
		return nil, err
	}
	if lr, ok := p.conn.(providers.LoadReporter); ok {
		lr.Loaded()
	}
	return dirs, nil
}

// reset forgets everything read, so the next re-scan reads it all again.
func (p *Provider) reset() {
	p.graph = catalog.NewLocationGraph()
	clear(p.roots)
	clear(p.nodes)
	clear(p.deps)
	clear(p.depStat)
}

// initial loads what matches now and what its Locations name. A large
// location is read and applied in batches of deltas, so memory stays
// bounded; what the bucket held that no file emits any more is dropped at
// the end (an orphan, unless the orphan strategy deletes it).
func (p *Provider) initial(ctx context.Context, files []string) error {
	start := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	slices.Sort(files)
	for _, f := range files {
		p.roots[f] = true
	}
	bc, listable := p.conn.(bucketConnection)
	var stored []catalog.StoredRef
	if listable && len(files) > batchFiles {
		var err error
		stored, err = bc.BucketRefs(ctx)
		listable = err == nil
	}
	var st loadStats
	var err error
	if listable && len(files) > batchFiles {
		st, err = p.initialBatched(ctx, files, stored)
	} else {
		st, err = p.round(ctx, p.rootSpecs(), true)
	}
	if err != nil {
		return err
	}
	p.logger.Info("file location loaded", "files", len(p.nodes), "entities", st.entities,
		"invalid", st.invalid, "failed_files", st.failed, "removed", st.removed,
		"mutations", st.mutations, "duration", time.Since(start))
	return nil
}

// rootSpecs returns the root files as locations, sorted.
func (p *Provider) rootSpecs() []catalog.LocationSpec {
	out := make([]catalog.LocationSpec, 0, len(p.roots))
	for _, f := range slices.Sorted(maps.Keys(p.roots)) {
		out = append(out, catalog.LocationSpec{Type: "file", Target: f})
	}
	return out
}

// bucketConnection is a Connection that can also list the refs stored in
// the provider's bucket (see catalog.BucketLister).
type bucketConnection interface {
	BucketRefs(ctx context.Context) ([]catalog.StoredRef, error)
}

type loadStats struct {
	entities, invalid, failed, removed, mutations int
}

func (s *loadStats) add(m catalog.Mutation, res catalog.ApplyResult) {
	s.entities += len(m.Entities)
	s.invalid += res.Invalid
	s.failed += len(m.Failed)
	s.removed += res.Removed + res.Orphaned
	s.mutations++
}

// Refresh reads loc (a location of this provider, "file:/path") again now,
// with everything it names, and applies what changed; POST /refresh calls
// it. It reports false when loc is not one of this provider's locations.
func (p *Provider) Refresh(ctx context.Context, loc string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.nodes[loc]
	if n == nil || p.conn == nil {
		return false, nil
	}
	_, err := p.round(ctx, []catalog.LocationSpec{n.loc}, false)
	return true, err
}

// maxBytes is Options.MaxBytes, else the URL reader's limit.
func (p *Provider) maxBytes() int64 {
	if p.opts.MaxBytes > 0 {
		return p.opts.MaxBytes
	}
	return p.opts.URLs.Limit()
}

package catalog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Targets is the TargetReader of file and url locations. Files are read
// only inside Roots, the directories of the configured file locations (the
// part of each target before any glob), and never through a symlink that
// leads out of them: a Location may name files of its own location's tree
// or of another configured file location's, nothing else on the portal's
// disk. Backstage reads any file a Location names; Portico does not, because
// a catalog file is written by whoever can commit to a repository, not by
// the portal's operator. URLs are read through URLs, which only reaches
// hosts backend.reading.allow permits, within its size and time limits. A
// Location read from a URL cannot name files.
type Targets struct {
	// Roots are absolute directories.
	Roots []string
	// URLs reads url locations and url placeholders; nil refuses them.
	URLs *URLReader
	// MaxSize bounds one file; zero means DefaultMaxReadSize.
	MaxSize int64

	// realRoots caches each root with its symlinks resolved: a bulk load
	// reads thousands of files under one root, and the root is the
	// operator's, not a catalog author's, so it is resolved once.
	realRoots sync.Map // string -> string
}

var _ TargetReader = (*Targets)(nil)

// ReadLocation implements TargetReader.
func (t *Targets) ReadLocation(ctx context.Context, loc LocationSpec) ([]byte, Reader, error) {
	return t.readLocation(ctx, loc, nil)
}

// readLocation is ReadLocation reading a file into buf when it fits.
func (t *Targets) readLocation(ctx context.Context, loc LocationSpec, buf []byte) ([]byte, Reader, error) {
	switch loc.Type {
	case "file":
		root, err := t.Root(loc.Target)
		if err != nil {
			return nil, nil, err
		}
		realRoot, err := t.realRoot(root, loc.Target)
		if err != nil {
			return nil, nil, err
		}
		data, err := t.readFile(ctx, root, realRoot, loc.Target, buf)
		if err != nil {
			return nil, nil, err
		}
		// The entity's placeholders resolve against the same root.
		r := NewResolvedFileReader(root, realRoot, loc.Target)
		r.URLs = t.URLs
		if t.MaxSize > 0 {
			r.MaxSize = t.MaxSize
		}
		return data, r, nil
	case "url":
		if t.URLs == nil {
			return nil, nil, fmt.Errorf("reading URLs is not configured (backend.reading.allow)")
		}
		data, _, err := t.URLs.Read(ctx, loc.Target)
		if err != nil {
			return nil, nil, err
		}
		return data, t.URLs.ForURL(loc.Target), nil
	}
	return nil, nil, fmt.Errorf("no reader for locations of type %q", loc.Type)
}

// readFile reads path, which must exist as a regular file inside root
// (resolved: realRoot) once symlinks are resolved, into buf when it fits.
func (t *Targets) readFile(ctx context.Context, root, realRoot, path string, buf []byte) ([]byte, error) {
	real, err := resolveBelow(root, realRoot, path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s does not exist: %w", path, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("resolve %s: %w", path, err)
	}
	if !within(realRoot, real) {
		return nil, fmt.Errorf("%s is a symlink to %s, outside %s", path, real, root)
	}
	limit := t.MaxSize
	if limit <= 0 {
		limit = DefaultMaxReadSize
	}
	return readRegularFile(ctx, real, limit, "file", buf)
}

// resolveBelow is filepath.EvalSymlinks(path) for a path inside root, whose
// resolution is realRoot: only the parts below root are looked at (for a
// file directly in root, one lstat instead of one per directory from /),
// and the first symlink among them hands over to EvalSymlinks.
func resolveBelow(root, realRoot, path string) (string, error) {
	rel, err := filepath.Rel(root, path)
	if err != nil || !filepath.IsLocal(rel) {
		return filepath.EvalSymlinks(path)
	}
	cur := realRoot
	for part := range strings.SplitSeq(rel, string(filepath.Separator)) {
		cur = filepath.Join(cur, part)
		info, err := os.Lstat(cur)
		if err != nil {
			return "", err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			return filepath.EvalSymlinks(path)
		}
	}
	return cur, nil
}

// ForgetResolvedRoots drops the roots' cached resolutions, for when a link
// on a root's path leads to another directory now (a release swapped in by
// a link): until then, files are read below the directory it led to before.
func (t *Targets) ForgetResolvedRoots() { t.realRoots.Clear() }

// realRoot returns root with its symlinks resolved, once per root; its
// errors name path, the file to read under it.
func (t *Targets) realRoot(root, path string) (string, error) {
	if real, ok := t.realRoots.Load(root); ok {
		return real.(string), nil
	}
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%s does not exist: %w", path, fs.ErrNotExist)
		}
		return "", fmt.Errorf("resolve %s: %w", root, err)
	}
	t.realRoots.Store(root, real)
	return real, nil
}

// Root returns the configured directory that holds path (the deepest, when
// several do): what reads on behalf of an entity read from path are
// confined to.
func (t *Targets) Root(path string) (string, error) {
	best := ""
	for _, r := range t.Roots {
		if within(r, path) && len(r) > len(best) {
			best = r
		}
	}
	if best == "" {
		return "", fmt.Errorf("%s is outside the directories of the configured file locations (%s); configure a file location whose directory holds it",
			path, strings.Join(t.Roots, ", "))
	}
	return best, nil
}

// ResolveTarget implements TargetReader: file targets resolve against the
// naming file's directory (globs expand to their matches), url targets
// against the naming URL.
func (t *Targets) ResolveTarget(_ context.Context, from LocationSpec, typ, target string) (Resolved, error) {
	switch typ {
	case "file":
		return t.resolveFile(from, target)
	case "url":
		u, err := resolveURL(from, target)
		if err != nil {
			return Resolved{}, err
		}
		if t.URLs == nil || !t.URLs.Allowed(u) {
			return Resolved{}, fmt.Errorf("reading %s is not allowed by backend.reading.allow", u)
		}
		return Resolved{Locations: []LocationSpec{{Type: "url", Target: u}}}, nil
	}
	return Resolved{}, fmt.Errorf("no reader for locations of type %q", typ)
}

func (t *Targets) resolveFile(from LocationSpec, target string) (Resolved, error) {
	if from.Type != "file" {
		return Resolved{}, fmt.Errorf("a Location read from %s cannot name files on the portal's disk", from.Type)
	}
	if strings.Contains(target, "://") {
		return Resolved{}, fmt.Errorf("a file target must be a path; use type: url for URLs")
	}
	abs := filepath.FromSlash(target)
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(filepath.Dir(from.Target), abs)
	}
	abs = filepath.Clean(abs)
	if !IsGlob(abs) {
		if _, err := t.Root(abs); err != nil {
			return Resolved{}, err
		}
		return Resolved{Locations: []LocationSpec{{Type: "file", Target: abs}}}, nil
	}
	g := ParseGlob(abs)
	if _, err := t.Root(g.Base); err != nil {
		return Resolved{}, err
	}
	files, _, err := g.List()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Resolved{}, fmt.Errorf("list %s: %w", abs, err)
	}
	slices.Sort(files)
	out := Resolved{Locations: make([]LocationSpec, len(files)), Pattern: abs}
	for i, f := range files {
		out.Locations[i] = LocationSpec{Type: "file", Target: f}
	}
	return out, nil
}

// resolveURL resolves target against from when from is a URL; from a file
// only absolute URLs are accepted.
func resolveURL(from LocationSpec, target string) (string, error) {
	t, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("parse %q: %w", target, err)
	}
	if from.Type == "url" {
		base, err := url.Parse(from.Target)
		if err != nil {
			return "", fmt.Errorf("parse %q: %w", from.Target, err)
		}
		t = base.ResolveReference(t)
	}
	if t.Scheme != "http" && t.Scheme != "https" {
		return "", fmt.Errorf("a url target must be an absolute http(s) URL")
	}
	return t.String(), nil
}

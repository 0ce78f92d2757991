package catalog

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Glob is a file location target split into its base, the directory before
// any glob character (the directory that confines what the location's
// entities may read, and that is watched), and the slash-separated pattern
// below it. A target without glob characters is one file, whose directory
// is the base. Globs follow Backstage's: `*`, `?`, `[...]`, one level of
// `{a,b}`, `**` for any depth, and no match of names starting with a dot.
type Glob struct {
	// Base is the absolute directory before any glob character.
	Base     string
	segments []string // glob segments below Base; "**" matches any depth
}

// IsGlob reports whether target holds glob characters.
func IsGlob(target string) bool { return strings.ContainsAny(target, "*?[{") }

func hasMeta(s string) bool { return IsGlob(s) }

// ParseGlob splits an absolute target into base and glob segments.
func ParseGlob(abs string) Glob {
	parts := strings.Split(filepath.ToSlash(abs), "/")
	i := 0
	for i < len(parts) && !hasMeta(parts[i]) {
		i++
	}
	if i == len(parts) {
		// A plain file: its directory is the base.
		return Glob{Base: filepath.Dir(abs), segments: []string{parts[len(parts)-1]}}
	}
	base := strings.Join(parts[:i], "/")
	if base == "" {
		base = "/"
	}
	return Glob{Base: filepath.FromSlash(base), segments: parts[i:]}
}

// recursive reports whether the glob can match at any depth.
func (p Glob) recursive() bool {
	for _, s := range p.segments {
		if s == "**" {
			return true
		}
	}
	return false
}

// MaxDepth is how many directory levels below Base can hold matches;
// -1 means unbounded.
func (p Glob) MaxDepth() int {
	if p.recursive() {
		return -1
	}
	return len(p.segments) - 1
}

// Match reports whether the absolute file path matches the pattern.
func (p Glob) Match(file string) bool {
	rel, err := filepath.Rel(p.Base, file)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return false
	}
	return matchSegments(p.segments, strings.Split(filepath.ToSlash(rel), "/"))
}

// matchSegments matches slash-separated segments. As in Backstage's globs
// (dot: false), wildcards never match names starting with a dot, so editor
// lock files and hidden directories are left out.
func matchSegments(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			rest := pat[1:]
			for i := 0; i <= len(name); i++ {
				if matchSegments(rest, name[i:]) {
					return true
				}
				if i < len(name) && strings.HasPrefix(name[i], ".") {
					return false
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if strings.HasPrefix(name[0], ".") && !strings.HasPrefix(pat[0], ".") {
			return false
		}
		if ok, err := matchBraces(pat[0], name[0]); err != nil || !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// matchBraces is path.Match with one level of {a,b} alternatives, which
// Backstage's globs accept (e.g. *.{yaml,yml}).
func matchBraces(pat, name string) (bool, error) {
	open := strings.IndexByte(pat, '{')
	if open < 0 {
		return path.Match(pat, name)
	}
	end := strings.IndexByte(pat[open:], '}')
	if end < 0 {
		return path.Match(pat, name)
	}
	end += open
	for _, alt := range strings.Split(pat[open+1:end], ",") {
		if ok, err := matchBraces(pat[:open]+alt+pat[end+1:], name); err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// List returns the regular files (or symlinks to them) under Base that
// match, and the directories that must be watched for changes. Hidden
// directories are skipped below Base.
func (p Glob) List() (files, dirs []string, err error) {
	return p.ListFrom(p.Base)
}

// ListFrom is List restricted to root, a directory at or below Base. A
// root that is a symbolic link to a directory (a release directory swapped
// in by a link, a mounted volume) is listed through it, as Backstage's
// globbing follows links; the paths keep the link's name. Links to
// directories below the root are not followed.
func (p Glob) ListFrom(root string) (files, dirs []string, err error) {
	depthLimit := p.MaxDepth()
	walkRoot := root
	if fi, err := os.Lstat(root); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		// A link that leads nowhere is a missing directory (fs.ErrNotExist:
		// the caller waits for it), a loop or a link to a file an error.
		target, err := filepath.EvalSymlinks(root)
		if err != nil {
			return nil, nil, err
		}
		if fi, err := os.Stat(target); err != nil || !fi.IsDir() {
			return nil, nil, fmt.Errorf("%s leads to %s, which is not a directory", root, target)
		}
		walkRoot = target
	}
	err = filepath.WalkDir(walkRoot, func(fp string, d fs.DirEntry, err error) error {
		fp = root + strings.TrimPrefix(fp, walkRoot)
		if err != nil {
			if fp == root {
				return err
			}
			return nil // a directory vanished or is unreadable: skip it
		}
		if d.IsDir() {
			if fp != p.Base && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if depthLimit >= 0 && Depth(p.Base, fp) > depthLimit {
				return filepath.SkipDir
			}
			dirs = append(dirs, fp)
			return nil
		}
		if p.Match(fp) && (d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0) {
			files = append(files, fp)
		}
		return nil
	})
	return files, dirs, err
}

// Depth is how many directory levels dir lies below base.
func Depth(base, dir string) int {
	rel, err := filepath.Rel(base, dir)
	if err != nil || rel == "." {
		return 0
	}
	return strings.Count(filepath.ToSlash(rel), "/") + 1
}

package catalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// DefaultMaxReadSize bounds what one read may return (a descriptor file,
// a url location, a $text/$json/$yaml target, an S3 object) unless
// backend.reading.maxBytes says otherwise. 32 MiB admits the largest public
// API descriptions (GitHub's REST description is 13 MB); the definition
// loader (catalog/openapi) keeps its own, separate guard.
const DefaultMaxReadSize = 32 << 20

// FileReader resolves placeholder targets of an entity read from a file:
// relative paths only, resolved against the entity's file, and only to
// files inside the location's base directory (the part of its target before
// any glob), never through a symlink that leads out of it. Backstage refuses
// relative paths in file locations altogether for fear of path traversal;
// this is the safe version users ask for.
type FileReader struct {
	base    string // absolute, cleaned
	dir     string // directory of the entity's file
	MaxSize int64
	// URLs, when set, reads targets that are absolute http(s) URLs.
	URLs *URLReader

	once     sync.Once
	realBase string
	baseErr  error

	mu     sync.Mutex
	files  []string // files read, for providers that watch them
	remote bool     // a URL was read
}

// Reads returns the files ReadRelative has read (absolute paths) and
// whether it read any URL: a file location watches those files and re-reads
// URLs on its re-scan, so an edit to a placeholder's target shows without
// touching the entity's own file.
func (r *FileReader) Reads() (files []string, remote bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.files...), r.remote
}

func (r *FileReader) record(path string, remote bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if remote {
		r.remote = true
	} else {
		r.files = append(r.files, path)
	}
}

// NewFileReader returns a reader for an entity read from entityFile, confined
// to baseDir.
func NewFileReader(baseDir, entityFile string) *FileReader {
	base, err := filepath.Abs(baseDir)
	if err != nil {
		base = filepath.Clean(baseDir)
	}
	file, err := filepath.Abs(entityFile)
	if err != nil {
		file = filepath.Clean(entityFile)
	}
	return &FileReader{base: base, dir: filepath.Dir(file), MaxSize: DefaultMaxReadSize}
}

// ReadRelative implements Reader.
func (r *FileReader) ReadRelative(ctx context.Context, target string) ([]byte, string, error) {
	if isHTTPURL(target) {
		if r.URLs == nil {
			return nil, target, fmt.Errorf("URL %s is not readable from a file location without backend.reading.allow", target)
		}
		r.record(target, true)
		return r.URLs.Read(ctx, target)
	}
	if strings.Contains(target, "://") || strings.HasPrefix(target, "file:") {
		return nil, target, fmt.Errorf("only relative paths and http(s) URLs are allowed")
	}
	if filepath.IsAbs(target) || strings.HasPrefix(target, "/") || strings.HasPrefix(target, `\`) {
		return nil, target, fmt.Errorf("absolute paths are not allowed; use a path relative to the entity's file")
	}
	path := filepath.Join(r.dir, filepath.FromSlash(target))
	if within(r.base, path) {
		// Watched even when missing or unreadable: creating or fixing it
		// must be noticed too.
		r.record(path, false)
	}
	if !within(r.base, path) {
		return nil, path, fmt.Errorf("resolves to %s, outside the location's base directory %s", path, r.base)
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, path, fmt.Errorf("file %s does not exist", path)
		}
		return nil, path, fmt.Errorf("resolve %s: %w", path, err)
	}
	r.once.Do(func() { r.realBase, r.baseErr = filepath.EvalSymlinks(r.base) })
	if r.baseErr != nil {
		return nil, path, fmt.Errorf("resolve base directory %s: %w", r.base, r.baseErr)
	}
	if !within(r.realBase, real) {
		return nil, path, fmt.Errorf("%s is a symlink to %s, outside the location's base directory %s", path, real, r.base)
	}
	data, err := readFileLimited(real, r.maxSize())
	if err != nil {
		return nil, path, err
	}
	return data, path, nil
}

func (r *FileReader) maxSize() int64 {
	if r.MaxSize > 0 {
		return r.MaxSize
	}
	return DefaultMaxReadSize
}

// within reports whether path is base or below it.
func within(base, path string) bool {
	rel, err := filepath.Rel(base, path)
	if err != nil {
		return false
	}
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

func readFileLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if info.Size() > limit {
		return nil, TooLarge(path, info.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, TooLarge(path, -1, limit)
	}
	return data, nil
}

// TooLarge is the error of a read refused by the read limit (here, and in
// readers of other sources: S3 objects, descriptor files). It names the
// key that raises the limit; size is -1 when only "more than limit" is
// known.
func TooLarge(what string, size, limit int64) error {
	if size < 0 {
		return fmt.Errorf("%s is larger than the read limit of %d bytes (backend.reading.maxBytes)", what, limit)
	}
	return fmt.Errorf("%s is %d bytes, larger than the read limit of %d bytes (backend.reading.maxBytes)", what, size, limit)
}

func isHTTPURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// FSReader resolves placeholder targets inside an fs.FS (the embedded demo
// catalog), relative to the entity's file; paths cannot leave the FS.
type FSReader struct {
	FS   fs.FS
	File string // the entity's file, slash-separated, relative to FS's root
}

// ReadRelative implements Reader.
func (r FSReader) ReadRelative(_ context.Context, target string) ([]byte, string, error) {
	if strings.HasPrefix(target, "/") || strings.Contains(target, "://") {
		return nil, target, fmt.Errorf("only relative paths are allowed")
	}
	dir := filepath.ToSlash(filepath.Dir(filepath.FromSlash(r.File)))
	p := filepath.ToSlash(filepath.Clean(filepath.Join(dir, filepath.FromSlash(target))))
	if !fs.ValidPath(p) {
		return nil, p, fmt.Errorf("resolves outside the catalog")
	}
	data, err := fs.ReadFile(r.FS, p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, p, fmt.Errorf("file %s does not exist", p)
		}
		return nil, p, fmt.Errorf("read %s: %w", p, err)
	}
	return data, p, nil
}

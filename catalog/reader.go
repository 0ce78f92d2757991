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
	"syscall"
	"time"
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

	// realBase is base with its symlinks resolved, once, on the first
	// read (or by NewResolvedFileReader).
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

// NewResolvedFileReader is NewFileReader for a base directory whose
// symlinks the caller has resolved already, to realBase
// (filepath.EvalSymlinks): a bulk load reads thousands of entities under
// one base, which NewFileReader's readers would each resolve again.
// realBase is taken only for an absolute, clean baseDir, the one the
// reader is confined to.
func NewResolvedFileReader(baseDir, realBase, entityFile string) *FileReader {
	r := NewFileReader(baseDir, entityFile)
	if r.base == baseDir {
		r.realBase = realBase
	}
	return r
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
	real, err := r.resolveInside(path)
	if err != nil {
		return nil, path, err
	}
	data, err := ReadRegularFile(ctx, real, r.maxSize())
	if err != nil {
		return nil, path, err
	}
	return data, path, nil
}

// resolveInside resolves symlinks in path and refuses a result outside the
// base directory. A symlink that leads outside, whether or not its target
// exists, gets one message that names neither the target nor whether it
// exists: a catalog's author must not learn about the portal's disk.
func (r *FileReader) resolveInside(path string) (string, error) {
	r.once.Do(func() {
		if r.realBase == "" { // not given to NewResolvedFileReader
			r.realBase, r.baseErr = filepath.EvalSymlinks(r.base)
		}
	})
	if r.baseErr != nil {
		return "", fmt.Errorf("resolve base directory %s: %w", r.base, r.baseErr)
	}
	outside := fmt.Errorf("%s leads through a symlink outside the location's base directory %s, or to nothing", path, r.base)
	real, err := resolveBelow(r.base, r.realBase, path)
	if errors.Is(err, fs.ErrNotExist) {
		if r.existingPartInside(path) {
			return "", fmt.Errorf("file %s does not exist", path)
		}
		return "", outside
	}
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", path, err)
	}
	if !within(r.realBase, real) {
		return "", outside
	}
	return real, nil
}

// existingPartInside reports whether the longest part of path that exists
// resolves inside the base directory (so "does not exist" tells nothing
// about anything outside it).
func (r *FileReader) existingPartInside(path string) bool {
	p := path
	for {
		if _, err := os.Lstat(p); err == nil {
			break
		}
		parent := filepath.Dir(p)
		if parent == p {
			return false
		}
		p = parent
	}
	real, err := filepath.EvalSymlinks(p)
	return err == nil && within(r.realBase, real)
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

// fileReadTimeout bounds one file read whatever the caller's context says:
// a file on a hung network mount must not stall ingest for good.
const fileReadTimeout = 30 * time.Second

// ReadRegularFile reads a regular file of at most limit bytes. Anything
// else (a FIFO, a device, a socket) is refused before it is opened, since
// opening a FIFO blocks until someone writes to it; the open itself is
// non-blocking and the opened file is checked again, so one swapped in
// between is refused too. The read gives up when ctx ends or after
// fileReadTimeout.
func ReadRegularFile(ctx context.Context, path string, limit int64) ([]byte, error) {
	return readRegularFile(ctx, path, limit, path, nil)
}

// readRegularFile is ReadRegularFile whose size errors name the file as
// what, reading into buf when the file fits in its capacity.
func readRegularFile(ctx context.Context, path string, limit int64, what string, buf []byte) ([]byte, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return nil, err // "lstat <path>: ..." names the file already
	}
	if err := checkRegular(path, info, limit, what); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if info, err = f.Stat(); err != nil {
		f.Close()
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	if err := checkRegular(path, info, limit, what); err != nil {
		f.Close()
		return nil, err
	}
	return readWithDeadline(ctx, f, path, info.Size(), limit, buf)
}

func checkRegular(path string, info fs.FileInfo, limit int64, what string) error {
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file (%s); only regular files are read", path, fileKind(info.Mode()))
	}
	if info.Size() > limit {
		return TooLarge(what, info.Size(), limit)
	}
	return nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	case m.IsDir():
		return "a directory"
	}
	return "mode " + m.String()
}

// readWithDeadline reads f (and closes it) in a goroutine, so that a read
// that never returns leaves only that goroutine behind, not the caller.
// size is what f's stat said (a hint: the file may have changed since);
// the buffer starts at that size, so a bulk load reads each file into one
// allocation instead of growing a buffer from 512 bytes; into buf, when it
// holds that much. A read that gives up leaves buf to the goroutine.
func readWithDeadline(ctx context.Context, f *os.File, path string, size, limit int64, buf []byte) ([]byte, error) {
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		defer f.Close()
		data, err := readAllSized(io.LimitReader(f, limit+1), min(max(size, 0), limit)+1, buf)
		done <- result{data, err}
	}()
	timer := time.NewTimer(fileReadTimeout)
	defer timer.Stop()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		return nil, fmt.Errorf("read %s: %w", path, ctx.Err())
	case <-timer.C:
		return nil, fmt.Errorf("read %s: no data after %s", path, fileReadTimeout)
	}
	if r.err != nil {
		return nil, fmt.Errorf("read %s: %w", path, r.err)
	}
	if int64(len(r.data)) > limit {
		return nil, TooLarge(path, -1, limit)
	}
	return r.data, nil
}

// readAllSized is io.ReadAll with a first buffer of capacity size (one byte
// more than the expected content, so that reaching EOF needs no growth):
// buf, when it is that large.
func readAllSized(r io.Reader, size int64, buf []byte) ([]byte, error) {
	b := buf[:0]
	if int64(cap(buf)) < size {
		b = make([]byte, 0, size)
	}
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
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

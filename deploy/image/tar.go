package image

import (
	"archive/tar"
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"
)

// file is one entry of a layer.
type file struct {
	path     string // absolute, slash-separated
	dir      bool
	mode     int64
	uid, gid int
	data     []byte
}

// tarFiles writes files, and their parent directories, as a tar stream in
// path order with one modification time, so the same input gives the same
// layer digest.
func tarFiles(files []file, mtime time.Time) ([]byte, error) {
	entries := map[string]file{}
	for _, f := range files {
		name := strings.TrimPrefix(path.Clean(f.path), "/")
		if name == "" || name == "." {
			return nil, fmt.Errorf("layer entry %q: not a path below /", f.path)
		}
		entries[name] = f
		for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
			if _, ok := entries[dir]; !ok {
				entries[dir] = file{path: "/" + dir, dir: true, mode: 0o755}
			}
		}
	}
	names := make([]string, 0, len(entries))
	for name := range entries {
		names = append(names, name)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range names {
		if err := writeEntry(tw, name, entries[name], mtime); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("close layer tar: %w", err)
	}
	return buf.Bytes(), nil
}

func writeEntry(tw *tar.Writer, name string, f file, mtime time.Time) error {
	hdr := &tar.Header{
		Name:    name,
		Mode:    f.mode,
		Uid:     f.uid,
		Gid:     f.gid,
		ModTime: mtime.UTC(),
	}
	if f.dir {
		hdr.Typeflag, hdr.Name = tar.TypeDir, name+"/"
	} else {
		hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(f.data))
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("layer entry %s: %w", name, err)
	}
	if _, err := tw.Write(f.data); err != nil {
		return fmt.Errorf("layer entry %s: %w", name, err)
	}
	return nil
}

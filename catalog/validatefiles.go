package catalog

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// ValidateFiles checks descriptor files the way ingest would, for the
// `portico validate PATH...` command that CI pipelines run before they
// publish catalog files. A directory is searched recursively for *.yaml and
// *.yml; placeholder targets are read relative to each file, confined to the
// directory given (or the file's directory). Inside a directory, documents
// with neither apiVersion nor kind are not descriptors (an OpenAPI file
// beside catalog-info.yaml) and are skipped; files named explicitly are
// checked in full. Problems name file, document, entity and field; an empty
// result means every file is valid. Only the built-in kinds are known; a
// program whose features add kinds validates with Catalog.ValidateFiles.
// When ctx ends (SIGTERM) it stops at the next file, and the last problem
// says which file was not checked.
func ValidateFiles(ctx context.Context, paths []string) []Problem {
	return New(nil, Options{}).ValidateFiles(ctx, paths)
}

// ValidateFiles is the package's ValidateFiles with the catalog's kinds:
// the built-in ones and those added with AddKind.
func (c *Catalog) ValidateFiles(ctx context.Context, paths []string) []Problem {
	return c.Validate(ctx, paths).Problems
}

// Validation is what Validate checked and what it found.
type Validation struct {
	Paths    int // the paths given (files or directories)
	Files    int // descriptor files read
	Entities int // descriptors checked
	Problems []Problem
}

// Validate is ValidateFiles with counts of what was checked, so that a
// clean run can say what it looked at.
func (c *Catalog) Validate(ctx context.Context, paths []string) Validation {
	v := Validation{Paths: len(paths)}
	for _, p := range paths {
		files, base, isDir, err := descriptorFiles(p)
		if err != nil {
			v.Problems = append(v.Problems, Problem{File: p, Message: err.Error()})
			continue
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				v.Problems = append(v.Problems, Problem{File: f, Message: fmt.Sprintf("not checked: %v", err)})
				return v
			}
			n, problems := c.validateFile(ctx, f, base, isDir)
			v.Files++
			v.Entities += n
			v.Problems = append(v.Problems, problems...)
		}
	}
	return v
}

// descriptorFiles lists the YAML files under path and the base directory
// their placeholders are confined to.
func descriptorFiles(path string) (files []string, base string, isDir bool, err error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, "", false, fmt.Errorf("cannot read: %w", err)
	}
	if !info.IsDir() {
		return []string{path}, filepath.Dir(path), false, nil
	}
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != path && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && isYAMLFile(p) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, "", true, fmt.Errorf("walk: %w", err)
	}
	sort.Strings(files)
	return files, path, true, nil
}

func isYAMLFile(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	return ext == ".yaml" || ext == ".yml"
}

// validateFile checks one file and returns how many descriptors it checked
// and their problems.
func (c *Catalog) validateFile(ctx context.Context, file, base string, lenient bool) (int, []Problem) {
	data, err := readDescriptor(ctx, file)
	if err != nil {
		return 0, []Problem{{File: file, Message: fmt.Sprintf("cannot read: %v", err)}}
	}
	entities, problems := ParseYAML(data, Source{Location: file, Reader: NewFileReader(base, file)})
	if lenient {
		problems = slices.DeleteFunc(problems, func(p Problem) bool {
			return strings.HasPrefix(p.Message, notObjectMessage)
		})
	}
	checked := 0
	for _, d := range entities {
		if lenient && d.Entity.APIVersion == "" && d.Entity.Kind == "" {
			continue
		}
		checked++
		pe := c.Process(ctx, "validate", d)
		problems = append(problems, pe.Problems...)
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Document < problems[j].Document })
	return checked, problems
}

// maxDescriptorSize bounds one descriptor file, as the file provider does.
const maxDescriptorSize = 32 << 20

// readDescriptor reads a descriptor file named on the command line or found
// in a directory: through a symlink if it is one, never from a FIFO or a
// device (which would block or never end).
func readDescriptor(ctx context.Context, file string) ([]byte, error) {
	real, err := filepath.EvalSymlinks(file)
	if err != nil {
		return nil, err
	}
	return ReadRegularFile(ctx, real, maxDescriptorSize)
}

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
// clean run can say what it looked at. A file that holds Location entities
// has its targets followed as a file location would (relative targets,
// globs, nested Locations, a cycle or a missing target reported on the
// Location that names it, files outside the directory given refused); url
// targets are not fetched. Each file is checked once.
func (c *Catalog) Validate(ctx context.Context, paths []string) Validation {
	v := Validation{Paths: len(paths)}
	seen := map[string]bool{}
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
			abs := absPath(f)
			if seen[abs] {
				continue
			}
			seen[abs] = true
			n, problems, hasLocations := c.validateFile(ctx, f, base, isDir)
			v.Files++
			v.Entities += n
			v.Problems = append(v.Problems, problems...)
			if hasLocations {
				c.followTargets(ctx, abs, absPath(base), &v, seen)
			}
		}
	}
	v.Problems = uniqueProblems(v.Problems)
	return v
}

// followTargets checks what the Location entities of file name, to any
// depth, with the file locations' own reader confined to root.
func (c *Catalog) followTargets(ctx context.Context, file, root string, v *Validation, seen map[string]bool) {
	reads := FollowLocations(ctx, validateTargets{&Targets{Roots: []string{root}}}, []LocationSpec{{Type: "file", Target: file}}, "file:"+file)
	for _, r := range reads {
		if r.Location.Type != "file" {
			continue
		}
		key := r.Location.Target
		checked := key == file || seen[key]
		add := func(ps []Problem) {
			for _, p := range ps {
				p.File = strings.TrimPrefix(p.File, "file:") // as the files named on the command line
				v.Problems = append(v.Problems, p)
			}
		}
		if !checked && r.Failed != nil {
			add(r.Failed.Problems)
		}
		for _, d := range r.Entities {
			if checked {
				add(d.Problems) // its targets' problems
				continue
			}
			v.Entities++
			add(c.Process(ctx, "validate", d).Problems)
		}
		if !checked && !r.Missing {
			seen[key] = true
			v.Files++
		}
	}
}

// validateTargets follows file targets only: validate runs without the
// portal's configuration and modules, so url targets (and types a module
// may read, such as github-discovery) are neither fetched nor refused.
type validateTargets struct{ *Targets }

func (t validateTargets) ResolveTarget(ctx context.Context, from LocationSpec, typ, target string) (Resolved, error) {
	if typ != "file" {
		return Resolved{}, nil
	}
	return t.Targets.ResolveTarget(ctx, from, typ, target)
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return filepath.Clean(p)
}

// uniqueProblems drops repeats (a Location reached from two files) and
// keeps the order.
func uniqueProblems(in []Problem) []Problem {
	seen := map[Problem]bool{}
	out := in[:0]
	for _, p := range in {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
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

// validateFile checks one file and returns how many descriptors it checked,
// their problems, and whether it holds Location entities.
func (c *Catalog) validateFile(ctx context.Context, file, base string, lenient bool) (int, []Problem, bool) {
	data, err := readDescriptor(ctx, file)
	if err != nil {
		return 0, []Problem{{File: file, Message: fmt.Sprintf("cannot read: %v", err)}}, false
	}
	entities, problems := ParseYAML(data, Source{Location: file, Reader: NewFileReader(base, file)})
	if lenient {
		problems = slices.DeleteFunc(problems, func(p Problem) bool {
			return strings.HasPrefix(p.Message, notObjectMessage)
		})
	}
	checked, hasLocations := 0, false
	for _, d := range entities {
		if lenient && d.Entity.APIVersion == "" && d.Entity.Kind == "" {
			continue
		}
		checked++
		hasLocations = hasLocations || strings.EqualFold(d.Entity.Kind, "Location")
		pe := c.Process(ctx, "validate", d)
		problems = append(problems, pe.Problems...)
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Document < problems[j].Document })
	return checked, problems, hasLocations
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

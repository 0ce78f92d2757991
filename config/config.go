// Package config owns Portico's configuration: loading and merging
// app-config files with Backstage's substitutions, decoding any section into
// a typed struct with errors that name the file and key path, the one
// duration parser, and the settings the backend itself reads.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// Config is a view of Portico's configuration tree (app-config.yaml and its
// overrides, merged) rooted at one key path. Features receive their own
// section as a Config and decode it with Decode; a missing section is an
// empty Config, so "no config, no work" needs no nil checks.
//
// A Config remembers which file set each key, so decode errors name the file
// and the key path: "app-config.yaml: backend.listen.port: expected a whole
// number, got \"abc\"". It also records which keys features read, so the backend can
// warn once about keys nobody uses.
type Config struct {
	tree  *shared
	path  string // dotted path of this view from the root; "" for the root
	value any    // the subtree: map[string]any, []any, string, bool, int, float64 or nil
}

// shared is what all views of one loaded configuration share.
type shared struct {
	files   []string          // the files, in load order
	origin  map[string]string // dotted key path -> file that set it last
	missing []string          // environment variables referenced but not set

	mu   sync.Mutex
	used map[string]bool // dotted key paths features looked at
}

// Error is a configuration problem at one key path. File is the file
// that set the key (or its nearest parent), empty for configuration built in
// code.
type Error struct {
	File    string
	Path    string
	Message string
}

// Error renders "file: key.path: message".
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Load reads and merges configuration files in order: a later file
// overrides an earlier one key by key (maps are merged deeply, lists and
// scalars are replaced), as Backstage does with several --config flags.
// Strings have ${VAR} replaced from the environment ($${ escapes a literal
// ${); a value whose variable is not set is treated as absent. The
// directives {$env: VAR} and {$file: path} are supported too. With no files
// the configuration is empty and every key takes its default.
func Load(files ...string) (*Config, error) {
	return loadConfig(os.LookupEnv, files)
}

func loadConfig(lookup func(string) (string, bool), files []string) (*Config, error) {
	tree := &shared{origin: map[string]string{}, used: map[string]bool{}}
	root := map[string]any{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		doc, err := parseConfigYAML(file, data)
		if err != nil {
			return nil, err
		}
		sub := substituter{lookup: lookup, file: file, dir: filepath.Dir(file)}
		v, keep, err := sub.value(doc, "")
		if err != nil {
			return nil, err
		}
		tree.missing = append(tree.missing, sub.missing...)
		m, ok := v.(map[string]any)
		if keep && v != nil && !ok {
			return nil, &Error{File: file, Message: "expected a map of keys at the top level"}
		}
		mergeConfig(root, m, "", file, tree.origin)
		tree.files = append(tree.files, file)
	}
	slices.Sort(tree.missing)
	tree.missing = slices.Compact(tree.missing)
	return &Config{tree: tree, value: root}, nil
}

// New returns a configuration built in code, for tests and for
// programs that do not read files. data is the tree as YAML would decode it
// (maps of string keys, lists, scalars); it is used as is, without
// environment substitution.
func New(data map[string]any) *Config {
	if data == nil {
		data = map[string]any{}
	}
	tree := &shared{origin: map[string]string{}, used: map[string]bool{}}
	return &Config{tree: tree, value: normalize(data)}
}

// Parse parses one YAML document as if it had been read from a file
// called name (which appears in error messages), with environment
// substitution. It is Load for configuration held in memory.
func Parse(name string, data []byte) (*Config, error) {
	doc, err := parseConfigYAML(name, data)
	if err != nil {
		return nil, err
	}
	sub := substituter{lookup: os.LookupEnv, file: name, dir: "."}
	v, _, err := sub.value(doc, "")
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if v != nil && !ok {
		return nil, &Error{File: name, Message: "expected a map of keys at the top level"}
	}
	tree := &shared{origin: map[string]string{}, used: map[string]bool{}, files: []string{name}, missing: sub.missing}
	root := map[string]any{}
	mergeConfig(root, m, "", name, tree.origin)
	return &Config{tree: tree, value: root}, nil
}

func parseConfigYAML(file string, data []byte) (any, error) {
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{File: file, Message: fmt.Sprintf("invalid YAML: %v", strings.TrimPrefix(err.Error(), "yaml: "))}
	}
	return normalize(doc), nil
}

// normalize turns map[any]any and typed slices into the map[string]any and
// []any shapes the rest of the config code expects.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, item := range t {
			out[k] = normalize(item)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, item := range t {
			out[fmt.Sprint(k)] = normalize(item)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			out[i] = normalize(item)
		}
		return out
	case []string:
		out := make([]any, len(t))
		for i, item := range t {
			out[i] = item
		}
		return out
	case []map[string]any:
		out := make([]any, len(t))
		for i, item := range t {
			out[i] = normalize(item)
		}
		return out
	default:
		return v
	}
}

// mergeConfig merges src into dst: maps deeply, everything else replaced.
// It records the file of every key it sets.
func mergeConfig(dst, src map[string]any, prefix, file string, origin map[string]string) {
	for k, v := range src {
		path := joinPath(prefix, k)
		origin[path] = file
		sm, srcIsMap := v.(map[string]any)
		dm, dstIsMap := dst[k].(map[string]any)
		if srcIsMap && dstIsMap {
			mergeConfig(dm, sm, path, file, origin)
			continue
		}
		if srcIsMap {
			dm = map[string]any{}
			mergeConfig(dm, sm, path, file, origin)
			dst[k] = dm
			continue
		}
		dst[k] = v
		recordOrigins(v, path, file, origin)
	}
}

func recordOrigins(v any, path, file string, origin map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		for k, item := range t {
			p := joinPath(path, k)
			origin[p] = file
			recordOrigins(item, p, file, origin)
		}
	case []any:
		for i, item := range t {
			p := fmt.Sprintf("%s[%d]", path, i)
			origin[p] = file
			recordOrigins(item, p, file, origin)
		}
	}
}

func joinPath(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// Files returns the files the configuration was loaded from, in order.
func (c *Config) Files() []string { return slices.Clone(c.tree.files) }

// MissingEnv lists the environment variables the configuration refers to
// that were not set; the keys that use them are treated as absent.
func (c *Config) MissingEnv() []string { return slices.Clone(c.tree.missing) }

// Path returns the dotted key path of this view ("" for the root).
func (c *Config) Path() string { return c.path }

// Raw returns the subtree as YAML decoded it: map[string]any, []any, a
// string, bool, int, float64, or nil when absent. Reading it marks the whole
// section as used.
func (c *Config) Raw() any {
	c.markUsed(c.path)
	return c.value
}

// Sub returns the view of the section at path (dotted keys relative to c).
// A missing section gives an empty view whose Has reports false.
func (c *Config) Sub(path string) *Config {
	v := c.value
	full := c.path
	for _, key := range splitPath(path) {
		full = joinPath(full, key)
		m, _ := v.(map[string]any)
		v = m[key]
	}
	c.markUsed(full)
	return &Config{tree: c.tree, path: full, value: v}
}

// Section returns the top-level section key without marking it used: a
// plugin owning a section is not the same as reading it.
func (c *Config) Section(key string) *Config {
	m, _ := c.value.(map[string]any)
	return &Config{tree: c.tree, path: key, value: m[key]}
}

// Has reports whether a value is set at path (relative to c); Has("")
// reports whether this section itself is set.
func (c *Config) Has(path string) bool {
	return c.Sub(path).value != nil
}

// Keys returns the keys of this section, sorted; none when it is not a map.
func (c *Config) Keys() []string {
	m, _ := c.value.(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// File returns the file that set this section (or its nearest parent), for
// features whose own parsers return errors that already name the key path.
func (c *Config) File() string { return c.fileOf(c.path) }

// Errorf returns an *Error for the key at path (relative to c), naming
// the file that set it. Features use it for their own validation so their
// messages look like the backend's.
func (c *Config) Errorf(path, format string, args ...any) error {
	full := c.path
	for _, key := range splitPath(path) {
		full = joinPath(full, key)
	}
	return &Error{File: c.fileOf(full), Path: full, Message: fmt.Sprintf(format, args...)}
}

// fileOf returns the file that set path, or of its nearest parent that a
// file set, or the last file loaded.
func (c *Config) fileOf(path string) string {
	for p := path; p != ""; p = parentPath(p) {
		if f, ok := c.tree.origin[p]; ok {
			return f
		}
	}
	if n := len(c.tree.files); n > 0 {
		return c.tree.files[n-1]
	}
	return ""
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func splitPath(path string) []string {
	if path == "" {
		return nil
	}
	return strings.Split(path, ".")
}

func (c *Config) markUsed(path string) {
	if path == "" {
		return
	}
	c.tree.mu.Lock()
	c.tree.used[path] = true
	c.tree.mu.Unlock()
}

// usedUnder reports whether path or any key below it was looked at.
func (t *shared) usedUnder(path string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for p := range t.used {
		if p == path || strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[") {
			return true
		}
	}
	return false
}

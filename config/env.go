package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// substituter applies Backstage's config substitutions to one file's tree:
// ${VAR} in strings, $${ as an escaped ${, and the {$env: VAR} and
// {$file: path} directives.
type substituter struct {
	lookup  func(string) (string, bool)
	file    string // for messages
	dir     string // $file paths are relative to it
	missing []string
}

// value returns v with substitutions applied; keep is false when v refers
// to an unset environment variable and must be treated as absent.
func (s *substituter) value(v any, path string) (out any, keep bool, err error) {
	switch t := v.(type) {
	case string:
		return s.str(t)
	case []any:
		list := make([]any, 0, len(t))
		for i, item := range t {
			sv, ok, err := s.value(item, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, false, err
			}
			if ok {
				list = append(list, sv)
			}
		}
		return list, true, nil
	case map[string]any:
		if d, ok := directive(t); ok {
			return s.directive(d, t[d], path)
		}
		m := make(map[string]any, len(t))
		for k, item := range t {
			sv, ok, err := s.value(item, joinPath(path, k))
			if err != nil {
				return nil, false, err
			}
			if ok {
				m[k] = sv
			}
		}
		return m, true, nil
	default:
		return v, true, nil
	}
}

// directive reports the $-directive a single-key map stands for.
func directive(m map[string]any) (string, bool) {
	if len(m) != 1 {
		return "", false
	}
	for k := range m {
		if k == "$env" || k == "$file" {
			return k, true
		}
	}
	return "", false
}

func (s *substituter) directive(name string, arg any, path string) (any, bool, error) {
	target, ok := arg.(string)
	if !ok || target == "" {
		return nil, false, &Error{File: s.file, Path: path, Message: fmt.Sprintf("%s: expected a string", name)}
	}
	switch name {
	case "$env":
		v, ok := s.lookup(target)
		if !ok {
			s.missing = append(s.missing, target)
			return nil, false, nil
		}
		return v, true, nil
	default: // $file
		p := target
		if !filepath.IsAbs(p) {
			p = filepath.Join(s.dir, p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, false, &Error{File: s.file, Path: path, Message: fmt.Sprintf("$file: %v", err)}
		}
		return strings.TrimRight(string(data), "\r\n"), true, nil
	}
}

// str replaces ${VAR} references; $${ is a literal ${. A reference to an
// unset variable makes the whole value absent, as in Backstage.
func (s *substituter) str(in string) (any, bool, error) {
	if !strings.Contains(in, "${") {
		return in, true, nil
	}
	var b strings.Builder
	rest := in
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		if i > 0 && rest[i-1] == '$' {
			b.WriteString(rest[:i-1])
			b.WriteString("${")
			rest = rest[i+2:]
			continue
		}
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			b.WriteString(rest)
			break
		}
		name := strings.TrimSpace(rest[i+2 : i+end])
		val, ok := s.lookup(name)
		if !ok {
			s.missing = append(s.missing, name)
			return nil, false, nil
		}
		b.WriteString(rest[:i])
		b.WriteString(val)
		rest = rest[i+end+1:]
	}
	return b.String(), true, nil
}

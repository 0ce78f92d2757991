package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// resolvePlaceholders replaces every {$text|$json|$yaml: target} object in
// the entity's spec and unknown metadata fields with what the target holds,
// read through the source's Reader. Objects with one other $-key are left
// alone, as Backstage does. Failures are problems on the field.
func resolvePlaceholders(ctx context.Context, pc *ProcessContext) {
	// The document is level 1; spec and metadata are level 2.
	if pc.Entity.Spec != nil {
		resolveMap(ctx, pc, "spec", pc.Entity.Spec, 2)
	}
	if pc.Entity.Metadata.Extra != nil {
		resolveMap(ctx, pc, "metadata", pc.Entity.Metadata.Extra, 2)
	}
}

// resolveMap resolves placeholders in m's values in place; m is the
// entity's own deep copy, nested level deep in the document.
func resolveMap(ctx context.Context, pc *ProcessContext, path string, m map[string]any, level int) {
	for k, v := range m {
		if r, ok := resolveValue(ctx, pc, path+"."+k, v, level+1); ok {
			m[k] = r
		}
	}
}

// resolveValue returns the replacement for v, which sits level deep in the
// document, and whether v was replaced.
func resolveValue(ctx context.Context, pc *ProcessContext, path string, v any, level int) (any, bool) {
	switch t := v.(type) {
	case map[string]any:
		if kind, target, ok := placeholder(t); ok {
			r := resolveOne(ctx, pc, path, kind, target)
			if _, over := tooDeep(r, MaxEntityDepth-level+1, nil); over {
				pc.AddProblem(path, fmt.Sprintf("%s %s: nests the entity more than %d levels deep; Portico refuses deeper entity documents", kind, target, MaxEntityDepth))
				return nil, true
			}
			return r, true
		}
		resolveMap(ctx, pc, path, t, level)
	case []any:
		for i, item := range t {
			if r, ok := resolveValue(ctx, pc, path+"["+strconv.Itoa(i)+"]", item, level+1); ok {
				t[i] = r
			}
		}
	}
	return nil, false
}

func placeholder(m map[string]any) (kind, target string, ok bool) {
	if len(m) != 1 {
		return "", "", false
	}
	for k, v := range m {
		if k != "$text" && k != "$json" && k != "$yaml" {
			return "", "", false
		}
		s, isString := v.(string)
		return k, s, isString
	}
	return "", "", false
}

// resolveOne reads one placeholder. On failure it records a problem and
// returns nil; the entity is then invalid and never stored with the nil.
func resolveOne(ctx context.Context, pc *ProcessContext, path, kind, target string) any {
	if pc.Source.Reader == nil {
		pc.AddProblem(path, fmt.Sprintf("%s %s: placeholders are not supported for entities from this source", kind, target))
		return nil
	}
	data, location, err := pc.Source.Reader.ReadRelative(ctx, target)
	if err != nil {
		pc.AddProblem(path, fmt.Sprintf("%s %s: %v", kind, target, err))
		return nil
	}
	if path == "spec.definition" && kind == "$text" {
		setDefinitionLocation(pc.Entity, location)
	}
	switch kind {
	case "$json":
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			pc.AddProblem(path, fmt.Sprintf("$json %s: %s is not valid JSON: %v", target, location, err))
			return nil
		}
		return v
	case "$yaml":
		v, err := decodeSingleYAML(data)
		if err != nil {
			pc.AddProblem(path, fmt.Sprintf("$yaml %s: %s: %v", target, location, err))
			return nil
		}
		return v
	default:
		return string(data)
	}
}

// setDefinitionLocation records where a $text definition was read from, in
// the form of the managed-by-location annotation; readers of other sources
// leave it unset (their definitions' relative $refs resolve against the
// entity's location).
func setDefinitionLocation(e *Entity, location string) {
	var v string
	switch {
	case isHTTPURL(location):
		v = "url:" + location
	case filepath.IsAbs(location):
		v = "file:" + location
	default:
		return
	}
	if e.Metadata.Annotations == nil {
		e.Metadata.Annotations = map[string]string{}
	}
	e.Metadata.Annotations[AnnotationDefinitionLocation] = v
}

// decodeSingleYAML decodes exactly one YAML document.
func decodeSingleYAML(data []byte) (any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("must contain exactly one YAML document, found none")
		}
		return nil, fmt.Errorf("malformed YAML: %s", trimYAMLPrefix(err.Error()))
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("must contain exactly one YAML document, found more")
	}
	return Normalize(v), nil
}

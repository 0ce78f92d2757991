package threescale

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
)

// toOpenAPI3 turns one ActiveDocs body into an OpenAPI 3 document as a
// generic JSON object: OpenAPI 3 as is, Swagger 2.0 converted with
// kin-openapi. Swagger 1.2 cannot be converted faithfully and is reported.
func toOpenAPI3(body string) (map[string]any, error) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		return nil, fmt.Errorf("the doc body is not valid JSON: %w", err)
	}
	switch {
	case isVersion(doc["openapi"], "3."):
		return doc, nil
	case isVersion(doc["swagger"], "2."):
		var v2 openapi2.T
		if err := json.Unmarshal([]byte(body), &v2); err != nil {
			return nil, fmt.Errorf("read Swagger 2.0 doc: %w", err)
		}
		v3, err := openapi2conv.ToV3(&v2)
		if err != nil {
			return nil, fmt.Errorf("convert Swagger 2.0 to OpenAPI 3: %w", err)
		}
		data, err := json.Marshal(v3)
		if err != nil {
			return nil, fmt.Errorf("write converted doc: %w", err)
		}
		var out map[string]any
		if err := json.Unmarshal(data, &out); err != nil {
			return nil, fmt.Errorf("read converted doc: %w", err)
		}
		return out, nil
	case doc["swaggerVersion"] != nil:
		return nil, fmt.Errorf("Swagger %v docs are not supported: convert the ActiveDoc to OpenAPI 3 (or Swagger 2.0) in 3scale", doc["swaggerVersion"])
	}
	return nil, fmt.Errorf("the doc body is neither OpenAPI 3 nor Swagger 2.0 (no openapi or swagger version field)")
}

func isVersion(v any, prefix string) bool {
	s, ok := v.(string)
	return ok && strings.HasPrefix(s, prefix)
}

// mergeDocs merges several OpenAPI 3 documents of one service into one:
// the first doc's header (info, servers, security), the union of paths,
// components and tags. A path or component defined by two docs keeps the
// first definition and is reported in notes.
func mergeDocs(title string, docs []map[string]any) (map[string]any, []string) {
	if len(docs) == 1 {
		return docs[0], nil
	}
	out := map[string]any{}
	for k, v := range docs[0] {
		out[k] = v
	}
	var notes []string
	paths := copyMap(docs[0]["paths"])
	components := map[string]any{}
	for section, v := range asObject(docs[0]["components"]) {
		components[section] = copyMap(v)
	}
	tags, tagSeen := []any{}, map[string]bool{}
	addTags := func(list any) {
		items, _ := list.([]any)
		for _, t := range items {
			name := fmt.Sprint(asObject(t)["name"])
			if !tagSeen[name] {
				tagSeen[name] = true
				tags = append(tags, t)
			}
		}
	}
	addTags(docs[0]["tags"])
	for i, doc := range docs[1:] {
		for _, p := range slices.Sorted(maps.Keys(asObject(doc["paths"]))) {
			if _, dup := paths[p]; dup {
				notes = append(notes, fmt.Sprintf("doc %d: path %s already defined by an earlier doc; kept the first", i+2, p))
				continue
			}
			paths[p] = asObject(doc["paths"])[p]
		}
		for section, v := range asObject(doc["components"]) {
			dst, _ := components[section].(map[string]any)
			if dst == nil {
				dst = map[string]any{}
				components[section] = dst
			}
			for _, name := range slices.Sorted(maps.Keys(asObject(v))) {
				if _, dup := dst[name]; dup {
					notes = append(notes, fmt.Sprintf("doc %d: components.%s.%s already defined; kept the first", i+2, section, name))
					continue
				}
				dst[name] = asObject(v)[name]
			}
		}
		addTags(doc["tags"])
	}
	out["paths"] = paths
	if len(components) > 0 {
		out["components"] = components
	}
	if len(tags) > 0 {
		out["tags"] = tags
	}
	info := copyMap(out["info"])
	info["title"] = title
	out["info"] = info
	return out, notes
}

func asObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func copyMap(v any) map[string]any {
	out := map[string]any{}
	for k, val := range asObject(v) {
		out[k] = val
	}
	return out
}

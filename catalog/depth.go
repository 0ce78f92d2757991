package catalog

import (
	"fmt"
	"strconv"
)

// MaxEntityDepth is how deeply an entity document may nest objects and
// lists, the document itself being level 1. Real descriptors stay under
// ten; a document nested thousands deep passed validation once, then broke
// its pages and made /api/catalog/entities a body JSON decoders refuse.
// API definitions are text inside spec.definition and keep their own
// limits where they are parsed.
const MaxEntityDepth = 64

// depthProblem checks a decoded document against MaxEntityDepth and
// returns the problem to report, naming the file, the document, the entity
// when its kind and name can be read, and the first fields on the way down.
func depthProblem(raw any, source Source) (Problem, bool) {
	path, over := tooDeep(raw, MaxEntityDepth, nil)
	if !over {
		return Problem{}, false
	}
	return Problem{
		File: source.Location, Document: source.Document, Entity: refOf(raw), Field: fieldPath(path),
		Message: fmt.Sprintf("nested more than %d levels deep; Portico refuses deeper entity documents", MaxEntityDepth),
	}, true
}

// tooDeep reports whether v holds objects or lists nested more than budget
// levels, and the keys leading to the first place that does. It never
// descends further than budget+1, so its own recursion is bounded.
func tooDeep(v any, budget int, path []string) ([]string, bool) {
	switch t := v.(type) {
	case map[string]any:
		if budget == 0 {
			return path, true
		}
		for k, item := range t {
			if p, over := tooDeep(item, budget-1, append(path, k)); over {
				return p, true
			}
		}
	case map[any]any:
		if budget == 0 {
			return path, true
		}
		for k, item := range t {
			if p, over := tooDeep(item, budget-1, append(path, fmt.Sprint(k))); over {
				return p, true
			}
		}
	case []any:
		if budget == 0 {
			return path, true
		}
		for i, item := range t {
			if p, over := tooDeep(item, budget-1, append(path, "["+strconv.Itoa(i)+"]")); over {
				return p, true
			}
		}
	}
	return nil, false
}

// fieldPath renders the first keys of path as a dotted field, enough to
// find the place without printing 64 keys.
func fieldPath(path []string) string {
	const shown = 3
	out := ""
	for i, k := range path {
		if i == shown {
			return out + "…"
		}
		if len(k) > 0 && k[0] == '[' || i == 0 {
			out += k
		} else {
			out += "." + k
		}
	}
	return out
}

// refOf returns "kind:namespace/name" when the document says them plainly.
func refOf(raw any) string {
	obj, _ := raw.(map[string]any)
	kind, _ := obj["kind"].(string)
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if kind == "" || name == "" {
		return ""
	}
	e := Entity{Kind: kind, Metadata: Metadata{Name: name}}
	if ns, ok := meta["namespace"].(string); ok {
		e.Metadata.Namespace = ns
	}
	return e.Ref().String()
}

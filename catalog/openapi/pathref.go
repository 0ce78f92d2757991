package openapi

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxPathRefDepth bounds chains of path items that $ref path items, so a
// cycle ends in an error instead of a loop.
const maxPathRefDepth = 16

// resolvePathRefs replaces, in paths, every path item that $refs a path item
// inside the same document ("#/paths/~1pets", "#/components/pathItems/x")
// with the item it points to; operations written next to the $ref win, as in
// kin-openapi. The generic decode it needs only happens when such a $ref
// exists, so the common case stays one typed decode. Refs to other files
// are left alone. A $ref that does not resolve leaves only the operations
// written next to it: the rest of the listing is still worth showing, and
// Parse reports the broken reference when details are loaded.
func resolvePathRefs(data []byte, paths map[string]rawPathItem) error {
	var doc any
	for p, item := range paths {
		if !strings.HasPrefix(item.Ref, "#") {
			continue
		}
		if doc == nil {
			var err error
			if doc, err = decodeAny(data); err != nil {
				return err
			}
		}
		if resolved, err := resolvePathItem(doc, item, data, 0); err == nil {
			paths[p] = resolved
		}
	}
	return nil
}

func resolvePathItem(doc any, item rawPathItem, data []byte, depth int) (rawPathItem, error) {
	if !strings.HasPrefix(item.Ref, "#") {
		return item, nil
	}
	if depth >= maxPathRefDepth {
		return item, fmt.Errorf("path item $ref %q: more than %d chained references", item.Ref, maxPathRefDepth)
	}
	target, err := jsonPointer(doc, item.Ref)
	if err != nil {
		return item, fmt.Errorf("path item $ref %q: %w", item.Ref, err)
	}
	var out rawPathItem
	if err := recode(target, &out, IsJSON(data)); err != nil {
		return item, fmt.Errorf("path item $ref %q: %w", item.Ref, err)
	}
	if out, err = resolvePathItem(doc, out, data, depth+1); err != nil {
		return item, err
	}
	ops, siblings := out.opPtrs(), item.opPtrs()
	for i, op := range siblings {
		if *op != nil {
			*ops[i] = *op
		}
	}
	out.Ref = ""
	return out, nil
}

func (p *rawPathItem) opPtrs() []**rawOp {
	return []**rawOp{&p.Get, &p.Put, &p.Post, &p.Delete, &p.Options, &p.Head, &p.Patch, &p.Trace}
}

func decodeAny(data []byte) (any, error) {
	var v any
	var err error
	if IsJSON(data) {
		err = json.Unmarshal(data, &v)
	} else {
		err = yaml.Unmarshal(data, &v)
	}
	if err != nil {
		return nil, fmt.Errorf("decode definition: %w", err)
	}
	return v, nil
}

// recode turns a generically decoded value into a typed one with the codec
// it came from (YAML maps may have non-string keys JSON cannot encode).
func recode(v any, out any, isJSON bool) error {
	if isJSON {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		return json.Unmarshal(b, out)
	}
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return yaml.Unmarshal(b, out)
}

// jsonPointer follows a "#/a/b~1c" fragment (RFC 6901, percent-decoded
// first) through a generically decoded document.
func jsonPointer(doc any, ref string) (any, error) {
	frag, err := url.PathUnescape(strings.TrimPrefix(ref, "#"))
	if err != nil {
		return nil, fmt.Errorf("unescape: %w", err)
	}
	if frag == "" {
		return doc, nil
	}
	if !strings.HasPrefix(frag, "/") {
		return nil, fmt.Errorf("not a JSON pointer")
	}
	cur := doc
	for _, tok := range strings.Split(frag[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		next, ok := step(cur, tok)
		if !ok {
			return nil, fmt.Errorf("%q not found", tok)
		}
		cur = next
	}
	return cur, nil
}

func step(v any, tok string) (any, bool) {
	switch m := v.(type) {
	case map[string]any:
		x, ok := m[tok]
		return x, ok
	case map[any]any:
		x, ok := m[tok]
		return x, ok
	case []any:
		i, err := strconv.Atoi(tok)
		if err != nil || i < 0 || i >= len(m) {
			return nil, false
		}
		return m[i], true
	}
	return nil, false
}

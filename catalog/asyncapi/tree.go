package asyncapi

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"
)

// obj is a mapping that keeps the document's key order (servers, channels
// and properties are shown in the order the author wrote them) and its
// source node, so bindings can be shown as the author wrote them.
type obj struct {
	keys []string
	m    map[string]any
	node *yaml.Node
}

func (o *obj) get(k string) any {
	if o == nil {
		return nil
	}
	return o.m[k]
}

func (o *obj) str(k string) string {
	s, _ := o.get(k).(string)
	return s
}

func (o *obj) obj(k string) *obj {
	v, _ := o.get(k).(*obj)
	return v
}

func (o *obj) list(k string) []any {
	v, _ := o.get(k).([]any)
	return v
}

func (o *obj) bool(k string) bool { return o.str(k) == "true" }

// maxNodes bounds the tree built from one document, aliases included, so
// a "billion laughs" document cannot exhaust memory.
const maxNodes = 500_000

var errTooLarge = errors.New("the document has too many nodes (YAML aliases expand past the limit)")

type converter struct{ nodes int }

// toTree converts a YAML node into *obj, []any and string scalars.
func (c *converter) toTree(n *yaml.Node, depth int) (any, error) {
	c.nodes++
	if c.nodes > maxNodes || depth > 200 {
		return nil, errTooLarge
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.toTree(n.Content[0], depth+1)
	case yaml.AliasNode:
		return c.toTree(n.Alias, depth+1)
	case yaml.MappingNode:
		o := &obj{m: make(map[string]any, len(n.Content)/2), node: n}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			v, err := c.toTree(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			if _, dup := o.m[k]; !dup {
				o.keys = append(o.keys, k)
			}
			o.m[k] = v
		}
		return o, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			v, err := c.toTree(e, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return n.Value, nil
	}
	return nil, nil
}

// resolver follows local $refs ("#/components/messages/x") within one
// document. External refs are reported, not fetched.
type resolver struct {
	root     *obj
	problems []string
	seen     map[string]bool
	// messageCount counts the messages read, against maxMessages.
	messageCount int
	// schemaNodes counts schema nodes built, against maxDocumentSchemaNodes.
	schemaNodes int
}

// maxRefHops bounds a chain of $refs that point at $refs.
const maxRefHops = 32

// deref returns the object v stands for and the $ref it came through
// (the last one of a chain), or nil when it cannot be resolved.
func (r *resolver) deref(v any) (*obj, string) {
	o, _ := v.(*obj)
	ref := ""
	for hops := 0; o != nil; hops++ {
		next := o.str("$ref")
		if next == "" {
			return o, ref
		}
		if hops == maxRefHops {
			r.problem("$ref chain too long at " + next)
			return nil, next
		}
		ref = next
		target, err := r.pointer(next)
		if err != nil {
			r.problem(err.Error())
			return nil, ref
		}
		o, _ = target.(*obj)
		if o == nil {
			r.problem(fmt.Sprintf("$ref %s does not point at an object", next))
		}
	}
	return nil, ref
}

func (r *resolver) problem(p string) {
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	if !r.seen[p] && len(r.problems) < 100 {
		r.seen[p] = true
		r.problems = append(r.problems, p)
	}
}

// pointer resolves a local JSON pointer reference.
func (r *resolver) pointer(ref string) (any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("$ref %s is not local to this document and is not followed", ref)
	}
	var cur any = r.root
	for _, raw := range strings.Split(ref[2:], "/") {
		tok := unescapePointer(raw)
		switch c := cur.(type) {
		case *obj:
			v, ok := c.m[tok]
			if !ok {
				return nil, fmt.Errorf("$ref %s: no %q", ref, tok)
			}
			cur = v
		case []any:
			i, ok := index(tok, len(c))
			if !ok {
				return nil, fmt.Errorf("$ref %s: no index %q", ref, tok)
			}
			cur = c[i]
		default:
			return nil, fmt.Errorf("$ref %s: %q is not inside an object", ref, tok)
		}
	}
	return cur, nil
}

func unescapePointer(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		s = u
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

func index(tok string, n int) (int, bool) {
	i := 0
	if tok == "" || len(tok) > 9 {
		return 0, false
	}
	for _, r := range tok {
		if r < '0' || r > '9' {
			return 0, false
		}
		i = i*10 + int(r-'0')
	}
	return i, i < n
}

// lastSegment is the name a local $ref ends with ("#/components/messages/x" → "x").
func lastSegment(ref string) string {
	if ref == "" {
		return ""
	}
	i := strings.LastIndex(ref, "/")
	return unescapePointer(ref[i+1:])
}

// mergeTraits applies traits: a trait's fields fill what the object does
// not set itself (the object wins, as the specification says).
func (r *resolver) mergeTraits(o *obj) *obj {
	traits := o.list("traits")
	if len(traits) == 0 {
		return o
	}
	out := &obj{keys: append([]string(nil), o.keys...), m: make(map[string]any, len(o.m)), node: o.node}
	for k, v := range o.m {
		out.m[k] = v
	}
	for _, t := range traits {
		to, _ := r.deref(t)
		if to == nil {
			continue
		}
		for _, k := range to.keys {
			if _, ok := out.m[k]; !ok {
				out.keys = append(out.keys, k)
				out.m[k] = to.m[k]
			}
		}
	}
	return out
}

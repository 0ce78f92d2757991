package openapi

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// SchemaNode is one node of a schema as the page shows it: a nested,
// collapsible tree. $ref cycles end in a node with Cycle set, and the tree
// is cut at a depth and a node budget, so any schema renders in bounded
// time and space.
type SchemaNode struct {
	Name        string // property name; "items" for array items; "" at the root
	Ref         string // component name when the schema came from a $ref
	Type        string
	Format      string
	Description string // plain text
	Required    bool
	Deprecated  bool
	ReadOnly    bool
	WriteOnly   bool
	Nullable    bool
	Enum        []string
	Combinator  string // "oneOf", "anyOf" or "allOf" when Children are alternatives
	Children    []*SchemaNode
	Cycle       bool // this $ref is already open above: not expanded again
	Truncated   bool // depth or node budget reached: not expanded
}

// Bounds of one operation's schema trees.
const (
	maxSchemaDepth = 10
	maxSchemaNodes = 2000
)

type treeBuilder struct {
	nodes     int
	truncated bool
	open      map[*openapi3.Schema]bool
}

func newTreeBuilder() *treeBuilder {
	return &treeBuilder{open: map[*openapi3.Schema]bool{}}
}

func (b *treeBuilder) build(name string, sr *openapi3.SchemaRef, depth int) *SchemaNode {
	if sr == nil || sr.Value == nil {
		return nil
	}
	s := sr.Value
	n := &SchemaNode{
		Name: name, Ref: refName(sr.Ref), Type: typeName(s), Format: s.Format,
		Description: firstParagraph(s.Description), Deprecated: s.Deprecated,
		ReadOnly: s.ReadOnly, WriteOnly: s.WriteOnly, Nullable: s.Nullable || (s.Type != nil && s.Type.IncludesNull()),
	}
	for i, e := range s.Enum {
		if i == 20 {
			n.Enum = append(n.Enum, "…")
			break
		}
		n.Enum = append(n.Enum, scalarString(e))
	}
	b.nodes++
	switch {
	case b.open[s]:
		n.Cycle = true
		return n
	case depth >= maxSchemaDepth || b.nodes >= maxSchemaNodes:
		if hasChildren(s) {
			n.Truncated, b.truncated = true, true
		}
		return n
	}
	b.open[s] = true
	defer delete(b.open, s)
	b.children(n, s, depth)
	return n
}

func (b *treeBuilder) children(n *SchemaNode, s *openapi3.Schema, depth int) {
	for _, alt := range []struct {
		name string
		refs openapi3.SchemaRefs
	}{{"allOf", s.AllOf}, {"oneOf", s.OneOf}, {"anyOf", s.AnyOf}} {
		if len(alt.refs) == 0 {
			continue
		}
		group := &SchemaNode{Name: alt.name, Combinator: alt.name}
		for _, r := range alt.refs {
			if c := b.build("", r, depth+1); c != nil {
				group.Children = append(group.Children, c)
			}
		}
		n.Children = append(n.Children, group)
	}
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	props := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		props = append(props, k)
	}
	sort.Strings(props)
	for _, k := range props {
		if c := b.build(k, s.Properties[k], depth+1); c != nil {
			c.Required = required[k]
			n.Children = append(n.Children, c)
		}
	}
	if s.Items != nil {
		if c := b.build("items", s.Items, depth+1); c != nil {
			n.Children = append(n.Children, c)
		}
	}
	if ap := s.AdditionalProperties.Schema; ap != nil {
		if c := b.build("additionalProperties", ap, depth+1); c != nil {
			n.Children = append(n.Children, c)
		}
	}
}

func hasChildren(s *openapi3.Schema) bool {
	return len(s.Properties) > 0 || s.Items != nil || len(s.AllOf)+len(s.OneOf)+len(s.AnyOf) > 0 || s.AdditionalProperties.Schema != nil
}

func typeName(s *openapi3.Schema) string {
	if s.Type == nil || len(*s.Type) == 0 {
		switch {
		case len(s.Properties) > 0:
			return "object"
		case s.Items != nil:
			return "array"
		}
		return ""
	}
	var parts []string
	for _, t := range *s.Type {
		if t != "null" {
			parts = append(parts, t)
		}
	}
	if len(parts) == 0 {
		return "null"
	}
	return strings.Join(parts, " | ")
}

func refName(ref string) string {
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		return ref[i+1:]
	}
	return ref
}

// firstParagraph keeps schema descriptions short in the tree.
func firstParagraph(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "\n\n"); i >= 0 {
		s = s[:i]
	}
	return capString(s, 500)
}

// Bounds of a generated example.
const (
	maxExampleDepth = 6
	maxExampleProps = 30
)

// exampleFor generates an example value from a schema, bounded in depth and
// width and stopping at cycles, to prefill a request body.
func exampleFor(sr *openapi3.SchemaRef, depth int, open map[*openapi3.Schema]bool) any {
	if sr == nil || sr.Value == nil || depth > maxExampleDepth {
		return nil
	}
	s := sr.Value
	if open[s] {
		return nil
	}
	if s.Example != nil {
		return s.Example
	}
	if len(s.Examples) > 0 {
		return s.Examples[0]
	}
	if s.Default != nil {
		return s.Default
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	open[s] = true
	defer delete(open, s)
	switch {
	case len(s.AllOf) > 0:
		merged := map[string]any{}
		for _, r := range s.AllOf {
			if m, ok := exampleFor(r, depth+1, open).(map[string]any); ok {
				for k, v := range m {
					merged[k] = v
				}
			}
		}
		return merged
	case len(s.OneOf) > 0:
		return exampleFor(s.OneOf[0], depth+1, open)
	case len(s.AnyOf) > 0:
		return exampleFor(s.AnyOf[0], depth+1, open)
	}
	t := typeName(s)
	switch {
	case strings.HasPrefix(t, "object") || len(s.Properties) > 0:
		out := map[string]any{}
		for i, k := range slices.Sorted(maps.Keys(s.Properties)) {
			if i == maxExampleProps {
				break
			}
			if v := exampleFor(s.Properties[k], depth+1, open); v != nil {
				out[k] = v
			}
		}
		return out
	case strings.HasPrefix(t, "array"):
		if v := exampleFor(s.Items, depth+1, open); v != nil {
			return []any{v}
		}
		return []any{}
	case strings.HasPrefix(t, "integer"), strings.HasPrefix(t, "number"):
		return 0
	case strings.HasPrefix(t, "boolean"):
		return false
	case strings.HasPrefix(t, "string"):
		return exampleString(s.Format)
	}
	return nil
}

func exampleString(format string) string {
	switch format {
	case "date-time":
		return "2024-01-01T00:00:00Z"
	case "date":
		return "2024-01-01"
	case "email":
		return "user@example.com"
	case "uuid":
		return "00000000-0000-0000-0000-000000000000"
	case "uri", "url":
		return "https://example.com"
	}
	return "string"
}

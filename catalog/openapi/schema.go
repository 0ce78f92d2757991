package openapi

import (
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// SchemaNode is one node of a schema as the page shows it: a nested,
// collapsible tree. allOf is merged into the node's own properties (the
// parts named in Composed), oneOf/anyOf become Variants. $ref cycles end
// in a node with Cycle set, and the tree is cut at a depth and a node
// budget, so any schema renders in bounded time and space.
type SchemaNode struct {
	Name        string // property name; "items" for array items; "" at the root
	Ref         string // component name when the schema came from a $ref
	Model       string // components.schemas name when Ref points there: the models section shows it
	Title       string
	Type        string
	Format      string
	Description string // plain text
	Required    bool
	Deprecated  bool
	ReadOnly    bool
	WriteOnly   bool
	Nullable    bool
	Enum        []string
	// Composed names the allOf parts merged into Children, in order.
	Composed []SchemaPart
	// Combinator is "oneOf" or "anyOf" when Variants are alternatives.
	Combinator    string
	Variants      []*SchemaNode
	Discriminator *Discriminator
	Children      []*SchemaNode // properties (merged over allOf), items, prefixItems, patternProperties, additionalProperties, not
	// Role says what a child is when it is not a property or items
	// (RolePrefixItem, RolePatternProperty, RoleNot).
	Role string
	// Constraints are the schema's own validation keywords, as chips.
	Constraints []Constraint
	Cycle       bool // this $ref is already open above: not expanded again
	Truncated   bool // depth or node budget reached: not expanded
}

// SchemaPart is one allOf part of a merged schema.
type SchemaPart struct {
	Label string // the model's name, or "inline schema"
	Model string // components.schemas name, when the part is a $ref to one
}

// Discriminator is a oneOf/anyOf's discriminator: the property whose value
// picks the variant, and the values the definition maps explicitly.
type Discriminator struct {
	PropertyName string
	Mapping      []DiscriminatorMapping
}

// DiscriminatorMapping is one value of a discriminator and the schema it
// selects.
type DiscriminatorMapping struct {
	Value string
	Ref   string // the $ref as written
	Model string // components.schemas name, when Ref points there
}

// Bounds of one operation's schema trees.
const (
	maxSchemaDepth = 10
	maxSchemaNodes = 2000
	maxMapping     = 100
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
		Name: name, Ref: refName(sr.Ref), Model: modelName(sr.Ref), Title: capString(s.Title, 200), Type: typeName(s), Format: s.Format,
		Description: firstParagraph(s.Description), Deprecated: s.Deprecated,
		ReadOnly: s.ReadOnly, WriteOnly: s.WriteOnly, Nullable: s.Nullable || (s.Type != nil && s.Type.IncludesNull()),
		Constraints: constraints(s),
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

// merged is a schema with its allOf parts folded in: what a reader of the
// schema sees as one object.
type merged struct {
	props      map[string]*openapi3.SchemaRef
	required   map[string]bool
	parts      []SchemaPart
	oneOf      openapi3.SchemaRefs
	anyOf      openapi3.SchemaRefs
	disc       *openapi3.Discriminator
	items      *openapi3.SchemaRef
	additional *openapi3.SchemaRef
	typ        string
	deprecated bool
	nullable   bool
}

// mergeAllOf folds s and, recursively, its allOf parts into one view: the
// first declaration of a property wins (the schema's own before its
// parts'), required lists are united. seen stops allOf cycles.
func mergeAllOf(s *openapi3.Schema) *merged {
	m := &merged{props: map[string]*openapi3.SchemaRef{}, required: map[string]bool{}}
	seen := map[*openapi3.Schema]bool{}
	var walk func(s *openapi3.Schema, depth int)
	walk = func(s *openapi3.Schema, depth int) {
		if seen[s] || depth > maxSchemaDepth {
			return
		}
		seen[s] = true
		for k, p := range s.Properties {
			if _, ok := m.props[k]; !ok {
				m.props[k] = p
			}
		}
		for _, r := range s.Required {
			m.required[r] = true
		}
		if depth > 0 {
			m.oneOf = append(m.oneOf, s.OneOf...)
			m.anyOf = append(m.anyOf, s.AnyOf...)
			m.deprecated = m.deprecated || s.Deprecated
			m.nullable = m.nullable || s.Nullable
		} else {
			m.oneOf, m.anyOf = s.OneOf, s.AnyOf
		}
		if m.disc == nil {
			m.disc = s.Discriminator
		}
		if m.items == nil {
			m.items = s.Items
		}
		if m.additional == nil {
			m.additional = s.AdditionalProperties.Schema
		}
		if m.typ == "" {
			m.typ = typeName(s)
		}
		for _, part := range s.AllOf {
			if part == nil || part.Value == nil {
				continue
			}
			if depth == 0 {
				p := SchemaPart{Label: refName(part.Ref), Model: modelName(part.Ref)}
				if p.Label == "" {
					p.Label = orString(part.Value.Title, "inline schema")
				}
				m.parts = append(m.parts, p)
			}
			walk(part.Value, depth+1)
		}
	}
	walk(s, 0)
	if m.typ == "" && len(m.props) > 0 {
		m.typ = "object"
	}
	return m
}

func (b *treeBuilder) children(n *SchemaNode, s *openapi3.Schema, depth int) {
	m := mergeAllOf(s)
	n.Composed = m.parts
	if n.Type == "" {
		n.Type = m.typ
	}
	n.Deprecated = n.Deprecated || m.deprecated
	n.Nullable = n.Nullable || m.nullable
	for _, alt := range []struct {
		name string
		refs openapi3.SchemaRefs
	}{{"oneOf", m.oneOf}, {"anyOf", m.anyOf}} {
		if len(alt.refs) == 0 || n.Combinator != "" {
			continue
		}
		for _, r := range alt.refs {
			if r != nil && r.Value != nil && isNullOnly(r.Value) {
				// 3.1 writes "nullable" as oneOf [X, {type: null}].
				n.Nullable = true
				continue
			}
			if c := b.build("", r, depth+1); c != nil {
				n.Variants = append(n.Variants, c)
			}
		}
		if len(n.Variants) > 0 {
			n.Combinator = alt.name
		}
	}
	if d := m.disc; d != nil {
		n.Discriminator = &Discriminator{PropertyName: d.PropertyName}
		for i, v := range slices.Sorted(maps.Keys(d.Mapping)) {
			if i == maxMapping {
				break
			}
			ref := d.Mapping[v].Ref
			n.Discriminator.Mapping = append(n.Discriminator.Mapping, DiscriminatorMapping{Value: v, Ref: ref, Model: modelName(ref)})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m.props)) {
		if c := b.build(k, m.props[k], depth+1); c != nil {
			c.Required = m.required[k]
			n.Children = append(n.Children, c)
		}
	}
	if m.items != nil {
		if c := b.build("items", m.items, depth+1); c != nil {
			n.Children = append(n.Children, c)
		}
	}
	if ap := m.additional; ap != nil {
		if c := b.build("additionalProperties", ap, depth+1); c != nil {
			n.Children = append(n.Children, c)
		}
	}
	b.extraChildren(n, s, depth)
}

func isNullOnly(s *openapi3.Schema) bool {
	return s.Type != nil && len(*s.Type) == 1 && (*s.Type)[0] == "null" && len(s.Properties) == 0
}

func orString(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// modelName is the components.schemas name a local $ref points to, or "".
func modelName(ref string) string {
	const prefix = "#/components/schemas/"
	if !strings.HasPrefix(ref, prefix) {
		return ""
	}
	name := ref[len(prefix):]
	if u, err := url.PathUnescape(name); err == nil {
		name = u
	}
	if strings.Contains(name, "/") {
		return ""
	}
	return strings.ReplaceAll(strings.ReplaceAll(name, "~1", "/"), "~0", "~")
}

func hasChildren(s *openapi3.Schema) bool {
	return len(s.Properties) > 0 || s.Items != nil || len(s.AllOf)+len(s.OneOf)+len(s.AnyOf) > 0 || s.AdditionalProperties.Schema != nil ||
		len(s.PrefixItems)+len(s.PatternProperties) > 0 || s.Not != nil
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

// exampleDir says which side of a call an example is for: a request leaves
// out readOnly properties, a response writeOnly ones.
type exampleDir int

const (
	exampleAny exampleDir = iota
	exampleRequest
	exampleResponse
)

func (d exampleDir) skips(s *openapi3.Schema) bool {
	return d == exampleRequest && s.ReadOnly || d == exampleResponse && s.WriteOnly
}

// exampleFor generates an example value from a schema, bounded in depth and
// width and stopping at cycles: the one generator, for the try-it body, the
// examples shown beside requests and responses, and models.
func exampleFor(sr *openapi3.SchemaRef, depth int, open map[*openapi3.Schema]bool, dir exampleDir) any {
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
			if m, ok := exampleFor(r, depth+1, open, dir).(map[string]any); ok {
				for k, v := range m {
					merged[k] = v
				}
			}
		}
		for k, v := range objectExample(s, depth, open, dir) {
			merged[k] = v
		}
		return merged
	case len(s.OneOf) > 0:
		return exampleFor(firstNotNull(s.OneOf), depth+1, open, dir)
	case len(s.AnyOf) > 0:
		return exampleFor(firstNotNull(s.AnyOf), depth+1, open, dir)
	}
	t := typeName(s)
	switch {
	case strings.HasPrefix(t, "object") || len(s.Properties) > 0:
		return objectExample(s, depth, open, dir)
	case strings.HasPrefix(t, "array"):
		if v := exampleFor(s.Items, depth+1, open, dir); v != nil {
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

// firstNotNull is the first alternative that is not 3.1's {type: null}.
func firstNotNull(alts openapi3.SchemaRefs) *openapi3.SchemaRef {
	for _, r := range alts {
		if r != nil && r.Value != nil && !isNullOnly(r.Value) {
			return r
		}
	}
	return nil
}

// objectExample is an example of s's own properties.
func objectExample(s *openapi3.Schema, depth int, open map[*openapi3.Schema]bool, dir exampleDir) map[string]any {
	out := map[string]any{}
	for i, k := range slices.Sorted(maps.Keys(s.Properties)) {
		if i == maxExampleProps {
			break
		}
		if p := s.Properties[k]; p != nil && p.Value != nil && dir.skips(p.Value) {
			continue
		}
		if v := exampleFor(s.Properties[k], depth+1, open, dir); v != nil {
			out[k] = v
		}
	}
	return out
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

package asyncapi

import "strings"

// Schema is one node of a message's header or payload schema (AsyncAPI's
// JSON Schema superset) as a page shows it: a collapsible tree, cut at a
// depth and a node budget, with $ref cycles marked instead of followed.
type Schema struct {
	Name        string // property name; "items" for array items; "" at the root
	Ref         string // component name when reached through a $ref
	Type        string
	Format      string
	Description string
	Required    bool
	Deprecated  bool
	ReadOnly    bool
	WriteOnly   bool
	Enum        []string
	Constraints []string // "minimum: 0", "maxLength: 20"
	Combinator  string   // "oneOf", "anyOf", "allOf" or "not" when Children are its parts
	Children    []*Schema
	Cycle       bool
	Truncated   bool
}

// Bounds of one schema tree.
const (
	maxSchemaDepth = 10
	maxSchemaNodes = 2000
	// maxDocumentSchemaNodes bounds all the trees of one document, whose
	// messages can each reach the same large schema.
	maxDocumentSchemaNodes = 100_000
)

type schemaBuilder struct {
	r     *resolver
	nodes int
	open  map[*obj]bool
}

func (r *resolver) schema(name string, v any) *Schema {
	b := &schemaBuilder{r: r, open: map[*obj]bool{}}
	return b.build(name, v, 0)
}

func (b *schemaBuilder) build(name string, v any, depth int) *Schema {
	s, ref := b.r.deref(v)
	n := &Schema{Name: name, Ref: lastSegment(ref)}
	if s == nil {
		if ref != "" {
			n.Type = "unresolved $ref " + ref
		} else if str, ok := v.(string); ok {
			n.Type = "schema " + str // true/false schemas
		}
		return n
	}
	if inner := s.obj("schema"); inner != nil && s.str("schemaFormat") != "" {
		// A 3.0 multi-format schema object: show the schema it wraps.
		n.Format = s.str("schemaFormat")
		s, _ = b.r.deref(inner)
		if s == nil {
			return n
		}
	}
	n.Type, n.Description = typeName(s), s.str("description")
	if f := s.str("format"); f != "" {
		n.Format = f
	}
	n.Deprecated, n.ReadOnly, n.WriteOnly = s.bool("deprecated"), s.bool("readOnly"), s.bool("writeOnly")
	for i, e := range s.list("enum") {
		if i == 20 {
			n.Enum = append(n.Enum, "…")
			break
		}
		n.Enum = append(n.Enum, scalar(e))
	}
	if c, ok := s.get("const").(string); ok {
		n.Enum = []string{c}
	}
	for _, k := range []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "maxItems", "default"} {
		if v, ok := s.get(k).(string); ok {
			n.Constraints = append(n.Constraints, k+": "+v)
		}
	}
	b.nodes++
	b.r.schemaNodes++
	switch {
	case b.open[s]:
		n.Cycle = true
		return n
	case depth >= maxSchemaDepth || b.nodes >= maxSchemaNodes || b.r.schemaNodes >= maxDocumentSchemaNodes:
		n.Truncated = hasChildren(s)
		return n
	}
	b.open[s] = true
	defer delete(b.open, s)
	b.children(n, s, depth)
	return n
}

func (b *schemaBuilder) children(n *Schema, s *obj, depth int) {
	for _, comb := range []string{"allOf", "oneOf", "anyOf"} {
		parts := s.list(comb)
		if len(parts) == 0 {
			continue
		}
		group := &Schema{Name: comb, Combinator: comb}
		for _, p := range parts {
			group.Children = append(group.Children, b.build("", p, depth+1))
		}
		n.Children = append(n.Children, group)
	}
	if not := s.get("not"); not != nil {
		n.Children = append(n.Children, &Schema{Name: "not", Combinator: "not", Children: []*Schema{b.build("", not, depth+1)}})
	}
	required := map[string]bool{}
	for _, r := range strings2(s.list("required")) {
		required[r] = true
	}
	if props := s.obj("properties"); props != nil {
		for _, k := range props.keys {
			c := b.build(k, props.m[k], depth+1)
			c.Required = required[k]
			n.Children = append(n.Children, c)
		}
	}
	if items := s.get("items"); items != nil {
		if list, ok := items.([]any); ok {
			for _, it := range list {
				n.Children = append(n.Children, b.build("items", it, depth+1))
			}
		} else {
			n.Children = append(n.Children, b.build("items", items, depth+1))
		}
	}
	if ap, ok := s.get("additionalProperties").(*obj); ok {
		n.Children = append(n.Children, b.build("additionalProperties", ap, depth+1))
	}
}

func typeName(s *obj) string {
	switch t := s.get("type").(type) {
	case string:
		if t == "array" {
			if it, ok := s.get("items").(*obj); ok {
				if ref := it.str("$ref"); ref != "" {
					return "array of " + lastSegment(ref)
				}
				if it.str("type") != "" {
					return "array of " + it.str("type")
				}
			}
		}
		return t
	case []any:
		return strings.Join(strings2(t), " | ")
	}
	switch {
	case s.get("properties") != nil:
		return "object"
	case s.get("oneOf") != nil:
		return "one of"
	case s.get("anyOf") != nil:
		return "any of"
	case s.get("allOf") != nil:
		return "all of"
	}
	return ""
}

func hasChildren(s *obj) bool {
	for _, k := range []string{"properties", "items", "allOf", "oneOf", "anyOf", "not", "additionalProperties"} {
		if s.get(k) != nil {
			return true
		}
	}
	return false
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "null"
	}
	return "…"
}

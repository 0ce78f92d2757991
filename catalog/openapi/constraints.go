package openapi

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// Constraint is one validation keyword of a schema, shown as a short chip
// ("≥ 1", "pattern ^[a-z]+$", "default 10"). Label is the portal's words;
// Value comes from the definition and is rendered as text, never markup.
type Constraint struct {
	Kind  string // the keyword: minimum, maximum, multipleOf, minLength, pattern, default, const, examples, ...
	Label string
	Value string
}

// Bounds of what one schema's constraints show.
const (
	maxConstraintValue = 200 // characters of one value (a pattern, a default)
	maxShownExamples   = 5   // of a 3.1 examples array
)

// constraints lists s's validation keywords in a fixed order: bounds, then
// lengths and counts, pattern, const, default and examples last.
func constraints(s *openapi3.Schema) []Constraint {
	out := bounds(s)
	add := func(kind, label, value string) {
		out = append(out, Constraint{Kind: kind, Label: label, Value: capString(value, maxConstraintValue)})
	}
	counts := []struct {
		kind, label string
		min         uint64
		max         *uint64
	}{
		{"Length", "length", s.MinLength, s.MaxLength},
		{"Items", "items", s.MinItems, s.MaxItems},
		{"Properties", "properties", s.MinProps, s.MaxProps},
	}
	for _, c := range counts {
		if c.min > 0 {
			add("min"+c.kind, "min "+c.label, strconv.FormatUint(c.min, 10))
		}
		if c.max != nil {
			add("max"+c.kind, "max "+c.label, strconv.FormatUint(*c.max, 10))
		}
	}
	if s.UniqueItems {
		add("uniqueItems", "unique items", "")
	}
	if s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has {
		add("additionalProperties", "no other properties", "")
	}
	if s.Pattern != "" {
		add("pattern", "pattern", s.Pattern)
	}
	if s.Const != nil {
		add("const", "always", literal(s.Const))
	}
	if s.Default != nil {
		add("default", "default", literal(s.Default))
	}
	for i, e := range s.Examples {
		if i == maxShownExamples {
			add("examples", "…", strconv.Itoa(len(s.Examples)-i)+" more")
			break
		}
		add("examples", "example", literal(e))
	}
	return out
}

// bounds are a number's minimum, maximum and multipleOf. OpenAPI 3.0
// writes an exclusive bound as minimum plus exclusiveMinimum: true; 3.1
// writes exclusiveMinimum: <number>. Both read as "> n".
func bounds(s *openapi3.Schema) []Constraint {
	var out []Constraint
	add := func(kind, label string, v float64) {
		out = append(out, Constraint{Kind: kind, Label: label, Value: number(v)})
	}
	if s.Min != nil {
		if s.ExclusiveMin.IsTrue() {
			add("exclusiveMinimum", ">", *s.Min)
		} else {
			add("minimum", "≥", *s.Min)
		}
	}
	if v := s.ExclusiveMin.Value; v != nil {
		add("exclusiveMinimum", ">", *v)
	}
	if s.Max != nil {
		if s.ExclusiveMax.IsTrue() {
			add("exclusiveMaximum", "<", *s.Max)
		} else {
			add("maximum", "≤", *s.Max)
		}
	}
	if v := s.ExclusiveMax.Value; v != nil {
		add("exclusiveMaximum", "<", *v)
	}
	if s.MultipleOf != nil {
		add("multipleOf", "multiple of", *s.MultipleOf)
	}
	return out
}

// number writes a bound as a person reads it: 100, 0.5, never 1e+02.
func number(f float64) string {
	if math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// literal writes a definition's value as JSON (strings quoted), so a
// default "" or "10" reads apart from 10.
func literal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return scalarString(v)
	}
	return string(b)
}

// extraChildren are the 3.1 keywords that hold schemas beside properties
// and items: prefixItems (by position), patternProperties (by pattern)
// and not. Each child's Role says what it is.
func (b *treeBuilder) extraChildren(n *SchemaNode, s *openapi3.Schema, depth int) {
	for i, r := range s.PrefixItems {
		if c := b.build("["+strconv.Itoa(i)+"]", r, depth+1); c != nil {
			c.Role = RolePrefixItem
			n.Children = append(n.Children, c)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.PatternProperties)) {
		if c := b.build(capString(k, maxConstraintValue), s.PatternProperties[k], depth+1); c != nil {
			c.Role = RolePatternProperty
			n.Children = append(n.Children, c)
		}
	}
	if s.Not != nil {
		if c := b.build("not", s.Not, depth+1); c != nil {
			c.Role = RoleNot
			n.Children = append(n.Children, c)
		}
	}
}

// Roles of a child schema that is not a property.
const (
	RolePrefixItem      = "prefixItem"      // Name is the position, "[0]"
	RolePatternProperty = "patternProperty" // Name is the pattern property names match
	RoleNot             = "not"             // a value must not match this schema
)

// InputRules are the schema keywords a browser can check in a parameter's
// try-it field (HTML min, max, step, pattern, minlength, maxlength). Empty
// means none. They only help the person typing: the portal checks nothing
// for the API, which answers for itself.
type InputRules struct {
	Number               bool // integer or number: a number field
	Min, Max, Step       string
	Pattern              string // the definition's pattern, unanchored as JSON Schema reads it
	MinLength, MaxLength string
}

func inputRules(s *openapi3.Schema) InputRules {
	var r InputRules
	t := typeName(s)
	switch t {
	case "integer", "number":
		r.Number = true
		r.Step = "any"
		if t == "integer" {
			r.Step = "1"
		}
		if s.MultipleOf != nil && *s.MultipleOf > 0 {
			r.Step = number(*s.MultipleOf)
		}
		// HTML bounds are inclusive: an exclusive bound is exact only for
		// integers.
		if s.Min != nil && !s.ExclusiveMin.IsTrue() {
			r.Min = number(*s.Min)
		} else if s.Min != nil && t == "integer" {
			r.Min = number(math.Floor(*s.Min) + 1)
		}
		if v := s.ExclusiveMin.Value; v != nil && t == "integer" {
			r.Min = number(math.Floor(*v) + 1)
		}
		if s.Max != nil && !s.ExclusiveMax.IsTrue() {
			r.Max = number(*s.Max)
		} else if s.Max != nil && t == "integer" {
			r.Max = number(math.Ceil(*s.Max) - 1)
		}
		if v := s.ExclusiveMax.Value; v != nil && t == "integer" {
			r.Max = number(math.Ceil(*v) - 1)
		}
	case "string":
		r.Pattern = s.Pattern
		if s.MinLength > 0 {
			r.MinLength = strconv.FormatUint(s.MinLength, 10)
		}
		if s.MaxLength != nil {
			r.MaxLength = strconv.FormatUint(*s.MaxLength, 10)
		}
	}
	return r
}

// Package graphqldef is the catalog's model of GraphQL definitions: an SDL
// schema parsed and validated with gqlparser into the queries, mutations
// and subscriptions a page lists, and every type a reader looks up, in the
// order the schema declares them.
package graphqldef

import (
	"errors"
	"fmt"
	"sort"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Schema is one GraphQL schema.
type Schema struct {
	Description   string
	Queries       []Field
	Mutations     []Field
	Subscriptions []Field
	// RootTypes names the query, mutation and subscription types, which
	// are listed as operations and left out of Types.
	RootTypes [3]string
	Types     []Type
}

// Type is a named type of the schema (built-in scalars left out).
type Type struct {
	Name        string
	Kind        string // object, interface, union, enum, input, scalar
	Description string // Markdown
	Interfaces  []string
	Fields      []Field
	Values      []EnumValue
	Members     []string // a union's types
	Implemented []string // an interface's implementations
}

// Field is a field of an object, interface or input, or an argument.
type Field struct {
	Name              string
	Type              string // as written: "[Film]!"
	NamedType         string // the named type inside it: "Film"
	Description       string
	Args              []Field
	Default           string
	Deprecated        bool
	DeprecationReason string
}

// EnumValue is one value of an enum.
type EnumValue struct {
	Name              string
	Description       string
	Deprecated        bool
	DeprecationReason string
}

// SyntaxError is a schema that does not parse or validate, with where.
type SyntaxError struct {
	Message      string
	Line, Column int // 1-based; 0 when unknown
}

func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Message)
	}
	return e.Message
}

// Parse parses and validates SDL text; name is the file name errors carry.
func Parse(name string, sdl []byte) (*Schema, error) {
	s, err := gqlparser.LoadSchema(&ast.Source{Name: name, Input: string(sdl)})
	if err != nil {
		return nil, syntaxError(err)
	}
	out := &Schema{Description: s.Description}
	for i, root := range []*ast.Definition{s.Query, s.Mutation, s.Subscription} {
		if root == nil {
			continue
		}
		out.RootTypes[i] = root.Name
		fields := fieldsOf(root.Fields)
		switch i {
		case 0:
			out.Queries = fields
		case 1:
			out.Mutations = fields
		case 2:
			out.Subscriptions = fields
		}
	}
	for _, d := range declared(s) {
		if d.Name == out.RootTypes[0] || d.Name == out.RootTypes[1] || d.Name == out.RootTypes[2] {
			continue
		}
		t := Type{Name: d.Name, Kind: kindName(d.Kind), Description: d.Description, Interfaces: d.Interfaces, Fields: fieldsOf(d.Fields), Members: d.Types}
		for _, v := range d.EnumValues {
			dep, why := deprecation(v.Directives)
			t.Values = append(t.Values, EnumValue{Name: v.Name, Description: v.Description, Deprecated: dep, DeprecationReason: why})
		}
		if d.Kind == ast.Interface {
			for _, impl := range s.PossibleTypes[d.Name] {
				t.Implemented = append(t.Implemented, impl.Name)
			}
			sort.Strings(t.Implemented)
		}
		out.Types = append(out.Types, t)
	}
	return out, nil
}

// declared lists the schema's own types in source order.
func declared(s *ast.Schema) []*ast.Definition {
	var defs []*ast.Definition
	for _, d := range s.Types {
		if d.BuiltIn || d.Position == nil || (d.Position.Src != nil && d.Position.Src.BuiltIn) {
			continue
		}
		defs = append(defs, d)
	}
	sort.Slice(defs, func(i, j int) bool {
		a, b := defs[i].Position, defs[j].Position
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return defs
}

func fieldsOf(list ast.FieldList) []Field {
	var out []Field
	for _, f := range list {
		if len(f.Name) > 1 && f.Name[:2] == "__" {
			continue // __schema, __type: introspection
		}
		dep, why := deprecation(f.Directives)
		field := Field{Name: f.Name, Type: f.Type.String(), NamedType: f.Type.Name(), Description: f.Description, Default: value(f.DefaultValue), Deprecated: dep, DeprecationReason: why}
		for _, a := range f.Arguments {
			adep, awhy := deprecation(a.Directives)
			field.Args = append(field.Args, Field{Name: a.Name, Type: a.Type.String(), NamedType: a.Type.Name(), Description: a.Description, Default: value(a.DefaultValue), Deprecated: adep, DeprecationReason: awhy})
		}
		out = append(out, field)
	}
	return out
}

func deprecation(dirs ast.DirectiveList) (bool, string) {
	d := dirs.ForName("deprecated")
	if d == nil {
		return false, ""
	}
	if a := d.Arguments.ForName("reason"); a != nil && a.Value != nil {
		return true, a.Value.Raw
	}
	return true, "No longer supported"
}

func value(v *ast.Value) string {
	if v == nil {
		return ""
	}
	return v.String()
}

func kindName(k ast.DefinitionKind) string {
	switch k {
	case ast.Object:
		return "object"
	case ast.Interface:
		return "interface"
	case ast.Union:
		return "union"
	case ast.Enum:
		return "enum"
	case ast.InputObject:
		return "input"
	case ast.Scalar:
		return "scalar"
	}
	return string(k)
}

func syntaxError(err error) error {
	var list gqlerror.List
	if errors.As(err, &list) && len(list) > 0 {
		err = list[0]
	}
	var ge *gqlerror.Error
	if errors.As(err, &ge) {
		se := &SyntaxError{Message: ge.Message}
		if len(ge.Locations) > 0 {
			se.Line, se.Column = ge.Locations[0].Line, ge.Locations[0].Column
		}
		return se
	}
	return &SyntaxError{Message: err.Error()}
}

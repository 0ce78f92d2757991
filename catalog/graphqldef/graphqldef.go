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
	"github.com/vektah/gqlparser/v2/parser"
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
	// Warnings are validation errors of a schema that parses: it is
	// shown anyway.
	Warnings []string
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

// Parse parses SDL text; name is the file name errors carry. A schema
// that parses but does not validate (real schemas often do not: GitHub's
// declares a field twice) is still read, with the validation error in
// Warnings; only a syntax error fails.
func Parse(name string, sdl []byte) (*Schema, error) {
	src := &ast.Source{Name: name, Input: string(sdl)}
	doc, err := parser.ParseSchema(src)
	if err != nil {
		return nil, syntaxError(err)
	}
	out := &Schema{}
	if _, err := gqlparser.LoadSchema(src); err != nil {
		out.Warnings = append(out.Warnings, syntaxError(err).Error())
	}
	defs, order := merged(doc)
	out.RootTypes = rootTypes(doc, defs)
	for _, sd := range append(doc.Schema, doc.SchemaExtension...) {
		if sd.Description != "" {
			out.Description = sd.Description
		}
	}
	implemented := map[string][]string{}
	for _, d := range order {
		for _, i := range d.Interfaces {
			implemented[i] = append(implemented[i], d.Name)
		}
	}
	for i, root := range out.RootTypes {
		d := defs[root]
		if d == nil {
			continue
		}
		fields := fieldsOf(d.Fields)
		switch i {
		case 0:
			out.Queries = fields
		case 1:
			out.Mutations = fields
		case 2:
			out.Subscriptions = fields
		}
	}
	for _, d := range order {
		if d.Name == out.RootTypes[0] || d.Name == out.RootTypes[1] || d.Name == out.RootTypes[2] {
			continue
		}
		t := Type{Name: d.Name, Kind: kindName(d.Kind), Description: d.Description, Interfaces: d.Interfaces, Fields: fieldsOf(d.Fields), Members: d.Types}
		for _, v := range d.EnumValues {
			dep, why := deprecation(v.Directives)
			t.Values = append(t.Values, EnumValue{Name: v.Name, Description: v.Description, Deprecated: dep, DeprecationReason: why})
		}
		if d.Kind == ast.Interface {
			t.Implemented = append([]string(nil), implemented[d.Name]...)
			sort.Strings(t.Implemented)
		}
		out.Types = append(out.Types, t)
	}
	return out, nil
}

// merged folds type extensions into their definitions (or stands them in
// for a missing one) and lists the types in source order.
func merged(doc *ast.SchemaDocument) (map[string]*ast.Definition, []*ast.Definition) {
	defs := map[string]*ast.Definition{}
	var order []*ast.Definition
	for _, d := range doc.Definitions {
		if defs[d.Name] != nil {
			continue // redeclared: validation reports it
		}
		c := *d
		defs[d.Name] = &c
		order = append(order, &c)
	}
	for _, ext := range doc.Extensions {
		d := defs[ext.Name]
		if d == nil {
			c := *ext
			defs[ext.Name] = &c
			order = append(order, &c)
			continue
		}
		d.Fields = append(append(ast.FieldList(nil), d.Fields...), ext.Fields...)
		d.EnumValues = append(append(ast.EnumValueList(nil), d.EnumValues...), ext.EnumValues...)
		d.Interfaces = append(append([]string(nil), d.Interfaces...), ext.Interfaces...)
		d.Types = append(append([]string(nil), d.Types...), ext.Types...)
	}
	return defs, order
}

// rootTypes names the query, mutation and subscription types: as the
// schema definition says, else the types named Query, Mutation and
// Subscription.
func rootTypes(doc *ast.SchemaDocument, defs map[string]*ast.Definition) [3]string {
	var roots [3]string
	declared := false
	for _, sd := range append(doc.Schema, doc.SchemaExtension...) {
		for _, ot := range sd.OperationTypes {
			declared = true
			switch ot.Operation {
			case ast.Query:
				roots[0] = ot.Type
			case ast.Mutation:
				roots[1] = ot.Type
			case ast.Subscription:
				roots[2] = ot.Type
			}
		}
	}
	if !declared {
		for i, name := range []string{"Query", "Mutation", "Subscription"} {
			if defs[name] != nil {
				roots[i] = name
			}
		}
	}
	return roots
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

package apidiff

import (
	"slices"
	"strings"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/graphqldef"
)

// GraphQL diffs two GraphQL schemas (SDL) structurally, over the model
// the Definition tab renders (graphqldef, which gqlparser parses; gqlparser
// itself has no diff). Breaking: a type, field, argument, enum value,
// union member or implemented interface removed; a type's kind changed; a
// field's or argument's type changed, except an output field made non-null
// or an input made nullable; a new required argument or input field.
// Potentially breaking: an enum value or union member added (a client
// switching over them meets one it does not know). Non-breaking: types,
// fields and optional arguments added. Deprecations are listed as info.
func GraphQL(from, to Input) (*Report, error) {
	a, err := parseGraphQL(from)
	if err != nil {
		return nil, err
	}
	b, err := parseGraphQL(to)
	if err != nil {
		return nil, err
	}
	var c changes
	typeKey := func(t graphqldef.Type) string { return t.Name }
	walk(gqlTypes(a), gqlTypes(b), typeKey,
		func(t graphqldef.Type) {
			c.add(gqlSection(t), "graphql-type-removed", Breaking, "removed the %s %s", t.Kind, t.Name)
		},
		func(t graphqldef.Type) {
			c.add(gqlSection(t), "graphql-type-added", Info, "added the %s %s", t.Kind, t.Name)
		},
		func(x, y graphqldef.Type) { diffGQLType(&c, x, y) })
	return c.report("", ""), nil
}

func parseGraphQL(in Input) (*graphqldef.Schema, error) {
	s, err := graphqldef.Parse(in.Name, in.Data)
	if err != nil {
		return nil, catalog.Errorf(catalog.EINVALID, "%s: %v", in.Name, err)
	}
	return s, nil
}

// gqlTypes lists a schema's types with its root operation types as the
// object types they are.
func gqlTypes(s *graphqldef.Schema) []graphqldef.Type {
	var out []graphqldef.Type
	for i, fields := range [][]graphqldef.Field{s.Queries, s.Mutations, s.Subscriptions} {
		if s.RootTypes[i] != "" {
			out = append(out, graphqldef.Type{Name: s.RootTypes[i], Kind: "object", Fields: fields})
		}
	}
	return append(out, s.Types...)
}

func gqlSection(t graphqldef.Type) string { return t.Kind + " " + t.Name }

func diffGQLType(c *changes, x, y graphqldef.Type) {
	sec := gqlSection(y)
	if x.Kind != y.Kind {
		c.add(sec, "graphql-type-kind-changed", Breaking, "changed %s from %s to %s", x.Name, x.Kind, y.Kind)
		return
	}
	input := y.Kind == "input"
	fieldKey := func(f graphqldef.Field) string { return f.Name }
	walk(x.Fields, y.Fields, fieldKey,
		func(f graphqldef.Field) {
			c.add(sec, "graphql-field-removed", Breaking, "removed the field %s.%s", x.Name, f.Name)
		},
		func(f graphqldef.Field) {
			if input && required(f) {
				c.add(sec, "graphql-required-input-field-added", Breaking, "added the required input field %s.%s: %s", y.Name, f.Name, f.Type)
				return
			}
			c.add(sec, "graphql-field-added", Info, "added the field %s.%s: %s", y.Name, f.Name, f.Type)
		},
		func(fx, fy graphqldef.Field) { diffGQLField(c, sec, y.Name+"."+fy.Name, fx, fy, input) })
	walk(x.Values, y.Values, func(v graphqldef.EnumValue) string { return v.Name },
		func(v graphqldef.EnumValue) {
			c.add(sec, "graphql-enum-value-removed", Breaking, "removed the value %s from the enum %s", v.Name, x.Name)
		},
		func(v graphqldef.EnumValue) {
			c.add(sec, "graphql-enum-value-added", Warning, "added the value %s to the enum %s: clients that switch over its values may not handle it", v.Name, y.Name)
		},
		func(vx, vy graphqldef.EnumValue) {
			if !vx.Deprecated && vy.Deprecated {
				c.add(sec, "graphql-enum-value-deprecated", Info, "deprecated the value %s.%s%s", y.Name, vy.Name, reason(vy.DeprecationReason))
			}
		})
	for _, m := range x.Members {
		if !slices.Contains(y.Members, m) {
			c.add(sec, "graphql-union-member-removed", Breaking, "removed %s from the union %s", m, x.Name)
		}
	}
	for _, m := range y.Members {
		if !slices.Contains(x.Members, m) {
			c.add(sec, "graphql-union-member-added", Warning, "added %s to the union %s: clients that switch over its types may not handle it", m, y.Name)
		}
	}
	for _, i := range x.Interfaces {
		if !slices.Contains(y.Interfaces, i) {
			c.add(sec, "graphql-interface-removed", Breaking, "%s no longer implements %s", x.Name, i)
		}
	}
	for _, i := range y.Interfaces {
		if !slices.Contains(x.Interfaces, i) {
			c.add(sec, "graphql-interface-added", Info, "%s now implements %s", y.Name, i)
		}
	}
}

func diffGQLField(c *changes, sec, name string, x, y graphqldef.Field, input bool) {
	if x.Type != y.Type {
		safe := strings.TrimSuffix(x.Type, "!") == y.Type // made nullable
		if !input {
			safe = x.Type == strings.TrimSuffix(y.Type, "!") // made non-null
		}
		if safe {
			c.add(sec, "graphql-field-type-changed-compatibly", Info, "changed the type of %s from %s to %s", name, x.Type, y.Type)
		} else {
			c.add(sec, "graphql-field-type-changed", Breaking, "changed the type of %s from %s to %s", name, x.Type, y.Type)
		}
	}
	if !x.Deprecated && y.Deprecated {
		c.add(sec, "graphql-field-deprecated", Info, "deprecated %s%s", name, reason(y.DeprecationReason))
	}
	argKey := func(f graphqldef.Field) string { return f.Name }
	walk(x.Args, y.Args, argKey,
		func(arg graphqldef.Field) {
			c.add(sec, "graphql-argument-removed", Breaking, "removed the argument %s of %s", arg.Name, name)
		},
		func(arg graphqldef.Field) {
			if required(arg) {
				c.add(sec, "graphql-required-argument-added", Breaking, "added the required argument %s: %s to %s", arg.Name, arg.Type, name)
				return
			}
			c.add(sec, "graphql-argument-added", Info, "added the optional argument %s: %s to %s", arg.Name, arg.Type, name)
		},
		func(ax, ay graphqldef.Field) {
			switch {
			case ax.Type == ay.Type:
			case strings.TrimSuffix(ax.Type, "!") == ay.Type:
				c.add(sec, "graphql-argument-type-changed-compatibly", Info, "made the argument %s of %s optional (%s to %s)", ay.Name, name, ax.Type, ay.Type)
			default:
				c.add(sec, "graphql-argument-type-changed", Breaking, "changed the type of the argument %s of %s from %s to %s", ay.Name, name, ax.Type, ay.Type)
			}
			if !ax.Deprecated && ay.Deprecated {
				c.add(sec, "graphql-argument-deprecated", Info, "deprecated the argument %s of %s%s", ay.Name, name, reason(ay.DeprecationReason))
			}
		})
}

// required reports whether an argument or input field must be given: its
// type is non-null and it has no default.
func required(f graphqldef.Field) bool {
	return strings.HasSuffix(f.Type, "!") && f.Default == ""
}

func reason(r string) string {
	if r == "" {
		return ""
	}
	return ": " + r
}

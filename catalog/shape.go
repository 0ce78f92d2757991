package catalog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// valueType is a set of JSON types a value may have.
type valueType int

const (
	tString valueType = 1 << iota
	tBool
	tObject
	tList
	tNull
	tAny valueType = 0 // no type constraint
)

// shape is one node of a kind's spec schema: the subset of JSON Schema that
// the kind schemas of @backstage/catalog-model (and the scaffolder's
// Template.v1beta3) use, checked with messages that name the field.
type shape struct {
	types    valueType
	nonEmpty bool     // minLength: 1
	enum     []string // the only values a string may take
	fields   []field  // the named properties of an object, in schema order
	others   *shape   // every other property of an object; nil allows anything
	items    *shape   // the items of a list
	ref      *refRule // a string that is an entity ref, with its relation
}

// field is a named property of an object shape.
type field struct {
	name     string
	required bool
	shape    *shape
}

// refRule says how a ref-valued string resolves (its default kind) and the
// relations it emits, as Backstage's BuiltinKindsEntityProcessor does.
type refRule struct {
	defaultKind string
	relation    string
	reverse     string
}

func req(name string, s *shape) field { return field{name: name, required: true, shape: s} }
func opt(name string, s *shape) field { return field{name: name, shape: s} }

func str() *shape               { return &shape{types: tString} }
func nonEmptyStr() *shape       { return &shape{types: tString, nonEmpty: true} }
func strOrBool() *shape         { return &shape{types: tString | tBool} }
func listOf(item *shape) *shape { return &shape{types: tList, items: item} }
func object(fields ...field) *shape {
	return &shape{types: tObject, fields: fields}
}
func enumOf(values ...string) *shape { return &shape{types: tString, enum: values} }

// refTo is a non-empty string naming an entity, defaulting to kind.
func refTo(kind, relation, reverse string) *shape {
	return &shape{types: tString, nonEmpty: true, ref: &refRule{defaultKind: kind, relation: relation, reverse: reverse}}
}

// refsTo is a list of refTo.
func refsTo(kind, relation, reverse string) *shape { return listOf(refTo(kind, relation, reverse)) }

// check reports on pc every way v (the value at path) departs from s.
// Refs resolve in the entity's namespace.
func (s *shape) check(pc *ProcessContext, path string, v any) {
	if !s.typeMatches(v) {
		pc.AddProblem(path, "must be "+s.typeWords()+", not "+typeName(v))
		return
	}
	switch t := v.(type) {
	case string:
		s.checkString(pc, path, t)
	case map[string]any:
		s.checkObject(pc, path, t)
	case []any:
		if s.items != nil {
			for i, item := range t {
				s.items.check(pc, path+"["+strconv.Itoa(i)+"]", item)
			}
		}
	}
}

func (s *shape) checkString(pc *ProcessContext, path, v string) {
	switch {
	case s.nonEmpty && v == "":
		pc.AddProblem(path, "must not be empty")
	case len(s.enum) > 0 && !slices.Contains(s.enum, v):
		pc.AddProblem(path, fmt.Sprintf("%q is not valid; must be one of %s", v, strings.Join(s.enum, ", ")))
	case s.ref != nil && v != "":
		if _, err := ParseRef(v, s.ref.defaultKind, pc.Entity.Ref().Namespace); err != nil {
			pc.AddProblem(path, err.Error())
		}
	}
}

func (s *shape) checkObject(pc *ProcessContext, path string, m map[string]any) {
	prefix := path + "."
	for _, f := range s.fields {
		name := prefix + f.name
		if hasProblem(pc, name) {
			continue // e.g. its placeholder could not be read
		}
		v, ok := m[f.name]
		switch {
		case !ok && f.required:
			pc.AddProblem(name, "is required")
		case ok:
			f.shape.check(pc, name, v)
		}
	}
	if s.others == nil {
		return
	}
	for _, k := range sortedAnyKeys(m) {
		if !slices.ContainsFunc(s.fields, func(f field) bool { return f.name == k }) {
			s.others.check(pc, prefix+k, m[k])
		}
	}
}

// typeMatches reports whether v has one of the shape's types; null has
// none, as in JSON Schema.
func (s *shape) typeMatches(v any) bool {
	if s.types == tAny {
		return true
	}
	var t valueType
	switch v.(type) {
	case string:
		t = tString
	case bool:
		t = tBool
	case map[string]any:
		t = tObject
	case []any:
		t = tList
	case nil:
		t = tNull
	}
	return s.types&t != 0
}

func (s *shape) typeWords() string {
	var words []string
	for _, w := range []struct {
		t    valueType
		word string
	}{{tString, "a string"}, {tBool, "a boolean"}, {tObject, "an object"}, {tList, "a list"}} {
		if s.types&w.t != 0 {
			words = append(words, w.word)
		}
	}
	if s.types&^tNull == tList && s.items != nil && s.items.types == tString {
		return "a list of strings"
	}
	return strings.Join(words, " or ")
}

// refs returns the refs written in v when the shape (or its items) holds
// refs: a string or the strings of a list. Empty strings are skipped.
func (s *shape) refs(v any) (*refRule, []string) {
	rule := s.ref
	if rule == nil && s.items != nil {
		rule = s.items.ref
	}
	if rule == nil {
		return nil, nil
	}
	var out []string
	switch t := v.(type) {
	case string:
		if t != "" {
			out = append(out, t)
		}
	case []any:
		for _, item := range t {
			if str, ok := item.(string); ok && str != "" {
				out = append(out, str)
			}
		}
	}
	return rule, out
}

func sortedAnyKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

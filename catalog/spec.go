package catalog

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// Relation types, as Backstage names them.
const (
	RelationOwnedBy       = "ownedBy"
	RelationOwnerOf       = "ownerOf"
	RelationProvidesAPI   = "providesApi"
	RelationAPIProvidedBy = "apiProvidedBy"
	RelationConsumesAPI   = "consumesApi"
	RelationAPIConsumedBy = "apiConsumedBy"
	RelationDependsOn     = "dependsOn"
	RelationDependencyOf  = "dependencyOf"
	RelationPartOf        = "partOf"
	RelationHasPart       = "hasPart"
	RelationParentOf      = "parentOf"
	RelationChildOf       = "childOf"
	RelationMemberOf      = "memberOf"
	RelationHasMember     = "hasMember"
)

type fieldType int

const (
	fieldString fieldType = iota
	fieldStrings
	fieldRef
	fieldRefs
	fieldObject
)

// specField describes one spec field of a core kind: its type, whether it
// is required, and for refs the default kind and the relations it emits,
// after Backstage's kind schemas and BuiltinKindsEntityProcessor.
type specField struct {
	name        string
	typ         fieldType
	required    bool
	defaultKind string
	relation    string
	reverse     string
}

func owner() specField {
	return specField{name: "owner", typ: fieldRef, required: true, defaultKind: "Group", relation: RelationOwnedBy, reverse: RelationOwnerOf}
}

func system() specField {
	return specField{name: "system", typ: fieldRef, defaultKind: "System", relation: RelationPartOf, reverse: RelationHasPart}
}

func dependencies() []specField {
	return []specField{
		{name: "dependsOn", typ: fieldRefs, relation: RelationDependsOn, reverse: RelationDependencyOf},
		{name: "dependencyOf", typ: fieldRefs, relation: RelationDependencyOf, reverse: RelationDependsOn},
	}
}

func required(name string) specField { return specField{name: name, typ: fieldString, required: true} }

// kindSpecs lists the spec fields of each core kind. Template is stored
// plainly; only its owner is related.
var kindSpecs = map[string][]specField{
	"API": {required("type"), required("lifecycle"), owner(), required("definition"), system()},
	"Component": append([]specField{required("type"), required("lifecycle"), owner(), system(),
		{name: "subcomponentOf", typ: fieldRef, defaultKind: "Component", relation: RelationPartOf, reverse: RelationHasPart},
		{name: "providesApis", typ: fieldRefs, defaultKind: "API", relation: RelationProvidesAPI, reverse: RelationAPIProvidedBy},
		{name: "consumesApis", typ: fieldRefs, defaultKind: "API", relation: RelationConsumesAPI, reverse: RelationAPIConsumedBy},
	}, dependencies()...),
	"Resource": append([]specField{required("type"), owner(), system()}, dependencies()...),
	"System": {owner(),
		{name: "domain", typ: fieldRef, defaultKind: "Domain", relation: RelationPartOf, reverse: RelationHasPart}},
	"Domain": {owner(),
		{name: "subdomainOf", typ: fieldRef, defaultKind: "Domain", relation: RelationPartOf, reverse: RelationHasPart}},
	"Group": {required("type"),
		{name: "children", typ: fieldRefs, required: true, defaultKind: "Group", relation: RelationParentOf, reverse: RelationChildOf},
		{name: "parent", typ: fieldRef, defaultKind: "Group", relation: RelationChildOf, reverse: RelationParentOf},
		{name: "members", typ: fieldRefs, defaultKind: "User", relation: RelationHasMember, reverse: RelationMemberOf},
		{name: "profile", typ: fieldObject}},
	"User": {
		{name: "memberOf", typ: fieldRefs, defaultKind: "Group", relation: RelationMemberOf, reverse: RelationHasMember},
		{name: "profile", typ: fieldObject}},
	"Location": {{name: "type", typ: fieldString}, {name: "target", typ: fieldString}, {name: "targets", typ: fieldStrings}},
	"Template": {{name: "owner", typ: fieldRef, defaultKind: "Group", relation: RelationOwnedBy, reverse: RelationOwnerOf}},
}

// validateSpec checks the spec fields of a core kind.
func validateSpec(pc *ProcessContext, e *Entity) {
	fields := kindSpecs[e.Kind]
	if e.Spec == nil && hasRequired(fields) {
		pc.AddProblem("spec", fmt.Sprintf("is required for kind %s", e.Kind))
		return
	}
	if e.Kind == "Template" {
		// Stored plainly: a malformed owner only loses its relation.
		return
	}
	for _, f := range fields {
		validateSpecField(pc, e, f)
	}
	if e.Kind == "Location" && e.Spec["target"] == nil && e.Spec["targets"] == nil {
		pc.AddProblem("spec.target", "is required (or spec.targets)")
	}
}

func hasRequired(fields []specField) bool {
	return slices.ContainsFunc(fields, func(f specField) bool { return f.required })
}

func validateSpecField(pc *ProcessContext, e *Entity, f specField) {
	field := "spec." + f.name
	if hasProblem(pc, field) {
		return // e.g. its placeholder could not be read
	}
	v, ok := e.Spec[f.name]
	if !ok || v == nil {
		if f.required {
			pc.AddProblem(field, "is required")
		}
		return
	}
	switch f.typ {
	case fieldString, fieldRef:
		s, isString := v.(string)
		switch {
		case !isString:
			pc.AddProblem(field, "must be a string, not "+typeName(v))
		case s == "" && f.required:
			pc.AddProblem(field, "is required and must not be empty")
		case f.typ == fieldRef && s != "":
			checkRef(pc, e, field, s, f.defaultKind)
		}
	case fieldStrings, fieldRefs:
		list, isList := v.([]any)
		if !isList {
			pc.AddProblem(field, "must be a list of strings, not "+typeName(v))
			return
		}
		for i, item := range list {
			s, isString := item.(string)
			itemField := field + "[" + strconv.Itoa(i) + "]"
			if !isString {
				pc.AddProblem(itemField, "must be a string, not "+typeName(item))
				continue
			}
			if f.typ == fieldRefs {
				checkRef(pc, e, itemField, s, f.defaultKind)
			}
		}
	case fieldObject:
		if _, isMap := v.(map[string]any); !isMap {
			pc.AddProblem(field, "must be an object, not "+typeName(v))
		}
	}
}

func checkRef(pc *ProcessContext, e *Entity, field, s, defaultKind string) {
	if _, err := ParseRef(s, defaultKind, e.Ref().Namespace); err != nil {
		pc.AddProblem(field, err.Error())
	}
}

// emitRelations adds the relations of a core kind's spec, both directions.
// Refs resolve with the field's default kind and the entity's namespace.
// It runs only on valid entities.
func emitRelations(pc *ProcessContext) {
	e := pc.Entity
	ns := e.Ref().Namespace
	for _, f := range kindSpecs[e.Kind] {
		if f.relation == "" {
			continue
		}
		var targets []string
		if f.typ == fieldRef {
			if s := e.SpecString(f.name); s != "" {
				targets = []string{s}
			}
		} else {
			targets = e.SpecStrings(f.name)
		}
		for _, t := range targets {
			ref, err := ParseRef(t, f.defaultKind, ns)
			if err != nil {
				continue // reported by validation (or ignored for Template)
			}
			pc.AddRelation(f.relation, ref, f.reverse)
		}
	}
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// hasProblem reports whether field already has a problem.
func hasProblem(pc *ProcessContext, field string) bool {
	for _, p := range pc.problems {
		if p.Field == field {
			return true
		}
	}
	return false
}

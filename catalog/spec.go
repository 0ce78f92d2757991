package catalog

import (
	"fmt"
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

// The spec schemas of the built-in kinds follow, field by field,
// packages/catalog-model/src/schema/kinds/<Kind>.v1alpha1.schema.json
// (every string there has minLength 1) and, for Template, the scaffolder's
// Template.v1beta3.schema.json. Ref fields carry the default kind and the
// relations of BuiltinKindsEntityProcessor; other spec fields are allowed.
// Fields are listed in the order relations have always been emitted.

func owner() field { return req("owner", refTo("Group", RelationOwnedBy, RelationOwnerOf)) }

func system() field { return opt("system", refTo("System", RelationPartOf, RelationHasPart)) }

func dependsOn() field {
	return opt("dependsOn", refsTo("", RelationDependsOn, RelationDependencyOf))
}

// dependencyOf is in no schema, but BuiltinKindsEntityProcessor relates it
// when it is a ref or a list of refs; null or an empty string emits nothing.
func dependencyOf() field {
	rule := &refRule{relation: RelationDependencyOf, reverse: RelationDependsOn}
	return opt("dependencyOf", &shape{types: tString | tList | tNull, ref: rule,
		items: &shape{types: tString, nonEmpty: true, ref: rule}})
}

// profile is spec.profile of User and Group.
func profile() field {
	return opt("profile", object(opt("displayName", nonEmptyStr()), opt("email", nonEmptyStr()), opt("picture", nonEmptyStr())))
}

var (
	apiSpec = object(req("type", nonEmptyStr()), req("lifecycle", nonEmptyStr()), owner(), system(),
		req("definition", nonEmptyStr()))
	componentSpec = object(req("type", nonEmptyStr()), req("lifecycle", nonEmptyStr()), owner(), system(),
		opt("subcomponentOf", refTo("Component", RelationPartOf, RelationHasPart)),
		opt("providesApis", refsTo("API", RelationProvidesAPI, RelationAPIProvidedBy)),
		opt("consumesApis", refsTo("API", RelationConsumesAPI, RelationAPIConsumedBy)),
		dependsOn(), dependencyOf())
	resourceSpec = object(req("type", nonEmptyStr()), owner(), system(), dependsOn(), dependencyOf())
	systemSpec   = object(owner(), opt("domain", refTo("Domain", RelationPartOf, RelationHasPart)),
		opt("type", nonEmptyStr()))
	domainSpec = object(owner(), opt("subdomainOf", refTo("Domain", RelationPartOf, RelationHasPart)),
		opt("type", nonEmptyStr()))
	groupSpec = object(req("type", nonEmptyStr()),
		req("children", refsTo("Group", RelationParentOf, RelationChildOf)),
		opt("parent", refTo("Group", RelationChildOf, RelationParentOf)),
		opt("members", refsTo("User", RelationHasMember, RelationMemberOf)), profile())
	userSpec     = object(req("memberOf", refsTo("Group", RelationMemberOf, RelationHasMember)), profile())
	locationSpec = object(opt("type", nonEmptyStr()), opt("target", nonEmptyStr()),
		opt("targets", listOf(nonEmptyStr())), opt("presence", enumOf("required", "optional")))
)

// templateSpec is the scaffolder's Template.v1beta3 schema, which
// Backstage's scaffolder entity model module validates.
var templateSpec = func() *shape {
	permissions := opt("backstage:permissions", object(opt("tags", listOf(str()))))
	parameters := object(permissions)
	parameters.types |= tList
	parameters.items = object(opt("when", strOrBool()), permissions)
	decorators := listOf(object(opt("id", str()), opt("input", object())))
	output := object(
		opt("links", listOf(object(opt("if", strOrBool()), opt("url", nonEmptyStr()),
			opt("entityRef", nonEmptyStr()), opt("title", nonEmptyStr()), opt("icon", nonEmptyStr())))),
		opt("text", listOf(object(opt("if", strOrBool()), opt("title", nonEmptyStr()),
			opt("icon", nonEmptyStr()), opt("content", str())))))
	output.others = str()
	return object(req("type", nonEmptyStr()),
		opt("owner", refTo("Group", RelationOwnedBy, RelationOwnerOf)),
		opt("lifecycle", nonEmptyStr()),
		opt("parameters", parameters),
		opt("secrets", object(opt("schema", object()))),
		opt("presentation", object(opt("buttonLabels", object(opt("backButtonText", str()),
			opt("createButtonText", str()), opt("reviewButtonText", str()))))),
		opt("EXPERIMENTAL_recovery", object(opt("EXPERIMENTAL_strategy", str()))),
		opt("formDecorators", decorators),
		opt("EXPERIMENTAL_formDecorators", decorators),
		req("steps", listOf(object(opt("id", str()), opt("name", str()), req("action", str()),
			opt("input", object()), opt("if", strOrBool()), permissions))),
		opt("output", output))
}()

// specValidator returns a Kind.Validate that checks spec against s; every
// built-in kind requires a spec.
func specValidator(s *shape) func(pc *ProcessContext) {
	return func(pc *ProcessContext) {
		e := pc.Entity
		if e.Spec == nil {
			pc.AddProblem("spec", fmt.Sprintf("is required for kind %s", e.Kind))
			return
		}
		s.checkObject(pc, "spec", e.Spec)
	}
}

// builtinSpecs are the spec schemas of the built-in kinds, which also say
// which spec fields emit relations.
var builtinSpecs = map[string]*shape{
	"API": apiSpec, "Component": componentSpec, "Resource": resourceSpec, "System": systemSpec,
	"Domain": domainSpec, "Group": groupSpec, "User": userSpec, "Location": locationSpec,
	"Template": templateSpec,
}

// emitRelations adds the relations of a built-in kind's spec, both
// directions. Refs resolve with the field's default kind and the entity's
// namespace. It runs only on valid entities.
func emitRelations(pc *ProcessContext) {
	e := pc.Entity
	s := builtinSpecs[e.Kind]
	if s == nil {
		return
	}
	ns := e.Ref().Namespace
	for _, f := range s.fields {
		rule, targets := f.shape.refs(e.Spec[f.name])
		for _, t := range targets {
			ref, err := ParseRef(t, rule.defaultKind, ns)
			if err != nil {
				continue // reported by validation
			}
			pc.AddRelation(rule.relation, ref, rule.reverse)
		}
	}
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

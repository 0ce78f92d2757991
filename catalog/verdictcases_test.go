package catalog

import (
	"strings"
	"testing"
)

// Unknown kinds and apiVersions: BuiltinKindsEntityProcessor
// (plugin-catalog-backend) accepts an entity only when one of its kind
// validators recognises it, that is when kind and apiVersion match the
// `kind` and `apiVersion` enums of kinds/<Kind>.v1alpha1.schema.json; the
// scaffolder's Template.v1beta3.schema.json does the same for Template.
// The format of both fields comes from KubernetesValidatorFunctions
// (isValidKind, isValidApiVersion) through FieldFormatEntityPolicy.
var kindCases = []verdictCase{
	{name: "API.v1alpha1 apiVersion enum: backstage.io/v1alpha1", doc: doc("API", "", apiSpecYAML)},
	{name: "API.v1alpha1 apiVersion enum: backstage.io/v1beta1", doc: docAt("backstage.io/v1beta1", "API", "", apiSpecYAML)},
	{name: "Location.v1alpha1 apiVersion enum: backstage.io/v1beta1", doc: docAt("backstage.io/v1beta1", "Location", "", "{}")},
	{name: "no kind validator recognises Widget", doc: docAt("example.com/v1", "Widget", "", "{}"),
		want: `kind: "Widget" is not a known kind (known: API, Component, Domain, Group, Location, Resource, System, Template, User)`},
	{name: "AiResource is in catalog-model but not in BuiltinKindsEntityProcessor", doc: doc("AiResource", "", "{type: skill, owner: a}"),
		want: `kind: "AiResource" is not a known kind`},
	{name: "kind enum is case-sensitive: api", doc: doc("api", "", apiSpecYAML), want: `kind: "api" is not a known kind; kinds are case-sensitive: did you mean "API"?`},
	{name: "API.v1alpha1 apiVersion enum excludes backstage.io/v2", doc: docAt("backstage.io/v2", "API", "", apiSpecYAML),
		want: `apiVersion: "backstage.io/v2" is not valid for kind API; must be backstage.io/v1alpha1 or backstage.io/v1beta1`},
	{name: "isValidApiVersion allows a version without group, the enum does not", doc: docAt("v1alpha1", "Component", "", componentSpecYAML),
		want: `apiVersion: "v1alpha1" is not valid for kind Component`},
	{name: "Component.v1alpha1 apiVersion enum excludes the scaffolder's", doc: docAt("scaffolder.backstage.io/v1beta3", "Component", "", componentSpecYAML),
		want: `is not valid for kind Component`},
	{name: "Template.v1beta3 apiVersion enum: scaffolder.backstage.io/v1beta3", doc: docAt("scaffolder.backstage.io/v1beta3", "Template", "", templateSpecYAML)},
	{name: "Template.v1beta3 apiVersion enum excludes backstage.io/v1alpha1", doc: doc("Template", "", templateSpecYAML),
		want: `apiVersion: "backstage.io/v1alpha1" is not valid for kind Template; must be scaffolder.backstage.io/v1beta3`},
	{name: "Template.v1beta3 apiVersion enum excludes v1beta2", doc: docAt("scaffolder.backstage.io/v1beta2", "Template", "", templateSpecYAML),
		want: `is not valid for kind Template`},
	{name: "Template.v1beta3 spec.steps items require action", doc: docAt("scaffolder.backstage.io/v1beta3", "Template", "", "{type: service, steps: [{id: a}]}"),
		want: "spec.steps[0].action: is required"},
	{name: "Template.v1beta3 spec.parameters is an object or a list of objects", doc: docAt("scaffolder.backstage.io/v1beta3", "Template", "", "{type: service, steps: [], parameters: [{when: true}, 5]}"),
		want: "spec.parameters[1]: must be an object, not a number"},
	{name: "Template.v1beta3 spec.output.links items title minLength 1", doc: docAt("scaffolder.backstage.io/v1beta3", "Template", "", "{type: service, steps: [], output: {links: [{title: ''}]}}"),
		want: "spec.output.links[0].title: must not be empty"},
	{name: "Template.v1beta3 spec.output additionalProperties are strings", doc: docAt("scaffolder.backstage.io/v1beta3", "Template", "", "{type: service, steps: [], output: {extra: [a]}}"),
		want: "spec.output.extra: must be a string, not a list"},
	{name: "isValidKind: letters and digits only", doc: docAt("example.com/v1", "My-Kind", "", "{}"), want: `kind: "My-Kind" is not valid`},
	{name: "isValidApiVersion: at most one slash", doc: docAt("backstage.io/v1/alpha", "API", "", apiSpecYAML), want: `apiVersion: "backstage.io/v1/alpha" is not valid; must be a version`},
	{name: "isValidApiVersion: the group is a lower-case DNS subdomain", doc: docAt("Backstage.io/v1alpha1", "API", "", apiSpecYAML), want: `apiVersion: "Backstage.io/v1alpha1" is not valid`},
}

// Empty strings and nulls: every string with `minLength: 1` in
// EntityEnvelope.schema.json, EntityMeta.schema.json and the kind schemas
// refuses "", and null is of no JSON Schema type but "null". Where no
// schema speaks (metadata.description, Component spec.dependencyOf), ""
// is accepted.
var minLengthCases = []verdictCase{
	{name: "EntityEnvelope: apiVersion minLength 1", doc: strings.Replace(doc("API", "", apiSpecYAML), "backstage.io/v1alpha1", "''", 1), want: "apiVersion: is required"},
	{name: "EntityEnvelope: kind minLength 1", doc: doc("''", "", "{}"), want: "kind: is required"},
	{name: "EntityEnvelope: metadata.name minLength 1", doc: strings.Replace(doc("API", "", apiSpecYAML), "name: x", "name: ''", 1), want: "metadata.name: is required"},
	{name: "EntityMeta: namespace minLength 1", doc: doc("API", "namespace: ''", apiSpecYAML), want: "metadata.namespace: must not be empty"},
	{name: "EntityMeta: title minLength 1", doc: doc("API", "title: ''", apiSpecYAML), want: "metadata.title: must not be empty"},
	{name: "EntityMeta: title is a string, not null", doc: doc("API", "title: null", apiSpecYAML), want: "metadata.title: must be a string, not null"},
	{name: "EntityMeta: description has no minLength", doc: doc("API", "description: ''", apiSpecYAML)},
	{name: "EntityMeta: uid minLength 1", doc: doc("API", "uid: ''", apiSpecYAML), want: "metadata.uid: must not be empty"},
	{name: "EntityMeta: labels is an object, not null", doc: doc("API", "labels: null", apiSpecYAML), want: "metadata.labels: must be an object, not null"},
	{name: "EntityMeta: tags items minLength 1", doc: doc("API", "tags: ['']", apiSpecYAML), want: `metadata.tags[0]: "" is not valid`},
	{name: "EntityMeta: links items title minLength 1", doc: doc("API", "links: [{url: 'https://a.example', title: ''}]", apiSpecYAML), want: "metadata.links[0].title: must not be empty"},
	{name: "EntityMeta: links items icon minLength 1", doc: doc("API", "links: [{url: 'https://a.example', icon: ''}]", apiSpecYAML), want: "metadata.links[0].icon: must not be empty"},
	{name: "EntityMeta: links items type minLength 1", doc: doc("API", "links: [{url: 'https://a.example', type: ''}]", apiSpecYAML), want: "metadata.links[0].type: must not be empty"},
	{name: "EntityMeta: links items url minLength 1", doc: doc("API", "links: [{url: ''}]", apiSpecYAML), want: "metadata.links[0].url: is required"},
	{name: "FieldFormatEntityPolicy: links url isValidUrl", doc: doc("API", "links: [{url: 'docs.example.com'}]", apiSpecYAML), want: `metadata.links[0].url: "docs.example.com" is not valid`},
	{name: "FieldFormatEntityPolicy: links url isValidUrl needs an http host", doc: doc("API", "links: [{url: 'https://'}]", apiSpecYAML), want: `metadata.links[0].url: "https://" is not valid`},
	{name: "FieldFormatEntityPolicy: links url isValidUrl accepts any scheme", doc: doc("API", "links: [{url: 'mailto:team@example.com'}]", apiSpecYAML)},
	{name: "FieldFormatEntityPolicy: links title isNonEmptyString trims", doc: doc("API", "links: [{url: 'https://a.example', title: '  '}]", apiSpecYAML), want: "metadata.links[0].title: must not be blank"},
	{name: "API.v1alpha1: spec.system minLength 1", doc: doc("API", "", strings.Replace(apiSpecYAML, "owner: team-a", "owner: team-a, system: ''", 1)), want: "spec.system: must not be empty"},
	{name: "API.v1alpha1: spec.system is a string, not null", doc: doc("API", "", strings.Replace(apiSpecYAML, "owner: team-a", "owner: team-a, system: null", 1)), want: "spec.system: must be a string, not null"},
	{name: "API.v1alpha1: spec.definition minLength 1", doc: doc("API", "", strings.Replace(apiSpecYAML, "'openapi: 3.0.0'", "''", 1)), want: "spec.definition: must not be empty"},
	{name: "Component.v1alpha1: spec.owner minLength 1", doc: doc("Component", "", "{type: service, lifecycle: production, owner: ''}"), want: "spec.owner: must not be empty"},
	{name: "Component.v1alpha1: spec.lifecycle minLength 1", doc: doc("Component", "", "{type: service, lifecycle: '', owner: a}"), want: "spec.lifecycle: must not be empty"},
	{name: "Component.v1alpha1: spec.providesApis items minLength 1", doc: doc("Component", "", "{type: service, lifecycle: x, owner: a, providesApis: ['']}"), want: "spec.providesApis[0]: must not be empty"},
	{name: "Component.v1alpha1: spec.subcomponentOf minLength 1", doc: doc("Component", "", "{type: service, lifecycle: x, owner: a, subcomponentOf: ''}"), want: "spec.subcomponentOf: must not be empty"},
	{name: "Component: spec.dependencyOf is in no schema; an empty one relates nothing", doc: doc("Component", "", "{type: service, lifecycle: x, owner: a, dependencyOf: ''}")},
	{name: "Component: spec.dependencyOf is in no schema; a null one relates nothing", doc: doc("Component", "", "{type: service, lifecycle: x, owner: a, dependencyOf: null}")},
	{name: "Resource.v1alpha1: spec.dependsOn items minLength 1", doc: doc("Resource", "", "{type: db, owner: a, dependsOn: ['']}"), want: "spec.dependsOn[0]: must not be empty"},
	{name: "System.v1alpha1: spec.type minLength 1", doc: doc("System", "", "{owner: a, type: ''}"), want: "spec.type: must not be empty"},
	{name: "System.v1alpha1: spec.domain minLength 1", doc: doc("System", "", "{owner: a, domain: ''}"), want: "spec.domain: must not be empty"},
	{name: "Domain.v1alpha1: spec.type minLength 1", doc: doc("Domain", "", "{owner: a, type: ''}"), want: "spec.type: must not be empty"},
	{name: "Domain.v1alpha1: spec.subdomainOf minLength 1", doc: doc("Domain", "", "{owner: a, subdomainOf: ''}"), want: "spec.subdomainOf: must not be empty"},
	{name: "Group.v1alpha1: spec.parent minLength 1", doc: doc("Group", "", "{type: team, children: [], parent: ''}"), want: "spec.parent: must not be empty"},
	{name: "Group.v1alpha1: spec.members items minLength 1", doc: doc("Group", "", "{type: team, children: [], members: ['']}"), want: "spec.members[0]: must not be empty"},
	{name: "User.v1alpha1: spec.memberOf items minLength 1", doc: doc("User", "", "{memberOf: ['']}"), want: "spec.memberOf[0]: must not be empty"},
	{name: "Entity.schema: spec is an object, not null", doc: doc("Location", "", "null"), want: "spec: must be an object, not null"},
}

// Required spec fields: the `required` list of each kind schema's spec,
// and `required: [spec]` of every kind schema.
var requiredSpecCases = []verdictCase{
	{name: "API.v1alpha1: a complete spec", doc: doc("API", "", apiSpecYAML)},
	{name: "API.v1alpha1: spec is required", doc: doc("API", "", ""), want: "spec: is required for kind API"},
	{name: "API.v1alpha1: spec.type is required", doc: doc("API", "", "{lifecycle: p, owner: a, definition: d}"), want: "spec.type: is required"},
	{name: "API.v1alpha1: spec.lifecycle is required", doc: doc("API", "", "{type: openapi, owner: a, definition: d}"), want: "spec.lifecycle: is required"},
	{name: "API.v1alpha1: spec.owner is required", doc: doc("API", "", "{type: openapi, lifecycle: p, definition: d}"), want: "spec.owner: is required"},
	{name: "API.v1alpha1: spec.definition is required", doc: doc("API", "", "{type: openapi, lifecycle: p, owner: a}"), want: "spec.definition: is required"},
	{name: "Component.v1alpha1: a complete spec", doc: doc("Component", "", componentSpecYAML)},
	{name: "Component.v1alpha1: spec.type is required", doc: doc("Component", "", "{lifecycle: p, owner: a}"), want: "spec.type: is required"},
	{name: "Component.v1alpha1: spec.lifecycle is required", doc: doc("Component", "", "{type: service, owner: a}"), want: "spec.lifecycle: is required"},
	{name: "Component.v1alpha1: spec.owner is required", doc: doc("Component", "", "{type: service, lifecycle: p}"), want: "spec.owner: is required"},
	{name: "Resource.v1alpha1: a complete spec", doc: doc("Resource", "", "{type: database, owner: a}")},
	{name: "Resource.v1alpha1: spec.type is required", doc: doc("Resource", "", "{owner: a}"), want: "spec.type: is required"},
	{name: "Resource.v1alpha1: spec.owner is required", doc: doc("Resource", "", "{type: database}"), want: "spec.owner: is required"},
	{name: "System.v1alpha1: a complete spec", doc: doc("System", "", "{owner: a}")},
	{name: "System.v1alpha1: spec.owner is required", doc: doc("System", "", "{domain: d}"), want: "spec.owner: is required"},
	{name: "Domain.v1alpha1: a complete spec", doc: doc("Domain", "", "{owner: a}")},
	{name: "Domain.v1alpha1: spec.owner is required", doc: doc("Domain", "", "{}"), want: "spec.owner: is required"},
	{name: "Group.v1alpha1: a complete spec", doc: doc("Group", "", groupSpecYAML)},
	{name: "Group.v1alpha1: spec.type is required", doc: doc("Group", "", "{children: []}"), want: "spec.type: is required"},
	{name: "Group.v1alpha1: spec.children is required", doc: doc("Group", "", "{type: team}"), want: "spec.children: is required"},
	{name: "User.v1alpha1: a complete spec", doc: doc("User", "", userSpecYAML)},
	{name: "User.v1alpha1: spec.memberOf is required", doc: doc("User", "", "{profile: {displayName: A}}"), want: "spec.memberOf: is required"},
	{name: "User.v1alpha1: spec is required", doc: doc("User", "", ""), want: "spec: is required for kind User"},
	{name: "Location.v1alpha1: spec is required", doc: doc("Location", "", ""), want: "spec: is required for kind Location"},
	{name: "Template.v1beta3: spec.type is required", doc: docAt("scaffolder.backstage.io/v1beta3", "Template", "", "{steps: []}"), want: "spec.type: is required"},
	{name: "Template.v1beta3: spec.steps is required", doc: docAt("scaffolder.backstage.io/v1beta3", "Template", "", "{type: service}"), want: "spec.steps: is required"},
	{name: "Component.v1alpha1: spec.providesApis is a list", doc: doc("Component", "", "{type: service, lifecycle: p, owner: a, providesApis: api-a}"), want: "spec.providesApis: must be a list of strings, not a string"},
	{name: "BuiltinKindsEntityProcessor: spec.dependsOn refs need a kind", doc: doc("Component", "", "{type: service, lifecycle: p, owner: a, dependsOn: [db]}"), want: `spec.dependsOn[0]: entity ref "db" has no kind`},
}

// Root fields: Entity.schema.json has additionalProperties: false beside
// apiVersion, kind, metadata, spec, relations and status, and
// NoForeignRootFieldsEntityPolicy then refuses relations and status too,
// which are the catalog's output. EntityMeta.schema.json and the kind
// schemas' spec allow other properties.
var rootFieldCases = []verdictCase{
	{name: "NoForeignRootFieldsEntityPolicy: relations", doc: doc("API", "", apiSpecYAML) + "relations: [{type: ownedBy, targetRef: 'group:default/team-a'}]\n",
		want: "relations: is output-only"},
	{name: "NoForeignRootFieldsEntityPolicy: empty relations", doc: doc("API", "", apiSpecYAML) + "relations: []\n", want: "relations: is output-only"},
	{name: "NoForeignRootFieldsEntityPolicy: status", doc: doc("API", "", apiSpecYAML) + "status: {items: []}\n", want: "status: is output-only"},
	{name: "Entity.schema additionalProperties false: owner at the root", doc: doc("API", "", apiSpecYAML) + "owner: team-a\n",
		want: "owner: is not an entity field; the root holds only apiVersion, kind, metadata and spec"},
	{name: "EntityMeta additionalProperties true", doc: doc("API", "team: a", apiSpecYAML)},
	{name: "API.v1alpha1 spec allows other properties", doc: doc("API", "", strings.Replace(apiSpecYAML, "}", ", tier: gold}", 1))},
}

// spec.profile of User and Group: an object whose displayName, email and
// picture are strings of minLength 1 (User.v1alpha1.schema.json,
// Group.v1alpha1.schema.json); other profile properties are allowed.
var profileCases = []verdictCase{
	{name: "User.v1alpha1 profile: all three", doc: doc("User", "", "{memberOf: [], profile: {displayName: Ada, email: ada@example.com, picture: 'https://a.example/a.png'}}")},
	{name: "User.v1alpha1 profile: other properties allowed", doc: doc("User", "", "{memberOf: [], profile: {phone: '123'}}")},
	{name: "User.v1alpha1 profile: an object", doc: doc("User", "", "{memberOf: [], profile: Ada}"), want: "spec.profile: must be an object, not a string"},
	{name: "User.v1alpha1 profile: not null", doc: doc("User", "", "{memberOf: [], profile: null}"), want: "spec.profile: must be an object, not null"},
	{name: "User.v1alpha1 profile.displayName: a string", doc: doc("User", "", "{memberOf: [], profile: {displayName: 5}}"), want: "spec.profile.displayName: must be a string, not a number"},
	{name: "User.v1alpha1 profile.email: minLength 1", doc: doc("User", "", "{memberOf: [], profile: {email: ''}}"), want: "spec.profile.email: must not be empty"},
	{name: "User.v1alpha1 profile.picture: a string", doc: doc("User", "", "{memberOf: [], profile: {picture: [a]}}"), want: "spec.profile.picture: must be a string, not a list"},
	{name: "Group.v1alpha1 profile: all three", doc: doc("Group", "", "{type: team, children: [], profile: {displayName: A, email: a@example.com, picture: p}}")},
	{name: "Group.v1alpha1 profile.email: a string", doc: doc("Group", "", "{type: team, children: [], profile: {email: {a: b}}}"), want: "spec.profile.email: must be a string, not an object"},
	{name: "Group.v1alpha1 profile.displayName: minLength 1", doc: doc("Group", "", "{type: team, children: [], profile: {displayName: ''}}"), want: "spec.profile.displayName: must not be empty"},
}

// Location.v1alpha1.schema.json: spec is required but none of its fields;
// type and target are strings of minLength 1, targets a list of them, and
// presence is "required" or "optional".
var locationCases = []verdictCase{
	{name: "Location.v1alpha1: neither target nor targets", doc: doc("Location", "", "{type: url}")},
	{name: "Location.v1alpha1: an empty spec", doc: doc("Location", "", "{}")},
	{name: "Location.v1alpha1: target and targets", doc: doc("Location", "", "{type: file, target: ./a.yaml, targets: [./b.yaml]}")},
	{name: "Location.v1alpha1: type is not an enum", doc: doc("Location", "", "{type: github-discovery, target: 'https://github.com/o'}")},
	{name: "Location.v1alpha1: presence enum required", doc: doc("Location", "", "{target: ./a.yaml, presence: required}")},
	{name: "Location.v1alpha1: presence enum optional", doc: doc("Location", "", "{target: ./a.yaml, presence: optional}")},
	{name: "Location.v1alpha1: presence enum refuses others", doc: doc("Location", "", "{target: ./a.yaml, presence: maybe}"),
		want: `spec.presence: "maybe" is not valid; must be one of required, optional`},
	{name: "Location.v1alpha1: presence enum refuses empty", doc: doc("Location", "", "{target: ./a.yaml, presence: ''}"), want: `spec.presence: "" is not valid`},
	{name: "Location.v1alpha1: presence is a string", doc: doc("Location", "", "{target: ./a.yaml, presence: true}"), want: "spec.presence: must be a string, not a boolean"},
	{name: "Location.v1alpha1: type minLength 1", doc: doc("Location", "", "{type: '', target: ./a.yaml}"), want: "spec.type: must not be empty"},
	{name: "Location.v1alpha1: type is a string", doc: doc("Location", "", "{type: 5, target: ./a.yaml}"), want: "spec.type: must be a string, not a number"},
	{name: "Location.v1alpha1: target minLength 1", doc: doc("Location", "", "{target: ''}"), want: "spec.target: must not be empty"},
	{name: "Location.v1alpha1: targets is a list", doc: doc("Location", "", "{targets: ./a.yaml}"), want: "spec.targets: must be a list of strings, not a string"},
	{name: "Location.v1alpha1: targets items minLength 1", doc: doc("Location", "", "{targets: [./a.yaml, '']}"), want: "spec.targets[1]: must not be empty"},
	{name: "Location.v1alpha1: targets items are strings", doc: doc("Location", "", "{targets: [1]}"), want: "spec.targets[0]: must be a string, not a number"},
}

// Namespaces and label-key prefixes are DNS labels by
// CommonValidatorFunctions.isValidDnsLabel, /^[a-z0-9]+(?:\-+[a-z0-9]+)*$/,
// 1-63 characters: a run of dashes inside is allowed. Tags follow
// makeValidator's isValidTag, where dashes are single.
var namespaceCases = []verdictCase{
	{name: "isValidDnsLabel: two consecutive dashes", doc: doc("API", "namespace: team--a", apiSpecYAML)},
	{name: "isValidDnsLabel: three consecutive dashes", doc: doc("API", "namespace: a---b-c", apiSpecYAML)},
	{name: "isValidDnsLabel: 63 characters", doc: doc("API", "namespace: "+strings.Repeat("a", 63), apiSpecYAML)},
	{name: "isValidDnsLabel: 64 characters", doc: doc("API", "namespace: "+strings.Repeat("a", 64), apiSpecYAML), want: "metadata.namespace: "},
	{name: "isValidDnsLabel: no leading dash", doc: doc("API", "namespace: -a", apiSpecYAML), want: `metadata.namespace: "-a" is not valid`},
	{name: "isValidDnsLabel: no trailing dash", doc: doc("API", "namespace: a--", apiSpecYAML), want: `metadata.namespace: "a--" is not valid`},
	{name: "isValidDnsLabel: lower case only", doc: doc("API", "namespace: Team", apiSpecYAML), want: `metadata.namespace: "Team" is not valid`},
	{name: "isValidDnsLabel: no dots", doc: doc("API", "namespace: a.b", apiSpecYAML), want: `metadata.namespace: "a.b" is not valid`},
	{name: "isValidDnsSubdomain: label key prefix with two dashes", doc: doc("API", "labels: {a--b.example.com/tier: gold}", apiSpecYAML)},
	{name: "isValidTag: single dashes only", doc: doc("API", "tags: [a--b]", apiSpecYAML), want: `metadata.tags[0]: "a--b" is not valid`},
	{name: "isValidTag: colons allowed", doc: doc("API", "tags: ['a:b']", apiSpecYAML)},
}

func TestVerdictsKinds(t *testing.T)              { checkVerdicts(t, kindCases) }
func TestVerdictsEmptyStrings(t *testing.T)       { checkVerdicts(t, minLengthCases) }
func TestVerdictsRequiredSpecFields(t *testing.T) { checkVerdicts(t, requiredSpecCases) }
func TestVerdictsRootFields(t *testing.T)         { checkVerdicts(t, rootFieldCases) }
func TestVerdictsProfile(t *testing.T)            { checkVerdicts(t, profileCases) }
func TestVerdictsLocation(t *testing.T)           { checkVerdicts(t, locationCases) }
func TestVerdictsNamespaces(t *testing.T)         { checkVerdicts(t, namespaceCases) }

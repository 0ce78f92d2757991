package catalog

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Kind is a kind of entity the catalog accepts. As in Backstage, where an
// entity is refused unless some processor's validateEntityKind recognises
// its kind and apiVersion, an entity whose kind and apiVersion match no
// registered Kind is refused. The built-in kinds are those of
// @backstage/catalog-model's BuiltinKindsEntityProcessor (API, Component,
// Resource, System, Domain, Group, User, Location, at backstage.io/v1alpha1
// or v1beta1) and the scaffolder's Template (scaffolder.backstage.io/v1beta3);
// a feature adds its own with Catalog.AddKind.
type Kind struct {
	// Name is the kind as written in descriptors, e.g. "Frob". It is
	// matched exactly, as Backstage's kind validators match it.
	Name string
	// APIVersions are the apiVersions the kind is written with, e.g.
	// "example.com/v1"; at least one.
	APIVersions []string
	// Validate checks what the envelope and metadata rules do not (usually
	// the spec) and reports each problem with pc.AddProblem, naming the
	// field. Nil accepts any spec.
	Validate func(pc *ProcessContext)
}

// kindSet is the registered kinds: name → apiVersion → kind. It is never
// changed once published; AddKind publishes a new one.
type kindSet map[string]map[string]*Kind

func builtinKinds() []Kind {
	core := []string{"backstage.io/v1alpha1", "backstage.io/v1beta1"}
	var out []Kind
	for _, name := range []string{"API", "Component", "Resource", "System", "Domain", "Group", "User", "Location"} {
		out = append(out, Kind{Name: name, APIVersions: core, Validate: specValidator(builtinSpecs[name])})
	}
	return append(out, Kind{Name: "Template", APIVersions: []string{"scaffolder.backstage.io/v1beta3"},
		Validate: specValidator(builtinSpecs["Template"])})
}

func newKindSet() kindSet {
	ks := kindSet{}
	for _, k := range builtinKinds() {
		if err := ks.add(k); err != nil {
			panic(err) // the built-in kinds are constants
		}
	}
	return ks
}

// add registers k in ks, which must not be published yet; on error ks
// is half changed and must be dropped.
func (ks kindSet) add(k Kind) error {
	if !IsValidKind(k.Name) {
		return fmt.Errorf("add kind %q: the name %s", k.Name, kindRule)
	}
	if len(k.APIVersions) == 0 {
		return fmt.Errorf("add kind %s: no apiVersions", k.Name)
	}
	versions := ks[k.Name]
	if versions == nil {
		versions = map[string]*Kind{}
		ks[k.Name] = versions
	}
	kind := k
	kind.APIVersions = slices.Clone(k.APIVersions)
	for _, v := range kind.APIVersions {
		if !IsValidAPIVersion(v) {
			return fmt.Errorf("add kind %s: apiVersion %q %s", k.Name, v, apiVersionRule)
		}
		if versions[v] != nil {
			return fmt.Errorf("add kind %s: apiVersion %s is already registered", k.Name, v)
		}
		versions[v] = &kind
	}
	return nil
}

func (ks kindSet) clone() kindSet {
	out := make(kindSet, len(ks)+1)
	for name, versions := range ks {
		out[name] = maps.Clone(versions)
	}
	return out
}

// AddKind makes the catalog accept entities of kind k; this is the
// catalog's AddKind extension point. It is an error to register a name
// that is not a valid kind, no apiVersion, or a kind and apiVersion pair
// that is already registered (a built-in kind may gain new apiVersions).
func (c *Catalog) AddKind(k Kind) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := c.kinds.Load().clone()
	if err := next.add(k); err != nil {
		return err
	}
	c.kinds.Store(&next)
	return nil
}

// recognise returns the registered kind of e, or nil after reporting why
// there is none: an unknown kind, a kind spelled in another case, or an
// apiVersion the kind is not written with.
func (ks kindSet) recognise(pc *ProcessContext, e *Entity) *Kind {
	if versions, ok := ks[e.Kind]; ok {
		if k := versions[e.APIVersion]; k != nil {
			return k
		}
		if e.APIVersion != "" && IsValidAPIVersion(e.APIVersion) {
			pc.AddProblem("apiVersion", fmt.Sprintf("%q is not valid for kind %s; must be %s",
				e.APIVersion, e.Kind, orList(slices.Sorted(maps.Keys(versions)))))
		}
		return nil
	}
	names := slices.Sorted(maps.Keys(ks))
	for _, name := range names {
		if strings.EqualFold(name, e.Kind) {
			pc.AddProblem("kind", fmt.Sprintf("%q is not a known kind; kinds are case-sensitive: did you mean %q?", e.Kind, name))
			return nil
		}
	}
	pc.AddProblem("kind", fmt.Sprintf("%q is not a known kind (known: %s); a feature can add kinds with AddKind",
		e.Kind, strings.Join(names, ", ")))
	return nil
}

func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

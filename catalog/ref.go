package catalog

import (
	"fmt"
	"strings"
)

// Ref identifies an entity: kind, namespace and name. Refs compare
// case-insensitively; Key gives the form to compare and index by.
type Ref struct {
	Kind      string
	Namespace string
	Name      string
}

// String renders the ref as Backstage's stringifyEntityRef does:
// "kind:namespace/name" with the kind in lower case.
func (r Ref) String() string {
	return strings.ToLower(r.Kind) + ":" + r.Namespace + "/" + r.Name
}

// Key is the fully lower-cased string form, used for lookups and relations.
func (r Ref) Key() string { return strings.ToLower(r.String()) }

// IsZero reports whether the ref is empty.
func (r Ref) IsZero() bool { return r.Kind == "" && r.Namespace == "" && r.Name == "" }

// Equal compares two refs case-insensitively.
func (r Ref) Equal(o Ref) bool { return r.Key() == o.Key() }

// ParseRef parses "[kind:][namespace/]name". defaultKind is used when the ref
// has no kind (it depends on the field: spec.owner → group, spec.system →
// system, ...); defaultNamespace when it has no namespace. A ref without a
// kind and without a default kind is an error.
func ParseRef(s, defaultKind, defaultNamespace string) (Ref, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Ref{}, fmt.Errorf("entity ref is empty")
	}
	r := Ref{Kind: defaultKind, Namespace: defaultNamespace}
	rest := s
	if i := strings.Index(rest, ":"); i >= 0 {
		r.Kind, rest = rest[:i], rest[i+1:]
		if r.Kind == "" {
			return Ref{}, fmt.Errorf("entity ref %q has an empty kind", s)
		}
	}
	if i := strings.Index(rest, "/"); i >= 0 {
		r.Namespace, rest = rest[:i], rest[i+1:]
		if r.Namespace == "" {
			return Ref{}, fmt.Errorf("entity ref %q has an empty namespace", s)
		}
	}
	if rest == "" || strings.ContainsAny(rest, ":/") {
		return Ref{}, fmt.Errorf("entity ref %q is not of the form [kind:][namespace/]name", s)
	}
	r.Name = rest
	if r.Kind == "" {
		return Ref{}, fmt.Errorf("entity ref %q has no kind and the field has no default kind", s)
	}
	if r.Namespace == "" {
		r.Namespace = DefaultNamespace
	}
	return r, nil
}

// MustParseRef is ParseRef for refs written in code and tests; it panics on error.
func MustParseRef(s string) Ref {
	r, err := ParseRef(s, "", DefaultNamespace)
	if err != nil {
		panic(err)
	}
	return r
}

package auth

import (
	"strings"

	"github.com/porticohq/portico/catalog"
)

// GuestRef is the identity guest sign-in gives, as in Backstage.
const GuestRef = "user:development/guest"

// Profile is what GitHub says about the person signing in; resolvers map it
// to a catalog User.
type Profile struct {
	Login     string
	ID        int64 // GitHub's numeric user id: stable across login renames
	Email     string
	Emails    []string // verified addresses, primary first
	Name      string
	AvatarURL string
}

// Identity is who a session belongs to: a User entity ref and the refs whose
// entities count as owned by that person (the user and its groups).
type Identity struct {
	UserRef       string   // e.g. user:default/jdoe
	OwnershipRefs []string // the user ref plus memberOf groups, lower-cased
	Name          string   // display name
	AvatarURL     string
}

// Groups returns the ownership refs other than the user's own ref: the
// groups the user is a member of, shown on the user's own entity page.
func (id *Identity) Groups() []string {
	if id == nil {
		return nil
	}
	var out []string
	for _, r := range id.OwnershipRefs {
		if !strings.EqualFold(r, id.UserRef) {
			out = append(out, r)
		}
	}
	return out
}

// IsSelf reports whether ref is the signed-in user's own entity, so the
// entity page can show "your groups".
func (id *Identity) IsSelf(ref catalog.Ref) bool {
	return id != nil && strings.EqualFold(ref.String(), id.UserRef)
}

// OwnedByCondition is the catalog condition "owned by this identity": any of
// its ownership refs is the target of an ownedBy relation.
func OwnedByCondition(id *Identity) catalog.Condition {
	refs := []string{}
	if id != nil {
		for _, r := range id.OwnershipRefs {
			refs = append(refs, strings.ToLower(r))
		}
	}
	if len(refs) == 0 {
		// Matches nothing rather than everything: a condition without
		// values would mean "has any owner".
		refs = []string{"user:none/none"}
	}
	return catalog.Condition{Key: "relations.ownedby", Values: refs}
}

// OwnedByFilter restricts every set of f to entities the identity owns; the
// "Owned by me" filter (?owned=me) on /catalog and /apis uses it.
func OwnedByFilter(f catalog.Filter, id *Identity) catalog.Filter {
	cond := OwnedByCondition(id)
	if len(f) == 0 {
		return catalog.Filter{{cond}}
	}
	out := make(catalog.Filter, len(f))
	for i, set := range f {
		out[i] = append(append(catalog.FilterSet{}, set...), cond)
	}
	return out
}

// identityFromEntity builds an identity from a User entity: its ref plus the
// groups it is a member of (relations memberOf, and spec.memberOf in case
// relations were not derived).
func identityFromEntity(e *catalog.Entity, p Profile) Identity {
	ref := e.Ref()
	userRef := strings.ToLower(ref.String())
	own := []string{userRef}
	seen := map[string]bool{userRef: true}
	add := func(r string) {
		r = strings.ToLower(r)
		if r != "" && !seen[r] {
			seen[r] = true
			own = append(own, r)
		}
	}
	for _, rel := range e.Relations {
		if strings.EqualFold(rel.Type, "memberOf") {
			add(rel.TargetRef)
		}
	}
	for _, g := range e.SpecStrings("memberOf") {
		if gr, err := catalog.ParseRef(g, "group", ref.Namespace); err == nil {
			add(gr.String())
		}
	}
	return Identity{UserRef: userRef, OwnershipRefs: own, Name: displayName(e, p), AvatarURL: p.AvatarURL}
}

func displayName(e *catalog.Entity, p Profile) string {
	if prof, ok := e.Spec["profile"].(map[string]any); ok {
		if n, ok := prof["displayName"].(string); ok && n != "" {
			return n
		}
	}
	if e.Metadata.Title != "" {
		return e.Metadata.Title
	}
	if p.Name != "" {
		return p.Name
	}
	if p.Login != "" {
		return p.Login
	}
	return e.Metadata.Name
}

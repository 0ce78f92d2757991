package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/porticohq/portico/catalog"
)

// Lookup finds User entities for resolvers. StoreLookup answers it from the
// catalog store; custom resolvers use the same queries.
type Lookup interface {
	// FindUsers returns the User entities whose flattened field key (a
	// dotted path such as metadata.name or spec.profile.email) equals
	// value, case-insensitively.
	FindUsers(ctx context.Context, key, value string) ([]*catalog.Entity, error)
	// User returns the User entity ref names, or catalog.ErrNotFound.
	User(ctx context.Context, ref catalog.Ref) (*catalog.Entity, error)
}

// StoreLookup is Lookup over catalog.Store queries.
type StoreLookup struct{ Store catalog.Store }

// FindUsers queries kind=user,<key>=<value>; it reads at most a few rows,
// since more than one match is already an ambiguity.
func (l StoreLookup) FindUsers(ctx context.Context, key, value string) ([]*catalog.Entity, error) {
	q := catalog.Query{
		Filter: catalog.Filter{{
			{Key: "kind", Values: []string{"user"}},
			{Key: strings.ToLower(key), Values: []string{strings.ToLower(value)}},
		}},
		Limit: 3,
	}
	page, err := l.Store.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("query users by %s: %w", key, err)
	}
	out := make([]*catalog.Entity, 0, len(page.Items))
	for _, item := range page.Items {
		e, err := item.Decode()
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", item.Ref, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// User reads one User entity by ref.
func (l StoreLookup) User(ctx context.Context, ref catalog.Ref) (*catalog.Entity, error) {
	item, err := l.Store.ByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	return item.Decode()
}

// findOne returns the single User matching key=value. None is ErrNoMatch
// with the given reason; several is an ambiguity error (not ErrNoMatch: the
// catalog needs fixing, trying the next resolver would hide that).
func findOne(ctx context.Context, users Lookup, key, value, reason string, args ...any) (*catalog.Entity, error) {
	found, err := users.FindUsers(ctx, key, value)
	if err != nil {
		return nil, err
	}
	switch len(found) {
	case 0:
		msg := fmt.Sprintf("no User with %s=%s", key, value)
		if reason != "" {
			msg = fmt.Sprintf(reason, args...)
		}
		return nil, noMatch("%s", msg)
	case 1:
		return found[0], nil
	}
	refs := make([]string, len(found))
	for i, e := range found {
		refs[i] = e.Ref().String()
	}
	return nil, fmt.Errorf("%s=%s matches several Users (%s); make it unique in the catalog", key, value, strings.Join(refs, ", "))
}

package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/porticohq/portico/catalog"
)

// AnnotationGitHubUserID is the User annotation holding the GitHub numeric
// user id, as Backstage's GitHub org ingestion writes it.
const AnnotationGitHubUserID = "github.com/user-id"

// Resolver names as Backstage spells them.
const (
	ResolverUsernameMatchingUserEntityName         = "usernameMatchingUserEntityName"
	ResolverUserIDMatchingUserEntityAnnotation     = "userIdMatchingUserEntityAnnotation"
	ResolverEmailMatchingUserEntityProfileEmail    = "emailMatchingUserEntityProfileEmail"
	ResolverEmailLocalPartMatchingUserEntityName   = "emailLocalPartMatchingUserEntityName"
	ResolverDangerouslyAllowSignInWithoutUserInCat = "dangerouslyAllowSignInWithoutUserInCatalog"
)

// ErrNoMatch is what a resolver returns (wrapped, with the reason) when it
// found no User for the profile; the next resolver is then tried.
var ErrNoMatch = errors.New("no matching user")

// SignInResolver maps a GitHub profile to an identity. It is the extension
// point modules use through the backend's AddSignInResolver.
type SignInResolver interface {
	Resolve(ctx context.Context, p Profile, users Lookup) (Identity, error)
}

// ResolverFunc adapts a function to SignInResolver.
type ResolverFunc func(ctx context.Context, p Profile, users Lookup) (Identity, error)

// Resolve calls f.
func (f ResolverFunc) Resolve(ctx context.Context, p Profile, users Lookup) (Identity, error) {
	return f(ctx, p, users)
}

// ResolverFactory builds a resolver from its config entry's options (the
// keys beside `resolver:`), so resolvers like the email-domain one can be
// configured.
type ResolverFactory func(options map[string]any) (SignInResolver, error)

// Resolvers is the registry of named sign-in resolvers: the built-ins plus
// any a module adds before startup.
type Resolvers struct {
	factories map[string]ResolverFactory
}

// NewResolvers returns a registry holding Backstage's GitHub resolvers.
func NewResolvers() *Resolvers {
	r := &Resolvers{factories: map[string]ResolverFactory{}}
	r.AddFactory(ResolverUsernameMatchingUserEntityName, fixed(ResolverFunc(usernameMatchingUserEntityName)))
	r.AddFactory(ResolverUserIDMatchingUserEntityAnnotation, fixed(ResolverFunc(userIDMatchingUserEntityAnnotation)))
	r.AddFactory(ResolverEmailMatchingUserEntityProfileEmail, fixed(ResolverFunc(emailMatchingUserEntityProfileEmail)))
	r.AddFactory(ResolverEmailLocalPartMatchingUserEntityName, newEmailLocalPartResolver)
	r.AddFactory(ResolverDangerouslyAllowSignInWithoutUserInCat, fixed(ResolverFunc(withoutUserInCatalog)))
	return r
}

// Add registers (or replaces) a resolver that takes no options.
func (r *Resolvers) Add(name string, res SignInResolver) { r.AddFactory(name, fixed(res)) }

// AddFactory registers (or replaces) a configurable resolver.
func (r *Resolvers) AddFactory(name string, f ResolverFactory) { r.factories[name] = f }

// Names lists the registered resolver names, sorted.
func (r *Resolvers) Names() []string {
	out := make([]string, 0, len(r.factories))
	for n := range r.factories {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func fixed(res SignInResolver) ResolverFactory {
	return func(map[string]any) (SignInResolver, error) { return res, nil }
}

// Chain is the configured resolvers in order; the first that matches wins.
type Chain struct {
	names     []string
	resolvers []SignInResolver
}

// Build turns signIn.resolvers into a chain; an unknown name or bad option
// is an error naming the config entry. With no entries, Backstage's default
// for GitHub applies: usernameMatchingUserEntityName.
func (r *Resolvers) Build(cfgs []ResolverConfig, path string) (*Chain, error) {
	if len(cfgs) == 0 {
		cfgs = []ResolverConfig{{Name: ResolverUsernameMatchingUserEntityName}}
	}
	c := &Chain{}
	for i, rc := range cfgs {
		f, ok := r.factories[rc.Name]
		if !ok {
			return nil, fmt.Errorf("%s.resolvers[%d].resolver: unknown resolver %q (known: %s)", path, i, rc.Name, strings.Join(r.Names(), ", "))
		}
		res, err := f(rc.Options)
		if err != nil {
			return nil, fmt.Errorf("%s.resolvers[%d]: %w", path, i, err)
		}
		if allow, _ := rc.Options["dangerouslyAllowSignInWithoutUserInCatalog"].(bool); allow {
			res = fallbackWithoutCatalog{res}
		}
		c.names = append(c.names, rc.Name)
		c.resolvers = append(c.resolvers, res)
	}
	return c, nil
}

// Resolve tries each resolver in order. When none matches, the error names
// the login and every resolver tried, with each one's reason.
func (c *Chain) Resolve(ctx context.Context, p Profile, users Lookup) (Identity, error) {
	var reasons []string
	for i, res := range c.resolvers {
		id, err := res.Resolve(ctx, p, users)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, ErrNoMatch) {
			return Identity{}, fmt.Errorf("sign-in resolver %s: %w", c.names[i], err)
		}
		reasons = append(reasons, c.names[i]+": "+strings.TrimSuffix(err.Error(), ": "+ErrNoMatch.Error()))
	}
	return Identity{}, &NotInCatalogError{Login: p.Login, Tried: c.names, Reasons: reasons}
}

// NotInCatalogError says that no resolver found a User for the login.
type NotInCatalogError struct {
	Login   string
	Tried   []string
	Reasons []string
}

// Error names the login, the resolvers tried and why each did not match.
func (e *NotInCatalogError) Error() string {
	return fmt.Sprintf("no User entity in the catalog matches GitHub user %q (tried %s: %s)",
		e.Login, strings.Join(e.Tried, ", "), strings.Join(e.Reasons, "; "))
}

// Unwrap makes errors.Is(err, ErrNoMatch) true.
func (e *NotInCatalogError) Unwrap() error { return ErrNoMatch }

func noMatch(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, ErrNoMatch)...)
}

func usernameMatchingUserEntityName(ctx context.Context, p Profile, users Lookup) (Identity, error) {
	if p.Login == "" {
		return Identity{}, noMatch("the GitHub profile has no login")
	}
	e, err := findOne(ctx, users, "metadata.name", p.Login, "no User named %q", p.Login)
	if err != nil {
		return Identity{}, err
	}
	if err := checkUserID(e, p); err != nil {
		return Identity{}, err
	}
	return identityFromEntity(e, p), nil
}

func userIDMatchingUserEntityAnnotation(ctx context.Context, p Profile, users Lookup) (Identity, error) {
	if p.ID == 0 {
		return Identity{}, noMatch("the GitHub profile has no numeric id")
	}
	id := strconv.FormatInt(p.ID, 10)
	e, err := findOne(ctx, users, "metadata.annotations."+AnnotationGitHubUserID, id,
		"no User with annotation %s=%s", AnnotationGitHubUserID, id)
	if err != nil {
		return Identity{}, err
	}
	return identityFromEntity(e, p), nil
}

func emailMatchingUserEntityProfileEmail(ctx context.Context, p Profile, users Lookup) (Identity, error) {
	emails := p.allEmails()
	if len(emails) == 0 {
		return Identity{}, noMatch("GitHub shared no verified email")
	}
	for _, email := range emails {
		e, err := findOne(ctx, users, "spec.profile.email", email, "")
		if err == nil {
			return identityFromEntity(e, p), nil
		}
		if !errors.Is(err, ErrNoMatch) {
			return Identity{}, err
		}
	}
	return Identity{}, noMatch("no User with spec.profile.email %s", strings.Join(emails, " or "))
}

type emailLocalPart struct{ allowedDomains []string }

func newEmailLocalPartResolver(opts map[string]any) (SignInResolver, error) {
	r := &emailLocalPart{}
	switch v := opts["allowedDomains"].(type) {
	case nil:
	case []any:
		for i, d := range v {
			s, ok := d.(string)
			if !ok || s == "" {
				return nil, fmt.Errorf("allowedDomains[%d]: must be a domain name", i)
			}
			r.allowedDomains = append(r.allowedDomains, strings.ToLower(s))
		}
	case []string:
		for _, s := range v {
			r.allowedDomains = append(r.allowedDomains, strings.ToLower(s))
		}
	default:
		return nil, fmt.Errorf("allowedDomains: must be a list of domain names")
	}
	return r, nil
}

func (r *emailLocalPart) Resolve(ctx context.Context, p Profile, users Lookup) (Identity, error) {
	emails := p.allEmails()
	if len(emails) == 0 {
		return Identity{}, noMatch("GitHub shared no verified email")
	}
	var tried []string
	for _, email := range emails {
		local, domain, ok := strings.Cut(email, "@")
		if !ok || local == "" {
			continue
		}
		if len(r.allowedDomains) > 0 && !slices.Contains(r.allowedDomains, strings.ToLower(domain)) {
			tried = append(tried, email+" (domain not in allowedDomains)")
			continue
		}
		e, err := findOne(ctx, users, "metadata.name", local, "")
		if err == nil {
			if err := checkUserID(e, p); err != nil {
				return Identity{}, err
			}
			return identityFromEntity(e, p), nil
		}
		if !errors.Is(err, ErrNoMatch) {
			return Identity{}, err
		}
		tried = append(tried, fmt.Sprintf("%s (no User named %q)", email, local))
	}
	return Identity{}, noMatch("%s", strings.Join(tried, ", "))
}

// withoutUserInCatalog signs anyone in as user:default/<login>, owning only
// that ref — Backstage's dangerouslyAllowSignInWithoutUserInCatalog.
func withoutUserInCatalog(_ context.Context, p Profile, _ Lookup) (Identity, error) {
	ref, err := catalog.ParseRef(p.Login, "user", catalog.DefaultNamespace)
	if err != nil || p.Login == "" {
		return Identity{}, noMatch("GitHub login %q is not a valid entity name", p.Login)
	}
	name := p.Name
	if name == "" {
		name = p.Login
	}
	userRef := strings.ToLower(ref.String())
	return Identity{UserRef: userRef, OwnershipRefs: []string{userRef}, Name: name, AvatarURL: p.AvatarURL}, nil
}

// fallbackWithoutCatalog is a resolver with the option
// dangerouslyAllowSignInWithoutUserInCatalog: true.
type fallbackWithoutCatalog struct{ inner SignInResolver }

func (f fallbackWithoutCatalog) Resolve(ctx context.Context, p Profile, users Lookup) (Identity, error) {
	id, err := f.inner.Resolve(ctx, p, users)
	if errors.Is(err, ErrNoMatch) {
		return withoutUserInCatalog(ctx, p, users)
	}
	return id, err
}

// checkUserID keys users by GitHub's numeric id where the entity records it:
// a User annotated with a different github.com/user-id is someone else who
// once had (or now has) this login or address, so it does not match.
func checkUserID(e *catalog.Entity, p Profile) error {
	want := e.Metadata.Annotations[AnnotationGitHubUserID]
	if want == "" || p.ID == 0 || want == strconv.FormatInt(p.ID, 10) {
		return nil
	}
	return noMatch("User %s is annotated %s=%s but this GitHub account's id is %d",
		e.Ref(), AnnotationGitHubUserID, want, p.ID)
}

func (p Profile) allEmails() []string {
	var out []string
	for _, e := range append([]string{p.Email}, p.Emails...) {
		e = strings.TrimSpace(e)
		if e != "" && !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, e) }) {
			out = append(out, e)
		}
	}
	return out
}

package auth

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"net/url"

	"strings"
	"time"
)

// Defaults for keys the config may leave out.
const (
	DefaultEnvironment     = "development"
	DefaultSessionDuration = 7 * 24 * time.Hour
	DefaultIdleTimeout     = 24 * time.Hour
	minSecretLength        = 16
)

// Config is the parsed `auth` section plus `backend.auth`. The zero value
// means no sign-in at all: the portal is open.
type Config struct {
	Environment string
	// GitHub is nil unless auth.providers.github.<environment> is set.
	GitHub *GitHubConfig
	// Guest enables one-click sign-in as user:development/guest.
	Guest bool
	// RequireSignIn gates every page and the catalog API behind a session
	// (or a static token for API clients).
	RequireSignIn bool
	// HashKey signs and BlockKey encrypts Portico's cookies; both are
	// derived from auth.session.secret. They are nil when no secret was
	// configured; Register then generates random keys (guest-only setups).
	HashKey, BlockKey []byte
	// SessionDuration is the absolute lifetime of a session.
	SessionDuration time.Duration
	// IdleTimeout ends a session nobody used for this long.
	IdleTimeout time.Duration
	// StaticTokens are backend.auth.externalAccess entries of type static.
	StaticTokens []StaticToken
	// PublicMetrics (metrics.public) keeps /metrics open to anonymous
	// scrapers when RequireSignIn is on; otherwise a scraper sends a
	// static token.
	PublicMetrics bool
}

// GitHubConfig is auth.providers.github.<environment>.
type GitHubConfig struct {
	ClientID              string
	ClientSecret          string
	CallbackURL           string // empty: <baseUrl>/auth/github/callback
	EnterpriseInstanceURL string // empty: github.com
	AdditionalScopes      []string
	Resolvers             []ResolverConfig
}

// ResolverConfig is one entry of signIn.resolvers: the resolver's name and
// the other keys of the entry as its options.
type ResolverConfig struct {
	Name    string
	Options map[string]any
}

// StaticToken lets an API client call the catalog API with
// `Authorization: Bearer <token>`, Backstage's externalAccess type static.
type StaticToken struct {
	Token   string
	Subject string
}

// SignInEnabled reports whether any sign-in method is configured.
func (c Config) SignInEnabled() bool { return c.GitHub != nil || c.Guest }

// ParseConfig reads the `auth` section and the `backend.auth` section (both
// as decoded YAML; either may be nil). Errors name the offending key path.
func ParseConfig(authSection, backendAuthSection map[string]any) (Config, error) {
	cfg := Config{
		Environment:     DefaultEnvironment,
		SessionDuration: DefaultSessionDuration,
		IdleTimeout:     DefaultIdleTimeout,
	}
	p := parser{}
	if env, ok := p.str(authSection, "environment", "auth"); ok && env != "" {
		cfg.Environment = env
	}
	providers := p.mapAt(authSection, "providers", "auth")
	if gh := p.mapAt(providers, "github", "auth.providers"); gh != nil {
		envCfg := p.mapAt(gh, cfg.Environment, "auth.providers.github")
		if envCfg != nil {
			cfg.GitHub = p.github(envCfg, "auth.providers.github."+cfg.Environment, &cfg)
		}
	}
	if providers != nil {
		if v, ok := providers["guest"]; ok {
			guest, isMap := v.(map[string]any)
			if !isMap && v != nil {
				p.fail("auth.providers.guest", "must be a map (use {})")
			}
			outside, _ := guest["dangerouslyAllowOutsideDevelopment"].(bool)
			if cfg.Environment != DefaultEnvironment && !outside {
				// As in Backstage: one click must not sign strangers into a
				// production portal by accident.
				p.fail("auth.providers.guest", fmt.Sprintf("guest sign-in is for auth.environment development (it is %q); set dangerouslyAllowOutsideDevelopment: true to allow it", cfg.Environment))
			}
			cfg.Guest = true
		}
	}
	session := p.mapAt(authSection, "session", "auth")
	secret, _ := p.str(session, "secret", "auth.session")
	if d, ok := p.duration(session, "idleTimeout", "auth.session"); ok {
		cfg.IdleTimeout = d
	}
	cfg.RequireSignIn = cfg.GitHub != nil
	if v, ok := authSection["requireSignIn"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			p.fail("auth.requireSignIn", "must be true or false")
		}
		cfg.RequireSignIn = b
	}
	cfg.StaticTokens = p.externalAccess(backendAuthSection)
	if p.err != nil {
		return Config{}, p.err
	}
	if err := cfg.applySecret(secret); err != nil {
		return Config{}, err
	}
	if cfg.RequireSignIn && !cfg.SignInEnabled() {
		return Config{}, fmt.Errorf("auth.requireSignIn: is true but no sign-in provider is configured (auth.providers.github.%s or auth.providers.guest)", cfg.Environment)
	}
	return cfg, nil
}

func (c *Config) applySecret(secret string) error {
	switch {
	case secret == "" && c.GitHub != nil:
		return fmt.Errorf("auth.session.secret: required when auth.providers.github.%s is configured (it signs and encrypts session cookies; use a random string of at least %d characters)", c.Environment, minSecretLength)
	case secret == "":
		return nil
	case len(secret) < minSecretLength:
		return fmt.Errorf("auth.session.secret: must be at least %d characters", minSecretLength)
	}
	hash, block, err := deriveKeys(secret)
	if err != nil {
		return fmt.Errorf("auth.session.secret: %w", err)
	}
	c.HashKey, c.BlockKey = hash, block
	return nil
}

// deriveKeys turns the configured secret into independent 32-byte keys for
// signing and for encryption, so one secret never serves both purposes.
func deriveKeys(secret string) (hashKey, blockKey []byte, err error) {
	hashKey, err = hkdf.Key(sha256.New, []byte(secret), nil, "portico cookie hash key", 32)
	if err != nil {
		return nil, nil, err
	}
	blockKey, err = hkdf.Key(sha256.New, []byte(secret), nil, "portico cookie block key", 32)
	if err != nil {
		return nil, nil, err
	}
	return hashKey, blockKey, nil
}

// parser collects the first error with its key path.
type parser struct{ err error }

func (p *parser) fail(path, msg string) {
	if p.err == nil {
		p.err = fmt.Errorf("%s: %s", path, msg)
	}
}

func (p *parser) mapAt(m map[string]any, key, path string) map[string]any {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	sub, ok := v.(map[string]any)
	if !ok {
		p.fail(path+"."+key, "must be a map")
		return nil
	}
	return sub
}

func (p *parser) str(m map[string]any, key, path string) (string, bool) {
	v, ok := m[key]
	if !ok || v == nil {
		return "", false
	}
	s, isStr := v.(string)
	if !isStr {
		p.fail(path+"."+key, "must be a string")
		return "", false
	}
	return strings.TrimSpace(s), true
}

func (p *parser) strings(m map[string]any, key, path string) []string {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	switch t := v.(type) {
	case string:
		return strings.Fields(strings.ReplaceAll(t, ",", " "))
	case []any:
		out := make([]string, 0, len(t))
		for i, item := range t {
			s, isStr := item.(string)
			if !isStr {
				p.fail(fmt.Sprintf("%s.%s[%d]", path, key, i), "must be a string")
				return nil
			}
			out = append(out, s)
		}
		return out
	case []string:
		return t
	}
	p.fail(path+"."+key, "must be a string or a list of strings")
	return nil
}

func (p *parser) duration(m map[string]any, key, path string) (time.Duration, bool) {
	v, ok := m[key]
	if !ok || v == nil {
		return 0, false
	}
	d, err := parseDuration(v)
	if err == nil && d <= 0 {
		err = fmt.Errorf("must be positive")
	}
	if err != nil {
		p.fail(path+"."+key, err.Error())
		return 0, false
	}
	return d, true
}

func (p *parser) github(m map[string]any, path string, cfg *Config) *GitHubConfig {
	gh := &GitHubConfig{}
	gh.ClientID, _ = p.str(m, "clientId", path)
	gh.ClientSecret, _ = p.str(m, "clientSecret", path)
	gh.CallbackURL, _ = p.str(m, "callbackUrl", path)
	gh.EnterpriseInstanceURL, _ = p.str(m, "enterpriseInstanceUrl", path)
	gh.EnterpriseInstanceURL = strings.TrimRight(gh.EnterpriseInstanceURL, "/")
	gh.AdditionalScopes = p.strings(m, "additionalScopes", path)
	if d, ok := p.duration(m, "sessionDuration", path); ok {
		cfg.SessionDuration = d
	}
	if gh.ClientID == "" {
		p.fail(path+".clientId", "required")
	}
	if gh.ClientSecret == "" {
		p.fail(path+".clientSecret", "required")
	}
	for _, u := range []struct{ key, val string }{{"callbackUrl", gh.CallbackURL}, {"enterpriseInstanceUrl", gh.EnterpriseInstanceURL}} {
		if u.val == "" {
			continue
		}
		parsed, err := url.Parse(u.val)
		if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
			p.fail(path+"."+u.key, fmt.Sprintf("%q is not an absolute http(s) URL", u.val))
		}
	}
	gh.Resolvers = p.resolvers(p.mapAt(m, "signIn", path), path+".signIn")
	return gh
}

func (p *parser) resolvers(signIn map[string]any, path string) []ResolverConfig {
	v, ok := signIn["resolvers"]
	if !ok || v == nil {
		return nil
	}
	list, isList := v.([]any)
	if !isList {
		p.fail(path+".resolvers", "must be a list")
		return nil
	}
	out := make([]ResolverConfig, 0, len(list))
	for i, item := range list {
		itemPath := fmt.Sprintf("%s.resolvers[%d]", path, i)
		entry, isMap := item.(map[string]any)
		if !isMap {
			p.fail(itemPath, "must be a map with a resolver key")
			return nil
		}
		name, _ := p.str(entry, "resolver", itemPath)
		if name == "" {
			p.fail(itemPath+".resolver", "required")
			return nil
		}
		opts := map[string]any{}
		for k, v := range entry {
			if k != "resolver" {
				opts[k] = v
			}
		}
		out = append(out, ResolverConfig{Name: name, Options: opts})
	}
	return out
}

func (p *parser) externalAccess(backendAuth map[string]any) []StaticToken {
	v, ok := backendAuth["externalAccess"]
	if !ok || v == nil {
		return nil
	}
	list, isList := v.([]any)
	if !isList {
		p.fail("backend.auth.externalAccess", "must be a list")
		return nil
	}
	var out []StaticToken
	for i, item := range list {
		path := fmt.Sprintf("backend.auth.externalAccess[%d]", i)
		entry, isMap := item.(map[string]any)
		if !isMap {
			p.fail(path, "must be a map with type and options")
			return nil
		}
		typ, _ := p.str(entry, "type", path)
		if typ != "static" {
			// Other Backstage access types (legacy, jwks) are not supported;
			// refusing them is clearer than silently ignoring a credential.
			p.fail(path+".type", fmt.Sprintf("%q is not supported (only static)", typ))
			return nil
		}
		opts := p.mapAt(entry, "options", path)
		tok, _ := p.str(opts, "token", path+".options")
		subject, _ := p.str(opts, "subject", path+".options")
		if len(tok) < 8 || strings.ContainsAny(tok, " \t\r\n") {
			p.fail(path+".options.token", "required: at least 8 characters, no whitespace")
			return nil
		}
		if subject == "" {
			p.fail(path+".options.subject", "required")
			return nil
		}
		out = append(out, StaticToken{Token: tok, Subject: subject})
	}
	return out
}

package auth

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/porticohq/portico/config"
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

// authSection is the `auth` section as app-config.yaml spells it.
type authSection struct {
	Environment   string         `yaml:"environment"`
	RequireSignIn *bool          `yaml:"requireSignIn"`
	Providers     *config.Config `yaml:"providers"`
	Session       struct {
		Secret      string         `yaml:"secret"`
		IdleTimeout *time.Duration `yaml:"idleTimeout"`
	} `yaml:"session"`
}

// githubSection is auth.providers.github.<environment>.
type githubSection struct {
	ClientID              string         `yaml:"clientId"`
	ClientSecret          string         `yaml:"clientSecret"`
	CallbackURL           string         `yaml:"callbackUrl"`
	EnterpriseInstanceURL string         `yaml:"enterpriseInstanceUrl"`
	AdditionalScopes      []string       `yaml:"additionalScopes"`
	SessionDuration       *time.Duration `yaml:"sessionDuration"`
	SignIn                struct {
		Resolvers []map[string]any `yaml:"resolvers"`
	} `yaml:"signIn"`
}

// ParseConfig reads the `auth` section and the `backend.auth` section
// (either may be absent) with config's Decode. Errors name the file and the
// key path.
func ParseConfig(authCfg, backendAuth *config.Config) (Config, error) {
	cfg := Config{
		Environment:     DefaultEnvironment,
		SessionDuration: DefaultSessionDuration,
		IdleTimeout:     DefaultIdleTimeout,
	}
	var raw authSection
	if err := authCfg.Decode(&raw); err != nil {
		return Config{}, err
	}
	if env := strings.TrimSpace(raw.Environment); env != "" {
		cfg.Environment = env
	}
	if err := cfg.providers(raw.Providers); err != nil {
		return Config{}, err
	}
	if d := raw.Session.IdleTimeout; d != nil {
		if *d <= 0 {
			return Config{}, authCfg.Errorf("session.idleTimeout", "must be positive")
		}
		cfg.IdleTimeout = *d
	}
	cfg.RequireSignIn = cfg.GitHub != nil
	if raw.RequireSignIn != nil {
		cfg.RequireSignIn = *raw.RequireSignIn
	}
	var err error
	if cfg.StaticTokens, err = staticTokens(backendAuth); err != nil {
		return Config{}, err
	}
	if err := cfg.applySecret(strings.TrimSpace(raw.Session.Secret)); err != nil {
		return Config{}, authCfg.Errorf("session.secret", "%v", err)
	}
	if cfg.RequireSignIn && !cfg.SignInEnabled() {
		return Config{}, authCfg.Errorf("requireSignIn", "is true but no sign-in provider is configured (auth.providers.github.%s or auth.providers.guest)", cfg.Environment)
	}
	return cfg, nil
}

// providers reads auth.providers: github.<environment> and guest.
func (c *Config) providers(section *config.Config) error {
	if section == nil {
		return nil
	}
	var raw struct {
		GitHub map[string]*config.Config `yaml:"github"`
		Guest  struct {
			DangerouslyAllowOutsideDevelopment bool `yaml:"dangerouslyAllowOutsideDevelopment"`
		} `yaml:"guest"`
	}
	if err := section.Decode(&raw); err != nil {
		return err
	}
	if gh := raw.GitHub[c.Environment]; gh != nil && gh.Has("") {
		var err error
		if c.GitHub, err = c.github(gh); err != nil {
			return err
		}
	}
	// guest: {} or a bare guest: (null) turns it on.
	if slices.Contains(section.Keys(), "guest") {
		if c.Environment != DefaultEnvironment && !raw.Guest.DangerouslyAllowOutsideDevelopment {
			// As in Backstage: one click must not sign strangers into a
			// production portal by accident.
			return section.Errorf("guest", "guest sign-in is for auth.environment development (it is %q); set dangerouslyAllowOutsideDevelopment: true to allow it", c.Environment)
		}
		c.Guest = true
	}
	return nil
}

func (c *Config) github(section *config.Config) (*GitHubConfig, error) {
	var raw githubSection
	if err := section.Decode(&raw); err != nil {
		return nil, err
	}
	gh := &GitHubConfig{
		ClientID:              strings.TrimSpace(raw.ClientID),
		ClientSecret:          strings.TrimSpace(raw.ClientSecret),
		CallbackURL:           strings.TrimSpace(raw.CallbackURL),
		EnterpriseInstanceURL: strings.TrimRight(strings.TrimSpace(raw.EnterpriseInstanceURL), "/"),
	}
	for _, s := range raw.AdditionalScopes {
		// One string may list several, as in Backstage: "read:org, repo".
		gh.AdditionalScopes = append(gh.AdditionalScopes, strings.Fields(strings.ReplaceAll(s, ",", " "))...)
	}
	if d := raw.SessionDuration; d != nil {
		if *d <= 0 {
			return nil, section.Errorf("sessionDuration", "must be positive")
		}
		c.SessionDuration = *d
	}
	if gh.ClientID == "" {
		return nil, section.Errorf("clientId", "required")
	}
	if gh.ClientSecret == "" {
		return nil, section.Errorf("clientSecret", "required")
	}
	for _, u := range []struct{ key, val string }{{"callbackUrl", gh.CallbackURL}, {"enterpriseInstanceUrl", gh.EnterpriseInstanceURL}} {
		if u.val == "" {
			continue
		}
		parsed, err := url.Parse(u.val)
		if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
			return nil, section.Errorf(u.key, "%q is not an absolute http(s) URL", u.val)
		}
	}
	for i, entry := range raw.SignIn.Resolvers {
		name, _ := entry["resolver"].(string)
		if strings.TrimSpace(name) == "" {
			return nil, section.Sub("signIn.resolvers").Index(i).Errorf("resolver", "required")
		}
		delete(entry, "resolver")
		gh.Resolvers = append(gh.Resolvers, ResolverConfig{Name: strings.TrimSpace(name), Options: entry})
	}
	return gh, nil
}

// staticTokens reads backend.auth.externalAccess.
func staticTokens(backendAuth *config.Config) ([]StaticToken, error) {
	var raw struct {
		ExternalAccess []*config.Config `yaml:"externalAccess"`
	}
	if err := backendAuth.Decode(&raw); err != nil {
		return nil, err
	}
	var out []StaticToken
	for _, section := range raw.ExternalAccess {
		var entry struct {
			Type    string `yaml:"type"`
			Options struct {
				Token   string `yaml:"token"`
				Subject string `yaml:"subject"`
			} `yaml:"options"`
		}
		if err := section.Decode(&entry); err != nil {
			return nil, err
		}
		if entry.Type != "static" {
			// Other Backstage access types (legacy, jwks) are not supported;
			// refusing them is clearer than silently ignoring a credential.
			return nil, section.Errorf("type", "%q is not supported (only static)", entry.Type)
		}
		tok, subject := strings.TrimSpace(entry.Options.Token), strings.TrimSpace(entry.Options.Subject)
		if len(tok) < 8 || strings.ContainsAny(tok, " \t\r\n") {
			return nil, section.Errorf("options.token", "required: at least 8 characters, no whitespace")
		}
		if subject == "" {
			return nil, section.Errorf("options.subject", "required")
		}
		out = append(out, StaticToken{Token: tok, Subject: subject})
	}
	return out, nil
}

func (c *Config) applySecret(secret string) error {
	switch {
	case secret == "" && c.GitHub != nil:
		return fmt.Errorf("required when auth.providers.github.%s is configured (it signs and encrypts session cookies; use a random string of at least %d characters)", c.Environment, minSecretLength)
	case secret == "":
		return nil
	case len(secret) < minSecretLength:
		return fmt.Errorf("must be at least %d characters", minSecretLength)
	}
	hash, block, err := deriveKeys(secret)
	if err != nil {
		return err
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

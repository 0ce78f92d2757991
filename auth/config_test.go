package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/config"
)

func parseYAMLConfig(t *testing.T, src string) (authCfg, backendAuth *config.Config) {
	t.Helper()
	root, err := config.Parse("app-config.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return root.Sub("auth"), root.Sub("backend.auth")
}

func TestParseConfig(t *testing.T) {
	const full = `
auth:
  environment: production
  session: {secret: 0123456789abcdef0123}
  providers:
    guest: {dangerouslyAllowOutsideDevelopment: true}
    github:
      production:
        clientId: id
        clientSecret: secret
        enterpriseInstanceUrl: https://ghe.example/
        additionalScopes: [read:org]
        sessionDuration: {hours: 8}
        signIn:
          resolvers:
            - resolver: userIdMatchingUserEntityAnnotation
            - resolver: emailLocalPartMatchingUserEntityName
              allowedDomains: [corp.example]
backend:
  auth:
    externalAccess:
      - type: static
        options: {token: abcdefgh12345678, subject: ci-bot}
`
	a, b := parseYAMLConfig(t, full)
	cfg, err := ParseConfig(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Environment != "production" || cfg.GitHub == nil || !cfg.Guest || !cfg.RequireSignIn {
		t.Fatalf("cfg = %+v", cfg)
	}
	if cfg.GitHub.EnterpriseInstanceURL != "https://ghe.example" || cfg.SessionDuration != 8*time.Hour {
		t.Errorf("github = %+v, duration %v", cfg.GitHub, cfg.SessionDuration)
	}
	if len(cfg.GitHub.Resolvers) != 2 || cfg.GitHub.Resolvers[1].Options["allowedDomains"] == nil {
		t.Errorf("resolvers = %+v", cfg.GitHub.Resolvers)
	}
	if len(cfg.HashKey) != 32 || len(cfg.BlockKey) != 32 || string(cfg.HashKey) == string(cfg.BlockKey) {
		t.Errorf("keys: hash %d bytes, block %d bytes, equal=%v", len(cfg.HashKey), len(cfg.BlockKey), string(cfg.HashKey) == string(cfg.BlockKey))
	}
	if len(cfg.StaticTokens) != 1 || cfg.StaticTokens[0].Subject != "ci-bot" {
		t.Errorf("static tokens = %+v", cfg.StaticTokens)
	}
}

func TestParseConfigDefaultsAndErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		wantErr    string // substring; empty means success
		check      func(t *testing.T, c Config)
	}{
		{name: "no auth: open portal", yaml: "app: {}", check: func(t *testing.T, c Config) {
			if c.SignInEnabled() || c.RequireSignIn || c.Environment != "development" {
				t.Errorf("cfg = %+v", c)
			}
		}},
		{name: "guest only does not require sign-in", yaml: "auth: {providers: {guest: {}}}", check: func(t *testing.T, c Config) {
			if !c.Guest || c.RequireSignIn {
				t.Errorf("cfg = %+v", c)
			}
		}},
		{name: "github for another environment is ignored", yaml: "auth: {providers: {github: {production: {clientId: a, clientSecret: b}}}}", check: func(t *testing.T, c Config) {
			if c.GitHub != nil {
				t.Errorf("github = %+v", c.GitHub)
			}
		}},
		{name: "github without session secret", yaml: "auth: {providers: {github: {development: {clientId: a, clientSecret: b}}}}",
			wantErr: "auth.session.secret: required when auth.providers.github.development is configured"},
		{name: "short secret", yaml: "auth: {session: {secret: short}, providers: {guest: {}}}", wantErr: "auth.session.secret: must be at least 16"},
		{name: "missing clientId", yaml: "auth: {session: {secret: 0123456789abcdef}, providers: {github: {development: {clientSecret: b}}}}",
			wantErr: "auth.providers.github.development.clientId: required"},
		{name: "bad enterprise url", yaml: "auth: {session: {secret: 0123456789abcdef}, providers: {github: {development: {clientId: a, clientSecret: b, enterpriseInstanceUrl: ghe.example}}}}",
			wantErr: "auth.providers.github.development.enterpriseInstanceUrl"},
		{name: "bad session duration", yaml: "auth: {session: {secret: 0123456789abcdef}, providers: {github: {development: {clientId: a, clientSecret: b, sessionDuration: soon}}}}",
			wantErr: "auth.providers.github.development.sessionDuration"},
		{name: "resolver without name", yaml: "auth: {session: {secret: 0123456789abcdef}, providers: {github: {development: {clientId: a, clientSecret: b, signIn: {resolvers: [{allowedDomains: [x]}]}}}}}",
			wantErr: "auth.providers.github.development.signIn.resolvers[0].resolver: required"},
		{name: "guest outside development", yaml: "auth: {environment: production, providers: {guest: {}}}", wantErr: "auth.providers.guest: guest sign-in is for auth.environment development"},
		{name: "requireSignIn without provider", yaml: "auth: {requireSignIn: true}", wantErr: "auth.requireSignIn"},
		{name: "requireSignIn not a bool", yaml: "auth: {requireSignIn: yes please, providers: {guest: {}}}", wantErr: "auth.requireSignIn: expected true or false"},
		{name: "static token type", yaml: "backend: {auth: {externalAccess: [{type: legacy, options: {secret: x}}]}}", wantErr: "backend.auth.externalAccess[0].type"},
		{name: "static token without subject", yaml: "backend: {auth: {externalAccess: [{type: static, options: {token: abcdefgh1234}}]}}", wantErr: "backend.auth.externalAccess[0].options.subject: required"},
		{name: "ISO duration", yaml: "auth: {session: {secret: 0123456789abcdef}, providers: {github: {development: {clientId: a, clientSecret: b, sessionDuration: P1DT2H}}}}", check: func(t *testing.T, c Config) {
			if c.SessionDuration != 26*time.Hour {
				t.Errorf("duration = %v", c.SessionDuration)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := parseYAMLConfig(t, tt.yaml)
			cfg, err := ParseConfig(a, b)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "app-config.yaml: ") {
					t.Fatalf("err = %v, want it to name app-config.yaml and contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, cfg)
		})
	}
}

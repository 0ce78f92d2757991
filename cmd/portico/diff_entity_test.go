package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/porticohq/portico/defaults/defaultstest"
)

const diffToken = "diff-entity-static-token-0123456789"

// startDiffPortal runs a real backend (all default features, sign-in
// required, one static token) whose catalog holds api:default/pets with
// diffOld as its definition.
func startDiffPortal(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"catalog-info.yaml": "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: pets}\n" +
			"spec: {type: openapi, lifecycle: production, owner: team-a, definition: {$text: ./openapi.yaml}}\n",
		"openapi.yaml": diffOld,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := defaultstest.Start(t, fmt.Sprintf(`
catalog:
  locations: [{type: file, target: %s}]
auth:
  environment: development
  providers: {guest: {}}
  requireSignIn: true
  session: {secret: a-test-session-secret-of-enough-length}
backend:
  auth:
    externalAccess:
      - type: static
        options: {token: %s, subject: ci}
`, filepath.Join(dir, "catalog-info.yaml"), diffToken))
	// The portal must hold the API before portico diff asks for it.
	defaultstest.WaitReady(t, base)
	return base
}

// TestDiffEntityAgainstRealPortal runs portico diff --entity against an
// in-process portal that requires sign-in: the token is sent as a bearer
// token, the exit codes are those of portico diff, and the portal's
// loopback address needs --allow-address.
func TestDiffEntityAgainstRealPortal(t *testing.T) {
	dir := writeDiffFiles(t)
	base := startDiffPortal(t)
	p := func(name string) string { return filepath.Join(dir, name) }
	entity := func(against string, extra ...string) []string {
		return append([]string{"--allow-address", "127.0.0.1", "--url", base, "--entity", "api:default/pets", "--against", p(against)}, extra...)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // a substring of stdout
		stderr string // a substring of stderr
	}{
		{"unchanged", entity("old.yaml", "--token", diffToken), 0, "0 breaking, 0 warning, 0 info", ""},
		{"breaking", entity("breaking.yaml", "--token", diffToken), 1, "DELETE /pets/{id}", ""},
		{"breaking, json", entity("breaking.yaml", "--token", diffToken, "--format", "json"), 1, `"breaking": 1`, ""},
		{"breaking, fail-on none", entity("breaking.yaml", "--token", diffToken, "--fail-on", "none"), 0, "1 breaking", ""},
		{"info, fail-on any", entity("info.yaml", "--token", diffToken, "--fail-on", "any"), 1, "GET /owners", ""},
		{"no token", entity("old.yaml"), 2, "", "--token"},
		{"wrong token", entity("old.yaml", "--token", "not-the-token"), 2, "", "401"},
		{"unknown API", []string{"--allow-address", "127.0.0.1", "--url", base, "--token", diffToken, "--entity", "api:default/absent", "--against", p("old.yaml")}, 2, "", "no such API"},
		{"loopback not allowed", []string{"--url", base, "--token", diffToken, "--entity", "pets", "--against", p("old.yaml")}, 2, "", "127.0.0.1"},
		{"token without entity", []string{"--token", diffToken, p("old.yaml"), p("old.yaml")}, 2, "", "go with --entity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runDiff(t, tt.args...)
			if code != tt.code || !strings.Contains(out, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d (want %d)\nstdout %q (want %q)\nstderr %q (want %q)", code, tt.code, out, tt.stdout, stderr, tt.stderr)
			}
		})
	}
	t.Run("PORTICO_TOKEN", func(t *testing.T) {
		t.Setenv("PORTICO_TOKEN", diffToken)
		if code, _, stderr := runDiff(t, entity("breaking.yaml")...); code != 1 {
			t.Errorf("exit %d, want 1; stderr %q", code, stderr)
		}
	})
}

package portico_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/defaults"
)

// A start refused for a bad configuration value creates no database: each
// built-in feature's section is checked before the default SQLite file
// (portico.db in the working directory) is created, and the error is the
// one registration gave.
func TestBadConfigValueCreatesNoDatabase(t *testing.T) {
	for name, tc := range map[string]struct{ config, want string }{
		"api history": {"apiDocs:\n  history:\n    keep: {min: many}\n",
			`module "catalog.api-history": register: app-config.yaml: apiDocs.history.keep.min: `},
		"api webhook": {"apiDocs:\n  history:\n    webhooks: [{url: x}]\n",
			`module "catalog.api-history": register: app-config.yaml: apiDocs.history.webhooks[0].url: `},
		"sign-in": {"auth:\n  requireSignIn: true\n",
			`plugin "auth": register: app-config.yaml: auth.requireSignIn: is true but no sign-in provider`},
		"try it out": {"apiDocs:\n  tryItOut: {timeout: soon}\n",
			`module "app.api-docs": register: app-config.yaml: apiDocs.tryItOut.timeout: `},
		"3scale provider": {"catalog:\n  providers:\n    threeScaleApiEntity:\n      dev: {accessToken: x}\n",
			`module "catalog.threescale-provider": register: app-config.yaml: catalog.providers.threeScaleApiEntity.dev.baseUrl: a value is required`},
		"s3 provider": {"catalog:\n  providers:\n    awsS3:\n      dev: {region: eu-west-1}\n",
			`module "catalog.awss3-provider": register: app-config.yaml: catalog.providers.awsS3.dev.bucketName: a value is required`},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			if err := os.WriteFile("app-config.yaml", []byte(tc.config), 0o644); err != nil {
				t.Fatal(err)
			}
			b := portico.New(portico.WithConfigFiles("app-config.yaml"), portico.WithAddress("127.0.0.1:0"),
				portico.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
			b.Add(defaults.Features()...)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				select {
				case <-b.Ready(): // started after all: stop it, the test fails
					cancel()
				case <-ctx.Done():
				}
			}()
			err := b.Run(ctx)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("Run() = %v, want an error starting %q", err, tc.want)
			}
			left, _ := filepath.Glob(filepath.Join(dir, "portico.db*"))
			if len(left) > 0 {
				t.Errorf("the refused start left %v behind", left)
			}
		})
	}
}

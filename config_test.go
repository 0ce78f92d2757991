package portico_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/plugins/appplugin"
)

// A mistake in the auth section stops start-up, naming the file and key,
// even in a backend built without the auth plugin (which used to be the
// only one to report it; the app plugin dropped the error).
func TestAuthConfigMistakeStopsStartWithoutTheAuthPlugin(t *testing.T) {
	cfg, err := config.Parse("app-config.yaml", []byte("auth:\n  requireSignIn: maybe\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := testBackend(t, portico.WithConfig(cfg))
	b.Add(appplugin.Plugin())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = b.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "app-config.yaml: auth.requireSignIn: expected true or false") {
		t.Fatalf("Run = %v, want the auth mistake named", err)
	}
}

// backend.reading configures the URL reader every feature gets: an
// allowAddresses entry the egress rules cannot parse stops start-up before
// the database opens, naming the file and the entry; with no maxBytes the
// reader's limit is the catalog's default.
func TestReadingSettingsConfigureTheURLReader(t *testing.T) {
	cfg, err := config.Parse("app-config.yaml", []byte("backend: {reading: {allowAddresses: ['10.0.0.0/8', example.com]}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "never.db")
	b, _ := testBackend(t, portico.WithConfig(cfg), portico.WithDatabase(config.Database{Driver: config.DriverSQLite, Path: db}))
	err = b.Run(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "app-config.yaml: backend.reading.allowAddresses[1]: ") {
		t.Errorf("Run = %v, want it to name the second entry", err)
	}
	if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the database was opened before the configuration was checked (stat: %v)", err)
	}

	var limit int64
	b, _ = testBackend(t)
	b.Add(portico.NewPlugin("reads", func(r portico.PluginRegistrar) error {
		limit = r.Services().URLReader.Limit()
		return nil
	}))
	start(t, b)
	if limit != catalog.DefaultMaxReadSize {
		t.Errorf("URL reader limit = %d, want the catalog's default %d", limit, catalog.DefaultMaxReadSize)
	}
}

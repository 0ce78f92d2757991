package portico_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/plugins/appplugin"
)

// A mistake in the auth section stops start-up, naming the file and key,
// even in a backend built without the auth plugin (which used to be the
// only one to report it; the app plugin dropped the error).
func TestAuthConfigMistakeStopsStartWithoutTheAuthPlugin(t *testing.T) {
	cfg, err := portico.ParseConfig("app-config.yaml", []byte("auth:\n  requireSignIn: maybe\n"))
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

// ParseSettings completes config's settings with the catalog's read limit
// and checks allowAddresses with the egress rules, naming the entry.
func TestParseSettingsCompletesWhatConfigCannotKnow(t *testing.T) {
	cfg, err := portico.ParseConfig("app-config.yaml", []byte("backend: {reading: {allowAddresses: ['10.0.0.0/8', example.com]}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := portico.ParseSettings(cfg); err == nil || !strings.HasPrefix(err.Error(), "app-config.yaml: backend.reading.allowAddresses[1]: ") {
		t.Errorf("err = %v, want it to name the second entry", err)
	}
	s, err := portico.ParseSettings(portico.NewConfig(nil))
	if err != nil || s.Backend.Reading.MaxBytes != catalog.DefaultMaxReadSize {
		t.Errorf("maxBytes = %v (%v), want the catalog's default", s.Backend.Reading.MaxBytes, err)
	}
}

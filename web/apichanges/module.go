package apichanges

import (
	"time"

	"github.com/porticohq/portico/config"
)

// Config is apiDocs.history.
type Config struct {
	// Enabled records versions (default true).
	Enabled *bool `yaml:"enabled"`
	Keep    struct {
		// MaxAge keeps every version younger than this (default a year).
		MaxAge time.Duration `yaml:"maxAge"`
		// Min keeps at least this many versions of each API (default 50).
		Min int `yaml:"min"`
	} `yaml:"keep"`
}

// ReadConfig decodes apiDocs.history from root and says whether history is
// on: the catalog module that records versions and the pages module that
// shows them read it the same way.
func ReadConfig(root *config.Config) (Config, bool, error) {
	var cfg Config
	if err := root.Sub("apiDocs.history").Decode(&cfg); err != nil {
		return cfg, false, err
	}
	return cfg, cfg.Enabled == nil || *cfg.Enabled, nil
}

// PruneInterval is how often retention runs.
const PruneInterval = 6 * time.Hour

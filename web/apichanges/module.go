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
	sub := root.Sub("apiDocs.history")
	if err := sub.Decode(&cfg); err != nil {
		return cfg, false, err
	}
	if cfg.Keep.Min < 0 {
		return cfg, false, sub.Errorf("keep.min", "is %d; give the number of versions to keep at least (0 or more)", cfg.Keep.Min)
	}
	if cfg.Keep.MaxAge < 0 {
		return cfg, false, sub.Errorf("keep.maxAge", "is negative; give how long to keep every version")
	}
	return cfg, cfg.Enabled == nil || *cfg.Enabled, nil
}

// PruneInterval is how often retention runs.
const PruneInterval = 6 * time.Hour

package apichanges

import "time"

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

// PruneInterval is how often retention runs.
const PruneInterval = 6 * time.Hour

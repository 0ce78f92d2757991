package frobs

import (
	"strings"
	"time"

	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/providers"
)

// Config is catalog.providers.frobs:
//
//	catalog:
//	  providers:
//	    frobs:
//	      baseUrl: https://frobs.example.com   # required
//	      schedule: {frequency: {minutes: 5}, timeout: {seconds: 30}}
//	      fullEvery: 12                        # a full mutation every 12th run
type Config struct {
	ID        string             `yaml:"-"` // "default"; the provider is named frobs:<ID>
	BaseURL   string             `yaml:"baseUrl" config:"required"`
	Schedule  providers.Schedule `yaml:"schedule"` // Backstage's TaskScheduleDefinition
	FullEvery int                `yaml:"fullEvery"`
}

// DefaultSchedule applies when the section has no schedule.
var DefaultSchedule = providers.Schedule{Frequency: 5 * time.Minute, Timeout: time.Minute}

// ParseConfig reads the frobs section with config's Decode, as the
// built-in providers read theirs: defaults first, then the section over
// them. Errors name the file and key, as the backend's own do.
func ParseConfig(c *config.Config) (Config, error) {
	cfg := Config{ID: "default", Schedule: DefaultSchedule, FullEvery: 12}
	if err := c.Decode(&cfg); err != nil {
		return Config{}, err
	}
	if !strings.HasPrefix(cfg.BaseURL, "http://") && !strings.HasPrefix(cfg.BaseURL, "https://") {
		return Config{}, c.Errorf("baseUrl", "expected an http(s) URL, got %q", cfg.BaseURL)
	}
	if cfg.FullEvery < 1 {
		return Config{}, c.Errorf("fullEvery", "must be at least 1")
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	return cfg, nil
}

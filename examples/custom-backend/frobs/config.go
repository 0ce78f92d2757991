package frobs

import (
	"fmt"
	"strings"
	"time"

	"github.com/porticohq/portico"
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
	ID        string // "default"; the provider is named frobs:<ID>
	BaseURL   string
	Schedule  providers.Schedule
	FullEvery int
}

// DefaultSchedule applies when the section has no schedule.
var DefaultSchedule = providers.Schedule{Frequency: 5 * time.Minute, Timeout: time.Minute}

// ParseConfig reads the frobs section. Errors name the file and key, as the
// backend's own configuration errors do.
func ParseConfig(c *portico.Config) (Config, error) {
	var raw struct {
		BaseURL   string          `yaml:"baseUrl" config:"required"`
		FullEvery int             `yaml:"fullEvery"`
		Schedule  *portico.Config `yaml:"schedule"`
	}
	raw.FullEvery = 12
	if err := c.Decode(&raw); err != nil {
		return Config{}, err
	}
	if !strings.HasPrefix(raw.BaseURL, "http://") && !strings.HasPrefix(raw.BaseURL, "https://") {
		return Config{}, c.Errorf("baseUrl", "expected an http(s) URL, got %q", raw.BaseURL)
	}
	if raw.FullEvery < 1 {
		return Config{}, c.Errorf("fullEvery", "must be at least 1")
	}
	sched, err := providers.ParseSchedule(raw.Schedule.Raw(), raw.Schedule.Path(), DefaultSchedule)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", c.File(), err)
	}
	return Config{
		ID:        "default",
		BaseURL:   strings.TrimSuffix(raw.BaseURL, "/"),
		Schedule:  sched,
		FullEvery: raw.FullEvery,
	}, nil
}

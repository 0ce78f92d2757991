package providers

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/porticohq/portico/config"
)

// Next returns when a task on this schedule runs next after t. A cron
// schedule fires at its next match; a frequency fires one period after t, so
// runs missed while a replica was down or busy are never replayed in a burst.
func (s Schedule) Next(t time.Time) time.Time {
	if s.Cron != "" {
		if c, err := cronParser.Parse(s.Cron); err == nil {
			return c.Next(t)
		}
	}
	if s.Frequency <= 0 {
		return t.Add(time.Hour)
	}
	return t.Add(s.Frequency)
}

// String renders the schedule for the status page, e.g. "every 30m0s, timeout 3m0s".
func (s Schedule) String() string {
	every := "every " + s.Frequency.String()
	switch {
	case s.Manual:
		every = "at start and when refreshed"
	case s.Cron != "":
		every = "cron " + s.Cron
	}
	return fmt.Sprintf("%s, timeout %s", every, s.Timeout)
}

// cronParser reads the crontab strings Backstage's scheduler accepts: five
// fields, or six with seconds first, and the @hourly-style descriptors.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// UnmarshalConfig reads a Backstage TaskScheduleDefinition ({frequency,
// timeout, initialDelay, scope}); frequency is a duration or {cron: "…"},
// the others durations, each in any form config accepts. Keys left out keep
// the values s had, the provider's defaults. Unknown keys are refused, so a
// typo does not silently keep a default.
func (s *Schedule) UnmarshalConfig(c *config.Config) error {
	for _, key := range c.Keys() {
		switch key {
		case "frequency", "timeout", "initialDelay", "scope":
		default:
			return c.Errorf(key, "unknown key (use frequency, timeout, initialDelay or scope)")
		}
	}
	var raw struct {
		Frequency    *config.Config `yaml:"frequency"`
		Timeout      *time.Duration `yaml:"timeout"`
		InitialDelay *time.Duration `yaml:"initialDelay"`
		Scope        string         `yaml:"scope"`
	}
	if err := c.Decode(&raw); err != nil {
		return err
	}
	if raw.Frequency.Has("") {
		if err := s.decodeFrequency(raw.Frequency); err != nil {
			return err
		}
	}
	if raw.Timeout != nil {
		if *raw.Timeout <= 0 {
			return c.Errorf("timeout", "must be positive")
		}
		s.Timeout = *raw.Timeout
	}
	if raw.InitialDelay != nil {
		s.InitialDelay = *raw.InitialDelay
	}
	if raw.Scope != "" && raw.Scope != "global" && raw.Scope != "local" {
		return c.Errorf("scope", "must be global or local, not %q", raw.Scope)
	}
	return nil
}

// decodeFrequency reads frequency: {cron: "*/30 * * * *"} or a duration.
func (s *Schedule) decodeFrequency(c *config.Config) error {
	if c.Has("cron") {
		var expr string
		if err := c.Sub("cron").Decode(&expr); err != nil {
			return err
		}
		if _, err := cronParser.Parse(expr); err != nil {
			return c.Errorf("cron", "%v", err)
		}
		s.Cron, s.Frequency = expr, 0
		return nil
	}
	var d time.Duration
	if err := c.Decode(&d); err != nil {
		return err
	}
	if d <= 0 {
		return c.Errorf("", "must be positive")
	}
	s.Frequency, s.Cron = d, ""
	return nil
}

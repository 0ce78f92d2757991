package config_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/auth"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/examples/custom-backend/frobs"
	"github.com/porticohq/portico/providers/awss3"
	"github.com/porticohq/portico/providers/threescale"
	"github.com/porticohq/portico/web/apidocs"
)

const day = 24 * time.Hour

// durationSpellings is every way to write a duration that Backstage
// accepts somewhere (HumanDuration objects, ISO 8601, the ms strings of
// readDurationFromConfig), plus Go's, as YAML flow values.
var durationSpellings = []struct {
	yaml string
	want time.Duration
}{
	// Backstage's HumanDuration object, every key.
	{"{minutes: 30}", 30 * time.Minute},
	{"{hours: 1, minutes: 30}", 90 * time.Minute},
	{"{years: 1}", 365 * day},
	{"{months: 1}", 30 * day},
	{"{weeks: 2}", 14 * day},
	{"{days: 1, hours: 6}", 30 * time.Hour},
	{"{seconds: 90}", 90 * time.Second},
	{"{milliseconds: 1500}", 1500 * time.Millisecond},
	{"{minutes: 1.5}", 90 * time.Second},
	{"{minutes: '30'}", 30 * time.Minute}, // Backstage converts numeric strings
	// ISO 8601 (Backstage's parseIsoDuration and luxon's fromISO).
	{"PT30M", 30 * time.Minute},
	{"PT1H30M", 90 * time.Minute},
	{"P1D", day},
	{"P2DT6H", 54 * time.Hour},
	{"P1W", 7 * day},
	{"P1M", 30 * day},
	{"P1Y", 365 * day},
	{"PT1.5S", 1500 * time.Millisecond},
	{"'PT0,5S'", 500 * time.Millisecond},
	{"P0.5D", 12 * time.Hour},
	{"pt30m", 30 * time.Minute},
	// The ms library's strings (Backstage's readDurationFromConfig).
	{"1d", day},
	{"'2 seconds'", 2 * time.Second},
	{"'6 hrs'", 6 * time.Hour},
	{"7min", 7 * time.Minute},
	{"'9 minutes'", 9 * time.Minute},
	{"'3.5 seconds'", 3500 * time.Millisecond},
	{"'25 ms'", 25 * time.Millisecond},
	{"4w", 28 * day},
	{"'1 hour'", time.Hour},
	{"1y", 365*day + 6*time.Hour},
	// Go durations.
	{"90s", 90 * time.Second},
	{"1h30m", 90 * time.Minute},
	{"1.5h", 90 * time.Minute},
	{"500ms", 500 * time.Millisecond},
}

// badDurations are refused everywhere, with the file and key path named.
var badDurations = []string{
	"30",           // a plain number has no unit
	"'-5m'",        // negative
	"soon",         // not a duration
	"P",            // ISO with no values
	"PT",           // ISO with no time values
	"P1L",          // ISO with an unknown designator
	"'1m 3s'",      // two ms terms
	"{minutez: 3}", // unknown unit
	"{}",           // no unit
	"{minutes: x}", // not a number
	"[1, 2]",       // not a duration at all
	"true",
}

// durationSection decodes one configuration section that takes a
// duration, with the duration at key set to value.
type durationSection struct {
	key    string // the key path, as errors name it
	decode func(t *testing.T, value string) (time.Duration, error)
}

// parse builds a configuration from YAML as app-config.yaml.
func parse(t *testing.T, format string, args ...any) *config.Config {
	t.Helper()
	c, err := config.Parse("app-config.yaml", []byte(fmt.Sprintf(format, args...)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const threescaleYAML = `
catalog:
  providers:
    threeScaleApiEntity:
      dev:
        baseUrl: https://dev-admin.3scale.example
        accessToken: token
        %s
`

const awss3YAML = `
catalog:
  providers:
    awsS3:
      bucketName: apis
      %s
`

func threescaleSection(key string, pick func(threescale.Config) time.Duration, line string) durationSection {
	return durationSection{"catalog.providers.threeScaleApiEntity.dev." + key, func(t *testing.T, v string) (time.Duration, error) {
		root := parse(t, threescaleYAML, fmt.Sprintf(line, v))
		cfgs, err := threescale.ParseConfig(root.Sub("catalog.providers.threeScaleApiEntity"))
		if err != nil {
			return 0, err
		}
		return pick(cfgs[0]), nil
	}}
}

func awss3Section(key string, pick func(awss3.Config) time.Duration, line string) durationSection {
	return durationSection{"catalog.providers.awsS3." + key, func(t *testing.T, v string) (time.Duration, error) {
		root := parse(t, awss3YAML, fmt.Sprintf(line, v))
		cfgs, err := awss3.ParseConfig(root.Sub("catalog.providers.awsS3"), root.Sub("integrations.awsS3"))
		if err != nil {
			return 0, err
		}
		return pick(cfgs[0]), nil
	}}
}

// sections is every configuration section that takes a duration.
var sections = []durationSection{
	{"catalog.processingInterval", func(t *testing.T, v string) (time.Duration, error) {
		s, err := config.ParseSettings(parse(t, "catalog:\n  processingInterval: %s\n", v))
		if err != nil {
			return 0, err
		}
		return s.Catalog.ProcessingInterval.Every, nil
	}},
	threescaleSection("schedule.frequency", func(c threescale.Config) time.Duration { return c.Schedule.Frequency }, "schedule: {frequency: %s}"),
	threescaleSection("schedule.timeout", func(c threescale.Config) time.Duration { return c.Schedule.Timeout }, "schedule: {timeout: %s}"),
	threescaleSection("schedule.initialDelay", func(c threescale.Config) time.Duration { return c.Schedule.InitialDelay }, "schedule: {initialDelay: %s}"),
	threescaleSection("removalGrace", func(c threescale.Config) time.Duration { return c.Safety.RemovalGrace }, "removalGrace: %s"),
	awss3Section("schedule.frequency", func(c awss3.Config) time.Duration { return c.Schedule.Frequency }, "schedule: {frequency: %s}"),
	awss3Section("schedule.timeout", func(c awss3.Config) time.Duration { return c.Schedule.Timeout }, "schedule: {timeout: %s}"),
	awss3Section("schedule.initialDelay", func(c awss3.Config) time.Duration { return c.Schedule.InitialDelay }, "schedule: {initialDelay: %s}"),
	awss3Section("removalGrace", func(c awss3.Config) time.Duration { return c.Safety.RemovalGrace }, "removalGrace: %s"),
	{"auth.session.idleTimeout", func(t *testing.T, v string) (time.Duration, error) {
		root := parse(t, "auth:\n  session: {idleTimeout: %s}\n", v)
		c, err := auth.ParseConfig(root.Sub("auth"), root.Sub("backend.auth"))
		return c.IdleTimeout, err
	}},
	{"auth.providers.github.development.sessionDuration", func(t *testing.T, v string) (time.Duration, error) {
		root := parse(t, `
auth:
  session: {secret: 0123456789abcdef0123}
  providers:
    github:
      development: {clientId: id, clientSecret: secret, sessionDuration: %s}
`, v)
		c, err := auth.ParseConfig(root.Sub("auth"), root.Sub("backend.auth"))
		return c.SessionDuration, err
	}},
	{"apiDocs.tryItOut.timeout", func(t *testing.T, v string) (time.Duration, error) {
		p := apidocs.DefaultPolicy()
		err := parse(t, "apiDocs:\n  tryItOut: {timeout: %s}\n", v).Sub("apiDocs.tryItOut").Decode(&p)
		return p.Timeout, err
	}},
	{"catalog.providers.frobs.schedule.frequency", func(t *testing.T, v string) (time.Duration, error) {
		root := parse(t, "catalog:\n  providers:\n    frobs: {baseUrl: 'https://frobs.example', schedule: {frequency: %s}}\n", v)
		c, err := frobs.ParseConfig(root.Sub("catalog.providers.frobs"))
		return c.Schedule.Frequency, err
	}},
}

func TestEveryDurationSpellingInEverySection(t *testing.T) {
	for _, sec := range sections {
		t.Run(sec.key, func(t *testing.T) {
			for _, sp := range durationSpellings {
				got, err := sec.decode(t, sp.yaml)
				if err != nil {
					t.Errorf("%s: %v", sp.yaml, err)
					continue
				}
				if got != sp.want {
					t.Errorf("%s = %v, want %v", sp.yaml, got, sp.want)
				}
			}
			for _, bad := range badDurations {
				_, err := sec.decode(t, bad)
				want := "app-config.yaml: " + sec.key
				if err == nil || !strings.HasPrefix(err.Error(), want) {
					t.Errorf("%s: err = %v, want it to start with %q", bad, err, want)
				}
			}
		})
	}
}

package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// durationUnits are the keys of Backstage's human duration object
// ({hours: 1, minutes: 30}); months and years are approximations.
var durationUnits = map[string]time.Duration{
	"milliseconds": time.Millisecond,
	"seconds":      time.Second,
	"minutes":      time.Minute,
	"hours":        time.Hour,
	"days":         24 * time.Hour,
	"weeks":        7 * 24 * time.Hour,
	"months":       30 * 24 * time.Hour,
	"years":        365 * 24 * time.Hour,
}

var iso8601Duration = regexp.MustCompile(`^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

// duration reads the value as a duration: a Go duration ("90s"), an ISO 8601
// duration ("PT30M") or a human duration object ({minutes: 30}).
func (c *Config) duration() (time.Duration, error) {
	switch v := c.value.(type) {
	case string:
		if d, err := time.ParseDuration(strings.TrimSpace(v)); err == nil {
			return d, nil
		}
		if d, ok := parseISO8601(strings.TrimSpace(v)); ok {
			return d, nil
		}
		return 0, c.typeError(`a duration ("30s", "PT30M" or {minutes: 30})`)
	case map[string]any:
		var total time.Duration
		for _, k := range c.Keys() {
			unit, ok := durationUnits[k]
			if !ok {
				return 0, c.Errorf(k, "unknown duration unit (use %s)", "milliseconds, seconds, minutes, hours, days, weeks, months or years")
			}
			f, ok := c.Sub(k).float()
			if !ok || f < 0 {
				return 0, c.Sub(k).typeError("a non-negative number")
			}
			total += time.Duration(f * float64(unit))
		}
		return total, nil
	default:
		return 0, c.typeError(`a duration ("30s", "PT30M" or {minutes: 30})`)
	}
}

func parseISO8601(s string) (time.Duration, bool) {
	m := iso8601Duration.FindStringSubmatch(s)
	if m == nil || s == "P" || s == "PT" {
		return 0, false
	}
	units := []time.Duration{
		durationUnits["years"], durationUnits["months"], durationUnits["weeks"], durationUnits["days"],
		time.Hour, time.Minute, time.Second,
	}
	var total time.Duration
	for i, part := range m[1:] {
		if part == "" {
			continue
		}
		f, err := strconv.ParseFloat(part, 64)
		if err != nil {
			return 0, false
		}
		total += time.Duration(f * float64(units[i]))
	}
	return total, true
}

// ParseDuration reads a duration in any form the configuration accepts: a Go
// duration ("90s"), ISO 8601 ("PT30M"), or a human duration object given as
// a map ({"minutes": 30}).
func ParseDuration(v any) (time.Duration, error) {
	c := New(map[string]any{"d": v}).Sub("d")
	d, err := c.duration()
	if err != nil {
		return 0, fmt.Errorf("parse duration: %w", err)
	}
	return d, nil
}

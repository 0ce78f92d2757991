package providers

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Next returns when a task on this schedule runs next after t. A cron
// schedule fires at its next match; a frequency fires one period after t, so
// runs missed while a replica was down or busy are never replayed in a burst.
func (s Schedule) Next(t time.Time) time.Time {
	if s.Cron != "" {
		if c, err := cron.ParseStandard(s.Cron); err == nil {
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
	if s.Cron != "" {
		every = "cron " + s.Cron
	}
	return fmt.Sprintf("%s, timeout %s", every, s.Timeout)
}

// ParseSchedule reads a Backstage TaskScheduleDefinition ({frequency,
// timeout, initialDelay}) from a decoded config value. Missing keys take the
// values of def. path names the config key in errors, e.g.
// "catalog.providers.threeScaleApiEntity.dev.schedule".
func ParseSchedule(v any, path string, def Schedule) (Schedule, error) {
	s := def
	if v == nil {
		return s, nil
	}
	m, ok := asMap(v)
	if !ok {
		return s, fmt.Errorf("%s: want an object with frequency and timeout, got %T", path, v)
	}
	for key := range m {
		switch key {
		case "frequency", "timeout", "initialDelay", "scope":
		default:
			return s, fmt.Errorf("%s.%s: unknown key", path, key)
		}
	}
	if f, ok := m["frequency"]; ok {
		if fm, ok := asMap(f); ok && fm["cron"] != nil {
			expr, _ := fm["cron"].(string)
			if _, err := cron.ParseStandard(expr); err != nil {
				return s, fmt.Errorf("%s.frequency.cron: %w", path, err)
			}
			s.Cron, s.Frequency = expr, 0
		} else {
			d, err := ParseDuration(f, path+".frequency")
			if err != nil {
				return s, err
			}
			if d <= 0 {
				return s, fmt.Errorf("%s.frequency: must be positive", path)
			}
			s.Frequency, s.Cron = d, ""
		}
	}
	if t, ok := m["timeout"]; ok {
		d, err := ParseDuration(t, path+".timeout")
		if err != nil {
			return s, err
		}
		if d <= 0 {
			return s, fmt.Errorf("%s.timeout: must be positive", path)
		}
		s.Timeout = d
	}
	if t, ok := m["initialDelay"]; ok {
		d, err := ParseDuration(t, path+".initialDelay")
		if err != nil {
			return s, err
		}
		s.InitialDelay = d
	}
	return s, nil
}

// durationUnits are the keys of a Backstage HumanDuration object.
var durationUnits = map[string]time.Duration{
	"years":        365 * 24 * time.Hour,
	"months":       30 * 24 * time.Hour,
	"weeks":        7 * 24 * time.Hour,
	"days":         24 * time.Hour,
	"hours":        time.Hour,
	"minutes":      time.Minute,
	"seconds":      time.Second,
	"milliseconds": time.Millisecond,
}

// ParseDuration reads a human duration object ({hours: 1, minutes: 30}), an
// ISO 8601 duration string (PT30M, P1D) or a Go duration string (90s).
func ParseDuration(v any, path string) (time.Duration, error) {
	switch t := v.(type) {
	case string:
		if d, err := parseISODuration(t); err == nil {
			return d, nil
		}
		if d, err := time.ParseDuration(t); err == nil {
			return d, nil
		}
		return 0, fmt.Errorf("%s: %q is not an ISO 8601 duration like PT30M", path, t)
	case time.Duration:
		return t, nil
	}
	m, ok := asMap(v)
	if !ok || len(m) == 0 {
		return 0, fmt.Errorf("%s: want a duration like {minutes: 30} or PT30M, got %v", path, v)
	}
	var total time.Duration
	for key, raw := range m {
		unit, ok := durationUnits[key]
		if !ok {
			return 0, fmt.Errorf("%s.%s: unknown duration unit", path, key)
		}
		n, ok := asNumber(raw)
		if !ok || n < 0 {
			return 0, fmt.Errorf("%s.%s: want a non-negative number, got %v", path, key, raw)
		}
		total += time.Duration(n * float64(unit))
	}
	return total, nil
}

var isoDuration = regexp.MustCompile(`^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

func parseISODuration(s string) (time.Duration, error) {
	m := isoDuration.FindStringSubmatch(strings.ToUpper(s))
	if m == nil || s == "P" || strings.HasSuffix(strings.ToUpper(s), "T") {
		return 0, fmt.Errorf("not an ISO 8601 duration: %q", s)
	}
	units := []time.Duration{durationUnits["years"], durationUnits["months"], durationUnits["weeks"],
		durationUnits["days"], time.Hour, time.Minute, time.Second}
	var total time.Duration
	for i, part := range m[1:] {
		if part == "" {
			continue
		}
		n, err := strconv.ParseFloat(part, 64)
		if err != nil {
			return 0, err
		}
		total += time.Duration(n * float64(units[i]))
	}
	return total, nil
}

func asMap(v any) (map[string]any, bool) {
	switch t := v.(type) {
	case map[string]any:
		return t, true
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			out[fmt.Sprint(k)] = val
		}
		return out, true
	}
	return nil, false
}

func asNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, true
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil
	}
	return 0, false
}

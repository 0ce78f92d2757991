package config

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Units of Backstage's HumanDuration object ({hours: 1, minutes: 30}), in
// its order; months and years are the approximations Backstage's
// durationToMilliseconds uses (30 and 365 days).
var humanUnits = []struct {
	key  string
	unit time.Duration
}{
	{"years", 365 * day},
	{"months", 30 * day},
	{"weeks", 7 * day},
	{"days", day},
	{"hours", time.Hour},
	{"minutes", time.Minute},
	{"seconds", time.Second},
	{"milliseconds", time.Millisecond},
}

const day = 24 * time.Hour

// humanUnitList names the keys a duration object may have, for messages.
const humanUnitList = "years, months, weeks, days, hours, minutes, seconds or milliseconds"

// durationForms is what a duration error says is expected.
const durationForms = `a duration ({minutes: 30}, "PT30M", "30m" or "30 minutes")`

// isoDuration is ISO 8601's duration (Backstage's parseIsoDuration and
// luxon's Duration.fromISO): every unit may have a fraction, seconds with
// "." or ",". Lower case is accepted too.
var isoDuration = regexp.MustCompile(`^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$`)

// msDuration is the string form of the ms library that Backstage's
// readDurationFromConfig accepts: "1d", "2 seconds", "6 hrs", "25 ms".
var msDuration = regexp.MustCompile(`^(?i)(\d*\.?\d+) *(milliseconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w|years?|yrs?|y)$`)

// msUnit maps the first letters of an ms unit to its length; the ms
// library's year is 365.25 days.
func msUnit(name string) time.Duration {
	name = strings.ToLower(name)
	switch {
	case strings.HasPrefix(name, "ms"), strings.HasPrefix(name, "msec"), strings.HasPrefix(name, "milli"):
		return time.Millisecond
	case strings.HasPrefix(name, "s"):
		return time.Second
	case strings.HasPrefix(name, "m"):
		return time.Minute
	case strings.HasPrefix(name, "h"):
		return time.Hour
	case strings.HasPrefix(name, "d"):
		return day
	case strings.HasPrefix(name, "w"):
		return 7 * day
	default: // y, yr, year
		return 365*day + 6*time.Hour
	}
}

// parseDuration reads a duration string in every form Portico's
// configuration accepts, which is every form Backstage accepts somewhere:
//
//   - ISO 8601, as Backstage's scheduler and readDurationFromConfig read it:
//     "PT30M", "P1D", "P1Y2M3W4DT5H6M7.8S" (fractions in any unit);
//   - the ms library's strings, as readDurationFromConfig reads them: "1d",
//     "2 seconds", "6 hrs", "7min", "3.5 seconds", "25 ms";
//   - Go durations, Portico's own convenience: "90s", "1h30m", "1.5h".
//
// A plain number is refused (as in Backstage: it has no unit), and so is a
// negative duration. The object form ({minutes: 30}) is read by Decode into
// a time.Duration.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return 0, errors.New("empty duration")
	case strings.HasPrefix(s, "-"):
		return 0, errors.New("negative durations are not allowed")
	case s[0] == 'P' || s[0] == 'p':
		return parseISODuration(s)
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return 0, errors.New("a plain number has no unit; add one, as in 30s or 30 minutes")
	}
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	if m := msDuration.FindStringSubmatch(s); m != nil {
		n, err := strconv.ParseFloat(m[1], 64)
		if err == nil {
			return time.Duration(n * float64(msUnit(m[2]))), nil
		}
	}
	return 0, errors.New("not a duration")
}

func parseISODuration(s string) (time.Duration, error) {
	upper := strings.ToUpper(s)
	m := isoDuration.FindStringSubmatch(upper)
	if m == nil || upper == "P" || strings.HasSuffix(upper, "T") {
		return 0, errors.New(`invalid ISO 8601 duration, expected one like "P2DT6H" or "PT1M"`)
	}
	units := []time.Duration{365 * day, 30 * day, 7 * day, day, time.Hour, time.Minute, time.Second}
	var total time.Duration
	for i, part := range m[1:] {
		if part == "" {
			continue
		}
		f, err := strconv.ParseFloat(strings.Replace(part, ",", ".", 1), 64)
		if err != nil {
			return 0, err
		}
		total += time.Duration(f * float64(units[i]))
	}
	return total, nil
}

// duration reads the value as a duration: a string parseDuration accepts,
// or a human duration object ({hours: 1, minutes: 30}) with at least one of
// its keys and no other.
func (c *Config) duration() (time.Duration, error) {
	switch v := c.value.(type) {
	case time.Duration: // configuration built in code (New)
		if v < 0 {
			return 0, c.Errorf("", "negative durations are not allowed")
		}
		return v, nil
	case string:
		d, err := parseDuration(v)
		if err != nil {
			return 0, c.Errorf("", "expected %s, got %q: %v", durationForms, v, err)
		}
		return d, nil
	case map[string]any:
		if len(v) == 0 {
			return 0, c.Errorf("", "a duration object needs one or more of %s", humanUnitList)
		}
		for _, k := range c.Keys() {
			if !isHumanUnit(k) {
				return 0, c.Errorf(k, "unknown duration unit (use %s)", humanUnitList)
			}
		}
		var total time.Duration
		for _, u := range humanUnits {
			sub := c.Sub(u.key)
			if sub.value == nil {
				continue
			}
			f, ok := sub.float()
			if !ok || f < 0 {
				return 0, sub.typeError("a non-negative number")
			}
			total += time.Duration(f * float64(u.unit))
		}
		return total, nil
	default:
		return 0, c.typeError(durationForms)
	}
}

func isHumanUnit(k string) bool {
	for _, u := range humanUnits {
		if u.key == k {
			return true
		}
	}
	return false
}

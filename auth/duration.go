package auth

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

var isoDuration = regexp.MustCompile(`^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

var humanUnits = map[string]time.Duration{
	"years": 365 * 24 * time.Hour, "months": 30 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
	"days": 24 * time.Hour, "hours": time.Hour, "minutes": time.Minute,
	"seconds": time.Second, "milliseconds": time.Millisecond,
}

// parseDuration accepts what Backstage accepts for sessionDuration: a human
// duration object ({hours: 8}), an ISO 8601 duration (P7D, PT8H) or, as a
// convenience, a Go duration string (8h).
func parseDuration(v any) (time.Duration, error) {
	switch t := v.(type) {
	case map[string]any:
		return parseHumanDuration(t)
	case string:
		if m := isoDuration.FindStringSubmatch(t); m != nil && t != "P" && t != "PT" {
			units := []time.Duration{7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute, time.Second}
			var d time.Duration
			for i, unit := range units {
				if m[i+1] != "" {
					n, _ := strconv.Atoi(m[i+1])
					d += time.Duration(n) * unit
				}
			}
			return d, nil
		}
		d, err := time.ParseDuration(t)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration (use {hours: 8}, PT8H or 8h)", t)
		}
		return d, nil
	}
	return 0, fmt.Errorf("must be a duration ({hours: 8}, PT8H or 8h)")
}

func parseHumanDuration(m map[string]any) (time.Duration, error) {
	if len(m) == 0 {
		return 0, fmt.Errorf("empty duration object")
	}
	var d time.Duration
	for k, v := range m {
		unit, ok := humanUnits[k]
		if !ok {
			return 0, fmt.Errorf("unknown duration unit %q", k)
		}
		var n float64
		switch num := v.(type) {
		case int:
			n = float64(num)
		case int64:
			n = float64(num)
		case uint64:
			n = float64(num)
		case float64:
			n = num
		default:
			return 0, fmt.Errorf("%s must be a number", k)
		}
		d += time.Duration(n * float64(unit))
	}
	return d, nil
}

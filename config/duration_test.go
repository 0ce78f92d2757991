package config

import (
	"strings"
	"testing"
	"time"
)

// A refused duration says why, besides naming the file and key.
func TestDurationErrorsSayWhy(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"d: 30", `app-config.yaml: d: expected a duration ({minutes: 30}, "PT30M", "30m" or "30 minutes"), got 30`},
		{"d: '30'", "a plain number has no unit"},
		{"d: -5m", "negative durations are not allowed"},
		{"d: PT", "invalid ISO 8601 duration"},
		{"d: {}", "app-config.yaml: d: a duration object needs one or more of years, months"},
		{"d: {minutez: 3}", "app-config.yaml: d.minutez: unknown duration unit"},
		{"d: {minutes: -1}", "app-config.yaml: d.minutes: expected a non-negative number, got -1"},
	} {
		c, err := Parse("app-config.yaml", []byte(tc.yaml))
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			D time.Duration `yaml:"d"`
		}
		err = c.Decode(&v)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.yaml, err, tc.want)
		}
	}
}

// Configuration built in code may hold a time.Duration as is.
func TestDurationBuiltInCode(t *testing.T) {
	var v struct {
		D time.Duration `yaml:"d"`
	}
	if err := New(map[string]any{"d": 90 * time.Second}).Decode(&v); err != nil || v.D != 90*time.Second {
		t.Errorf("D = %v, %v; want 1m30s", v.D, err)
	}
}

package providers

import (
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/config"
)

func TestScheduleDecodesTaskScheduleDefinition(t *testing.T) {
	def := Schedule{Frequency: 30 * time.Minute, Timeout: 3 * time.Minute}
	tests := []struct {
		name    string
		yaml    string
		want    Schedule
		wantErr string
	}{
		{"empty keeps defaults", ``, def, ""},
		{"human minutes", "frequency: {minutes: 30}\ntimeout: {minutes: 3}", Schedule{Frequency: 30 * time.Minute, Timeout: 3 * time.Minute}, ""},
		{"human mixed", "frequency: {hours: 1, minutes: 30}\ntimeout: {seconds: 20}", Schedule{Frequency: 90 * time.Minute, Timeout: 20 * time.Second}, ""},
		{"iso", "frequency: PT30M\ntimeout: PT1M30S\ninitialDelay: PT5S", Schedule{Frequency: 30 * time.Minute, Timeout: 90 * time.Second, InitialDelay: 5 * time.Second}, ""},
		{"iso days", "frequency: P1D", Schedule{Frequency: 24 * time.Hour, Timeout: 3 * time.Minute}, ""},
		{"cron", "frequency: {cron: '*/30 * * * *'}\ntimeout: PT3M", Schedule{Cron: "*/30 * * * *", Timeout: 3 * time.Minute}, ""},
		{"cron with seconds", "frequency: {cron: '0 */30 * * * *'}", Schedule{Cron: "0 */30 * * * *", Timeout: 3 * time.Minute}, ""},
		{"scope", "scope: local", def, ""},
		{"bad scope names key", "scope: everywhere", Schedule{}, "app-config.yaml: x.schedule.scope: must be global or local"},
		{"bad cron names key", "frequency: {cron: 'nope'}", Schedule{}, "x.schedule.frequency.cron"},
		{"bad iso names key", "timeout: PT", Schedule{}, "x.schedule.timeout"},
		{"bad unit names key", "frequency: {minutez: 3}", Schedule{}, "x.schedule.frequency.minutez"},
		{"unknown key", "frequncy: PT1M", Schedule{}, "x.schedule.frequncy"},
		{"zero frequency", "frequency: {minutes: 0}", Schedule{}, "must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := config.Parse("app-config.yaml", []byte("x:\n  schedule:\n"+indent(tt.yaml)))
			if err != nil {
				t.Fatal(err)
			}
			got := def
			err = root.Sub("x.schedule").Decode(&got)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ") + "\n"
}

func TestScheduleNextDoesNotReplayMissedRuns(t *testing.T) {
	start := time.Date(2026, 1, 1, 10, 7, 0, 0, time.UTC)
	s := Schedule{Cron: "*/30 * * * *"}
	if got := s.Next(start); !got.Equal(time.Date(2026, 1, 1, 10, 30, 0, 0, time.UTC)) {
		t.Fatalf("cron next = %v", got)
	}
	f := Schedule{Frequency: time.Minute}
	late := start.Add(10 * time.Minute)
	if got := f.Next(late); !got.Equal(late.Add(time.Minute)) {
		t.Fatalf("frequency next = %v", got)
	}
}

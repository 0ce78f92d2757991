package providers

import (
	"strings"
	"testing"
)

func TestRunWithUnreadableStoredErrorsSaysSo(t *testing.T) {
	r := runRow{ID: "r1", Provider: "p", Outcome: OutcomeError, Errors: `[{"message":`}.run()
	if len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, "errors recorded for run r1 could not be read") {
		t.Fatalf("errors = %+v; want one saying the stored errors could not be read", r.Errors)
	}
	if r := (runRow{ID: "r2", Errors: `[{"message":"boom"}]`}).run(); len(r.Errors) != 1 || r.Errors[0].Message != "boom" {
		t.Fatalf("errors = %+v; want the stored one", r.Errors)
	}
}

package pages_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestHomeShowsCountsRecentAndSourceProblems(t *testing.T) {
	p := newPortal(t)
	status, doc, _ := get(t, p.URL, "/")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	kinds := texts(doc, `[data-testid="kind-count"]`)
	for _, want := range []string{"2 api", "31 component", "1 group", "1 system"} {
		if !slices.ContainsFunc(kinds, func(k string) bool { return strings.EqualFold(k, want) }) {
			t.Errorf("kind counts %q lack %q", kinds, want)
		}
	}
	if n := doc.Find(`[data-testid="recent"] li`).Length(); n == 0 || n > 10 {
		t.Errorf("recent entities: %d, want 1..10", n)
	}
	problems := doc.Find(`[data-testid="source-problems"]`).Text()
	if !strings.Contains(problems, "broken.yaml") {
		t.Errorf("source problems %q do not name broken.yaml", problems)
	}
	if got := doc.Find(`nav[aria-label="Main"] a[aria-current="page"]`).Text(); got != "Home" {
		t.Errorf("active nav %q, want Home", got)
	}
	if doc.Find(`[data-testid="open-portal"]`).Length() != 1 {
		t.Error("no open-portal note without sign-in")
	}
}

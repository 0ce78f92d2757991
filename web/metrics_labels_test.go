package web

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestMetricsLabelsAreBounded: invented request methods and paths must not
// create series: methods outside the standard set are counted as OTHER and
// routes are the router's patterns or "unmatched" (issue 13, finding 6:
// 3,000 requests grew /metrics from 110 KB to 15 MB).
func TestMetricsLabelsAreBounded(t *testing.T) {
	env := newTestEnv(t, openSQLiteStore, Options{})
	for i := range 300 {
		method := fmt.Sprintf("X-INVENTED-%d", i)
		env.do(t, method, "/api/catalog/entities/by-name/api/default/api-000001", "")
		env.do(t, method, fmt.Sprintf("/no/such/page/%d", i), "")
		env.do(t, "GET", fmt.Sprintf("/static/%d/x.js", i), "")
		env.do(t, "DELETE", fmt.Sprintf("/healthz/%d", i), "")
	}
	env.do(t, "PUT", "/healthz", "")
	env.do(t, "get", "/healthz", "")
	_, body := env.do(t, "GET", "/metrics", "")
	known := []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "OTHER"}
	routes := map[string]bool{"unmatched": true}
	for _, r := range env.srv.Echo.Router().Routes() {
		routes[r.Path] = true
	}
	series := 0
	labels := regexp.MustCompile(`^http_request_duration_seconds_count\{method="([^"]*)",route="([^"]*)",status="\d+"\}`)
	for _, line := range strings.Split(body, "\n") {
		m := labels.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		series++
		if !slices.Contains(known, m[1]) {
			t.Errorf("method label %q is not a standard method or OTHER", m[1])
		}
		if !routes[m[2]] {
			t.Errorf("route label %q is not a registered pattern", m[2])
		}
	}
	if series > 12 {
		t.Errorf("%d request series after 1,200 requests of invented methods and paths; want a handful:\n%s", series, body)
	}
	if !strings.Contains(body, `method="OTHER"`) {
		t.Errorf("invented methods not counted as OTHER:\n%s", body)
	}
}

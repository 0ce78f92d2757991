package web

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
)

func TestMetricsExposition(t *testing.T) {
	m := NewMetrics()
	m.ObserveRequest("GET", "/api/catalog/entities/by-name/:kind/:namespace/:name", 200, 3*time.Millisecond)
	m.ObserveRequest("GET", "/api/catalog/entities/by-name/:kind/:namespace/:name", 200, 20*time.Second)
	m.ObserveRequest("GET", "/api/catalog/entities/by-name/:kind/:namespace/:name", 404, time.Millisecond)
	m.ObserveIngest("file:/srv/a \"b\".yaml", 1500*time.Millisecond, catalog.ApplyResult{Added: 3, Invalid: 1}, nil)
	m.ObserveIngest("file:/srv/a \"b\".yaml", time.Second, catalog.ApplyResult{}, errors.New("boom"))
	m.Register(func(w io.Writer) { fmt.Fprintln(w, "custom_metric 7") })
	var sb strings.Builder
	if _, err := m.WriteTo(&sb); err != nil {
		t.Fatal(err)
	}
	WriteEntityCounts(&sb, []catalog.FacetCount{{Value: "API", Count: 12}})
	out := sb.String()
	for _, want := range []string{
		"# TYPE http_request_duration_seconds histogram\n",
		`http_request_duration_seconds_bucket{method="GET",route="/api/catalog/entities/by-name/:kind/:namespace/:name",status="200",le="0.005"} 1` + "\n",
		`http_request_duration_seconds_bucket{method="GET",route="/api/catalog/entities/by-name/:kind/:namespace/:name",status="200",le="10"} 1` + "\n",
		`http_request_duration_seconds_bucket{method="GET",route="/api/catalog/entities/by-name/:kind/:namespace/:name",status="200",le="+Inf"} 2` + "\n",
		`http_request_duration_seconds_count{method="GET",route="/api/catalog/entities/by-name/:kind/:namespace/:name",status="200"} 2` + "\n",
		`http_request_duration_seconds_sum{method="GET",route="/api/catalog/entities/by-name/:kind/:namespace/:name",status="200"} 20.003` + "\n",
		`http_request_duration_seconds_count{method="GET",route="/api/catalog/entities/by-name/:kind/:namespace/:name",status="404"} 1` + "\n",
		"# TYPE portico_ingest_duration_seconds histogram\n",
		`portico_ingest_duration_seconds_count{provider="file:/srv/a \"b\".yaml"} 2` + "\n",
		`portico_ingest_duration_seconds_bucket{provider="file:/srv/a \"b\".yaml",le="1"} 1` + "\n",
		`portico_ingest_errors_total{provider="file:/srv/a \"b\".yaml"} 1` + "\n",
		`portico_ingest_invalid_entities{provider="file:/srv/a \"b\".yaml"} 1` + "\n",
		"custom_metric 7\n",
		"# TYPE portico_catalog_entities gauge\n",
		`portico_catalog_entities{kind="API"} 12` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("exposition lacks %q\n%s", want, out)
		}
	}
}

func TestHistogramBucketsAreCumulative(t *testing.T) {
	m := NewMetrics()
	for _, d := range []time.Duration{100 * time.Microsecond, time.Millisecond, 7 * time.Millisecond, time.Minute} {
		m.ObserveRequest("GET", "/x", 200, d)
	}
	var sb strings.Builder
	m.WriteTo(&sb)
	last := -1
	for _, line := range strings.Split(sb.String(), "\n") {
		if !strings.HasPrefix(line, "http_request_duration_seconds_bucket") {
			continue
		}
		var n int
		fmt.Sscanf(line[strings.LastIndex(line, " ")+1:], "%d", &n)
		if n < last {
			t.Fatalf("bucket count decreased: %s", line)
		}
		last = n
	}
	if last != 4 {
		t.Fatalf("+Inf bucket = %d, want 4", last)
	}
}

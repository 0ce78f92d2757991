package providers

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"
)

// durationBuckets are the run-duration histogram's upper bounds in seconds.
var durationBuckets = []float64{0.1, 0.5, 1, 5, 10, 30, 60, 180, 600}

// metrics counts runs for Prometheus, per process.
type metrics struct {
	mu       sync.Mutex
	runs     map[[2]string]uint64 // provider, outcome
	hist     map[string][]uint64  // provider → cumulative bucket counts (+Inf last)
	sum      map[string]float64
	lastEnd  map[string]time.Time
	lastSize map[string]int
}

func newMetrics() *metrics {
	return &metrics{runs: map[[2]string]uint64{}, hist: map[string][]uint64{},
		sum: map[string]float64{}, lastEnd: map[string]time.Time{}, lastSize: map[string]int{}}
}

func (m *metrics) observe(r Run) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.runs[[2]string{r.Provider, r.Outcome}]++
	h := m.hist[r.Provider]
	if h == nil {
		h = make([]uint64, len(durationBuckets)+1)
		m.hist[r.Provider] = h
	}
	secs := r.Duration.Seconds()
	for i, b := range durationBuckets {
		if secs <= b {
			h[i]++
		}
	}
	h[len(durationBuckets)]++
	m.sum[r.Provider] += secs
	m.lastEnd[r.Provider] = r.StartedAt.Add(r.Duration)
	if r.Outcome == OutcomeOK {
		m.lastSize[r.Provider] = r.Listed
	}
}

// write renders the metrics in Prometheus' text exposition format.
func (m *metrics) write(w io.Writer) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }

	add("# HELP portico_provider_runs_total Provider runs by outcome (ok, error, timeout, cancelled, held).")
	add("# TYPE portico_provider_runs_total counter")
	keys := make([][2]string, 0, len(m.runs))
	for k := range m.runs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	for _, k := range keys {
		add(`portico_provider_runs_total{provider=%q,outcome=%q} %d`, k[0], k[1], m.runs[k])
	}

	add("# HELP portico_provider_run_duration_seconds Duration of provider runs.")
	add("# TYPE portico_provider_run_duration_seconds histogram")
	for _, p := range slices.Sorted(maps.Keys(m.hist)) {
		h := m.hist[p]
		for i, b := range durationBuckets {
			add(`portico_provider_run_duration_seconds_bucket{provider=%q,le="%g"} %d`, p, b, h[i])
		}
		add(`portico_provider_run_duration_seconds_bucket{provider=%q,le="+Inf"} %d`, p, h[len(durationBuckets)])
		add(`portico_provider_run_duration_seconds_sum{provider=%q} %g`, p, m.sum[p])
		add(`portico_provider_run_duration_seconds_count{provider=%q} %d`, p, h[len(durationBuckets)])
	}

	add("# HELP portico_provider_last_run_end_timestamp_seconds When the provider's latest run in this process ended.")
	add("# TYPE portico_provider_last_run_end_timestamp_seconds gauge")
	for _, p := range slices.Sorted(maps.Keys(m.lastEnd)) {
		add(`portico_provider_last_run_end_timestamp_seconds{provider=%q} %d`, p, m.lastEnd[p].Unix())
	}
	add("# HELP portico_provider_entities Entities in the provider's latest applied listing.")
	add("# TYPE portico_provider_entities gauge")
	for _, p := range slices.Sorted(maps.Keys(m.lastSize)) {
		add(`portico_provider_entities{provider=%q} %d`, p, m.lastSize[p])
	}
	for _, l := range lines {
		if _, err := io.WriteString(w, l+"\n"); err != nil {
			return fmt.Errorf("write metrics: %w", err)
		}
	}
	return nil
}

package web

import (
	"bufio"
	"cmp"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/porticohq/portico/catalog"
)

// durationBuckets are the upper bounds (seconds) of the request histogram:
// catalog reads answer in well under a millisecond from the cache and in a
// few milliseconds from the database, pages in tens of milliseconds.
var durationBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// ingestBuckets are the upper bounds (seconds) of the ingest histogram: a
// small delta commits in milliseconds, a cold 10k-entity load in seconds.
var ingestBuckets = []float64{0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}

// Metrics collects what /metrics exposes in Prometheus' text format. It is
// written by hand to keep the binary free of a metrics dependency. All
// methods are safe for concurrent use.
type Metrics struct {
	requests sync.Map // requestKey → *histogram

	mu              sync.Mutex
	ingest          map[string]*histogram // by provider
	ingestErrors    map[string]uint64     // by provider
	ingestInvalid   map[string]int        // by provider, last run
	extra           []func(w io.Writer)
	startedUnixNano int64
}

type requestKey struct {
	method, route string
	status        int
}

// NewMetrics returns an empty collector. The backend creates one and hands
// it to web.New and to the catalog's commit hook (ObserveIngest).
func NewMetrics() *Metrics {
	return &Metrics{
		ingest:          map[string]*histogram{},
		ingestErrors:    map[string]uint64{},
		ingestInvalid:   map[string]int{},
		startedUnixNano: time.Now().UnixNano(),
	}
}

// ObserveRequest records one HTTP request by route template (not by path,
// which would give one series per entity).
func (m *Metrics) ObserveRequest(method, route string, status int, d time.Duration) {
	key := requestKey{method: method, route: route, status: status}
	h, ok := m.requests.Load(key)
	if !ok {
		h, _ = m.requests.LoadOrStore(key, newHistogram(durationBuckets))
	}
	h.(*histogram).observe(d)
}

// ObserveIngest records one applied mutation of provider: how long it took
// and whether it failed. The backend wires it to the catalog's commit hook.
func (m *Metrics) ObserveIngest(provider string, d time.Duration, res catalog.ApplyResult, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.ingest[provider]
	if !ok {
		h = newHistogram(ingestBuckets)
		m.ingest[provider] = h
	}
	h.observe(d)
	if _, ok := m.ingestErrors[provider]; !ok {
		m.ingestErrors[provider] = 0
	}
	if err != nil {
		m.ingestErrors[provider]++
		return
	}
	m.ingestInvalid[provider] = res.Invalid
}

// Register adds a writer that appends its own metrics (in Prometheus text
// format, with HELP and TYPE lines) to every scrape. Providers use it for
// their run metrics.
func (m *Metrics) Register(write func(w io.Writer)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.extra = append(m.extra, write)
}

// WriteTo writes every metric in Prometheus' text exposition format.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	bw := bufio.NewWriter(cw)
	m.writeRequests(bw)
	m.writeIngest(bw)
	writeHeader(bw, "portico_process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds.")
	bw.WriteString("portico_process_start_time_seconds " + formatFloat(float64(m.startedUnixNano)/1e9) + "\n")
	m.mu.Lock()
	extra := slices.Clone(m.extra)
	m.mu.Unlock()
	for _, write := range extra {
		write(bw)
	}
	err := bw.Flush()
	return cw.n, err
}

func (m *Metrics) writeRequests(w *bufio.Writer) {
	type series struct {
		key requestKey
		h   *histogram
	}
	var all []series
	m.requests.Range(func(k, v any) bool {
		all = append(all, series{k.(requestKey), v.(*histogram)})
		return true
	})
	slices.SortFunc(all, func(a, b series) int {
		return cmp.Or(strings.Compare(a.key.route, b.key.route),
			strings.Compare(a.key.method, b.key.method), cmp.Compare(a.key.status, b.key.status))
	})
	writeHeader(w, "http_request_duration_seconds", "histogram", "Duration of HTTP requests by method, route template and status.")
	for _, s := range all {
		labels := `method="` + escapeLabel(s.key.method) + `",route="` + escapeLabel(s.key.route) +
			`",status="` + strconv.Itoa(s.key.status) + `"`
		s.h.write(w, "http_request_duration_seconds", labels)
	}
}

func (m *Metrics) writeIngest(w *bufio.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	providers := make([]string, 0, len(m.ingest))
	for p := range m.ingest {
		providers = append(providers, p)
	}
	slices.Sort(providers)
	writeHeader(w, "portico_ingest_duration_seconds", "histogram", "Duration of applying one provider mutation (processing and commit).")
	for _, p := range providers {
		m.ingest[p].write(w, "portico_ingest_duration_seconds", `provider="`+escapeLabel(p)+`"`)
	}
	writeHeader(w, "portico_ingest_errors_total", "counter", "Mutations of a provider that failed to apply.")
	for _, p := range providers {
		w.WriteString(`portico_ingest_errors_total{provider="` + escapeLabel(p) + `"} ` + strconv.FormatUint(m.ingestErrors[p], 10) + "\n")
	}
	writeHeader(w, "portico_ingest_invalid_entities", "gauge", "Entities that failed processing in the provider's last applied mutation.")
	for _, p := range providers {
		if n, ok := m.ingestInvalid[p]; ok {
			w.WriteString(`portico_ingest_invalid_entities{provider="` + escapeLabel(p) + `"} ` + strconv.Itoa(n) + "\n")
		}
	}
}

// WriteEntityCounts writes the portico_catalog_entities gauge from facet
// counts of "kind".
func WriteEntityCounts(w io.Writer, counts []catalog.FacetCount) {
	bw := bufio.NewWriter(w)
	writeHeader(bw, "portico_catalog_entities", "gauge", "Entities in the catalog by kind.")
	for _, fc := range counts {
		bw.WriteString(`portico_catalog_entities{kind="` + escapeLabel(fc.Value) + `"} ` + strconv.Itoa(fc.Count) + "\n")
	}
	bw.Flush()
}

func writeHeader(w *bufio.Writer, name, typ, help string) {
	w.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " " + typ + "\n")
}

// histogram is a fixed-bucket histogram updated with atomics so the request
// path never takes a lock.
type histogram struct {
	bounds  []float64
	counts  []atomic.Uint64 // per bucket, not cumulative; last is +Inf
	sumNano atomic.Int64
}

func newHistogram(bounds []float64) *histogram {
	return &histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

func (h *histogram) observe(d time.Duration) {
	secs := d.Seconds()
	i, _ := slices.BinarySearch(h.bounds, secs)
	h.counts[i].Add(1)
	h.sumNano.Add(int64(d))
}

func (h *histogram) write(w *bufio.Writer, name, labels string) {
	var cum uint64
	for i, b := range h.bounds {
		cum += h.counts[i].Load()
		w.WriteString(name + "_bucket{" + labels + `,le="` + formatFloat(b) + `"} ` + strconv.FormatUint(cum, 10) + "\n")
	}
	cum += h.counts[len(h.bounds)].Load()
	w.WriteString(name + "_bucket{" + labels + `,le="+Inf"} ` + strconv.FormatUint(cum, 10) + "\n")
	w.WriteString(name + "_sum{" + labels + "} " + formatFloat(float64(h.sumNano.Load())/1e9) + "\n")
	w.WriteString(name + "_count{" + labels + "} " + strconv.FormatUint(cum, 10) + "\n")
}

func formatFloat(f float64) string {
	if math.IsInf(f, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// escapeLabel escapes a label value as the exposition format requires.
func escapeLabel(s string) string {
	if !strings.ContainsAny(s, "\\\"\n") {
		return s
	}
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Command refbench measures the API definition page in Chromium against a
// page that only fetches and JSON.parses the same spec, and against Swagger
// UI, in one run (issue 14, "Fast on any size"). Machines here vary 2× in
// speed from day to day, so only figures from the same run compare.
//
//	go run ./scripts/refbench [-runs 3] [-opens 5] [-out /tmp/refbench.md]
//
// It builds ./cmd/portico, runs it on a catalog with two APIs whose
// definitions are `$text` files (GitHub's REST description from
// $PORTICO_GITHUB_OPENAPI and the demo Petstore), serves the baseline page
// and Swagger UI (swagger-ui-dist under .cache/refbench, see
// scripts/setup.sh) from a local HTTP server, and drives Debian's Chromium
// through playwright-go as the e2e suite does. Each figure is the median of
// -runs visits, each in a fresh browser context (empty HTTP cache), after
// one unmeasured warm-up visit per page (so the server's caches are warm;
// the cold first visit to Portico is reported apart).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/playwright-community/playwright-go"
	"go.yaml.in/yaml/v3"
)

// chromiumArgs are the e2e suite's (e2e/browser.go): quiet on a closed
// network and working as root.
var chromiumArgs = []string{
	"--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
}

// page is one kind of page under test and how to find its operations.
type page struct {
	name    string
	url     func(spec string) string
	first   string // selector of the first operation's summary; "" for the baseline
	op      string // selector of each operation
	summary string // selector, inside an operation, of what to click to open it
	target  string // selector, inside an operation, that shows once it is open
}

// sample is one visit's figures; NaN-free: a figure not measured is -1.
type sample struct {
	first, idle, heapMB, pageKB float64
	opens                       []float64 // ms per opened operation
	openKB                      []float64 // bytes fetched per open, KB
}

var (
	verbose = flag.Bool("v", false, "log more")
	shots   = flag.String("shots", "", "directory for a screenshot of each visit at idle")
)

func main() {
	log.SetFlags(0)
	root, err := os.Getwd()
	if err != nil {
		log.Fatal(err)
	}
	runs := flag.Int("runs", 3, "visits per page and spec; figures are medians")
	opens := flag.Int("opens", 5, "operations opened per visit, spread over the list")
	out := flag.String("out", "/tmp/refbench-"+time.Now().UTC().Format("20060102-150405")+".md", "markdown report file")
	github := flag.String("github", envOr("PORTICO_GITHUB_OPENAPI", filepath.Join(root, ".cache/octokit/node_modules/@octokit/openapi/generated/api.github.com.json")), "GitHub's REST description (JSON)")
	demoPetstore := filepath.Join(root, "providers/demo/petstore.yaml") // where main keeps it now
	if _, err := os.Stat(demoPetstore); err != nil {
		demoPetstore = filepath.Join(root, "catalog/demo/petstore.yaml")
	}
	petstore := flag.String("petstore", demoPetstore, "the demo Petstore (YAML)")
	swaggerDir := flag.String("swagger", filepath.Join(root, ".cache/refbench/node_modules/swagger-ui-dist"), "swagger-ui-dist directory; skipped when absent")
	chromium := flag.String("chromium", envOr("PORTICO_CHROMIUM", "/usr/bin/chromium"), "Chromium executable")
	driver := flag.String("driver", envOr("PLAYWRIGHT_DRIVER_PATH", filepath.Join(root, ".cache/pwdriver")), "Playwright driver directory")
	porticoFirst := flag.String("portico-first", `details[id^="op-"] > summary`, "Portico: selector of an operation's summary (first one found = first operation visible)")
	porticoOp := flag.String("portico-op", `details[id^="op-"]`, "Portico: selector of each operation")
	porticoSummary := flag.String("portico-summary", `summary`, "Portico: what to click inside an operation")
	porticoTarget := flag.String("portico-target", `[data-testid="operation-details"]`, "Portico: what shows inside an opened operation")
	onlySpec := flag.String("spec", "", "measure only this spec (github or petstore)")
	timeout := flag.Duration("timeout", 3*time.Minute, "longest wait for any one step")
	flag.Parse()
	specNames := []string{"github", "petstore"}
	if *onlySpec != "" {
		specNames = []string{*onlySpec}
	}
	if os.Getenv("PLAYWRIGHT_NODEJS_PATH") == "" {
		if node, err := exec.LookPath("node"); err == nil {
			os.Setenv("PLAYWRIGHT_NODEJS_PATH", node)
		}
	}

	if err := run(root, *runs, *opens, *out, *github, *petstore, *swaggerDir, *chromium, *driver, specNames,
		page{op: *porticoOp, first: *porticoFirst, summary: *porticoSummary, target: *porticoTarget}, *timeout); err != nil {
		log.Fatal(err)
	}
}

// run measures; as a function, so the portal and the browser are stopped
// (deferred) whatever fails.
func run(root string, runs, opens int, out, github, petstore, swaggerDir, chromium, driver string, specNames []string, portico page, timeout time.Duration) error {
	dir, err := os.MkdirTemp("", "refbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	specs, err := prepareSpecs(dir, github, petstore)
	if err != nil {
		return err
	}

	log.Printf("refbench: go build ./cmd/portico")
	bin := filepath.Join(dir, "portico")
	if b, err := exec.Command("go", "build", "-o", bin, "./cmd/portico").CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/portico: %v\n%s", err, b)
	}
	portal, stop, err := startPortico(bin, dir)
	if err != nil {
		return err
	}
	defer stop()
	static, err := serveStatic(dir, swaggerDir)
	if err != nil {
		return err
	}

	pages := []page{
		{name: "baseline (fetch + JSON.parse)", url: func(s string) string { return static + "/baseline.html?spec=/specs/" + s + ".json" }},
		{name: "Portico", url: func(s string) string { return portal + "/catalog/default/api/" + s + "/definition" },
			first: portico.first, op: portico.op, summary: portico.summary, target: portico.target},
	}
	swaggerNote := ""
	if _, err := os.Stat(filepath.Join(swaggerDir, "swagger-ui-bundle.js")); err == nil {
		pages = append(pages, page{name: "Swagger UI " + npmVersion(swaggerDir), url: func(s string) string { return static + "/swagger.html?spec=/specs/" + s + ".json" },
			first: `.opblock .opblock-summary`, op: `.opblock`, summary: `.opblock-summary`, target: `.opblock-body:not(:has(.opblock-loading-animation))`})
	} else {
		swaggerNote = fmt.Sprintf("Swagger UI skipped: no %s (bash scripts/setup.sh installs swagger-ui-dist).", filepath.Join(swaggerDir, "swagger-ui-bundle.js"))
		log.Print("refbench: " + swaggerNote)
	}

	pw, err := playwright.Run(&playwright.RunOptions{DriverDirectory: driver, SkipInstallBrowsers: true})
	if err != nil {
		return fmt.Errorf("start the Playwright driver from %s: %v", driver, err)
	}
	defer pw.Stop()
	browser, err := pw.Chromium.Launch(playwright.BrowserTypeLaunchOptions{
		ExecutablePath: playwright.String(chromium), Headless: playwright.Bool(true), Args: chromiumArgs,
	})
	if err != nil {
		return fmt.Errorf("launch %s: %v", chromium, err)
	}
	defer browser.Close()

	m := &meter{browser: browser, opens: opens, timeout: timeout}
	loadBefore := loadavg()
	started := time.Now()
	results := map[string][]sample{} // spec + "\x00" + page name
	cold := map[string]sample{}
	for _, spec := range specNames {
		// Warm-up: one unmeasured visit per page. Portico's is its cold
		// first visit (the server decodes the spec on first use), kept
		// apart; opening one operation waits for the full load, so the
		// background decode does not run during the measured visits.
		for _, p := range pages {
			log.Printf("refbench: %s, %s: warm-up", spec, p.name)
			s, err := m.visit(p, p.url(spec), 1)
			if err != nil {
				return fmt.Errorf("%s, %s (warm-up): %v", spec, p.name, err)
			}
			cold[spec+"\x00"+p.name] = s
		}
		for run := 1; run <= runs; run++ { // pages interleaved, so drift hits all alike
			for _, p := range pages {
				log.Printf("refbench: %s, %s: run %d/%d", spec, p.name, run, runs)
				s, err := m.visit(p, p.url(spec), opens)
				if err != nil {
					return fmt.Errorf("%s, %s (run %d): %v", spec, p.name, run, err)
				}
				log.Printf("refbench:   first %.0f ms, idle %.0f ms, opens %v ms, heap %.1f MB, page %.0f KB", s.first, s.idle, round(s.opens), s.heapMB, s.pageKB)
				results[spec+"\x00"+p.name] = append(results[spec+"\x00"+p.name], s)
			}
		}
	}
	report := render(specNames, pages, results, cold, runs, opens, loadBefore, loadavg(), time.Since(started), specs, swaggerNote)
	fmt.Print(report)
	if err := os.WriteFile(out, []byte(report), 0o644); err != nil {
		return err
	}
	log.Printf("refbench: wrote %s", out)
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// prepareSpecs copies the specs into dir (Portico reads them through
// `$text`, the static server serves them as JSON) and writes the catalog.
func prepareSpecs(dir, github, petstore string) (map[string]int64, error) {
	gh, err := os.ReadFile(github)
	if err != nil {
		return nil, fmt.Errorf("GitHub's REST description: %w (bash scripts/setup.sh installs it; or set PORTICO_GITHUB_OPENAPI)", err)
	}
	py, err := os.ReadFile(petstore)
	if err != nil {
		return nil, err
	}
	var doc any
	if err := yaml.Unmarshal(py, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", petstore, err)
	}
	pj, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("%s as JSON: %w", petstore, err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "specs"), 0o755); err != nil {
		return nil, err
	}
	files := map[string][]byte{"specs/github.json": gh, "specs/petstore.json": pj, "petstore.yaml": py, "catalog.yaml": []byte(catalogYAML)}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return nil, err
		}
	}
	return map[string]int64{"github": int64(len(gh)), "petstore": int64(len(pj))}, nil
}

const catalogYAML = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: bench-team
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: github
  title: GitHub REST API
spec:
  type: openapi
  lifecycle: production
  owner: bench-team
  definition:
    $text: ./specs/github.json
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: petstore
  title: Pet Store API
spec:
  type: openapi
  lifecycle: production
  owner: bench-team
  definition:
    $text: ./petstore.yaml
`

// startPortico runs the binary on a free port with the catalog in dir and
// waits for /readyz.
func startPortico(bin, dir string) (string, func(), error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	config := fmt.Sprintf(`app:
  title: refbench
  baseUrl: %[1]s
backend:
  baseUrl: %[1]s
  listen:
    host: 127.0.0.1
    port: %[2]d
  database:
    client: better-sqlite3
    connection: %[3]s
catalog:
  locations:
    - type: file
      target: %[4]s
`, base, port, filepath.Join(dir, "portico.db"), filepath.Join(dir, "catalog.yaml"))
	cfg := filepath.Join(dir, "app-config.yaml")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", "--config", cfg)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		return "", nil, fmt.Errorf("start portico: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() { cancel(); <-exited }
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-exited:
			cancel()
			return "", nil, fmt.Errorf("portico exited: %v\n%s", err, out.String())
		default:
		}
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, stop, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("portico not ready after 60 s\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// serveStatic serves the baseline page, Swagger UI's page and files, and
// the specs, uncompressed, from a local server.
func serveStatic(dir, swaggerDir string) (string, error) {
	mux := http.NewServeMux()
	mux.Handle("/specs/", http.StripPrefix("/specs/", http.FileServer(http.Dir(filepath.Join(dir, "specs")))))
	mux.Handle("/swagger-ui/", http.StripPrefix("/swagger-ui/", http.FileServer(http.Dir(swaggerDir))))
	html := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, body)
		}
	}
	mux.HandleFunc("/baseline.html", html(baselineHTML))
	mux.HandleFunc("/swagger.html", html(swaggerHTML))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go http.Serve(l, mux)
	return "http://" + l.Addr().String(), nil
}

// baselineHTML fetches the spec and parses it; window.__rbDone is the time
// (ms since navigation start) the parse ended.
const baselineHTML = `<!doctype html><html><head><meta charset="utf-8"><title>baseline</title></head><body><p id="status">loading</p>
<script>
const spec = new URLSearchParams(location.search).get("spec");
fetch(spec).then(r => r.text()).then(t => {
  const doc = JSON.parse(t);
  window.__rbDone = performance.now();
  document.getElementById("status").textContent = Object.keys(doc.paths).length + " paths";
});
</script></body></html>`

const swaggerHTML = `<!doctype html><html><head><meta charset="utf-8"><title>Swagger UI</title>
<link rel="stylesheet" href="/swagger-ui/swagger-ui.css"></head><body><div id="swagger-ui"></div>
<script src="/swagger-ui/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({url: new URLSearchParams(location.search).get("spec"), dom_id: "#swagger-ui", validatorUrl: null});
</script></body></html>`

func npmVersion(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return ""
	}
	var p struct{ Version string }
	json.Unmarshal(b, &p)
	return p.Version
}

// initScript runs before the page's own scripts in every document: it keeps
// every resource timing entry, records long tasks, and records when the
// first element matching the selector (%s, JSON) is first seen with a box,
// checked in animation frames so the time is that of a rendered frame.
const initScript = `(() => {
  performance.setResourceTimingBufferSize(100000);
  const rb = window.__rb = {first: null, longEnd: 0};
  try {
    new PerformanceObserver(l => { for (const e of l.getEntries()) rb.longEnd = Math.max(rb.longEnd, e.startTime + e.duration); })
      .observe({type: "longtask", buffered: true});
  } catch (e) {}
  rb.lastMut = 0;
  new MutationObserver(() => { rb.lastMut = performance.now(); })
    .observe(document, {childList: true, subtree: true, attributes: true, characterData: true});
  const sel = %s;
  if (!sel) return;
  let pending = false;
  const frame = () => {
    pending = false;
    if (rb.first !== null) return;
    const el = document.querySelector(sel);
    if (!el) return;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && el.checkVisibility()) { rb.first = performance.now(); mo.disconnect(); }
  };
  const mo = new MutationObserver(() => {
    if (!pending && document.querySelector(sel)) { pending = true; requestAnimationFrame(frame); }
  });
  mo.observe(document, {childList: true, subtree: true});
})();`

type meter struct {
	browser playwright.Browser
	opens   int
	timeout time.Duration
}

func (m *meter) ms() *float64 { v := float64(m.timeout.Milliseconds()); return &v }

// visit loads url in a fresh context and measures one visit.
func (m *meter) visit(p page, url string, opens int) (s sample, err error) {
	ctx, err := m.browser.NewContext(playwright.BrowserNewContextOptions{Viewport: &playwright.Size{Width: 1280, Height: 800}})
	if err != nil {
		return s, err
	}
	defer ctx.Close()
	sel, _ := json.Marshal(p.first)
	if err := ctx.AddInitScript(playwright.Script{Content: playwright.String(fmt.Sprintf(initScript, sel))}); err != nil {
		return s, err
	}
	pg, err := ctx.NewPage()
	if err != nil {
		return s, err
	}
	pg.SetDefaultTimeout(float64(m.timeout.Milliseconds()))
	var mu sync.Mutex
	pending := map[string]bool{}
	pg.OnRequest(func(r playwright.Request) { mu.Lock(); pending[r.URL()] = true; mu.Unlock() })
	done := func(r playwright.Request) { mu.Lock(); delete(pending, r.URL()); mu.Unlock() }
	pg.OnRequestFinished(done)
	pg.OnRequestFailed(done)
	if _, err := pg.Goto(url, playwright.PageGotoOptions{WaitUntil: playwright.WaitUntilStateCommit}); err != nil {
		return s, fmt.Errorf("open %s: %w", url, err)
	}
	firstExpr := "window.__rb && window.__rb.first !== null"
	if p.first == "" {
		firstExpr = "window.__rbDone !== undefined"
	}
	if err := m.wait(pg, firstExpr); err != nil {
		return s, fmt.Errorf("%s: first operation never visible (%s): %w", url, p.first, err)
	}
	if err := pg.WaitForLoadState(playwright.PageWaitForLoadStateOptions{State: playwright.LoadStateLoad, Timeout: m.ms()}); err != nil {
		return s, fmt.Errorf("%s: load event: %w", url, err)
	}
	if err := pg.WaitForLoadState(playwright.PageWaitForLoadStateOptions{State: playwright.LoadStateNetworkidle, Timeout: playwright.Float(30000)}); err != nil {
		mu.Lock()
		log.Printf("refbench: %s: no network idle after 30 s, still waiting for %v; going on", url, slices.Collect(maps.Keys(pending)))
		mu.Unlock()
	}
	// Idle: the page has been quiet for a second (no response, long task
	// or DOM change: Swagger UI keeps rendering long after the network is
	// idle), and is the later of the load event's end, the last response's
	// end, the last long task's end and the last DOM change (the quiet
	// windows waited for are not counted). Bytes: what the document and
	// every resource took on the wire until then.
	const last = `(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    let t = Math.max(nav.loadEventEnd, window.__rb.longEnd, window.__rb.lastMut);
    for (const r of performance.getEntriesByType("resource")) t = Math.max(t, r.responseEnd);
    return t;
  })()`
	if err := m.wait(pg, "performance.now() - "+last+" > 1000"); err != nil {
		return s, fmt.Errorf("%s: never quiet for 1 s: %w", url, err)
	}
	v, err := pg.Evaluate(`() => {
    const nav = performance.getEntriesByType("navigation")[0];
    let bytes = nav.transferSize;
    for (const r of performance.getEntriesByType("resource")) bytes += r.transferSize;
    return {first: window.__rbDone !== undefined ? window.__rbDone : window.__rb.first, idle: ` + last + `, bytes};
  }`)
	if err != nil {
		return s, err
	}
	f := v.(map[string]any)
	s.first, s.idle, s.pageKB = num(f["first"]), num(f["idle"]), num(f["bytes"])/1024
	s.idle = max(s.idle, s.first) // the first operation's frame may end after the last event
	if *shots != "" {
		name := strings.NewReplacer("/", "-", ":", "-", "?", "-", "=", "-").Replace(strings.TrimPrefix(url, "http://"))
		if _, err := pg.Screenshot(playwright.PageScreenshotOptions{Path: playwright.String(filepath.Join(*shots, name+"-"+time.Now().Format("150405.000")+".png"))}); err != nil {
			log.Printf("refbench: screenshot: %v", err)
		}
	}
	cdp, err := ctx.NewCDPSession(pg)
	if err != nil {
		return s, err
	}
	if _, err := cdp.Send("HeapProfiler.collectGarbage", nil); err != nil {
		return s, err
	}
	h, err := cdp.Send("Runtime.getHeapUsage", nil)
	if err != nil {
		return s, err
	}
	s.heapMB = num(h.(map[string]any)["usedSize"]) / 1e6
	if p.op == "" || opens == 0 {
		return s, nil
	}
	n, err := pg.Locator(p.op).Count()
	if err != nil || n == 0 {
		return s, fmt.Errorf("%s: no operation matches %s (%v)", url, p.op, err)
	}
	if *verbose {
		log.Printf("refbench:   %d operations (%s) at idle", n, p.op)
	}
	for k := 0; k < opens && k < n; k++ {
		i := k // distinct operations: the first ones, or spread over the list
		if n > opens {
			i = k * n / opens
		}
		ms, kb, err := m.open(pg, p, i)
		if err != nil {
			return s, fmt.Errorf("%s: open operation %d: %w", url, i, err)
		}
		s.opens = append(s.opens, ms)
		s.openKB = append(s.openKB, kb)
	}
	return s, nil
}

// wait polls cond in the page every 10 ms until it holds. Playwright's
// WaitForFunction evaluates strings in the page, which Portico's CSP
// (rightly) forbids; Evaluate goes through the DevTools protocol instead.
func (m *meter) wait(pg playwright.Page, cond string) error {
	// The page's own deadline did not always fire (seen with a selector
	// that never matches), so Go keeps one too.
	done := make(chan error, 1)
	go func() { done <- m.evalWait(pg, cond) }()
	select {
	case err := <-done:
		return err
	case <-time.After(m.timeout + 5*time.Second):
		return fmt.Errorf("timed out after %s", m.timeout)
	}
}

func (m *meter) evalWait(pg playwright.Page, cond string) error {
	_, err := pg.Evaluate(`([limit]) => new Promise((res, rej) => {
    const end = performance.now() + limit;
    const t = () => (`+cond+`) ? res(true) : performance.now() > end ? rej(new Error("timed out")) : setTimeout(t, 10);
    t();
  })`, []any{m.timeout.Milliseconds()})
	return err
}

// open clicks the summary of the i-th operation (Playwright's click: it
// scrolls, hovers, then presses, so a prefetch on hover gets its chance)
// and times, in the page, from the click event to the first animation frame
// in which the opened operation's content has a box.
func (m *meter) open(pg playwright.Page, p page, i int) (ms, kb float64, err error) {
	for attempt := 0; ; attempt++ {
		armed, err := m.arm(pg, p, i)
		if err != nil {
			return 0, 0, err
		}
		if armed == "" {
			break
		}
		if !strings.HasPrefix(armed, "already open") || attempt > 0 {
			return 0, 0, errors.New(armed)
		}
		// Rendered open (a small definition shows every operation
		// expanded): close it, then time opening it again.
		if err := pg.Locator(p.op).Nth(i).Locator(p.summary).First().Click(); err != nil {
			return 0, 0, fmt.Errorf("close it first: %w", err)
		}
	}
	if err := pg.Locator(p.op).Nth(i).Locator(p.summary).First().Click(); err != nil {
		return 0, 0, err
	}
	if err := m.wait(pg, "window.__rbOpen.done !== null"); err != nil {
		return 0, 0, fmt.Errorf("%s never showed: %w", p.target, err)
	}
	v, err := pg.Evaluate(`() => {
    const o = window.__rbOpen;
    let bytes = 0;
    for (const r of performance.getEntriesByType("resource").slice(o.n0)) bytes += r.transferSize;
    return {ms: o.done - o.start, bytes};
  }`)
	if err != nil {
		return 0, 0, err
	}
	f := v.(map[string]any)
	// Close it again, so every open starts from the same layout (Swagger
	// UI renders only the operations near the viewport).
	if err := pg.Locator(p.op).Nth(i).Locator(p.summary).First().Click(); err != nil {
		return 0, 0, fmt.Errorf("close it again: %w", err)
	}
	return num(f["ms"]), num(f["bytes"]) / 1024, nil
}

// arm sets up, in the page, the timing of opening the i-th operation; it
// says why not when it cannot ("already open").
func (m *meter) arm(pg playwright.Page, p page, i int) (string, error) {
	armed, err := pg.Evaluate(`([opSel, i, tSel]) => {
    const op = document.querySelectorAll(opSel)[i];
    if (!op) return "no operation (" + document.querySelectorAll(opSel).length + " in the page)";
    const t0 = op.querySelector(tSel);
    // checkVisibility: inside a closed <details> an element still has a
    // box when asked (content-visibility: hidden), but is not shown.
    if (t0 && t0.getBoundingClientRect().height > 0 && t0.checkVisibility()) return "already open";
    const o = window.__rbOpen = {start: null, done: null, n0: performance.getEntriesByType("resource").length};
    addEventListener("click", () => { o.start = performance.now(); }, {capture: true, once: true});
    const loop = () => {
      if (o.start !== null) {
        const t = op.querySelector(tSel);
        if (t && t.getBoundingClientRect().height > 0 && t.checkVisibility()) { o.done = performance.now(); return; }
      }
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
    return "";
  }`, []any{p.op, i, p.target})
	if err != nil {
		return "", err
	}
	return armed.(string), nil
}

func num(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int:
		return float64(n)
	case int64:
		return float64(n)
	}
	return -1
}

func round(xs []float64) []int {
	r := make([]int, len(xs))
	for i, x := range xs {
		r[i] = int(x + 0.5)
	}
	return r
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return -1
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// figures are one page's medians over the runs.
type figures struct{ first, idle, open, openKB, heapMB, pageKB float64 }

func medians(ss []sample) figures {
	var f figures
	var first, idle, heap, page, openMed, openKB []float64
	for _, s := range ss {
		first, idle, heap, page = append(first, s.first), append(idle, s.idle), append(heap, s.heapMB), append(page, s.pageKB)
		if len(s.opens) > 0 {
			openMed, openKB = append(openMed, median(s.opens)), append(openKB, median(s.openKB))
		}
	}
	f.first, f.idle, f.heapMB, f.pageKB = median(first), median(idle), median(heap), median(page)
	f.open, f.openKB = median(openMed), median(openKB)
	return f
}

func render(specNames []string, pages []page, results map[string][]sample, cold map[string]sample, runs, opens int, loadBefore, loadAfter string, took time.Duration, sizes map[string]int64, note string) string {
	var b strings.Builder
	host, _ := os.Hostname()
	cpus, _ := exec.Command("nproc").Output()
	fmt.Fprintf(&b, "# refbench %s\n\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "Chromium (headless, 1280×800) via playwright-go; host %s, %s CPUs; load average %s before, %s after; %s.\n", host, strings.TrimSpace(string(cpus)), loadBefore, loadAfter, took.Round(time.Second))
	fmt.Fprintf(&b, "Medians of %d visits (fresh context each, after one warm-up visit); open = median over %d operations spread over the list, click → first frame with the operation's content; heap = JS heap used after a forced GC at idle; idle = the last of load event end, response end, long task end and DOM change, once the page has been quiet for 1 s.\n\n", runs, opens)
	fmt.Fprintln(&b, "| Spec | Page | First operation visible (baseline: parsed) | Idle | Open operation | Heap | Page bytes | Bytes per open |")
	fmt.Fprintln(&b, "|---|---|---:|---:|---:|---:|---:|---:|")
	fig := map[string]figures{}
	for _, spec := range specNames {
		label := fmt.Sprintf("%s (%s)", spec, kb(float64(sizes[spec])/1024))
		for _, p := range pages {
			f := medians(results[spec+"\x00"+p.name])
			fig[spec+"\x00"+p.name] = f
			open, openKB := "–", "–"
			if p.op != "" {
				open, openKB = fmt.Sprintf("%.0f ms", f.open), kb(f.openKB)
			}
			fmt.Fprintf(&b, "| %s | %s | %.0f ms | %.0f ms | %s | %.1f MB | %s | %s |\n", label, p.name, f.first, f.idle, open, f.heapMB, kb(f.pageKB), openKB)
		}
	}
	if c, ok := cold["github\x00Portico"]; ok {
		fmt.Fprintf(&b, "\nPortico's cold first visit (server just started, spec not yet decoded): GitHub first operation %.0f ms, idle %.0f ms", c.first, c.idle)
		if pc, ok := cold["petstore\x00Portico"]; ok {
			fmt.Fprintf(&b, "; Petstore first operation %.0f ms", pc.first)
		}
		fmt.Fprintln(&b, ".")
	}
	if note != "" {
		fmt.Fprintf(&b, "\n%s\n", note)
	}
	base, po := fig["github\x00"+pages[0].name], fig["github\x00Portico"]
	pbase, ppo := fig["petstore\x00"+pages[0].name], fig["petstore\x00Portico"]
	fmt.Fprintln(&b, "\nIssue 14 targets (Portico):\n\n| Target | Figure | Met |\n|---|---:|---|")
	row := func(target, figure string, ok bool) {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", target, figure, map[bool]string{true: "yes", false: "**no**"}[ok])
	}
	if _, ok := fig["github\x00Portico"]; ok {
		row(fmt.Sprintf("GitHub first operation ≤ 1/3 of baseline (%.0f ms → ≤ %.0f ms)", base.first, base.first/3), fmt.Sprintf("%.0f ms (%.2f× baseline)", po.first, po.first/base.first), po.first <= base.first/3)
		row("GitHub page idle ≤ 500 ms", fmt.Sprintf("%.0f ms", po.idle), po.idle <= 500)
		row("GitHub open operation ≤ 100 ms", fmt.Sprintf("%.0f ms", po.open), po.open <= 100)
		row("GitHub JS heap ≤ 10 MB", fmt.Sprintf("%.1f MB", po.heapMB), po.heapMB <= 10)
	}
	if _, ok := fig["petstore\x00Portico"]; ok {
		row(fmt.Sprintf("Petstore first operation ≤ baseline + 100 ms (%.0f ms → ≤ %.0f ms)", pbase.first, pbase.first+100), fmt.Sprintf("%.0f ms", ppo.first), ppo.first <= pbase.first+100)
		row("Petstore open operation ≤ 30 ms", fmt.Sprintf("%.0f ms", ppo.open), ppo.open <= 30)
	}
	return b.String()
}

func kb(k float64) string {
	if k >= 1024 {
		return fmt.Sprintf("%.1f MB", k/1024)
	}
	return fmt.Sprintf("%.0f KB", k)
}

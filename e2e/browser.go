package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"
)

// chromiumArgs keep Chromium quiet on a closed network (without the
// background-networking flags it floods it) and working as root.
var chromiumArgs = []string{
	"--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
}

// shared is the Playwright driver and browser, started on first use and
// stopped by TestMain: a driver start and a browser launch cost ~1 s each.
// (Test-harness state, not app state.)
var shared struct {
	mu      sync.Mutex
	pw      *playwright.Playwright
	browser playwright.Browser
	skip    string // why the browser cannot run here
}

// driverDir is where playwright-go finds the driver: a directory whose
// "package" is the npm package playwright-core@1.52.0.
func driverDir() string {
	if d := os.Getenv("PLAYWRIGHT_DRIVER_PATH"); d != "" {
		return d
	}
	return filepath.Join(moduleRoot(), ".cache", "pwdriver")
}

// chromiumPath is Debian's Chromium unless PORTICO_CHROMIUM says otherwise.
func chromiumPath() string {
	if p := os.Getenv("PORTICO_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// browser returns the shared browser, starting it on first use.
func browser(t testing.TB) playwright.Browser {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.browser != nil {
		return shared.browser
	}
	if shared.skip != "" {
		missing(t, "%s", shared.skip)
	}
	if reason := checkTools(); reason != "" {
		shared.skip = reason
		missing(t, "%s", reason)
	}
	pw, err := playwright.Run(&playwright.RunOptions{
		DriverDirectory: driverDir(), SkipInstallBrowsers: true, Verbose: false,
	})
	if err != nil {
		t.Fatalf("start the Playwright driver from %s: %v", driverDir(), err)
	}
	b, err := pw.Chromium.Launch(playwright.BrowserTypeLaunchOptions{
		ExecutablePath: playwright.String(chromiumPath()),
		Headless:       playwright.Bool(true),
		Args:           chromiumArgs,
	})
	if err != nil {
		pw.Stop()
		t.Fatalf("launch %s: %v", chromiumPath(), err)
	}
	shared.pw, shared.browser = pw, b
	return b
}

// checkTools says what is missing to run a browser, "" when nothing is.
func checkTools() string {
	if _, err := os.Stat(chromiumPath()); err != nil {
		return fmt.Sprintf("no Chromium at %s (apt-get install chromium)", chromiumPath())
	}
	pkg := filepath.Join(driverDir(), "package", "package.json")
	if _, err := os.Stat(pkg); err != nil {
		return fmt.Sprintf("no Playwright driver at %s (npm ci; ln -sfn $PWD/node_modules/playwright-core .cache/pwdriver/package)", pkg)
	}
	if os.Getenv("PLAYWRIGHT_NODEJS_PATH") == "" {
		node, err := exec.LookPath("node")
		if err != nil {
			return "no node on PATH and PLAYWRIGHT_NODEJS_PATH unset"
		}
		os.Setenv("PLAYWRIGHT_NODEJS_PATH", node)
	}
	return ""
}

// stopBrowser closes the shared browser and driver; TestMain calls it.
func stopBrowser() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.browser != nil {
		shared.browser.Close()
	}
	if shared.pw != nil {
		shared.pw.Stop()
	}
	shared.browser, shared.pw = nil, nil
}

// pageLog collects what a page reports: console errors, uncaught
// exceptions and Content-Security-Policy violations, and what the portal's
// HTML responses to it lacked (see checkHeaders).
type pageLog struct {
	mu     sync.Mutex
	errors []string
	ignore []string

	html       int               // portal HTML responses checked
	headerErrs []string          // what those responses lacked
	nonces     map[string]string // CSP nonce → URL that first sent it
	skipHeader bool              // SkipHeaderCheck was called
}

// response checks one response's security headers if it is an HTML
// document from a running portal. Redirects render nothing and are skipped.
func (l *pageLog) response(r playwright.Response) {
	if !isPortal(r.URL()) || r.Status() >= 300 && r.Status() < 400 {
		return
	}
	h := r.Headers()
	if r.Request().ResourceType() != "document" && !strings.Contains(h["content-type"], "text/html") {
		return
	}
	problems, nonce := checkHeaders(h)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.html++
	if nonce != "" {
		// The same URL twice may be the browser's cache (back/forward);
		// two URLs sharing a nonce cannot be.
		if first, seen := l.nonces[nonce]; seen && first != r.URL() {
			problems = append(problems, fmt.Sprintf("CSP nonce %q was already sent with %s", nonce, first))
		}
		if l.nonces == nil {
			l.nonces = map[string]string{}
		}
		if _, seen := l.nonces[nonce]; !seen {
			l.nonces[nonce] = r.URL()
		}
	}
	for _, p := range problems {
		l.headerErrs = append(l.headerErrs, fmt.Sprintf("%d %s %s: %s", r.Status(), r.Request().Method(), r.URL(), p))
	}
}

func (l *pageLog) add(msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errors = append(l.errors, msg)
}

func (l *pageLog) unexpected() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.errors {
		// A CSP violation is never expected: the suite must record none.
		if strings.HasPrefix(e, "CSP violation: ") {
			out = append(out, e)
			continue
		}
		ignored := false
		for _, s := range l.ignore {
			if strings.Contains(e, s) {
				ignored = true
			}
		}
		if !ignored {
			out = append(out, e)
		}
	}
	if !l.skipHeader {
		out = append(out, l.headerErrs...)
	}
	return out
}

// logs maps each page NewPage made to its log.
var logs sync.Map // playwright.Page → *pageLog

// NewPage opens a page in a fresh browser context (no shared cookies),
// 1280×900 unless opts say otherwise (e.g. JavaScriptEnabled: false). It
// records console errors, uncaught exceptions and CSP violations, and checks
// the security headers of every HTML response from a portal StartPortal or
// StartBinary started (issue 5: every page carries the CSP); the test fails
// at cleanup if anything was wrong (see IgnoreConsoleErrors and
// SkipHeaderCheck).
func NewPage(t testing.TB, opts ...playwright.BrowserNewContextOptions) playwright.Page {
	t.Helper()
	b := browser(t)
	o := playwright.BrowserNewContextOptions{}
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Viewport == nil {
		o.Viewport = &playwright.Size{Width: 1280, Height: 900}
	}
	bctx, err := b.NewContext(o)
	if err != nil {
		t.Fatalf("new browser context: %v", err)
	}
	page, err := bctx.NewPage()
	if err != nil {
		t.Fatalf("new page: %v", err)
	}
	log := &pageLog{}
	logs.Store(page, log)
	page.OnConsole(func(m playwright.ConsoleMessage) {
		if m.Type() == "error" {
			log.add("console error: " + m.Text())
		}
	})
	page.OnPageError(func(err error) { log.add("uncaught exception: " + err.Error()) })
	page.OnResponse(log.response)
	// CSP violations also reach the console, but the event names the
	// directive even when the console message is truncated.
	if err := page.AddInitScript(playwright.Script{Content: playwright.String(cspListener)}); err != nil {
		t.Fatalf("add CSP listener: %v", err)
	}
	page.OnConsole(func(m playwright.ConsoleMessage) {
		if m.Type() == "warning" && strings.HasPrefix(m.Text(), cspPrefix) {
			log.add("CSP violation: " + strings.TrimPrefix(m.Text(), cspPrefix))
		}
	})
	t.Cleanup(func() {
		logs.Delete(page)
		if errs := log.unexpected(); len(errs) > 0 {
			t.Errorf("the page reported %d problem(s):\n  %s", len(errs), strings.Join(errs, "\n  "))
		}
		bctx.Close()
	})
	return page
}

// cspPrefix marks the console lines cspListener writes.
const cspPrefix = "[csp-violation] "

// cspListener reports every securitypolicyviolation event on the console.
const cspListener = `document.addEventListener("securitypolicyviolation", (e) => {
  console.warn("[csp-violation] " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});`

// IgnoreConsoleErrors lets page log errors containing any of substrings
// without failing the test (e.g. the 404 a test provokes on purpose).
func IgnoreConsoleErrors(page playwright.Page, substrings ...string) {
	if v, ok := logs.Load(page); ok {
		l := v.(*pageLog)
		l.mu.Lock()
		l.ignore = append(l.ignore, substrings...)
		l.mu.Unlock()
	}
}

// SkipHeaderCheck stops page's missing security headers from failing the
// test, for a test that deliberately loads pages the portal does not
// serve through a portal origin. Pages from other origins (the fake
// GitHub, a demo API) are never checked and need no opt-out.
func SkipHeaderCheck(page playwright.Page) {
	if v, ok := logs.Load(page); ok {
		l := v.(*pageLog)
		l.mu.Lock()
		l.skipHeader = true
		l.mu.Unlock()
	}
}

// CheckedHTML is how many portal HTML responses page's header check has
// seen so far, so a test can show the check ran.
func CheckedHTML(page playwright.Page) int {
	v, ok := logs.Load(page)
	if !ok {
		return 0
	}
	l := v.(*pageLog)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.html
}

// unsafeName keeps screenshot and directory names portable.
var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// OutDir is the test's output directory, e2e/out/<TestName>/, created on
// first use. CI keeps it as an artifact.
func OutDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(moduleRoot(), "e2e", "out", unsafeName.ReplaceAllString(t.Name(), "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Screenshot saves a full-page PNG of page as <OutDir>/<name>.png.
func Screenshot(t testing.TB, page playwright.Page, name string) string {
	t.Helper()
	path := filepath.Join(OutDir(t), unsafeName.ReplaceAllString(name, "_")+".png")
	if _, err := page.Screenshot(playwright.PageScreenshotOptions{
		Path: playwright.String(path), FullPage: playwright.Bool(true),
	}); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
	}
	return path
}

// Steps returns a browser test's step: a step whose err is not nil takes a
// screenshot named failed-<prefix><name> and ends the test.
func Steps(t testing.TB, page playwright.Page, prefix string) func(name string, err error) {
	return func(name string, err error) {
		t.Helper()
		if err != nil {
			Screenshot(t, page, "failed-"+prefix+name)
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// WaitURL waits up to 30 s for page's address to be want: a string (the
// whole URL), a *regexp.Regexp or a func(string) bool. It looks at the
// address again every 20 ms instead of calling page.WaitForURL, whose
// client (playwright-go v0.5200.1) looks at the address once and then
// listens for the next navigation: one that lands in between, as the URL
// htmx pushes right after a click can when the test process is starved of
// CPU, is never heard, and the wait times out with the page already there.
// (Fixed upstream in playwright-go#641, not in a release.) Unlike
// page.WaitForURL it does not then wait for the load event: the locator
// assertions that follow wait for what they need.
func WaitURL(page playwright.Page, want any) error {
	var match func(string) bool
	what := fmt.Sprint(want)
	switch w := want.(type) {
	case string:
		match = func(u string) bool { return u == w }
	case *regexp.Regexp:
		match = w.MatchString
	case func(string) bool:
		match, what = w, "the URL the test waits for"
	default:
		return fmt.Errorf("WaitURL: want %T, not a string, *regexp.Regexp or func(string) bool", want)
	}
	const patience = 30 * time.Second
	deadline := time.Now().Add(patience)
	for !match(page.URL()) {
		if page.IsClosed() {
			return fmt.Errorf("the page closed at %s, waiting for %s", page.URL(), what)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still at %s after %s, waiting for %s", page.URL(), patience, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// referrerPolicies are the Referrer-Policy values that never send a path to
// another origin.
var referrerPolicies = []string{"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}

// checkHeaders says what a portal HTML response's headers (lower-cased
// names, as Playwright gives them) lack against issue 5: a CSP whose
// script-src allows scripts by nonce and never 'unsafe-inline', object-src,
// base-uri and frame-ancestors 'none'; nosniff; a Referrer-Policy that keeps
// paths in the origin. It also returns the CSP's script nonce.
func checkHeaders(h map[string]string) (problems []string, nonce string) {
	csp := h["content-security-policy"]
	if csp == "" {
		problems = append(problems, "no Content-Security-Policy header")
	} else {
		problems, nonce = checkCSP(parseCSP(csp))
		for i, p := range problems {
			problems[i] = fmt.Sprintf("CSP %q: %s", csp, p)
		}
	}
	if v := h["x-content-type-options"]; !strings.EqualFold(strings.TrimSpace(v), "nosniff") {
		problems = append(problems, fmt.Sprintf("X-Content-Type-Options is %q, want nosniff", v))
	}
	if v := h["referrer-policy"]; !slices.Contains(referrerPolicies, strings.ToLower(strings.TrimSpace(v))) {
		problems = append(problems, fmt.Sprintf("Referrer-Policy is %q, want one of %v", v, referrerPolicies))
	}
	return problems, nonce
}

// parseCSP splits a policy into directive → source list. Several policies
// (joined with "," or newlines by the browser) are read as one, which is
// enough to see whether each required directive is there.
func parseCSP(csp string) map[string][]string {
	directives := map[string][]string{}
	for _, d := range strings.FieldsFunc(csp, func(r rune) bool { return r == ';' || r == ',' || r == '\n' }) {
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		name := strings.ToLower(f[0])
		if _, dup := directives[name]; !dup { // the browser ignores repeats
			directives[name] = f[1:]
		}
	}
	return directives
}

// checkCSP checks parsed directives; see checkHeaders.
func checkCSP(d map[string][]string) (problems []string, nonce string) {
	script, ok := d["script-src"]
	if !ok {
		script = d["default-src"]
	}
	for _, src := range script {
		if n, ok := strings.CutPrefix(src, "'nonce-"); ok {
			nonce = strings.TrimSuffix(n, "'")
		}
	}
	if len(nonce) < 16 {
		problems = append(problems, fmt.Sprintf("script-src has no 'nonce-…' of at least 16 characters (got %q)", nonce))
	}
	for _, name := range []string{"default-src", "script-src", "script-src-elem", "script-src-attr"} {
		if slices.ContainsFunc(d[name], func(s string) bool { return strings.EqualFold(s, "'unsafe-inline'") }) {
			problems = append(problems, name+" allows 'unsafe-inline'")
		}
	}
	for _, name := range []string{"object-src", "base-uri", "frame-ancestors"} {
		if v, ok := d[name]; !ok || len(v) != 1 || !strings.EqualFold(v[0], "'none'") {
			problems = append(problems, fmt.Sprintf("%s is %q, want 'none'", name, strings.Join(v, " ")))
		}
	}
	return problems, nonce
}

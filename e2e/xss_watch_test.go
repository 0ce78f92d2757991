package e2e

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// xssWatch is one browser context of the XSS suite, for one page type. It
// runs with the page's CSP bypassed, so what it proves is that the pages
// escape what they show, not only that the CSP would have stopped a
// payload (the harness still checks every page's CSP header). It records
// every request the context makes that is not to the portal or that goes
// to an /evil… path, every dialog, and, on each page it scans, whether a
// payload ran (window.__xss), left live markup behind (xssScanJS), and
// which placement tokens the page shows.
type xssWatch struct {
	t        *testing.T
	base     string
	upstream string // the test's HTTP server: served catalogs, try-it upstream
	page     playwright.Page

	mu       sync.Mutex
	requests []string
	dialogs  []string
	findings []string
	tokens   map[string]bool
	visits   map[string]bool // decodedPath of every URL visit opened
	scans    int
}

func newXSSWatch(t *testing.T, base, upstream string) *xssWatch {
	t.Helper()
	w := &xssWatch{t: t, base: base, upstream: upstream, tokens: map[string]bool{}, visits: map[string]bool{}}
	w.page = NewPage(t, playwright.BrowserNewContextOptions{BypassCSP: playwright.Bool(true)})
	bctx := w.page.Context()
	bctx.OnRequest(func(r playwright.Request) {
		if !w.expected(r.URL()) && !w.ours(r) {
			w.mu.Lock()
			w.requests = append(w.requests, r.Method()+" "+r.URL())
			w.mu.Unlock()
		}
	})
	bctx.OnDialog(func(d playwright.Dialog) {
		w.mu.Lock()
		w.dialogs = append(w.dialogs, d.Type()+": "+d.Message()+" on "+w.page.URL())
		w.mu.Unlock()
		_ = d.Dismiss()
	})
	t.Cleanup(w.check)
	return w
}

// expected reports whether the page may request rawURL: the portal's own
// origin, on a path no payload names.
func (w *xssWatch) expected(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme+"://"+u.Host != w.base {
		return false
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if strings.HasPrefix(strings.ToLower(seg), "evil") {
			return false
		}
	}
	return true
}

// ours reports whether r is a navigation visit asked for: the suite's
// own URLs carry payloads, /evil paths included.
func (w *xssWatch) ours(r playwright.Request) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return r.IsNavigationRequest() && w.visits[decodedPath(r.URL())]
}

// decodedPath is rawURL's path and query, decoded, so the suite's URL
// and the browser's spelling of it compare equal.
func decodedPath(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	q, _ := url.QueryUnescape(u.RawQuery)
	return u.Path + "?" + q
}

// visit opens path on the portal and scans the page.
func (w *xssWatch) visit(path string) {
	w.t.Helper()
	w.mu.Lock()
	w.visits[decodedPath(w.base+path)] = true
	w.mu.Unlock()
	// Scripts, deferred ones (htmx) included, have run by
	// DOMContentLoaded; what a payload could still do later (an image's
	// onerror) needs live markup, which the scan sees, or a request, which
	// the context's listener sees whenever it happens.
	if _, err := w.page.Goto(w.base+path, playwright.PageGotoOptions{WaitUntil: playwright.WaitUntilStateDomcontentloaded}); err != nil {
		w.t.Fatalf("open %s: %v", path, err)
	}
	w.scan(path)
}

// scan looks at the page as it is now.
func (w *xssWatch) scan(where string) {
	w.t.Helper()
	v, err := w.page.Evaluate(xssScanJS)
	if err != nil {
		w.t.Fatalf("scan %s: %v", where, err)
	}
	res, _ := v.(map[string]any)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.scans++
	if x, ok := res["xss"].(string); ok && x != "" {
		w.findings = append(w.findings, fmt.Sprintf("%s: window.__xss is %s", where, x))
	}
	for _, f := range anyStrings(res["injected"]) {
		w.findings = append(w.findings, fmt.Sprintf("%s: live markup from a payload: %s", where, f))
	}
	for _, tok := range anyStrings(res["tokens"]) {
		w.tokens[tok] = true
	}
}

func anyStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// check fails the test for anything a payload did in this context.
func (w *xssWatch) check() {
	for _, p := range w.drain() {
		w.t.Error(p)
	}
}

// drain returns what payloads did since the last drain, one line per
// kind: executions or live markup, dialogs, unexpected requests.
func (w *xssWatch) drain() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, list := range []struct {
		what  string
		items []string
	}{{"execution or live markup", w.findings}, {"dialog", w.dialogs}, {"unexpected request", w.requests}} {
		if len(list.items) > 0 {
			out = append(out, fmt.Sprintf("%d %s(s):\n  %s", len(list.items), list.what, strings.Join(list.items, "\n  ")))
		}
	}
	w.findings, w.dialogs, w.requests = nil, nil, nil
	return out
}

// placements are the distinct tokens this context's pages showed.
func (w *xssWatch) placements() (n int, byPlace map[string]int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	byPlace = map[string]int{}
	for tok := range w.tokens {
		byPlace[tok[2:4]]++
	}
	return len(w.tokens), byPlace
}

// placeSummary renders byPlace as "an:46 de:46 …".
func placeSummary(byPlace map[string]int) string {
	keys := make([]string, 0, len(byPlace))
	for k := range byPlace {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s:%d", k, byPlace[k])
	}
	return strings.Join(parts, " ")
}

// xssScanJS reports whether a payload ran (window.__xss), every element or
// attribute in the DOM that only a payload could have put there (the
// portal's own markup has no inline handlers, no frames, no inline styles
// and only nonce'd scripts), and the placement tokens the page shows.
const xssScanJS = `() => {
  const injected = [];
  const strip = (v) => v.replace(/[\u0000-\u0020\u00ad\u200b-\u200f\u2028-\u202e\u2060\ufeff]/g, '').toLowerCase();
  const badScheme = (v) => /^(javascript|vbscript|data|ｊavascript):/.test(strip(v));
  const evil = (v) => {
    try {
      const u = new URL(v, location.href);
      return u.origin !== location.origin || u.pathname.split('/').some((s) => /^evil/i.test(s));
    } catch (e) { return false; }
  };
  const liveTags = new Set(['iframe', 'frame', 'object', 'embed', 'base', 'xss-el', 'marquee', 'applet',
    'style', 'template', 'math', 'animate', 'set', 'animatetransform', 'animatemotion', 'foreignobject']);
  const show = (el) => el.outerHTML.slice(0, 200);
  for (const el of document.querySelectorAll('*')) {
    const tag = el.localName;
    if (liveTags.has(tag) ||
        (tag === 'meta' && el.hasAttribute('http-equiv')) ||
        (tag === 'script' && (!el.hasAttribute('nonce') || !el.src || evil(el.src))) ||
        (tag === 'link' && (evil(el.href) || !/^\/static\//.test(el.getAttribute('href') || '')))) {
      injected.push(show(el));
      continue;
    }
    for (const a of el.attributes) {
      const n = a.name.toLowerCase();
      const v = a.value;
      if (n.startsWith('on') || /^(data-)?hx-on/.test(n) || n === 'srcdoc' || n === 'data-xss' || n === 'style' ||
          ((n === 'id' || n === 'name') && v === '__xss') ||
          (/^(href|src|action|formaction|data|xlink:href|poster|background|cite)$/.test(n) && badScheme(v)) ||
          (/^(src|data|poster|background|formaction|action)$/.test(n) && evil(v)) ||
          (/^(data-)?hx-/.test(n) && (/\/evil/i.test(v) || /^\s*(js|javascript):/i.test(v)))) {
        injected.push(n + '=' + JSON.stringify(v.slice(0, 80)) + ' on ' + show(el));
      }
    }
  }
  const x = window.__xss;
  return {
    xss: typeof x === 'undefined' ? '' : String(x),
    injected,
    tokens: [...new Set(document.documentElement.outerHTML.match(/xq[a-z]{2}[0-9]{2}z/g) || [])],
  };
}`

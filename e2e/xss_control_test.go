package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// xssInert are the payloads that do nothing when written raw into HTML or
// a script: they aim at a step the portal could add between the author and
// the page (a template engine, Unicode normalization, a second HTML
// decode, Markdown), so the control cannot see them fire.
var xssInert = []string{
	`{{constructor.constructor('__xss=1')()}} {{7*7}}`,
	`＜script＞__xss=1＜/script＞ ＜img src=/evil-img onerror=__xss=1＞`,
	`&lt;script&gt;__xss=1&lt;/script&gt; &#60;img src=/evil-img onerror=__xss=1&#62;`,
	`[md](javascript:__xss=1) [md2](JaVaScRiPt:alert(1)) <javascript:__xss=1>`,
}

// TestXSSWatchCatchesEveryLivePayload is the control of the XSS suite: a
// page whose frames write each payload raw into HTML text, attributes and
// scripts, as a page without escaping would. Every payload but the inert
// ones must be caught in its frame by what the suite watches (a run, live
// markup or a request), or a clean run of TestXSSCorpusIsInert would
// prove nothing.
func TestXSSWatchCatchesEveryLivePayload(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(serveUnsafe))
	t.Cleanup(srv.Close)
	page := NewPage(t, playwright.BrowserNewContextOptions{BypassCSP: playwright.Bool(true)})
	IgnoreConsoleErrors(page, "") // the raw payloads break the frames' scripts on purpose
	var mu sync.Mutex
	caught := map[string]string{} // frame name → first thing seen
	note := func(frame, what string) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := caught[frame]; !ok {
			caught[frame] = what
		}
	}
	page.Context().OnRequest(func(r playwright.Request) {
		if (&xssWatch{base: srv.URL}).expected(r.URL()) {
			return
		}
		if f := payloadFrame(r.Frame()); f != "" {
			note(f, "request "+r.URL())
		}
	})
	page.Context().OnDialog(func(d playwright.Dialog) { _ = d.Dismiss() })
	if _, err := page.Goto(srv.URL + "/"); err != nil {
		t.Fatal(err)
	}
	for _, f := range page.Frames() {
		name := payloadFrame(f)
		if name == "" || f.Name() != name {
			continue
		}
		v, err := f.Evaluate(xssScanJS)
		if err != nil {
			t.Fatalf("scan frame %s: %v", name, err)
		}
		res, _ := v.(map[string]any)
		if x, _ := res["xss"].(string); x != "" {
			note(name, "window.__xss = "+x)
		}
		if inj := anyStrings(res["injected"]); len(inj) > 0 {
			note(name, "live markup "+inj[0])
		}
	}
	var missed []string
	for i, p := range xssPayloads {
		if _, ok := caught["p"+strconv.Itoa(i)]; !ok {
			missed = append(missed, p)
		}
	}
	if !slices.Equal(missed, xssInert) {
		t.Errorf("payloads the watch did not catch when a page showed them raw:\n  %s\nwant only the inert ones:\n  %s",
			strings.Join(missed, "\n  "), strings.Join(xssInert, "\n  "))
	}
}

// payloadFrame is the name ("p7") of the payload's frame f is or is in.
func payloadFrame(f playwright.Frame) string {
	for ; f != nil; f = f.ParentFrame() {
		if strings.HasPrefix(f.Name(), "p") {
			return f.Name()
		}
	}
	return ""
}

// serveUnsafe serves the control: / is a page with a frame per payload,
// /raw/N payload N written unescaped where pages put text (the title, body
// text, attribute values in both quotes, a textarea), and /sq/N, /dq/N,
// /bq/N scripts that put it in a JavaScript string in each quote, loaded
// as the portal loads its scripts (with a nonce and a src).
func serveUnsafe(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/" {
		var b strings.Builder
		b.WriteString("<!doctype html><html><body>")
		for i := range xssPayloads {
			fmt.Fprintf(&b, `<iframe name="p%d" src="/raw/%d"></iframe>`, i, i)
		}
		b.WriteString("</body></html>")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, b.String())
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	i, err := strconv.Atoi(parts[len(parts)-1])
	if len(parts) != 2 || err != nil || i < 0 || i >= len(xssPayloads) {
		http.NotFound(w, r)
		return
	}
	p := xssPayloads[i]
	switch parts[0] {
	case "raw":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><html><head><title>"+p+"</title></head><body>"+
			"<p>"+p+"</p><a title=\""+p+"\">dq</a><a title='"+p+"'>sq</a><textarea>"+p+"</textarea>")
		for _, q := range []string{"sq", "dq", "bq"} {
			fmt.Fprintf(w, `<script nonce="control" src="/%s/%d"></script>`, q, i)
		}
		fmt.Fprint(w, "</body></html>")
	case "sq", "dq", "bq":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		quote := map[string]string{"sq": "'", "dq": `"`, "bq": "`"}[parts[0]]
		fmt.Fprintf(w, "var v = %s%s%s;\n", quote, p, quote)
	default:
		http.NotFound(w, r)
	}
}

package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// goodCSP is the portal's policy (auth.SecurityHeaders) with a nonce.
const goodCSP = "default-src 'self'; script-src 'self' 'nonce-%s'; style-src 'self'; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

func goodHeaders() map[string]string {
	return map[string]string{
		"content-security-policy": fmt.Sprintf(goodCSP, "AAAAAAAAAAAAAAAAAAAAAA"),
		"x-content-type-options":  "nosniff",
		"referrer-policy":         "same-origin",
	}
}

func TestCheckHeaders(t *testing.T) {
	tests := []struct {
		name string
		edit func(h map[string]string)
		want string // a substring of the one problem; "" for none
	}{
		{"portal headers", func(map[string]string) {}, ""},
		{"nonce under default-src", func(h map[string]string) {
			h["content-security-policy"] = "default-src 'self' 'nonce-BBBBBBBBBBBBBBBBBBBBBB'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
		}, ""},
		{"no CSP", func(h map[string]string) { delete(h, "content-security-policy") }, "no Content-Security-Policy"},
		{"unsafe-inline", func(h map[string]string) {
			h["content-security-policy"] = strings.Replace(h["content-security-policy"], "'self' 'nonce", "'self' 'unsafe-inline' 'nonce", 1)
		}, "script-src allows 'unsafe-inline'"},
		{"no nonce", func(h map[string]string) {
			h["content-security-policy"] = strings.Replace(h["content-security-policy"], " 'nonce-AAAAAAAAAAAAAAAAAAAAAA'", "", 1)
		}, "no 'nonce-"},
		{"short nonce", func(h map[string]string) { h["content-security-policy"] = fmt.Sprintf(goodCSP, "abc") }, "no 'nonce-"},
		{"object-src missing", func(h map[string]string) {
			h["content-security-policy"] = strings.Replace(h["content-security-policy"], "object-src 'none'; ", "", 1)
		}, "object-src is"},
		{"base-uri self", func(h map[string]string) {
			h["content-security-policy"] = strings.Replace(h["content-security-policy"], "base-uri 'none'", "base-uri 'self'", 1)
		}, "base-uri is \"'self'\""},
		{"frame-ancestors missing", func(h map[string]string) {
			h["content-security-policy"] = strings.Replace(h["content-security-policy"], "frame-ancestors 'none'; ", "", 1)
		}, "frame-ancestors is"},
		{"no nosniff", func(h map[string]string) { delete(h, "x-content-type-options") }, "X-Content-Type-Options"},
		{"leaky referrer policy", func(h map[string]string) { h["referrer-policy"] = "unsafe-url" }, "Referrer-Policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := goodHeaders()
			tt.edit(h)
			problems, _ := checkHeaders(h)
			switch {
			case tt.want == "" && len(problems) > 0:
				t.Errorf("problems %q, want none", problems)
			case tt.want != "" && (len(problems) != 1 || !strings.Contains(problems[0], tt.want)):
				t.Errorf("problems %q, want one containing %q", problems, tt.want)
			}
		})
	}
}

// TestNewPageChecksPortalHeaders shows NewPage's checks firing in a real
// browser: headers missing on a portal origin, a nonce reused, and a CSP
// violation are recorded; another origin is not checked.
func TestNewPageChecksPortalHeaders(t *testing.T) {
	const nonce = "CCCCCCCCCCCCCCCCCCCCCC"
	mux := http.NewServeMux()
	mux.HandleFunc("/bare", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<!doctype html><title>bare</title><p>no headers")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", fmt.Sprintf(goodCSP, nonce)) // the same nonce every time
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>ok</title><script>document.title = "inline ran"</script>`)
	})
	portal := httptest.NewServer(mux)
	defer portal.Close()
	other := httptest.NewServer(mux)
	defer other.Close()
	portals.Store(portal.URL, true)
	defer portals.Delete(portal.URL)

	page := NewPage(t)
	for _, u := range []string{portal.URL + "/one", portal.URL + "/two", portal.URL + "/bare", other.URL + "/bare"} {
		if _, err := page.Goto(u); err != nil {
			t.Fatalf("goto %s: %v", u, err)
		}
	}
	if n := CheckedHTML(page); n != 3 {
		t.Errorf("checked %d HTML responses, want 3 (the other origin is not the portal's)", n)
	}
	v, _ := logs.Load(page)
	l := v.(*pageLog)
	l.mu.Lock()
	headerErrs := strings.Join(l.headerErrs, "\n")
	var violations int
	for _, e := range l.errors {
		if strings.HasPrefix(e, "CSP violation: ") {
			violations++
		}
	}
	l.errors = nil // the inline scripts were blocked on purpose
	l.mu.Unlock()
	for _, want := range []string{"/two: CSP nonce", "/bare: no Content-Security-Policy", "/bare: X-Content-Type-Options", "/bare: Referrer-Policy"} {
		if !strings.Contains(headerErrs, want) {
			t.Errorf("header problems lack %q:\n%s", want, headerErrs)
		}
	}
	if strings.Contains(headerErrs, other.URL) {
		t.Errorf("a non-portal origin was checked:\n%s", headerErrs)
	}
	if violations != 2 {
		t.Errorf("recorded %d CSP violations, want 2 (one blocked inline script per page)", violations)
	}
	SkipHeaderCheck(page)
}

// TestWaitURLSeesANavigationThatLandsWhileItLooks: a URL wait must not
// depend on hearing a navigation that comes after it looked. The wanted
// func, on its first call, lets the page push the URL and the client take
// it in before answering "not yet" — where a starved test goroutine can be
// between page.WaitForURL's look and its listening. page.WaitForURL then
// waits for a navigation that never comes (CI's one failure of
// TestAPIChangesBadgeTimelineDiffConsumersFeed, "breaking in the URL:
// timeout:Timeout 30000.00ms exceeded."); WaitURL looks again.
func TestWaitURLSeesANavigationThatLandsWhileItLooks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<!doctype html><title>wait</title><p>a page that pushes its URL")
	}))
	defer srv.Close()
	page := NewPage(t)
	if _, err := page.Goto(srv.URL + "/list"); err != nil {
		t.Fatal(err)
	}
	var looked atomic.Bool
	want := func(u string) bool {
		if looked.Swap(true) {
			return strings.HasSuffix(u, "/list?breaking=1")
		}
		if _, err := page.Evaluate(`history.pushState({}, "", "/list?breaking=1")`); err != nil {
			t.Errorf("push the URL: %v", err)
		}
		for !strings.HasSuffix(page.URL(), "/list?breaking=1") {
			time.Sleep(time.Millisecond)
		}
		return false // what it saw when it looked
	}
	start := time.Now()
	if err := WaitURL(page, want); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s to see a URL already there", d)
	}
}

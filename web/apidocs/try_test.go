package apidocs

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v5"
)

// echoUpstream answers with what it received, as JSON or as HTML.
func echoUpstream(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "up", Value: "1"})
		if strings.HasSuffix(r.URL.Path, "/html") {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<b id="injected">bold</b><script>window.__xss=1</script>`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"path":%q,"query":%q,"cookie":%q,"auth":%q,"key":%q,"reqid":%q}`, r.URL.EscapedPath(), r.URL.RawQuery,
			r.Header.Get("Cookie"), r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.Header.Get("X-Request-Id"))
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return srv, port
}

func upstreamSpec(server string) string {
	return `{"openapi":"3.0.3","info":{"title":"Echo","version":"1"},"servers":[{"url":"` + server + `"}],
"components":{"securitySchemes":{"key":{"type":"apiKey","in":"header","name":"X-Api-Key"},"bearer":{"type":"http","scheme":"bearer"}}},
"paths":{"/items/{id}":{"get":{"operationId":"getItem","security":[{"key":[]},{"bearer":[]}],"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}},{"name":"q","in":"query","schema":{"type":"string"}},{"name":"X-Request-Id","in":"header","schema":{"type":"string"}}],"responses":{"200":{"description":"ok"}}}},
"/html":{"get":{"operationId":"getHTML","responses":{"200":{"description":"ok"}}}}}}`
}

func TestTryItOutThroughThePortal(t *testing.T) {
	for _, driver := range stores(t) {
		t.Run(driver, func(t *testing.T) { testTryThroughPortal(t, driver) })
	}
}

func testTryThroughPortal(t *testing.T, driver string) {
	up, port := echoUpstream(t)
	r := newRigOn(t, driver, Options{Policy: enabled("127.0.0.1:" + port)}, testAPI{name: "echo", definition: upstreamSpec(up.URL + "/base")})
	form := url.Values{"server": {"0"}, "p.path.id": {"a b"}, "p.query.q": {"x&y"}, "p.header.X-Request-Id": {"r1"}, "cred.key": {"s3cret"}}
	d := r.doc(t, "POST", "/catalog/default/api/echo/definition/op/getItem/try", form, true,
		"Cookie", "portico_session=portal-secret", "Authorization", "Bearer portal-token")
	if got := d.Find("[data-testid=try-status]").Text(); got != "200" {
		t.Fatalf("status %q, error %q", got, d.Find("[data-testid=try-error]").Text())
	}
	body := d.Find("[data-testid=try-body-out]").Text()
	for _, want := range []string{`"path": "/base/items/a%20b"`, `"query": "q=x%26y"`, `"cookie": ""`, `"auth": ""`, `"key": "s3cret"`, `"reqid": "r1"`} {
		if !strings.Contains(body, want) {
			t.Errorf("upstream saw %s; want %s", body, want)
		}
	}
	if strings.Contains(d.Find("[data-testid=try-headers]").Text(), "Set-Cookie") {
		t.Error("Set-Cookie shown")
	}
	curl := d.Find("[data-testid=sample-curl]").Text()
	if !strings.Contains(curl, "/base/items/a%20b?q=x%26y") || strings.Contains(curl, "s3cret") || !strings.Contains(curl, "$KEY") {
		t.Errorf("curl sample %q: wants the built URL and a placeholder for the key", curl)
	}
	for _, lang := range []string{"go", "python", "javascript"} {
		if d.Find("[data-testid=sample-"+lang+"]").Length() != 1 {
			t.Errorf("no %s sample", lang)
		}
	}
}

func TestTryItOutShowsHTMLResponsesAsText(t *testing.T) {
	up, port := echoUpstream(t)
	r := newRig(t, Options{Policy: enabled("127.0.0.1:" + port)}, testAPI{name: "echo", definition: upstreamSpec(up.URL)})
	d := r.doc(t, "POST", "/catalog/default/api/echo/definition/op/getHTML/try", url.Values{"server": {"0"}}, true)
	if d.Find("#injected").Length() != 0 || d.Find("script").Length() != 0 {
		t.Fatal("the upstream's HTML became markup")
	}
	if !strings.Contains(d.Find("[data-testid=try-body-out]").Text(), `<b id="injected">`) {
		t.Error("the upstream's HTML is not shown as text")
	}
}

func TestTryItOutRefusalsReachNobody(t *testing.T) {
	var conns atomic.Int64
	sink := httptest.NewUnstartedServer(http.NotFoundHandler())
	sink.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	sink.Start()
	defer sink.Close()
	r := newRig(t, Options{Policy: enabled()}, testAPI{name: "evil", definition: upstreamSpec(sink.URL)})
	d := r.doc(t, "POST", "/catalog/default/api/evil/definition/op/getItem/try", url.Values{"server": {"0"}, "p.path.id": {"1"}}, true)
	if msg := d.Find("[data-testid=try-error]").Text(); !strings.Contains(msg, "refused") {
		t.Errorf("message %q", msg)
	}
	d = r.doc(t, "POST", "/catalog/default/api/evil/definition/op/getItem/try", url.Values{"server": {"7"}, "p.path.id": {"1"}}, true)
	if msg := d.Find("[data-testid=try-error]").Text(); !strings.Contains(msg, "choose a server") {
		t.Errorf("out-of-range server index: message %q", msg)
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("sink received %d connections", n)
	}
}

func TestTryItOutHonoursSwitchRequireUserAndRateLimit(t *testing.T) {
	up, port := echoUpstream(t)
	off := enabled("127.0.0.1:" + port)
	off.Enabled = false
	r := newRig(t, Options{Policy: off}, testAPI{name: "echo", definition: upstreamSpec(up.URL)})
	if rec := r.do(t, "POST", "/catalog/default/api/echo/definition/op/getHTML/try", url.Values{"server": {"0"}}, true); rec.Code != http.StatusForbidden {
		t.Errorf("disabled: status %d", rec.Code)
	}
	r = newRig(t, Options{Policy: enabled("127.0.0.1:" + port), RequireUser: func(*echoContext) error { return errUnauthorized }},
		testAPI{name: "echo", definition: upstreamSpec(up.URL)})
	if rec := r.do(t, "POST", "/catalog/default/api/echo/definition/op/getHTML/try", url.Values{"server": {"0"}}, true); rec.Code != http.StatusUnauthorized {
		t.Errorf("RequireUser: status %d", rec.Code)
	}
	limited := enabled("127.0.0.1:" + port)
	limited.RateLimit = 1
	r = newRig(t, Options{Policy: limited}, testAPI{name: "echo", definition: upstreamSpec(up.URL)})
	r.do(t, "POST", "/catalog/default/api/echo/definition/op/getHTML/try", url.Values{"server": {"0"}}, true)
	if rec := r.do(t, "POST", "/catalog/default/api/echo/definition/op/getHTML/try", url.Values{"server": {"0"}}, true); rec.Code != http.StatusTooManyRequests {
		t.Errorf("rate limit: status %d", rec.Code)
	}
}

type echoContext = echo.Context

var errUnauthorized = echo.ErrUnauthorized

// TestSamplesFollowTheFormWithoutCalling: the samples endpoint builds the
// code samples from the fields as they stand, redacts credentials, and
// calls nothing (the try-it form refreshes them as the person types).
func TestSamplesFollowTheFormWithoutCalling(t *testing.T) {
	up, port := echoUpstream(t)
	calls := 0
	up.Config.Handler = http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calls++ })
	r := newRig(t, Options{Policy: enabled("127.0.0.1:" + port)}, testAPI{name: "echo", definition: upstreamSpec(up.URL + "/base")})
	form := url.Values{"server": {"0"}, "p.path.id": {"42"}, "p.query.q": {"fresh value"}, "cred.key": {"s3cret"}}
	d := r.doc(t, "POST", "/catalog/default/api/echo/definition/op/getItem/samples", form, true)
	curl := d.Find("[data-testid=sample-curl]").Text()
	if !strings.Contains(curl, "/base/items/42?q=fresh+value") || strings.Contains(curl, "s3cret") || !strings.Contains(curl, "$KEY") {
		t.Errorf("curl sample %q: wants the fields' URL and a placeholder for the key", curl)
	}
	if calls != 0 {
		t.Errorf("building samples called the upstream %d times", calls)
	}
	// A field that makes the call impossible says so in place of the samples.
	form.Set("p.path.id", "")
	d = r.doc(t, "POST", "/catalog/default/api/echo/definition/op/getItem/samples", form, true)
	if note := d.Find("[data-testid=samples-note]").Text(); note == "" {
		t.Errorf("no note for an empty required path parameter: %s", d.Text())
	}
}

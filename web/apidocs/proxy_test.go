package apidocs

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog/openapi"
)

// ssrfRig is a recording sink nobody may reach and an allowed upstream.
type ssrfRig struct {
	sink, upstream *httptest.Server
	sinkConns      atomic.Int64
	flips          atomic.Int64
	sinkPort       string
	upPort         string
	proxy          *Proxy
}

func newSSRFRig(t *testing.T) *ssrfRig {
	t.Helper()
	r := &ssrfRig{}
	r.sink = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "sink reached")
	}))
	r.sink.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			r.sinkConns.Add(1)
		}
	}
	r.sink.Start()
	t.Cleanup(r.sink.Close)
	_, r.sinkPort, _ = net.SplitHostPort(r.sink.Listener.Addr().String())
	sinkURL := r.sink.URL
	mux := http.NewServeMux()
	for _, code := range []int{301, 302, 303, 307, 308} {
		mux.HandleFunc(fmt.Sprintf("/redirect/%d", code), func(w http.ResponseWriter, req *http.Request) {
			http.Redirect(w, req, sinkURL+"/stolen", code)
		})
	}
	mux.HandleFunc("/ok/", func(w http.ResponseWriter, req *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "upstream", Value: "x"})
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"path":%q,"cookie":%q,"auth":%q}`, req.URL.EscapedPath(), req.Header.Get("Cookie"), req.Header.Get("Authorization"))
	})
	r.upstream = httptest.NewServer(mux)
	t.Cleanup(r.upstream.Close)
	_, r.upPort, _ = net.SplitHostPort(r.upstream.Listener.Addr().String())
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		answers := map[string][]string{
			"allowed.test": {"127.0.0.1"},
			"rebind.test":  {"127.0.0.1"},
			"rebind6.test": {"::1"},
			"mixed.test":   {"127.0.0.1", "93.184.216.34"},
			"private.test": {"10.0.0.1"},
			"meta.test":    {"169.254.169.254"},
			"meta6.test":   {"fd00:ec2::254"},
			"mapped.test":  {"::ffff:127.0.0.1"},
			"zero.test":    {"0.0.0.0"},
			"alibaba.test": {"100.100.100.200"},
			"ula.test":     {"fc00::1"},
			"compat.test":  {"::7f00:1"},
			"cgnat.test":   {"100.64.0.1"},
		}
		if strings.EqualFold(host, "flip.test") {
			// Public on the first answer, loopback on every later one: a
			// rebinding server betting on a second lookup at connect time.
			if r.flips.Add(1) == 1 {
				return []netip.Addr{netip.MustParseAddr("203.0.113.10")}, nil
			}
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		}
		var out []netip.Addr
		for _, a := range answers[strings.ToLower(host)] {
			out = append(out, netip.MustParseAddr(a))
		}
		if out == nil {
			return nil, fmt.Errorf("no such host")
		}
		return out, nil
	}
	p, err := NewProxy(Policy{Enabled: true, Allow: []string{"127.0.0.1:" + r.upPort}, Timeout: 2 * time.Second}, lookup)
	if err != nil {
		t.Fatal(err)
	}
	r.proxy = p
	return r
}

func getOp(path string, params ...openapi.Parameter) *openapi.Operation {
	return &openapi.Operation{OperationSummary: openapi.OperationSummary{Method: "GET", Path: path}, Parameters: params}
}

var idParam = openapi.Parameter{Name: "id", In: "path", Required: true}

// try builds and sends one call the way the handler does.
func (r *ssrfRig) try(server openapi.Server, op *openapi.Operation, in TryInput) Result {
	targets := Targets(&openapi.Summary{Servers: []openapi.Server{server}}, nil, "")
	call, err := Build(targets, op, nil, in, 1<<20, false)
	if err != nil {
		return Result{Error: err.Error()}
	}
	return r.proxy.Send(context.Background(), call)
}

func TestTryItOutRefusesSSRF(t *testing.T) {
	r := newSSRFRig(t)
	S, U := r.sinkPort, r.upPort
	srv := func(u string) openapi.Server { return openapi.Server{URL: u} }
	ids := func(v string) TryInput { return TryInput{Params: map[string]string{"path:id": v}} }
	tests := []ssrfCase{
		{"loopback dotted", srv("http://127.0.0.1:" + S), getOp("/"), TryInput{}},
		{"loopback 127.1", srv("http://127.1:" + S), getOp("/"), TryInput{}},
		{"loopback decimal", srv("http://2130706433:" + S), getOp("/"), TryInput{}},
		{"loopback hex", srv("http://0x7f000001:" + S), getOp("/"), TryInput{}},
		{"loopback hex dotted", srv("http://0x7f.0.0.1:" + S), getOp("/"), TryInput{}},
		{"loopback octal", srv("http://0177.0.0.1:" + S), getOp("/"), TryInput{}},
		{"loopback octal long", srv("http://017700000001:" + S), getOp("/"), TryInput{}},
		{"loopback zero padded", srv("http://127.000.000.001:" + S), getOp("/"), TryInput{}},
		{"loopback other", srv("http://127.0.0.2:" + S), getOp("/"), TryInput{}},
		{"loopback ipv6", srv("http://[::1]:" + S), getOp("/"), TryInput{}},
		{"loopback v4-mapped", srv("http://[::ffff:127.0.0.1]:" + S), getOp("/"), TryInput{}},
		{"loopback v4-mapped hex", srv("http://[0:0:0:0:0:ffff:7f00:1]:" + S), getOp("/"), TryInput{}},
		{"localhost", srv("http://localhost:" + S), getOp("/"), TryInput{}},
		{"localhost trailing dot", srv("http://LOCALHOST.:" + S), getOp("/"), TryInput{}},
		{"sub.localhost", srv("http://api.localhost:" + S), getOp("/"), TryInput{}},
		{"unspecified", srv("http://0.0.0.0:" + S), getOp("/"), TryInput{}},
		{"unspecified short", srv("http://0:" + S), getOp("/"), TryInput{}},
		{"unspecified ipv6", srv("http://[::]:" + S), getOp("/"), TryInput{}},
		{"metadata aws", srv("http://169.254.169.254/latest/meta-data"), getOp("/"), TryInput{}},
		{"metadata aws v4-mapped", srv("http://[::ffff:169.254.169.254]/"), getOp("/"), TryInput{}},
		{"metadata aws ipv6", srv("http://[fd00:ec2::254]/"), getOp("/"), TryInput{}},
		{"metadata alibaba", srv("http://100.100.100.200/"), getOp("/"), TryInput{}},
		{"link-local", srv("http://169.254.1.1/"), getOp("/"), TryInput{}},
		{"link-local ipv6", srv("http://[fe80::1]/"), getOp("/"), TryInput{}},
		{"private 10/8", srv("http://10.0.0.1/"), getOp("/"), TryInput{}},
		{"private 172.16/12", srv("http://172.16.0.1/"), getOp("/"), TryInput{}},
		{"private 192.168/16", srv("http://192.168.1.1/"), getOp("/"), TryInput{}},
		{"private ula", srv("http://[fc00::1]/"), getOp("/"), TryInput{}},
		{"carrier-grade nat", srv("http://100.64.0.1/"), getOp("/"), TryInput{}},
		{"name resolving to loopback", srv("http://rebind.test:" + S), getOp("/"), TryInput{}},
		{"name resolving to ipv6 loopback", srv("http://rebind6.test:" + S), getOp("/"), TryInput{}},
		{"name with loopback among answers", srv("http://mixed.test:" + S), getOp("/"), TryInput{}},
		{"name resolving to private", srv("http://private.test/"), getOp("/"), TryInput{}},
		{"name resolving to metadata", srv("http://meta.test/"), getOp("/"), TryInput{}},
		{"name resolving to ipv6 metadata", srv("http://meta6.test/"), getOp("/"), TryInput{}},
		{"allowed port only: sink via allowed name", srv("http://allowed.test:" + S), getOp("/"), TryInput{}},
		{"userinfo allowed@loopback", srv("http://allowed.test@127.0.0.1:" + S), getOp("/"), TryInput{}},
		{"userinfo allowed addr@loopback", srv("http://127.0.0.1:" + U + "@127.0.0.1:" + S), getOp("/"), TryInput{}},
		{"userinfo on allowed host", srv("http://user:pass@127.0.0.1:" + U + "/ok"), getOp("/"), TryInput{}},
		{"scheme file", srv("file:///etc/passwd"), getOp("/"), TryInput{}},
		{"scheme gopher", srv("gopher://127.0.0.1:" + S + "/"), getOp("/"), TryInput{}},
		{"scheme ftp", srv("ftp://example.com/"), getOp("/"), TryInput{}},
		{"scheme javascript", srv("javascript:alert(1)"), getOp("/"), TryInput{}},
		{"scheme-relative", srv("//127.0.0.1:" + S + "/"), getOp("/"), TryInput{}},
		{"relative server", srv("/v1"), getOp("/"), TryInput{}},
		{"free host variable", openapi.Server{URL: "http://{host}/", Variables: []openapi.ServerVariable{{Name: "host", Default: "example.com"}}}, getOp("/"), TryInput{ServerVars: map[string]string{"host": "127.0.0.1:" + S}}},
		{"enum host variable", openapi.Server{URL: "http://{env}.example.com/", Variables: []openapi.ServerVariable{{Name: "env", Default: "api", Enum: []string{"api", "sandbox"}}}}, getOp("/"), TryInput{ServerVars: map[string]string{"env": "127.0.0.1:" + S + "/#"}}},
		{"traversal ..", srv("http://127.0.0.1:" + U + "/ok"), getOp("/{id}", idParam), ids("..")},
		{"traversal %2e%2e", srv("http://127.0.0.1:" + U + "/ok"), getOp("/{id}", idParam), ids("%2e%2e")},
		{"traversal %2E%2E", srv("http://127.0.0.1:" + U + "/ok"), getOp("/{id}", idParam), ids("%2E%2E")},
		{"traversal %2f", srv("http://127.0.0.1:" + U + "/ok"), getOp("/{id}", idParam), ids("a%2fb")},
		{"traversal slash", srv("http://127.0.0.1:" + U + "/ok"), getOp("/{id}", idParam), ids("../../redirect/302")},
		{"traversal backslash", srv("http://127.0.0.1:" + U + "/ok"), getOp("/{id}", idParam), ids(`..\..\x`)},
		{"traversal in template", srv("http://127.0.0.1:" + U + "/ok"), getOp("/../redirect/302"), TryInput{}},
		{"header Host", srv("http://127.0.0.1:" + U + "/ok"), getOp("/x", openapi.Parameter{Name: "Host", In: "header"}), TryInput{Params: map[string]string{"header:Host": "127.0.0.1:" + S}}},
		{"header CRLF", srv("http://127.0.0.1:" + U + "/ok"), getOp("/x", openapi.Parameter{Name: "X-A", In: "header"}), TryInput{Params: map[string]string{"header:X-A": "a\r\nHost: evil"}}},
	}
	tests = append(tests, moreSSRFCases(S, U)...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := r.try(tt.server, tt.op, tt.in)
			if res.Error == "" {
				t.Fatalf("not refused: status %d body %q", res.Status, res.Body)
			}
			t.Log(res.Error)
			if !strings.Contains(strings.ToLower(res.Error), "refused") && !strings.Contains(res.Error, "server variable") && !strings.Contains(res.Error, "line break") && !strings.Contains(res.Error, "does not parse") {
				t.Errorf("message %q does not say the call was refused", res.Error)
			}
		})
	}
	for _, code := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprintf("redirect %d towards sink not followed", code), func(t *testing.T) {
			res := r.try(srv("http://127.0.0.1:"+U), getOp(fmt.Sprintf("/redirect/%d", code)), TryInput{})
			if res.Error != "" || res.Status != code {
				t.Fatalf("got status %d error %q, want the %d itself", res.Status, res.Error, code)
			}
			if !hasHeader(res.Headers, "Location") {
				t.Errorf("Location header not shown: %v", res.Headers)
			}
		})
	}
	if n := r.sinkConns.Load(); n != 0 {
		t.Fatalf("the sink received %d connections, want 0", n)
	}
	t.Run("rebinding: public first, loopback later", func(t *testing.T) {
		for i := range 2 {
			// The first call goes to the public answer (and fails
			// here); the second gets loopback and is refused.
			res := r.try(srv("http://flip.test:"+S), getOp("/"), TryInput{})
			if res.Error == "" {
				t.Fatalf("call %d: not refused: status %d body %q", i, res.Status, res.Body)
			}
			t.Log(res.Error)
		}
	})
	if n := r.sinkConns.Load(); n != 0 {
		t.Fatalf("the sink received %d connections, want 0", n)
	}
	if n := len(tests) + 5 + 1; n < 80 {
		t.Fatalf("only %d attempts, the suite promises at least 80", n)
	}
}

func TestTryItOutReachesAllowedUpstream(t *testing.T) {
	r := newSSRFRig(t)
	for _, host := range []string{"127.0.0.1", "allowed.test"} {
		res := r.try(openapi.Server{URL: "http://" + host + ":" + r.upPort + "/ok"}, getOp("/items/{id}", idParam), TryInput{Params: map[string]string{"path:id": "a b"}})
		if res.Error != "" || res.Status != 200 {
			t.Fatalf("%s: status %d error %q", host, res.Status, res.Error)
		}
		if !strings.Contains(res.Body, `"path": "/ok/items/a%20b"`) {
			t.Errorf("%s: body %q: path not built under the base path", host, res.Body)
		}
		if hasHeader(res.Headers, "Set-Cookie") {
			t.Errorf("%s: Set-Cookie shown", host)
		}
		if !strings.Contains(res.Body, "\n  ") {
			t.Errorf("%s: JSON not pretty-printed: %q", host, res.Body)
		}
	}
}

func TestRateLimitPerKey(t *testing.T) {
	l := newLimiter(2, 60e9)
	if !l.allow("a") || !l.allow("a") || l.allow("a") {
		t.Fatal("third call in the window allowed")
	}
	if !l.allow("b") {
		t.Fatal("another key was limited")
	}
}

func hasHeader(h [][2]string, name string) bool {
	for _, kv := range h {
		if strings.EqualFold(kv[0], name) {
			return true
		}
	}
	return false
}

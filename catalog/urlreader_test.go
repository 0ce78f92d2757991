package catalog

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path"
	"strings"
	"sync/atomic"
	"testing"
)

// naiveFileServer serves /public/ and /private/ the way a careless static
// server does: it decodes the path (twice, as some proxies in front of a
// server do), reads backslashes as slashes and resolves dot segments
// itself. Requests that end up in /private/ are counted.
func naiveFileServer(t *testing.T, privateHits *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if d, err := url.PathUnescape(p); err == nil {
			p = d
		}
		p = strings.ReplaceAll(p, `\`, "/")
		p = strings.ReplaceAll(p, ";", "")
		p = path.Clean(p)
		switch {
		case strings.HasPrefix(p, "/private/"):
			privateHits.Add(1)
			fmt.Fprint(w, "secret")
		case strings.HasPrefix(p, "/public/"):
			fmt.Fprint(w, "public")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestURLReaderRefusesDotSegmentsOutsideAllowedPaths: an allow rule with
// paths confines reads to them; dot segments in any spelling, read by a
// server that resolves them, must not reach a path outside (issue 13,
// finding 3).
func TestURLReaderRefusesDotSegmentsOutsideAllowedPaths(t *testing.T) {
	var hits atomic.Int64
	srv := naiveFileServer(t, &hits)
	host := strings.TrimPrefix(srv.URL, "http://")
	u := loopbackURLReader(t, []ReadAllowRule{{Host: host, Paths: []string{"/public/"}}})
	base := srv.URL
	for _, p := range []string{
		"/public/../private/secret.txt",
		"/public/%2e%2e/private/secret.txt",
		"/public/%2E%2E/private/secret.txt",
		"/public/.%2e/private/secret.txt",
		"/public/%2e./private/secret.txt",
		"/public/..%2fprivate/secret.txt",
		"/public/..%2Fprivate/secret.txt",
		"/public/%2e%2e%2fprivate/secret.txt",
		"/public/..%5cprivate/secret.txt",
		`/public/..\private\secret.txt`,
		"/public/%252e%252e/private/secret.txt",
		"/public/..;/private/secret.txt",
		"/public/./../private/secret.txt",
		"/public%2f..%2fprivate/secret.txt",
	} {
		t.Run(p, func(t *testing.T) {
			target := base + p
			if u.Allowed(target) {
				t.Errorf("Allowed(%q) = true", target)
			}
			data, _, err := u.Read(context.Background(), target)
			if err == nil {
				t.Fatalf("read %q: got %q, want a refusal", target, data)
			}
		})
	}
	if data, _, err := u.Read(context.Background(), base+"/public/ok.txt"); err != nil || string(data) != "public" {
		t.Errorf("plain public read: %q, %v", data, err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the private area was read %d times", n)
	}
}

// TestURLReaderRechecksRedirectPaths: a redirect from an allowed path to
// a dot-segment path outside it is refused like a direct read.
func TestURLReaderRechecksRedirectPaths(t *testing.T) {
	var hits atomic.Int64
	private := naiveFileServer(t, &hits)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Location is sent as written, encoded dots and all.
		w.Header().Set("Location", private.URL+r.URL.Query().Get("to"))
		w.WriteHeader(http.StatusFound)
	}))
	t.Cleanup(redirector.Close)
	u := loopbackURLReader(t, []ReadAllowRule{
		{Host: strings.TrimPrefix(redirector.URL, "http://")},
		{Host: strings.TrimPrefix(private.URL, "http://"), Paths: []string{"/public/"}},
	})
	for _, to := range []string{"/public/%2e%2e/private/x", "/public/..%2fprivate/x", "/private/x"} {
		target := redirector.URL + "/r?to=" + url.QueryEscape(to)
		if data, _, err := u.Read(context.Background(), target); err == nil {
			t.Errorf("redirect to %s: got %q, want a refusal", to, data)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the private area was read %d times", n)
	}
}

// TestURLReaderRefusesLoopbackOfAllowedHost: listing a host in
// backend.reading.allow does not let reads reach loopback through it,
// whether the host is written as an address or a name (issue 13,
// finding 4).
func TestURLReaderRefusesLoopbackOfAllowedHost(t *testing.T) {
	var conns atomic.Int64
	sink := countingSink(t, &conns)
	_, port, _ := strings.Cut(strings.TrimPrefix(sink.URL, "http://"), ":")
	u := &URLReader{Allow: []ReadAllowRule{{Host: "127.0.0.1:" + port}, {Host: "localhost:" + port}}}
	for _, target := range []string{"http://127.0.0.1:" + port + "/x", "http://localhost:" + port + "/x"} {
		data, _, err := u.Read(context.Background(), target)
		if err == nil {
			t.Errorf("read %s: got %q, want a refusal", target, data)
			continue
		}
		if !strings.Contains(err.Error(), "refused") {
			t.Errorf("read %s: %v, want it to say refused", target, err)
		}
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("the sink received %d connections, want 0", n)
	}
}

// TestURLReaderAddressRules: a name in backend.reading.allow that resolves
// to a private address is refused until backend.reading.allowAddresses
// names the address; then it is read.
func TestURLReaderAddressRules(t *testing.T) {
	var conns atomic.Int64
	sink := countingSink(t, &conns)
	_, port, _ := strings.Cut(strings.TrimPrefix(sink.URL, "http://"), ":")
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		if host == "catalog.internal" {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		}
		return nil, fmt.Errorf("no such host %s", host)
	}
	target := "http://catalog.internal:" + port + "/catalog-info.yaml"
	allow := []ReadAllowRule{{Host: "catalog.internal:" + port}}
	refusing := &URLReader{Allow: allow, Lookup: lookup}
	if _, _, err := refusing.Read(context.Background(), target); err == nil || !strings.Contains(err.Error(), "backend.reading.allowAddresses") {
		t.Fatalf("without an address rule: err = %v, want a refusal naming backend.reading.allowAddresses", err)
	}
	if n := conns.Load(); n != 0 {
		t.Fatalf("the sink received %d connections before it was allowed", n)
	}
	for _, rule := range []string{"127.0.0.1", "127.0.0.0/8", "127.0.0.1:" + port} {
		allowing := &URLReader{Allow: allow, Lookup: lookup, Addresses: addressRules(t, rule)}
		if data, _, err := allowing.Read(context.Background(), target); err != nil || string(data) != "sink reached" {
			t.Errorf("allowAddresses [%s]: got %q, %v", rule, data, err)
		}
	}
	other := &URLReader{Allow: allow, Lookup: lookup, Addresses: addressRules(t, "127.0.0.1:1")}
	if _, _, err := other.Read(context.Background(), target); err == nil {
		t.Errorf("an address rule for another port allowed the read")
	}
}

// countingSink is a server no read may reach; it counts connections.
func countingSink(t *testing.T, conns *atomic.Int64) *httptest.Server {
	t.Helper()
	sink := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "sink reached")
	}))
	sink.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	sink.Start()
	t.Cleanup(sink.Close)
	return sink
}

// loopbackURLReader reads with allow and may connect to loopback, where
// httptest servers listen.
func loopbackURLReader(t *testing.T, allow []ReadAllowRule) *URLReader {
	t.Helper()
	return &URLReader{Allow: allow, Addresses: addressRules(t, "127.0.0.1")}
}

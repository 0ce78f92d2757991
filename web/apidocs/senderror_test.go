package apidocs

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTryItOutErrorsSayWhatToDo: a failed call tells the person what went
// wrong with the host they asked for, never Go's error chain, the resolver's
// address or the address the name resolved to (issue 14).
func TestTryItOutErrorsSayWhatToDo(t *testing.T) {
	hangup := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer hangup.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer tlsSrv.Close()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()

	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "payments.acme.example":
			return nil, &net.DNSError{Err: "no such host", Name: host, Server: "10.9.8.7:53", IsNotFound: true}
		case "flaky.acme.example":
			return nil, &net.DNSError{Err: "i/o timeout", Name: host, Server: "10.9.8.7:53", IsTimeout: true}
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	// Only the slow server's case waits out the timeout; the others get
	// room for a TLS handshake under -race on a busy machine.
	newProxy := func(timeout time.Duration) *Proxy {
		policy := enabled("127.0.0.1")
		policy.Timeout = timeout
		p, err := NewProxy(policy, lookup)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	short, long := newProxy(300*time.Millisecond), newProxy(10*time.Second)
	port := func(s *httptest.Server) string {
		return s.Listener.Addr().(*net.TCPAddr).AddrPort().String()[len("127.0.0.1:"):]
	}
	for _, tc := range []struct{ url, want string }{
		{"http://payments.acme.example/v1/x", "could not resolve payments.acme.example: no such host"},
		{"http://flaky.acme.example/v1/x", "could not resolve flaky.acme.example: the name server did not answer"},
		{"http://closed.acme.example:" + itoa(closedPort) + "/x", "closed.acme.example:" + itoa(closedPort) + " refused the connection"},
		{"http://hangup.acme.example:" + port(hangup) + "/x", "closed the connection before answering"},
		{"http://slow.acme.example:" + port(slow) + "/x", "did not answer within 300ms"},
		{"https://tls.acme.example:" + port(tlsSrv) + "/x", "the TLS certificate of tls.acme.example is for another name"},
		{"https://plain.acme.example:" + port(slow) + "/x", "did not answer with TLS"},
	} {
		u, _ := url.Parse(tc.url)
		p := long
		if strings.Contains(tc.want, "within 300ms") {
			p = short
		}
		res := p.Send(context.Background(), &Call{Method: http.MethodGet, URL: u})
		if !strings.Contains(res.Error, tc.want) {
			t.Errorf("%s: error %q, want it to say %q", tc.url, res.Error, tc.want)
		}
		for _, leak := range []string{"10.9.8.7", "127.0.0.1", "dial tcp", "Get \""} {
			if strings.Contains(res.Error, leak) {
				t.Errorf("%s: error %q shows %q", tc.url, res.Error, leak)
			}
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

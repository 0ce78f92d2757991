package catalog

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// readerSSRFRig is the URL reader's SSRF suite: a sink on loopback that no
// read may reach, an upstream the reader may reach (its address is allowed,
// and only under /public/ by path), whose /private/ area counts as a sink
// too, and a resolver that answers as a hostile DNS server would.
type readerSSRFRig struct {
	sinkConns, privateHits atomic.Int64
	sinkPort, upPort       string
	flips                  atomic.Int64
	reader                 *URLReader
}

func newReaderSSRFRig(t *testing.T) *readerSSRFRig {
	t.Helper()
	r := &readerSSRFRig{}
	sink := countingSink(t, &r.sinkConns)
	_, r.sinkPort, _ = net.SplitHostPort(sink.Listener.Addr().String())
	up := httptest.NewServer(r.upstream(sink.URL))
	t.Cleanup(up.Close)
	_, r.upPort, _ = net.SplitHostPort(up.Listener.Addr().String())
	r.reader = &URLReader{
		Addresses: addressRules(t, "127.0.0.1:"+r.upPort),
		Lookup:    r.lookup,
		Timeout:   2 * time.Second,
	}
	return r
}

// upstream serves /public/ and, like a careless server, resolves dot
// segments itself, so a path trick that gets past the reader lands in
// /private/ and is counted. /public/redirect sends the reader to ?to=.
func (r *readerSSRFRig) upstream(sinkURL string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		p := fullyDecoded(req.URL.EscapedPath())
		p = strings.ReplaceAll(p, ";", "")
		switch {
		case strings.HasPrefix(p, "/public/redirect"):
			code := http.StatusFound
			fmt.Sscan(req.URL.Query().Get("code"), &code)
			to := strings.ReplaceAll(req.URL.Query().Get("to"), "SINK", sinkURL)
			w.Header().Set("Location", to)
			w.WriteHeader(code)
		case strings.Contains(cleanSlashPath(p), "/private/") || !strings.HasPrefix(cleanSlashPath(p), "/public/"):
			r.privateHits.Add(1)
			fmt.Fprint(w, "private")
		default:
			fmt.Fprint(w, "public")
		}
	})
}

func cleanSlashPath(p string) string {
	u := url.URL{Path: p}
	return (&url.URL{}).ResolveReference(&u).Path
}

func (r *readerSSRFRig) lookup(_ context.Context, host string) ([]netip.Addr, error) {
	answers := map[string][]string{
		"allowed.test":  {"127.0.0.1"},
		"rebind.test":   {"127.0.0.1"},
		"rebind6.test":  {"::1"},
		"mixed.test":    {"127.0.0.1", "93.184.216.34"},
		"private.test":  {"10.0.0.1"},
		"meta.test":     {"169.254.169.254"},
		"meta6.test":    {"fd00:ec2::254"},
		"mapped.test":   {"::ffff:127.0.0.1"},
		"zero.test":     {"0.0.0.0"},
		"alibaba.test":  {"100.100.100.200"},
		"ula.test":      {"fc00::1"},
		"v4compat.test": {"::7f00:1"},
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
		return nil, fmt.Errorf("no such host %s", host)
	}
	return out, nil
}

// addressCases are reads whose host the allow-list lets through (it lists
// each one), so the address guard alone must refuse them.
func (r *readerSSRFRig) addressCases() []string {
	S := r.sinkPort
	var out []string
	for _, host := range []string{
		"127.0.0.1", "127.1", "2130706433", "0x7f000001", "0x7f.0.0.1", "0177.0.0.1",
		"017700000001", "127.000.000.001", "127.0.0.2", "127.255.255.254", "127.0.0.1.",
		"[::1]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]", "[0:0:0:0:0:ffff:7f00:1]",
		"[::ffff:7f00:1]", "[::127.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::1]",
		"[2001:0:4136:e378:8000:63bf:80ff:fffe]", "[::1%25lo]", "[fe80::1%25eth0]",
		"0.0.0.0", "0", "[::]", "localhost", "LOCALHOST.", "api.localhost",
		"%31%32%37.0.0.1", "rebind.test", "REBIND.TEST", "rebind6.test", "mixed.test",
		"mapped.test", "zero.test", "v4compat.test", "allowed.test",
	} {
		out = append(out, "http://"+host+":"+S+"/public/x")
	}
	out = append(out, "https://127.0.0.1:"+S+"/public/x")
	for _, host := range []string{
		"169.254.169.254", "[::ffff:169.254.169.254]", "[fd00:ec2::254]", "100.100.100.200",
		"2852039166", "0xa9fea9fe", "0251.0376.0251.0376", "169.254.1.1", "[fe80::1]",
		"10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "[fc00::1]", "100.64.0.1",
		"198.18.0.1", "224.0.0.1", "255.255.255.255", "private.test", "meta.test",
		"meta6.test", "alibaba.test", "ula.test",
	} {
		out = append(out, "http://"+host+"/latest/meta-data/")
	}
	return out
}

// pathCases are reads of the allowed upstream (by address and by name)
// that try to leave /public/, by path, scheme, userinfo or line breaks.
func (r *readerSSRFRig) pathCases() []string {
	S, U := r.sinkPort, r.upPort
	var out []string
	for _, p := range []string{
		"/public/../private/secret", "/public/%2e%2e/private/secret",
		"/public/%2E%2E/private/secret", "/public/.%2e/private/secret",
		"/public/%2e./private/secret", "/public/..%2fprivate/secret",
		"/public/%2e%2e%2fprivate/secret", "/public/..%5cprivate/secret",
		`/public\..\private\secret`, "/public/%252e%252e/private/secret",
		"/public/..;/private/secret", "/public/./../private/secret",
		"/public%2f..%2fprivate/secret", "/public/%2e%2e%2f%2e%2e%2fprivate",
		"/private/secret", "/publicity/secret", "/public%2fsecret",
		"/public/x%0d%0aHost:%20127.0.0.1:" + S, "/public/x%00", "/public/%2e",
	} {
		out = append(out, "http://127.0.0.1:"+U+p, "http://allowed.test:"+U+p)
	}
	return append(out,
		"http://allowed.test@127.0.0.1:"+S+"/public/x",
		"http://127.0.0.1:"+U+"@127.0.0.1:"+S+"/public/x",
		"http://127.0.0.1:"+S+"#@allowed.test:"+U+"/public/x",
		"http://127.0.0.1:"+S+`\@allowed.test:`+U+"/public/x",
		"file:///etc/passwd",
		"gopher://127.0.0.1:"+S+"/_GET",
		"ftp://127.0.0.1:"+S+"/",
		"javascript:alert(1)",
		"data:text/plain,hello",
		"dict://127.0.0.1:"+S+"/",
		"HTTP://127.0.0.1:"+S+"/public/x",
	)
}

// redirectCases start at the allowed /public/redirect and are sent on.
func (r *readerSSRFRig) redirectCases() []string {
	S, U := r.sinkPort, r.upPort
	base := "http://127.0.0.1:" + U + "/public/redirect?code="
	var out []string
	for _, code := range []int{301, 302, 303, 307, 308} {
		out = append(out, base+fmt.Sprint(code)+"&to=SINK/public/x")
	}
	for _, to := range []string{
		"http://meta.test/latest/meta-data/", "http://localhost:" + S + "/public/x",
		"http://[::1]:" + S + "/public/x", "http://2130706433:" + S + "/public/x",
		"http://rebind.test:" + S + "/public/x", "http://169.254.169.254/latest/",
		"/private/secret", "/public/%2e%2e/private/secret", "/public/..%2fprivate/secret",
		"http://127.0.0.1:" + U + "/public/redirect?to=/public/redirect?to=SINK",
		"file:///etc/passwd", "https://127.0.0.1:" + S + "/public/x",
		"//127.0.0.1:" + S + "/public/x",
	} {
		out = append(out, base+"302&to="+url.QueryEscape(to))
	}
	return out
}

// TestURLReaderRefusesSSRF is the URL reader's SSRF table: address
// spellings, IPv6 forms, hostile DNS answers, path and userinfo tricks and
// redirects. None may reach the sink or the upstream's private area.
func TestURLReaderRefusesSSRF(t *testing.T) {
	r := newReaderSSRFRig(t)
	addr, paths, redirects := r.addressCases(), r.pathCases(), r.redirectCases()
	for _, target := range addr {
		// The allow-list lists the host: only the address guard decides.
		if p, err := url.Parse(target); err == nil {
			r.reader.Allow = append(r.reader.Allow, ReadAllowRule{Host: p.Host})
		}
	}
	r.reader.Allow = append(r.reader.Allow,
		ReadAllowRule{Host: "127.0.0.1:" + r.upPort, Paths: []string{"/public/"}},
		ReadAllowRule{Host: "allowed.test:" + r.upPort, Paths: []string{"/public/"}})
	all := append(append(append([]string{}, addr...), paths...), redirects...)
	for _, target := range all {
		t.Run(target, func(t *testing.T) {
			data, _, err := r.reader.Read(context.Background(), target)
			if err == nil {
				t.Fatalf("read: got %q, want a refusal", data)
			}
			t.Log(err)
		})
	}
	t.Run("rebinding: public first, loopback later", func(t *testing.T) {
		r.reader.Allow = append(r.reader.Allow, ReadAllowRule{Host: "flip.test:" + r.sinkPort})
		for i := range 2 {
			// The first read goes to the public answer (and times out
			// here); the second gets loopback and is refused.
			data, _, err := r.reader.Read(context.Background(), "http://flip.test:"+r.sinkPort+"/x")
			if err == nil {
				t.Fatalf("read %d: got %q", i, data)
			}
			t.Log(err)
		}
	})
	for _, ok := range []string{"/public/x", "/public/x?../../private", "/public/a%20b"} {
		if data, _, err := r.reader.Read(context.Background(), "http://allowed.test:"+r.upPort+ok); err != nil || string(data) != "public" {
			t.Errorf("allowed read %s: %q, %v", ok, data, err)
		}
	}
	if n := r.sinkConns.Load(); n != 0 {
		t.Errorf("the sink received %d connections, want 0", n)
	}
	if n := r.privateHits.Load(); n != 0 {
		t.Errorf("the upstream's private area was read %d times, want 0", n)
	}
	if n := len(all) + 1; n < 80 {
		t.Errorf("only %d attempts, the suite promises at least 80", n)
	}
	t.Logf("%d attempts, none reached a sink", len(all)+1)
}

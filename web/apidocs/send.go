package apidocs

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/porticohq/portico/catalog/egress"
)

// Proxy sends try-it-out calls under a Policy.
type Proxy struct {
	policy  Policy
	client  *http.Client
	limiter *limiter
}

// NewProxy validates the policy and builds the hardened client. lookup may
// be nil (the system resolver).
func NewProxy(p Policy, lookup LookupFunc) (*Proxy, error) {
	p = p.withDefaults()
	rules, err := egress.ParseRules(p.Allow)
	if err != nil {
		return nil, fmt.Errorf("apiDocs.tryItOut.allow %w", err)
	}
	g := egress.NewGuard(rules, lookup, "try-it-out", "apiDocs.tryItOut.allow")
	return &Proxy{policy: p, client: newClient(g, p.Timeout), limiter: newLimiter(p.RateLimit, time.Minute)}, nil
}

// Result is what the result panel shows. Body is always shown as text.
type Result struct {
	Status     int
	StatusText string
	Duration   time.Duration
	Headers    [][2]string
	Body       string // the body as text, JSON pretty-printed
	// Raw is the body as received (up to the size limit) and ContentType
	// its declared type: the response panel offers them for download.
	Raw         []byte
	ContentType string
	Truncated   bool
	Error       string // set instead of the rest when the call failed or was refused
	Refused     bool
}

// Send performs the call. Errors become Result.Error: they are for the
// person who pressed the button.
func (p *Proxy) Send(ctx context.Context, call *Call) Result {
	ctx, cancel := context.WithTimeout(ctx, p.policy.Timeout)
	defer cancel()
	var body io.Reader
	if call.HasBody {
		body = strings.NewReader(call.Body)
	}
	req, err := http.NewRequestWithContext(ctx, call.Method, call.URL.String(), body)
	if err != nil {
		return Result{Error: fmt.Sprintf("build request: %v", err)}
	}
	for _, h := range call.Header {
		req.Header.Add(h[0], h[1])
	}
	req.Header.Set("User-Agent", "Portico-try-it-out")
	start := time.Now()
	resp, err := p.client.Do(req)
	if err != nil {
		return Result{Error: callError(err, call.URL.Host, p.policy.Timeout), Refused: errors.Is(err, egress.ErrRefused)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, p.policy.MaxResponseBytes+1))
	res := Result{Status: resp.StatusCode, StatusText: http.StatusText(resp.StatusCode), Duration: time.Since(start)}
	if err != nil {
		res.Error = fmt.Sprintf("reading the response failed after %d bytes: %v", len(data), err)
	}
	if int64(len(data)) > p.policy.MaxResponseBytes {
		data, res.Truncated = data[:p.policy.MaxResponseBytes], true
	}
	res.Headers = shownHeaders(resp.Header)
	res.Raw, res.ContentType = data, resp.Header.Get("Content-Type")
	res.Body = prettyBody(res.ContentType, data)
	return res
}

// callError says why a call failed in words a person can act on, naming
// the host they asked for and never an address the portal resolved or a
// resolver's (Go's DNS error names the resolver).
func callError(err error, host string, timeout time.Duration) string {
	var r egress.Refusal
	if errors.As(err, &r) {
		return r.Error()
	}
	name := host
	if h, _, splitErr := net.SplitHostPort(host); splitErr == nil {
		name = h
	}
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var invalidErr x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return fmt.Sprintf("could not resolve %s: no such host. Check the server URL.", name)
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("could not resolve %s: the name server did not answer. Try again.", name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("%s refused the connection: nothing is listening there. Check the server URL and port.", host)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("%s closed the connection before answering.", host)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return fmt.Sprintf("%s cannot be reached from the portal's network.", host)
	case errors.As(err, &hostErr):
		return fmt.Sprintf("the TLS certificate of %s is for another name (%s).", name, hostErr.Error())
	case errors.As(err, &authErr), errors.As(err, &invalidErr), errors.As(err, &certErr):
		return fmt.Sprintf("the TLS certificate of %s is not trusted or not valid.", name)
	case errors.As(err, &recordErr), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fmt.Sprintf("%s did not answer with TLS: try the server's http:// URL.", host)
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return fmt.Sprintf("%s did not answer within %s.", host, timeout)
	}
	return fmt.Sprintf("the call to %s failed.", host)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// shownHeaders drops cookies the upstream tries to set: they would be
// meaningless and must never reach the portal's origin.
func shownHeaders(h http.Header) [][2]string {
	keys := make([]string, 0, len(h))
	for k := range h {
		if lk := strings.ToLower(k); lk == "set-cookie" || lk == "set-cookie2" {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out [][2]string
	for _, k := range keys {
		for _, v := range h[k] {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

func prettyBody(contentType string, data []byte) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/json" || strings.HasSuffix(mt, "+json") || (mt == "" && json.Valid(data)) {
		var buf bytes.Buffer
		if err := json.Indent(&buf, data, "", "  "); err == nil {
			return buf.String()
		}
	}
	return strings.ToValidUTF8(string(data), "\uFFFD")
}

// limiter counts calls per key in fixed windows.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	counts map[string]*windowCount
}

type windowCount struct {
	start time.Time
	n     int
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, now: time.Now, counts: map[string]*windowCount{}}
}

// allow reports whether key may make another call now.
func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.counts) > 10000 {
		for k, c := range l.counts {
			if now.Sub(c.start) > l.window {
				delete(l.counts, k)
			}
		}
	}
	c, ok := l.counts[key]
	if !ok || now.Sub(c.start) > l.window {
		l.counts[key] = &windowCount{start: now, n: 1}
		return true
	}
	if c.n >= l.max {
		return false
	}
	c.n++
	return true
}

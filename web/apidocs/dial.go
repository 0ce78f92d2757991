package apidocs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// LookupFunc resolves a host name to addresses; tests replace it to play a
// DNS server that answers with loopback.
type LookupFunc func(ctx context.Context, host string) ([]netip.Addr, error)

func defaultLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// errRefused marks policy refusals, so they are shown as such.
var errRefused = errors.New("refused by the try-it-out policy")

type refusal struct{ err error }

func (r refusal) Error() string { return r.err.Error() }
func (r refusal) Unwrap() []error {
	return []error{r.err, errRefused}
}

// guard dials only addresses the policy permits. The check runs on the
// resolved address, inside the dialer, so a DNS answer that changes
// between a check and the connect (rebinding) cannot slip through.
type guard struct {
	allow  []allowEntry
	lookup LookupFunc
}

func (g *guard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: bad port", addr)
	}
	addrs, err := g.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var lastErr error
	for _, a := range addrs {
		if err := permit(g.allow, host, a, port); err != nil {
			return nil, refusal{err}
		}
		d := net.Dialer{Timeout: 5 * time.Second, Control: g.control(host, port)}
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), portStr))
		if err == nil {
			return conn, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("connect to %s: %w", host, lastErr)
}

// control re-checks the address the socket actually connects to.
func (g *guard) control(host string, port int) func(network, address string, _ syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return refusal{fmt.Errorf("refused: cannot check address %q", address)}
		}
		if err := permit(g.allow, host, ap.Addr(), port); err != nil {
			return refusal{err}
		}
		return nil
	}
}

func (g *guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if a.Zone() != "" {
			return nil, refusal{fmt.Errorf("refused: address %s has a zone", host)}
		}
		return []netip.Addr{a}, nil
	}
	if looksNumeric(host) {
		return nil, refusal{fmt.Errorf("refused: %q is an ambiguous spelling of an IP address", host)}
	}
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") || strings.HasSuffix(strings.ToLower(strings.TrimSuffix(host, ".")), ".localhost") {
		return nil, refusal{fmt.Errorf("refused: %s is a loopback name", host)}
	}
	addrs, err := g.lookup(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	return addrs, nil
}

// newClient returns the hardened client try-it-out calls go through: no
// environment proxy, no redirects, no connection reuse, the guard's dialer,
// bounded headers and time.
func newClient(g *guard, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            g.dial,
		DisableKeepAlives:      true,
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 64 << 10,
		ForceAttemptHTTP2:      true,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

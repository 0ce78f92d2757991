package egress

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

// SystemLookup resolves with the system's resolver.
func SystemLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// ErrRefused marks every refusal of a Guard, so callers can tell a policy
// decision from a network failure (errors.Is).
var ErrRefused = errors.New("refused by the egress policy")

// Refusal is the error a Guard returns when it will not connect; its
// message is meant for the person who asked for the call.
type Refusal struct{ err error }

func (r Refusal) Error() string { return r.err.Error() }

// Unwrap makes errors.Is(err, ErrRefused) hold.
func (r Refusal) Unwrap() []error { return []error{r.err, ErrRefused} }

func refuse(format string, args ...any) error { return Refusal{fmt.Errorf(format, args...)} }

// Guard dials only addresses its rules permit: public addresses always;
// private ones when an address rule or a host rule names them; loopback,
// link-local, unspecified and cloud metadata addresses only through an
// address rule, so a hostile DNS answer cannot turn an allowed name into
// one of them.
type Guard struct {
	rules  []Rule
	lookup LookupFunc
	who    string // "try-it-out", in messages
	key    string // the config key that widens the rules, in messages
}

// NewGuard returns a guard over rules. who names the client and key the
// configuration that allows more, for the messages; lookup nil means the
// system resolver.
func NewGuard(rules []Rule, lookup LookupFunc, who, key string) *Guard {
	if lookup == nil {
		lookup = SystemLookup
	}
	return &Guard{rules: rules, lookup: lookup, who: who, key: key}
}

// DialContext is a net.Dialer.DialContext that connects only to addresses
// the rules permit. It resolves once and connects to the addresses it
// checked; the socket's own address is checked again just before connect.
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
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
		if err := g.check(host, a, port); err != nil {
			return nil, err
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

func (g *Guard) check(host string, a netip.Addr, port int) error {
	class, ok := permit(g.rules, host, a, port)
	switch {
	case ok:
		return nil
	case isAddress(host):
		return refuse("refused: %s is %s, which %s may not call unless %s names it", a.Unmap(), class, g.who, g.key)
	}
	return refuse("refused: %s resolves to %s (%s), which %s may not call unless %s names it", host, a.Unmap(), class, g.who, g.key)
}

func isAddress(host string) bool {
	_, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil
}

// control re-checks the address the socket actually connects to.
func (g *Guard) control(host string, port int) func(network, address string, _ syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return refuse("refused: cannot check address %q", address)
		}
		return g.check(host, ap.Addr(), port)
	}
}

func (g *Guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if a.Zone() != "" {
			return nil, refuse("refused: address %s has a zone", host)
		}
		return []netip.Addr{a}, nil
	}
	if LooksNumeric(host) {
		return nil, refuse("refused: %q is an ambiguous spelling of an IP address", host)
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return nil, refuse("refused: %s is a loopback name", host)
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

// Transport returns an HTTP transport that dials through the guard and
// ignores environment proxies (a proxy would connect on the guard's behalf
// to addresses it never saw). Callers tune the rest.
func (g *Guard) Transport(responseHeaderTimeout time.Duration) *http.Transport {
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            g.DialContext,
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  responseHeaderTimeout,
		MaxResponseHeaderBytes: 64 << 10,
		ForceAttemptHTTP2:      true,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
	}
}

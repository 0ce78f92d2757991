package apidocs

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Policy is the try-it-out proxy policy, config section apiDocs.tryItOut.
// The browser never sends a URL: the portal builds each request from the
// definition, and this policy decides which addresses it may reach.
type Policy struct {
	// Enabled switches try-it-out on (default true).
	Enabled bool `json:"enabled" yaml:"enabled"`
	// Allow lists host patterns ("api.internal.example", "*.corp.example",
	// optionally with ":port") and addresses or CIDRs ("10.0.0.0/8",
	// "127.0.0.1:7007") that may be called although they are private.
	// Loopback, link-local, unspecified and metadata addresses are reached
	// only through an address or CIDR entry, never a host pattern, so a
	// hostile DNS answer cannot turn an allowed name into one of them.
	Allow []string `json:"allow" yaml:"allow"`
	// Timeout bounds one call, connect to last byte (default 10 s).
	Timeout time.Duration `json:"timeout" yaml:"timeout"`
	// MaxResponseBytes caps the body shown (default 1 MiB); the rest is cut.
	MaxResponseBytes int64 `json:"maxResponseBytes" yaml:"maxResponseBytes"`
	// MaxRequestBytes caps the body sent (default 256 KiB).
	MaxRequestBytes int64 `json:"maxRequestBytes" yaml:"maxRequestBytes"`
	// RateLimit is calls per minute per user (or client IP) (default 30).
	RateLimit int `json:"rateLimit" yaml:"rateLimit"`
}

// DefaultPolicy returns the policy used when the config section is absent.
func DefaultPolicy() Policy {
	return Policy{Enabled: true, Timeout: 10 * time.Second, MaxResponseBytes: 1 << 20, MaxRequestBytes: 256 << 10, RateLimit: 30}
}

func (p Policy) withDefaults() Policy {
	d := DefaultPolicy()
	if p.Timeout <= 0 {
		p.Timeout = d.Timeout
	}
	if p.MaxResponseBytes <= 0 {
		p.MaxResponseBytes = d.MaxResponseBytes
	}
	if p.MaxRequestBytes <= 0 {
		p.MaxRequestBytes = d.MaxRequestBytes
	}
	if p.RateLimit <= 0 {
		p.RateLimit = d.RateLimit
	}
	return p
}

// allowEntry is one parsed Policy.Allow item.
type allowEntry struct {
	prefix  netip.Prefix // set for address and CIDR entries
	host    string       // set for host patterns, lower case; "*.x" matches subdomains of x
	port    int          // 0: any port
	literal string
}

// parseAllow parses Policy.Allow; a malformed entry is an error at start.
func parseAllow(entries []string) ([]allowEntry, error) {
	out := make([]allowEntry, 0, len(entries))
	for _, raw := range entries {
		e, err := parseAllowEntry(strings.TrimSpace(raw))
		if err != nil {
			return nil, fmt.Errorf("apiDocs.tryItOut.allow %q: %w", raw, err)
		}
		out = append(out, e)
	}
	return out, nil
}

func parseAllowEntry(s string) (allowEntry, error) {
	e := allowEntry{literal: s}
	if s == "" {
		return e, fmt.Errorf("empty entry")
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return e, fmt.Errorf("not a CIDR: %w", err)
		}
		e.prefix = p.Masked()
		return e, nil
	}
	host := s
	if h, port, err := net.SplitHostPort(s); err == nil {
		n, err := strconv.Atoi(port)
		if err != nil || n <= 0 || n > 65535 {
			return e, fmt.Errorf("bad port %q", port)
		}
		host, e.port = h, n
	}
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		a = a.Unmap()
		e.prefix = netip.PrefixFrom(a, a.BitLen())
		return e, nil
	}
	if looksNumeric(host) {
		return e, fmt.Errorf("ambiguous address spelling; write the dotted address")
	}
	e.host = strings.ToLower(host)
	return e, nil
}

func (e allowEntry) portOK(port int) bool { return e.port == 0 || e.port == port }

func (e allowEntry) matchesAddr(a netip.Addr, port int) bool {
	return e.prefix.IsValid() && e.prefix.Contains(a) && e.portOK(port)
}

func (e allowEntry) matchesHost(host string, port int) bool {
	if e.host == "" || !e.portOK(port) {
		return false
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if rest, ok := strings.CutPrefix(e.host, "*."); ok {
		return strings.HasSuffix(host, "."+rest)
	}
	return host == e.host
}

// looksNumeric reports whether a host is a number-ish spelling that some
// resolvers read as an IPv4 address (127.1, 2130706433, 0x7f000001,
// 0177.0.0.1): such hosts are refused rather than guessed at.
func looksNumeric(host string) bool {
	if host == "" {
		return false
	}
	last := host[strings.LastIndex(host, ".")+1:]
	if last == "" {
		return false
	}
	lower := strings.ToLower(last)
	if strings.HasPrefix(lower, "0x") {
		return true
	}
	for _, r := range lower {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// addrClass names why an address is special; "" means public.
func addrClass(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a == metadataV4 || a == metadataV4AWS || a == metadataV6:
		return "a cloud metadata address"
	case a.IsUnspecified():
		return "an unspecified address"
	case a.IsLoopback():
		return "a loopback address"
	case a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast():
		return "a link-local address"
	case a.IsMulticast() || a.IsInterfaceLocalMulticast():
		return "a multicast address"
	case a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "a broadcast address"
	case a.IsPrivate() || cgnat.Contains(a) || benchmarking.Contains(a) || nat64.Contains(a) || !a.IsGlobalUnicast():
		return "a private address"
	}
	return ""
}

var (
	metadataV4    = netip.MustParseAddr("100.100.100.200")
	metadataV4AWS = netip.MustParseAddr("169.254.169.254")
	metadataV6    = netip.MustParseAddr("fd00:ec2::254")
	cgnat         = netip.MustParsePrefix("100.64.0.0/10")
	benchmarking  = netip.MustParsePrefix("198.18.0.0/15")
	nat64         = netip.MustParsePrefix("64:ff9b::/96")
)

// permit decides whether host (as written in the definition) may be reached
// at address a on port. It returns a message for the person when not.
func permit(allow []allowEntry, host string, a netip.Addr, port int) error {
	a = a.Unmap()
	class := addrClass(a)
	if class == "" {
		return nil
	}
	for _, e := range allow {
		if e.matchesAddr(a, port) {
			return nil
		}
	}
	if class == "a private address" {
		for _, e := range allow {
			if e.matchesHost(host, port) {
				return nil
			}
		}
	}
	return fmt.Errorf("refused: %s resolves to %s (%s), which try-it-out may not call unless apiDocs.tryItOut.allow names it", host, a, class)
}

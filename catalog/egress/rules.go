// Package egress decides which network addresses Portico's outbound HTTP
// clients may connect to. The try-it-out proxy and the catalog's URL reader
// both dial through one Guard, so an address refused to one is refused to
// the other, for the same reasons, with the same exceptions an operator
// configured. The check runs on the resolved address inside the dialer: a
// DNS answer cannot change between the check and the connect.
package egress

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Rule is one parsed allow entry: an address or CIDR ("10.0.0.0/8",
// "127.0.0.1:7007", "[::1]:8080"), or a host pattern ("api.internal",
// "*.corp.example", optionally with ":port").
type Rule struct {
	prefix  netip.Prefix // set for address and CIDR entries
	host    string       // set for host patterns, lower case; "*.x" matches subdomains of x
	port    int          // 0: any port
	literal string
}

// ParseRules parses allow entries; the error names the entry that is wrong.
func ParseRules(entries []string) ([]Rule, error) {
	out := make([]Rule, 0, len(entries))
	for _, raw := range entries {
		r, err := ParseRule(strings.TrimSpace(raw))
		if err != nil {
			return nil, fmt.Errorf("%q: %w", raw, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// ParseAddressRules parses entries that must all be addresses or CIDRs:
// for lists that widen which addresses a reader may connect to, where a
// host name would say nothing about the address it resolves to.
func ParseAddressRules(entries []string) ([]Rule, error) {
	rules, err := ParseRules(entries)
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		if !r.prefix.IsValid() {
			return nil, fmt.Errorf("%q: not an address or CIDR (write 10.0.0.0/8, 10.1.2.3 or 10.1.2.3:8080)", r.literal)
		}
	}
	return rules, nil
}

// ParseRule parses one allow entry.
func ParseRule(s string) (Rule, error) {
	r := Rule{literal: s}
	if s == "" {
		return r, fmt.Errorf("empty entry")
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return r, fmt.Errorf("not a CIDR: %w", err)
		}
		r.prefix = p.Masked()
		return r, nil
	}
	host := s
	if h, port, err := net.SplitHostPort(s); err == nil {
		n, err := strconv.Atoi(port)
		if err != nil || n <= 0 || n > 65535 {
			return r, fmt.Errorf("bad port %q", port)
		}
		host, r.port = h, n
	}
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if a.Zone() != "" {
			return r, fmt.Errorf("an address with a zone cannot be allowed")
		}
		a = a.Unmap()
		r.prefix = netip.PrefixFrom(a, a.BitLen())
		return r, nil
	}
	if LooksNumeric(host) {
		return r, fmt.Errorf("ambiguous address spelling; write the dotted address")
	}
	r.host = strings.ToLower(host)
	return r, nil
}

// String returns the entry as written.
func (r Rule) String() string { return r.literal }

func (r Rule) portOK(port int) bool { return r.port == 0 || r.port == port }

func (r Rule) matchesAddr(a netip.Addr, port int) bool {
	return r.prefix.IsValid() && r.prefix.Contains(a) && r.portOK(port)
}

func (r Rule) matchesHost(host string, port int) bool {
	if r.host == "" || !r.portOK(port) {
		return false
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if rest, ok := strings.CutPrefix(r.host, "*."); ok {
		return strings.HasSuffix(host, "."+rest)
	}
	return host == r.host
}

// LooksNumeric reports whether a host is a number-ish spelling that some
// resolvers read as an IPv4 address (127.1, 2130706433, 0x7f000001,
// 0177.0.0.1): such hosts are refused rather than guessed at.
func LooksNumeric(host string) bool {
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return false
	}
	last := strings.ToLower(host[strings.LastIndex(host, ".")+1:])
	if last == "" {
		return false
	}
	if strings.HasPrefix(last, "0x") {
		return true
	}
	for _, r := range last {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Class names why an address is special; "" means public.
func Class(a netip.Addr) string {
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
	case ipv4Compatible.Contains(a) || sixToFour.Contains(a) || teredo.Contains(a):
		// Each embeds an IPv4 address that some stacks reach through it.
		return "an IPv6 address embedding an IPv4 address"
	case a.IsPrivate() || cgnat.Contains(a) || benchmarking.Contains(a) || nat64.Contains(a) ||
		thisNetwork.Contains(a) || !a.IsGlobalUnicast():
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
	thisNetwork   = netip.MustParsePrefix("0.0.0.0/8")

	ipv4Compatible = netip.MustParsePrefix("::/96")
	sixToFour      = netip.MustParsePrefix("2002::/16")
	teredo         = netip.MustParsePrefix("2001::/32")
)

// permit decides whether host (as written in the URL) may be reached at
// address a on port. Loopback, link-local, unspecified and metadata
// addresses pass only an address rule; a private address also passes a
// host rule naming host.
func permit(rules []Rule, host string, a netip.Addr, port int) (class string, ok bool) {
	a = a.Unmap()
	class = Class(a)
	if class == "" {
		return "", true
	}
	for _, r := range rules {
		if r.matchesAddr(a, port) {
			return class, true
		}
	}
	if class == "a private address" {
		for _, r := range rules {
			if r.matchesHost(host, port) {
				return class, true
			}
		}
	}
	return class, false
}

package auth

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/labstack/echo/v5"
)

// DNS rebinding: a page on attacker.example re-points its own name at the
// portal's address; the browser then sends the portal requests that are
// same-origin for attacker.example (Host: attacker.example, Origin equal
// to it, Sec-Fetch-Site: same-origin) and lets the page read the answers.
// The Host header is the one thing such a request cannot fake, so when the
// portal knows its public URL it answers only to that host, to the hosts
// an operator lists, and to addresses and localhost names, which no
// attacker's DNS can stand in for.

// hostPolicy decides which Host headers the portal answers to.
type hostPolicy struct {
	public  string   // host:port of the public URL, lower case; "" means any host
	allowed []string // backend.allowedHosts: host, host:port or *.domain, lower case
}

func newHostPolicy(publicURL *url.URL, set bool, allowed []string) (hostPolicy, error) {
	if !set {
		return hostPolicy{}, nil
	}
	p := hostPolicy{public: hostPort(publicURL.Host, publicURL.Scheme)}
	for _, h := range allowed {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" || strings.ContainsAny(h, "/@?#") {
			return hostPolicy{}, fmt.Errorf("backend.allowedHosts: %q is not a host, host:port or *.domain", h)
		}
		p.allowed = append(p.allowed, h)
	}
	return p, nil
}

// allows reports whether a request addressed to host (the Host header)
// arriving over scheme may be answered.
func (p hostPolicy) allows(host, scheme string) bool {
	if p.public == "" {
		return true
	}
	hp := hostPort(host, scheme)
	name, _, _ := net.SplitHostPort(hp)
	if hp == p.public || isAddressOrLocalhost(name) {
		return true
	}
	for _, a := range p.allowed {
		if allowedHostMatches(a, name, hp, scheme) {
			return true
		}
	}
	return false
}

// allowedHostMatches matches one backend.allowedHosts entry: "*.domain"
// (any port), "host:port", or "host" (any port).
func allowedHostMatches(entry, name, hp, scheme string) bool {
	if rest, ok := strings.CutPrefix(entry, "*."); ok {
		return strings.HasSuffix(name, "."+strings.TrimSuffix(rest, "."))
	}
	if _, _, err := net.SplitHostPort(entry); err == nil {
		return hp == hostPort(entry, scheme)
	}
	return name == strings.TrimSuffix(strings.Trim(entry, "[]"), ".")
}

// hostPort returns host with its port (the scheme's default when absent),
// lower case and without a trailing dot on the name.
func hostPort(host, scheme string) string {
	host = strings.ToLower(host)
	name, port, err := net.SplitHostPort(host)
	if err != nil {
		name, port = strings.Trim(host, "[]"), "80"
		if scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.TrimSuffix(name, "."), port)
}

func isAddressOrLocalhost(name string) bool {
	if _, err := netip.ParseAddr(name); err == nil {
		return true
	}
	return name == "localhost" || strings.HasSuffix(name, ".localhost")
}

// probePath lists what orchestrators and scrapers call by whatever address
// they know the portal under; it reveals nothing worth a rebinding attack
// (/metrics keeps its own sign-in rule).
func probePath(p string) bool {
	return p == "/healthz" || p == "/readyz" || p == "/metrics"
}

// checkHost refuses requests addressed to a host the portal does not
// answer to, before anything else reads them.
func (a *Auth) checkHost(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		r := c.Request()
		scheme := "http"
		if r.TLS != nil || a.cookies.secure {
			scheme = "https"
		}
		if probePath(r.URL.Path) || a.hosts.allows(r.Host, scheme) {
			return next(c)
		}
		a.log.Warn("request for an unknown host refused", "host", r.Host, "path", r.URL.Path)
		return c.String(http.StatusMisdirectedRequest,
			"This portal does not answer to the host this request was sent to. Operators: add it to backend.allowedHosts.\n")
	}
}

package portico

import (
	"net/url"
	"strings"
)

// PublicURL is the one URL people and GitHub reach Portico at: absolute
// links, the OAuth callback, cookie security (Secure and __Host- on https),
// the CSRF origin check and relative API servers all use it. Portico is the
// backend, so backend.baseUrl comes first; app.baseUrl (in a Backstage
// config the frontend's URL, often :3000, where nothing of Portico
// listens) is only a fallback, then the address Portico listens on.
// ParseSettings has checked that the chosen value is an absolute http(s)
// URL; the result has no trailing slash.
func (s *Settings) PublicURL() string {
	raw, _ := s.publicURLSource()
	return strings.TrimRight(raw, "/")
}

// PublicURLConfigured reports whether the operator set the public URL
// (backend.baseUrl or app.baseUrl) rather than leaving the listen address.
func (s *Settings) PublicURLConfigured() bool {
	_, key := s.publicURLSource()
	return key != ""
}

// publicURLSource returns the configured URL PublicURL uses and the key it
// came from ("" for the listen address).
func (s *Settings) publicURLSource() (raw, key string) {
	switch {
	case strings.TrimSpace(s.Backend.BaseURL) != "":
		return strings.TrimSpace(s.Backend.BaseURL), "backend.baseUrl"
	case strings.TrimSpace(s.App.BaseURL) != "":
		return strings.TrimSpace(s.App.BaseURL), "app.baseUrl"
	}
	return "http://" + s.Backend.Listen.SelfAddr(), ""
}

// checkPublicURL refuses a base URL that cannot serve as the public URL,
// naming the key it came from.
func checkPublicURL(c *Config, s *Settings) error {
	raw, key := s.publicURLSource()
	if key == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return c.Sub(key).Errorf("", "expected Portico's public URL as an absolute http(s) URL without query (e.g. https://portal.example.com), got %q", raw)
	}
	return nil
}

// SelfAddr is the address the portal reaches itself on: the listen address,
// with loopback standing in for "all interfaces".
func (l ListenSettings) SelfAddr() string {
	if l.Host == "" || l.Host == "0.0.0.0" || l.Host == "::" {
		l.Host = "127.0.0.1"
	}
	return l.Addr()
}

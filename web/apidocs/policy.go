package apidocs

import (
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

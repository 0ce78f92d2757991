package egress

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParseRules(t *testing.T) {
	for _, tt := range []struct {
		entry, err string
		address    bool
	}{
		{entry: "10.0.0.0/8", address: true},
		{entry: "127.0.0.1:7007", address: true},
		{entry: "[::1]:8080", address: true},
		{entry: "::ffff:10.1.2.3", address: true},
		{entry: "api.internal"},
		{entry: "*.corp.example:8443"},
		{entry: "", err: "empty entry"},
		{entry: "10.0.0.0/33", err: "not a CIDR"},
		{entry: "127.1", err: "ambiguous address spelling"},
		{entry: "0x7f000001:80", err: "ambiguous address spelling"},
		{entry: "api.internal:0", err: "bad port"},
		{entry: "[fe80::1%eth0]", err: "zone"},
	} {
		_, err := ParseRules([]string{tt.entry})
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseRules(%q) = %v, want %q", tt.entry, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseRules(%q): %v", tt.entry, err)
		}
		_, err = ParseAddressRules([]string{tt.entry})
		if tt.address != (err == nil) {
			t.Errorf("ParseAddressRules(%q) = %v, want an address: %v", tt.entry, err, tt.address)
		}
	}
}

// TestPermit: what an address or host rule allows, and what only an
// address rule can.
func TestPermit(t *testing.T) {
	rules, err := ParseRules([]string{"api.internal", "127.0.0.1:7007", "10.9.0.0/16"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		host, addr string
		port       int
		ok         bool
	}{
		{"example.com", "93.184.216.34", 443, true},
		{"api.internal", "10.1.2.3", 443, true},        // private, named by host
		{"other.internal", "10.1.2.3", 443, false},     // private, not named
		{"api.internal", "127.0.0.1", 443, false},      // loopback needs an address rule
		{"api.internal", "169.254.169.254", 80, false}, // so does metadata
		{"anything", "127.0.0.1", 7007, true},          // the address rule, its port
		{"anything", "127.0.0.1", 7008, false},
		{"anything", "10.9.8.7", 80, true},
		{"anything", "::ffff:10.9.8.7", 80, true},
		{"anything", "fd00:ec2::254", 80, false},
	} {
		if _, ok := permit(rules, tt.host, netip.MustParseAddr(tt.addr), tt.port); ok != tt.ok {
			t.Errorf("permit(%s, %s:%d) = %v, want %v", tt.host, tt.addr, tt.port, ok, tt.ok)
		}
	}
}

package apidocs

import (
	"github.com/porticohq/portico/catalog/openapi"
)

// ssrfCase is one try-it-out call that must be refused.
type ssrfCase struct {
	name   string
	server openapi.Server
	op     *openapi.Operation
	in     TryInput
}

// moreSSRFCases widens TestTryItOutRefusesSSRF to the spellings the URL
// reader's suite (catalog/urlreader_ssrf_test.go) tries through the same
// egress guard: S is the sink's port, U the allowed upstream's.
func moreSSRFCases(S, U string) []ssrfCase {
	var out []ssrfCase
	add := func(name, url string) {
		out = append(out, ssrfCase{name: name, server: openapi.Server{URL: url}, op: getOp("/")})
	}
	for name, host := range map[string]string{
		"loopback high":               "127.255.255.254",
		"loopback trailing dot":       "127.0.0.1.",
		"loopback ipv6 long":          "[0:0:0:0:0:0:0:1]",
		"loopback v4-mapped short":    "[::ffff:7f00:1]",
		"loopback v4-compatible":      "[::127.0.0.1]",
		"loopback nat64":              "[64:ff9b::7f00:1]",
		"loopback 6to4":               "[2002:7f00:1::1]",
		"teredo":                      "[2001:0:4136:e378:8000:63bf:80ff:fffe]",
		"loopback with zone":          "[::1%25lo]",
		"link-local with zone":        "[fe80::1%25eth0]",
		"percent-encoded host":        "%31%32%37.0.0.1",
		"name resolving to v4-mapped": "mapped.test",
		"name resolving to 0.0.0.0":   "zero.test",
		"name v4-compatible":          "compat.test",
		"upper-case rebinding name":   "REBIND.TEST",
	} {
		add(name, "http://"+host+":"+S+"/")
	}
	for name, host := range map[string]string{
		"metadata decimal":          "2852039166",
		"metadata hex":              "0xa9fea9fe",
		"metadata octal":            "0251.0376.0251.0376",
		"private 172.31 top":        "172.31.255.255",
		"benchmarking":              "198.18.0.1",
		"multicast":                 "224.0.0.1",
		"broadcast":                 "255.255.255.255",
		"name resolving to alibaba": "alibaba.test",
		"name resolving to ula":     "ula.test",
		"name resolving to cgnat":   "cgnat.test",
	} {
		add(name, "http://"+host+"/latest/meta-data/")
	}
	add("https loopback", "https://127.0.0.1:"+S+"/")
	add("upper-case scheme", "HTTP://127.0.0.1:"+S+"/")
	add("fragment before @", "http://127.0.0.1:"+S+"#@127.0.0.1:"+U+"/ok")
	add("backslash before @", "http://127.0.0.1:"+S+`\@127.0.0.1:`+U+"/ok")
	add("scheme dict", "dict://127.0.0.1:"+S+"/")
	add("scheme data", "data:text/plain,hello")
	return out
}

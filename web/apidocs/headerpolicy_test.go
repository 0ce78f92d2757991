package apidocs

import (
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog/openapi"
)

// Hardening finding 7: an API-key scheme's header name went to the
// upstream without the header policy that parameters obey, so a scheme
// named X-Forwarded-For or Connection set those headers.
func TestSecuritySchemeHeadersFollowTheHeaderPolicy(t *testing.T) {
	targets := []Target{{URL: "https://api.example.com"}}
	op := &openapi.Operation{OperationSummary: openapi.OperationSummary{Method: "GET", Path: "/x"}, Security: [][]string{{"key"}}}
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"X-Api-Key", true},
		{"X-Api-Key$(touch /tmp/x)", false},
		{"X-Forwarded-For", false},
		{"Connection", false},
		{"Host", false},
		{"Transfer-Encoding", false},
		{"Proxy-Authorization", false},
		{"Proxy-Foo", false},
		{"Cookie", false},
		{"Bad Name", false},
		{"X-Split\r\nEvil", false},
	} {
		schemes := []openapi.SecurityScheme{{Name: "key", Type: "apiKey", In: "header", ParamName: tc.name}}
		in := TryInput{Credentials: map[string]Credential{"key": {Value: "k"}}}
		for _, redact := range []bool{false, true} {
			call, err := Build(targets, op, schemes, in, 1<<10, redact)
			if tc.ok != (err == nil) {
				t.Errorf("%q (redact %v): err %v, want ok %v", tc.name, redact, err, tc.ok)
				continue
			}
			if err != nil {
				continue
			}
			for _, h := range call.Header {
				if strings.EqualFold(h[0], "X-Forwarded-For") || strings.EqualFold(h[0], "Connection") {
					t.Errorf("%q: call carries %s", tc.name, h[0])
				}
			}
		}
	}
	// A value with a line break is refused too.
	schemes := []openapi.SecurityScheme{{Name: "key", Type: "apiKey", In: "header", ParamName: "X-Api-Key"}}
	if _, err := Build(targets, op, schemes, TryInput{Credentials: map[string]Credential{"key": {Value: "k\r\nX-Evil: 1"}}}, 1<<10, false); err == nil {
		t.Error("a credential with a line break was accepted")
	}
}

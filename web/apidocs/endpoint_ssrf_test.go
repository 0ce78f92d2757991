package apidocs

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

// endpointSSRFURLs are URLs a definition or an entity may name as a token
// URL or a GraphQL endpoint that the portal must never call: S is the
// sink's port, U the allowed upstream's.
func endpointSSRFURLs(S, U string) map[string]string {
	m := map[string]string{
		"loopback":                     "http://127.0.0.1:" + S + "/token",
		"loopback decimal":             "http://2130706433:" + S + "/token",
		"loopback ipv6":                "http://[::1]:" + S + "/token",
		"localhost":                    "http://localhost:" + S + "/token",
		"unspecified":                  "http://0.0.0.0:" + S + "/token",
		"metadata":                     "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"metadata v4-mapped":           "http://[::ffff:169.254.169.254]/",
		"metadata ipv6":                "http://[fd00:ec2::254]/",
		"private 10/8":                 "http://10.0.0.1/token",
		"private 172.16/12":            "http://172.16.0.1/token",
		"private 192.168/16":           "http://192.168.1.1/token",
		"private ula":                  "http://[fc00::1]/token",
		"name resolving to loopback":   "http://rebind.test:" + S + "/token",
		"name resolving to ::1":        "http://rebind6.test:" + S + "/token",
		"name with loopback in answer": "http://mixed.test:" + S + "/token",
		"name resolving to metadata":   "http://meta.test/token",
		"name resolving to private":    "http://private.test/token",
		"allowed name on sink port":    "http://allowed.test:" + S + "/token",
		"userinfo":                     "http://allowed.test@127.0.0.1:" + S + "/token",
		"scheme file":                  "file:///etc/passwd",
		"scheme gopher":                "gopher://127.0.0.1:" + S + "/",
		"relative":                     "/token",
		"scheme-relative":              "//127.0.0.1:" + S + "/token",
		"NUL":                          "http://127.0.0.1:" + U + "/ok%00",
	}
	for _, c := range moreSSRFCases(S, U) {
		m["more: "+c.name] = c.server.URL
	}
	return m
}

// TestTokenURLsRefuseSSRF: token requests of both flows go through the
// try-it proxy, so no token URL a definition names reaches a loopback,
// private or metadata address, directly, by DNS or by redirect.
func TestTokenURLsRefuseSSRF(t *testing.T) {
	r := newSSRFRig(t)
	cases := endpointSSRFURLs(r.sinkPort, r.upPort)
	for _, code := range []string{"301", "302", "303", "307", "308"} {
		cases["redirect "+code+" to sink"] = "http://127.0.0.1:" + r.upPort + "/redirect/" + code
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			for _, grant := range []url.Values{
				{"grant_type": {"client_credentials"}},
				{"grant_type": {"authorization_code"}, "code": {"c"}, "code_verifier": {"v"}},
			} {
				var a tokenAnswer
				call, err := tokenCall("oauth", raw, grant, "id", "secret")
				if err != nil {
					a.Error = err.Error()
				} else {
					a = tokenFrom(r.proxy.Send(context.Background(), call), call.URL.Host)
				}
				if a.Error == "" || a.AccessToken != "" {
					t.Fatalf("%s: not refused: %+v", grant.Get("grant_type"), a)
				}
				t.Log(a.Error)
			}
		})
	}
	if n := r.sinkConns.Load(); n != 0 {
		t.Fatalf("the sink received %d connections, want 0", n)
	}
	if len(cases) < 40 {
		t.Fatalf("only %d token URLs tried", len(cases))
	}
}

// TestTokenRequestFromThePageUsesTheProxy: the token endpoint a person
// calls from the Authorize panel applies the try-it policy (nothing is
// allowed here, so loopback is refused) and names the URL from the
// definition, whatever the form says.
func TestTokenRequestFromThePageUsesTheProxy(t *testing.T) {
	r := newSSRFRig(t)
	sinkToken := "http://127.0.0.1:" + r.sinkPort + "/token"
	rg := newRig(t, Options{Policy: enabled()}, testAPI{name: "auth", definition: authSpec("https://api.example", sinkToken, sinkToken)})
	a := tokenJSON(t, rg.do(t, "POST", "/catalog/default/api/auth/definition/oauth/oauth/token",
		url.Values{"client_id": {"c1"}, "client_secret": {"s3"}, "tokenUrl": {"http://127.0.0.1:" + r.upPort + "/ok"}}, true))
	if !strings.Contains(a.Error, "refused") || !strings.Contains(a.Error, "apiDocs.tryItOut.allow") {
		t.Errorf("answer %+v: want a refusal naming the setting", a)
	}
	if n := r.sinkConns.Load(); n != 0 {
		t.Fatalf("the sink received %d connections, want 0", n)
	}
}

// TestRelativeTokenURLsAndRefreshKeepTheProxyRules: a relative token URL
// resolves against the definition's first server, so a server pointing
// at a loopback or metadata address makes a token URL there, which the
// policy refuses like any other; the refresh route goes through the same
// proxy. The sink is never reached.
func TestRelativeTokenURLsAndRefreshKeepTheProxyRules(t *testing.T) {
	r := newSSRFRig(t)
	for _, server := range []string{"http://127.0.0.1:" + r.sinkPort + "/v1", "http://169.254.169.254/latest"} {
		rg := newRig(t, Options{Policy: enabled()}, testAPI{name: "auth", definition: authSpec(server, "/token", "/authorize")})
		for _, path := range []string{"token", "refresh"} {
			a := tokenJSON(t, rg.do(t, "POST", "/catalog/default/api/auth/definition/oauth/oauth/"+path,
				url.Values{"client_id": {"c1"}, "client_secret": {"s3"}, "refresh_token": {"r"}}, true))
			// Refused by the egress policy, not as a relative URL.
			if a.AccessToken != "" || !strings.Contains(a.Error, "refused") || strings.Contains(a.Error, "not an absolute") {
				t.Errorf("%s via server %s answered %+v; want the policy's refusal", path, server, a)
			}
			t.Log(a.Error)
		}
	}
	if n := r.sinkConns.Load(); n != 0 {
		t.Fatalf("the sink received %d connections, want 0", n)
	}
}

package apidocs

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// authSpec has one scheme of each kind: the definition-wide security is
// the API key, one operation overrides it with bearer, one with none.
func authSpec(server, tokenURL, authURL string) string {
	return `{"openapi":"3.0.3","info":{"title":"Auth","version":"1"},"servers":[{"url":"` + server + `"}],
"security":[{"key":[]}],
"components":{"securitySchemes":{
 "key":{"type":"apiKey","in":"header","name":"X-Api-Key","description":"Ask **ops** for one"},
 "bearer":{"type":"http","scheme":"bearer"},
 "basic":{"type":"http","scheme":"basic"},
 "oauth":{"type":"oauth2","flows":{
   "clientCredentials":{"tokenUrl":"` + tokenURL + `","scopes":{"pets:read":"read your pets","pets:write":"<b>change</b> pets"}},
   "authorizationCode":{"authorizationUrl":"` + authURL + `","tokenUrl":"` + tokenURL + `","scopes":{"pets:read":"read your pets"}}}}}},
"paths":{
 "/keyed":{"get":{"operationId":"keyed","responses":{"200":{"description":"ok"}}}},
 "/also-keyed":{"get":{"operationId":"alsoKeyed","responses":{"200":{"description":"ok"}}}},
 "/bearer":{"get":{"operationId":"bearer","security":[{"bearer":[]}],"responses":{"200":{"description":"ok"}}}},
 "/oauth":{"get":{"operationId":"oauthed","security":[{"oauth":["pets:read"]}],"responses":{"200":{"description":"ok"}}}},
 "/open":{"get":{"operationId":"open","security":[],"responses":{"200":{"description":"ok"}}}}}}`
}

// recordingUpstream answers with the credentials it received.
func recordingUpstream(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"key":%q,"auth":%q}`, r.Header.Get("X-Api-Key"), r.Header.Get("Authorization"))
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return srv, port
}

func TestAuthorizePanelHasOneGroupPerSchemeWithScopes(t *testing.T) {
	r := newRig(t, Options{Policy: enabled()}, testAPI{name: "auth", definition: authSpec("https://api.example", "https://auth.example/token", "https://auth.example/authorize")})
	d := r.doc(t, "GET", "/catalog/default/api/auth/definition", nil, false)
	panel := d.Find("[data-testid=authorize]")
	if panel.Length() != 1 {
		t.Fatal("no Authorize panel")
	}
	if _, hidden := panel.Attr("hidden"); !hidden {
		t.Error("the panel shows without JavaScript, where it cannot keep anything")
	}
	if goquery.NodeName(panel) != "details" {
		t.Errorf("the panel is a <%s>; want a <details> that can be collapsed", goquery.NodeName(panel))
	}
	if _, open := panel.Attr("open"); open {
		t.Error("the panel starts expanded and pushes the operations down")
	}
	if got := panel.Find("summary [data-testid=authorize-count]").Text(); got != "(4 schemes)" {
		t.Errorf("the panel summary counts %q; want (4 schemes)", got)
	}
	for _, s := range []string{"key", "bearer", "basic", "oauth"} {
		if panel.Find("[data-testid=auth-"+s+"]").Length() != 1 {
			t.Errorf("no input group for scheme %s", s)
		}
	}
	if panel.Find("[data-testid=auth-basic-user]").Length() != 1 || panel.Find("[data-testid=auth-basic-password]").Length() != 1 {
		t.Error("basic auth has no user and password inputs")
	}
	if got := panel.Find("[data-testid=auth-key] strong").Text(); got != "ops" {
		t.Errorf("scheme description not rendered as Markdown: %q", got)
	}
	cc := panel.Find("[data-testid=oauth-oauth-clientCredentials]")
	if cc.Length() != 1 || panel.Find("[data-testid=oauth-oauth-authorizationCode]").Length() != 1 {
		t.Fatal("the oauth scheme offers no client-credentials and authorization-code flows")
	}
	if u, _ := cc.Attr("data-oauth-url"); u != "/catalog/default/api/auth/definition/oauth/oauth/token" {
		t.Errorf("client credentials post to %q", u)
	}
	scopes := cc.Find("label").Text()
	if !strings.Contains(scopes, "pets:read") || !strings.Contains(scopes, "read your pets") || !strings.Contains(scopes, "<b>change</b> pets") {
		t.Errorf("scopes and their descriptions (as text) not shown: %q", scopes)
	}
	if cc.Find("b").Length() != 0 {
		t.Error("a scope description was rendered as HTML")
	}
	if n := panel.Find("input[name]").Length(); n != 0 {
		t.Errorf("%d panel inputs have a name a form could submit", n)
	}
}

func TestOperationShowsOnlyTheSchemesItsSecurityUses(t *testing.T) {
	r := newRig(t, Options{Policy: enabled()}, testAPI{name: "auth", definition: authSpec("https://api.example", "https://auth.example/token", "https://auth.example/authorize")})
	for _, tc := range []struct {
		op   string
		want []string
	}{
		{"keyed", []string{"key"}},     // the definition's security
		{"bearer", []string{"bearer"}}, // the operation's own overrides it
		{"oauthed", []string{"oauth"}},
		{"open", nil}, // security: [] means none
	} {
		d := r.doc(t, "GET", "/catalog/default/api/auth/definition/op/"+tc.op, nil, true)
		var got []string
		d.Find("[data-testid=op-auth] [data-auth-scheme]").Each(func(_ int, s *goquerySel) {
			got = append(got, s.AttrOr("data-auth-scheme", ""))
		})
		var inputs []string
		d.Find("[data-testid=try-form] input[name^='cred.']").Each(func(_ int, s *goquerySel) {
			inputs = append(inputs, s.AttrOr("name", ""))
		})
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s lists schemes %v; want %v", tc.op, got, tc.want)
		}
		for _, in := range inputs {
			if len(tc.want) == 0 || !strings.HasPrefix(in, "cred."+tc.want[0]) {
				t.Errorf("%s has input %s for a scheme it does not use", tc.op, in)
			}
		}
		if tc.want == nil && d.Find("[data-testid=op-auth-none]").Length() != 1 {
			t.Errorf("%s does not say it needs no authorization", tc.op)
		}
	}
}

func TestTryItOutSendsCredentialsOnlyToOperationsUsingTheirScheme(t *testing.T) {
	up, port := recordingUpstream(t)
	r := newRig(t, Options{Policy: enabled("127.0.0.1:" + port)}, testAPI{name: "auth", definition: authSpec(up.URL, "https://auth.example/token", "https://auth.example/authorize")})
	// What the Authorize panel fills into every form: all schemes' values.
	form := url.Values{"server": {"0"}, "cred.key": {"k3y"}, "cred.bearer": {"b3arer"}, "cred.oauth": {"acc3ss"}}
	for _, tc := range []struct{ op, key, auth string }{
		{"keyed", "k3y", ""},
		{"alsoKeyed", "k3y", ""},
		{"bearer", "", "Bearer b3arer"},
		{"oauthed", "", "Bearer acc3ss"},
		{"open", "", ""},
	} {
		d := r.doc(t, "POST", "/catalog/default/api/auth/definition/op/"+tc.op+"/try", form, true)
		var got struct{ Key, Auth string }
		if err := json.Unmarshal([]byte(d.Find("[data-testid=try-body-out]").Text()), &got); err != nil {
			t.Fatalf("%s: %v: %s", tc.op, err, d.Find("[data-testid=try-response]").Text())
		}
		if got.Key != tc.key || got.Auth != tc.auth {
			t.Errorf("%s sent key %q and Authorization %q; want %q and %q", tc.op, got.Key, got.Auth, tc.key, tc.auth)
		}
	}
}

type goquerySel = goquery.Selection

// With try-it on, an operation says once which schemes it needs: in its
// Authorization line, not also in a "Security:" line. Without try-it there
// is no Authorization line, so the docs keep the Security line.
func TestOperationStatesItsSecurityOnce(t *testing.T) {
	spec := authSpec("https://api.example", "https://auth.example/token", "https://auth.example/authorize")
	for _, tc := range []struct {
		name    string
		opts    Options
		auth    int
		section int
	}{
		{"try-it on", Options{Policy: enabled()}, 1, 0},
		{"try-it off", Options{}, 0, 1},
	} {
		r := newRig(t, tc.opts, testAPI{name: "auth", definition: spec})
		d := r.doc(t, "GET", "/catalog/default/api/auth/definition/op/keyed", nil, true)
		if n := d.Find("[data-testid=op-auth]").Length(); n != tc.auth {
			t.Errorf("%s: %d Authorization lines; want %d", tc.name, n, tc.auth)
		}
		sec := d.Find("[data-testid=op-security]")
		if sec.Length() != tc.section {
			t.Errorf("%s: %d Security lines; want %d", tc.name, sec.Length(), tc.section)
		}
		if tc.section == 1 && !strings.Contains(sec.Text(), "key") {
			t.Errorf("%s: the Security line does not name the scheme: %q", tc.name, sec.Text())
		}
		if tc.auth == 1 && strings.Contains(d.Text(), "Security:") {
			t.Errorf("%s: the operation repeats its security in a Security line", tc.name)
		}
	}
}

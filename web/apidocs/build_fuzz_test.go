package apidocs

import (
	"net/url"
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog/openapi"
)

// FuzzBuild drives the try-it URL builder with a definition's server and
// path template and a person's form values. Whatever the values, a built
// call goes to the host the definition's server names, under its base
// path, with no dot segment, a URL that reads back the same, and header
// values without line breaks. Seeds are below and in testdata/fuzz; CI runs
// it for a few seconds (scripts/test.sh).
func FuzzBuild(f *testing.F) {
	f.Add("https://{env}.example.com/v1", "sandbox", "sandbox", "/pets/{id}", "42", "a b", "trace-1", "c1", "tok")
	f.Add("http://127.0.0.1:8080/base/", "x", "api", "/{id}/items", "..", "&x=1#frag", "a\r\nHost: evil", "a;b", "t\n")
	f.Add("https://api.example.com", "", "", "/a/{id}/{id}", "%2e%2e", "?", "", "", "")
	f.Add("http://[::1]:1/p", "e", "e", "/{id}", "@evil.example", "%00", "x", "=", "Bearer")
	f.Add("https://api.example.com/{env}/", "v2", "v2/../..", "/x", "x", "y", "z", "w", "v")
	f.Fuzz(func(t *testing.T, server, enumValue, chosen, tmpl, pathVal, queryVal, headerVal, cookieVal, token string) {
		target := Target{URL: server}
		if strings.Contains(server, "{env}") {
			target.Variables = []openapi.ServerVariable{{Name: "env", Default: "api", Enum: []string{"api", enumValue}}}
		}
		op := &openapi.Operation{
			OperationSummary: openapi.OperationSummary{Method: "GET", Path: tmpl},
			Parameters: []openapi.Parameter{
				{Name: "id", In: "path", Required: true}, {Name: "q", In: "query"},
				{Name: "X-Trace", In: "header"}, {Name: "c", In: "cookie"},
			},
			Security: [][]string{{"key", "bearer"}},
		}
		schemes := []openapi.SecurityScheme{{Name: "key", Type: "apiKey", In: "header", ParamName: "X-Api-Key"}, {Name: "bearer", Type: "http", Scheme: "bearer"}}
		in := TryInput{
			ServerVars:  map[string]string{"env": chosen},
			Params:      map[string]string{"path:id": pathVal, "query:q": queryVal, "header:X-Trace": headerVal, "cookie:c": cookieVal},
			Credentials: map[string]Credential{"key": {Value: token}, "bearer": {Value: token}},
		}
		call, err := Build([]Target{target}, op, schemes, in, 1<<10, false)
		if err != nil {
			return
		}
		want, err := serverURL(target, in.ServerVars)
		if err != nil {
			t.Fatalf("Build succeeded but the server URL alone does not: %v", err)
		}
		checkBuiltCall(t, call, want)
	})
}

// checkBuiltCall holds the builder's promises for one call against the
// server URL it was built on.
func checkBuiltCall(t *testing.T, call *Call, server *url.URL) {
	t.Helper()
	u := call.URL
	if u.Host != server.Host || u.Scheme != server.Scheme || u.User != nil {
		t.Fatalf("call goes to %s://%s, the server is %s://%s", u.Scheme, u.Host, server.Scheme, server.Host)
	}
	back, err := url.Parse(u.String())
	if err != nil {
		t.Fatalf("built URL %q does not parse: %v", u.String(), err)
	}
	if back.Host != u.Host || back.EscapedPath() != u.EscapedPath() || back.RawQuery != u.RawQuery || back.Fragment != "" {
		t.Fatalf("built URL %q reads back as host %q path %q query %q fragment %q", u.String(), back.Host, back.EscapedPath(), back.RawQuery, back.Fragment)
	}
	base := strings.TrimRight(server.Path, "/")
	if !strings.HasPrefix(u.Path, base+"/") && u.Path != base {
		t.Fatalf("path %q is not under the server's base path %q", u.Path, base)
	}
	decoded, err := url.PathUnescape(back.EscapedPath())
	if err != nil {
		t.Fatalf("path %q: %v", back.EscapedPath(), err)
	}
	for _, seg := range strings.Split(strings.ReplaceAll(decoded, `\`, "/"), "/") {
		if seg == "." || seg == ".." {
			t.Fatalf("path %q has a dot segment", decoded)
		}
	}
	for _, h := range call.Header {
		if strings.ContainsAny(h[0]+h[1], "\r\n\x00") {
			t.Fatalf("header %q: %q has a line break", h[0], h[1])
		}
	}
}

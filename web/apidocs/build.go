package apidocs

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/openapi"
)

// Target is one server a try-it call may go to: a server the definition
// declares, or an environment endpoint the entity carries as a link.
type Target struct {
	URL         string
	Description string
	Variables   []openapi.ServerVariable
	FromEntity  bool
}

// endpointTitles are the link titles the 3scale provider gives its gateways.
var endpointTitles = []string{"Staging Apicast Endpoint", "Production Apicast Endpoint"}

// Targets lists the servers of a definition followed by the entity's
// endpoint links; the browser picks one by index. Relative server URLs
// resolve against base (the portal's URL) when it is set.
func Targets(sum *openapi.Summary, links []catalog.Link, base string) []Target {
	var out []Target
	if sum != nil {
		for _, s := range sum.Servers {
			out = append(out, Target{URL: resolveServer(base, s.URL), Description: s.Description, Variables: s.Variables})
		}
	}
	for _, l := range links {
		if l.Type == "endpoint" || slices.Contains(endpointTitles, l.Title) {
			out = append(out, Target{URL: l.URL, Description: l.Title, FromEntity: true})
		}
	}
	return out
}

func resolveServer(base, server string) string {
	if base == "" || !strings.HasPrefix(server, "/") || strings.HasPrefix(server, "//") {
		return server
	}
	b, err := url.Parse(base)
	if err != nil || (b.Scheme != "http" && b.Scheme != "https") || b.Host == "" {
		return server
	}
	return b.Scheme + "://" + b.Host + server
}

// TryInput is everything the browser sends for a call: the index of a
// server and values, never a URL.
type TryInput struct {
	Server      int
	ServerVars  map[string]string
	Params      map[string]string // "in:name" → value
	Body        string
	ContentType string
	Credentials map[string]Credential // security scheme name → value
}

// Credential is what a person typed for one security scheme. It is used
// for one call and never stored or logged.
type Credential struct {
	Value    string // API key or token
	User     string // http basic
	Password string
}

// Call is a built outgoing request.
type Call struct {
	Method  string
	URL     *url.URL
	Header  [][2]string // in order, for samples
	Body    string
	HasBody bool
}

// forbiddenHeaders may not be set from parameters: they belong to the
// transport, to credentials, or to the portal.
var forbiddenHeaders = []string{
	"host", "cookie", "authorization", "content-length", "transfer-encoding", "connection",
	"upgrade", "te", "trailer", "keep-alive", "expect", "proxy-authorization", "proxy-connection",
	"forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip",
}

// buildError is a problem with the input, shown to the person as is.
type buildError struct{ msg string }

func (e buildError) Error() string { return e.msg }

func badInput(format string, args ...any) error { return buildError{fmt.Sprintf(format, args...)} }

// Build makes the outgoing request from the definition and the form. With
// redact set, credentials are replaced by placeholders (for code samples).
func Build(targets []Target, op *openapi.Operation, schemes []openapi.SecurityScheme, in TryInput, maxBody int64, redact bool) (*Call, error) {
	if err := noNUL(in); err != nil {
		return nil, err
	}
	if in.Server < 0 || in.Server >= len(targets) {
		return nil, badInput("choose a server: this definition declares %d", len(targets))
	}
	u, err := serverURL(targets[in.Server], in.ServerVars)
	if err != nil {
		return nil, err
	}
	p, rawP, err := buildPath(strings.TrimRight(u.Path, "/"), op, in.Params)
	if err != nil {
		return nil, err
	}
	u.Path, u.RawPath = p, rawP
	call := &Call{Method: op.Method, URL: u}
	q := u.Query()
	var cookies []string
	for _, prm := range op.Parameters {
		v, ok := in.Params[prm.In+":"+prm.Name]
		if !ok || v == "" {
			if prm.Required && prm.In != "path" {
				return nil, badInput("parameter %q (%s) is required", prm.Name, prm.In)
			}
			continue
		}
		switch prm.In {
		case "query":
			q.Add(prm.Name, v)
		case "header":
			if err := checkHeader(prm.Name, v); err != nil {
				return nil, err
			}
			call.Header = append(call.Header, [2]string{http.CanonicalHeaderKey(prm.Name), v})
		case "cookie":
			if err := checkCookie(prm.Name, v); err != nil {
				return nil, err
			}
			cookies = append(cookies, prm.Name+"="+v)
		}
	}
	if err := applyCredentials(call, q, &cookies, UsedSchemes(schemes, op.Security), in.Credentials, redact); err != nil {
		return nil, err
	}
	u.RawQuery = q.Encode()
	if len(cookies) > 0 {
		call.Header = append(call.Header, [2]string{"Cookie", strings.Join(cookies, "; ")})
	}
	return call, buildBody(call, op, in, maxBody)
}

// UsedSchemes keeps the schemes an operation's effective security names
// (the operation's own requirement, else the definition's; `security: []`
// and no requirement at all name none), in the definition's order. Only
// these get credentials: a key for one scheme is never sent to an
// operation that asks for another, or for nothing.
func UsedSchemes(schemes []openapi.SecurityScheme, security [][]string) []openapi.SecurityScheme {
	var out []openapi.SecurityScheme
	for _, s := range schemes {
		for _, req := range security {
			if slices.Contains(req, s.Name) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// noNUL refuses NUL bytes in what the form sends: HTTP carries none, and
// only code-sample placeholders (envRef) may hold them.
func noNUL(in TryInput) error {
	for _, m := range []map[string]string{in.Params, in.ServerVars} {
		for k, v := range m {
			if strings.ContainsRune(k+v, 0) {
				return badInput("value of %q has a NUL byte", strings.ReplaceAll(k, "\x00", ""))
			}
		}
	}
	for name, c := range in.Credentials {
		if strings.ContainsRune(name+c.Value+c.User+c.Password, 0) {
			return badInput("a credential has a NUL byte")
		}
	}
	return nil
}

func serverURL(t Target, vars map[string]string) (*url.URL, error) {
	raw := t.URL
	if strings.ContainsRune(raw, 0) || strings.Contains(strings.ToLower(raw), "%00") {
		return nil, badInput("refused: server URL %q has a NUL byte", strings.ReplaceAll(raw, "\x00", ""))
	}
	for _, v := range t.Variables {
		val := vars[v.Name]
		if val == "" {
			val = v.Default
		}
		switch {
		case len(v.Enum) > 0 && !slices.Contains(v.Enum, val):
			return nil, badInput("server variable %q must be one of %s", v.Name, strings.Join(v.Enum, ", "))
		case len(v.Enum) == 0 && val != v.Default:
			return nil, badInput("server variable %q can only take the value the definition gives it", v.Name)
		}
		raw = strings.ReplaceAll(raw, "{"+v.Name+"}", val)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, badInput("server URL %q does not parse: %v", raw, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, badInput("refused: server URL %q is not http or https", raw)
	case u.User != nil:
		return nil, badInput("refused: server URL %q carries user information", raw)
	case u.Host == "" || u.Opaque != "":
		return nil, badInput("refused: server URL %q has no host (relative server URLs cannot be called)", raw)
	case strings.ContainsAny(u.Host, "{}"):
		return nil, badInput("server URL %q has an undeclared variable", raw)
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// buildPath expands the operation's path template under the server's base
// path. Values that could climb out of it are refused, not escaped.
func buildPath(base string, op *openapi.Operation, params map[string]string) (string, string, error) {
	if op.Path != "" && !strings.HasPrefix(op.Path, "/") {
		// "x" after base "/v1" would call "/v1x", outside the base path.
		return "", "", badInput("path template %q must start with /", op.Path)
	}
	var plain, raw strings.Builder
	plain.WriteString(base)
	raw.WriteString(escapeBase(base))
	tmpl := op.Path
	for tmpl != "" {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			plain.WriteString(tmpl)
			raw.WriteString(tmpl)
			break
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			return "", "", badInput("path template %q is malformed", op.Path)
		}
		plain.WriteString(tmpl[:i])
		raw.WriteString(tmpl[:i])
		name := tmpl[i+1 : i+j]
		v := params["path:"+name]
		if v == "" {
			return "", "", badInput("path parameter %q is required", name)
		}
		if err := checkPathValue(name, v); err != nil {
			return "", "", err
		}
		plain.WriteString(v)
		raw.WriteString(url.PathEscape(v))
		tmpl = tmpl[i+j+1:]
	}
	for _, seg := range strings.Split(plain.String(), "/") {
		if seg == "." || seg == ".." {
			return "", "", badInput("refused: the path %q leaves the server's base path", plain.String())
		}
	}
	p := plain.String()
	if !strings.HasPrefix(p, "/") {
		p, raw2 := "/"+p, "/"+raw.String()
		return p, raw2, nil
	}
	return p, raw.String(), nil
}

func escapeBase(base string) string {
	u := url.URL{Path: base}
	return u.EscapedPath()
}

func checkPathValue(name, v string) error {
	lower := strings.ToLower(v)
	for _, bad := range []string{"/", "\\", "..", "%2e", "%2f", "%5c", "%00", "\x00", "?", "#"} {
		if strings.Contains(lower, bad) {
			return badInput("refused: path parameter %q may not contain %q", name, bad)
		}
	}
	if v == "." {
		return badInput("refused: path parameter %q may not be %q", name, v)
	}
	return nil
}

// checkHeader is the one policy for every header a try-it call sends from
// the definition or the form (parameters and API-key schemes alike): a
// valid field name that is not one of the transport's, the portal's or a
// proxy's, and a value without line breaks or control bytes.
func checkHeader(name, v string) error {
	if !httpguts.ValidHeaderFieldName(name) {
		return badInput("header name %q is not valid", name)
	}
	if slices.Contains(forbiddenHeaders, strings.ToLower(name)) || strings.HasPrefix(strings.ToLower(name), "proxy-") {
		return badInput("refused: header %q cannot be set from try-it-out", name)
	}
	if strings.ContainsAny(v, "\r\n\x00") || !httpguts.ValidHeaderFieldValue(v) {
		return badInput("header %q has a line break or a control character", name)
	}
	return nil
}

func checkCookie(name, v string) error {
	if name == "" || strings.ContainsAny(name, " \t\r\n;=,") || strings.ContainsAny(v, "\r\n;\x00") {
		return badInput("cookie %q is not valid", name)
	}
	return nil
}

func buildBody(call *Call, op *openapi.Operation, in TryInput, maxBody int64) error {
	if op.RequestBody == nil || len(op.RequestBody.Contents) == 0 {
		return nil
	}
	if in.Body == "" && !op.RequestBody.Required {
		return nil
	}
	if int64(len(in.Body)) > maxBody {
		return badInput("the request body is %d bytes; the limit is %d", len(in.Body), maxBody)
	}
	ct := op.RequestBody.Contents[0].MediaType
	if in.ContentType != "" {
		ok := false
		for _, c := range op.RequestBody.Contents {
			ok = ok || c.MediaType == in.ContentType
		}
		if !ok {
			return badInput("content type %q is not one the operation accepts", in.ContentType)
		}
		ct = in.ContentType
	}
	call.Header = append(call.Header, [2]string{"Content-Type", ct})
	call.Body, call.HasBody = in.Body, true
	return nil
}

func applyCredentials(call *Call, q url.Values, cookies *[]string, schemes []openapi.SecurityScheme, creds map[string]Credential, redact bool) error {
	for _, s := range schemes {
		c, ok := creds[s.Name]
		if !ok || (c.Value == "" && c.User == "" && c.Password == "") {
			continue
		}
		if redact {
			c = Credential{Value: envRef(envName(s.Name)), User: envRef(envName(s.Name) + "_USER"), Password: envRef(envName(s.Name) + "_PASSWORD")}
		}
		switch {
		case s.Type == "apiKey" && s.In == "query":
			q.Set(s.ParamName, c.Value)
		case s.Type == "apiKey" && s.In == "cookie":
			if err := checkCookie(s.ParamName, plain(c.Value, redact)); err != nil {
				return err
			}
			*cookies = append(*cookies, s.ParamName+"="+c.Value)
		case s.Type == "apiKey":
			if err := checkHeader(s.ParamName, plain(c.Value, redact)); err != nil {
				return err
			}
			call.Header = append(call.Header, [2]string{http.CanonicalHeaderKey(s.ParamName), c.Value})
		case s.Type == "http" && strings.EqualFold(s.Scheme, "basic"):
			req := http.Request{Header: http.Header{}}
			req.SetBasicAuth(c.User, c.Password)
			if redact {
				call.Header = append(call.Header, [2]string{"Authorization", "Basic " + envRef(envName(s.Name)+"_BASIC")})
			} else {
				call.Header = append(call.Header, [2]string{"Authorization", req.Header.Get("Authorization")})
			}
		default: // http bearer and other schemes, oauth2, openIdConnect: a token
			if strings.ContainsAny(plain(c.Value, redact), "\r\n\x00") {
				return badInput("credential for %q is not valid", s.Name)
			}
			call.Header = append(call.Header, [2]string{"Authorization", "Bearer " + c.Value})
		}
	}
	return nil
}

// plain is a credential value as the checks see it: a placeholder (redact)
// is the renderer's to write, not a value to check.
func plain(v string, redact bool) string {
	if redact {
		return ""
	}
	return v
}

// envRef stands for the environment variable name in a built call's
// header values and query: code samples read the secret from the
// environment instead of showing it. NUL bytes delimit it; Build refuses
// them in everything a definition or a person supplies, so only a
// placeholder can carry them.
func envRef(name string) string { return "\x00" + name + "\x00" }

// envName turns a scheme name into a shell variable name for samples:
// [A-Z0-9_], never starting with a digit, which sh would read as a
// positional parameter ("$1KEY" is $1, then KEY).
func envName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r >= '0' && r <= '9' && b.Len() == 0:
			b.WriteByte('_')
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "TOKEN"
	}
	return b.String()
}

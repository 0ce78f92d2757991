package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Summary is what the first render of an API page and the operation search
// need, read with a plain decode: kin-openapi takes seconds on a large
// definition, this takes milliseconds.
type Summary struct {
	Format          string // "swagger-2.0", "openapi-3.0", "openapi-3.1", ...
	Title           string
	Version         string // info.version
	Description     string // Markdown source
	Servers         []Server
	SecuritySchemes []SecurityScheme
	Tags            []Tag
	ExternalDocs    *ExternalDocs
	TermsOfService  string   // info.termsOfService
	Contact         *Contact // info.contact
	License         *License // info.license
	Operations      []OperationSummary
	// Webhooks are 3.1's webhooks: Path holds the webhook's name.
	Webhooks []OperationSummary
	// Models names components.schemas (2.0: definitions), sorted.
	Models []string
}

// Contact is info.contact.
type Contact struct {
	Name  string `json:"name" yaml:"name"`
	URL   string `json:"url" yaml:"url"`
	Email string `json:"email" yaml:"email"`
}

// License is info.license (Identifier is 3.1's SPDX id).
type License struct {
	Name       string `json:"name" yaml:"name"`
	URL        string `json:"url" yaml:"url"`
	Identifier string `json:"identifier" yaml:"identifier"`
}

// Server is one base URL an API declares.
type Server struct {
	URL         string
	Description string
	Variables   []ServerVariable
}

// ServerVariable is a {name} placeholder of a server URL.
type ServerVariable struct {
	Name        string
	Default     string
	Enum        []string
	Description string
}

// SecurityScheme is one way an API authenticates callers.
type SecurityScheme struct {
	Name         string // key in components.securitySchemes
	Type         string // apiKey, http, oauth2, openIdConnect, mutualTLS
	In           string // apiKey: query, header or cookie
	ParamName    string // apiKey: the parameter's name
	Scheme       string // http: basic, bearer, ...
	BearerFormat string
	Description  string
	// Flows are an oauth2 scheme's flows, in the order clientCredentials,
	// authorizationCode, implicit, password (Swagger 2.0's one flow is
	// named as OpenAPI 3 names it).
	Flows []OAuthFlow
}

// OAuthFlow is one OAuth2 flow of a security scheme: where tokens come
// from and the scopes it grants.
type OAuthFlow struct {
	Type             string // clientCredentials, authorizationCode, implicit, password
	AuthorizationURL string
	TokenURL         string
	RefreshURL       string
	Scopes           []Scope // sorted by name
}

// Scope is one OAuth2 scope with what it grants.
type Scope struct {
	Name        string
	Description string
}

// Tag groups operations on the page.
type Tag struct {
	Name        string
	Description string
}

// ExternalDocs links to documentation outside the definition.
type ExternalDocs struct {
	URL         string
	Description string
}

// OperationSummary is one operation as listed and searched.
type OperationSummary struct {
	Key         string // stable, URL- and id-safe: operationId or method-path
	Method      string // upper case
	Path        string
	OperationID string
	Summary     string
	Tags        []string
	Deprecated  bool
}

type rawDoc struct {
	Swagger             string                  `json:"swagger" yaml:"swagger"`
	OpenAPI             string                  `json:"openapi" yaml:"openapi"`
	Info                rawInfo                 `json:"info" yaml:"info"`
	Servers             []rawServer             `json:"servers" yaml:"servers"`
	Host                string                  `json:"host" yaml:"host"`
	BasePath            string                  `json:"basePath" yaml:"basePath"`
	Schemes             []string                `json:"schemes" yaml:"schemes"`
	Tags                []rawTag                `json:"tags" yaml:"tags"`
	ExternalDocs        *rawExternalDocs        `json:"externalDocs" yaml:"externalDocs"`
	Paths               map[string]*rawPathItem `json:"paths" yaml:"paths"` // nil: a null path item
	SecurityDefinitions map[string]rawSecScheme `json:"securityDefinitions" yaml:"securityDefinitions"`
	Definitions         map[string]skip         `json:"definitions" yaml:"definitions"`
	Webhooks            map[string]*rawPathItem `json:"webhooks" yaml:"webhooks"`
	Components          struct {
		SecuritySchemes map[string]rawSecScheme `json:"securitySchemes" yaml:"securitySchemes"`
		Schemas         map[string]skip         `json:"schemas" yaml:"schemas"`
	} `json:"components" yaml:"components"`
}

// skip decodes any value into nothing: the summary needs only the keys of
// components.schemas, not the schemas (which may even be booleans in 3.1).
type skip struct{}

func (*skip) UnmarshalJSON([]byte) error     { return nil }
func (*skip) UnmarshalYAML(*yaml.Node) error { return nil }

type rawInfo struct {
	Title          string   `json:"title" yaml:"title"`
	Version        string   `json:"version" yaml:"version"`
	Description    string   `json:"description" yaml:"description"`
	TermsOfService string   `json:"termsOfService" yaml:"termsOfService"`
	Contact        *Contact `json:"contact" yaml:"contact"`
	License        *License `json:"license" yaml:"license"`
}

type rawServer struct {
	URL         string                  `json:"url" yaml:"url"`
	Description string                  `json:"description" yaml:"description"`
	Variables   map[string]rawServerVar `json:"variables" yaml:"variables"`
}

type rawServerVar struct {
	Default     string   `json:"default" yaml:"default"`
	Enum        []string `json:"enum" yaml:"enum"`
	Description string   `json:"description" yaml:"description"`
}

type rawTag struct {
	Name        string `json:"name" yaml:"name"`
	Description string `json:"description" yaml:"description"`
}

type rawExternalDocs struct {
	URL         string `json:"url" yaml:"url"`
	Description string `json:"description" yaml:"description"`
}

type rawSecScheme struct {
	Type         string `json:"type" yaml:"type"`
	In           string `json:"in" yaml:"in"`
	Name         string `json:"name" yaml:"name"`
	Scheme       string `json:"scheme" yaml:"scheme"`
	BearerFormat string `json:"bearerFormat" yaml:"bearerFormat"`
	Description  string `json:"description" yaml:"description"`
	// OpenAPI 3: flows; Swagger 2.0: flow with its URLs and scopes inline.
	Flows            map[string]rawFlow `json:"flows" yaml:"flows"`
	Flow             string             `json:"flow" yaml:"flow"`
	AuthorizationURL string             `json:"authorizationUrl" yaml:"authorizationUrl"`
	TokenURL         string             `json:"tokenUrl" yaml:"tokenUrl"`
	Scopes           map[string]string  `json:"scopes" yaml:"scopes"`
}

type rawFlow struct {
	AuthorizationURL string            `json:"authorizationUrl" yaml:"authorizationUrl"`
	TokenURL         string            `json:"tokenUrl" yaml:"tokenUrl"`
	RefreshURL       string            `json:"refreshUrl" yaml:"refreshUrl"`
	Scopes           map[string]string `json:"scopes" yaml:"scopes"`
}

type rawPathItem struct {
	Ref     string `json:"$ref" yaml:"$ref"`
	Get     *rawOp `json:"get" yaml:"get"`
	Put     *rawOp `json:"put" yaml:"put"`
	Post    *rawOp `json:"post" yaml:"post"`
	Delete  *rawOp `json:"delete" yaml:"delete"`
	Options *rawOp `json:"options" yaml:"options"`
	Head    *rawOp `json:"head" yaml:"head"`
	Patch   *rawOp `json:"patch" yaml:"patch"`
	Trace   *rawOp `json:"trace" yaml:"trace"`
}

type rawOp struct {
	OperationID string   `json:"operationId" yaml:"operationId"`
	Summary     string   `json:"summary" yaml:"summary"`
	Tags        []string `json:"tags" yaml:"tags"`
	Deprecated  bool     `json:"deprecated" yaml:"deprecated"`
}

// Methods lists the HTTP methods of a path item in the order operations are
// keyed and shown; the summary and the full load must agree on it.
var Methods = []string{"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}

func (p rawPathItem) ops() []*rawOp {
	return []*rawOp{p.Get, p.Put, p.Post, p.Delete, p.Options, p.Head, p.Patch, p.Trace}
}

// IsJSON reports whether data looks like a JSON document rather than YAML.
func IsJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// Summarize reads the summary of an OpenAPI 3.x or Swagger 2.0 definition
// (JSON or YAML) with a plain decode. Path-item $refs inside the document
// ("#/...") are resolved, as kin-openapi does, so both list the same
// operations; operations behind a path-item $ref to another file are not
// listed here (Parse adds them).
func Summarize(data []byte) (*Summary, error) {
	s, _, err := summarize(data)
	return s, err
}

// summarize is Summarize that also says where the document has a null path
// item (paths["/x"], webhooks.w), for Parse and LoadDocument to refuse.
func summarize(data []byte) (*Summary, []string, error) {
	var raw rawDoc
	var err error
	if IsJSON(data) {
		err = json.Unmarshal(data, &raw)
	} else {
		err = yaml.Unmarshal(data, &raw)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("decode definition: %w", err)
	}
	if raw.Swagger == "" && raw.OpenAPI == "" {
		return nil, nil, fmt.Errorf("decode definition: neither an OpenAPI 3 (openapi:) nor a Swagger 2.0 (swagger:) document")
	}
	s := &Summary{
		Title:       raw.Info.Title,
		Version:     raw.Info.Version,
		Description: raw.Info.Description,

		TermsOfService: raw.Info.TermsOfService,
		Contact:        raw.Info.Contact,
		License:        raw.Info.License,
	}
	if raw.Swagger != "" {
		s.Format = "swagger-" + raw.Swagger
		s.Servers = swaggerServers(raw)
		s.SecuritySchemes = securitySchemes(raw.SecurityDefinitions, true)
		s.Models = slices.Sorted(maps.Keys(raw.Definitions))
	} else {
		s.Models = slices.Sorted(maps.Keys(raw.Components.Schemas))
		s.Format = "openapi-" + raw.OpenAPI
		s.Servers = openAPIServers(raw.Servers)
		s.SecuritySchemes = securitySchemes(raw.Components.SecuritySchemes, false)
	}
	for _, t := range raw.Tags {
		s.Tags = append(s.Tags, Tag(t))
	}
	if raw.ExternalDocs != nil {
		s.ExternalDocs = &ExternalDocs{URL: raw.ExternalDocs.URL, Description: raw.ExternalDocs.Description}
	}
	paths, nulls := pathItems("paths", raw.Paths)
	if err := resolvePathRefs(data, paths); err != nil {
		return nil, nil, err
	}
	s.Operations = summarizeOps(paths)
	if len(raw.Webhooks) > 0 {
		webhooks, nullHooks := pathItems("webhooks", raw.Webhooks)
		nulls = append(nulls, nullHooks...)
		if err := resolvePathRefs(data, webhooks); err != nil {
			return nil, nil, err
		}
		s.Webhooks = summarizeOps(webhooks)
	}
	return s, nulls, nil
}

// pathItems returns the items of a paths or webhooks section by value,
// leaving out the null ones, and where those are (section["/x"], sorted).
func pathItems(section string, in map[string]*rawPathItem) (map[string]rawPathItem, []string) {
	out := make(map[string]rawPathItem, len(in))
	var nulls []string
	for k, item := range in {
		if item == nil {
			nulls = append(nulls, section+member(k))
			continue
		}
		out[k] = *item
	}
	slices.Sort(nulls)
	return out, nulls
}

func summarizeOps(paths map[string]rawPathItem) []OperationSummary {
	keys := newKeyer()
	var out []OperationSummary
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		for i, op := range paths[path].ops() {
			if op == nil {
				continue
			}
			method := Methods[i]
			out = append(out, OperationSummary{
				Key:         keys.key(method, path, op.OperationID),
				Method:      method,
				Path:        path,
				OperationID: op.OperationID,
				Summary:     op.Summary,
				Tags:        op.Tags,
				Deprecated:  op.Deprecated,
			})
		}
	}
	return out
}

func openAPIServers(raw []rawServer) []Server {
	out := make([]Server, 0, len(raw))
	for _, rs := range raw {
		s := Server{URL: rs.URL, Description: rs.Description}
		for _, name := range slices.Sorted(maps.Keys(rs.Variables)) {
			v := rs.Variables[name]
			s.Variables = append(s.Variables, ServerVariable{Name: name, Default: v.Default, Enum: v.Enum, Description: v.Description})
		}
		out = append(out, s)
	}
	return out
}

// swaggerServers builds OpenAPI 3 style servers from Swagger 2.0's host,
// basePath and schemes, as openapi2conv does.
func swaggerServers(raw rawDoc) []Server {
	if raw.Host == "" {
		if raw.BasePath == "" {
			return nil
		}
		return []Server{{URL: raw.BasePath}}
	}
	schemes := raw.Schemes
	if len(schemes) == 0 {
		schemes = []string{"https"}
	}
	out := make([]Server, 0, len(schemes))
	for _, scheme := range schemes {
		out = append(out, Server{URL: scheme + "://" + raw.Host + raw.BasePath})
	}
	return out
}

func securitySchemes(m map[string]rawSecScheme, swagger bool) []SecurityScheme {
	out := make([]SecurityScheme, 0, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		r := m[name]
		s := SecurityScheme{Name: name, Type: r.Type, In: r.In, ParamName: r.Name, Scheme: r.Scheme, BearerFormat: r.BearerFormat, Description: r.Description}
		if swagger && r.Type == "basic" {
			s.Type, s.Scheme = "http", "basic"
		}
		if r.Type == "oauth2" {
			s.Flows = oauthFlows(r, swagger)
		}
		out = append(out, s)
	}
	return out
}

// keyer hands out operation keys: the operationId when it has one, else
// method-path, reduced to [A-Za-z0-9_.-] and made unique in document order.
// Every key handed out is recorded, so a suffixed key ("foo-2") never
// collides with a later operationId that is literally "foo-2".
type keyer struct {
	used map[string]bool
	next map[string]int // next suffix to try per base, so repeats stay linear
}

func newKeyer() *keyer { return &keyer{used: map[string]bool{}, next: map[string]int{}} }

func (k *keyer) key(method, path, operationID string) string {
	base := Slug(operationID)
	if onlyDots(base) {
		// "", "." and ".." are not usable as a /op/{key} path segment.
		base = Slug(strings.ToLower(method) + "-" + path)
	}
	key := base
	if k.used[key] {
		n := max(k.next[base], 2)
		for key = fmt.Sprintf("%s-%d", base, n); k.used[key]; key = fmt.Sprintf("%s-%d", base, n) {
			n++
		}
		k.next[base] = n + 1
	}
	k.used[key] = true
	return key
}

// reserve marks key as handed out, so later keys avoid it.
func (k *keyer) reserve(key string) { k.used[key] = true }

func onlyDots(s string) bool { return strings.Trim(s, ".") == "" }

// Slug reduces s to characters that are safe in an HTML id, a URL path
// segment and a CSS selector: runs of anything else become one "-".
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.'
		if ok {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimRight(b.String(), "-")
	if len(out) > 120 {
		out = out[:120]
	}
	return out
}

// swaggerFlows names Swagger 2.0's oauth2 flows as OpenAPI 3 does.
var swaggerFlows = map[string]string{"application": "clientCredentials", "accessCode": "authorizationCode", "implicit": "implicit", "password": "password"}

func oauthFlows(r rawSecScheme, swagger bool) []OAuthFlow {
	flows := r.Flows
	if swagger {
		flows = map[string]rawFlow{}
		if t, ok := swaggerFlows[r.Flow]; ok {
			flows[t] = rawFlow{AuthorizationURL: r.AuthorizationURL, TokenURL: r.TokenURL, Scopes: r.Scopes}
		}
	}
	var out []OAuthFlow
	for _, t := range []string{"clientCredentials", "authorizationCode", "implicit", "password"} {
		f, ok := flows[t]
		if !ok {
			continue
		}
		of := OAuthFlow{Type: t, AuthorizationURL: f.AuthorizationURL, TokenURL: f.TokenURL, RefreshURL: f.RefreshURL}
		for _, name := range slices.Sorted(maps.Keys(f.Scopes)) {
			of.Scopes = append(of.Scopes, Scope{Name: name, Description: f.Scopes[name]})
		}
		out = append(out, of)
	}
	return out
}

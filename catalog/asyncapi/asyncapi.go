// Package asyncapi is the catalog's model of AsyncAPI 2.x and 3.0
// definitions: servers, channels, operations, messages with their header
// and payload schemas, bindings and security schemes, decoded into a small
// typed model with local $refs and traits resolved. No general-purpose
// AsyncAPI library exists in Go worth depending on, and a page needs only
// this much.
package asyncapi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Document is one AsyncAPI definition.
type Document struct {
	Version            string // the asyncapi field: "2.6.0", "3.0.0"
	Title              string
	APIVersion         string
	Description        string // Markdown
	DefaultContentType string
	Servers            []Server
	Channels           []Channel
	Operations         []Operation
	Messages           []Message // components.messages
	SecuritySchemes    []SecurityScheme
	// Problems are $refs that could not be followed; the rest is shown.
	Problems []string
}

// Major is 2 or 3.
func (d *Document) Major() int {
	if strings.HasPrefix(d.Version, "2.") {
		return 2
	}
	return 3
}

// Server is where the API is served.
type Server struct {
	Name            string
	URL             string // 2.x url, or 3.0 host + pathname
	Protocol        string
	ProtocolVersion string
	Title           string
	Description     string
	Variables       []Variable
	Security        []string // scheme names
	Bindings        []Binding
}

// Variable is a server variable.
type Variable struct {
	Name, Default, Description string
	Enum                       []string
}

// Channel is a channel (a topic, queue, path...).
type Channel struct {
	Key         string // the key under channels (2.x: the address itself)
	Address     string
	Title       string
	Summary     string
	Description string
	Parameters  []Parameter
	Messages    []Message // 3.0 channel messages
	Servers     []string
	Bindings    []Binding
}

// Parameter is a channel address parameter.
type Parameter struct {
	Name        string
	Description string
	Location    string
	Default     string
	Enum        []string
	Schema      *Schema
}

// Operation is what an application does on a channel: send or receive in
// 3.0; publish or subscribe in 2.x (from the application's point of view,
// as the 2.x specification words it).
type Operation struct {
	Key         string // operationId (2.x) or key under operations (3.0)
	Action      string // send, receive, publish, subscribe
	Channel     string // the channel's key
	Address     string // the channel's address
	Title       string
	Summary     string
	Description string
	Security    []string
	Messages    []Message
	Bindings    []Binding
	// ReplyAddress and ReplyMessages describe a 3.0 request/reply.
	ReplyAddress  string
	ReplyMessages []Message
}

// Message is one message type.
type Message struct {
	Key           string // component or channel key, when it has one
	Component     string // the key under components.messages it comes from, if any
	Name          string
	Title         string
	Summary       string
	Description   string
	ContentType   string
	CorrelationID string
	Headers       *Schema
	Payload       *Schema
	Bindings      []Binding
	Examples      []string // YAML text
}

// Binding is a protocol-specific setting, shown as data.
type Binding struct {
	Protocol string
	Data     string // YAML text
}

// SecurityScheme is one way to authenticate.
type SecurityScheme struct {
	Name             string
	Type             string
	Description      string
	In               string
	Scheme           string
	BearerFormat     string
	OpenIDConnectURL string
	Flows            []Flow
}

// Flow is one OAuth2 flow.
type Flow struct {
	Name             string
	AuthorizationURL string
	TokenURL         string
	RefreshURL       string
	Scopes           [][2]string // scope, description
}

// ErrNotAsyncAPI is returned for a document without an asyncapi field.
var ErrNotAsyncAPI = errors.New("not an AsyncAPI document: no asyncapi field")

// Parse decodes an AsyncAPI 2.x or 3.0 document (YAML or JSON).
func Parse(data []byte) (*Document, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, fmt.Errorf("read AsyncAPI document: %w", err)
	}
	c := &converter{}
	tree, err := c.toTree(&n, 0)
	if err != nil {
		return nil, err
	}
	root, _ := tree.(*obj)
	if root == nil || root.str("asyncapi") == "" {
		return nil, ErrNotAsyncAPI
	}
	r := &resolver{root: root}
	d := &Document{Version: root.str("asyncapi"), DefaultContentType: root.str("defaultContentType")}
	if !strings.HasPrefix(d.Version, "2.") && !strings.HasPrefix(d.Version, "3.") {
		return nil, fmt.Errorf("AsyncAPI %s is not supported (2.x and 3.x are)", d.Version)
	}
	info := root.obj("info")
	d.Title, d.APIVersion, d.Description = info.str("title"), info.str("version"), info.str("description")
	d.Servers = r.servers(root.obj("servers"))
	comps := root.obj("components")
	d.SecuritySchemes = r.securitySchemes(comps.obj("securitySchemes"))
	if d.Major() == 2 {
		d.Channels, d.Operations = r.channels2(root.obj("channels"))
	} else {
		d.Channels = r.channels3(root.obj("channels"))
		d.Operations = r.operations3(root.obj("operations"), root.obj("channels"))
	}
	if msgs := comps.obj("messages"); msgs != nil {
		for _, k := range msgs.keys {
			d.Messages = append(d.Messages, r.messages(msgs.m[k], k)...)
		}
	}
	d.Problems = r.problems
	return d, nil
}

func (r *resolver) servers(o *obj) []Server {
	if o == nil {
		return nil
	}
	var out []Server
	for _, k := range o.keys {
		s, _ := r.deref(o.m[k])
		if s == nil {
			continue
		}
		url := s.str("url")
		if url == "" {
			url = s.str("host") + s.str("pathname")
		}
		sv := Server{
			Name: k, URL: url, Protocol: s.str("protocol"), ProtocolVersion: s.str("protocolVersion"),
			Title: s.str("title"), Description: s.str("description"),
			Security: r.securityNames(s.list("security")), Bindings: r.bindings(s.get("bindings")),
		}
		if vars := s.obj("variables"); vars != nil {
			for _, vk := range vars.keys {
				v, _ := r.deref(vars.m[vk])
				sv.Variables = append(sv.Variables, Variable{Name: vk, Default: v.str("default"), Description: v.str("description"), Enum: strings2(v.list("enum"))})
			}
		}
		out = append(out, sv)
	}
	return out
}

// securityNames names the schemes a security list uses: 2.x lists
// {name: scopes}; 3.0 lists scheme objects, usually $refs.
func (r *resolver) securityNames(list []any) []string {
	var out []string
	for _, e := range list {
		o, _ := e.(*obj)
		if o == nil {
			continue
		}
		if ref := o.str("$ref"); ref != "" {
			out = append(out, lastSegment(ref))
			continue
		}
		if t := o.str("type"); t != "" {
			out = append(out, t)
			continue
		}
		out = append(out, o.keys...)
	}
	return out
}

func (r *resolver) bindings(v any) []Binding {
	o, _ := r.deref(v)
	if o == nil {
		return nil
	}
	var out []Binding
	for i, k := range o.keys {
		b := Binding{Protocol: k}
		if o.node != nil && 2*i+1 < len(o.node.Content) && o.node.Content[2*i].Value == k {
			if text, err := yaml.Marshal(o.node.Content[2*i+1]); err == nil {
				b.Data = strings.TrimSpace(string(text))
			}
		}
		out = append(out, b)
	}
	return out
}

func (r *resolver) securitySchemes(o *obj) []SecurityScheme {
	if o == nil {
		return nil
	}
	var out []SecurityScheme
	for _, k := range o.keys {
		s, _ := r.deref(o.m[k])
		if s == nil {
			continue
		}
		ss := SecurityScheme{
			Name: k, Type: s.str("type"), Description: s.str("description"), In: s.str("in"),
			Scheme: s.str("scheme"), BearerFormat: s.str("bearerFormat"), OpenIDConnectURL: s.str("openIdConnectUrl"),
		}
		if flows := s.obj("flows"); flows != nil {
			for _, fk := range flows.keys {
				f := flows.obj(fk)
				fl := Flow{Name: fk, AuthorizationURL: f.str("authorizationUrl"), TokenURL: f.str("tokenUrl"), RefreshURL: f.str("refreshUrl")}
				scopes := f.obj("availableScopes")
				if scopes == nil {
					scopes = f.obj("scopes")
				}
				if scopes != nil {
					for _, sk := range scopes.keys {
						fl.Scopes = append(fl.Scopes, [2]string{sk, scopes.str(sk)})
					}
				}
				ss.Flows = append(ss.Flows, fl)
			}
		}
		out = append(out, ss)
	}
	return out
}

func (r *resolver) parameters(o *obj) []Parameter {
	if o == nil {
		return nil
	}
	var out []Parameter
	for _, k := range o.keys {
		p, _ := r.deref(o.m[k])
		param := Parameter{Name: k, Description: p.str("description"), Location: p.str("location"), Default: p.str("default"), Enum: strings2(p.list("enum"))}
		if p.get("schema") != nil {
			param.Schema = r.schema("", p.get("schema"))
		}
		out = append(out, param)
	}
	return out
}

// messages decodes a message, or each alternative of a 2.x oneOf.
func (r *resolver) messages(v any, key string) []Message {
	return r.messagesIn(v, key, 0)
}

// maxOneOfDepth bounds oneOfs of messages nested in oneOfs (through $refs
// they can be cyclic).
const maxOneOfDepth = 4

// maxMessages bounds the messages read from one document: a oneOf can
// list the same $ref many times, and operations repeat their channel's.
const maxMessages = 2000

func (r *resolver) messagesIn(v any, key string, depth int) []Message {
	if r.messageCount++; r.messageCount > maxMessages {
		r.problem("more than " + strconv.Itoa(maxMessages) + " messages: the rest are left out")
		return nil
	}
	m, ref := r.deref(v)
	if m == nil {
		return nil
	}
	if alts := m.list("oneOf"); len(alts) > 0 {
		if depth == maxOneOfDepth {
			r.problem("message oneOf nested too deeply (or cyclic) at " + orRef(ref))
			return nil
		}
		var out []Message
		for _, a := range alts {
			out = append(out, r.messagesIn(a, "", depth+1)...)
		}
		return out
	}
	if key == "" {
		key = lastSegment(ref)
	}
	m = r.mergeTraits(m)
	msg := Message{
		Key: key, Component: componentKey(ref, "#/components/messages/"), Name: m.str("name"), Title: m.str("title"), Summary: m.str("summary"),
		Description: m.str("description"), ContentType: m.str("contentType"),
		Bindings: r.bindings(m.get("bindings")),
	}
	if c, _ := r.deref(m.get("correlationId")); c != nil {
		msg.CorrelationID = c.str("location")
	}
	if m.get("headers") != nil {
		msg.Headers = r.schema("", m.get("headers"))
	}
	if m.get("payload") != nil {
		msg.Payload = r.schema("", m.get("payload"))
	}
	msg.Examples = examples(m)
	return []Message{msg}
}

// examples renders up to three message examples as YAML text.
func examples(m *obj) []string {
	list, ok := m.m["examples"].([]any)
	if !ok || m.node == nil {
		return nil
	}
	for i := 0; i+1 < len(m.node.Content); i += 2 {
		if m.node.Content[i].Value != "examples" {
			continue
		}
		var out []string
		for j, e := range m.node.Content[i+1].Content {
			if j == 3 || j >= len(list) {
				break
			}
			if text, err := yaml.Marshal(e); err == nil {
				out = append(out, strings.TrimSpace(string(text)))
			}
		}
		return out
	}
	return nil
}

// componentKey is the key a "#/components/<kind>/<key>" $ref names.
func componentKey(ref, prefix string) string {
	if !strings.HasPrefix(ref, prefix) || strings.Contains(ref[len(prefix):], "/") {
		return ""
	}
	return unescapePointer(ref[len(prefix):])
}

func orRef(ref string) string {
	if ref == "" {
		return "an inline message"
	}
	return ref
}

func strings2(list []any) []string {
	var out []string
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

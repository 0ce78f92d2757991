package openapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Operation is one operation with everything its expanded view, its try-it
// form and its code samples need.
type Operation struct {
	OperationSummary
	Description  string // Markdown source
	ExternalDocs *ExternalDocs
	Parameters   []Parameter
	RequestBody  *RequestBody
	Responses    []Response
	Security     [][]string // alternatives, each a list of scheme names ANDed
	Callbacks    []Callback // 3.x: requests the API makes back to the caller
	Truncated    bool       // schema trees were cut at the node budget
}

// Callback is one named callback of an operation: a runtime expression
// (the URL the API calls) and the operations it calls there.
type Callback struct {
	Name       string
	Expression string
	Operations []*Operation // Method and Path (the expression) set; no try-it
}

// Example is one named example (examples:) of a parameter, body or
// response.
type Example struct {
	Name        string
	Summary     string
	Description string // Markdown source
	Value       string // pretty-printed JSON or plain text
	External    string // externalValue, a URL shown as text
}

// Parameter is one path, query, header or cookie parameter.
type Parameter struct {
	Name        string
	In          string
	Description string
	Required    bool
	Deprecated  bool
	Type        string
	Enum        []string
	Example     string // example or default, as the form prefills it
	Examples    []Example
	Schema      *SchemaNode
	Input       InputRules // what the try-it field checks as the person types
	Format      string
	Constraints []Constraint // the schema's, shown in the parameters table
}

// RequestBody is an operation's body.
type RequestBody struct {
	Description string
	Required    bool
	Contents    []MediaContent
}

// MediaContent is one media type of a body or response.
type MediaContent struct {
	MediaType string
	Schema    *SchemaNode
	Example   string // pretty-printed JSON or plain text; may be generated from the schema
	Generated bool   // Example was generated from the schema: the definition gives none
	Examples  []Example
}

// Response is one status code of an operation.
type Response struct {
	Status      string
	Description string
	Contents    []MediaContent
	Headers     []Header
	Links       []Link
}

// Operation builds the details of the operation with the given key. It
// returns false for an unknown key.
func (d *Definition) Operation(key string) (*Operation, bool) {
	ref, ok := d.ops[key]
	if !ok {
		return nil, false
	}
	ref.security = &d.doc.Security
	return details(key, ref, 0), true
}

// maxCallbackDepth stops callbacks of callbacks from nesting further.
const maxCallbackDepth = 1

// details builds an operation (of paths, webhooks or a callback).
func details(key string, ref opRef, depth int) *Operation {
	op := ref.op
	out := &Operation{
		OperationSummary: OperationSummary{
			Key: key, Method: ref.method, Path: ref.path, OperationID: op.OperationID,
			Summary: op.Summary, Tags: op.Tags, Deprecated: op.Deprecated,
		},
		Description: op.Description,
	}
	if op.ExternalDocs != nil {
		out.ExternalDocs = &ExternalDocs{URL: op.ExternalDocs.URL, Description: op.ExternalDocs.Description}
	}
	b := ref.b
	if b == nil {
		b = newTreeBuilder()
	}
	var pathParams openapi3.Parameters
	if ref.item != nil {
		pathParams = ref.item.Parameters
	}
	out.Parameters = parameters(b, pathParams, op.Parameters)
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		rb := op.RequestBody.Value
		out.RequestBody = &RequestBody{Description: rb.Description, Required: rb.Required, Contents: contents(b, rb.Content, exampleRequest)}
	}
	out.Responses = responses(b, op.Responses)
	out.Security = security(ref.security, op.Security)
	if depth < maxCallbackDepth {
		out.Callbacks = callbacks(b, op.Callbacks, depth)
	}
	out.Truncated = b.truncated
	return out
}

func callbacks(b *treeBuilder, cbs openapi3.Callbacks, depth int) []Callback {
	var out []Callback
	for _, name := range slices.Sorted(maps.Keys(cbs)) {
		cr := cbs[name]
		if cr == nil || cr.Value == nil {
			continue
		}
		items := cr.Value.Map()
		for _, expr := range slices.Sorted(maps.Keys(items)) {
			item := items[expr]
			if item == nil {
				continue
			}
			cb := Callback{Name: name, Expression: expr}
			for _, m := range Methods {
				if op := item.GetOperation(m); op != nil {
					cb.Operations = append(cb.Operations, details("", opRef{method: m, path: expr, item: item, op: op, b: b}, depth+1))
				}
			}
			out = append(out, cb)
		}
	}
	return out
}

// Webhook builds the details of the 3.1 webhook operation with the given
// key (Summary.Webhooks). It returns false for an unknown key.
func (d *Definition) Webhook(key string) (*Operation, bool) {
	ref, ok := d.webhooks[key]
	if !ok {
		return nil, false
	}
	return details(key, ref, 0), true
}

// Model is one entry of components.schemas (2.0: definitions) as the
// models section shows it.
type Model struct {
	Name        string
	Description string // Markdown source
	Schema      *SchemaNode
	Example     string // the schema's example, or one generated from it
	Generated   bool
	Truncated   bool
}

// Model builds the model with the given components.schemas name. It
// returns false for an unknown name.
func (d *Definition) Model(name string) (*Model, bool) {
	if d.doc.Components == nil {
		return nil, false
	}
	sr, ok := d.doc.Components.Schemas[name]
	if !ok || sr == nil || sr.Value == nil {
		return nil, false
	}
	b := newTreeBuilder()
	m := &Model{Name: name, Description: capString(sr.Value.Description, 64<<10), Schema: b.build("", sr, 0)}
	if m.Schema != nil {
		m.Schema.Description = "" // shown in full above the tree
	}
	if ex := exampleFor(sr, 0, map[*openapi3.Schema]bool{}, exampleAny); ex != nil {
		m.Example = prettyExample(ex)
		m.Generated = sr.Value.Example == nil && len(sr.Value.Examples) == 0
	}
	m.Truncated = b.truncated
	return m, true
}

// Keys lists the operation keys of the loaded document.
func (d *Definition) Keys() []string { return slices.Sorted(maps.Keys(d.ops)) }

func parameters(b *treeBuilder, pathLevel, opLevel openapi3.Parameters) []Parameter {
	seen := map[string]bool{}
	var out []Parameter
	add := func(list openapi3.Parameters) {
		for _, pr := range list {
			if pr == nil || pr.Value == nil {
				continue
			}
			p := pr.Value
			id := p.In + ":" + p.Name
			if seen[id] {
				continue
			}
			seen[id] = true
			out = append(out, parameter(b, p))
		}
	}
	add(opLevel) // operation-level parameters override path-level ones
	add(pathLevel)
	order := map[string]int{"path": 0, "query": 1, "header": 2, "cookie": 3}
	sort.SliceStable(out, func(i, j int) bool { return order[out[i].In] < order[out[j].In] })
	return out
}

func parameter(b *treeBuilder, p *openapi3.Parameter) Parameter {
	out := Parameter{Name: p.Name, In: p.In, Description: p.Description, Required: p.Required || p.In == "path", Deprecated: p.Deprecated}
	var example any = p.Example
	if p.Schema != nil && p.Schema.Value != nil {
		s := p.Schema.Value
		out.Type = typeName(s)
		out.Input = inputRules(s)
		out.Format, out.Constraints = s.Format, constraints(s)
		for _, e := range s.Enum {
			out.Enum = append(out.Enum, scalarString(e))
		}
		if example == nil {
			example = s.Example
		}
		if example == nil {
			example = s.Default
		}
		out.Schema = b.build(p.Name, p.Schema, 0)
	}
	out.Examples = namedExamples(p.Examples)
	if example == nil {
		example = firstExample(p.Examples)
	}
	if example != nil {
		out.Example = scalarString(example)
	}
	return out
}

// maxExamples bounds the named examples shown for one parameter or media
// type.
const maxExamples = 20

func namedExamples(m openapi3.Examples) []Example {
	var out []Example
	for _, name := range slices.Sorted(maps.Keys(m)) {
		ex := m[name]
		if ex == nil || ex.Value == nil {
			continue
		}
		if len(out) == maxExamples {
			break
		}
		e := Example{Name: name, Summary: capString(ex.Value.Summary, 500), Description: capString(ex.Value.Description, 4000), External: ex.Value.ExternalValue}
		if ex.Value.Value != nil {
			e.Value = prettyExample(ex.Value.Value)
		}
		out = append(out, e)
	}
	return out
}

func firstExample(m openapi3.Examples) any {
	for _, name := range slices.Sorted(maps.Keys(m)) {
		if ex := m[name]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
			return ex.Value.Value
		}
	}
	return nil
}

func contents(b *treeBuilder, c openapi3.Content, dir exampleDir) []MediaContent {
	var out []MediaContent
	for _, mt := range slices.Sorted(maps.Keys(c)) {
		m := c[mt]
		if m == nil {
			continue
		}
		mc := MediaContent{MediaType: mt, Examples: namedExamples(m.Examples)}
		example := m.Example
		if example == nil {
			example = firstExample(m.Examples)
		}
		if m.Schema != nil {
			mc.Schema = b.build("", m.Schema, 0)
			if example == nil {
				example = exampleFor(m.Schema, 0, map[*openapi3.Schema]bool{}, dir)
				mc.Generated = example != nil
			}
		}
		if example != nil {
			mc.Example = prettyExample(example)
		}
		out = append(out, mc)
	}
	return out
}

func responses(b *treeBuilder, rs *openapi3.Responses) []Response {
	if rs == nil {
		return nil
	}
	m := rs.Map()
	keys := slices.Sorted(maps.Keys(m))
	sort.SliceStable(keys, func(i, j int) bool { return statusOrder(keys[i]) < statusOrder(keys[j]) })
	var out []Response
	for _, status := range keys {
		r := m[status]
		if r == nil || r.Value == nil {
			continue
		}
		resp := Response{
			Status: status, Contents: contents(b, r.Value.Content, exampleResponse),
			Headers: responseHeaders(b, r.Value.Headers), Links: responseLinks(r.Value.Links),
		}
		if r.Value.Description != nil {
			resp.Description = *r.Value.Description
		}
		out = append(out, resp)
	}
	return out
}

// statusOrder sorts "200" < "2XX" < "404" < "default".
func statusOrder(s string) string {
	if s == "default" {
		return "~"
	}
	return strings.ToUpper(s)
}

func security(docLevel, opLevel *openapi3.SecurityRequirements) [][]string {
	reqs := docLevel
	if opLevel != nil {
		reqs = opLevel
	}
	if reqs == nil {
		return nil
	}
	var out [][]string
	for _, req := range *reqs {
		out = append(out, slices.Sorted(maps.Keys(req)))
	}
	return out
}

func scalarString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return ""
	case float64, bool, int, int64:
		return fmt.Sprint(t)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// maxExampleBytes caps a rendered example; larger ones are cut.
const maxExampleBytes = 64 << 10

func prettyExample(v any) string {
	if s, ok := v.(string); ok {
		return capString(s, maxExampleBytes)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return capString(fmt.Sprint(v), maxExampleBytes)
	}
	return capString(string(b), maxExampleBytes)
}

func capString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "\n… (truncated)"
}

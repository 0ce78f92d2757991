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
	Truncated    bool       // schema trees were cut at the node budget
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
	Schema      *SchemaNode
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
}

// Response is one status code of an operation.
type Response struct {
	Status      string
	Description string
	Contents    []MediaContent
}

// Operation builds the details of the operation with the given key. It
// returns false for an unknown key.
func (d *Definition) Operation(key string) (*Operation, bool) {
	ref, ok := d.ops[key]
	if !ok {
		return nil, false
	}
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
	b := newTreeBuilder()
	out.Parameters = parameters(b, ref.item.Parameters, op.Parameters)
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		rb := op.RequestBody.Value
		out.RequestBody = &RequestBody{Description: rb.Description, Required: rb.Required, Contents: contents(b, rb.Content, true)}
	}
	out.Responses = responses(b, op.Responses)
	out.Security = security(&d.doc.Security, op.Security)
	out.Truncated = b.truncated
	return out, true
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
	if example == nil {
		for _, name := range slices.Sorted(maps.Keys(p.Examples)) {
			if ex := p.Examples[name]; ex != nil && ex.Value != nil {
				example = ex.Value.Value
				break
			}
		}
	}
	if example != nil {
		out.Example = scalarString(example)
	}
	return out
}

func contents(b *treeBuilder, c openapi3.Content, generate bool) []MediaContent {
	var out []MediaContent
	for _, mt := range slices.Sorted(maps.Keys(c)) {
		m := c[mt]
		if m == nil {
			continue
		}
		mc := MediaContent{MediaType: mt}
		example := m.Example
		if example == nil {
			for _, name := range slices.Sorted(maps.Keys(m.Examples)) {
				if ex := m.Examples[name]; ex != nil && ex.Value != nil {
					example = ex.Value.Value
					break
				}
			}
		}
		if m.Schema != nil {
			mc.Schema = b.build("", m.Schema, 0)
			if example == nil && generate {
				example = exampleFor(m.Schema, 0, map[*openapi3.Schema]bool{})
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
		resp := Response{Status: status, Contents: contents(b, r.Value.Content, false)}
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

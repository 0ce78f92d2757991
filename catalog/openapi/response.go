package openapi

import (
	"maps"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// Header is one header a response carries.
type Header struct {
	Name        string
	Description string // Markdown source
	Required    bool
	Deprecated  bool
	Schema      *SchemaNode
}

// Link is one link of a response: an operation the response's values
// lead to, with the runtime expressions that fill its parameters.
type Link struct {
	Name         string
	OperationID  string
	OperationRef string
	Description  string // Markdown source
	Parameters   []LinkParameter
	RequestBody  string // a runtime expression or a literal, as written
}

// LinkParameter is one parameter a link fills and the expression or
// value it fills it with.
type LinkParameter struct {
	Name, Value string
}

// Bounds of one response's headers and links.
const (
	maxResponseHeaders = 50
	maxResponseLinks   = 50
	maxLinkParameters  = 30
)

func responseHeaders(b *treeBuilder, hs openapi3.Headers) []Header {
	var out []Header
	for _, name := range slices.Sorted(maps.Keys(hs)) {
		if len(out) == maxResponseHeaders {
			break
		}
		h := hs[name]
		if h == nil || h.Value == nil {
			continue
		}
		hv := Header{Name: name, Description: h.Value.Description, Required: h.Value.Required, Deprecated: h.Value.Deprecated}
		if h.Value.Schema != nil {
			hv.Schema = b.build("", h.Value.Schema, 0)
		}
		out = append(out, hv)
	}
	return out
}

func responseLinks(ls openapi3.Links) []Link {
	var out []Link
	for _, name := range slices.Sorted(maps.Keys(ls)) {
		if len(out) == maxResponseLinks {
			break
		}
		l := ls[name]
		if l == nil || l.Value == nil {
			continue
		}
		lv := Link{Name: name, OperationID: l.Value.OperationID, OperationRef: capString(l.Value.OperationRef, maxConstraintValue), Description: l.Value.Description}
		for i, k := range slices.Sorted(maps.Keys(l.Value.Parameters)) {
			if i == maxLinkParameters {
				break
			}
			lv.Parameters = append(lv.Parameters, LinkParameter{Name: k, Value: capString(scalarString(l.Value.Parameters[k]), maxConstraintValue)})
		}
		if l.Value.RequestBody != nil {
			lv.RequestBody = capString(scalarString(l.Value.RequestBody), maxConstraintValue)
		}
		out = append(out, lv)
	}
	return out
}

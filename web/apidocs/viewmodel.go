package apidocs

import (
	"regexp"

	"github.com/porticohq/portico/catalog/openapi"
	av "github.com/porticohq/portico/views/apidocs"
)

// The views render view models (views/apidocs), never the parsed
// definition; these functions copy what a page shows out of it.

func summaryView(s *openapi.Summary) *av.Summary {
	if s == nil {
		return nil
	}
	v := &av.Summary{
		Format: s.Format, Title: s.Title, Version: s.Version, Description: s.Description,
		SecuritySchemes: schemeViews(s.SecuritySchemes), ExternalDocs: docsView(s.ExternalDocs),
	}
	for _, srv := range s.Servers {
		v.Servers = append(v.Servers, av.Server{URL: srv.URL, Description: srv.Description})
	}
	v.TermsOfService = s.TermsOfService
	if c := s.Contact; c != nil {
		v.Contact = &av.Contact{Name: c.Name, URL: c.URL, Email: c.Email}
	}
	if l := s.License; l != nil {
		v.License = &av.License{Name: l.Name, URL: l.URL, Identifier: l.Identifier}
	}
	return v
}

func docsView(d *openapi.ExternalDocs) *av.ExternalDocs {
	if d == nil {
		return nil
	}
	return &av.ExternalDocs{URL: d.URL, Description: d.Description}
}

func schemeViews(list []openapi.SecurityScheme) []av.SecurityScheme {
	if list == nil {
		return nil
	}
	out := make([]av.SecurityScheme, len(list))
	for i, s := range list {
		out[i] = av.SecurityScheme{Name: s.Name, Type: s.Type, In: s.In, ParamName: s.ParamName, Scheme: s.Scheme, Description: s.Description}
		for _, f := range s.Flows {
			fv := av.OAuthFlow{Type: f.Type, AuthorizationURL: f.AuthorizationURL, TokenURL: f.TokenURL}
			for _, sc := range f.Scopes {
				fv.Scopes = append(fv.Scopes, av.Scope{Name: sc.Name, Description: sc.Description})
			}
			out[i].Flows = append(out[i].Flows, fv)
		}
	}
	return out
}

func variableViews(list []openapi.ServerVariable) []av.ServerVariable {
	if list == nil {
		return nil
	}
	out := make([]av.ServerVariable, len(list))
	for i, sv := range list {
		out[i] = av.ServerVariable{Name: sv.Name, Default: sv.Default, Enum: sv.Enum}
	}
	return out
}

func opSummaryView(op openapi.OperationSummary) av.OperationSummary {
	return av.OperationSummary{
		Key: op.Key, Method: op.Method, Path: op.Path, OperationID: op.OperationID,
		Summary: op.Summary, Deprecated: op.Deprecated,
	}
}

func opView(op *openapi.Operation, links *modelLinks) *av.Operation {
	if op == nil {
		return nil
	}
	v := &av.Operation{
		OperationSummary: opSummaryView(op.OperationSummary),
		Description:      op.Description, ExternalDocs: docsView(op.ExternalDocs),
		Security: op.Security, Truncated: op.Truncated,
	}
	for _, p := range op.Parameters {
		pv := av.Parameter{
			Name: p.Name, In: p.In, Description: p.Description, Required: p.Required, Deprecated: p.Deprecated,
			Type: p.Type, Enum: p.Enum, Example: p.Example, Examples: exampleViews(p.Examples),
			Input: av.InputRules(p.Input),
		}
		pv.Format, pv.Constraints = p.Format, constraintViews(p.Constraints)
		v.Parameters = append(v.Parameters, pv)
	}
	if rb := op.RequestBody; rb != nil {
		v.RequestBody = &av.RequestBody{Description: rb.Description, Required: rb.Required, Contents: contentViews(rb.Contents, links)}
	}
	for _, r := range op.Responses {
		v.Responses = append(v.Responses, av.Response{
			Status: r.Status, Description: r.Description, Contents: contentViews(r.Contents, links),
			Headers: headerViews(r.Headers, links), Links: linkViews(r.Links),
		})
	}
	for _, cb := range op.Callbacks {
		cv := av.Callback{Name: cb.Name, Expression: cb.Expression}
		for _, o := range cb.Operations {
			cv.Operations = append(cv.Operations, opView(o, links))
		}
		v.Callbacks = append(v.Callbacks, cv)
	}
	return v
}

func contentViews(list []openapi.MediaContent, links *modelLinks) []av.MediaContent {
	if list == nil {
		return nil
	}
	out := make([]av.MediaContent, len(list))
	for i, c := range list {
		out[i] = av.MediaContent{
			MediaType: c.MediaType, Schema: schemaNodeView(c.Schema, links), Example: c.Example,
			Generated: c.Generated, Examples: exampleViews(c.Examples),
		}
	}
	return out
}

func exampleViews(list []openapi.Example) []av.Example {
	if list == nil {
		return nil
	}
	out := make([]av.Example, len(list))
	for i, e := range list {
		out[i] = av.Example{Name: e.Name, Summary: e.Summary, Description: e.Description, Value: e.Value, External: e.External}
	}
	return out
}

// schemaNodeView copies a schema tree node for node. The tree it copies is
// already bounded where openapi builds it (depth, node budget, cycles
// marked rather than followed), so the copy is as small, and it keeps the
// Cycle and Truncated markers. $refs to components.schemas link to the
// model on the definition page (links may be nil: no links).
func schemaNodeView(n *openapi.SchemaNode, links *modelLinks) *av.SchemaNode {
	if n == nil {
		return nil
	}
	v := &av.SchemaNode{
		Name: n.Name, Ref: n.Ref, ModelURL: links.url(n.Model), Title: n.Title, Type: n.Type, Format: n.Format,
		Description: n.Description, Required: n.Required, Deprecated: n.Deprecated, ReadOnly: n.ReadOnly,
		WriteOnly: n.WriteOnly, Nullable: n.Nullable, Enum: n.Enum, Combinator: n.Combinator,
		Cycle: n.Cycle, Truncated: n.Truncated, Role: n.Role,
	}
	v.Constraints = constraintViews(n.Constraints)
	for _, p := range n.Composed {
		v.Composed = append(v.Composed, av.SchemaPart{Label: p.Label, URL: links.url(p.Model)})
	}
	if d := n.Discriminator; d != nil {
		v.Discriminator = &av.Discriminator{PropertyName: d.PropertyName}
		for _, m := range d.Mapping {
			v.Discriminator.Mapping = append(v.Discriminator.Mapping, av.DiscriminatorMapping{
				Value: m.Value, Target: orString(m.Model, m.Ref), URL: links.url(m.Model),
			})
		}
	}
	v.Variants = schemaNodeViews(n.Variants, links)
	v.Children = schemaNodeViews(n.Children, links)
	return v
}

func schemaNodeViews(list []*openapi.SchemaNode, links *modelLinks) []*av.SchemaNode {
	if len(list) == 0 {
		return nil
	}
	out := make([]*av.SchemaNode, 0, len(list))
	for _, c := range list {
		if cv := schemaNodeView(c, links); cv != nil {
			out = append(out, cv)
		}
	}
	return out
}

func orString(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func headerViews(list []openapi.Header, links *modelLinks) []av.ResponseHeader {
	var out []av.ResponseHeader
	for _, h := range list {
		out = append(out, av.ResponseHeader{
			Name: h.Name, Description: h.Description, Required: h.Required, Deprecated: h.Deprecated,
			Schema: schemaNodeView(h.Schema, links),
		})
	}
	return out
}

// linkViews copies a response's links; a link naming an operationId
// points at that operation's anchor on the page (an unknown id leads
// nowhere, as a broken in-page anchor does).
func linkViews(list []openapi.Link) []av.ResponseLink {
	var out []av.ResponseLink
	for _, l := range list {
		v := av.ResponseLink{Name: l.Name, OperationID: l.OperationID, OperationRef: l.OperationRef, Description: l.Description, RequestBody: l.RequestBody}
		if anchorSafe.MatchString(l.OperationID) {
			v.OperationURL = "#op-" + l.OperationID
		}
		for _, p := range l.Parameters {
			v.Parameters = append(v.Parameters, av.LinkParameter(p))
		}
		out = append(out, v)
	}
	return out
}

// anchorSafe is an operationId the page uses as its operation's key.
var anchorSafe = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,200}$`)

func constraintViews(list []openapi.Constraint) []av.Constraint {
	var out []av.Constraint
	for _, c := range list {
		out = append(out, av.Constraint(c))
	}
	return out
}

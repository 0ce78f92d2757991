package apidocs

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	av "github.com/porticohq/portico/views/apidocs"
	"github.com/porticohq/portico/web"
)

// GraphQLEndpointAnnotation names the URL a GraphQL API's query runner
// sends queries to, unless apiDocs.graphql.endpoints names one for the
// entity (GraphQLSettings). Without either, the first metadata.links entry
// of type "graphql-endpoint" is used. The browser never sends a URL.
const GraphQLEndpointAnnotation = "portico.dev/graphql-endpoint"

// graphQLEndpointLinkType is the metadata.links type that names a GraphQL
// endpoint when the annotation is absent.
const graphQLEndpointLinkType = "graphql-endpoint"

// GraphQLEndpoint is where an API entity's GraphQL queries go, "" when
// it names none.
func GraphQLEndpoint(e *catalog.Entity) string {
	if u := strings.TrimSpace(e.Metadata.Annotations[GraphQLEndpointAnnotation]); u != "" {
		return u
	}
	for _, l := range e.Metadata.Links {
		if strings.EqualFold(l.Type, graphQLEndpointLinkType) {
			return l.URL
		}
	}
	return ""
}

const defaultGraphQLQuery = "{\n  __typename\n}\n"

// graphQLRunView is the runner of a GraphQL API's page (nil for other
// types).
func (h *Handler) graphQLRunView(c *echo.Context, d *apiDef) *av.GraphQLRunView {
	if !strings.EqualFold(d.typ, "graphql") {
		return nil
	}
	v := &av.GraphQLRunView{BaseURL: DefinitionURL(d.ref), CSRFToken: h.opts.Page(c, "").CSRFToken, Query: defaultGraphQLQuery}
	v.Endpoint = h.graphql[d.ref.Key()]
	if v.Endpoint == "" {
		v.Endpoint = GraphQLEndpoint(d.entity)
	}
	switch {
	case !h.proxy.policy.Enabled:
		v.Note = "Try it out is switched off on this portal."
	case v.Endpoint == "":
		v.Note = "This API names no GraphQL endpoint: add the annotation " + GraphQLEndpointAnnotation +
			" (or a metadata.links entry of type " + graphQLEndpointLinkType + ") to " + d.ref.String() +
			", or an entry for it in the portal's apiDocs.graphql.endpoints."
	}
	return v
}

// graphqlRun sends a query and its variables to the API's endpoint
// through the try-it proxy and shows the answer in the response panel.
func (h *Handler) graphqlRun(c *echo.Context) error {
	d, err := h.tryAPI(c)
	if err != nil {
		return err
	}
	run := h.graphQLRunView(c, d)
	if run == nil {
		return echo.NewHTTPError(http.StatusNotFound, d.ref.String()+" is not a GraphQL API")
	}
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, h.proxy.policy.MaxRequestBytes+64<<10)
	if err := r.ParseForm(); err != nil {
		return h.graphQLResult(c, d, run, av.ResultView{Key: "graphql", Error: "The form could not be read (is the query larger than the limit?)."})
	}
	run.Query, run.Variables = r.PostForm.Get("query"), r.PostForm.Get("variables")
	if run.Note != "" {
		return h.graphQLResult(c, d, run, av.ResultView{Key: "graphql", Error: run.Note})
	}
	if !h.proxy.limiter.allow(h.opts.UserKey(c)) {
		return h.graphQLResult(c, d, run, av.ResultView{Key: "graphql", Error: "Too many calls: wait a minute and try again."})
	}
	call, err := graphQLCall(run.Endpoint, run.Query, run.Variables, r.PostForm.Get("operationName"), h.proxy.policy.MaxRequestBytes)
	if err != nil {
		return h.graphQLResult(c, d, run, av.ResultView{Key: "graphql", Error: err.Error()})
	}
	res := h.proxy.Send(r.Context(), call)
	h.log.Info("graphql query", "entity", d.ref.String(), "host", call.URL.Host, "status", res.Status, "refused", res.Refused, "duration", res.Duration)
	return h.graphQLResult(c, d, run, resultView("graphql", res))
}

// graphQLCall builds the POST of a GraphQL-over-HTTP request.
func graphQLCall(endpoint, query, variables, operationName string, maxBody int64) (*Call, error) {
	u, err := endpointURL("GraphQL endpoint", endpoint)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(query) == "" {
		return nil, badInput("write a query")
	}
	body := map[string]any{"query": query}
	if v := strings.TrimSpace(variables); v != "" {
		var vars map[string]any
		dec := json.NewDecoder(strings.NewReader(v))
		dec.UseNumber()
		if err := dec.Decode(&vars); err != nil || dec.More() {
			return nil, badInput("the variables must be one JSON object, like {\"id\": \"1\"}")
		}
		body["variables"] = vars
	}
	if operationName = strings.TrimSpace(operationName); operationName != "" {
		body["operationName"] = operationName
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return nil, badInput("the query cannot be encoded: %v", err)
	}
	if int64(buf.Len()) > maxBody {
		return nil, badInput("the request is %d bytes; the limit is %d", buf.Len(), maxBody)
	}
	return &Call{Method: http.MethodPost, URL: u, HasBody: true, Body: strings.TrimSuffix(buf.String(), "\n"), Header: [][2]string{
		{"Content-Type", "application/json"}, {"Accept", "application/graphql-response+json, application/json"},
	}}, nil
}

// graphQLResult renders the response panel (htmx) or, without
// JavaScript, the whole page with the runner holding its result.
func (h *Handler) graphQLResult(c *echo.Context, d *apiDef, run *av.GraphQLRunView, r av.ResultView) error {
	if web.IsPartial(c.Request()) {
		return web.Render(c, http.StatusOK, av.TryResult(r))
	}
	run.Result = &r
	v := h.baseView(d)
	v.GraphQL = run
	ref := d.reference()
	return h.renderDefinition(c, d, v, func(v av.DefinitionView) templ.Component { return av.ReferencePage(v, ref) })
}

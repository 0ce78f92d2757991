package e2e

import (
	"fmt"
	"strings"
)

// writeAPIs writes apis.yaml and the definitions it reads: one OpenAPI
// definition with payload i in operation i and in every list a definition
// has (servers, tags, security schemes), one small definition per run of
// payloads for the fields a definition has once (info, external docs), and
// AsyncAPI,
// GraphQL and gRPC definitions, which are shown raw.
//
// The second version (second) adds an operation to each xss-info
// definition and changes xss-changes, so the change history has a diff to
// show for each.
func (c *xssCatalog) writeAPIs(second bool) {
	c.t.Helper()
	n := len(xssPayloads)
	api := func(name, typ string, definition any) m {
		return entity("API", name, m{"title": "API " + name},
			m{"type": typ, "lifecycle": "production", "owner": "team-xss", "definition": definition})
	}
	apis := []m{api("xss-openapi", "openapi", m{"$text": "./openapi.json"}), api("xss-openapi31", "openapi", m{"$text": "./openapi31.json"})}
	c.write("openapi.json", jsonText(c.t, xssOpenAPI(c.upstream)))
	c.write("openapi31.json", jsonText(c.t, xssOpenAPI31()))
	for r, run := range xssRuns(urlBudget, nil) {
		def := xssInfoOpenAPI(run)
		if second {
			def["paths"].(m)["/pong"] = m{"get": m{"operationId": "pong", "responses": m{"200": m{"description": "ok"}}}}
		}
		apis = append(apis, api(fmt.Sprintf("xss-info-%02d", r), "openapi", jsonText(c.t, def)))
	}
	changes := api("xss-changes", "openapi", jsonText(c.t, xssChangesOpenAPI(second)))
	changes["spec"].(m)["owner"] = xssChangesOwner()
	apis = append(apis, changes)
	var async, graphql, grpc strings.Builder
	q := func(place string, i int) string { return strings.TrimSpace(jsonText(c.t, placed(place, i))) }
	async.WriteString("asyncapi: 2.6.0\ninfo:\n  title: XSS events\n  version: '1'\nchannels:\n")
	graphql.WriteString("type Query {\n")
	grpc.WriteString("syntax = \"proto3\";\npackage xss;\n")
	for i := range n {
		// AsyncAPI: the channel's address (its key), description and
		// parameter; the operation's summary; the message's name, title,
		// summary, payload property and its description.
		fmt.Fprintf(&async, "  %s:\n    description: %s\n    parameters:\n      p: {description: %s}\n", q("ak", i), q("aa", i), q("ap", i))
		fmt.Fprintf(&async, "    subscribe:\n      operationId: o%02d\n      summary: %s\n      message:\n        name: %s\n        title: %s\n        summary: %s\n", i, q("ao", i), q("an", i), q("at", i), q("as", i))
		fmt.Fprintf(&async, "        payload: {type: object, properties: {%s: {type: string, description: %s}}}\n", q("aq", i), q("ad", i))
		// GraphQL: a comment, a description and a deprecation reason.
		fmt.Fprintf(&graphql, "  # %s\n  %s\n  f%02d(a: String = %s): String @deprecated(reason: %s)\n", oneLine(placed("ag", i)), q("gd", i), i, q("gv", i), q("gr", i))
		// gRPC: comments of a message, a field, a service and an RPC.
		fmt.Fprintf(&grpc, "// %s\nmessage M%02d {\n  // %s\n  string s = 1;\n}\n", oneLine(placed("ar", i)), i, oneLine(placed("rf", i)))
		fmt.Fprintf(&grpc, "// %s\nservice S%02d {\n  // %s\n  rpc R(M%02d) returns (stream M%02d);\n}\n", oneLine(placed("rs", i)), i, oneLine(placed("rm", i)), i, i)
	}
	graphql.WriteString("}\n")
	apis = append(apis, api("xss-asyncapi", "asyncapi", async.String()),
		api("xss-graphql", "graphql", graphql.String()), api("xss-grpc", "grpc", grpc.String()))
	c.write("apis.yaml", docs(c.t, apis...))
}

// oneLine keeps a payload on one line of a comment.
func oneLine(s string) string { return strings.NewReplacer("\n", " ", "\r", " ").Replace(s) }

// xssInfoOpenAPI carries the run's payloads in the fields a definition has
// once.
func xssInfoOpenAPI(run []int) m {
	return m{
		"openapi": "3.0.3",
		"info": m{
			"title": packed("it", run), "version": packed("iv", run), "description": packed("id", run),
		},
		"externalDocs": m{"url": placedURL("iu", run[0]), "description": packed("ie", run)},
		"paths":        m{"/ping": m{"get": m{"operationId": "ping", "responses": m{"200": m{"description": "ok"}}}}},
	}
}

// xssOpenAPI is the definition with payload i in operation i, server i,
// tag i and security scheme i. Its first server is the try-it upstream,
// whose answers carry payloads too.
func xssOpenAPI(upstream string) m {
	n := len(xssPayloads)
	var desc strings.Builder
	servers := []m{{"url": upstream + "/up", "description": "the suite's upstream"}}
	tags := []m{}
	schemes := m{}
	paths := m{}
	for i := range n {
		desc.WriteString(placed("md", i) + "\n\n")
		servers = append(servers, m{
			"url":         "https://api.example.com/" + token("su", i) + "/{v}",
			"description": placed("sd", i),
			"variables": m{"v": m{
				"default": placed("wd", i), "enum": []string{placed("wd", i), placed("we", i)}, "description": placed("wx", i),
			}},
		})
		tag := placed("tn", i)
		tags = append(tags, m{"name": tag, "description": placed("td", i)})
		scheme := placed("sn", i)
		schemes[scheme] = m{"type": "apiKey", "in": "header", "name": "X-Key-" + token("sp", i), "description": placed("sc", i)}
		paths[fmt.Sprintf("/items/%s/{id}", token("pp", i))] = m{"post": xssOperation(i, tag, scheme)}
	}
	return m{
		"openapi":    "3.0.3",
		"info":       m{"title": "XSS definition", "version": "1", "description": desc.String()},
		"servers":    servers,
		"tags":       tags,
		"paths":      paths,
		"components": m{"securitySchemes": schemes},
	}
}

// xssOpenAPI31 carries payload i in what the schema view, examples,
// callbacks, webhooks and models show: schema constraints (a parameter's
// pattern, which also becomes its try-it field's pattern attribute, and
// default; a model property's const, 3.1 examples, a patternProperties
// pattern and a pattern under it), a response header's description and
// pattern, a link's operationId, description and parameter, model i's name
// and description, the
// discriminator's property and mapped value, a oneOf variant's title, a
// named example's name, summary, description and value, a callback's name,
// expression and summary, and webhook i's name and summary.
func xssOpenAPI31() m {
	paths, webhooks, schemas := m{}, m{}, m{}
	for i := range xssPayloads {
		model := fmt.Sprintf("M%02d", i)
		schemas[placed("mq", i)] = m{"type": "object", "description": placed("mz", i), "properties": m{
			"c": m{"const": placed("kb", i)}, "e": m{"type": "string", "examples": []string{placed("ke", i)}},
			"p": m{"type": "object", "patternProperties": m{placed("kf", i): m{"type": "string", "pattern": placed("ko", i)}}},
		}}
		schemas[model] = m{"allOf": []m{{"$ref": "#/components/schemas/Base"}, {"type": "object", "title": placed("vt", i)}}}
		paths[fmt.Sprintf("/w/%02d", i)] = m{"post": m{
			"operationId": fmt.Sprintf("w%02d", i),
			"parameters": []m{{"name": "q", "in": "query", "schema": m{"type": "string"}, "examples": m{
				placed("en", i): m{"summary": placed("es", i), "description": placed("eo", i), "value": placed("ev", i)},
			}}, {"name": "r", "in": "query", "schema": m{"type": "string", "pattern": placed("ka", i), "default": placed("kc", i)}}},
			"callbacks": m{placed("cn", i): m{placed("ce", i): m{"post": m{
				"summary": placed("cs", i), "responses": m{"200": m{"description": "ok"}},
			}}}},
			"responses": m{"200": m{"description": "ok",
				"headers": m{"X-" + token("kh", i): m{"description": placed("kg", i), "schema": m{"type": "string", "pattern": placed("kn", i)}}},
				"links":   m{"l": m{"operationId": placed("kl", i), "description": placed("kl", i), "parameters": m{"p": placed("km", i)}}},
				"content": m{"application/json": m{"schema": m{
					"oneOf":         []m{{"$ref": "#/components/schemas/" + model}, {"type": "object", "title": placed("vt", i)}},
					"discriminator": m{"propertyName": placed("dq", i), "mapping": m{placed("dw", i): "#/components/schemas/" + model}},
				}}}}},
		}}
		webhooks[placed("wk", i)] = m{"post": m{"summary": placed("wq", i), "responses": m{"200": m{"description": "ok"}}}}
	}
	schemas["Base"] = m{"type": "object", "properties": m{"kind": m{"type": "string"}}}
	return m{
		"openapi":    "3.1.0",
		"info":       m{"title": "XSS 3.1 definition", "version": "1"},
		"paths":      paths,
		"webhooks":   webhooks,
		"components": m{"schemas": schemas},
	}
}

// xssOperation is operation i: payload i in its texts, its parameters,
// its body and its responses.
func xssOperation(i int, tag, scheme string) m {
	schema := m{
		"type": "object", "title": placed("sh", i), "description": placed("sk", i),
		"properties": m{placed("sf", i): m{
			"type": "string", "description": placed("sv", i), "enum": []string{placed("se", i)},
			"format": placed("so", i), "example": placed("sz", i),
		}},
	}
	return m{
		"operationId":  placed("oi", i),
		"summary":      placed("os", i),
		"description":  placed("od", i),
		"tags":         []string{tag},
		"externalDocs": m{"url": placedURL("ou", i), "description": placed("ox", i)},
		"security":     []m{{scheme: []string{}}},
		"parameters": []m{
			{"name": "id", "in": "path", "required": true, "schema": m{"type": "string"}, "example": placed("pe", i)},
			{"name": placed("pn", i), "in": "query", "description": placed("pd", i), "example": placed("px", i),
				"schema": m{"type": "string", "title": placed("pt", i), "enum": []string{placed("pv", i), "plain"}}},
			{"name": "X-" + token("ph", i), "in": "header", "example": oneLine(placed("hx", i)), "schema": m{"type": "string"}},
		},
		"requestBody": m{"content": m{"application/json": m{
			"schema": schema, "example": m{"k": placed("be", i)},
		}}},
		"responses": m{"200": m{
			"description": placed("rd", i),
			"content":     m{"application/json": m{"schema": schema, "example": m{"html": placed("re", i)}}},
		}},
	}
}

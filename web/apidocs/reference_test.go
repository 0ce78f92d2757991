package apidocs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico/catalog"
	av "github.com/porticohq/portico/views/apidocs"
)

func catalogTestdata(tb testing.TB, pkg, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "catalog", pkg, "testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func texts(sel *goquery.Selection) []string {
	var out []string
	sel.Each(func(_ int, s *goquery.Selection) { out = append(out, strings.TrimSpace(s.Text())) })
	return out
}

// itemKinds lists "kind name" of a section's items.
func itemKinds(doc *goquery.Document, section string) []string {
	var out []string
	doc.Find("section#" + section).ChildrenFiltered("[data-testid=ref-item]").Each(func(_ int, s *goquery.Selection) {
		kind, _ := s.Attr("data-kind")
		out = append(out, kind+" "+strings.TrimSpace(s.ChildrenFiltered("header").Find("[data-testid=ref-item-name]").Text()))
	})
	return out
}

func TestReferencePageShowsAsyncAPIStructured(t *testing.T) {
	r := newRig(t, Options{Policy: enabled()},
		testAPI{name: "lights26", typ: "asyncapi", definition: catalogTestdata(t, "asyncapi", "streetlights-mqtt-2.6.yml")},
		testAPI{name: "lights30", typ: "asyncapi", definition: catalogTestdata(t, "asyncapi", "streetlights-mqtt-3.0.yml")},
	)
	page := r.doc(t, "GET", "/catalog/default/api/lights30/definition", nil, false)
	if got := page.Find("[data-testid=api-format]").Text(); got != "AsyncAPI 3.0.0" {
		t.Errorf("format %q", got)
	}
	if page.Find("[data-testid=raw-definition]").Length() != 0 {
		t.Error("the AsyncAPI definition is still shown as raw text")
	}
	want := []string{"receive receiveLightMeasurement", "send turnOn", "send turnOff", "send dimLight"}
	if diff := cmp.Diff(want, itemKinds(page, "operations")); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{" lightingMeasured", " lightTurnOn", " lightTurnOff", " lightsDim"}, itemKinds(page, "channels")); diff != "" {
		t.Errorf("channels (-want +got):\n%s", diff)
	}
	op := page.Find("#operation-receiveLightMeasurement")
	if sig := op.ChildrenFiltered("[data-testid=ref-signature]").Text(); sig != "smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured" {
		t.Errorf("operation address %q", sig)
	}
	if href, _ := op.Find("a[href='#channel-lightingMeasured']").Attr("href"); href == "" {
		t.Error("operation does not link to its channel")
	}
	msg := op.Find("[data-kind=message]")
	schemas := texts(msg.Find("[data-testid=schema]"))
	if len(schemas) != 2 || !strings.Contains(schemas[0], "my-app-header") || !strings.Contains(schemas[1], "lumens") || !strings.Contains(schemas[1], "date-time") {
		t.Errorf("message headers and payload: %q", schemas)
	}
	if !strings.Contains(op.Find("[data-testid=ref-data]").Text(), "qos: 1") {
		t.Error("operation binding not shown")
	}
	ch := page.Find("#channel-lightingMeasured")
	if ch.Find("a[href='#message-lightMeasured']").Length() != 1 {
		t.Error("channel does not link to its message")
	}
	if !strings.Contains(ch.Find("[data-testid=ref-table]").Text(), "streetlightId") {
		t.Error("channel parameters not shown")
	}
	server := page.Find("#server-production")
	if k, _ := server.Attr("data-kind"); k != "mqtt" || !strings.Contains(server.Find("[data-testid=ref-table]").Text(), "8883") {
		t.Errorf("server protocol %q / variables not shown", k)
	}
	if page.Find("#security-supportedOauthFlows [data-testid=ref-table]").Length() != 4 {
		t.Error("oauth2 flows' scopes not shown")
	}
	if sidebar := page.Find("[data-testid=reference-sidebar] a[href='#operation-turnOn']"); sidebar.Length() != 1 {
		t.Error("sidebar does not list the operations")
	}

	old := r.doc(t, "GET", "/catalog/default/api/lights26/definition", nil, false)
	if got := itemKinds(old, "operations"); len(got) != 4 || got[0] != "publish receiveLightMeasurement" || got[1] != "subscribe turnOn" {
		t.Errorf("2.6 operations: %q", got)
	}
	if old.Find("section#channels [data-testid=ref-signature]").Length() != 0 {
		t.Error("2.x channel keys are addresses: not repeated as a signature")
	}
}

func TestReferencePageShowsGraphQLStructured(t *testing.T) {
	r := newRig(t, Options{Policy: enabled()},
		testAPI{name: "swapi", typ: "graphql", definition: catalogTestdata(t, "graphqldef", "swapi.graphql")},
		testAPI{name: "broken", typ: "graphql", definition: "type Query {\n  a: String\n  b String\n}"},
	)
	page := r.doc(t, "GET", "/catalog/default/api/swapi/definition", nil, false)
	film := page.Find("#query-film")
	if sig := film.Find("[data-testid=ref-signature]").Text(); sig != "film(id: ID, filmID: ID): Film" {
		t.Errorf("film signature %q", sig)
	}
	if film.Find("a[href='#type-Film']").Length() == 0 {
		t.Error("query does not link to its return type")
	}
	ty := page.Find("#type-Film")
	if k, _ := ty.Attr("data-kind"); k != "object" || !strings.Contains(ty.Text(), "A single film.") {
		t.Errorf("Film type: kind %q", k)
	}
	if rows := ty.Find("[data-testid=ref-table] tbody tr").Length(); rows < 10 {
		t.Errorf("Film lists %d fields", rows)
	}
	// SWAPI's 60-odd items span two pages: the page shows its own, the
	// sidebar lists all, and links reach items on the other page.
	if n := page.Find("[data-testid=reference-items] > section > [data-testid=ref-item]").Length(); n != av.ItemsPerPage {
		t.Errorf("page 1 shows %d items, want %d", n, av.ItemsPerPage)
	}
	total := page.Find("[data-testid=reference-sidebar] a").Length()
	if total <= av.ItemsPerPage || page.Find("[data-testid=reference-pager]").Length() == 0 {
		t.Errorf("sidebar lists %d items, no pager", total)
	}
	href := ty.Find("a:contains('Node')").AttrOr("href", "")
	if href != "?page=2#type-Node" {
		t.Fatalf("Film links to its interface at %q", href)
	}
	page2 := r.doc(t, "GET", "/catalog/default/api/swapi/definition"+strings.TrimSuffix(href, "#type-Node"), nil, false)
	if page2.Find("#type-Node").AttrOr("data-kind", "") != "interface" {
		t.Error("Node interface not on page 2")
	}
	if page2.Find("#type-Film").Length() != 0 || page2.Find("[data-testid=reference-sidebar] a[href='?page=1#type-Film']").Length() != 1 {
		t.Error("page 2 should link back to Film on page 1, not show it")
	}

	bad := r.doc(t, "GET", "/catalog/default/api/broken/definition", nil, false)
	if pos := bad.Find("[data-testid=definition-error-position]").Text(); pos != "line 3, column 5" {
		t.Errorf("error position %q", pos)
	}
	if !strings.Contains(bad.Find("[data-testid=definition-error-message]").Text(), "broken.graphql") {
		t.Error("error does not name the file")
	}
}

func TestReferencePageShowsGRPCStructured(t *testing.T) {
	r := newRig(t, Options{Policy: enabled()},
		testAPI{name: "hello", typ: "grpc", definition: catalogTestdata(t, "grpcdef", "helloworld.proto")},
		testAPI{name: "routes", typ: "grpc", definition: catalogTestdata(t, "grpcdef", "route_guide.proto")},
		testAPI{name: "imports", typ: "grpc", definition: "syntax = \"proto3\";\nimport \"acme/money.proto\";\n"},
	)
	page := r.doc(t, "GET", "/catalog/default/api/hello/definition", nil, false)
	rpc := page.Find("#rpc-Greeter-SayHello")
	if sig := rpc.Find("[data-testid=ref-signature]").Text(); sig != "rpc SayHello(helloworld.HelloRequest) returns (helloworld.HelloReply)" {
		t.Errorf("signature %q", sig)
	}
	if rpc.Find("a[href='#message-HelloRequest']").Length() != 1 || !strings.Contains(rpc.Text(), "Sends a greeting") {
		t.Error("rpc does not link its request or show its comment")
	}
	if !strings.Contains(page.Find("#message-HelloRequest").Text(), "The request message containing the user's name.") {
		t.Error("message comment not shown")
	}

	routes := r.doc(t, "GET", "/catalog/default/api/routes/definition", nil, false)
	var kinds []string
	routes.Find("[data-testid=reference-section]").First().Find("[data-testid=ref-item]").Each(func(_ int, s *goquery.Selection) {
		kinds = append(kinds, s.AttrOr("data-kind", ""))
	})
	if diff := cmp.Diff([]string{"rpc", "server streaming", "client streaming", "bidi streaming"}, kinds); diff != "" {
		t.Errorf("streaming kinds (-want +got):\n%s", diff)
	}

	bad := r.doc(t, "GET", "/catalog/default/api/imports/definition", nil, false)
	msg := bad.Find("[data-testid=definition-error-message]").Text()
	if !strings.Contains(msg, "imports.proto") || !strings.Contains(msg, `"acme/money.proto"`) || !strings.Contains(msg, "line 2") {
		t.Errorf("import error %q does not name the file, line and import", msg)
	}
}

const xssScript = `<script>alert(1)</script>`

func TestReferencePagesEscapeNamesAndSanitizeDescriptions(t *testing.T) {
	async := `asyncapi: 3.0.0
info:
  title: "T <img src=x onerror=alert(1)>"
  version: "1"
  description: "Intro <script>alert(1)</script> [click](javascript:alert(1)) <a href=\"https://ok.example\" onclick=\"alert(1)\">ok</a>"
channels:
  "c<svg onload=alert(1)>":
    address: "a/<script>alert(1)</script>"
    description: "<iframe src=https://evil.example></iframe>"
    parameters:
      "p<b>": {description: "<script>alert(1)</script>"}
operations:
  "o<script>alert(1)</script>":
    action: send
    channel: {$ref: "#/channels/c<svg onload=alert(1)>"}
    messages:
      - payload: {type: object, properties: {"x<script>alert(1)</script>": {type: string, description: "<script>alert(1)</script>"}}}
`
	gql := "\"\"\"Root <script>alert(1)</script> [x](javascript:alert(1))\"\"\"\ntype Query {\n  \"\"\"<img src=x onerror=alert(1)>\"\"\"\n  a(\"\"\"<script>alert(1)</script>\"\"\" x: String = \"<script>alert(1)</script>\"): String @deprecated(reason: \"<script>alert(1)</script>\")\n}\n"
	proto := "syntax = \"proto3\";\n// <script>alert(1)</script> [x](javascript:alert(1))\nservice S {\n  // <img src=x onerror=alert(1)>\n  rpc M(R) returns (R);\n}\n// <script>alert(1)</script>\nmessage R { string a = 1; // <svg onload=alert(1)>\n}\n"
	r := newRig(t, Options{Policy: enabled()},
		testAPI{name: "async", typ: "asyncapi", definition: async},
		testAPI{name: "gql", typ: "graphql", definition: gql},
		testAPI{name: "proto", typ: "grpc", definition: proto},
	)
	for name, shown := range map[string]string{"async": "a/" + xssScript, "gql": "deprecated: " + xssScript, "proto": ""} {
		t.Run(name, func(t *testing.T) {
			page := r.doc(t, "GET", "/catalog/default/api/"+name+"/definition", nil, false)
			items := page.Find("[data-testid=api-definition]")
			if items.Find("[data-testid=ref-item]").Length() == 0 {
				t.Fatalf("nothing rendered: %s", truncate(items.Text(), 300))
			}
			if n := items.Find("script, img, svg, iframe, [onerror], [onload], [onclick]").Length(); n != 0 {
				t.Errorf("%d active elements from the definition reached the page", n)
			}
			items.Find("a").Each(func(_ int, a *goquery.Selection) {
				if h := a.AttrOr("href", ""); strings.HasPrefix(strings.ToLower(h), "javascript:") {
					t.Errorf("javascript: link %q", h)
				}
			})
			if !strings.Contains(items.Text(), shown) {
				t.Errorf("%q (a name, not Markdown) should be shown as text", shown)
			}
		})
	}
}

func TestReferenceItemsListsSearchableItems(t *testing.T) {
	ctx := context.Background()
	items := ReferenceItems(ctx, "grpc", "hello", []byte(catalogTestdata(t, "grpcdef", "helloworld.proto")))
	var got []string
	for _, it := range items {
		got = append(got, it.Kind+" "+it.Name+" "+it.Anchor)
	}
	want := []string{"rpc SayHello #rpc-Greeter-SayHello", "message HelloRequest #message-HelloRequest", "message HelloReply #message-HelloReply"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("grpc items (-want +got):\n%s", diff)
	}
	async := ReferenceItems(ctx, "AsyncAPI", "x", []byte(catalogTestdata(t, "asyncapi", "streetlights-mqtt-3.0.yml")))
	if len(async) == 0 || async[0].Name != "receiveLightMeasurement" || async[0].Summary == "" || async[0].Signature == "" {
		t.Errorf("asyncapi items: %+v", async)
	}
	if ReferenceItems(ctx, "openapi", "x", []byte("openapi: 3.0.0")) != nil {
		t.Error("OpenAPI is indexed by the operation index, not here")
	}
}

// BenchmarkReferenceView measures reading a definition into the view on
// each page request (no cache): go test -run - -bench ReferenceView ./web/apidocs
func BenchmarkReferenceView(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct{ typ, pkg, file string }{
		{"asyncapi", "asyncapi", "streetlights-mqtt-3.0.yml"},
		{"graphql", "graphqldef", "swapi.graphql"},
		{"grpc", "grpcdef", "route_guide.proto"},
	} {
		data := []byte(catalogTestdata(b, bc.pkg, bc.file))
		b.Run(bc.typ, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if v := referenceView(ctx, bc.typ, "x", data); v.Error != nil {
					b.Fatal(v.Error.Message)
				}
			}
		})
	}
}

func TestReferenceErrorsNameTheDefinitionFile(t *testing.T) {
	for _, tc := range []struct{ loc, want string }{
		{"", "orders"},
		{"file:/srv/catalog/protos/orders-v1.proto", "orders-v1"},
		{"url:https://example.com/x/orders.graphql?ref=main", "orders"},
		{"file:/", "orders"},
	} {
		d := &apiDef{ref: catalog.Ref{Kind: "API", Namespace: "default", Name: "orders"}, entity: &catalog.Entity{}}
		if tc.loc != "" {
			d.entity.Metadata.Annotations = map[string]string{catalog.AnnotationDefinitionLocation: tc.loc}
		}
		if got := d.fileName(); got != tc.want {
			t.Errorf("%q: file name %q, want %q", tc.loc, got, tc.want)
		}
	}
}

func TestReferenceSidebarFilterWorksWithoutJavaScript(t *testing.T) {
	r := newRig(t, Options{Policy: enabled()},
		testAPI{name: "swapi", typ: "graphql", definition: catalogTestdata(t, "graphqldef", "swapi.graphql")},
	)
	page := r.doc(t, "GET", "/catalog/default/api/swapi/definition?q=STARSHIP", nil, false)
	if v := page.Find("[data-testid=reference-filter]").AttrOr("value", ""); v != "starship" {
		t.Errorf("filter box keeps %q", v)
	}
	var names []string
	page.Find("[data-testid=reference-items] [data-testid=ref-item-name]").Each(func(_ int, s *goquery.Selection) {
		names = append(names, s.Text())
	})
	if len(names) < 5 {
		t.Fatalf("matches %q", names)
	}
	for _, n := range names {
		if !strings.Contains(strings.ToLower(n), "starship") && n != "allStarships" {
			// Items match by name, signature or kind.
			sig := page.Find("[data-testid=ref-item]:has([data-testid=ref-item-name]:contains('" + n + "'))").First().Find("[data-testid=ref-signature]").Text()
			if !strings.Contains(strings.ToLower(sig), "starship") {
				t.Errorf("%s shown but does not match", n)
			}
		}
	}
	if got := page.Find("[data-testid=reference-sidebar] a[href^='#']").Length(); got != len(names) {
		t.Errorf("sidebar lists %d, page shows %d", got, len(names))
	}
	if page.Find("[data-testid=reference-pager]").Length() != 0 || !strings.Contains(page.Find("[data-testid=reference-filter-result]").Text(), "matches") {
		t.Error("filtered page shows the pager or no match count")
	}
	// A link from a match to a type it does not keep leaves the filter.
	if page.Find("[data-testid=reference-items] a[href^='?page=']").Length() == 0 {
		t.Error("links to items outside the filter should name their page")
	}
}

// TestItemAnchorsNameTheItemsPage: an item or section past the first
// page is linked with the page it is on, as the Definition tab pages it.
func TestItemAnchorsNameTheItemsPage(t *testing.T) {
	var sdl strings.Builder
	sdl.WriteString("type Query {\n")
	for i := range av.ItemsPerPage + 5 {
		fmt.Fprintf(&sdl, "  q%d: Int\n", i)
	}
	sdl.WriteString("}\ntype Mutation { m: Int }\ntype Film { id: ID }\n")
	got := ItemAnchors(context.Background(), "graphql", []byte(sdl.String()))
	for key, want := range map[string]string{
		"object Query":    "#queries",
		"object Mutation": "?page=2#mutations",
		"object Film":     "?page=2#type-Film",
	} {
		if got[key] != want {
			t.Errorf("%s: %q, want %q", key, got[key], want)
		}
	}
	if got := ItemAnchors(context.Background(), "openapi", []byte("openapi: 3.0.0")); got != nil {
		t.Errorf("OpenAPI anchors: %v", got)
	}
	if got := ItemAnchors(context.Background(), "graphql", []byte("type {")); got != nil {
		t.Errorf("anchors of an unreadable schema: %v", got)
	}
}

package apidocs

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"

	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/openapi/openapitest"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog/openapi"
	av "github.com/porticohq/portico/views/apidocs"
)

func TestDefinitionPageRendersEveryOperation(t *testing.T) {
	tests := []struct {
		name string
		def  func(testing.TB) string
	}{
		{"swagger2", func(tb testing.TB) string { return testdata(tb, "swagger2.yaml") }},
		{"oas30", func(tb testing.TB) string { return testdata(tb, "oas30.json") }},
		{"oas31", func(tb testing.TB) string { return testdata(tb, "oas31.yaml") }},
		{"threescale", sharedFixture},
		{"github", func(tb testing.TB) string { return string(openapitest.GitHubSpec(tb)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := tt.def(t)
			r := newRig(t, Options{Policy: enabled(), Limits: openapi.Limits{Timeout: time.Minute}}, testAPI{name: tt.name, definition: def})
			sum := summaryOf(t, def)
			want := openapitest.CountOperations(t, []byte(def))
			if len(sum.Operations) != want {
				t.Errorf("Summarize lists %d operations, the definition has %d", len(sum.Operations), want)
			}
			base := "/catalog/default/api/" + tt.name + "/definition"
			// Operations are listed a chunk of OperationsPerChunk at a time;
			// without JavaScript, ?page= walks through them.
			ids := map[string]bool{}
			for p := 1; p == 1 || len(ids) < want; p++ {
				page := r.doc(t, "GET", fmt.Sprintf("%s?page=%d", base, p), nil, false)
				n := page.Find("details.op").Length()
				if n == 0 || n > av.OperationsPerChunk {
					t.Fatalf("page %d lists %d operations", p, n)
				}
				page.Find("details.op").Each(func(_ int, op *goquery.Selection) {
					id, _ := op.Attr("id")
					if id == "" || ids[id] {
						t.Errorf("operation id %q is empty or repeated", id)
					}
					ids[id] = true
				})
				if page.Find("[data-testid=operation-details]").Length() != 0 {
					t.Error("operation details rendered in the first response; they must load lazily")
				}
			}
			if len(ids) != want {
				t.Fatalf("%d operations on the pages, the definition has %d", len(ids), want)
			}
			for _, op := range sum.Operations {
				frag := r.doc(t, "GET", base+"/op/"+op.Key, nil, true)
				if frag.Find("[data-testid=operation-details]").Length() != 1 {
					t.Fatalf("%s: no details", op.Key)
				}
				if msg := frag.Find("[data-testid=operation-error],[data-testid=operation-loading]").Text(); msg != "" {
					t.Fatalf("%s: %s", op.Key, msg)
				}
			}
		})
	}
}

func TestDeepLinkQueryOpensTheOperationWithoutJS(t *testing.T) {
	r := newRig(t, Options{Policy: enabled()}, testAPI{name: "payments", definition: testdata(t, "oas30.json")})
	page := r.doc(t, "GET", "/catalog/default/api/payments/definition?op=createRefund", nil, false)
	open := page.Find("details.op[open]")
	if open.Length() != 1 {
		t.Fatalf("%d open operations, want 1", open.Length())
	}
	if id, _ := open.Attr("id"); id != "op-createRefund" {
		t.Errorf("open operation %q", id)
	}
	if open.Find("[data-testid=try-form]").Length() != 1 {
		t.Error("the open operation has no try-it form")
	}
	if !strings.Contains(open.Find("[data-testid=try-body]").Text(), "duplicate") {
		t.Errorf("body not prefilled with the example: %q", open.Find("[data-testid=try-body]").Text())
	}
	full := r.doc(t, "GET", "/catalog/default/api/payments/definition/op/createRefund", nil, false)
	if full.Find("details#op-createRefund[open]").Length() != 1 || full.Find("title").Length() != 1 {
		t.Error("the operation URL without htmx is not a full page with the operation open")
	}
}

func TestCyclicSpecRendersWithCycleMarkers(t *testing.T) {
	r := newRig(t, Options{Policy: enabled()}, testAPI{name: "cyclic", definition: testdata(t, "cyclic.yaml")})
	frag := r.doc(t, "GET", "/catalog/default/api/cyclic/definition/op/listNodes", nil, true)
	if frag.Find("[data-testid=schema-cycle]").Length() == 0 {
		t.Fatal("no ↻ cycle marker")
	}
}

func TestOversizedDefinitionSaysSo(t *testing.T) {
	big := `{"openapi":"3.0.3","info":{"title":"big","version":"1","description":"` + strings.Repeat("x", 3<<20) + `"},"paths":{}}`
	r := newRig(t, Options{Policy: enabled(), Limits: openapi.Limits{MaxBytes: 1 << 20}}, testAPI{name: "big", definition: big})
	page := r.doc(t, "GET", "/catalog/default/api/big/definition", nil, false)
	if msg := page.Find("[data-testid=definition-error]").Text(); !strings.Contains(msg, "larger than") {
		t.Fatalf("error %q", msg)
	}
}

// A definition kin-openapi cannot load (here a Swagger 2.0 null path item,
// which used to panic inside the library and show "internal error: runtime
// error") says why on the page itself, in the author's terms (issue 15).
// The same null in OpenAPI 3, which kin-openapi read as an empty path item
// (the page listed no operations for it and said nothing), says so too.
func TestUnloadableDefinitionSaysWhyOnThePage(t *testing.T) {
	const paths = "paths:\n  /ok:\n    get:\n      responses: {'200': {description: ok}}\n  /x: null\n"
	for name, head := range map[string]string{
		"swagger":   "swagger: '2.0'\ninfo: {title: t, version: '1'}\n",
		"openapi-3": "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n",
	} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, Options{Policy: enabled()}, testAPI{name: "nulls", definition: head + paths})
			page := r.doc(t, "GET", "/catalog/default/api/nulls/definition", nil, false)
			msg := page.Find("[data-testid=definition-load-error]").Text()
			if !strings.Contains(msg, `paths["/x"] is null`) || strings.Contains(msg, "runtime error") {
				t.Fatalf("load error %q, want the null named", msg)
			}
		})
	}
}

func TestRawDownloadAndNonOpenAPITypes(t *testing.T) {
	r := newRig(t, Options{Policy: enabled()},
		testAPI{name: "payments", definition: testdata(t, "oas30.json")},
		testAPI{name: "graph", typ: "graphql", definition: "type Query { pets: [Pet] }\n# <script>alert(1)</script>"},
		testAPI{name: "rpc", typ: "trpc", definition: "export const appRouter = router({}) // <script>alert(1)</script>"},
	)
	rec := r.do(t, "GET", "/catalog/default/api/payments/definition/raw", nil, false)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment;") || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("raw download: %d %v", rec.Code, rec.Header())
	}
	page := r.doc(t, "GET", "/catalog/default/api/payments/definition?view=raw", nil, false)
	if !strings.Contains(page.Find("[data-testid=raw-definition] pre").Text(), `"refunds"`) {
		t.Error("raw tab does not show the definition")
	}
	g := r.doc(t, "GET", "/catalog/default/api/graph/definition?view=raw", nil, false)
	code := g.Find("[data-testid=raw-definition] code.language-graphql")
	if !strings.Contains(code.Text(), "<script>alert(1)</script>") || g.Find("code script").Length() != 0 {
		t.Errorf("graphql definition not shown as escaped text on the raw tab")
	}
	// A type without a structured view is shown as raw text.
	tr := r.doc(t, "GET", "/catalog/default/api/rpc/definition", nil, false)
	if code := tr.Find("[data-testid=raw-definition] code.language-text"); !strings.Contains(code.Text(), "<script>alert(1)</script>") || tr.Find("code script").Length() != 0 {
		t.Errorf("trpc definition not shown as escaped raw text")
	}
}

func TestSearchListsOperationsBesideEntities(t *testing.T) {
	for _, driver := range stores(t) {
		t.Run(driver, func(t *testing.T) { testSearch(t, driver) })
	}
}

func testSearch(t *testing.T, driver string) {
	r := newRigOn(t, driver, Options{Policy: enabled()},
		testAPI{name: "payments", title: "Payments API", definition: testdata(t, "oas30.json")},
		testAPI{name: "petstore", definition: testdata(t, "swagger2.yaml")},
	)
	page := r.doc(t, "GET", "/search?q=refund", nil, false)
	hits := page.Find("[data-testid=operation-hit]")
	if hits.Length() != 1 {
		t.Fatalf("%d operation hits, want 1", hits.Length())
	}
	href, _ := hits.Find("a").First().Attr("href")
	if href != "/catalog/default/api/payments/definition?op=createRefund#op-createRefund" {
		t.Errorf("deep link %q", href)
	}
	page = r.doc(t, "GET", "/search?q=get+pet+inventories", nil, false)
	if n := page.Find("[data-testid=operation-hit]").Length(); n != 1 {
		t.Errorf("'get pet inventories': %d hits, want 1", n)
	}
	page = r.doc(t, "GET", "/search?q=payments", nil, false)
	if page.Find("[data-testid=search-entities] li").Length() == 0 {
		t.Error("no entity hit for 'payments'")
	}
}

// TestSearchFollowsAChangedDefinition checks the index's reuse of unchanged
// entities never serves a stale version: after an API's definition changes,
// its old operations are gone and its new ones are found.
func TestSearchFollowsAChangedDefinition(t *testing.T) {
	r := newRig(t, Options{Policy: enabled()},
		testAPI{name: "payments", definition: testdata(t, "oas30.json")},
		testAPI{name: "petstore", definition: testdata(t, "swagger2.yaml")},
	)
	hits := func(q string) int {
		return r.doc(t, "GET", "/search?q="+q, nil, false).Find("[data-testid=operation-hit]").Length()
	}
	if hits("refund") != 1 || hits("inventories") != 1 {
		t.Fatalf("before the change: refund %d, inventories %d hits; want 1 each", hits("refund"), hits("inventories"))
	}
	changed := `{"openapi":"3.0.0","info":{"title":"Payments","version":"2"},"paths":{"/chargebacks":{"get":{"operationId":"listChargebacks","summary":"List chargebacks","responses":{"200":{"description":"ok"}}}}}}`
	res, err := catalog.New(r.store, catalog.Options{}).Apply(context.Background(), "test", catalog.Mutation{Type: catalog.Delta, Entities: []catalog.DeferredEntity{{Entity: catalog.Entity{
		APIVersion: "backstage.io/v1alpha1", Kind: "API", Metadata: catalog.Metadata{Name: "payments"},
		Spec: map[string]any{"type": "openapi", "lifecycle": "production", "owner": "group:team", "definition": changed},
	}}}})
	if err != nil || res.Updated != 1 {
		t.Fatalf("update payments: %+v, %v", res, err)
	}
	if n := hits("refund"); n != 0 {
		t.Errorf("refund: %d hits after the definition dropped it, want 0", n)
	}
	if n := hits("chargebacks"); n != 1 {
		t.Errorf("chargebacks: %d hits after the definition added it, want 1", n)
	}
	if n := hits("inventories"); n != 1 {
		t.Errorf("inventories (unchanged petstore): %d hits, want 1", n)
	}
}

// TestXSSSpecRendersInert renders a definition whose every text field
// carries a payload and checks the HTML holds no script, no handler, no
// foreign hx- attribute and no javascript: URL.
func TestXSSSpecRendersInert(t *testing.T) {
	for _, name := range []string{"xss.yaml", "xss31.yaml"} {
		t.Run(name, func(t *testing.T) {
			def := testdata(t, name)
			r := newRig(t, Options{Policy: enabled()}, testAPI{name: "xss", definition: def})
			base := "/catalog/default/api/xss/definition"
			docs := []*goquery.Document{r.doc(t, "GET", base, nil, false), r.doc(t, "GET", base+"?view=raw", nil, false)}
			sum := summaryOf(t, def)
			for _, op := range sum.Operations {
				docs = append(docs, r.doc(t, "GET", base+"/op/"+op.Key, nil, true), r.doc(t, "GET", base+"?op="+op.Key, nil, false))
			}
			// Webhooks and models (xss31.yaml): names, summaries,
			// discriminators, examples and callbacks carry payloads.
			for _, w := range sum.Webhooks {
				docs = append(docs, r.doc(t, "GET", base+"/webhook/"+w.Key, nil, true), r.doc(t, "GET", base+"?webhook="+w.Key, nil, false))
			}
			docs = append(docs, r.doc(t, "GET", base+"/models", nil, true), r.doc(t, "GET", base+"?models=1", nil, false))
			links := newModelLinks(base, sum.Models)
			for _, m := range sum.Models {
				docs = append(docs, r.doc(t, "GET", base+"/model/"+links.ids[m], nil, true), r.doc(t, "GET", base+"?model="+links.ids[m], nil, false))
			}
			if name == "xss31.yaml" {
				all := docs[0].Text()
				for _, d := range docs[2:] {
					all += d.Text()
				}
				for _, want := range []string{"window.__xss=20", "window.__xss=27", "window.__xss=30", "window.__xss=32", "window.__xss=33", "window.__xss=36", "window.__xss=39", "window.__xss=44", "window.__xss=45"} {
					if !strings.Contains(all, want) {
						t.Errorf("payload %s is not shown as text", want)
					}
				}
			}
			for i, d := range docs {
				assertInert(t, i, d, base)
			}
		})
	}
}

func assertInert(t *testing.T, i int, d *goquery.Document, base string) {
	t.Helper()
	d.Find("script").Each(func(_ int, s *goquery.Selection) {
		src, _ := s.Attr("src")
		if !strings.HasPrefix(src, "/apidocs/static/") && !strings.HasPrefix(src, "/static/") {
			t.Errorf("doc %d: unexpected script %q", i, src)
		}
	})
	// The layout's own header may carry a logo: look at the content.
	scope := d.Find("#main")
	if scope.Length() == 0 {
		scope = d.Selection
	}
	if n := scope.Find("svg, iframe, img, object, embed").Length(); n != 0 {
		t.Errorf("doc %d: %d svg/iframe/img elements", i, n)
	}
	d.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			name, val := strings.ToLower(a.Key), strings.ToLower(strings.TrimSpace(a.Val))
			switch {
			case strings.HasPrefix(name, "on"):
				t.Errorf("doc %d: event handler %s=%q", i, name, a.Val)
			case strings.HasPrefix(name, "data-hx-") || strings.HasPrefix(name, "hx-on"):
				t.Errorf("doc %d: attribute %s", i, name)
			case (name == "hx-get" || name == "hx-post") && !strings.HasPrefix(a.Val, base):
				t.Errorf("doc %d: %s=%q leaves the definition", i, name, a.Val)
			case strings.HasPrefix(name, "hx-") && !ownHX(s):
				t.Errorf("doc %d: %s on a %s the page did not put there", i, name, goquery.NodeName(s))
			case (name == "href" || name == "src" || name == "action") && strings.HasPrefix(val, "javascript:"):
				t.Errorf("doc %d: %s=%q", i, name, a.Val)
			}
		}
	})
}

// ownHX reports whether s is one of the elements the views give hx- attributes.
func ownHX(s *goquery.Selection) bool {
	return s.Is("details.op, details.webhook, details.model, details#models") || s.Is("form[data-testid=try-form]") ||
		s.Is("input[data-testid=reference-filter], details[data-testid=sidebar-section], [data-testid=ops-more], [data-testid=ops-earlier]") ||
		s.Is("p[data-testid=operation-loading], p[data-testid=model-loading], p[data-testid=webhook-loading]")
}

// gatedStore holds the operation index's listing of APIs until gate is
// closed, like a build over thousands of APIs.
type gatedStore struct {
	catalog.Store
	gate <-chan struct{}
}

func (g gatedStore) Query(ctx context.Context, q catalog.Query) (catalog.Page, error) {
	if q.FullText == "" {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return catalog.Page{}, ctx.Err()
		}
	}
	return g.Store.Query(ctx, q)
}

// A search that would wait for a long first build of the operation index
// answers at once with the build's progress and a poll for the results;
// the poll answers with them once the build is done. While a later build
// runs, searches answer from the previous index and say so.
func TestSearchShowsIndexingProgressThenResults(t *testing.T) {
	r := newRig(t, Options{Policy: enabled()},
		testAPI{name: "payments", title: "Payments API", definition: testdata(t, "oas30.json")},
	)
	r.h.index.wait = 20 * time.Millisecond
	gate := make(chan struct{})
	r.h.opts.Store = gatedStore{Store: r.store, gate: gate}

	page := r.doc(t, "GET", "/search?q=refund", nil, false)
	ops := page.Find("[data-testid=search-operations]")
	if ops.Find("[data-testid=operations-indexing]").Length() != 1 || ops.Find("[data-testid=operation-hit]").Length() != 0 {
		t.Fatalf("first search: want the indexing status and no hits, got %q", ops.Text())
	}
	poll, _ := ops.Attr("hx-get")
	if poll != "/search?part=operations&q=refund" {
		t.Fatalf("poll URL %q", poll)
	}
	if href, _ := ops.Find("a").Attr("href"); href != "/search?q=refund" {
		t.Errorf("refresh link %q", href)
	}
	// The poll answers with the operations section alone, still building.
	frag := r.doc(t, "GET", poll, nil, true)
	if frag.Find("[data-testid=search]").Length() != 0 || frag.Find("[data-testid=operations-indexing]").Length() != 1 {
		t.Fatalf("poll while building: %q", frag.Text())
	}

	close(gate)
	deadline := time.Now().Add(5 * time.Second)
	for {
		frag = r.doc(t, "GET", poll, nil, true)
		if frag.Find("[data-testid=operation-hit]").Length() == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no hit after the build: %q", frag.Text())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, ok := frag.Find("[data-testid=search-operations]").Attr("hx-get"); ok {
		t.Error("the finished section still polls")
	}

	// A change starts another build; held, the search answers from the
	// previous index and says it is being updated.
	gate2 := make(chan struct{})
	r.h.opts.Store = gatedStore{Store: r.store, gate: gate2}
	apply := func(name string) {
		t.Helper()
		_, err := catalog.New(r.store, catalog.Options{}).Apply(context.Background(), "other", catalog.Mutation{Type: catalog.Delta, Entities: []catalog.DeferredEntity{{Entity: catalog.Entity{
			APIVersion: "backstage.io/v1alpha1", Kind: "API", Metadata: catalog.Metadata{Name: name},
			Spec: map[string]any{"type": "openapi", "lifecycle": "production", "owner": "group:team", "definition": testdata(t, "swagger2.yaml")},
		}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	apply("petstore")
	page = r.doc(t, "GET", "/search?q=refund", nil, false)
	if page.Find("[data-testid=operation-hit]").Length() != 1 || page.Find("[data-testid=operations-stale]").Length() != 1 {
		t.Errorf("search during a rebuild: want the previous hit marked stale, got %q", page.Find("[data-testid=search-operations]").Text())
	}
	close(gate2)
	deadline = time.Now().Add(5 * time.Second)
	for r.doc(t, "GET", "/search?q=inventories", nil, false).Find("[data-testid=operation-hit]").Length() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the new API's operations never appeared")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestInfoLinksAndEnumSelects: info.license, info.contact and
// info.termsOfService are shown, linked only when http(s) (issue 14); an
// enum parameter is a select in try-it, with "(not sent)" when optional.
func TestInfoLinksAndEnumSelects(t *testing.T) {
	const spec = `openapi: 3.1.0
info:
  title: Info API
  version: '1'
  termsOfService: https://acme.example/terms
  contact: {name: API team, url: 'javascript:alert(1)', email: api@acme.example}
  license: {name: Apache 2.0, identifier: Apache-2.0, url: https://www.apache.org/licenses/LICENSE-2.0}
servers: [{url: https://api.acme.example}]
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - {name: status, in: query, schema: {type: string, enum: [available, sold]}}
        - {name: sort, in: query, required: true, schema: {type: string, enum: [name, age]}}
      responses: {'200': {description: ok}}
`
	r := newRig(t, Options{Policy: enabled()}, testAPI{name: "info", definition: spec})
	page := r.doc(t, "GET", "/catalog/default/api/info/definition?op=listPets", nil, false)
	info := page.Find("[data-testid=api-info]")
	if href, _ := info.Find("[data-testid=api-license] a").Attr("href"); href != "https://www.apache.org/licenses/LICENSE-2.0" {
		t.Errorf("license link %q", href)
	}
	if href, _ := info.Find("[data-testid=api-terms]").Attr("href"); href != "https://acme.example/terms" {
		t.Errorf("terms link %q", href)
	}
	contact := info.Find("[data-testid=api-contact]")
	if !strings.Contains(contact.Text(), "API team") || strings.Contains(mustHTML(t, contact), "javascript:") {
		t.Errorf("contact: %s", mustHTML(t, contact))
	}
	if href, _ := contact.Find("a").Attr("href"); href != "mailto:api@acme.example" {
		t.Errorf("contact email link %q", href)
	}
	status := page.Find("details#op-listPets select[data-testid=param-status]")
	if got := status.Find("option").Map(func(_ int, s *goquery.Selection) string { return s.Text() }); strings.Join(got, ",") != "(not sent),available,sold" {
		t.Errorf("optional enum options %v", got)
	}
	sort := page.Find("details#op-listPets select[data-testid=param-sort]")
	if got := sort.Find("option").Map(func(_ int, s *goquery.Selection) string { return s.Text() }); strings.Join(got, ",") != "name,age" {
		t.Errorf("required enum options %v", got)
	}
}

func mustHTML(t *testing.T, s *goquery.Selection) string {
	t.Helper()
	h, err := goquery.OuterHtml(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestSearchFindsGraphQLFieldsAndAsyncAPIChannels: operation search indexes
// the items of AsyncAPI, GraphQL and gRPC definitions as the Definition tab
// shows them, each hit linking to its anchor there (issue 14 item 4).
func TestSearchFindsGraphQLFieldsAndAsyncAPIChannels(t *testing.T) {
	const sdl = "type Query {\n  \"Look a pet up by its id.\"\n  petById(id: ID!): Pet\n}\ntype Pet { id: ID! name: String }\n"
	const async = `asyncapi: 3.0.0
info: {title: Pet events, version: '1'}
channels:
  petAdopted:
    address: pets/adopted
    messages:
      adopted: {payload: {type: object, properties: {id: {type: string}}}}
operations:
  onPetAdopted:
    action: receive
    channel: {$ref: '#/channels/petAdopted'}
    summary: A pet found a home.
`
	r := newRig(t, Options{Policy: enabled()},
		testAPI{name: "pets-graphql", typ: "graphql", definition: sdl},
		testAPI{name: "pet-events", typ: "asyncapi", definition: async},
	)
	for _, tc := range []struct{ q, prefix string }{
		{"petById", "/catalog/default/api/pets-graphql/definition"},
		{"found a home", "/catalog/default/api/pet-events/definition"},
	} {
		page := r.doc(t, "GET", "/search?q="+url.QueryEscape(tc.q), nil, false)
		hits := page.Find("[data-testid=operation-hit]")
		if hits.Length() == 0 {
			t.Errorf("%q: no operation hit", tc.q)
			continue
		}
		href, _ := hits.Find("a").First().Attr("href")
		if !strings.HasPrefix(href, tc.prefix) || !strings.Contains(href, "#") || strings.Contains(href, "?op=") {
			t.Errorf("%q: link %q, want an anchor on %s", tc.q, href, tc.prefix)
		}
	}
}

// The entity page's frame around the Definition tab gets the entity the
// handler already holds decoded: reading and decoding a 13 MB entity again
// for the frame cost more than rendering the page (issue 14).
func TestFramedDefinitionReusesTheDecodedEntity(t *testing.T) {
	var framed *catalog.Entity
	r := newRig(t, Options{
		EntityPageOf: func(_ *echo.Context, se *catalog.StoredEntity, e *catalog.Entity, tab string, content templ.Component) (templ.Component, error) {
			if se == nil || tab != "definition" {
				t.Errorf("frame of %v, tab %q", se, tab)
			}
			framed = e
			return content, nil
		},
	}, testAPI{name: "payments", definition: testdata(t, "oas30.json")})
	page := r.doc(t, "GET", "/catalog/default/api/payments/definition", nil, false)
	if framed == nil || framed.Metadata.Name != "payments" {
		t.Fatalf("framed %v", framed)
	}
	if page.Find("details.op").Length() == 0 {
		t.Error("the framed page has no operations")
	}
}

// The reader of a definition's relative $refs is made once per entity
// version, not on every page view and operation expand: making it decodes
// the stored entity, 13 MB for GitHub's description.
func TestReaderIsMadeOncePerEntityVersion(t *testing.T) {
	made := 0
	r := newRig(t, Options{Policy: enabled(), ReaderFor: func(*catalog.StoredEntity) catalog.Reader { made++; return nil }},
		testAPI{name: "payments", definition: testdata(t, "oas30.json")})
	for range 3 {
		r.doc(t, "GET", "/catalog/default/api/payments/definition", nil, false)
		r.doc(t, "GET", "/catalog/default/api/payments/definition/op/createRefund", nil, true)
	}
	if made != 1 {
		t.Errorf("the reader was made %d times for three views and three expands", made)
	}
}

// Outside test: a client that left /search while it ran logged ERROR
// "search entities … context canceled" and "search operations"; a gone
// client's cancelled queries are not failures of the portal.
func TestSearchOfAGoneClientLogsNoError(t *testing.T) {
	var buf bytes.Buffer
	r := newRig(t, Options{Policy: enabled(), Logger: slog.New(slog.NewTextHandler(&buf, nil))},
		testAPI{name: "payments", definition: testdata(t, "oas30.json")})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodGet, "/search?q=refund", nil).WithContext(ctx)
	r.e.ServeHTTP(httptest.NewRecorder(), req)
	if strings.Contains(buf.String(), "level=ERROR") {
		t.Errorf("a gone client's search logged an error:\n%s", buf.String())
	}
}

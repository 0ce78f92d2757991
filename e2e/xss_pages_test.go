package e2e

import (
	"fmt"
	"net/url"

	"github.com/playwright-community/playwright-go"
)

// The page types of TestXSSCorpusIsInert: what each visits and does.

// visitPages visits a listing and every next page after it.
func (w *xssWatch) visitPages(path string) {
	w.t.Helper()
	for path != "" {
		w.visit(path)
		next := w.page.Locator(`[data-testid="next-page"]`)
		path = ""
		if n, _ := next.Count(); n > 0 {
			href, err := next.First().GetAttribute("href")
			if err != nil {
				w.t.Fatal(err)
			}
			path = href
		}
	}
}

// xssListings: the catalog (titles, descriptions, types, owners,
// lifecycles, and the facets built from them) and the API explorer.
func xssListings(w *xssWatch) {
	w.visitPages("/catalog")
	w.visitPages("/apis")
	w.visit("/catalog?kind=component&orphan=true")
}

// xssReflected: what a visitor's URL carries back into the page: the
// catalog's search and facet parameters, the operation search's query, the
// Register page's ?url= and the location page's ?location=. A parameter
// carries a run of payloads, joined.
func xssReflected(w *xssWatch) {
	for _, run := range xssRuns(fieldBudget, nil) {
		q := url.Values{"q": {packed("cq", run)}}
		for _, i := range run {
			for param, place := range map[string]string{"kind": "ck", "type": "cy", "lifecycle": "cl", "owner": "co", "tag": "ct", "namespace": "cn"} {
				q.Add(param, placed(place, i))
			}
		}
		w.visit("/catalog?" + q.Encode())
	}
	for _, run := range xssRuns(urlBudget, nil) {
		w.visit("/search?" + url.Values{"q": {packed("sq", run)}}.Encode())
		w.visit("/catalog-import?" + url.Values{"url": {packed("rq", run)}}.Encode())
		w.visit("/catalog-import/location?" + url.Values{"location": {"url:https://x.example/" + packed("rl", run)}}.Encode())
	}
	w.visit("/search?q=xss")
	w.visit("/search?q=post")
}

// xssErrorPages: the error pages, which name what was asked for: an
// entity, an API's definition or operation, a path nothing serves.
func xssErrorPages(w *xssWatch) {
	IgnoreConsoleErrors(w.page, "the server responded with a status of 404")
	for _, run := range xssRuns(urlBudget, nil) {
		w.visit("/catalog/default/component/" + url.PathEscape(packed("ne", run)))
		w.visit("/catalog/default/api/" + url.PathEscape(packed("na", run)) + "/definition")
		w.visit("/catalog/default/api/xss-openapi/definition/op/" + url.PathEscape(packed("no", run)))
		w.visit("/" + url.PathEscape(packed("np", run)))
	}
}

// xssOverviews: the Overview tab of every entity that carries payloads:
// the components (fields, links, annotations, the problems of their
// broken version), the conflicting entities (the rejected location's path)
// and the Locations and APIs.
func xssOverviews(w *xssWatch) {
	for n := range xssRuns(fieldBudget, nil) {
		w.visit(fmt.Sprintf("/catalog/default/component/c-%02d", n))
	}
	for n := range pathRuns() {
		w.visit(fmt.Sprintf("/catalog/default/component/k-%02d", n))
	}
	for _, name := range []string{"location/xss-root", "api/xss-openapi", "api/xss-asyncapi", "api/xss-graphql", "api/xss-grpc"} {
		w.visit("/catalog/default/" + name)
	}
}

// xssRawYAML: the Raw YAML tab of the components and the APIs.
func xssRawYAML(w *xssWatch) {
	for n := range xssRuns(fieldBudget, nil) {
		w.visit(fmt.Sprintf("/catalog/default/component/c-%02d/yaml", n))
	}
	for _, name := range []string{"xss-openapi", "xss-asyncapi", "xss-graphql", "xss-grpc"} {
		w.visit("/catalog/default/api/" + name + "/yaml")
	}
}

// xssOpenAPIPages: the Definition tab with every operation expanded and
// one call through try-it to the upstream, the raw view, an operation's
// own page, and the definitions that carry payloads in their info.
func xssOpenAPIPages(w *xssWatch) {
	def := "/catalog/default/api/xss-openapi/definition"
	w.visit(def)
	ops := w.page.Locator("details.op")
	w.loadEveryChunk()
	if n, err := ops.Count(); err != nil || n != len(xssPayloads) {
		Screenshot(w.t, w.page, "failed-operations")
		w.t.Fatalf("%d operations listed (%v), want %d", n, err, len(xssPayloads))
	}
	// Opening a <details> fires its toggle, on which htmx loads the
	// operation: all of them at once.
	if _, err := w.page.Evaluate(`document.querySelectorAll('details.op').forEach((d) => { d.open = true; })`); err != nil {
		w.t.Fatal(err)
	}
	expect := playwright.NewPlaywrightAssertions(20000)
	if err := expect.Locator(w.page.Locator(`details.op [data-testid="operation-details"]`)).ToHaveCount(len(xssPayloads)); err != nil {
		Screenshot(w.t, w.page, "failed-expand")
		w.t.Fatal(err)
	}
	w.htmxIdle()
	w.scan(def + " with every operation expanded")
	first := ops.First()
	if err := first.Locator(`[data-testid="param-id"]`).Fill("1"); err != nil {
		w.t.Fatal(err)
	}
	if err := first.Locator(`[data-testid="try-send"]`).Click(); err != nil {
		w.t.Fatal(err)
	}
	if err := expect.Locator(first.Locator(`[data-testid="try-status"]`)).ToHaveText("200"); err != nil {
		Screenshot(w.t, w.page, "failed-try")
		w.t.Fatal(err)
	}
	w.htmxIdle()
	w.scan(def + " after try-it")
	key, err := first.GetAttribute("id")
	if err != nil {
		w.t.Fatal(err)
	}
	w.visit(def + "?view=raw")
	w.visit(def + "/op/" + key[len("op-"):])
	for n := range xssRuns(urlBudget, nil) {
		w.visit(fmt.Sprintf("/catalog/default/api/xss-info-%02d/definition", n))
	}
	xssOpenAPI31Pages(w)
}

// xssOpenAPI31Pages opens every operation (named examples, variants,
// discriminators, callbacks), webhook and model of the 3.1 definition.
func xssOpenAPI31Pages(w *xssWatch) {
	def := "/catalog/default/api/xss-openapi31/definition"
	expect := playwright.NewPlaywrightAssertions(20000)
	openAll := func(what, details, loaded string, n int) {
		w.t.Helper()
		if _, err := w.page.Evaluate(`(sel) => document.querySelectorAll(sel).forEach((d) => { d.open = true; })`, details); err != nil {
			w.t.Fatal(err)
		}
		if err := expect.Locator(w.page.Locator(loaded)).ToHaveCount(n); err != nil {
			Screenshot(w.t, w.page, "failed-"+what)
			w.t.Fatalf("%s: %v", what, err)
		}
		// Callbacks, variants and examples are closed <details>: open
		// them too, so everything they hold is on screen.
		if _, err := w.page.Evaluate(`() => document.querySelectorAll('details').forEach((d) => { if (!d.hasAttribute('hx-get')) d.open = true; })`); err != nil {
			w.t.Fatal(err)
		}
		w.htmxIdle()
		w.scan(def + " with every " + what + " open")
	}
	w.visit(def)
	w.loadEveryChunk()
	openAll("operation and webhook", "details.op, details.webhook", `[data-testid="operation-details"], [data-testid="webhook-details"]`, 2*len(xssPayloads))
	w.visit(def + "?models=1")
	openAll("model", "details.model", `[data-testid="model-details"]`, 2*len(xssPayloads)+1)
}

// xssOtherDefinitions: AsyncAPI, GraphQL and gRPC definitions, shown
// structured (names, descriptions, comments, deprecations) and raw.
func xssOtherDefinitions(w *xssWatch) {
	for _, name := range []string{"xss-asyncapi", "xss-graphql", "xss-grpc"} {
		def := "/catalog/default/api/" + name + "/definition"
		w.visit(def)
		if n, err := w.page.Locator(`[data-testid="ref-item"]`).Count(); err != nil || n == 0 {
			Screenshot(w.t, w.page, "failed-"+name)
			w.t.Fatalf("%s is not shown structured (%d items, %v): %s", name, n, err, def)
		}
		w.visit(def + "?view=raw")
	}
}

// xssOrphans: the orphan banners, which quote the path of the file that no
// longer emits the entity, and the Delete confirmation.
func xssOrphans(w *xssWatch) {
	for n := range pathRuns() {
		w.visit(fmt.Sprintf("/catalog/default/component/o-%02d", n))
	}
	w.visit("/catalog/default/component/o-00/actions/delete")
}

// xssRegister: the Register page's preview of a served catalog whose
// entities and problems carry payloads, Analyze on URLs that carry them,
// Register, the location's page, and Unregister's confirmation.
func xssRegister(w *xssWatch) {
	target := w.upstream + "/reg/catalog-info.yaml"
	// Analyze answers 422 for a URL it cannot read; the browser logs it.
	IgnoreConsoleErrors(w.page, "the server responded with a status of 422")
	w.visit("/catalog-import")
	for _, run := range xssRuns(urlBudget, nil) {
		w.analyze(w.upstream + "/missing/" + packed("ra", run))
	}
	for _, run := range xssRuns(urlBudget/2, nil) {
		w.analyze(target + "?" + packed("rw", run))
	}
	w.analyze(target)
	expect := playwright.NewPlaywrightAssertions(15000)
	if err := w.page.Locator(`[data-testid="register-submit"]`).Click(); err != nil {
		w.t.Fatal(err)
	}
	if err := expect.Locator(w.page.Locator(`[data-testid="location-read"][data-pending="false"]`)).ToBeVisible(); err != nil {
		Screenshot(w.t, w.page, "failed-register")
		w.t.Fatal(err)
	}
	w.scan("the registered location's page")
	w.visit("/catalog/default/component/r-00")
	if err := w.page.Locator(`[data-testid="unregister-location"]`).Click(); err != nil {
		w.t.Fatal(err)
	}
	if err := expect.Locator(w.page.Locator(`[data-testid="confirm-unregister"]`)).ToBeVisible(); err != nil {
		w.t.Fatal(err)
	}
	w.scan("Unregister's confirmation")
}

// analyze types u into the Register form, presses Analyze and scans the
// preview htmx puts in place.
func (w *xssWatch) analyze(u string) {
	w.t.Helper()
	if err := w.page.Locator(`[data-testid="register-url"]`).Fill(u); err != nil {
		w.t.Fatal(err)
	}
	_, err := w.page.ExpectResponse("**/catalog-import/analyze", func() error {
		return w.page.Locator(`[data-testid="register-analyze"]`).Click()
	})
	if err != nil {
		w.t.Fatalf("analyze %s: %v", u, err)
	}
	w.htmxIdle()
	w.scan("Analyze " + u)
}

// htmxIdle waits until htmx has swapped and settled every request.
// loadEveryChunk scrolls an OpenAPI definition page to the end of its
// operation list until every chunk is listed: the page lists operations in
// chunks and loads the next one as the reader reaches the end.
func (w *xssWatch) loadEveryChunk() {
	w.t.Helper()
	ops := w.page.Locator("details.op")
	for range 20 {
		more := w.page.Locator(`[data-testid="ops-more"]`)
		if n, err := more.Count(); err != nil || n == 0 {
			return
		}
		had, _ := ops.Count()
		if err := more.First().ScrollIntoViewIfNeeded(); err != nil {
			continue // swapped out by the chunk it loaded
		}
		if _, err := w.page.WaitForFunction(`(had) => document.querySelectorAll('details.op').length > had || !document.querySelector('[data-testid="ops-more"]')`, had); err != nil {
			w.t.Fatal(err)
		}
		w.htmxIdle()
	}
}

func (w *xssWatch) htmxIdle() {
	w.t.Helper()
	if _, err := w.page.WaitForFunction(`() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')`, nil); err != nil {
		w.t.Fatal(err)
	}
}

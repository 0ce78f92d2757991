package e2e

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// nestedCatalog is a small repository laid out as Backstage's examples
// are: a catalog-info.yaml that is a Location naming a component file and
// another Location, which names the API.
var nestedCatalog = map[string]string{
	"/team-shop/catalog-info.yaml": `apiVersion: backstage.io/v1alpha1
kind: Location
metadata: {name: team-shop}
spec:
  targets: [./components/shop-web.yaml, ./apis/all.yaml]
`,
	"/team-shop/components/shop-web.yaml": `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: shop-web, title: Shop web, description: The storefront.}
spec: {type: website, lifecycle: production, owner: team-shop, consumesApis: [orders-api]}
`,
	"/team-shop/apis/all.yaml": `apiVersion: backstage.io/v1alpha1
kind: Location
metadata: {name: team-shop-apis}
spec:
  targets: [./orders.yaml]
`,
	"/team-shop/apis/orders.yaml": `apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: orders-api, title: Orders API, description: Take and track orders.}
spec:
  type: openapi
  lifecycle: production
  owner: team-shop
  definition: |
    openapi: 3.0.0
    info: {title: Orders API, version: '1.0'}
    paths:
      /orders:
        get: {operationId: listOrders, summary: List orders, responses: {'200': {description: ok}}}
`,
}

// catalogRepo serves nestedCatalog on 127.0.0.1 as a repository's raw view
// would. While held, the API's file waits, so the pages' progress shows.
type catalogRepo struct {
	*httptest.Server
	mu      sync.Mutex
	release chan struct{} // nil when not held
}

func newCatalogRepo(t *testing.T) *catalogRepo {
	t.Helper()
	r := &catalogRepo{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, ok := nestedCatalog[req.URL.Path]
		if !ok {
			http.NotFound(w, req)
			return
		}
		r.mu.Lock()
		wait := r.release
		r.mu.Unlock()
		if wait != nil && strings.HasSuffix(req.URL.Path, "/orders.yaml") {
			select {
			case <-wait:
			case <-req.Context().Done():
				return
			}
		}
		fmt.Fprint(w, body)
	}))
	t.Cleanup(r.Close)
	return r
}

// hold makes the API's file wait until the returned func is called.
func (r *catalogRepo) hold() (release func()) {
	ch := make(chan struct{})
	r.mu.Lock()
	r.release = ch
	r.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			r.release = nil
			r.mu.Unlock()
			close(ch)
		})
	}
}

// registerPortal starts a portal that may read from repo's host and no
// other: backend.reading.allow names it explicitly.
func registerPortal(t *testing.T, repo *catalogRepo) string {
	t.Helper()
	host := strings.TrimPrefix(repo.URL, "http://")
	if _, _, err := net.SplitHostPort(host); err != nil {
		t.Fatal(err)
	}
	return StartPortal(t, fmt.Sprintf(`app:
  title: E2E Portal
backend:
  reading:
    allow:
      - host: '%s'
    allowAddresses: ['127.0.0.1']
catalog:
  processingInterval: {minutes: 30}
`, host))
}

// registerFlow is one person's path: from the catalog to the register
// page, Analyze, Register, the location's first read, an entity, Refresh,
// Unregister (the entity becomes an orphan), the Orphaned facet, and
// Delete entity. js says whether the browser runs JavaScript.
type registerFlow struct {
	t      *testing.T
	page   playwright.Page
	base   string
	repo   *catalogRepo
	js     bool
	expect playwright.PlaywrightAssertions
}

func (f *registerFlow) step(name string, err error) {
	f.t.Helper()
	if err != nil {
		Screenshot(f.t, f.page, "failed-"+name)
		f.t.Fatalf("%s: %v", name, err)
	}
}

func (f *registerFlow) loc(sel string) playwright.Locator { return f.page.Locator(sel) }

func TestRegisterAnAPIWithJavaScript(t *testing.T) {
	repo := newCatalogRepo(t)
	f := &registerFlow{t: t, page: NewPage(t), base: registerPortal(t, repo), repo: repo, js: true,
		expect: playwright.NewPlaywrightAssertions(10000)}
	f.run()
}

func TestRegisterAnAPIWithoutJavaScript(t *testing.T) {
	repo := newCatalogRepo(t)
	page := NewPage(t, playwright.BrowserNewContextOptions{JavaScriptEnabled: playwright.Bool(false)})
	f := &registerFlow{t: t, page: page, base: registerPortal(t, repo), repo: repo, js: false,
		expect: playwright.NewPlaywrightAssertions(10000)}
	f.run()
}

func (f *registerFlow) run() {
	target := f.repo.URL + "/team-shop/catalog-info.yaml"
	_, err := f.page.Goto(f.base + "/catalog")
	f.step("open the catalog", err)
	f.step("Register an API", f.loc(`[data-testid="register-link"]`).Click())
	f.step("register page", WaitURL(f.page, f.base+"/catalog-import"))
	f.step("type the URL", f.loc(`[data-testid="register-url"]`).Fill(target))
	f.analyze()
	f.checkLayout("2-preview")
	f.registerAndRead()
	f.checkLayout("3-location")
	f.entityActions()
	f.orphans()
}

// analyze presses Analyze and waits for the preview. With JavaScript the
// preview replaces its region in place, and the progress line shows while
// the tree is read.
func (f *registerFlow) analyze() {
	release := func() {}
	if f.js {
		release = f.repo.hold()
		defer release()
	}
	f.step("Analyze", f.loc(`[data-testid="register-analyze"]`).Click())
	if f.js {
		f.step("progress while reading", f.expect.Locator(f.loc(`[data-testid="register-progress"]`)).ToBeVisible())
		Screenshot(f.t, f.page, "1-analyzing")
		release()
		f.step("progress gone", f.expect.Locator(f.loc(`[data-testid="register-progress"]`)).ToBeHidden())
	}
	entities := f.loc(`[data-testid="preview-entity"]`)
	f.step("five entities previewed", f.expect.Locator(entities).ToHaveCount(5))
	f.step("the API among them", f.expect.Locator(f.loc(`[data-testid="preview-entity"][data-ref="api:default/orders-api"]`)).ToContainText("Orders API"))
	want := f.base + "/catalog-import/analyze" // the plain form post's answer
	if f.js {
		want = f.base + "/catalog-import" // htmx swapped the region only
	}
	if f.page.URL() != want {
		f.t.Errorf("after Analyze the page is %s, want %s", f.page.URL(), want)
	}
	Screenshot(f.t, f.page, "2-preview")
}

// registerAndRead presses Register and waits on the location's page until
// its first read is over: htmx polls, a browser without JavaScript follows
// the Refresh link.
func (f *registerFlow) registerAndRead() {
	release := f.repo.hold()
	defer release()
	f.step("Register", f.loc(`[data-testid="register-submit"]`).Click())
	f.step("location page", WaitURL(f.page, regexp.MustCompile(`/catalog-import/location\?location=url%3A`)))
	f.step("read in progress", f.expect.Locator(f.loc(`[data-testid="location-read"][data-pending="true"]`)).ToBeVisible())
	Screenshot(f.t, f.page, "3-reading")
	release()
	if f.js {
		f.step("the poll shows the entities", f.expect.Locator(f.loc(`[data-testid="location-read"][data-pending="false"]`)).ToBeVisible())
	} else {
		f.step("Refresh link without JavaScript", f.expect.Locator(f.loc(`[data-testid="location-refresh"]`)).ToBeVisible())
		for i := 0; i < 50; i++ {
			if n, _ := f.loc(`[data-testid="location-read"][data-pending="false"]`).Count(); n == 1 {
				break
			}
			f.step("Refresh", f.loc(`[data-testid="location-refresh"]`).Click())
		}
	}
	rows := f.loc(`[data-testid="location-entity"]`)
	f.step("five entities stored", f.expect.Locator(rows).ToHaveCount(5))
	f.step("the location's id", f.expect.Locator(f.loc(`[data-testid="location-id"]`)).ToHaveText(regexp.MustCompile(`^[0-9a-f-]{36}$`)))
	Screenshot(f.t, f.page, "3-location")
}

// entityActions opens the API, refreshes it and unregisters its location.
func (f *registerFlow) entityActions() {
	f.step("open the API", f.loc(`[data-testid="location-entity"][data-ref="api:default/orders-api"] a[data-testid="result-link"]`).Click())
	f.step("API page", WaitURL(f.page, f.base+"/catalog/default/api/orders-api"))
	f.step("its location", f.expect.Locator(f.loc(`[data-testid="origin-target"]`)).ToHaveText(f.repo.URL+"/team-shop/catalog-info.yaml"))
	f.step("Refresh", f.loc(`[data-testid="refresh-entity"]`).Click())
	f.step("refreshed", f.expect.Locator(f.loc(`[data-testid="action-notice"]`)).ToContainText("being read again"))
	wantURL := f.base + "/catalog/default/api/orders-api?done=refreshed"
	if f.js {
		wantURL = f.base + "/catalog/default/api/orders-api"
	}
	if f.page.URL() != wantURL {
		f.t.Errorf("after Refresh the page is %s, want %s", f.page.URL(), wantURL)
	}
	Screenshot(f.t, f.page, "4-refreshed")

	f.step("Unregister", f.loc(`[data-testid="unregister-location"]`).Click())
	f.step("asked to confirm", f.expect.Locator(f.loc(`[data-testid="confirm-unregister"]`)).ToContainText("Its other 4 entities stay"))
	if f.js && f.page.URL() != f.base+"/catalog/default/api/orders-api" {
		f.t.Errorf("with JavaScript the confirmation opens in place, not at %s", f.page.URL())
	}
	Screenshot(f.t, f.page, "5-confirm-unregister")
	f.step("confirm", f.loc(`[data-testid="confirm-submit"]`).Click())
	f.step("back on the API", WaitURL(f.page, f.base+"/catalog/default/api/orders-api?done=unregistered"))
	f.step("orphan banner", f.expect.Locator(f.loc(`[data-testid="orphan-banner"]`)).ToContainText(
		"No longer listed by url:"+f.repo.URL+"/team-shop/catalog-info.yaml"))
	f.checkLayout("6-orphan")
}

// orphans filters the catalog to the orphans and deletes the API.
func (f *registerFlow) orphans() {
	_, err := f.page.Goto(f.base + "/catalog")
	f.step("catalog", err)
	facet := f.loc(`[data-testid="facet-orphan"]`)
	f.step("Orphaned facet", f.expect.Locator(facet).ToContainText(regexp.MustCompile(`Orphaned entities\s*4`)))
	f.step("filter to orphans", f.loc(`[data-testid="facet-orphan-true"]`).Check())
	if !f.js {
		f.step("apply", f.loc(`[data-testid="search-submit"]`).Click())
	}
	f.step("orphan filter in the URL", WaitURL(f.page, regexp.MustCompile(`/catalog\?(.*&)?orphan=true`)))
	f.step("four orphans", f.expect.Locator(f.loc(`[data-testid="result-row"]`)).ToHaveCount(4))
	Screenshot(f.t, f.page, "7-orphan-facet")

	f.step("open the orphaned API", f.page.Locator(`[data-testid="result-link"]`, playwright.PageLocatorOptions{HasText: "Orders API"}).Click())
	f.step("Delete entity", f.loc(`[data-testid="delete-entity"]`).Click())
	f.step("asked to confirm", f.expect.Locator(f.loc(`[data-testid="confirm-delete"]`)).ToBeVisible())
	Screenshot(f.t, f.page, "8-confirm-delete")
	f.step("confirm", f.loc(`[data-testid="confirm-submit"]`).Click())
	f.step("back on the orphans", WaitURL(f.page, f.base+"/catalog?orphan=true&deleted=1"))
	f.step("deleted", f.expect.Locator(f.loc(`[data-testid="action-notice"]`)).ToHaveText("The entity was deleted."))
	f.step("three orphans left", f.expect.Locator(f.loc(`[data-testid="result-row"]`)).ToHaveCount(3))
	Screenshot(f.t, f.page, "9-deleted")
}

// checkLayout checks that the page fits a 390 px phone in light and dark
// mode and saves both, then goes back to the desktop size.
func (f *registerFlow) checkLayout(name string) {
	f.t.Helper()
	f.step("phone size", f.page.SetViewportSize(390, 844))
	for _, scheme := range []*playwright.ColorScheme{playwright.ColorSchemeLight, playwright.ColorSchemeDark} {
		f.step("colour scheme", f.page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: scheme}))
		mode := "light"
		if scheme == playwright.ColorSchemeDark {
			mode = "dark"
		}
		if f.js {
			fits, err := f.page.Evaluate(`document.documentElement.scrollWidth <= window.innerWidth`)
			f.step("measure width", err)
			if fits != true {
				Screenshot(f.t, f.page, "failed-"+name+"-390-"+mode)
				f.t.Errorf("%s does not fit 390 px in %s mode", name, mode)
			}
		}
		Screenshot(f.t, f.page, name+"-390-"+mode)
	}
	f.step("light again", f.page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: playwright.ColorSchemeLight}))
	f.step("desktop size", f.page.SetViewportSize(1280, 900))
}

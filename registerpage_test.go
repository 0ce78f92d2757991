package portico_test

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/defaults"
)

// registerPortal runs every built-in feature with backend.reading.allow
// for repoURL's host and one configured file location, and returns the base
// URL and a cookie-keeping client that does not follow redirects.
func registerPortal(t *testing.T, repoURL string) (string, *browser) {
	t.Helper()
	u, _ := url.Parse(repoURL)
	dir := t.TempDir()
	writeFile(t, dir, "configured.yaml", fmt.Sprintf(componentYAML, "configured-one"))
	cfg, err := config.Parse("app-config.yaml", []byte(fmt.Sprintf(`
backend:
  reading:
    allow: [{host: '%s'}]
    allowAddresses: ['127.0.0.1']
catalog:
  processingInterval: {minutes: 30}
  locations: [{type: file, target: '%s'}]
`, u.Host, filepath.Join(dir, "configured.yaml"))))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := testBackend(t, portico.WithConfig(cfg))
	b.Add(defaults.Features()...)
	base := start(t, b)
	waitReady(t, base)
	return base, newBrowser(t, false)
}

// page parses an HTML body.
func page(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// csrfOf is the CSRF token of the first form of a page.
func csrfOf(t *testing.T, b *browser, u string) string {
	t.Helper()
	_, body := b.get(u)
	tok, ok := page(t, body).Find(`input[name="_csrf"]`).Attr("value")
	if !ok || tok == "" {
		t.Fatalf("no CSRF token on %s", u)
	}
	return tok
}

// post submits a form as a browser without JavaScript does: the page's
// CSRF token, no Sec-Fetch-Site.
func (b *browser) post(u, csrf string, form url.Values, header http.Header) (*http.Response, string) {
	b.t.Helper()
	form.Set("_csrf", csrf)
	return b.do(http.MethodPost, u, form, header)
}

var htmx = http.Header{"Hx-Request": {"true"}}

func testids(doc *goquery.Document, sel, attr string) []string {
	var out []string
	doc.Find(sel).Each(func(_ int, s *goquery.Selection) {
		v, _ := s.Attr(attr)
		out = append(out, v)
	})
	return out
}

// waitRead polls a location's page until its first read is over.
func waitRead(t *testing.T, b *browser, u string) *goquery.Document {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		resp, body := b.get(u)
		doc := page(t, body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", u, resp.StatusCode, body)
		}
		if v, _ := doc.Find(`[data-testid="location-read"]`).Attr("data-pending"); v == "false" {
			return doc
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first read of %s did not end within %s:\n%s", u, patience, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRegisterPageWithoutJavaScript(t *testing.T) {
	repo := nestedRepo(t)
	base, b := registerPortal(t, repo.URL)
	target := repo.URL + "/repo/all.yaml"
	csrf := csrfOf(t, b, base+"/catalog-import")
	for _, path := range []string{"/catalog", "/apis", "/"} {
		_, body := b.get(base + path)
		if page(t, body).Find(`a[href="/catalog-import"]`).Length() == 0 {
			t.Errorf("%s does not link the register page", path)
		}
	}

	resp, body := b.post(base+"/catalog-import/analyze", csrf, url.Values{"url": {target}}, nil)
	doc := page(t, body)
	if resp.StatusCode != http.StatusOK || doc.Find(`[data-testid="register-form"]`).Length() != 1 {
		t.Fatalf("analyze: %d, want the whole page with the form\n%s", resp.StatusCode, body)
	}
	refs := testids(doc, `[data-testid="preview-entity"]`, "data-ref")
	want := []string{"location:default/generated-" + sha1Hex("url:"+target), "location:default/example-all",
		"location:default/example-components", "location:default/example-apis", "component:default/a", "component:default/b", "component:default/c"}
	if diff := cmp.Diff(want, refs); diff != "" {
		t.Errorf("previewed entities (-want +got):\n%s", diff)
	}
	if got, _ := doc.Find(`[data-testid="register-url"]`).Attr("value"); got != target {
		t.Errorf("the form lost the URL: %q", got)
	}
	if getJSON(t, base, "/api/catalog/entities/by-name/component/default/a", nil) != http.StatusNotFound {
		t.Error("Analyze wrote entities")
	}

	resp, _ = b.post(base+"/catalog-import/register", csrf, url.Values{"url": {target}}, nil)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || loc != "/catalog-import/location?location="+url.QueryEscape("url:"+target) {
		t.Fatalf("register: %d to %q", resp.StatusCode, loc)
	}
	doc = waitRead(t, b, base+loc)
	id := doc.Find(`[data-testid="location-id"]`).Text()
	if len(id) != 36 || doc.Find(`[data-testid="location-type"]`).Text() != "url" {
		t.Errorf("location record: id %q, type %q", id, doc.Find(`[data-testid="location-type"]`).Text())
	}
	refs = testids(doc, `[data-testid="location-entity"]`, "data-ref")
	for _, want := range []string{"component:default/a", "component:default/b", "component:default/c", "location:default/example-apis"} {
		if !strings.Contains(strings.Join(refs, " "), want) {
			t.Errorf("the location's entities %v lack %s", refs, want)
		}
	}
	if doc.Find(`[data-testid="location-entity"] a[href="/catalog/default/component/a"]`).Length() != 1 {
		t.Error("no link to component a")
	}
	// The page finds them by their origin, as any API client can.
	var byOrigin struct{ Items []catalog.Entity }
	getJSON(t, base, "/api/catalog/entities/by-query?filter="+url.QueryEscape(originKeyForTest+"=url:"+target), &byOrigin)
	if len(byOrigin.Items) != len(refs) {
		t.Errorf("the origin filter finds %d entities, the page lists %d", len(byOrigin.Items), len(refs))
	}

	resp, body = b.post(base+"/catalog-import/register", csrf, url.Values{"url": {target}}, nil)
	doc = page(t, body)
	if href, _ := doc.Find(`[data-testid="import-error-link"]`).Attr("href"); resp.StatusCode != http.StatusConflict || href != loc {
		t.Errorf("registering twice: %d, link %q, want 409 and a link to %s", resp.StatusCode, href, loc)
	}
}

// originKeyForTest is the origin annotation as a filter key.
const originKeyForTest = "metadata.annotations." + catalog.AnnotationManagedByOriginLocation

func TestRegisterPageAnalyzeAnswers(t *testing.T) {
	repo := nestedRepo(t)
	base, b := registerPortal(t, repo.URL)
	repo.set("/repo/cycle/one.yaml", locationYAML("cycle-one", "./two.yaml"))
	repo.set("/repo/cycle/two.yaml", locationYAML("cycle-two", "./one.yaml", "../components/a.yaml"))
	repo.set("/repo/refuses.yaml", locationYAML("refuses", "https://elsewhere.example/c.yaml", "./components/b.yaml"))
	csrf := csrfOf(t, b, base+"/catalog-import")
	_, _ = b.post(base+"/catalog-import/register", csrf, url.Values{"url": {repo.URL + "/repo/components/a.yaml"}}, nil)
	for _, tc := range []struct {
		name, url string
		status    int
		testid    string // what the region shows
		want      string
		register  bool
	}{
		{"a nested tree", repo.URL + "/repo/all.yaml", http.StatusOK, "preview-entities", "component:default/c", true},
		{"a missing target", repo.URL + "/repo/broken/location.yaml", http.StatusOK, "preview-entity-problems", "missing.yaml does not exist", true},
		{"a cycle", repo.URL + "/repo/cycle/one.yaml", http.StatusOK, "preview-entity-problems", "cycle", true},
		{"a refused target", repo.URL + "/repo/refuses.yaml", http.StatusOK, "preview-entity-problems", "backend.reading.allow", true},
		{"nothing there", repo.URL + "/repo/nope.yaml", http.StatusOK, "import-error", "/repo/nope.yaml does not exist", false},
		{"not YAML", repo.URL + "/repo/broken/not-yaml.yaml", http.StatusOK, "import-error", "Check the address", false},
		{"host not allowed", "https://elsewhere.example/catalog-info.yaml", http.StatusUnprocessableEntity, "import-error", "an operator must add its host", false},
		{"not http", "ftp://example.com/catalog-info.yaml", http.StatusUnprocessableEntity, "import-error", "starting with https://", false},
		{"empty", "", http.StatusUnprocessableEntity, "import-error", "Enter the URL", false},
		{"registered already", repo.URL + "/repo/components/a.yaml", http.StatusOK, "import-error-link", "See the location", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := b.post(base+"/catalog-import/analyze", csrf, url.Values{"url": {tc.url}}, htmx)
			doc := page(t, body)
			if strings.Contains(body, "<html") || doc.Find(`[data-testid="import-preview"]`).Length() != 1 {
				t.Fatalf("htmx got more or less than the preview region:\n%s", body)
			}
			got := doc.Find(`[data-testid="` + tc.testid + `"]`).Text()
			if resp.StatusCode != tc.status || !strings.Contains(got, tc.want) {
				t.Errorf("%d %q, want %d and %q in %s\n%s", resp.StatusCode, got, tc.status, tc.want, tc.testid, body)
			}
			if has := doc.Find(`[data-testid="register-submit"]`).Length() == 1; has != tc.register {
				t.Errorf("Register button shown: %v, want %v", has, tc.register)
			}
		})
	}
}

func TestLocationPagePollsUntilTheFirstReadEnds(t *testing.T) {
	repo := nestedRepo(t)
	gate := make(chan struct{})
	gated := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/repo/components/b.yaml" {
			<-gate
		}
		repo.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(gated.Close)
	release := sync.OnceFunc(func() { close(gate) })
	t.Cleanup(release) // before gated.Close, which waits for the held request
	base, b := registerPortal(t, gated.URL)
	target := gated.URL + "/repo/all.yaml"
	csrf := csrfOf(t, b, base+"/catalog-import")
	resp, _ := b.post(base+"/catalog-import/register", csrf, url.Values{"url": {target}}, nil)
	loc := resp.Header.Get("Location")
	_, body := b.do(http.MethodGet, base+loc, nil, htmx)
	doc := page(t, body)
	region := doc.Find(`[data-testid="location-read"]`)
	poll, _ := region.Attr("hx-get")
	trigger, _ := region.Attr("hx-trigger")
	if strings.Contains(body, "<html") || poll != loc || trigger != "every 1s" || !strings.Contains(body, `<noscript><a href="`+html.EscapeString(loc)+`"`) {
		t.Fatalf("while reading, want the region alone, polling itself, with a Refresh link for no-JS:\n%s", body)
	}
	release()
	doc = waitRead(t, b, base+loc)
	if _, polls := doc.Find(`[data-testid="location-read"]`).Attr("hx-trigger"); polls {
		t.Error("the region still polls after the read")
	}
	if n := doc.Find(`[data-testid="location-entity"]`).Length(); n < 6 {
		t.Errorf("%d entities listed after the read", n)
	}
}

func TestEntityPageActionsRefreshUnregisterDelete(t *testing.T) {
	repo := nestedRepo(t)
	base, b := registerPortal(t, repo.URL)
	target := repo.URL + "/repo/all.yaml"
	csrf := csrfOf(t, b, base+"/catalog-import")
	resp, _ := b.post(base+"/catalog-import/register", csrf, url.Values{"url": {target}}, nil)
	locPage := resp.Header.Get("Location")
	id := waitRead(t, b, base+locPage).Find(`[data-testid="location-id"]`).Text()
	entity := base + "/catalog/default/component/a"

	_, body := b.get(entity)
	doc := page(t, body)
	origin := doc.Find(`[data-testid="origin-location"]`)
	if origin.Find(`[data-testid="origin-type"]`).Text() != "url" || origin.Find(`[data-testid="origin-target"]`).Text() != target ||
		origin.Find(`[data-testid="origin-id"]`).Text() != id {
		t.Errorf("origin shown: %q", strings.Join(strings.Fields(origin.Text()), " "))
	}
	if doc.Find(`[data-testid="refresh-entity"]`).Length() != 1 || doc.Find(`[data-testid="unregister-location"]`).Length() != 1 {
		t.Fatal("no Refresh or Unregister on a registered location's entity")
	}

	t.Run("refresh", func(t *testing.T) {
		repo.set("/repo/components/a.yaml", fmt.Sprintf(componentYAML, "a")+"---\n"+fmt.Sprintf(componentYAML, "a2"))
		resp, _ := b.post(entity+"/actions/refresh", csrf, url.Values{}, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/catalog/default/component/a?done=refreshed" {
			t.Fatalf("refresh: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		waitEntity(t, base, "component:default/a2", "read after Refresh", present)
		_, body := b.get(base + resp.Header.Get("Location"))
		if !strings.Contains(page(t, body).Find(`[data-testid="action-notice"]`).Text(), "being read again") {
			t.Error("no notice after a plain Refresh")
		}
		resp, body = b.post(entity+"/actions/refresh", csrf, url.Values{}, htmx)
		if resp.StatusCode != http.StatusOK || strings.Contains(body, "<html") || !strings.Contains(body, `data-testid="action-notice"`) {
			t.Errorf("htmx refresh: %d\n%s", resp.StatusCode, body)
		}
	})

	t.Run("unregister", func(t *testing.T) {
		_, body := b.get(entity + "/actions/unregister")
		doc := page(t, body)
		confirm := doc.Find(`[data-testid="confirm-unregister"]`)
		if got, _ := confirm.Find(`input[name="id"]`).Attr("value"); !strings.Contains(body, "<html") || got != id {
			t.Fatalf("confirmation page without JS: id %q\n%s", got, body)
		}
		_, body = b.do(http.MethodGet, entity+"/actions/unregister", nil, htmx)
		if strings.Contains(body, "<html") || !strings.Contains(body, `data-testid="confirm-unregister"`) {
			t.Errorf("htmx confirmation is not the panel alone:\n%s", body)
		}
		if resp, _ := b.post(entity+"/actions/unregister", csrf, url.Values{"id": {"4b0a7e0c-0000-4000-8000-000000000000"}}, nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("unregister another id: %d, want 409", resp.StatusCode)
		}
		resp, _ := b.post(entity+"/actions/unregister", csrf, url.Values{"id": {id}}, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/catalog/default/component/a?done=unregistered" {
			t.Fatalf("unregister: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body = b.get(base + resp.Header.Get("Location"))
		doc = page(t, body)
		banner := strings.Join(strings.Fields(doc.Find(`[data-testid="orphan-banner"]`).Text()), " ")
		if !strings.Contains(banner, "No longer listed by url:"+repo.URL+"/repo/all.yaml") || !strings.Contains(banner, "It was read from url:"+repo.URL+"/repo/components/a.yaml.") {
			t.Errorf("orphan banner: %q", banner)
		}
		if doc.Find(`[data-testid="unregister-location"]`).Length() != 0 || doc.Find(`[data-testid="delete-entity"]`).Length() != 1 {
			t.Error("an orphan offers Unregister, or no Delete entity")
		}
		// Outside test: Refresh on it said "Its location is being read
		// again" though no location lists it any more.
		if doc.Find(`[data-testid="refresh-entity"]`).Length() != 0 {
			t.Error("an orphan of an unregistered location offers Refresh")
		}
		if resp, body := b.post(entity+"/actions/refresh", csrf, url.Values{}, nil); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "No location lists") {
			t.Errorf("refreshing an orphan of an unregistered location: %d\n%s", resp.StatusCode, body)
		}
		// Outside test: a location never registered rendered as one
		// "Not registered (any more)" whose entities are orphans.
		if resp, _ := b.get(base + "/catalog-import/location?location=" + url.QueryEscape("file:/etc/passwd")); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a never-registered location's page: %d, want 404", resp.StatusCode)
		}
		doc = page(t, body2(b, base+locPage))
		if !strings.Contains(doc.Find(`[data-testid="location-state"]`).Text(), "Not registered") ||
			doc.Find(`[data-testid="location-entity"] [data-testid="orphan-badge"]`).Length() < 3 {
			t.Errorf("the location's page after unregistering:\n%s", doc.Text())
		}
	})

	t.Run("orphan facet", func(t *testing.T) {
		doc := page(t, body2(b, base+"/catalog"))
		facet := doc.Find(`[data-testid="facet-orphan"]`)
		if !strings.Contains(facet.Text(), "Orphaned entities") || facet.Find(`input[value="true"]`).Length() != 1 {
			t.Fatalf("facet: %q", facet.Text())
		}
		doc = page(t, body2(b, base+"/catalog?orphan=true"))
		rows := doc.Find(`[data-testid="result-row"]`)
		if rows.Length() < 4 || rows.Find(`[data-testid="orphan-badge"]`).Length() != rows.Length() {
			t.Errorf("orphan filter: %d rows, %d badged", rows.Length(), rows.Find(`[data-testid="orphan-badge"]`).Length())
		}
		if !strings.Contains(doc.Find(`[data-testid="facet-orphan"]`).Text(), fmt.Sprint(rows.Length())) {
			t.Errorf("the facet's count is not the number listed (%d)", rows.Length())
		}
	})

	t.Run("delete", func(t *testing.T) {
		_, body := b.get(entity + "/actions/delete")
		uid, _ := page(t, body).Find(`[data-testid="confirm-delete"] input[name="uid"]`).Attr("value")
		if uid == "" {
			t.Fatalf("no confirmation with the uid:\n%s", body)
		}
		if resp, _ := b.post(entity+"/actions/delete", csrf, url.Values{"uid": {"nope"}}, nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("delete with another uid: %d, want 409", resp.StatusCode)
		}
		resp, _ := b.post(entity+"/actions/delete", csrf, url.Values{"uid": {uid}}, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/catalog?orphan=true&deleted=1" {
			t.Fatalf("delete: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if status := getJSON(t, base, "/api/catalog/entities/by-name/component/default/a", nil); status != http.StatusNotFound {
			t.Errorf("the deleted entity answers %d", status)
		}
		if !strings.Contains(body2(b, base+resp.Header.Get("Location")), "The entity was deleted.") {
			t.Error("no notice after deleting")
		}
	})

	t.Run("unregister from the location's own entity", func(t *testing.T) {
		repo.set("/repo/solo.yaml", fmt.Sprintf(componentYAML, "solo"))
		solo := repo.URL + "/repo/solo.yaml"
		resp, _ := b.post(base+"/catalog-import/register", csrf, url.Values{"url": {solo}}, nil)
		soloPage := resp.Header.Get("Location")
		soloID := waitRead(t, b, base+soloPage).Find(`[data-testid="location-id"]`).Text()
		own := base + "/catalog/default/location/generated-" + sha1Hex("url:"+solo)
		resp, _ = b.post(own+"/actions/unregister", csrf, url.Values{"id": {soloID}}, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != soloPage {
			t.Fatalf("unregister from the Location entity: %d to %q, want the location's page", resp.StatusCode, resp.Header.Get("Location"))
		}
		doc := page(t, body2(b, base+soloPage))
		if refs := testids(doc, `[data-testid="location-entity"]`, "data-ref"); !cmp.Equal(refs, []string{"component:default/solo"}) {
			t.Errorf("after unregistering, the page lists %v, want the orphaned component alone", refs)
		}
	})

	t.Run("configured locations", func(t *testing.T) {
		doc := page(t, body2(b, base+"/catalog/default/component/configured-one"))
		if !strings.Contains(doc.Find(`[data-testid="origin-location"]`).Text(), "Configured location") ||
			doc.Find(`[data-testid="unregister-location"]`).Length() != 0 || doc.Find(`[data-testid="refresh-entity"]`).Length() != 1 {
			t.Errorf("a configured location's entity: %q", doc.Find(`[data-testid="entity-actions"]`).Text())
		}
		for path, want := range map[string]int{
			"/catalog/default/component/configured-one/actions/unregister": http.StatusNotFound,
			"/catalog/default/component/configured-one/actions/delete":     http.StatusConflict,
		} {
			if resp, _ := b.get(base + path); resp.StatusCode != want {
				t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
			}
		}
	})
}

// body2 is the body of a GET.
func body2(b *browser, u string) string {
	b.t.Helper()
	_, body := b.get(u)
	return body
}

// TestRegisterAndEntityActionsNeedAUser: with sign-in configured (and not
// required for reading), the buttons are not shown to anonymous visitors,
// who are told to sign in, and the actions refuse them; a signed-in user
// gets past the guard.
func TestRegisterAndEntityActionsNeedAUser(t *testing.T) {
	p := startAuthBackend(t, false, "false")
	anon := newBrowser(t, false)
	_, body := anon.get(p.base + "/catalog-import")
	doc := page(t, body)
	if href, _ := doc.Find(`[data-testid="sign-in-notice"] a`).Attr("href"); href != "/signin?next=%2Fcatalog-import" || doc.Find(`[data-testid="register-form"]`).Length() != 0 {
		t.Errorf("anonymous register page: sign-in link %q, form shown %v", href, doc.Find(`[data-testid="register-form"]`).Length() != 0)
	}
	entity := "/catalog/default/group/team-a"
	_, body = anon.get(p.base + entity)
	doc = page(t, body)
	if doc.Find(`[data-testid="refresh-entity"]`).Length() != 0 || doc.Find(`[data-testid="entity-actions"] [data-testid="sign-in-notice"]`).Length() != 1 {
		t.Errorf("anonymous entity page offers actions:\n%s", doc.Find(`[data-testid="entity-actions"]`).Text())
	}
	form := url.Values{"url": {"https://elsewhere.example/c.yaml"}, "id": {"x"}, "uid": {"x"}}
	posts := []string{"/catalog-import/analyze", "/catalog-import/register", entity + "/actions/refresh", entity + "/actions/unregister", entity + "/actions/delete"}
	for _, path := range posts {
		if resp, body := anon.do(http.MethodPost, p.base+path, form, sameOrigin); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous POST %s: %d, want 401\n%s", path, resp.StatusCode, body)
		}
	}
	for _, path := range []string{entity + "/actions/unregister", entity + "/actions/delete"} {
		if resp, _ := anon.get(p.base + path); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous GET %s: %d, want 401", path, resp.StatusCode)
		}
	}
	user := signInWithGitHub(t, p)
	_, body = user.get(p.base + entity)
	if page(t, body).Find(`[data-testid="refresh-entity"]`).Length() != 1 {
		t.Error("a signed-in user is not offered Refresh")
	}
	if resp, body := user.do(http.MethodPost, p.base+"/catalog-import/analyze", form, sameOrigin); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "backend.reading.allow") {
		t.Errorf("signed-in analyze of a host not allowed: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := user.do(http.MethodPost, p.base+entity+"/actions/refresh", url.Values{}, sameOrigin); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("signed-in refresh: %d, want 303", resp.StatusCode)
	}
}

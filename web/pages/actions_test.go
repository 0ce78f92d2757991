package pages_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/web/pages"
)

// orphanRefunds re-applies the testdata bucket without refunds-api, as a
// Location that stopped naming it would: refunds-api becomes an orphan.
func orphanRefunds(t *testing.T, p *portal) {
	t.Helper()
	var keep []catalog.DeferredEntity
	for _, name := range []string{"catalog.yaml", "many.yaml"} {
		for _, de := range parseFile(t, name) {
			if de.Entity.Metadata.Name != "refunds-api" {
				keep = append(keep, de)
			}
		}
	}
	if _, err := p.Catalog.Apply(context.Background(), "file:testdata", catalog.Mutation{Type: catalog.Full, Entities: keep, Orphans: true}); err != nil {
		t.Fatal(err)
	}
}

// postForm posts a form without following redirects.
func postForm(t *testing.T, u string, form url.Values) *http.Response {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestOrphansAreAFacetWithABannerAndCanBeDeleted(t *testing.T) {
	p := newPortal(t)
	if _, doc, _ := get(t, p.URL, "/catalog"); doc.Find(`[data-testid="facet-orphan"]`).Length() != 0 {
		t.Error("an Orphaned facet without orphans")
	}
	orphanRefunds(t, p)

	_, doc, _ := get(t, p.URL, "/catalog")
	facet := doc.Find(`[data-testid="facet-orphan"]`)
	if got := strings.Join(strings.Fields(facet.Text()), " "); got != "Orphaned Orphaned entities 1" {
		t.Errorf("facet %q", got)
	}
	if doc.Find(`[data-testid="result-row"] [data-testid="orphan-badge"]`).Length() != 1 {
		t.Error("the orphan is not badged in the list")
	}
	_, doc, _ = get(t, p.URL, "/catalog?orphan=true")
	if diff := cmp.Diff([]string{"Refunds API"}, texts(doc, `[data-testid="result-link"]`)); diff != "" {
		t.Errorf("orphan filter (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Orphaned entities ×(remove filter)"}, texts(doc, `[data-testid="active-filter"]`)); diff != "" {
		t.Errorf("active filter (-want +got):\n%s", diff)
	}

	_, doc, _ = get(t, p.URL, "/catalog/default/api/refunds-api")
	banner := strings.Join(strings.Fields(doc.Find(`[data-testid="orphan-banner"]`).Text()), " ")
	if !strings.Contains(banner, "No longer listed by file:") || !strings.Contains(banner, "testdata/catalog.yaml (since 20") ||
		strings.Contains(banner, "read from") {
		t.Errorf("banner %q", banner)
	}
	del := doc.Find(`[data-testid="delete-entity"]`)
	if href, _ := del.Attr("href"); href != "/catalog/default/api/refunds-api/actions/delete" {
		t.Fatalf("Delete entity links %q", href)
	}
	if target, _ := del.Attr("hx-target"); doc.Find(target).Length() != 1 {
		t.Errorf("Delete entity targets %q, which the page lacks", target)
	}
	if _, doc, _ := get(t, p.URL, "/catalog/default/api/payments-api"); doc.Find(`[data-testid="orphan-banner"]`).Length() != 0 {
		t.Error("a current entity has the orphan banner")
	}

	status, doc, body := get(t, p.URL, "/catalog/default/api/refunds-api/actions/delete", "HX-Request", "true")
	uid, _ := doc.Find(`[data-testid="confirm-delete"] input[name="uid"]`).Attr("value")
	if status != http.StatusOK || strings.Contains(body, "<html") || uid == "" {
		t.Fatalf("htmx confirmation: %d, uid %q\n%s", status, uid, body)
	}
	if resp := postForm(t, p.URL+"/catalog/default/api/payments-api/actions/delete", url.Values{"uid": {"x"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("deleting another uid: %d, want 409", resp.StatusCode)
	}
	resp := postForm(t, p.URL+"/catalog/default/api/refunds-api/actions/delete", url.Values{"uid": {uid}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/catalog?orphan=true&deleted=1" {
		t.Fatalf("delete: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if status, _, _ := get(t, p.URL, "/catalog/default/api/refunds-api"); status != http.StatusNotFound {
		t.Errorf("the deleted entity's page: %d", status)
	}
	_, doc, _ = get(t, p.URL, "/catalog?orphan=true&deleted=1")
	if doc.Find(`[data-testid="action-notice"]`).Text() != "The entity was deleted." || doc.Find(`[data-testid="result-row"]`).Length() != 0 {
		t.Error("after deleting: no notice, or orphans left")
	}
}

func TestDeletingACurrentEntityIsRefused(t *testing.T) {
	p := newPortal(t)
	ctx := context.Background()
	se, err := p.Catalog.Store().ByRef(ctx, catalog.MustParseRef("api:default/payments-api"))
	if err != nil {
		t.Fatal(err)
	}
	if status, _, _ := get(t, p.URL, "/catalog/default/api/payments-api/actions/delete"); status != http.StatusConflict {
		t.Errorf("confirming: %d, want 409", status)
	}
	if resp := postForm(t, p.URL+"/catalog/default/api/payments-api/actions/delete", url.Values{"uid": {se.UID}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("deleting: %d, want 409", resp.StatusCode)
	}
}

func TestActionsNeedWhatRequireUserAllows(t *testing.T) {
	refuse := func(*echo.Context) error { return echo.NewHTTPError(http.StatusUnauthorized, "sign in to do this") }
	p := newPortalWith(t, pages.Options{RequireUser: refuse, SignIn: true})
	orphanRefunds(t, p)
	_, doc, _ := get(t, p.URL, "/catalog/default/api/refunds-api")
	if doc.Find(`[data-testid="orphan-banner"]`).Length() != 1 || doc.Find(`[data-testid="delete-entity"]`).Length() != 0 {
		t.Error("the banner must show without Delete entity to someone who may not act")
	}
	for _, path := range []string{"/catalog/default/api/refunds-api/actions/delete", "/catalog/default/api/refunds-api/actions/refresh", "/catalog-import/analyze", "/catalog-import/register"} {
		if resp := postForm(t, p.URL+path, url.Values{"uid": {"x"}}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST %s: %d, want 401", path, resp.StatusCode)
		}
	}
	if href, _ := doc.Find(`[data-testid="orphan-banner"] [data-testid="sign-in-notice"] a`).Attr("href"); href != "/signin?next=%2Fcatalog%2Fdefault%2Fapi%2Frefunds-api" {
		t.Errorf("the banner's sign-in link is %q", href)
	}
}

func TestRegisterPageWithoutALocationService(t *testing.T) {
	p := newPortal(t)
	_, doc, _ := get(t, p.URL, "/catalog-import")
	if !strings.Contains(doc.Find(`[data-testid="register-unavailable"]`).Text(), "without the catalog's location service") {
		t.Error("the register page does not say registering is unavailable")
	}
	if doc.Find(`nav[aria-label="Main"] a[aria-current="page"]`).Text() != "Register an API" {
		t.Error("the nav does not mark the register page current")
	}
	_, doc, _ = get(t, p.URL, "/catalog/default/api/payments-api")
	if doc.Find(`[data-testid="entity-actions"]`).Length() != 0 {
		t.Error("an actions bar with nothing in it")
	}
}

// An entity read from a file that a Location names is orphaned when that
// Location (or one above it) stops naming the file: the banner names the
// location it was listed through, not its own file, which may be unchanged.
func TestOrphanBannerNamesTheLocationThatNoLongerListsIt(t *testing.T) {
	p := newPortal(t)
	var all []catalog.DeferredEntity
	for _, name := range []string{"catalog.yaml", "many.yaml"} {
		for _, de := range parseFile(t, name) {
			if de.Entity.Metadata.Name == "refunds-api" {
				de.Source.Location = "file:/srv/catalog/apis/refunds.yaml"
				de.Source.OriginLocation = "file:/srv/catalog/all.yaml"
				de.LocationKey = de.Source.Location
			}
			all = append(all, de)
		}
	}
	if _, err := p.Catalog.Apply(context.Background(), "file:testdata", catalog.Mutation{Type: catalog.Full, Entities: all, Orphans: true}); err != nil {
		t.Fatal(err)
	}
	orphanRefunds(t, p)
	_, doc, _ := get(t, p.URL, "/catalog/default/api/refunds-api")
	banner := strings.Join(strings.Fields(doc.Find(`[data-testid="orphan-banner"]`).Text()), " ")
	for _, want := range []string{"No longer listed by file:/srv/catalog/all.yaml (since 20", "It was read from file:/srv/catalog/apis/refunds.yaml."} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner %q lacks %q", banner, want)
		}
	}
}

// An orphan that records the Location that stopped naming its file (one
// under the root) is shown as orphaned by that Location, not the root.
func TestOrphanBannerNamesTheNestedLocationThatDroppedIt(t *testing.T) {
	p := newPortal(t)
	var all, keep []catalog.DeferredEntity
	for _, name := range []string{"catalog.yaml", "many.yaml"} {
		for _, de := range parseFile(t, name) {
			if de.Entity.Metadata.Name == "refunds-api" {
				de.Source.Location = "file:/srv/catalog/apis/refunds.yaml"
				de.Source.OriginLocation = "file:/srv/catalog/all.yaml"
				de.LocationKey = de.Source.Location
			} else {
				keep = append(keep, de)
			}
			all = append(all, de)
		}
	}
	ctx := context.Background()
	if _, err := p.Catalog.Apply(ctx, "file:testdata", catalog.Mutation{Type: catalog.Full, Entities: all, Orphans: true}); err != nil {
		t.Fatal(err)
	}
	refunds := catalog.Ref{Kind: "API", Namespace: "default", Name: "refunds-api"}
	if _, err := p.Catalog.Apply(ctx, "file:testdata", catalog.Mutation{Type: catalog.Full, Entities: keep, Orphans: true,
		OrphanedBy: map[string]string{refunds.Key(): "file:/srv/catalog/all-apis.yaml"}}); err != nil {
		t.Fatal(err)
	}
	_, doc, _ := get(t, p.URL, "/catalog/default/api/refunds-api")
	banner := strings.Join(strings.Fields(doc.Find(`[data-testid="orphan-banner"]`).Text()), " ")
	for _, want := range []string{"No longer listed by file:/srv/catalog/all-apis.yaml (since 20", "It was read from file:/srv/catalog/apis/refunds.yaml."} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner %q lacks %q", banner, want)
		}
	}
}

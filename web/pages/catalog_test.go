package pages_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/web/pages"
)

func TestCatalogFiltersAndSearches(t *testing.T) {
	p := newPortal(t)
	tests := []struct {
		name  string
		query string
		want  []string // result titles, in order
	}{
		{"kind facet", "?kind=api", []string{"Payments API", "Refunds API"}},
		{"kind facet is case-insensitive", "?kind=API", []string{"Payments API", "Refunds API"}},
		{"two values of a facet are ORed", "?kind=api&kind=system", []string{"checkout", "Payments API", "Refunds API"}},
		{"facets are ANDed", "?kind=api&lifecycle=experimental", []string{"Refunds API"}},
		{"tag facet", "?tag=rest", []string{"Payments API"}},
		{"text search", "?q=refund", []string{"Refunds API"}},
		{"text search with a facet", "?kind=component&q=checkout", []string{"checkout-web"}},
		{"nothing matches", "?kind=api&q=nothing-like-this", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, doc, _ := get(t, p.URL, "/catalog"+tt.query)
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			got := texts(doc, `[data-testid="result-link"]`)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
			if tt.want == nil && doc.Find(`[data-testid="empty-state"]`).Length() != 1 {
				t.Error("no empty state for an empty result")
			}
		})
	}
}

func TestCatalogFacetsShowCountsAndKeepOtherValuesOfTheSelectedFacet(t *testing.T) {
	p := newPortal(t)
	_, doc, _ := get(t, p.URL, "/catalog?kind=api")
	kind := doc.Find(`[data-testid="facet-kind"]`)
	api := kind.Find(`input[value="API"]`)
	if _, checked := api.Attr("checked"); !checked {
		t.Error("kind=api is not checked")
	}
	if kind.Find(`input[value="Component"]`).Length() != 1 {
		t.Error("kind facet lost its other values after selecting api")
	}
	lifecycle := texts(doc, `[data-testid="facet-lifecycle"] li`)
	want := []string{"experimental 1", "production 1"}
	if diff := cmp.Diff(want, lifecycle); diff != "" {
		t.Errorf("lifecycle counts among APIs (-want +got):\n%s", diff)
	}
	chips := texts(doc, `[data-testid="active-filter"]`)
	if len(chips) != 1 || !strings.HasPrefix(chips[0], "Kind: api") {
		t.Errorf("active filters %q", chips)
	}
}

func TestCatalogFacetCountsFollowTheSearch(t *testing.T) {
	p := newPortal(t)
	_, doc, _ := get(t, p.URL, "/catalog?kind=api&q=refund")
	lifecycle := texts(doc, `[data-testid="facet-lifecycle"] li`)
	if diff := cmp.Diff([]string{"experimental 1"}, lifecycle); diff != "" {
		t.Errorf("lifecycle counts among the APIs matching 'refund' (-want +got):\n%s", diff)
	}
}

func TestCatalogAnswersHTMXWithTheRegionOnly(t *testing.T) {
	p := newPortal(t)
	tests := []struct {
		name    string
		headers []string
		full    bool
	}{
		{"plain request", nil, true},
		{"htmx request", []string{"HX-Request", "true"}, false},
		{"boosted navigation", []string{"HX-Request", "true", "HX-Boosted", "true"}, true},
		{"history restore", []string{"HX-Request", "true", "HX-History-Restore-Request", "true"}, true},
		{"full-page target", []string{"HX-Request", "true", "HX-Request-Type", "full"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, doc, body := get(t, p.URL, "/catalog?kind=api", tt.headers...)
			if got := strings.Contains(body, "<html"); got != tt.full {
				t.Errorf("whole page = %v, want %v", got, tt.full)
			}
			if n := doc.Find(`[data-testid="result-row"]`).Length(); n != 2 {
				t.Errorf("%d result rows, want 2", n)
			}
		})
	}
}

func TestCatalogPagesVisitEveryEntityOnce(t *testing.T) {
	p := newPortal(t)
	var seen []string
	next := "/catalog?kind=component"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		status, doc, _ := get(t, p.URL, next)
		if status != http.StatusOK {
			t.Fatalf("GET %s: status %d", next, status)
		}
		seen = append(seen, texts(doc, `[data-testid="result-link"]`)...)
		next, _ = doc.Find(`[data-testid="next-page"]`).Attr("href")
		if next != "" {
			u, err := url.Parse(next)
			if err != nil || u.Query().Get("kind") != "component" || u.Query().Get("cursor") == "" {
				t.Fatalf("next link %q lost the filter or has no cursor", next)
			}
		}
	}
	if len(seen) != 31 {
		t.Errorf("saw %d components, want 31", len(seen))
	}
	sorted := slices.Clone(seen)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(seen) {
		t.Errorf("an entity appeared twice: %q", seen)
	}
}

func TestCatalogWithAStaleCursorShowsTheFirstPage(t *testing.T) {
	p := newPortal(t)
	status, doc, _ := get(t, p.URL, "/catalog?kind=api&cursor=not-a-cursor")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	if n := doc.Find(`[data-testid="result-row"]`).Length(); n != 2 {
		t.Errorf("%d rows, want the first page (2)", n)
	}
	if !strings.Contains(doc.Text(), "no longer valid") {
		t.Error("no notice about the stale cursor")
	}
}

func TestAPIExplorerListsOnlyAPIsWithTheirColumns(t *testing.T) {
	p := newPortal(t)
	_, doc, _ := get(t, p.URL, "/apis?lifecycle=production")
	rows := texts(doc, `[data-testid="result-row"]`)
	if len(rows) != 1 {
		t.Fatalf("rows %q, want only Payments API", rows)
	}
	for _, want := range []string{"Payments API", "openapi", "team-payments", "production", "checkout", "rest"} {
		if !strings.Contains(rows[0], want) {
			t.Errorf("row %q lacks %q", rows[0], want)
		}
	}
	if doc.Find(`[data-testid="facet-kind"]`).Length() != 0 {
		t.Error("the API explorer offers a kind filter")
	}
	if got := doc.Find(`a[aria-current="page"]`).Text(); got != "APIs" {
		t.Errorf("active nav %q", got)
	}
}

func TestOwnedByMeFiltersToWhatTheSignedInUserOwns(t *testing.T) {
	signedIn := func(c *echo.Context) (catalog.Condition, bool) {
		if c.Request().Header.Get("X-Test-User") == "" {
			return catalog.Condition{}, false
		}
		return catalog.Condition{Key: "relations.ownedby", Values: []string{"group:default/team-payments"}}, true
	}
	p := newPortalWith(t, pages.Options{OwnedBy: signedIn})
	tests := []struct {
		name     string
		headers  []string
		control  bool
		wantRows int
	}{
		{"signed in", []string{"X-Test-User", "jane"}, true, 2},
		{"signed out ignores owned=me", nil, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, doc, _ := get(t, p.URL, "/apis?owned=me", tt.headers...)
			if got := doc.Find(`[data-testid="owned-by-me"]`).Length() == 1; got != tt.control {
				t.Errorf("control shown = %v, want %v", got, tt.control)
			}
			if n := doc.Find(`[data-testid="result-row"]`).Length(); n != tt.wantRows {
				t.Errorf("%d rows, want %d", n, tt.wantRows)
			}
		})
	}
	// Nobody owns the system's components but team-payments; a user owning
	// nothing sees nothing.
	nobody := func(c *echo.Context) (catalog.Condition, bool) {
		return catalog.Condition{Key: "relations.ownedby", Values: []string{"group:default/nobody"}}, true
	}
	p2 := newPortalWith(t, pages.Options{OwnedBy: nobody})
	_, doc, _ := get(t, p2.URL, "/catalog?owned=me")
	if n := doc.Find(`[data-testid="result-row"]`).Length(); n != 0 {
		t.Errorf("owning nothing lists %d rows", n)
	}
	if _, checked := doc.Find(`[data-testid="owned-by-me"]`).Attr("checked"); !checked {
		t.Error("the Owned by me box is not checked")
	}
	_, doc, _ = get(t, p2.URL, "/catalog")
	if n := doc.Find(`[data-testid="result-row"]`).Length(); n == 0 {
		t.Error("without owned=me the catalog is empty")
	}
}

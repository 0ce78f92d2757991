package pages_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico/catalog"
)

func TestEntityPageShowsTheEntity(t *testing.T) {
	p := newPortal(t)
	status, doc, body := get(t, p.URL, "/catalog/default/api/payments-api")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	if got := doc.Find(`[data-testid="entity-title"]`).Text(); got != "Payments API" {
		t.Errorf("title %q", got)
	}
	owner := doc.Find(`[data-testid="entity-owner"] a`)
	if href, _ := owner.Attr("href"); href != "/catalog/default/group/team-payments" {
		t.Errorf("owner link %q", href)
	}
	if got := doc.Find(`[data-testid="entity-provider"]`).Text(); got != "file:testdata" {
		t.Errorf("provider %q", got)
	}
	rels := doc.Find(`[data-testid="relation-ownedBy"] a`)
	if href, _ := rels.Attr("href"); href != "/catalog/default/group/team-payments" {
		t.Errorf("ownedBy relation link %q", href)
	}
	if doc.Find(`[data-testid="relation-apiProvidedBy"] a[href="/catalog/default/component/checkout-web"]`).Length() != 1 {
		t.Error("no apiProvidedBy relation to checkout-web")
	}
	links := doc.Find(`[data-testid="links"]`)
	if links.Find(`a[href="https://docs.example.com/payments"]`).Length() != 1 {
		t.Error("the https link is not a link")
	}
	if strings.Contains(body, `href="javascript:`) {
		t.Error("a javascript: URL became a link")
	}
	if !strings.Contains(links.Text(), "Evil link") {
		t.Error("the refused link's title is not shown as text")
	}
	if strings.Contains(body, "<script>alert(1)</script>") {
		t.Error("an annotation value was not escaped")
	}
	tabs := texts(doc, `nav[aria-label="Entity sections"] a`)
	if diff := cmp.Diff([]string{"Overview", "Raw"}, tabs); diff != "" {
		t.Errorf("tabs (-want +got):\n%s", diff)
	}
}

func TestEntityYAMLTabShowsTheStoredEntity(t *testing.T) {
	p := newPortal(t)
	status, doc, _ := get(t, p.URL, "/catalog/default/api/payments-api/yaml")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	yaml := doc.Find(`[data-testid="raw-yaml"]`).Text()
	for _, want := range []string{"apiVersion: backstage.io/v1alpha1\nkind: API\n", "  name: payments-api\n", "definition: |", "    openapi: 3.0.0\n", "targetRef: group:default/team-payments"} {
		if !strings.Contains(yaml, want) {
			t.Errorf("YAML lacks %q:\n%s", want, yaml)
		}
	}
	if _, ok := doc.Find(`[data-testid="tab-yaml"]`).Attr("aria-current"); !ok {
		t.Error("the Raw tab is not marked current")
	}
}

func TestEntityPageShowsProblemsAndConflicts(t *testing.T) {
	p := newPortal(t)
	ctx := context.Background()
	good := parseFile(t, "catalog.yaml")
	var refunds catalog.DeferredEntity
	for _, de := range good {
		if de.Entity.Metadata.Name == "refunds-api" {
			refunds = de
		}
	}
	// The same file, edited so that refunds-api has no owner.
	broken := refunds
	broken.Entity = *refunds.Entity.Clone()
	delete(broken.Entity.Spec, "owner")
	if _, err := p.Catalog.Apply(ctx, "file:testdata", catalog.Mutation{Type: catalog.Delta, Entities: []catalog.DeferredEntity{broken}}); err != nil {
		t.Fatal(err)
	}
	// Another location claims it.
	claim := refunds
	claim.LocationKey = "url:https://elsewhere.example.com/catalog-info.yaml"
	if _, err := p.Catalog.Apply(ctx, "other", catalog.Mutation{Type: catalog.Delta, Entities: []catalog.DeferredEntity{claim}}); err != nil {
		t.Fatal(err)
	}

	_, doc, _ := get(t, p.URL, "/catalog/default/api/refunds-api")
	problems := doc.Find(`[data-testid="entity-problems"]`).Text()
	if !strings.Contains(problems, "spec.owner") {
		t.Errorf("problems %q do not name spec.owner", problems)
	}
	if got := doc.Find(`[data-testid="entity-owner"]`).Text(); !strings.Contains(got, "team-payments") {
		t.Errorf("owner %q: the last good version is not shown", got)
	}
	conflicts := doc.Find(`[data-testid="entity-conflicts"]`).Text()
	if !strings.Contains(conflicts, "elsewhere.example.com") {
		t.Errorf("conflicts %q do not name the rejected location", conflicts)
	}
}

func TestUnknownEntitiesAndRoutesAnswer404Pages(t *testing.T) {
	p := newPortal(t)
	tests := []struct {
		path, want string
	}{
		{"/catalog/default/api/no-such-api", "api:default/no-such-api"},
		{"/no/such/page", "/no/such/page"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			status, doc, _ := get(t, p.URL, tt.path)
			if status != http.StatusNotFound {
				t.Errorf("status %d, want 404", status)
			}
			if doc.Find(`[data-testid="error-page"]`).Length() != 1 {
				t.Fatal("no error page")
			}
			if got := doc.Find(`[data-testid="error-message"]`).Text(); !strings.Contains(got, tt.want) {
				t.Errorf("message %q lacks %q", got, tt.want)
			}
			if doc.Find(`header nav[aria-label="Main"]`).Length() != 1 {
				t.Error("the 404 page has no layout")
			}
		})
	}
}

func TestStaticAssetsAreServedWithCacheHeaders(t *testing.T) {
	p := newPortal(t)
	_, doc, _ := get(t, p.URL, "/")
	css, _ := doc.Find(`link[rel="stylesheet"]`).Attr("href")
	js, _ := doc.Find(`script[src]`).Attr("src")
	tests := []struct {
		path, contentType, cache string
	}{
		{css, "text/css", "immutable"},
		{js, "javascript", "immutable"},
		{"/static/icons/portico.svg", "image/svg+xml", "max-age=3600"},
	}
	for _, tt := range tests {
		resp, err := http.Get(p.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", tt.path, resp.StatusCode)
		}
		if got := resp.Header.Get("Content-Type"); !strings.Contains(got, tt.contentType) {
			t.Errorf("%s: content type %q", tt.path, got)
		}
		if got := resp.Header.Get("Cache-Control"); !strings.Contains(got, tt.cache) {
			t.Errorf("%s: cache-control %q, want %q", tt.path, got, tt.cache)
		}
	}
}

func TestPagesAnswerHEAD(t *testing.T) {
	p := newPortal(t)
	for _, path := range []string{"/", "/catalog", "/apis", "/catalog/default/api/payments-api"} {
		req, _ := http.NewRequest(http.MethodHead, p.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("HEAD %s: status %d", path, resp.StatusCode)
		}
	}
}

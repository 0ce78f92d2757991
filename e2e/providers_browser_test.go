package e2e

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/playwright-community/playwright-go"
)

// syncNow opens /providers, presses the provider's "Sync now" and waits for
// the progress region to report the run's outcome.
func syncNow(t *testing.T, page playwright.Page, base, provider string) {
	t.Helper()
	expect := playwright.NewPlaywrightAssertions(20000)
	if _, err := page.Goto(base + "/providers"); err != nil {
		t.Fatal(err)
	}
	card := page.Locator(fmt.Sprintf(`[data-testid="provider"][data-provider=%q]`, provider))
	if err := card.Locator(`[data-testid="sync-now"]`).Click(); err != nil {
		Screenshot(t, page, "failed-sync-now")
		t.Fatalf("click Sync now: %v", err)
	}
	if err := expect.Locator(card.Locator(`[data-testid="progress"][data-outcome="ok"]`)).ToBeVisible(); err != nil {
		Screenshot(t, page, "failed-sync-progress")
		t.Fatalf("the run did not end ok: %v", err)
	}
	Screenshot(t, page, "providers-after-sync")
}

// TestProvidersS3SyncNowShowsTheAPI is the Traveloka flow: a service team
// uploads its API descriptor and OpenAPI file to the bucket, someone presses
// "Sync now", and the API appears with its definition.
func TestProvidersS3SyncNowShowsTheAPI(t *testing.T) {
	page := NewPage(t)
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	if err := backend.CreateBucket("apis"); err != nil {
		t.Fatal(err)
	}
	put := func(key, body string) {
		if _, err := backend.PutObject("apis", key, map[string]string{}, strings.NewReader(body), int64(len(body)), nil); err != nil {
			t.Fatal(err)
		}
	}
	put("payments/catalog-info.yaml", `apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-api
  title: Payments API
spec:
  type: openapi
  lifecycle: production
  owner: team-payments
  definition:
    $text: ./openapi.yaml
`)
	put("payments/openapi.yaml", `openapi: 3.0.0
info: {title: Payments API, version: '1.0'}
servers: [{url: 'https://payments.example.com/v1'}]
paths:
  /payments:
    get:
      operationId: listPayments
      summary: List payments
      responses: {'200': {description: ok}}
`)
	base := StartPortal(t, fmt.Sprintf(`integrations:
  awsS3:
    - endpoint: %s
      s3ForcePathStyle: true
      accessKeyId: AKIDE2E
      secretAccessKey: e2e-s3-secret-key
catalog:
  providers:
    awsS3:
      bucketName: apis
      region: us-east-1
      schedule:
        frequency: {hours: 1}
        timeout: {minutes: 1}
        initialDelay: {hours: 1}
`, srv.URL))
	syncNow(t, page, base, "awsS3-provider:default")
	if html, _ := page.Content(); strings.Contains(html, "e2e-s3-secret-key") {
		t.Fatal("the secret key is on the page")
	}
	expect := playwright.NewPlaywrightAssertions(10000)
	if _, err := page.Goto(base + "/catalog/default/api/payments-api/definition"); err != nil {
		t.Fatal(err)
	}
	if err := expect.Locator(page.Locator(`[data-testid="api-title"]`)).ToHaveText("Payments API"); err != nil {
		Screenshot(t, page, "failed-s3-definition")
		t.Fatalf("definition: %v", err)
	}
	if err := expect.Locator(page.Locator("details#op-listPayments")).ToBeVisible(); err != nil {
		Screenshot(t, page, "failed-s3-operation")
		t.Fatalf("operation: %v", err)
	}
	Screenshot(t, page, "s3-api-definition")
}

// TestProvidersThreeScaleSyncNowOffersGatewaysInTryIt syncs a fake 3scale
// tenant and expects its staging and production APIcast endpoints among
// try-it-out's servers.
func TestProvidersThreeScaleSyncNowOffersGatewaysInTryIt(t *testing.T) {
	page := NewPage(t)
	tenant := fake3scaleTenant(t, 1, 0)
	base := StartPortal(t, fmt.Sprintf(`catalog:
  providers:
    threeScaleApiEntity:
      dev:
        baseUrl: %s
        accessToken: e2e-token
        schedule:
          frequency: {hours: 1}
          timeout: {minutes: 1}
          initialDelay: {hours: 1}
`, tenant.URL))
	syncNow(t, page, base, "ThreeScaleApiEntityProvider:dev")
	if html, _ := page.Content(); strings.Contains(html, "e2e-token") || strings.Contains(html, "e2e-proxy-secret") {
		t.Fatal("a 3scale secret is on the page")
	}
	expect := playwright.NewPlaywrightAssertions(10000)
	if _, err := page.Goto(base + "/catalog/default/api/payments-1/definition"); err != nil {
		t.Fatal(err)
	}
	op := page.Locator("details#op-listPayments")
	if err := op.Locator(":scope > summary").Click(); err != nil {
		Screenshot(t, page, "failed-3scale-operation")
		t.Fatalf("expand: %v", err)
	}
	if err := expect.Locator(op.Locator(`[data-testid="try-form"]`)).ToBeVisible(); err != nil {
		Screenshot(t, page, "failed-3scale-try")
		t.Fatalf("try form: %v", err)
	}
	options, err := op.Locator(`[data-testid="try-server"] option`).AllTextContents()
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(options, "\n")
	for _, want := range []string{"https://payments-staging.example.com", "https://payments.example.com"} {
		if !strings.Contains(all, want) {
			Screenshot(t, page, "failed-3scale-servers")
			t.Fatalf("try-it servers %q lack %s", options, want)
		}
	}
	Screenshot(t, page, "3scale-try-it-servers")
}

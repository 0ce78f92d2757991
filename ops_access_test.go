package portico_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestMetricsNeedSignInOrToken: with sign-in required, /metrics is for
// signed-in users and static-token scrapers only, unless metrics.public;
// /readyz stays open and says only whether the portal is ready (issue 13,
// finding 6).
func TestMetricsNeedSignInOrToken(t *testing.T) {
	p := startAuthBackend(t, false, "")
	anon := newBrowser(t, false)
	if resp, body := anon.get(p.base + "/metrics"); resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, "http_request_duration_seconds") {
		t.Errorf("anonymous /metrics: %d, want 401 without metrics\n%s", resp.StatusCode, body)
	}
	token := http.Header{"Authorization": {"Bearer " + integrationToken}}
	if resp, body := anon.do(http.MethodGet, p.base+"/metrics", nil, token); resp.StatusCode != http.StatusOK || !strings.Contains(body, "portico_catalog_entities") {
		t.Errorf("/metrics with the static token: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := anon.do(http.MethodGet, p.base+"/metrics", nil, http.Header{"Authorization": {"Bearer wrong"}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/metrics with a wrong token: %d\n%s", resp.StatusCode, body)
	}
	user := signInWithGitHub(t, p)
	if resp, body := user.get(p.base + "/metrics"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "portico_catalog_entities") {
		t.Errorf("/metrics signed in: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := anon.get(p.base + "/readyz"); resp.StatusCode != http.StatusOK || body != `{"status":"ok"}` {
		t.Errorf("anonymous /readyz: %d %s", resp.StatusCode, body)
	}
}

// TestMetricsPublic: metrics.public: true opens /metrics to anonymous
// scrapers while the rest still needs sign-in.
func TestMetricsPublic(t *testing.T) {
	p := startAuthBackend(t, false, "", "metrics: {public: true}\n")
	anon := newBrowser(t, false)
	if resp, body := anon.get(p.base + "/metrics"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "portico_catalog_entities") {
		t.Errorf("anonymous /metrics with metrics.public: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := anon.get(p.base + "/api/catalog/entities"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous API with metrics.public: %d, want 401", resp.StatusCode)
	}
}

// TestWebhookDeliveriesNeedSignInOrToken: the webhook deliveries (REST and
// the /providers/webhooks page) name internal APIs and receivers' errors,
// so with sign-in configured they are for signed-in users (and, for the
// REST list, the static token) only; the /providers page links the page.
func TestWebhookDeliveriesNeedSignInOrToken(t *testing.T) {
	p := startAuthBackend(t, false, "", "apiDocs:\n  history:\n    webhooks:\n      - {url: 'https://hooks.example/services/T0/B0/tok3n', secret: 0123456789abcdef}\n")
	const api, page = "/api/apidocs/webhooks/deliveries", "/providers/webhooks"
	anon := newBrowser(t, false)
	if resp, body := anon.get(p.base + api); resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, "hooks.example") {
		t.Errorf("anonymous %s: %d, want 401 without the webhooks\n%s", api, resp.StatusCode, body)
	}
	if resp, body := anon.get(p.base + page); resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "signin") || strings.Contains(body, "hooks.example") {
		t.Errorf("anonymous %s: %d to %q, want a redirect to sign in\n%s", page, resp.StatusCode, resp.Header.Get("Location"), body)
	}
	token := http.Header{"Authorization": {"Bearer " + integrationToken}}
	if resp, body := anon.do(http.MethodGet, p.base+api, nil, token); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"url":"https://hooks.example/…"`) || strings.Contains(body, "tok3n") {
		t.Errorf("%s with the static token: %d\n%s", api, resp.StatusCode, body)
	}
	user := signInWithGitHub(t, p)
	if resp, body := user.get(p.base + api); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"deliveries":[]`) {
		t.Errorf("%s signed in: %d\n%s", api, resp.StatusCode, body)
	}
	if resp, body := user.get(p.base + page); resp.StatusCode != http.StatusOK || !strings.Contains(body, "https://hooks.example/…") || strings.Contains(body, "tok3n") {
		t.Errorf("%s signed in: %d\n%s", page, resp.StatusCode, body)
	}
	if _, body := user.get(p.base + "/providers"); !strings.Contains(body, `href="/providers/webhooks"`) {
		t.Errorf("/providers does not link the deliveries\n%s", body)
	}
}

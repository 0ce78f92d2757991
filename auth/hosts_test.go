package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"
)

// hostServer is an open portal (no sign-in) whose public URL is baseURL.
func hostServer(t *testing.T, baseURL string, allowed ...string) *echo.Echo {
	t.Helper()
	e := echo.New()
	if _, err := Register(context.Background(), e, Options{BaseURL: baseURL, CheckHost: baseURL != "", AllowedHosts: allowed}); err != nil {
		t.Fatal(err)
	}
	ok := func(c *echo.Context) error { return c.String(http.StatusOK, "ok") }
	e.GET("/catalog", ok)
	e.GET("/healthz", ok)
	e.POST("/sync", func(c *echo.Context) error {
		if err := RequireUser(c); err != nil {
			return err
		}
		return c.String(http.StatusOK, "synced")
	})
	return e
}

func hostRequest(e *echo.Echo, method, host, path string) int {
	req := httptest.NewRequest(method, path, nil)
	req.Host = host
	if method == http.MethodPost {
		// What a browser sends for a rebound page's own fetch().
		req.Header.Set("Origin", "http://"+host)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec.Code
}

// TestDNSRebindingIsRefused: a page whose name was re-pointed at the portal
// reads pages and posts "same-origin" under its own Host; with a public
// URL configured, the portal answers only to its own host (issue 13, the
// DNS-rebinding check).
func TestDNSRebindingIsRefused(t *testing.T) {
	e := hostServer(t, "https://portal.example")
	for _, tt := range []struct {
		method, host, path string
		want               int
	}{
		{"GET", "attacker.example:7007", "/catalog", http.StatusMisdirectedRequest},
		{"POST", "attacker.example:7007", "/sync", http.StatusMisdirectedRequest},
		{"GET", "attacker.example", "/catalog", http.StatusMisdirectedRequest},
		{"GET", "portal.example.attacker.example", "/catalog", http.StatusMisdirectedRequest},
		{"GET", "portal.example:8443", "/catalog", http.StatusMisdirectedRequest},
		{"GET", "portal.example", "/catalog", http.StatusOK},
		{"GET", "PORTAL.EXAMPLE.", "/catalog", http.StatusOK},
		{"GET", "portal.example:443", "/catalog", http.StatusOK},
		{"POST", "portal.example", "/sync", http.StatusOK},
		{"GET", "127.0.0.1:7007", "/catalog", http.StatusOK},
		{"GET", "[::1]:7007", "/catalog", http.StatusOK},
		{"GET", "10.1.2.3", "/catalog", http.StatusOK},
		{"GET", "localhost:7007", "/catalog", http.StatusOK},
		{"GET", "attacker.example", "/healthz", http.StatusOK},
	} {
		if got := hostRequest(e, tt.method, tt.host, tt.path); got != tt.want {
			t.Errorf("%s %s with Host %s: %d, want %d", tt.method, tt.path, tt.host, got, tt.want)
		}
	}
}

// TestAllowedHosts: backend.allowedHosts adds hosts (with or without a
// port, or a subdomain pattern); without a public URL every host is
// answered, as before.
func TestAllowedHosts(t *testing.T) {
	e := hostServer(t, "https://portal.example", "portal.internal:8080", "*.corp.example", "proxy-name")
	for host, want := range map[string]int{
		"portal.internal:8080":    http.StatusOK,
		"portal.internal:9090":    http.StatusMisdirectedRequest,
		"portal.internal":         http.StatusMisdirectedRequest,
		"a.corp.example":          http.StatusOK,
		"a.b.corp.example:7007":   http.StatusOK,
		"corp.example":            http.StatusMisdirectedRequest,
		"evilcorp.example":        http.StatusMisdirectedRequest,
		"proxy-name:7007":         http.StatusOK,
		"proxy-name.example:7007": http.StatusMisdirectedRequest,
	} {
		if got := hostRequest(e, "GET", host, "/catalog"); got != want {
			t.Errorf("Host %s: %d, want %d", host, got, want)
		}
	}
	open := hostServer(t, "")
	if got := hostRequest(open, "GET", "anything.example", "/catalog"); got != http.StatusOK {
		t.Errorf("without a public URL: %d, want 200", got)
	}
	if _, err := Register(context.Background(), echo.New(), Options{BaseURL: "https://portal.example", CheckHost: true, AllowedHosts: []string{"https://x/"}}); err == nil {
		t.Errorf("a URL in backend.allowedHosts was accepted")
	}
}

// The public URL defaults to the listen address; that is not the operator
// choosing a host, so without backend.baseUrl or app.baseUrl any Host is
// served, as before.
func TestHostCheckNeedsAConfiguredPublicURL(t *testing.T) {
	e := echo.New()
	e.GET("/catalog", func(c *echo.Context) error { return c.String(http.StatusOK, "ok") })
	if _, err := Register(context.Background(), e, Options{BaseURL: "http://127.0.0.1:7007"}); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/catalog", nil)
	req.Host = "my-laptop.local:7007"
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("Host my-laptop.local without a configured public URL: %d, want 200", rec.Code)
	}
}

func TestSignInWithoutAPageRendererFailsAtStart(t *testing.T) {
	_, err := Register(context.Background(), echo.New(), Options{Config: Config{Guest: true}})
	if err == nil || !strings.Contains(err.Error(), "SignInPage") {
		t.Fatalf("err = %v; want one naming the missing SignInPage", err)
	}
}

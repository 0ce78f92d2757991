package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/auth"
)

func TestHealthz(t *testing.T) {
	env := newTestEnv(t, openSQLiteStore, Options{})
	res, body := env.do(t, "GET", "/healthz", "")
	if res.StatusCode != http.StatusOK || body != "ok\n" {
		t.Fatalf("status %d body %q", res.StatusCode, body)
	}
}

func TestReadyz(t *testing.T) {
	tests := []struct {
		name       string
		ready      func() error
		closeStore bool
		wantStatus int
		wantBody   string
	}{
		{name: "ready", wantStatus: 200, wantBody: `{"status":"ok"}`},
		{name: "ready check passes", ready: func() error { return nil }, wantStatus: 200, wantBody: `{"status":"ok"}`},
		{
			name:       "first ingest pending",
			ready:      func() error { return errors.New("waiting for the first ingest of file:/catalog/*.yaml") },
			wantStatus: 503,
			wantBody:   `{"status":"unavailable","reason":"waiting for the first ingest of file:/catalog/*.yaml"}`,
		},
		{name: "database closed", closeStore: true, wantStatus: 503, wantBody: `{"status":"unavailable","reason":"database unreachable"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, openSQLiteStore, Options{Ready: tt.ready})
			withStaticToken(t, env, "readyz-token-0123456789")
			if tt.closeStore {
				env.store.Close()
			}
			res, body := env.do(t, "GET", "/readyz", "", "Authorization", "Bearer readyz-token-0123456789")
			if res.StatusCode != tt.wantStatus || !strings.HasPrefix(body, tt.wantBody) {
				t.Fatalf("with a token: status %d body %s; want %d %s", res.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			// Anonymous callers learn the status, not the reason
			// (issue 13, finding 6).
			wantAnon := `{"status":"ok"}`
			if tt.wantStatus != http.StatusOK {
				wantAnon = `{"status":"unavailable"}`
			}
			res, body = env.do(t, "GET", "/readyz", "")
			if res.StatusCode != tt.wantStatus || body != wantAnon {
				t.Fatalf("anonymous: status %d body %s; want %d %s", res.StatusCode, body, tt.wantStatus, wantAnon)
			}
		})
	}
}

// withStaticToken installs auth's middleware on env's server with one
// backend.auth.externalAccess token and no sign-in (an open portal).
func withStaticToken(t *testing.T, env *testEnv, token string) {
	t.Helper()
	cfg := auth.Config{StaticTokens: []auth.StaticToken{{Token: token, Subject: "ci"}}}
	if _, err := auth.Register(context.Background(), env.srv.Echo, auth.Options{Config: cfg}); err != nil {
		t.Fatal(err)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	env := newTestEnv(t, openSQLiteStore, Options{})
	mustGet(t, env, "/api/catalog/entities/by-name/api/default/api-000001")
	mustGet(t, env, "/api/catalog/entities/by-name/api/default/api-000002")
	env.do(t, "GET", "/api/catalog/entities/by-name/api/default/missing", "")
	env.do(t, "GET", "/no/such/page/1", "")
	env.do(t, "GET", "/no/such/page/2", "")
	env.srv.Metrics.Register(func(w io.Writer) { io.WriteString(w, "portico_provider_runs_total{provider=\"x\"} 1\n") })
	res, body := env.do(t, "GET", "/metrics", "")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("status %d content type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		`http_request_duration_seconds_count{method="GET",route="/api/catalog/entities/by-name/:kind/:namespace/:name",status="200"} 2`,
		`http_request_duration_seconds_count{method="GET",route="/api/catalog/entities/by-name/:kind/:namespace/:name",status="404"} 1`,
		`portico_catalog_entities{kind="API"} 12`,
		`portico_catalog_entities{kind="Group"} 2`,
		`portico_provider_runs_total{provider="x"} 1`,
		`http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}

func TestPanicBecomes500(t *testing.T) {
	var logs bytes.Buffer
	env := newTestEnv(t, openSQLiteStore, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	boom := func(c *echo.Context) error { panic("boom") }
	env.srv.Echo.GET("/api/catalog/boom", boom)
	env.srv.Echo.GET("/boom", boom)

	res, body := env.do(t, "GET", "/api/catalog/boom", "")
	assertErrorBody(t, res, body, errorBody{
		Error:    errorInfo{Name: "Error", Message: "internal error"},
		Request:  errorRequest{Method: "GET", URL: "/api/catalog/boom"},
		Response: errorStatus{StatusCode: 500},
	})
	res, body = env.do(t, "GET", "/boom", "")
	if res.StatusCode != 500 || !strings.Contains(body, "500 Internal Server Error") || strings.Contains(body, "boom") {
		t.Errorf("HTML error: status %d body %q", res.StatusCode, body)
	}
	if !strings.Contains(logs.String(), `"panic":"boom"`) {
		t.Errorf("panic not logged: %s", logs.String())
	}
}

func TestErrorPageHook(t *testing.T) {
	env := newTestEnv(t, openSQLiteStore, Options{})
	env.srv.ErrorPage = func(c *echo.Context, status int, message string) error {
		return c.HTML(status, "<h1>custom "+message+"</h1>")
	}
	res, body := env.do(t, "GET", "/no/such/page", "")
	if res.StatusCode != 404 || body != "<h1>custom Not Found</h1>" {
		t.Errorf("status %d body %q", res.StatusCode, body)
	}
	// The API keeps answering JSON.
	res, _ = env.do(t, "GET", "/api/catalog/nothing", "")
	if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("API 404: status %d type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// TestRequestLogging: request lines are at debug level unless the access
// log is on (every request at info filled 116 MB in two minutes of load,
// issue 15); probes stay at debug either way.
func TestRequestLogging(t *testing.T) {
	for _, accessLog := range []bool{false, true} {
		var logs bytes.Buffer
		env := newTestEnv(t, openSQLiteStore, Options{AccessLog: accessLog, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
		mustGet(t, env, "/healthz")
		mustGet(t, env, "/api/catalog/entities/by-name/api/default/api-000001")
		out := logs.String()
		if strings.Contains(out, `"path":"/healthz"`) {
			t.Errorf("accessLog %v: healthz logged at info: %s", accessLog, out)
		}
		if !accessLog {
			if strings.Contains(out, `"msg":"request"`) {
				t.Errorf("access log off, but requests logged at info: %s", out)
			}
			continue
		}
		for _, want := range []string{`"msg":"request"`, `"route":"/api/catalog/entities/by-name/:kind/:namespace/:name"`, `"status":200`, `"duration":`} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %s: %s", want, out)
			}
		}
	}
}

// TestClientDisconnectIsNotAnError: a client that goes away mid-request
// was logged as ERROR "context canceled" (issue 15); it is an info line
// and a 499 in the metrics.
func TestClientDisconnectIsNotAnError(t *testing.T) {
	var logs syncBuffer
	env := newTestEnv(t, openSQLiteStore, Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	started := make(chan struct{})
	env.srv.Echo.GET("/api/catalog/slow", func(c *echo.Context) error {
		close(started)
		<-c.Request().Context().Done()
		return fmt.Errorf("query entities: %w", c.Request().Context().Err())
	})
	ts := httptest.NewServer(env.srv)
	defer ts.Close()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/api/catalog/slow", nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	<-started
	cancel()
	<-done
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "client closed the request") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	out := logs.String()
	if !strings.Contains(out, `"level":"INFO","msg":"client closed the request before the answer"`) {
		t.Errorf("no info line for the disconnect: %s", out)
	}
	if strings.Contains(out, `"level":"ERROR"`) || strings.Contains(out, `"level":"WARN"`) {
		t.Errorf("a client disconnect was logged as a failure: %s", out)
	}
	_, metrics := env.do(t, "GET", "/metrics", "")
	if !strings.Contains(metrics, `route="/api/catalog/slow",status="499"`) {
		t.Errorf("metrics lack the 499: %s", grepLines(metrics, "/api/catalog/slow"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// syncBuffer is a bytes.Buffer safe for a logger writing from the
// server's goroutines while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestServeShutsDownWhenContextEnds(t *testing.T) {
	env := newTestEnv(t, openSQLiteStore, Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- env.srv.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String() + "/healthz"
	var res *http.Response
	for range 50 {
		if res, err = http.Get(url); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("server did not answer: %v", err)
	}
	res.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return after the context ended")
	}
	if _, err := http.Get(url); err == nil {
		t.Error("server still answers after shutdown")
	}
}

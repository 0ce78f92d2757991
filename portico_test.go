package portico_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/auth"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/plugins/appplugin"
	"github.com/porticohq/portico/plugins/authplugin"
	"github.com/porticohq/portico/plugins/catalogplugin"
)

// testBackend returns a backend on a temporary SQLite file, listening on
// 127.0.0.1:0, logging into the returned buffer.
func testBackend(t *testing.T, opts ...portico.Option) (*portico.Backend, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	base := []portico.Option{
		portico.WithConfig(config.New(nil)),
		portico.WithDatabase(config.Database{Driver: config.DriverSQLite, Path: filepath.Join(t.TempDir(), "portico.db")}),
		portico.WithAddress("127.0.0.1:0"),
		portico.WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
		portico.WithDemo(false),
	}
	return portico.New(append(base, opts...)...), logs
}

// start runs b in the background and waits until it serves; the backend
// stops when the test ends.
func start(t *testing.T, b *portico.Backend) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	select {
	case <-b.Ready():
		return "http://" + b.Addr().String()
	case err := <-errc:
		errc <- nil
		t.Fatalf("Run failed: %v", err)
	case <-time.After(patience):
		t.Fatal("backend did not start")
	}
	return ""
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

func okPlugin(id string) portico.Feature {
	return portico.NewPlugin(id, func(portico.PluginRegistrar) error { return nil })
}

func okModule(pluginID, id string) portico.Feature {
	return portico.NewModule(pluginID, id, func(portico.ModuleRegistrar) error { return nil })
}

// tabModule is an app module that adds an entity tab with id tabID.
func tabModule(id, tabID string) portico.Feature {
	return portico.NewModule(appplugin.ID, id, func(r portico.ModuleRegistrar) error {
		pages, err := portico.ExtensionPoint[appplugin.Extensions](r)
		if err != nil {
			return err
		}
		pages.AddEntityTab(appplugin.EntityTab{ID: tabID, Title: "Frobs"})
		return nil
	})
}

func TestStartupFailuresNameTheFeatureAndLeaveNoListener(t *testing.T) {
	tests := []struct {
		name     string
		features []portico.Feature
		want     string
	}{
		{"duplicate plugin id", []portico.Feature{okPlugin("frobs"), okPlugin("frobs")},
			`plugin "frobs": added twice (plugin ids must be unique)`},
		{"duplicate module id", []portico.Feature{okPlugin("catalog"), okModule("catalog", "frobs"), okModule("catalog", "frobs")},
			`module "catalog.frobs": added twice (module ids must be unique within their plugin)`},
		{"module without its plugin", []portico.Feature{okModule("catalog", "frobs")},
			`module "catalog.frobs": extends plugin "catalog", which is not added`},
		{"failing plugin registration", []portico.Feature{portico.NewPlugin("frobs", func(portico.PluginRegistrar) error {
			return errors.New("frobs.baseUrl is required")
		})}, `plugin "frobs": register: frobs.baseUrl is required`},
		{"failing module registration", []portico.Feature{okPlugin("catalog"), portico.NewModule("catalog", "frobs", func(portico.ModuleRegistrar) error {
			return errors.New("boom")
		})}, `module "catalog.frobs": register: boom`},
		{"panicking registration", []portico.Feature{portico.NewPlugin("frobs", func(portico.PluginRegistrar) error {
			panic("nil map")
		})}, `plugin "frobs": register: panic: nil map`},
		{"failing init", []portico.Feature{portico.NewPlugin("frobs", func(r portico.PluginRegistrar) error {
			r.RegisterInit(func(context.Context) error { return errors.New("cannot reach frobs") })
			return nil
		})}, `plugin "frobs": init: cannot reach frobs`},
		{"dependency on an absent plugin", []portico.Feature{portico.NewPlugin("frobs", func(r portico.PluginRegistrar) error {
			r.DependsOn("widgets")
			return nil
		})}, `plugin "frobs": depends on plugin "widgets", which is not added`},
		{"extension point the plugin does not offer", []portico.Feature{okPlugin("catalog"), portico.NewModule("catalog", "frobs", func(r portico.ModuleRegistrar) error {
			_, err := portico.ExtensionPoint[catalogplugin.Extensions](r)
			return err
		})}, `module "catalog.frobs": register: plugin "catalog" offers no catalogplugin.Extensions extension point`},
		{"two entity tabs with one id", []portico.Feature{appplugin.Plugin(), tabModule("a", "frobs"), tabModule("b", "frobs")},
			`plugin "app": init: entity tab "frobs" added twice (tab ids must be unique)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			b, _ := testBackend(t, portico.WithListener(ln))
			b.Add(tt.features...)
			err = b.Run(context.Background())
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Run() = %v\nwant %s", err, tt.want)
			}
			var fe *portico.FeatureError
			if !errors.As(err, &fe) {
				t.Errorf("error is %T, want a *FeatureError", err)
			}
			// The port is free again: we can listen on it ourselves.
			again, err := net.Listen("tcp", addr)
			if err != nil {
				t.Fatalf("port %s still taken after a failed start: %v", addr, err)
			}
			again.Close()
		})
	}
}

func TestStartOrderModulesBeforeTheirPluginPluginsByDependency(t *testing.T) {
	var order []string
	record := func(name string) func(context.Context) error {
		return func(context.Context) error { order = append(order, name); return nil }
	}
	type ext interface{ Add(string) }
	b, _ := testBackend(t)
	b.Add(
		portico.NewModule("b", "m1", func(r portico.ModuleRegistrar) error {
			e, err := portico.ExtensionPoint[ext](r)
			if err != nil {
				return err
			}
			e.Add("m1")
			r.RegisterInit(record("b.m1"))
			return nil
		}),
		portico.NewPlugin("a", func(r portico.PluginRegistrar) error {
			r.DependsOn("b")
			r.RegisterInit(record("a"))
			return nil
		}),
		portico.NewPlugin("b", func(r portico.PluginRegistrar) error {
			r.RegisterExtensionPoint(&recorder{log: &order})
			r.RegisterInit(record("b"))
			return nil
		}),
		portico.NewPlugin("c", func(r portico.PluginRegistrar) error {
			r.RegisterInit(record("c"))
			return nil
		}),
	)
	start(t, b)
	want := "ext:m1 b.m1 b a c"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("order = %s, want %s", got, want)
	}
}

type recorder struct{ log *[]string }

func (r *recorder) Add(s string) { *r.log = append(*r.log, "ext:"+s) }

func TestWithClockReplacesTheClockEveryFeatureSees(t *testing.T) {
	fixed := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	var seen []time.Time
	b, _ := testBackend(t, portico.WithClock(func() time.Time { return fixed }))
	b.Add(
		portico.NewPlugin("clocked", func(r portico.PluginRegistrar) error {
			seen = append(seen, r.Services().Clock())
			r.Services().Router.GET("/now", func(c *echo.Context) error {
				return c.String(http.StatusOK, r.Services().Clock().Format(time.RFC3339))
			})
			return nil
		}),
		portico.NewModule("clocked", "m", func(r portico.ModuleRegistrar) error {
			seen = append(seen, r.Services().Clock())
			return nil
		}),
	)
	url := start(t, b)
	for _, s := range seen {
		if !s.Equal(fixed) {
			t.Errorf("feature saw %v, want %v", s, fixed)
		}
	}
	resp, err := http.Get(url + "/api/clocked/now")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	if got := body.String(); got != "2030-01-02T03:04:05Z" {
		t.Errorf("/api/clocked/now = %q (status %d)", got, resp.StatusCode)
	}
}

func TestServicesAreScopedToTheFeature(t *testing.T) {
	cfg, err := config.Parse("app-config.yaml", []byte("frobs:\n  baseUrl: http://frobs.example\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, logs := testBackend(t, portico.WithConfig(cfg))
	var got string
	b.Add(
		portico.NewPlugin("frobs", func(r portico.PluginRegistrar) error {
			return r.Services().Config.Decode(&struct{}{})
		}),
		portico.NewModule("frobs", "reader", func(r portico.ModuleRegistrar) error {
			s := r.Services()
			var c struct {
				BaseURL string `yaml:"baseUrl"`
			}
			if err := s.Config.Decode(&c); err != nil {
				return err
			}
			got = c.BaseURL
			s.Logger.Info("hello from the module")
			return nil
		}),
	)
	start(t, b)
	if got != "http://frobs.example" {
		t.Errorf("module read baseUrl %q from its plugin's section", got)
	}
	if !strings.Contains(logs.String(), `msg="hello from the module" plugin=frobs module=reader`) {
		t.Errorf("logger not scoped:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "ignoring config keys") {
		t.Errorf("a section a plugin reads must not be reported unused:\n%s", logs.String())
	}
}

func TestReadyzWaitsForTrackedWork(t *testing.T) {
	release := make(chan struct{})
	b, _ := testBackend(t)
	b.Add(portico.NewPlugin("slow", func(r portico.PluginRegistrar) error {
		done := r.Services().Readiness.Add("slow:first-sync")
		go func() { <-release; done() }()
		return nil
	}))
	url := start(t, b)
	status := func() int {
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status(); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz before the work is done = %d, want 503", got)
	}
	close(release)
	deadline := time.Now().Add(patience)
	for status() != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("/readyz never became ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func slogText(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func TestWithStoreUsesTheGivenStoreAndLeavesItOpen(t *testing.T) {
	st, err := store.Open(context.Background(), store.Config{Driver: store.SQLite, DSN: filepath.Join(t.TempDir(), "given.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var seen catalog.Store
	b, _ := testBackend(t, portico.WithStore(st))
	b.Add(portico.NewPlugin("probe", func(r portico.PluginRegistrar) error {
		seen = r.Services().Store
		return nil
	}))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- b.Run(ctx) }()
	<-b.Ready()
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if seen != catalog.Store(st) {
		t.Errorf("features got store %v, want the one given", seen)
	}
	if err := st.Ping(context.Background()); err != nil {
		t.Errorf("the given store was closed by Run: %v", err)
	}
}

func TestSignInResolverAddedByAModuleCanBeConfigured(t *testing.T) {
	const yaml = `
app: {baseUrl: 'http://127.0.0.1:7007'}
auth:
  session: {secret: 'a-secret-that-is-long-enough-for-cookies-0123456789'}
  providers:
    github:
      development:
        clientId: id
        clientSecret: secret
        signIn:
          resolvers: [{resolver: employeeNumberMatchingUserEntity}]
`
	run := func(withModule bool) error {
		cfg, err := config.Parse("app-config.yaml", []byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := testBackend(t, portico.WithConfig(cfg))
		b.Add(authplugin.Plugin())
		if withModule {
			b.Add(portico.NewModule(authplugin.ID, "employee-numbers", func(r portico.ModuleRegistrar) error {
				signIn, err := portico.ExtensionPoint[authplugin.Extensions](r)
				if err != nil {
					return err
				}
				signIn.AddSignInResolver("employeeNumberMatchingUserEntity", auth.ResolverFunc(
					func(context.Context, auth.Profile, auth.Lookup) (auth.Identity, error) {
						return auth.Identity{}, auth.ErrNoMatch
					}))
				return nil
			}))
		}
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- b.Run(ctx) }()
		select {
		case <-b.Ready():
			cancel()
			return <-errc
		case err := <-errc:
			cancel()
			return err
		}
	}
	if err := run(false); err == nil || !strings.Contains(err.Error(), `unknown resolver "employeeNumberMatchingUserEntity"`) ||
		!strings.HasPrefix(err.Error(), `plugin "auth": init:`) {
		t.Errorf("without the module: %v, want the auth plugin to refuse the unknown resolver", err)
	}
	if err := run(true); err != nil {
		t.Errorf("with the module: %v", err)
	}
}

// A newcomer's first line says where to open the portal (listening on all
// interfaces means localhost), and no empty "applied mutation" comes
// before it to read as "nothing loaded".
func TestStartupLogsTheURLToOpenFirst(t *testing.T) {
	b, logs := testBackend(t, portico.WithAddress("0.0.0.0:0"))
	b.Add(catalogplugin.Plugin())
	start(t, b)
	_, port, _ := net.SplitHostPort(b.Addr().String())
	lines := strings.Split(logs.String(), "\n")
	first := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, `msg="Portico is running"`) })
	if first < 0 {
		t.Fatalf("no start-up line in\n%s", logs)
	}
	if want := "url=http://localhost:" + port + " "; !strings.Contains(lines[first], want) {
		t.Errorf("start-up line %q lacks %s", lines[first], want)
	}
	for _, l := range lines[:first] {
		if strings.Contains(l, "applied mutation") {
			t.Errorf("before the start-up line: %s", l)
		}
	}
}

func TestBadListenAddressStopsStartUp(t *testing.T) {
	b, _ := testBackend(t, portico.WithAddress("localhost:http-alt:9"))
	err := b.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), `listen address "localhost:http-alt:9"`) {
		t.Fatalf("Run() = %v, want an error naming the listen address", err)
	}
}

// The app plugin reads the auth section too (is sign-in on?); a mistake in
// it stops start-up even without the auth plugin, instead of an open
// portal.
func TestAppPluginReportsABadAuthSection(t *testing.T) {
	cfg, err := config.Parse("app-config.yaml", []byte("auth:\n  requireSignIn: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := testBackend(t, portico.WithConfig(cfg))
	b.Add(appplugin.Plugin())
	err = b.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), `plugin "app": register: app-config.yaml: auth.requireSignIn: is true but no sign-in provider`) {
		t.Fatalf("Run() = %v, want the auth section's error from the app plugin", err)
	}
}

// TestOnStopRunsBeforeTheDatabaseCloses: what a feature registers with
// OnStop runs at shutdown after the run's context is cancelled and while
// the store still answers, last registered first; the apidocs module stops
// its search index build there.
func TestOnStopRunsBeforeTheDatabaseCloses(t *testing.T) {
	b, _ := testBackend(t)
	var (
		runCtx    context.Context
		order     []string
		cancelled bool
		storeErr  = errors.New("the stop did not run")
	)
	b.Add(portico.NewPlugin("probe", func(r portico.PluginRegistrar) error {
		s := r.Services()
		r.RegisterInit(func(ctx context.Context) error {
			runCtx = ctx
			return nil
		})
		s.OnStop(func() { order = append(order, "first") })
		s.OnStop(func() {
			order = append(order, "second")
			cancelled = runCtx.Err() != nil
			_, storeErr = s.Store.Query(context.Background(), catalog.Query{Limit: 1})
		})
		return nil
	}))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- b.Run(ctx) }()
	<-b.Ready()
	if len(order) != 0 {
		t.Fatalf("stops ran before shutdown: %v", order)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(order, []string{"second", "first"}) {
		t.Errorf("stops ran in the order %v, want the last registered first", order)
	}
	if !cancelled {
		t.Error("a stop ran before the run's context was cancelled")
	}
	if storeErr != nil {
		t.Errorf("the store did not answer a stop: %v", storeErr)
	}
}

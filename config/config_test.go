package config

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// writeFile writes content to name in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfigLaterFilesOverrideEarlierOnesKeyByKey(t *testing.T) {
	dir := t.TempDir()
	base := writeFile(t, dir, "app-config.yaml", `
app:
  title: Base
  baseUrl: http://localhost:7007
backend:
  listen: {host: 0.0.0.0, port: 7007}
catalog:
  locations:
    - {type: file, target: a.yaml}
    - {type: file, target: b.yaml}
`)
	prod := writeFile(t, dir, "app-config.production.yaml", `
app:
  title: Production
backend:
  listen: {port: 8080}
catalog:
  locations:
    - {type: file, target: c.yaml}
`)
	cfg, err := Load(base, prod)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSettings(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.App.Title != "Production" || s.App.BaseURL != "http://localhost:7007" {
		t.Errorf("app = %+v, want title from the later file and baseUrl from the earlier", s.App)
	}
	if got := s.Backend.Listen.Addr(); got != "0.0.0.0:8080" {
		t.Errorf("listen = %s, want maps merged deeply (0.0.0.0:8080)", got)
	}
	want := []LocationSettings{{Type: "file", Target: "c.yaml"}}
	if diff := cmp.Diff(want, s.Catalog.Locations); diff != "" {
		t.Errorf("lists are replaced, not merged (-want +got):\n%s", diff)
	}
}

func TestLoadConfigSubstitutesEnvironmentVariables(t *testing.T) {
	t.Setenv("PORTICO_TEST_TITLE", "From Env")
	t.Setenv("PORTICO_TEST_PORT", "9090")
	t.Setenv("PORTICO_TEST_SECRET", "s3cret")
	dir := t.TempDir()
	writeFile(t, dir, "token.txt", "file-token\n")
	file := writeFile(t, dir, "app-config.yaml", `
app:
  title: ${PORTICO_TEST_TITLE} portal
  baseUrl: http://example.com/$${NOT_A_VAR}
backend:
  listen:
    port: ${PORTICO_TEST_PORT}
  baseUrl: ${PORTICO_TEST_UNSET_VAR}
auth:
  secret: {$env: PORTICO_TEST_SECRET}
  token: {$file: token.txt}
`)
	cfg, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSettings(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.App.Title != "From Env portal" {
		t.Errorf("title = %q", s.App.Title)
	}
	if s.App.BaseURL != "http://example.com/${NOT_A_VAR}" {
		t.Errorf("$${ must escape: baseUrl = %q", s.App.BaseURL)
	}
	if s.Backend.Listen.Port != 9090 {
		t.Errorf("port from env string = %d, want 9090", s.Backend.Listen.Port)
	}
	if cfg.Has("backend.baseUrl") {
		t.Errorf("a value naming an unset variable must be absent, got %v", cfg.Sub("backend.baseUrl").Raw())
	}
	if diff := cmp.Diff([]string{"PORTICO_TEST_UNSET_VAR"}, cfg.MissingEnv()); diff != "" {
		t.Errorf("MissingEnv (-want +got):\n%s", diff)
	}
	var auth struct {
		Secret string `yaml:"secret"`
		Token  string `yaml:"token"`
	}
	if err := cfg.Sub("auth").Decode(&auth); err != nil {
		t.Fatal(err)
	}
	if auth.Secret != "s3cret" || auth.Token != "file-token" {
		t.Errorf("directives: %+v", auth)
	}
}

func TestConfigErrorsNameFileAndKeyPath(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"port not a number", "backend:\n  listen:\n    port: abc\n",
			`app-config.yaml: backend.listen.port: expected a whole number, got "abc"`},
		{"port a fraction", "backend:\n  listen:\n    port: 7007.5\n",
			`app-config.yaml: backend.listen.port: expected a whole number, got 7007.5`},
		{"listen string without port", "backend:\n  listen: 'localhost:http'\n",
			`app-config.yaml: backend.listen: expected a number for the port, got "http"`},
		{"locations not a list", "catalog:\n  locations: {type: file}\n",
			`app-config.yaml: catalog.locations: expected a list, got a map`},
		{"location without target", "catalog:\n  locations:\n    - type: file\n",
			`app-config.yaml: catalog.locations[0].target: a value is required`},
		{"title a map", "app:\n  title: {a: 1}\n",
			`app-config.yaml: app.title: expected a string, got a map`},
		{"rule allow missing", "catalog:\n  rules:\n    - {deny: [User]}\n",
			`app-config.yaml: catalog.rules[0].allow: a value is required`},
		{"log level unknown", "backend:\n  logging: {level: verbose}\n",
			`app-config.yaml: backend.logging.level: must be debug, info, warn or error, not "verbose"`},
		{"bad yaml", "app: [\n",
			`app-config.yaml: invalid YAML: line 1: did not find expected node content`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeFile(t, t.TempDir(), "app-config.yaml", tt.yaml)
			cfg, err := Load(file)
			if err == nil {
				_, err = ParseSettings(cfg)
			}
			if err == nil {
				t.Fatal("no error")
			}
			got := strings.TrimPrefix(err.Error(), filepath.Dir(file)+string(filepath.Separator))
			if got != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

// Outside test: apiDocs.history.keep.min: 1.5 was refused with "expected
// a number, got 1.5", which 1.5 is. Integer keys say they want a whole
// number (and unsigned ones, one that is not negative).
func TestIntegerKeysSayTheyWantAWholeNumber(t *testing.T) {
	cfg, err := Parse("app-config.yaml", []byte("apiDocs:\n  history:\n    keep: {min: 1.5, max: -2}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var min struct {
		Min int `yaml:"min"`
	}
	err = cfg.Sub("apiDocs.history.keep").Decode(&min)
	if want := "app-config.yaml: apiDocs.history.keep.min: expected a whole number, got 1.5"; err == nil || err.Error() != want {
		t.Errorf("int: %v, want %s", err, want)
	}
	var max struct {
		Max uint `yaml:"max"`
	}
	err = cfg.Sub("apiDocs.history.keep").Decode(&max)
	if want := "app-config.yaml: apiDocs.history.keep.max: expected a whole number of 0 or more, got -2"; err == nil || err.Error() != want {
		t.Errorf("uint: %v, want %s", err, want)
	}
}

func TestConfigErrorNamesTheFileThatSetTheKey(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.yaml", "backend:\n  listen: {port: 7007}\napp: {title: x}\n")
	b := writeFile(t, dir, "b.yaml", "backend:\n  listen: {port: nope}\n")
	cfg, err := Load(a, b)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParseSettings(cfg)
	if err == nil || !strings.HasPrefix(err.Error(), b+": backend.listen.port:") {
		t.Errorf("error = %v, want it to name %s", err, b)
	}
}

func TestLogLevel(t *testing.T) {
	for _, tt := range []struct {
		yaml, env string
		want      slog.Level
	}{
		{"", "", slog.LevelInfo},
		{"backend:\n  logging: {level: debug}\n", "", slog.LevelDebug},
		{"backend:\n  logging: {level: WARN}\n", "", slog.LevelWarn},
		{"backend:\n  logging: {level: warn}\n", "error", slog.LevelError}, // LOG_LEVEL wins, as in Backstage
	} {
		t.Setenv("LOG_LEVEL", tt.env)
		cfg, err := Parse("app-config.yaml", []byte(tt.yaml))
		if err != nil {
			t.Fatal(err)
		}
		s, err := ParseSettings(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.LogLevel(); got != tt.want {
			t.Errorf("%q with LOG_LEVEL=%q: level %v, want %v", tt.yaml, tt.env, got, tt.want)
		}
	}
	t.Setenv("LOG_LEVEL", "chatty")
	cfg, _ := Parse("app-config.yaml", nil)
	if _, err := ParseSettings(cfg); err == nil || !strings.Contains(err.Error(), "LOG_LEVEL") {
		t.Errorf("LOG_LEVEL=chatty: error %v, want one naming LOG_LEVEL", err)
	}
}

func TestListenForms(t *testing.T) {
	tests := []struct {
		yaml, want string
	}{
		{"", "127.0.0.1:7007"},
		{"backend:\n  listen: ':7007'\n", ":7007"},
		{"backend:\n  listen: '127.0.0.1:8000'\n", "127.0.0.1:8000"},
		{"backend:\n  listen: {host: 127.0.0.1, port: 7008}\n", "127.0.0.1:7008"},
		{"backend:\n  listen: {port: 7009}\n", ":7009"},
		{"backend:\n  listen: {host: 0.0.0.0}\n", "0.0.0.0:7007"},
		{"backend:\n  listen: 7010\n", ":7010"},
		{"backend:\n  listen: '[::1]:7011'\n", "[::1]:7011"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			cfg, err := Parse("app-config.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			s, err := ParseSettings(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Backend.Listen.Addr(); got != tt.want {
				t.Errorf("Addr() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDatabaseForms(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       Database
		wantErr    string
	}{
		{name: "default", yaml: "", want: Database{Driver: DriverSQLite, Path: "portico.db"}},
		{name: "better-sqlite3 memory", yaml: "client: better-sqlite3\nconnection: ':memory:'\n",
			want: Database{Driver: DriverSQLite, Path: ":memory:"}},
		{name: "sqlite3 file", yaml: "client: sqlite3\nconnection: /var/lib/portico/data.db\n",
			want: Database{Driver: DriverSQLite, Path: "/var/lib/portico/data.db"}},
		{name: "sqlite directory", yaml: "client: better-sqlite3\nconnection: {directory: /data}\n",
			want: Database{Driver: DriverSQLite, Path: "/data/portico.db"}},
		{name: "pg map with prefix (the bench)", yaml: "client: pg\nprefix: bsbench_\nconnection: {host: 127.0.0.1, port: 55432, user: postgres}\n",
			want: Database{Driver: DriverPostgres, Name: "bsbench_catalog",
				URL: "postgres://postgres@127.0.0.1:55432/bsbench_catalog?sslmode=disable"}},
		{name: "pg map with database and password", yaml: "client: pg\nconnection: {host: db, user: u, password: p@ss, database: portal}\n",
			want: Database{Driver: DriverPostgres, Name: "portal",
				URL: "postgres://u:p%40ss@db:5432/portal?sslmode=disable"}},
		{name: "pg map without database", yaml: "client: pg\nconnection: {host: db, port: '5433'}\n",
			want: Database{Driver: DriverPostgres, Name: "backstage_plugin_catalog",
				URL: "postgres://postgres@db:5433/backstage_plugin_catalog?sslmode=disable"}},
		{name: "pg dsn string", yaml: "client: pg\nconnection: postgres://me@db/portal?sslmode=require\n",
			want: Database{Driver: DriverPostgres, Name: "portal", URL: "postgres://me@db/portal?sslmode=require"}},
		{name: "pg ssl", yaml: "client: pg\nconnection: {host: db, database: x, ssl: true}\n",
			want: Database{Driver: DriverPostgres, Name: "x", URL: "postgres://postgres@db:5432/x?sslmode=require"}},
		{name: "pg without connection", yaml: "client: pg\n",
			wantErr: "app-config.yaml: backend.database.connection: a value is required for client pg"},
		{name: "unknown client", yaml: "client: mysql\n",
			wantErr: `app-config.yaml: backend.database.client: unknown client "mysql" (use better-sqlite3, sqlite3, sqlite or pg)`},
		{name: "bad port", yaml: "client: pg\nconnection: {host: db, port: five}\n",
			wantErr: `app-config.yaml: backend.database.connection.port: expected a whole number, got "five"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yaml := ""
			if tt.yaml != "" {
				yaml = "backend:\n  database:\n    " + strings.ReplaceAll(strings.TrimSpace(tt.yaml), "\n", "\n    ") + "\n"
			}
			cfg, err := Parse("app-config.yaml", []byte(yaml))
			if err != nil {
				t.Fatal(err)
			}
			var got Database
			s, err := ParseSettings(cfg)
			if err == nil {
				got, err = s.Backend.Database.Resolve()
			}
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDatabaseFlag(t *testing.T) {
	tests := []struct {
		in   string
		want Database
	}{
		{"sqlite:portico.db", Database{Driver: DriverSQLite, Path: "portico.db"}},
		{"sqlite::memory:", Database{Driver: DriverSQLite, Path: ":memory:"}},
		{"/tmp/x.db", Database{Driver: DriverSQLite, Path: "/tmp/x.db"}},
		{"postgres://postgres@127.0.0.1:5432/portico?sslmode=disable",
			Database{Driver: DriverPostgres, Name: "portico", URL: "postgres://postgres@127.0.0.1:5432/portico?sslmode=disable"}},
	}
	for _, tt := range tests {
		got, err := ParseDatabase(tt.in)
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.in, diff)
		}
	}
	if _, err := ParseDatabase("postgres://host/"); err == nil {
		t.Error("a postgres URL without a database name must be an error")
	}
}

func TestUnusedKeysAreReportedOnce(t *testing.T) {
	cfg, err := Parse("app-config.yaml", []byte(`
app: {title: x, support: {url: y}}
organization: {name: ACME}
backend:
  cors: {origin: '*'}
  listen: ':7007'
catalog:
  processingInterval: {minutes: 2}
  import: {entityFilename: catalog-info.yaml}
  providers:
    threeScaleApiEntity: {dev: {baseUrl: x}}
    githubOrg: {id: y}
auth: {environment: development}
`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseSettings(cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Sub("catalog.providers.threeScaleApiEntity").Keys() // a provider module reads its section
	keys, provs := UnusedKeys(cfg)
	wantKeys := []string{"app.support", "backend.cors", "catalog.import", "organization"}
	if diff := cmp.Diff(wantKeys, keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"githubOrg"}, provs); diff != "" {
		t.Errorf("providers (-want +got):\n%s", diff)
	}
	want := "ignoring config keys Portico does not use: app.support, backend.cors, catalog.import, organization"
	if got := DescribeUnused(keys); got != want {
		t.Errorf("warning = %q", got)
	}
}

func TestDecodeTypedSection(t *testing.T) {
	cfg := New(map[string]any{"frobs": map[string]any{
		"baseUrl":  "http://frobs",
		"schedule": map[string]any{"frequency": map[string]any{"minutes": 30}, "timeout": "PT3M", "initialDelay": "15s"},
		"tags":     "single",
		"limits":   map[string]any{"a": 1, "b": "2"},
		"enabled":  "true",
	}})
	var got struct {
		BaseURL  string `yaml:"baseUrl" config:"required"`
		Schedule struct {
			Frequency    time.Duration
			Timeout      time.Duration
			InitialDelay time.Duration
		}
		Tags    []string
		Limits  map[string]int
		Enabled bool
		Raw     *Config `yaml:"schedule"`
	}
	if err := cfg.Sub("frobs").Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.BaseURL != "http://frobs" || got.Schedule.Frequency != 30*time.Minute || got.Schedule.Timeout != 3*time.Minute ||
		got.Schedule.InitialDelay != 15*time.Second || !got.Enabled {
		t.Errorf("decoded %+v", got)
	}
	if diff := cmp.Diff([]string{"single"}, got.Tags); diff != "" {
		t.Errorf("tags: %s", diff)
	}
	if diff := cmp.Diff(map[string]int{"a": 1, "b": 2}, got.Limits); diff != "" {
		t.Errorf("limits: %s", diff)
	}
	if got.Raw == nil || got.Raw.Path() != "frobs.schedule" || !got.Raw.Has("timeout") {
		t.Errorf("*Config field: %+v", got.Raw)
	}
	var missing struct {
		URL string `yaml:"url" config:"required"`
	}
	err := cfg.Sub("frobs").Decode(&missing)
	if err == nil || err.Error() != "frobs.url: a value is required" {
		t.Errorf("required: %v", err)
	}
}

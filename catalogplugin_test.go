package portico_test

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/plugins/catalogplugin"
)

const componentYAML = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: %s
spec: {type: service, lifecycle: production, owner: team-a}
`

// getJSON fetches path and decodes the body into v, returning the status.
func getJSON(t *testing.T, base, path string, v any) int {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("%s: %v: %s", path, err, body)
		}
	}
	return resp.StatusCode
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for getJSON(t, base, "/readyz", nil) != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("/readyz never answered 200")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCatalogPluginRunsLocationsProvidersAndProcessors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "file.yaml", fmt.Sprintf(componentYAML, "from-file"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, componentYAML, "from-url")
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	cfg, err := config.Parse("app-config.yaml", []byte(fmt.Sprintf(`
backend:
  reading:
    allow: [{host: '%s'}]
    allowAddresses: [127.0.0.1]
catalog:
  locations:
    - {type: file, target: %s}
    - {type: url, target: %s/catalog-info.yaml}
    - {type: inline, target: from-reader}
`, u.Host, filepath.Join(dir, "*.yaml"), srv.URL)))
	if err != nil {
		t.Fatal(err)
	}
	b, logs := testBackend(t, portico.WithConfig(cfg))
	b.Add(catalogplugin.Plugin(), catalogplugin.FileLocationsModule(), catalogplugin.URLLocationsModule(),
		portico.NewModule(catalogplugin.ID, "test", func(r portico.ModuleRegistrar) error {
			cat, err := portico.ExtensionPoint[catalogplugin.Extensions](r)
			if err != nil {
				return err
			}
			cat.AddProcessor(catalog.ProcessorFunc{ID: "label", Fn: func(_ context.Context, pc *catalog.ProcessContext) error {
				if pc.Entity.Metadata.Labels == nil {
					pc.Entity.Metadata.Labels = map[string]string{}
				}
				pc.Entity.Metadata.Labels["processed-by"] = "test"
				return nil
			}})
			cat.AddLocationReader("inline", catalogplugin.LocationReaderFunc(func(_ context.Context, target string) (catalog.Mutation, error) {
				ents, problems := catalog.ParseYAML([]byte(fmt.Sprintf(componentYAML, target)), catalog.Source{Location: "inline:" + target})
				if len(problems) > 0 {
					return catalog.Mutation{}, catalog.Problems(problems)
				}
				return catalog.Mutation{Type: catalog.Full, Entities: ents}, nil
			}))
			return nil
		}))
	base := start(t, b)
	waitReady(t, base)
	for _, name := range []string{"from-file", "from-url", "from-reader"} {
		var e catalog.Entity
		if status := getJSON(t, base, "/api/catalog/entities/by-name/component/default/"+name, &e); status != http.StatusOK {
			t.Errorf("%s: status %d once ready; logs:\n%s", name, status, logs.String())
			continue
		}
		if e.Metadata.Labels["processed-by"] != "test" {
			t.Errorf("%s: labels %v, want the processor's label", name, e.Metadata.Labels)
		}
	}
	// Each configured location is also a kind: Location entity, as in
	// Backstage: generated-<sha1 of type:target>, spec {type, target}, both
	// managed-by annotations "<type>:<target>".
	var locs struct {
		Items []catalog.Entity `json:"items"`
	}
	getJSON(t, base, "/api/catalog/entities/by-query?filter=kind=location", &locs)
	fileTarget := filepath.Join(dir, "*.yaml")
	sum := sha1.Sum([]byte("file:" + fileTarget))
	want := map[string]string{
		"generated-" + hex.EncodeToString(sum[:]): "file " + fileTarget,
	}
	got := map[string]string{}
	for _, l := range locs.Items {
		got[l.Metadata.Name] = l.SpecString("type") + " " + l.SpecString("target")
		self := l.SpecString("type") + ":" + l.SpecString("target")
		for _, a := range []string{catalog.AnnotationManagedByLocation, catalog.AnnotationManagedByOriginLocation} {
			if l.Metadata.Annotations[a] != self {
				t.Errorf("location %s %s = %q, want %q", l.Metadata.Name, a, l.Metadata.Annotations[a], self)
			}
		}
	}
	if len(locs.Items) != 3 {
		t.Errorf("kind=location gave %d entities, want one per configured location (3): %v", len(locs.Items), got)
	}
	for name, spec := range want {
		if got[name] != spec {
			t.Errorf("location %s = %q, want %q (all: %v)", name, got[name], spec, got)
		}
	}
	// /metrics carries the ingest of each provider (fed by its connection)
	// and the scheduler's run metrics (the url location is scheduled).
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`portico_ingest_duration_seconds_count{provider="file:` + fileTarget + `"}`,
		`portico_provider_runs_total{provider="url:` + srv.URL + `/catalog-info.yaml",outcome="ok"}`,
		`portico_catalog_entities{kind="Component"} 3`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	var e catalog.Entity
	getJSON(t, base, "/api/catalog/entities/by-name/component/default/from-url", &e)
	if got := e.Metadata.Annotations[catalog.AnnotationManagedByLocation]; got != "url:"+srv.URL+"/catalog-info.yaml" {
		t.Errorf("from-url managed-by-location = %q", got)
	}
}

func TestUnknownLocationTypeAndProviderSectionsAreWarnings(t *testing.T) {
	cfg, err := config.Parse("app-config.yaml", []byte(`
catalog:
  locations:
    - {type: system-x, target: http://systemx.example/api}
  providers:
    frobz: {baseUrl: http://typo.example}
`))
	if err != nil {
		t.Fatal(err)
	}
	b, logs := testBackend(t, portico.WithConfig(cfg))
	b.Add(catalogplugin.Plugin(), catalogplugin.FileLocationsModule())
	start(t, b)
	for _, want := range []string{
		`no module reads catalog locations of this type; ignored" plugin=catalog location=catalog.locations[0] type=system-x`,
		`ignoring catalog.providers sections no module reads (unknown provider?): frobz`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
}

// TestBackendOnPostgreSQL starts the backend the way a Backstage
// app-config.yaml describes it (client pg, prefix): the database
// <prefix>catalog is created, migrated and ingested into.
func TestBackendOnPostgreSQL(t *testing.T) {
	dsn := os.Getenv("PORTICO_TEST_PG_DSN")
	if dsn == "" {
		t.Skip("PORTICO_TEST_PG_DSN is not set; skipping the PostgreSQL half (CI sets it)")
	}
	suffix := make([]byte, 4)
	rand.Read(suffix)
	prefix := "portico_backend_test_" + hex.EncodeToString(suffix) + "_"
	t.Cleanup(func() {
		db := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn)))
		defer db.Close()
		if _, err := db.Exec(`DROP DATABASE IF EXISTS "` + prefix + `catalog" WITH (FORCE)`); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	dir := t.TempDir()
	writeFile(t, dir, "c.yaml", fmt.Sprintf(componentYAML, "on-postgres"))
	cfg, err := config.Parse("app-config.yaml", []byte(fmt.Sprintf(`
backend:
  database: {client: pg, prefix: %s, connection: '%s'}
catalog:
  locations: [{type: file, target: %s}]
`, prefix, dsn, filepath.Join(dir, "c.yaml"))))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	b := portico.New(portico.WithConfig(cfg), portico.WithAddress("127.0.0.1:0"), portico.WithDemo(false), portico.WithLogger(slogText(logs)))
	b.Add(catalogplugin.Plugin(), catalogplugin.FileLocationsModule())
	base := start(t, b)
	waitReady(t, base)
	if status := getJSON(t, base, "/api/catalog/entities/by-name/component/default/on-postgres", nil); status != http.StatusOK {
		t.Errorf("by-name on PostgreSQL: status %d; logs:\n%s", status, logs.String())
	}
}

func TestCatalogRulesWithPerLocationRules(t *testing.T) {
	const api = `apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: %s}
spec: {type: openapi, lifecycle: production, owner: team-a, definition: "openapi: 3.0.0"}
`
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "a"), 0o755)
	os.MkdirAll(filepath.Join(dir, "b"), 0o755)
	writeFile(t, dir, "a/api.yaml", fmt.Sprintf(api, "api-in-a")+"---\n"+fmt.Sprintf(componentYAML, "component-in-a"))
	writeFile(t, dir, "b/api.yaml", fmt.Sprintf(api, "api-in-b"))
	cfg, err := config.Parse("app-config.yaml", []byte(fmt.Sprintf(`
catalog:
  rules: [{allow: [Component]}]
  locations:
    - {type: file, target: %s/a/api.yaml}
    - {type: file, target: %s/b/api.yaml, rules: [{allow: [API]}]}
`, dir, dir)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := testBackend(t, portico.WithConfig(cfg))
	b.Add(catalogplugin.Plugin(), catalogplugin.FileLocationsModule())
	base := start(t, b)
	waitReady(t, base)
	for path, want := range map[string]int{
		"api/default/api-in-a":             http.StatusNotFound, // global rules: Component only
		"component/default/component-in-a": http.StatusOK,
		"api/default/api-in-b":             http.StatusOK, // the location's own rule allows APIs
	} {
		if got := getJSON(t, base, "/api/catalog/entities/by-name/"+path, nil); got != want {
			t.Errorf("%s: status %d, want %d", path, got, want)
		}
	}
	// The configured locations' own Location entities are not content read
	// from a location: rules that leave out Location do not refuse them.
	var locs struct {
		TotalItems int `json:"totalItems"`
	}
	getJSON(t, base, "/api/catalog/entities/by-query?filter=kind=location&limit=1", &locs)
	if locs.TotalItems != 2 {
		t.Errorf("kind=location totalItems = %d, want 2 although catalog.rules allow only Component", locs.TotalItems)
	}
}

package portico_test

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/defaults"
	"github.com/porticohq/portico/plugins/authplugin"
	"github.com/porticohq/portico/plugins/catalogplugin"
)

// repoServer serves descriptor files over HTTP, as a repository's raw view
// would; files can change while it runs.
type repoServer struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string]string
}

func newRepoServer(t *testing.T, files map[string]string) *repoServer {
	t.Helper()
	r := &repoServer{files: files}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		body, ok := r.files[req.URL.Path]
		r.mu.Unlock()
		if !ok {
			http.NotFound(w, req)
			return
		}
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *repoServer) set(path, body string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files[path] = body
}

func locationYAML(name string, targets ...string) string {
	return fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: %s}\nspec:\n  targets: [%s]\n",
		name, strings.Join(targets, ", "))
}

// nestedRepo is a small catalog laid out as Backstage's examples are: a
// Location naming Locations naming entities.
func nestedRepo(t *testing.T) *repoServer {
	return newRepoServer(t, map[string]string{
		"/repo/all.yaml":              locationYAML("example-all", "./all-components.yaml", "./apis/all.yaml"),
		"/repo/all-components.yaml":   locationYAML("example-components", "./components/a.yaml", "./components/b.yaml"),
		"/repo/components/a.yaml":     fmt.Sprintf(componentYAML, "a"),
		"/repo/components/b.yaml":     fmt.Sprintf(componentYAML, "b"),
		"/repo/apis/all.yaml":         locationYAML("example-apis", "../components/b.yaml", "./c.yaml"),
		"/repo/apis/c.yaml":           fmt.Sprintf(componentYAML, "c"),
		"/repo/unrelated/other.yaml":  fmt.Sprintf(componentYAML, "other"),
		"/repo/broken/not-yaml.yaml":  "kind: [",
		"/repo/broken/location.yaml":  locationYAML("broken", "./missing.yaml"),
		"/repo/broken/valid-one.yaml": fmt.Sprintf(componentYAML, "valid-one"),
	})
}

// apiCall sends a JSON request and returns the status and decoded body.
func apiCall(t *testing.T, method, u string, body any, header http.Header) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, u, err, raw)
		}
	}
	return resp.StatusCode, out
}

func errorName(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	name, _ := e["name"].(string)
	msg, _ := e["message"].(string)
	return name + ": " + msg
}

func registryBackend(t *testing.T, repo *repoServer, dbPath string) string {
	t.Helper()
	u, _ := url.Parse(repo.URL)
	cfg, err := config.Parse("app-config.yaml", []byte(fmt.Sprintf(`
backend:
  reading:
    allow: [{host: '%s'}]
    allowAddresses: ['127.0.0.1']
catalog:
  processingInterval: {minutes: 30}
`, u.Host)))
	if err != nil {
		t.Fatal(err)
	}
	opts := []portico.Option{portico.WithConfig(cfg)}
	if dbPath != "" {
		opts = append(opts, portico.WithDatabase(config.Database{Driver: config.DriverSQLite, Path: dbPath}))
	}
	b, _ := testBackend(t, opts...)
	b.Add(catalogplugin.Plugin(), catalogplugin.FileLocationsModule(), catalogplugin.URLLocationsModule(), authplugin.Plugin())
	base := start(t, b)
	waitReady(t, base)
	return base
}

// waitEntity polls by-name until cond holds for the entity (nil when absent).
func waitEntity(t *testing.T, base, ref, what string, cond func(e *catalog.Entity) bool) {
	t.Helper()
	r := catalog.MustParseRef(ref)
	deadline := time.Now().Add(patience)
	for {
		var e catalog.Entity
		status := getJSON(t, base, fmt.Sprintf("/api/catalog/entities/by-name/%s/%s/%s", r.Kind, r.Namespace, r.Name), &e)
		var got *catalog.Entity
		if status == http.StatusOK {
			got = &e
		}
		if cond(got) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s not within %s (status %d)", ref, what, patience, status)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func present(e *catalog.Entity) bool {
	return e != nil && e.Metadata.Annotations[catalog.AnnotationOrphan] != "true"
}

func TestRegisteredLocationsAPI(t *testing.T) {
	repo := nestedRepo(t)
	base := registryBackend(t, repo, "")
	api := base + "/api/catalog"
	target := repo.URL + "/repo/all.yaml"
	spec := map[string]string{"type": "url", "target": target}

	t.Run("dry run reads everything and writes nothing", func(t *testing.T) {
		status, body := apiCall(t, http.MethodPost, api+"/locations?dryRun=true", spec, nil)
		if status != http.StatusCreated {
			t.Fatalf("dry run: %d %v", status, body)
		}
		loc := body["location"].(map[string]any)
		if loc["id"] != "url:"+target || loc["type"] != "url" || loc["target"] != target || body["exists"] != false {
			t.Errorf("dry run location = %v, exists = %v", loc, body["exists"])
		}
		var refs []string
		for _, e := range body["entities"].([]any) {
			m := e.(map[string]any)["metadata"].(map[string]any)
			refs = append(refs, strings.ToLower(e.(map[string]any)["kind"].(string))+":"+m["name"].(string))
		}
		for _, want := range []string{"location:example-all", "location:example-components", "location:example-apis", "component:a", "component:b", "component:c"} {
			if !strings.Contains(strings.Join(refs, " "), want) {
				t.Errorf("dry run entities %v lack %s", refs, want)
			}
		}
		if getJSON(t, base, "/api/catalog/entities/by-name/component/default/a", nil) != http.StatusNotFound {
			t.Error("a dry run wrote entities")
		}
	})
	t.Run("dry run shows problems", func(t *testing.T) {
		status, body := apiCall(t, http.MethodPost, api+"/locations?dryRun=true",
			map[string]string{"type": "url", "target": repo.URL + "/repo/broken/location.yaml"}, nil)
		probs, _ := json.Marshal(body["problems"])
		if status != http.StatusCreated || !strings.Contains(string(probs), "missing.yaml does not exist") {
			t.Errorf("dry run of a broken location: %d, problems %s", status, probs)
		}
	})

	var id string
	t.Run("register", func(t *testing.T) {
		status, body := apiCall(t, http.MethodPost, api+"/locations", spec, nil)
		if status != http.StatusCreated {
			t.Fatalf("register: %d %v", status, body)
		}
		loc := body["location"].(map[string]any)
		id, _ = loc["id"].(string)
		if len(id) != 36 || loc["type"] != "url" || loc["target"] != target {
			t.Errorf("registered location = %v", loc)
		}
		if ents, ok := body["entities"].([]any); !ok || len(ents) != 0 {
			t.Errorf("entities = %v, want [] as Backstage answers", body["entities"])
		}
		waitEntity(t, base, "component:default/c", "ingested", present)
		var e catalog.Entity
		getJSON(t, base, "/api/catalog/entities/by-name/component/default/a", &e)
		if got := e.Metadata.Annotations[catalog.AnnotationManagedByLocation]; got != "url:"+repo.URL+"/repo/components/a.yaml" {
			t.Errorf("managed-by-location = %s", got)
		}
		if got := e.Metadata.Annotations[catalog.AnnotationManagedByOriginLocation]; got != "url:"+target {
			t.Errorf("managed-by-origin-location = %s", got)
		}
	})
	t.Run("read back", func(t *testing.T) {
		var list []map[string]map[string]string
		getJSON(t, base, "/api/catalog/locations", &list)
		if len(list) != 1 || list[0]["data"]["id"] != id || list[0]["data"]["target"] != target {
			t.Errorf("GET /locations = %v", list)
		}
		var one map[string]string
		if status := getJSON(t, base, "/api/catalog/locations/"+id, &one); status != http.StatusOK || one["target"] != target {
			t.Errorf("GET /locations/%s = %d %v", id, status, one)
		}
		var byEntity map[string]string
		if status := getJSON(t, base, "/api/catalog/locations/by-entity/component/default/b", &byEntity); status != http.StatusOK || byEntity["id"] != id {
			t.Errorf("by-entity = %d %v", status, byEntity)
		}
		// Ancestry climbs the Locations that emitted the entity, as
		// Backstage's does: b is named by two Locations.
		var anc struct {
			RootEntityRef string `json:"rootEntityRef"`
			Items         []struct {
				Entity           catalog.Entity `json:"entity"`
				ParentEntityRefs []string       `json:"parentEntityRefs"`
			} `json:"items"`
		}
		getJSON(t, base, "/api/catalog/entities/by-name/component/default/b/ancestry", &anc)
		got := map[string][]string{}
		for _, it := range anc.Items {
			got[it.Entity.Ref().Key()] = it.ParentEntityRefs
		}
		gen := "location:default/generated-" + sha1Hex("url:"+target)
		want := map[string][]string{
			"component:default/b":                 {"location:default/example-components", "location:default/example-apis"},
			"location:default/example-components": {"location:default/example-all"},
			"location:default/example-apis":       {"location:default/example-all"},
			"location:default/example-all":        {gen},
			gen:                                   nil,
		}
		sortRefs := cmpopts.SortSlices(func(a, b string) bool { return a < b })
		if anc.RootEntityRef != "component:default/b" || !cmp.Equal(want, got, sortRefs, cmpopts.EquateEmpty()) {
			t.Errorf("ancestry root %s, items (-want +got):\n%s", anc.RootEntityRef, cmp.Diff(want, got, sortRefs, cmpopts.EquateEmpty()))
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			method string
			path   string
			body   any
			status int
			want   string
		}{
			{"duplicate", http.MethodPost, "/locations", spec, http.StatusConflict, "ConflictError: Location url:" + target + " already exists"},
			{"file type", http.MethodPost, "/locations", map[string]string{"type": "file", "target": "/etc/passwd"}, http.StatusBadRequest, `InputError: Registered locations must be of an allowed type ["url"]`},
			{"host not allowed", http.MethodPost, "/locations", map[string]string{"type": "url", "target": "https://elsewhere.example/c.yaml"}, http.StatusBadRequest, "InputError: reading https://elsewhere.example/c.yaml is not allowed by backend.reading.allow"},
			{"no target", http.MethodPost, "/locations", map[string]string{"type": "url"}, http.StatusBadRequest, "InputError: request/body must have required properties type and target"},
			{"unknown key", http.MethodPost, "/locations", map[string]string{"type": "url", "target": target, "x": "y"}, http.StatusBadRequest, "InputError: request/body is not valid"},
			{"unknown id", http.MethodGet, "/locations/4b0a7e0c-0000-4000-8000-000000000000", nil, http.StatusNotFound, "NotFoundError: Found no location with ID 4b0a7e0c-0000-4000-8000-000000000000"},
			{"unknown id delete", http.MethodDelete, "/locations/4b0a7e0c-0000-4000-8000-000000000000", nil, http.StatusNotFound, "NotFoundError"},
			{"by-entity unknown", http.MethodGet, "/locations/by-entity/component/default/nope", nil, http.StatusNotFound, "NotFoundError: found no entity for ref"},
			{"refresh unknown", http.MethodPost, "/refresh", map[string]string{"entityRef": "component:default/nope"}, http.StatusNotFound, "NotFoundError"},
		} {
			status, body := apiCall(t, tc.method, api+tc.path, tc.body, nil)
			if status != tc.status || !strings.HasPrefix(errorName(body), tc.want) {
				t.Errorf("%s: %d %q, want %d %q", tc.name, status, errorName(body), tc.status, tc.want)
			}
		}
	})
	t.Run("refresh reads the location again", func(t *testing.T) {
		repo.set("/repo/components/a.yaml", strings.Replace(fmt.Sprintf(componentYAML, "a"), "spec:", "metadata2: x\nspec:", 1))
		repo.set("/repo/components/a.yaml", fmt.Sprintf(componentYAML, "a")+"---\n"+fmt.Sprintf(componentYAML, "a2"))
		status, _ := apiCall(t, http.MethodPost, api+"/refresh", map[string]string{"entityRef": "component:default/a"}, nil)
		if status != http.StatusOK {
			t.Fatalf("refresh: %d", status)
		}
		waitEntity(t, base, "component:default/a2", "read after refresh", present)
	})
	t.Run("unregister orphans what it emitted", func(t *testing.T) {
		status, _ := apiCall(t, http.MethodDelete, api+"/locations/"+id, nil, nil)
		if status != http.StatusNoContent {
			t.Fatalf("delete: %d", status)
		}
		waitEntity(t, base, "component:default/a", "orphaned", func(e *catalog.Entity) bool {
			return e != nil && e.Metadata.Annotations[catalog.AnnotationOrphan] == "true"
		})
		var locs struct{ Items []catalog.Entity }
		getJSON(t, base, "/api/catalog/entities/by-query?filter=kind=location,metadata.name=generated-"+sha1Hex("url:"+target), &locs)
		if len(locs.Items) != 0 {
			t.Errorf("the registered location's entity survived its removal")
		}
		if status := getJSON(t, base, "/api/catalog/locations/"+id, nil); status != http.StatusNotFound {
			t.Errorf("GET after delete: %d", status)
		}
	})
}

func TestRegisteredLocationsSurviveRestart(t *testing.T) {
	repo := nestedRepo(t)
	db := filepath.Join(t.TempDir(), "portico.db")
	target := repo.URL + "/repo/all.yaml"
	var id string
	t.Run("first process", func(t *testing.T) { // stops when the subtest ends
		base := registryBackend(t, repo, db)
		status, body := apiCall(t, http.MethodPost, base+"/api/catalog/locations", map[string]string{"type": "url", "target": target}, nil)
		if status != http.StatusCreated {
			t.Fatalf("register: %d %v", status, body)
		}
		id = body["location"].(map[string]any)["id"].(string)
		waitEntity(t, base, "component:default/c", "ingested", present)
	})
	// A second process on the same database schedules it again.
	base := registryBackend(t, repo, db)
	var one map[string]string
	if status := getJSON(t, base, "/api/catalog/locations/"+id, &one); status != http.StatusOK || one["target"] != target {
		t.Fatalf("after restart: %d %v", status, one)
	}
	repo.set("/repo/apis/c.yaml", fmt.Sprintf(componentYAML, "c")+"---\n"+fmt.Sprintf(componentYAML, "after-restart"))
	if status, _ := apiCall(t, http.MethodPost, base+"/api/catalog/refresh", map[string]string{"entityRef": "component:default/c"}, nil); status != http.StatusOK {
		t.Fatalf("refresh: %d", status)
	}
	waitEntity(t, base, "component:default/after-restart", "read by the restarted process", present)
}

func TestRegisteredLocationsTwoReplicasOnePostgreSQL(t *testing.T) {
	repo := nestedRepo(t)
	u, _ := url.Parse(repo.URL)
	dbYAML := pgDatabaseYAML(t)
	replica := func() string {
		cfg, err := config.Parse("app-config.yaml", []byte(fmt.Sprintf("backend:\n%s  reading:\n    allow: [{host: '%s'}]\n    allowAddresses: ['127.0.0.1']\ncatalog:\n  processingInterval: {minutes: 30}\n", dbYAML, u.Host)))
		if err != nil {
			t.Fatal(err)
		}
		b := portico.New(portico.WithConfig(cfg), portico.WithAddress("127.0.0.1:0"), portico.WithDemo(false), portico.WithLogger(slogText(&syncBuffer{})))
		b.Add(catalogplugin.Plugin(), catalogplugin.URLLocationsModule(), authplugin.Plugin())
		base := start(t, b)
		waitReady(t, base)
		return base
	}
	a, b := replica(), replica()
	target := repo.URL + "/repo/all.yaml"
	status, body := apiCall(t, http.MethodPost, a+"/api/catalog/locations", map[string]string{"type": "url", "target": target}, nil)
	if status != http.StatusCreated {
		t.Fatalf("register on A: %d %v", status, body)
	}
	id := body["location"].(map[string]any)["id"].(string)
	waitEntity(t, b, "component:default/c", "visible on B", present)
	if status, _ := apiCall(t, http.MethodPost, b+"/api/catalog/locations", map[string]string{"type": "url", "target": target}, nil); status != http.StatusConflict {
		t.Errorf("registering it again on B: %d, want 409", status)
	}
	// B reads it on refresh although A registered it.
	repo.set("/repo/apis/c.yaml", fmt.Sprintf(componentYAML, "c")+"---\n"+fmt.Sprintf(componentYAML, "via-b"))
	if status, _ := apiCall(t, http.MethodPost, b+"/api/catalog/refresh", map[string]string{"entityRef": "component:default/c"}, nil); status != http.StatusOK {
		t.Fatalf("refresh on B: %d", status)
	}
	waitEntity(t, a, "component:default/via-b", "read through B, visible on A", present)
	if status, _ := apiCall(t, http.MethodDelete, b+"/api/catalog/locations/"+id, nil, nil); status != http.StatusNoContent {
		t.Fatalf("unregister on B: %d", status)
	}
	if status := getJSON(t, a, "/api/catalog/locations/"+id, nil); status != http.StatusNotFound {
		t.Errorf("A still finds the location B removed: %d", status)
	}
	waitEntity(t, a, "component:default/a", "orphaned", func(e *catalog.Entity) bool {
		return e != nil && e.Metadata.Annotations[catalog.AnnotationOrphan] == "true"
	})
}

func TestLocationWritesNeedAUserOrATokenWhenSignInIsOn(t *testing.T) {
	p := startAuthBackend(t, false, "")
	api := p.base + "/api/catalog"
	body := map[string]string{"type": "url", "target": "https://not-allowed.example/catalog-info.yaml"}
	token := http.Header{"Authorization": {"Bearer " + integrationToken}}
	for _, tc := range []struct {
		name, method, path string
		body               any
		header             http.Header
		status             int
	}{
		{"anonymous register", http.MethodPost, "/locations", body, nil, http.StatusUnauthorized},
		{"anonymous dry run", http.MethodPost, "/locations?dryRun=true", body, nil, http.StatusUnauthorized},
		{"anonymous unregister", http.MethodDelete, "/locations/4b0a7e0c-0000-4000-8000-000000000000", nil, nil, http.StatusUnauthorized},
		{"anonymous refresh", http.MethodPost, "/refresh", map[string]string{"entityRef": "component:default/x"}, nil, http.StatusUnauthorized},
		{"cross-site browser without a session", http.MethodPost, "/locations", body, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Cookie": {"x=y"}}, http.StatusUnauthorized},
		{"token passes the guard", http.MethodPost, "/locations", body, token, http.StatusBadRequest},
		{"token unregister unknown", http.MethodDelete, "/locations/4b0a7e0c-0000-4000-8000-000000000000", nil, token, http.StatusNotFound},
	} {
		if status, got := apiCall(t, tc.method, api+tc.path, tc.body, tc.header); status != tc.status {
			t.Errorf("%s: %d %v, want %d", tc.name, status, got, tc.status)
		}
	}
	// A signed-in browser passes the guard, but only from this site.
	user := signInWithGitHub(t, p)
	resp, out := user.do(http.MethodPost, api+"/locations", url.Values{}, http.Header{"Sec-Fetch-Site": {"cross-site"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("signed-in, cross-site: %d %s, want 403", resp.StatusCode, out)
	}
	resp, out = user.do(http.MethodPost, api+"/locations", url.Values{}, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("signed-in, same-origin: %d %s, want 400 (past the guard, bad body)", resp.StatusCode, out)
	}
}

// A registered location follows its nested Locations on a schedule,
// keeping no graph between reads. When one of them stops naming a file,
// the orphan that leaves names that nested Location, on the API and in the
// entity page's banner, rather than the registered location.
func TestRegisteredLocationOrphanNamesTheNestedLocationThatDroppedIt(t *testing.T) {
	for _, dialect := range []string{"sqlite", "pg"} {
		t.Run(dialect, func(t *testing.T) {
			repo := nestedRepo(t)
			u, _ := url.Parse(repo.URL)
			opts := []portico.Option{portico.WithAddress("127.0.0.1:0"), portico.WithDemo(false), portico.WithLogger(slogText(&syncBuffer{}))}
			var dbYAML string
			if dialect == "pg" {
				dbYAML = pgDatabaseYAML(t)
			} else {
				opts = append(opts, portico.WithDatabase(config.Database{Driver: config.DriverSQLite, Path: filepath.Join(t.TempDir(), "portico.db")}))
			}
			cfg, err := config.Parse("app-config.yaml", []byte(fmt.Sprintf("backend:\n%s  reading:\n    allow: [{host: '%s'}]\n    allowAddresses: ['127.0.0.1']\ncatalog:\n  processingInterval: {minutes: 30}\n", dbYAML, u.Host)))
			if err != nil {
				t.Fatal(err)
			}
			b := portico.New(append(opts, portico.WithConfig(cfg))...)
			b.Add(defaults.Features()...)
			base := start(t, b)
			waitReady(t, base)

			target := repo.URL + "/repo/all.yaml"
			if status, body := apiCall(t, http.MethodPost, base+"/api/catalog/locations", map[string]string{"type": "url", "target": target}, nil); status != http.StatusCreated {
				t.Fatalf("register: %d %v", status, body)
			}
			waitEntity(t, base, "component:default/a", "ingested", present)
			repo.set("/repo/all-components.yaml", locationYAML("example-components", "./components/b.yaml"))
			if status, _ := apiCall(t, http.MethodPost, base+"/api/catalog/refresh", map[string]string{"entityRef": "component:default/b"}, nil); status != http.StatusOK {
				t.Fatalf("refresh: %d", status)
			}
			var a *catalog.Entity
			waitEntity(t, base, "component:default/a", "orphaned", func(e *catalog.Entity) bool {
				a = e
				return e != nil && e.Metadata.Annotations[catalog.AnnotationOrphan] == "true"
			})
			nested := "url:" + repo.URL + "/repo/all-components.yaml"
			if got := a.Metadata.Annotations[catalog.AnnotationOrphanedBy]; got != nested {
				t.Errorf("orphaned-by = %q, want the nested Location %q", got, nested)
			}
			_, body := newBrowser(t, false).get(base + "/catalog/default/component/a")
			banner := strings.Join(strings.Fields(page(t, body).Find(`[data-testid="orphan-banner"]`).Text()), " ")
			for _, want := range []string{"No longer listed by " + nested + " (since", "It was read from url:" + repo.URL + "/repo/components/a.yaml."} {
				if !strings.Contains(banner, want) {
					t.Errorf("banner %q lacks %q", banner, want)
				}
			}
		})
	}
}

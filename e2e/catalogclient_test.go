package e2e

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// clientCase is one case of testdata/catalogclient/client.cjs: what the
// CatalogClient method resolved to, or what it threw.
type clientCase struct {
	Result    json.RawMessage `json:"result"`
	Undefined bool            `json:"undefined"`
	Error     *clientError    `json:"error"`
}

type clientError struct {
	Name      string `json:"name"`
	Message   string `json:"message"`
	Status    int    `json:"status"`
	ErrorName string `json:"errorName"`
	// ErrorMessage is the message of the answer's body.
	ErrorMessage string `json:"errorMessage"`
}

// catalogClientConfig serves testdata/catalogclient/catalog.yaml, plus
// extra configuration.
func catalogClientConfig(extra string) string {
	return fmt.Sprintf(`app:
  title: Catalog client E2E
catalog:
  locations:
    - {type: file, target: %q}
%s`, Testdata("catalogclient/catalog.yaml"), extra)
}

// TestBackstageCatalogClient drives Backstage's own @backstage/catalog-client
// (the exact version package.json pins) against the real binary through
// every public method of CatalogClient, each as a subtest asserting the
// answer its index.d.ts documents. The location methods are added with
// registered locations, in the same pattern: a case in client.cjs and a
// subtest here.
func TestBackstageCatalogClient(t *testing.T) {
	node := nodeForCatalogClient(t)
	base := StartPortal(t, catalogClientConfig(""))
	cases := []string{
		"getEntities", "getEntities/paged", "getEntitiesByRefs", "getEntitiesByRefs/filter", "getEntitiesByRefs/query",
		"queryEntities", "queryEntities/query", "queryEntities/invalidQuery", "queryEntities/fullText", "getEntityAncestors", "getEntityByRef",
		"getEntityByRef/missing", "getEntityByName", "getEntityFacets", "getEntityFacets/query", "validateEntity",
		"validateEntity/invalid", "validateEntity/badLocation", "streamEntities", "removeEntityByUid",
	}
	got := runCatalogClient(t, node, base, "", cases...)

	expect := func(name string, want any) {
		t.Helper()
		t.Run(name, func(t *testing.T) { assertResult(t, got[name], want) })
	}
	expect("getEntities", []string{"gamma-api", "beta-api", "alpha-api"})
	expect("getEntities/paged", []map[string]any{
		{"kind": "API", "metadata": map[string]any{"name": "alpha-api"}},
		{"kind": "API", "metadata": map[string]any{"name": "gamma-api"}},
	})
	// Backstage matches refs as stored (kind:namespace/name, lower case);
	// other spellings are undefined.
	expect("getEntitiesByRefs", []string{"gamma-api", "<undefined>", "<undefined>", "<undefined>", "zoe"})
	expect("getEntitiesByRefs/filter", []string{"<undefined>", "beta-api"})
	page := func(names []string, next, prev bool) map[string]any {
		return map[string]any{"names": names, "totalItems": 3, "next": next, "prev": prev}
	}
	expect("queryEntities", map[string]any{
		"first":  page([]string{"alpha-api", "beta-api"}, true, false),
		"second": page([]string{"gamma-api"}, false, true),
		"back":   page([]string{"alpha-api", "beta-api"}, true, false),
	})
	// Filter predicates (query), ANDed with the filter: alpha and gamma
	// are tagged rest, beta is grpc, shop provides APIs.
	expect("getEntitiesByRefs/query", []string{"alpha-api", "<undefined>", "<undefined>"})
	predicatePage := func(names []string, next, prev bool) map[string]any {
		return map[string]any{"names": names, "totalItems": 4, "next": next, "prev": prev}
	}
	expect("queryEntities/query", map[string]any{
		"first":  predicatePage([]string{"shop", "gamma-api", "beta-api"}, true, false),
		"second": predicatePage([]string{"alpha-api"}, false, true),
		"back":   predicatePage([]string{"shop", "gamma-api", "beta-api"}, true, false),
	})
	t.Run("queryEntities/invalidQuery", func(t *testing.T) {
		c := got["queryEntities/invalidQuery"]
		if c.Error == nil || c.Error.Status != http.StatusBadRequest || c.Error.ErrorName != "InputError" || !strings.Contains(c.Error.ErrorMessage, `field "kind"`) {
			t.Errorf("got %+v (error %+v), want a 400 InputError naming the field", c, c.Error)
		}
	})
	expect("getEntityFacets/query", map[string]any{"facets": map[string]any{
		"kind":      []map[string]any{{"value": "API", "count": 2}, {"value": "Component", "count": 1}},
		"spec.type": []map[string]any{{"value": "openapi", "count": 2}, {"value": "service", "count": 1}},
	}})
	expect("queryEntities/fullText", map[string]any{"names": []string{"gamma-api"}, "totalItems": 1})
	// shop's parent is the Location of the configured location that read
	// it, as Backstage's ancestry has it.
	configured := generatedName("file:" + Testdata("catalogclient/catalog.yaml"))
	expect("getEntityAncestors", map[string]any{
		"rootEntityRef": "component:default/shop",
		"items": []map[string]any{
			{"name": "shop", "parentEntityRefs": []string{"location:default/" + configured}},
			{"name": configured, "parentEntityRefs": []string{}},
		},
	})
	t.Run("getEntityByRef", func(t *testing.T) { assertShop(t, got["getEntityByRef"]) })
	t.Run("getEntityByRef/missing", func(t *testing.T) {
		if c := got["getEntityByRef/missing"]; !c.Undefined {
			t.Errorf("got %+v, want undefined", c)
		}
	})
	expect("getEntityByName", map[string]any{"kind": "User", "name": "zoe", "spec": map[string]any{"memberOf": []string{"team-a"}}})
	expect("getEntityFacets", map[string]any{"facets": map[string]any{
		"kind":      []map[string]any{{"value": "API", "count": 3}, {"value": "Component", "count": 1}},
		"spec.type": []map[string]any{{"value": "grpc", "count": 1}, {"value": "openapi", "count": 2}, {"value": "service", "count": 1}},
	}})
	expect("validateEntity", map[string]any{"valid": true})
	expect("validateEntity/invalid", map[string]any{"valid": false, "errors": []map[string]any{
		{"name": "InputError", "message": "component:default/checked: spec.owner: is required"},
	}})
	expect("validateEntity/badLocation", map[string]any{"valid": false, "errors": []map[string]any{
		{"name": "TypeError", "message": "Invalid location ref file:/srv/catalog-info.yaml, only 'url:<target>' is supported, e.g. url:https://host/path"},
	}})
	expect("streamEntities", [][]string{{"alpha-api", "beta-api"}, {"gamma-api"}})
	expect("removeEntityByUid", map[string]any{"removed": true, "gone": true, "againResolved": true})

	t.Run("every public method has a case", func(t *testing.T) {
		covered := map[string]bool{}
		for _, c := range cases {
			method, _, _ := strings.Cut(c, "/")
			covered[method] = true
		}
		var missing []string
		for _, c := range locationCases {
			method, _, _ := strings.Cut(c, "/")
			covered[method] = true
		}
		for _, m := range catalogClientMethods(t) {
			if !covered[m] {
				missing = append(missing, m)
			}
		}
		if len(missing) > 0 {
			t.Errorf("CatalogClient methods without a case: %v", missing)
		}
	})
}

// locationMethods are CatalogClient's methods over registered locations,
// covered by TestBackstageCatalogClientLocations.
var locationMethods = map[string]bool{
	"getLocations": true, "queryLocations": true, "streamLocations": true, "getLocationById": true,
	"getLocationByRef": true, "getLocationByEntity": true, "addLocation": true, "updateLocation": true,
	"removeLocationById": true, "refreshEntity": true, "analyzeLocation": true,
}

// locationCases are the cases of TestBackstageCatalogClientLocations, in the
// order they run (they register, read, move and remove one location).
var locationCases = []string{
	"getLocations", "addLocation/dryRun", "addLocation", "addLocation/conflict", "addLocation/refresh",
	"getLocationById", "getLocationById/missing", "getLocationByRef", "getLocationByEntity",
	"queryLocations", "streamLocations", "refreshEntity", "updateLocation", "analyzeLocation", "removeLocationById",
}

// TestBackstageCatalogClientLocations drives every location method of
// Backstage's CatalogClient: it registers a nested catalog the test serves
// over HTTP, reads the location back every way the client can, refreshes,
// moves and removes it.
func TestBackstageCatalogClientLocations(t *testing.T) {
	node := nodeForCatalogClient(t)
	repo := serveNestedCatalog(t)
	base := StartPortal(t, catalogClientConfig(fmt.Sprintf("backend:\n  reading:\n    allow: [{host: '%s'}]\n    allowAddresses: ['127.0.0.1']\n", strings.TrimPrefix(repo, "http://"))))
	t.Setenv("PORTICO_REPO", repo+"/repo")
	got := runCatalogClient(t, node, base, "", locationCases...)
	expect := func(name string, want any) {
		t.Helper()
		t.Run(name, func(t *testing.T) { assertResult(t, got[name], want) })
	}
	refuse := func(name string, status int, errorName string) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			if c := got[name]; c.Error == nil || c.Error.Status != status || c.Error.ErrorName != errorName {
				t.Errorf("got %+v, want a %d %s", c, status, errorName)
			}
		})
	}
	target := repo + "/repo/all.yaml"
	expect("getLocations", []string{"file"})
	expect("addLocation/dryRun", map[string]any{"id": "url:" + target, "exists": false, "entities": []string{
		"component:nested-a", "component:nested-b", "location:" + generatedName("url:"+target), "location:nested-all", "location:nested-components"}})
	expect("addLocation", map[string]any{"type": "url", "target": target, "uuid": true, "entities": []any{}})
	refuse("addLocation/conflict", http.StatusConflict, "ConflictError")
	expect("addLocation/refresh", map[string]any{"sameId": true})
	expect("getLocationById", map[string]any{"type": "url", "target": target})
	t.Run("getLocationById/missing", func(t *testing.T) {
		if c := got["getLocationById/missing"]; !c.Undefined {
			t.Errorf("got %+v, want undefined", c)
		}
	})
	expect("getLocationByRef", true)
	expect("getLocationByEntity", true)
	expect("queryLocations", map[string]any{"total": 2, "firstPage": 1, "secondPage": 1, "last": true, "urls": []bool{true}})
	expect("streamLocations", [][]string{{"file", "url"}})
	t.Run("refreshEntity", func(t *testing.T) {
		if c := got["refreshEntity"]; c.Error != nil || !c.Undefined {
			t.Errorf("got %+v, want it to resolve to undefined", c)
		}
	})
	expect("updateLocation", map[string]any{"sameId": true, "target": repo + "/repo/other.yaml"})
	refuse("analyzeLocation", http.StatusNotImplemented, "NotImplementedError")
	expect("removeLocationById", true)
}

// serveNestedCatalog serves a small catalog laid out as Backstage's
// examples (a Location naming a Location naming entities) under /repo.
func serveNestedCatalog(t *testing.T) string {
	t.Helper()
	files := map[string]string{
		"/repo/all.yaml":        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: nested-all}\nspec: {targets: [./components.yaml]}\n",
		"/repo/components.yaml": "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: nested-components}\nspec: {targets: [./a.yaml, ./b.yaml]}\n",
		"/repo/a.yaml":          "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: nested-a}\nspec: {type: service, lifecycle: production, owner: team-a}\n",
		"/repo/b.yaml":          "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: nested-b}\nspec: {type: service, lifecycle: production, owner: team-a}\n",
		"/repo/other.yaml":      "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: moved}\nspec: {type: service, lifecycle: production, owner: team-a}\n",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// generatedName is the name Backstage gives the Location entity of a
// location ref: generated-<sha1>.
func generatedName(ref string) string {
	sum := sha1.Sum([]byte(ref))
	return "generated-" + hex.EncodeToString(sum[:])
}

// TestBackstageCatalogClientWritesNeedSignIn: with sign-in configured, the
// client's removeEntityByUid is refused without credentials and works with
// a static token; a browser request from another site is refused even with
// a signed-in user's session.
func TestBackstageCatalogClientWritesNeedSignIn(t *testing.T) {
	node := nodeForCatalogClient(t)
	const token = "e2e-static-token-0123456789"
	base := StartPortal(t, catalogClientConfig(fmt.Sprintf(`auth:
  environment: development
  providers:
    guest: {}
  session: {secret: an-e2e-session-secret-of-enough-length}
backend:
  auth:
    externalAccess:
      - type: static
        options: {token: %s, subject: e2e-client}
`, token)))

	t.Run("anonymous client is refused", func(t *testing.T) {
		c := runCatalogClient(t, node, base, "", "removeEntityByUid/alpha")["removeEntityByUid/alpha"]
		if c.Error == nil || c.Error.Status != http.StatusUnauthorized || c.Error.ErrorName != "AuthenticationError" {
			t.Errorf("got %+v, want a ResponseError with a 401 AuthenticationError", c)
		}
	})
	t.Run("a cross-site browser request is refused", func(t *testing.T) {
		uid := entityUID(t, base, "api/default/alpha-api")
		guest := signInAsGuest(t, base)
		req, _ := http.NewRequest(http.MethodDelete, base+"/api/catalog/entities/by-uid/"+uid, nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", "https://evil.example")
		resp, err := guest.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site DELETE with a session: %d, want 403", resp.StatusCode)
		}
		if entityUID(t, base, "api/default/alpha-api") != uid {
			t.Error("the entity was removed")
		}
	})
	t.Run("static token works", func(t *testing.T) {
		c := runCatalogClient(t, node, base, token, "removeEntityByUid/alpha")["removeEntityByUid/alpha"]
		assertResult(t, c, true)
	})
}

// nodeForCatalogClient returns the node binary, when it and the npm
// packages are installed (scripts/setup.sh); it fails in CI and skips
// elsewhere when they are not.
func nodeForCatalogClient(t *testing.T) string {
	t.Helper()
	node := os.Getenv("PLAYWRIGHT_NODEJS_PATH")
	if node == "" {
		var err error
		if node, err = exec.LookPath("node"); err != nil {
			missing(t, "node is not installed")
		}
	}
	if _, err := os.Stat(filepath.Join(moduleRoot(), "node_modules", "@backstage", "catalog-client", "package.json")); err != nil {
		missing(t, "@backstage/catalog-client is not installed (npm ci)")
	}
	return node
}

// runCatalogClient runs client.cjs with the given cases against the portal
// at base, with token as the request option when not empty.
func runCatalogClient(t *testing.T, node, base, token string, cases ...string) map[string]clientCase {
	t.Helper()
	cmd := exec.Command(node, append([]string{Testdata("catalogclient/client.cjs"), base + "/api/catalog"}, cases...)...)
	cmd.Dir = moduleRoot()
	cmd.Env = append(os.Environ(), "PORTICO_TOKEN="+token)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node client.cjs %v: %v\n%s", cases, err, stderr.String())
	}
	var out map[string]clientCase
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("decode client output: %v\n%s", err, stdout.String())
	}
	return out
}

// assertResult compares a case's result with want, both as JSON values.
func assertResult(t *testing.T, c clientCase, want any) {
	t.Helper()
	if c.Error != nil || c.Undefined {
		t.Fatalf("got %+v (error %+v), want a result", c, c.Error)
	}
	var got, wantJSON any
	if err := json.Unmarshal(c.Result, &got); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(want)
	_ = json.Unmarshal(b, &wantJSON)
	if diff := cmp.Diff(wantJSON, got); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
}

// assertShop checks getEntityByRef's entity: the relation arrays sorted as
// Backstage stores them, relations in Backstage's order.
func assertShop(t *testing.T, c clientCase) {
	t.Helper()
	var got struct {
		Name           string         `json:"name"`
		UID            string         `json:"uid"`
		SameByCompound bool           `json:"sameByCompound"`
		Spec           map[string]any `json:"spec"`
		Relations      []any          `json:"relations"`
	}
	if c.Error != nil || json.Unmarshal(c.Result, &got) != nil {
		t.Fatalf("got %+v", c)
	}
	if got.Name != "shop" || got.UID == "" || !got.SameByCompound {
		t.Errorf("entity %+v", got)
	}
	if diff := cmp.Diff([]any{"alpha-api", "gamma-api"}, got.Spec["providesApis"]); diff != "" {
		t.Errorf("spec.providesApis (-want +got):\n%s", diff)
	}
	wantRelations := []any{
		map[string]any{"type": "consumesApi", "targetRef": "api:default/beta-api"},
		map[string]any{"type": "dependsOn", "targetRef": "resource:default/db"},
		map[string]any{"type": "ownedBy", "targetRef": "group:default/team-a"},
		map[string]any{"type": "providesApi", "targetRef": "api:default/alpha-api"},
		map[string]any{"type": "providesApi", "targetRef": "api:default/gamma-api"},
	}
	if diff := cmp.Diff(wantRelations, got.Relations); diff != "" {
		t.Errorf("relations (-want +got):\n%s", diff)
	}
}

// catalogClientMethods lists the public methods of CatalogClient as its
// index.d.ts declares them.
func catalogClientMethods(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(moduleRoot(), "node_modules", "@backstage", "catalog-client", "dist", "index.d.ts"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	start := strings.Index(src, "declare class CatalogClient ")
	if start < 0 {
		t.Fatal("index.d.ts declares no class CatalogClient")
	}
	end := strings.Index(src[start:], "\n}")
	var methods []string
	for _, m := range regexp.MustCompile(`(?m)^    ([a-zA-Z]+)\(`).FindAllStringSubmatch(src[start:start+end], -1) {
		if m[1] != "constructor" && !slices.Contains(methods, m[1]) {
			methods = append(methods, m[1])
		}
	}
	if len(methods) < 15 {
		t.Fatalf("found only %d methods in CatalogClient's declaration: %v", len(methods), methods)
	}
	return methods
}

// entityUID reads an entity's uid through the REST API.
func entityUID(t *testing.T, base, byName string) string {
	t.Helper()
	resp, err := http.Get(base + "/api/catalog/entities/by-name/" + byName)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct {
		Metadata struct {
			UID string `json:"uid"`
		} `json:"metadata"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Metadata.UID == "" {
		t.Fatalf("uid of %s: %d %v", byName, resp.StatusCode, err)
	}
	return e.Metadata.UID
}

// signInAsGuest returns a client holding a guest session.
func signInAsGuest(t *testing.T, base string) *http.Client {
	t.Helper()
	c := cookieClient(t)
	req, _ := http.NewRequest(http.MethodPost, base+"/auth/guest", strings.NewReader("next=/"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("guest sign-in: %d", resp.StatusCode)
	}
	return c
}

// cookieClient keeps cookies and stops at the first redirect.
func cookieClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

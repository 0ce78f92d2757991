package apichanges_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/defaults/defaultstest"
	"github.com/porticohq/portico/web/apichanges"
)

const entityYAML = `apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: pets}
spec: {type: openapi, lifecycle: production, owner: team-a, definition: {$text: ./openapi.yaml}}
`

const petsV1 = `openapi: 3.0.3
info: {title: Pets, version: "1.0"}
paths:
  /pets:
    get:
      responses:
        "200": {description: ok}
  /pets/{id}:
    delete:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: deleted}
`

// TestModuleRecordsFileEdits runs a backend with a file location, edits
// the definition on disk (an operation removed) and reads the history
// through the REST API: a second version whose diff has the breaking
// change, computed in the background.
func TestModuleRecordsFileEdits(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("catalog-info.yaml", entityYAML)
	write("openapi.yaml", petsV1)
	base := defaultstest.Start(t, fmt.Sprintf(`
catalog:
  locations: [{type: file, target: %s}]
apiDocs:
  history:
    keep: {maxAge: {days: 30}, min: 10}
`, filepath.Join(dir, "catalog-info.yaml")))

	items := waitVersions(t, base, func(it []apichanges.VersionJSON) bool { return len(it) == 1 })
	if items[0].InfoVersion != "1.0" || !strings.HasSuffix(items[0].Location, "catalog-info.yaml") {
		t.Errorf("first version: %+v", items[0])
	}
	write("openapi.yaml", strings.Replace(strings.Replace(petsV1, `"1.0"`, `"1.1"`, 1),
		"  /pets/{id}:\n    delete:\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        \"204\": {description: deleted}\n", "", 1))
	items = waitVersions(t, base, func(it []apichanges.VersionJSON) bool {
		return len(it) == 2 && it[0].Changes != nil
	})
	if items[0].InfoVersion != "1.1" || items[0].Changes.Breaking != 1 || !items[0].Current {
		t.Errorf("after the edit: %+v", items[0])
	}

	// The Changes tab: linked from the entity page, the diff with the
	// breaking change first, the timeline.
	doc := getPage(t, base+"/catalog/default/api/pets")
	if href, _ := doc.Find(`a[href="/catalog/default/api/pets/changes"]`).Attr("href"); href == "" {
		t.Error("the API page has no Changes tab")
	}
	doc = getPage(t, base+"/catalog/default/api/pets/changes")
	groups := doc.Find(`[data-testid="diff-group"]`)
	if groups.Length() != 1 || groups.AttrOr("data-level", "") != "breaking" ||
		!strings.Contains(groups.Find("h3").Text(), "DELETE /pets/{id}") {
		t.Errorf("diff groups: %d, first %q (%s)", groups.Length(), groups.First().Text(), groups.AttrOr("data-level", ""))
	}
	if groups.Find(`[data-testid="operation-link"]`).Length() != 0 {
		t.Error("a removed operation links to the current definition")
	}
	if n := doc.Find(`[data-testid="version"]`).Length(); n != 2 {
		t.Errorf("timeline rows: %d, want 2", n)
	}
	if got := strings.TrimSpace(doc.Find(`[data-testid="version"] [data-testid="breaking-count"]`).First().Text()); got != "1" {
		t.Errorf("breaking count of the current version: %q", got)
	}
	// Compared the other way round, the operation is added: non-breaking,
	// and not linked either (to is not the current version).
	doc = getPage(t, fmt.Sprintf("%s/catalog/default/api/pets/changes?from=%d&to=%d", base, items[0].ID, items[1].ID))
	if lvl := doc.Find(`[data-testid="diff-group"]`).AttrOr("data-level", ""); lvl != "info" {
		t.Errorf("reverse diff level %q", lvl)
	}
}

func getPage(t *testing.T, u string) *goquery.Document {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func waitVersions(t *testing.T, base string, ok func([]apichanges.VersionJSON) bool) []apichanges.VersionJSON {
	t.Helper()
	return waitVersionsOf(t, base, "pets", ok)
}

func waitVersionsOf(t *testing.T, base, name string, ok func([]apichanges.VersionJSON) bool) []apichanges.VersionJSON {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last []apichanges.VersionJSON
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/api/apidocs/default/" + name + "/versions")
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Items []apichanges.VersionJSON }
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if last = body.Items; ok(last) {
			return last
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("versions never matched; last %+v", last)
	return nil
}

// Outside test: apiDocs.history.keep.min: -1 was accepted silently.
func TestReadConfigRefusesNegativeRetention(t *testing.T) {
	for _, tt := range []struct{ yaml, key string }{
		{"apiDocs: {history: {keep: {min: -1}}}", "apiDocs.history.keep.min"},
		{"apiDocs: {history: {keep: {maxAge: {days: -3}}}}", "apiDocs.history.keep.maxAge"},
	} {
		root, err := config.Parse("app-config.yaml", []byte(tt.yaml))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = apichanges.ReadConfig(root)
		if err == nil || !strings.Contains(err.Error(), tt.key) || !strings.Contains(err.Error(), "app-config.yaml") {
			t.Errorf("%s: %v, want an error naming %s and the file", tt.yaml, err, tt.key)
		}
	}
	root, _ := config.Parse("app-config.yaml", []byte("apiDocs: {history: {keep: {min: 0, maxAge: {days: 3}}}}"))
	if _, on, err := apichanges.ReadConfig(root); err != nil || !on {
		t.Errorf("min 0: %v (on %v)", err, on)
	}
}

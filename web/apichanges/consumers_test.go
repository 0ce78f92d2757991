package apichanges_test

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/porticohq/portico/defaults/defaultstest"
	"github.com/porticohq/portico/web/apichanges"
)

// consumersYAML is the pets API (owned by team-a), a component of team-b
// that consumes it and one that does not.
const consumersYAML = entityYAML + `---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-b}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: shop}
spec: {type: website, lifecycle: production, owner: team-b, consumesApis: [pets]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: unrelated}
spec: {type: website, lifecycle: production, owner: team-b}
`

// startWithFiles runs a backend reading dir/catalog-info.yaml.
func startWithFiles(t *testing.T, dir string) string {
	t.Helper()
	return defaultstest.Start(t, fmt.Sprintf(`
catalog:
  locations: [{type: file, target: %s}]
`, filepath.Join(dir, "catalog-info.yaml")))
}

// TestBreakingDiffListsConsumersAndOwnerFeed: after an operation is
// removed, the diff names the consuming component and its owner, the
// owner's feed has the version and another owner's feed does not.
func TestBreakingDiffListsConsumersAndOwnerFeed(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("catalog-info.yaml", consumersYAML)
	write("openapi.yaml", petsV1)
	base := startWithFiles(t, dir)
	waitVersions(t, base, func(it []apichanges.VersionJSON) bool { return len(it) == 1 })
	doc := getPage(t, base+"/catalog/default/api/pets/changes")
	if doc.Find(`[data-testid="consumers"]`).Length() != 0 {
		t.Error("consumers listed without a breaking change")
	}
	write("openapi.yaml", strings.Replace(petsV1, "  /pets/{id}:\n    delete:", "  /pets/{id}:\n    x-gone:", 1))
	waitVersions(t, base, func(it []apichanges.VersionJSON) bool { return len(it) == 2 && it[0].Changes != nil })

	doc = getPage(t, base+"/catalog/default/api/pets/changes")
	consumers := doc.Find(`[data-testid="consumer"]`)
	if consumers.Length() != 1 {
		t.Fatalf("consumers: %d, want 1 (%q)", consumers.Length(), doc.Find(`[data-testid="consumers"]`).Text())
	}
	if href, _ := consumers.Find(`a[href="/catalog/default/component/shop"]`).Attr("href"); href == "" {
		t.Errorf("the consumer is not linked: %s", consumers.Text())
	}
	if consumers.Find(`[data-testid="consumer-owner"] a[href="/catalog/default/group/team-b"]`).Length() != 1 {
		t.Errorf("the consumer's owner is not linked: %s", consumers.Text())
	}

	feed := func(owner string) (int, atomFeedOf) {
		t.Helper()
		resp, err := http.Get(base + "/apis/changes.atom?owner=" + owner)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var f atomFeedOf
		if resp.StatusCode == http.StatusOK {
			if err := xml.Unmarshal(body, &f); err != nil {
				t.Fatalf("feed of %s: %v\n%s", owner, err, body)
			}
		}
		return resp.StatusCode, f
	}
	if status, f := feed("group:default/team-a"); status != http.StatusOK || len(f.Entries) != 2 ||
		!strings.Contains(f.Entries[0].Title, "breaking") || !strings.Contains(f.Title, "group:default/team-a") {
		t.Errorf("team-a's feed: %d %+v", status, f)
	}
	if status, f := feed("team-a"); status != http.StatusOK || len(f.Entries) != 2 {
		t.Errorf("team-a's feed by short ref: %d %+v", status, f)
	}
	if status, f := feed("group:default/team-b"); status != http.StatusOK || len(f.Entries) != 0 {
		t.Errorf("team-b's feed: %d %+v", status, f)
	}
	if status, _ := feed("group:default/"); status != http.StatusBadRequest {
		t.Errorf("a bad owner ref: status %d, want 400", status)
	}
}

type atomFeedOf struct {
	Title   string `xml:"title"`
	Entries []struct {
		Title string `xml:"title"`
	} `xml:"entry"`
}

package e2e

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"
)

const changesCatalog = `apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: pets, title: Pets API}
spec: {type: openapi, lifecycle: production, owner: team-a, definition: {$text: ./openapi.yaml}}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: stable, title: Stable API}
spec: {type: openapi, lifecycle: production, owner: team-a, definition: "openapi: 3.0.3\ninfo: {title: Stable, version: '1'}\npaths: {}\n"}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-b}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: shop}
spec: {type: website, lifecycle: production, owner: team-b, consumesApis: [pets]}
`

const changesPetsV1 = `openapi: 3.0.3
info: {title: Pets, version: "1.0"}
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        "200": {description: ok}
  /pets/{id}:
    delete:
      operationId: deletePet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: deleted}
`

// changesPetsV2 removes DELETE /pets/{id} (breaking) and adds GET /owners
// (not breaking).
const changesPetsV2 = `openapi: 3.0.3
info: {title: Pets, version: "2.0"}
paths:
  /owners:
    get:
      operationId: listOwners
      responses:
        "200": {description: ok}
  /pets:
    get:
      operationId: listPets
      responses:
        "200": {description: ok}
`

// waitVersionCount polls the versions endpoint until the API has n
// versions, the newest with its diff computed when n > 1.
func waitVersionCount(t testing.TB, base, api string, n int) {
	t.Helper()
	waitVersions(t, base, api, fmt.Sprintf("%d versions", n), func(v versionsSeen) bool {
		return v.Count == n && (n == 1 || v.Counted)
	})
}

// versionsSeen is what waitVersions reads: how many versions, whether the
// newest's diff is computed, and its info.version.
type versionsSeen struct {
	Count       int
	Counted     bool
	InfoVersion string
}

// waitVersions polls the versions endpoint until ok holds, for up to 45 s.
func waitVersions(t testing.TB, base, api, what string, ok func(versionsSeen) bool) {
	t.Helper()
	var last string
	deadline := time.Now().Add(45 * time.Second)
	for {
		last = getText(base + "/api/apidocs/default/" + api + "/versions")
		var body struct {
			Items []struct {
				InfoVersion string                  `json:"infoVersion"`
				Changes     *struct{ Breaking int } `json:"changes"`
			} `json:"items"`
		}
		if json.Unmarshal([]byte(last), &body) == nil {
			v := versionsSeen{Count: len(body.Items)}
			if v.Count > 0 {
				v.Counted, v.InfoVersion = body.Items[0].Changes != nil, body.Items[0].InfoVersion
			}
			if ok(v) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s of %s; last answer %.2000s", what, api, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestAPIChangesBadgeTimelineDiffConsumersFeed is issue 16's browser test:
// the portal reads an API from a file; the definition is edited on disk
// (an operation removed, another added); the API page and /apis show the
// "breaking change" badge, /apis filters by it, the Changes tab shows the
// timeline and the diff with the breaking change first and the consuming
// component with its owner, and the Atom feeds carry the version.
func TestAPIChangesBadgeTimelineDiffConsumersFeed(t *testing.T) {
	page := NewPage(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "catalog-info.yaml"), changesCatalog)
	writeFile(t, filepath.Join(dir, "openapi.yaml"), changesPetsV1)
	base := StartPortal(t, fmt.Sprintf("app:\n  title: E2E Portal\ncatalog:\n  locations:\n    - type: file\n      target: %s\n",
		filepath.Join(dir, "catalog-info.yaml")))
	waitVersionCount(t, base, "pets", 1)
	writeFile(t, filepath.Join(dir, "openapi.yaml"), changesPetsV2)
	waitVersionCount(t, base, "pets", 2)

	expect := playwright.NewPlaywrightAssertions(10000)
	step := Steps(t, page, "")

	// The API page's badge.
	_, err := page.Goto(base + "/catalog/default/api/pets")
	step("open the API", err)
	badge := page.Locator(`header [data-testid="change-badge"]`)
	step("badge says breaking", expect.Locator(badge).ToHaveText("breaking change today"))
	step("badge is red", expect.Locator(badge).ToHaveAttribute("data-breaking", "true"))
	Screenshot(t, page, "1-api-badge")

	// /apis: the column, then the filters through htmx.
	_, err = page.Goto(base + "/apis")
	step("open /apis", err)
	petsRow := page.Locator(`[data-testid="result-row"]`, playwright.PageLocatorOptions{HasText: "Pets API"})
	step("pets row has the badge", expect.Locator(petsRow.Locator(`[data-testid="last-change"]`)).ToHaveText("breaking change today"))
	stableRow := page.Locator(`[data-testid="result-row"]`, playwright.PageLocatorOptions{HasText: "Stable API"})
	step("stable row has none", expect.Locator(stableRow.Locator(`[data-testid="change-badge"]`)).ToHaveCount(0))
	step("filter changed in 7 days", page.Locator(`[data-testid="filter-changed-7"]`).Check())
	step("filter in the URL", WaitURL(page, regexp.MustCompile(`/apis\?(.*&)?changed=7(&|$)`)))
	rows := page.Locator(`[data-testid="result-link"]`)
	step("only pets changed", expect.Locator(rows).ToHaveText([]string{"Pets API"}))
	step("filter breaking", page.Locator(`[data-testid="filter-breaking"]`).Check())
	step("breaking in the URL", WaitURL(page, regexp.MustCompile(`breaking=1`)))
	step("pets is breaking", expect.Locator(rows).ToHaveText([]string{"Pets API"}))
	Screenshot(t, page, "2-apis-filtered")

	// The badge leads to the diff: breaking first, the consumer listed.
	step("follow the badge", page.Locator(`[data-testid="last-change"] a`).First().Click())
	step("changes URL", WaitURL(page, regexp.MustCompile(`/catalog/default/api/pets/changes\?from=\d+&to=\d+$`)))
	groups := page.Locator(`[data-testid="diff-group"]`)
	step("two groups", expect.Locator(groups).ToHaveCount(2))
	step("breaking first", expect.Locator(groups.First()).ToHaveAttribute("data-level", "breaking"))
	step("the removed operation", expect.Locator(groups.First().Locator("h3")).ToContainText("DELETE /pets/{id}"))
	step("the added operation second", expect.Locator(groups.Nth(1)).ToContainText("GET /owners"))
	step("the added operation links to the definition", expect.Locator(groups.Nth(1).Locator(`[data-testid="operation-link"]`)).ToHaveCount(1))
	consumer := page.Locator(`[data-testid="consumer"]`)
	step("the consumer", expect.Locator(consumer).ToHaveCount(1))
	step("the consumer's line", expect.Locator(consumer).ToHaveText("shop owned by team-b"))
	step("the consumer's name", expect.Locator(consumer.Locator(`a[href="/catalog/default/component/shop"]`)).ToHaveText("shop"))
	step("the consumer's owner", expect.Locator(consumer.Locator(`[data-testid="consumer-owner"] a[href="/catalog/default/group/team-b"]`)).ToHaveText("team-b"))
	step("the timeline", expect.Locator(page.Locator(`[data-testid="version"]`)).ToHaveCount(2))
	step("the current version's count", expect.Locator(page.Locator(`[data-testid="version"] [data-testid="breaking-count"]`).First()).ToHaveText("1"))
	Screenshot(t, page, "3-changes-diff")
	step("dark mode", page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: playwright.ColorSchemeDark}))
	Screenshot(t, page, "4-changes-diff-dark")

	checkReadable(t, base, []string{"/catalog/default/api/pets", "/apis", "/apis?changed=7&breaking=1&sort=changed", "/catalog/default/api/pets/changes"})

	// The feeds: the catalog's, the API's and its owner's have the
	// breaking version; another owner's has nothing.
	type feed struct {
		Entries []struct {
			Title string `xml:"title"`
			Link  struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
			Category []struct {
				Term string `xml:"term,attr"`
			} `xml:"category"`
		} `xml:"entry"`
	}
	read := func(path string) feed {
		t.Helper()
		var f feed
		if err := xml.Unmarshal([]byte(getText(base+path)), &f); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return f
	}
	for _, path := range []string{"/apis/changes.atom", "/catalog/default/api/pets/changes.atom", "/apis/changes.atom?owner=group:default/team-a"} {
		f := read(path)
		if len(f.Entries) == 0 {
			t.Errorf("%s has no entries", path)
			continue
		}
		e := f.Entries[0]
		if e.Title != "api:default/pets 2.0: breaking changes" || len(e.Category) != 1 || e.Category[0].Term != "breaking" ||
			!strings.HasPrefix(e.Link.Href, base+"/catalog/default/api/pets/changes?to=") {
			t.Errorf("%s: first entry %+v", path, e)
		}
	}
	if f := read("/apis/changes.atom?owner=group:default/team-b"); len(f.Entries) != 0 {
		t.Errorf("team-b's feed lists %d entries, want none", len(f.Entries))
	}
}

// checkReadable is TestEveryPageReadableInBothSchemesAndAtPhoneWidth for
// pages the demo portal cannot show (a changed API: the badges, a diff,
// its consumers): WCAG AA contrast in both schemes, and no sideways scroll
// at 390 px.
func checkReadable(t *testing.T, base string, paths []string) {
	t.Helper()
	for _, scheme := range []*playwright.ColorScheme{playwright.ColorSchemeLight, playwright.ColorSchemeDark} {
		for _, width := range []int{1280, 390} {
			page := NewPage(t, playwright.BrowserNewContextOptions{Viewport: &playwright.Size{Width: width, Height: 844}, ColorScheme: scheme})
			for _, path := range paths {
				if _, err := page.Goto(base + path); err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				raw, err := page.Evaluate(contrastScript)
				if err != nil {
					t.Fatalf("%s: measure: %v", path, err)
				}
				var res contrastResult
				b, _ := json.Marshal(raw)
				_ = json.Unmarshal(b, &res)
				for _, f := range res.Failures {
					t.Errorf("%s (%s, %d px): %q %.2f:1 (needs %.1f) at %s", path, *scheme, width, f.Text, f.Ratio, f.Need, f.Where)
				}
				if width == 390 && res.Overflow {
					t.Errorf("%s (%s) is %d px wide at 390 px; widest: %s", path, *scheme, res.Width, strings.Join(res.Wide, ", "))
				}
			}
		}
	}
}

// TestAPIChangesFiltersWithoutJavaScript: the /apis change filters and sort
// are a GET form, so they work with JavaScript off.
func TestAPIChangesFiltersWithoutJavaScript(t *testing.T) {
	page := NewPage(t, playwright.BrowserNewContextOptions{JavaScriptEnabled: playwright.Bool(false)})
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "catalog-info.yaml"), changesCatalog)
	writeFile(t, filepath.Join(dir, "openapi.yaml"), changesPetsV1)
	base := StartPortal(t, fmt.Sprintf("catalog:\n  locations:\n    - type: file\n      target: %s\n", filepath.Join(dir, "catalog-info.yaml")))
	waitVersionCount(t, base, "pets", 1)
	writeFile(t, filepath.Join(dir, "openapi.yaml"), changesPetsV2)
	waitVersionCount(t, base, "pets", 2)
	expect := playwright.NewPlaywrightAssertions(5000)
	if _, err := page.Goto(base + "/apis"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		name string
		do   func() error
	}{
		{"sort by last change", func() error { return page.Locator(`[data-testid="filter-sort-changed"]`).Check() }},
		{"apply", func() error {
			return page.Locator(`#listing-form button[type="submit"]`, playwright.PageLocatorOptions{HasText: "Apply filters"}).Click()
		}},
		{"URL", func() error { return WaitURL(page, regexp.MustCompile(`/apis\?(.*&)?sort=changed`)) }},
		{"only the changed API", func() error {
			return expect.Locator(page.Locator(`[data-testid="result-link"]`)).ToHaveText([]string{"Pets API"})
		}},
	} {
		if err := s.do(); err != nil {
			Screenshot(t, page, "failed-nojs-"+s.name)
			t.Fatalf("%s: %v", s.name, err)
		}
	}
}

package portico_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/openapi/openapitest"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/defaults"
)

func TestReadingMaxBytes(t *testing.T) {
	for _, tc := range []struct {
		yaml    string
		want    int64
		wantErr string
	}{
		{``, 0, ""}, // the reader's default, catalog.DefaultMaxReadSize
		{"backend: {reading: {maxBytes: 67108864}}", 64 << 20, ""},
		{"backend: {reading: {maxBytes: -1}}", 0, "app-config.yaml: backend.reading.maxBytes: must be a positive number of bytes, got -1"},
		{"backend: {reading: {maxBytes: lots}}", 0, "backend.reading.maxBytes"},
	} {
		cfg, err := config.Parse("app-config.yaml", []byte(tc.yaml))
		if err != nil {
			t.Fatal(err)
		}
		s, err := config.ParseSettings(cfg)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want one containing %q", tc.yaml, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.yaml, err)
		}
		if s.Backend.Reading.MaxBytes != tc.want {
			t.Errorf("%s: maxBytes = %d, want %d", tc.yaml, s.Backend.Reading.MaxBytes, tc.want)
		}
	}
	if catalog.DefaultMaxReadSize < 32<<20 {
		t.Errorf("the default read limit is %d bytes; the largest public descriptions need 32 MiB", catalog.DefaultMaxReadSize)
	}
}

const githubAPIEntity = `apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: github, title: GitHub REST API}
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition:
    $text: ./api.github.com.json
`

// TestGitHubDescriptionLoadsAsATextTarget is issue 11's acceptance line:
// GitHub's 13 MB REST description, read through $text from a file
// location, is stored whole and its definition page renders; a
// backend.reading.maxBytes below its size refuses it with a message naming
// the key, and the API keeps nothing it could not read.
func TestGitHubDescriptionLoadsAsATextTarget(t *testing.T) {
	spec := openapitest.GitHubSpec(t)
	dir := t.TempDir()
	// A copy, not a symlink: a $text target may not lead out of the
	// location's directory through a link.
	if err := os.WriteFile(filepath.Join(dir, "api.github.com.json"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "catalog-info.yaml", githubAPIEntity)

	t.Run("default limit", func(t *testing.T) {
		base := startWithLocation(t, dir, "")
		var e catalog.Entity
		if code := getJSON(t, base, "/api/catalog/entities/by-name/api/default/github", &e); code != http.StatusOK {
			t.Fatalf("GET the API entity: %d", code)
		}
		def, _ := e.Spec["definition"].(string)
		if def != string(spec) {
			t.Fatalf("stored definition is %d bytes, want GitHub's %d bytes unchanged", len(def), len(spec))
		}
		if got, want := e.Metadata.Annotations[catalog.AnnotationDefinitionLocation], "file:"+filepath.Join(dir, "api.github.com.json"); got != want {
			t.Errorf("%s = %q, want %q", catalog.AnnotationDefinitionLocation, got, want)
		}
		checkGitHubDefinitionPage(t, base, openapitest.CountOperations(t, spec))
	})

	t.Run("maxBytes below its size", func(t *testing.T) {
		base := startWithLocation(t, dir, "backend: {reading: {maxBytes: 10485760}}\n")
		if code := getJSON(t, base, "/api/catalog/entities/by-name/api/default/github", nil); code != http.StatusNotFound {
			t.Errorf("GET the API entity: %d, want 404 (it never loaded)", code)
		}
		// The home page lists every source's problems.
		home := getDoc(t, base+"/").Text()
		want := fmt.Sprintf("is %d bytes, larger than the read limit of 10485760 bytes (backend.reading.maxBytes)", len(spec))
		if !strings.Contains(home, want) {
			t.Errorf("the home page does not show the refusal %q:\n%s", want, home)
		}
	})
}

// startWithLocation runs Defaults() with dir's catalog-info.yaml as a file
// location, plus extra config.
func startWithLocation(t *testing.T, dir, extra string) string {
	t.Helper()
	cfg, err := config.Parse("app-config.yaml", []byte(extra+"catalog:\n  locations: [{type: file, target: '"+filepath.Join(dir, "catalog-info.yaml")+"'}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := testBackend(t, portico.WithConfig(cfg))
	b.Add(defaults.Features()...)
	base := start(t, b)
	waitReady(t, base)
	return base
}

// checkGitHubDefinitionPage opens the Definition tab: every operation is
// listed, and an operation's details render once the full document has
// loaded (the first request may answer "loading" while kin-openapi parses
// 13 MB in the background).
func checkGitHubDefinitionPage(t *testing.T, base string, operations int) {
	t.Helper()
	// The page lists its operations a chunk at a time; without JavaScript
	// each chunk's "next" link leads to the following one.
	page := getDoc(t, base+"/catalog/default/api/github/definition")
	listed := 0
	for doc, pages := page, 0; ; pages++ {
		listed += doc.Find("details.op").Length()
		next, ok := doc.Find(`[data-testid="ops-more"] a`).Attr("href")
		if !ok || pages > operations {
			break
		}
		doc = getDoc(t, base+next)
	}
	if listed != operations {
		t.Fatalf("%d operations on the definition's pages, the description has %d", listed, operations)
	}
	if title := strings.TrimSpace(page.Find(`[data-testid="api-title"]`).Text()); title == "" {
		t.Error("the definition page has no API title")
	}
	id, _ := getDoc(t, base+"/catalog/default/api/github/definition?op=repos-get").Find("details.op#op-repos-get").Attr("id")
	if id == "" {
		t.Fatal("the definition page has no repos/get operation")
	}
	deadline := time.Now().Add(patience)
	for {
		frag := getDoc(t, base+"/catalog/default/api/github/definition/op/"+strings.TrimPrefix(id, "op-"))
		if frag.Find("[data-testid=operation-details]").Length() == 1 && frag.Find("[data-testid=operation-loading]").Length() == 0 {
			if msg := frag.Find("[data-testid=operation-error]").Text(); msg != "" {
				t.Fatalf("repos/get: %s", msg)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("repos/get never rendered its details")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func getDoc(t *testing.T, u string) *goquery.Document {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	d, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

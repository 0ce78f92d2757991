package portico_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/defaults"
)

// The forged-annotation half of issue 13's confinement table (the $text,
// $ref, symlink, FIFO and device halves are catalog/confinement_test.go).
// Finding 1: an entity that writes its own managed-by annotations moves the
// root its Definition tab resolves $refs from. The fix (ingest overwrites
// those annotations; the reader takes its root from the stored location
// record) is the lead's; enable this test with it.

const forgedSecret = "TOP-SECRET-FORGED-ANNOTATION"

var operationError = regexp.MustCompile(`data-testid="operation-error">([^<]*)<`)

// forgedAPI is an API whose inline definition $refs ref, with the given
// annotations written by the entity's author.
func forgedAPI(name, ref string, annotations map[string]string) string {
	var ann strings.Builder
	for k, v := range annotations {
		fmt.Fprintf(&ann, "    %s: %q\n", k, v)
	}
	return fmt.Sprintf(`apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: %s
  annotations:
%sspec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition: |
    {"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/x":{"get":{"operationId":"x",
    "responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":%q}}}}}}}}}
`, name, ann.String(), ref)
}

func TestForgedAnnotationsCannotWidenDefinitionReads(t *testing.T) {
	root := t.TempDir()
	apis := filepath.Join(root, "catalog", "apis")
	for _, dir := range []string{apis, filepath.Join(root, "outside")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, root, "outside/secret.yaml", "Secret: {type: object, description: "+forgedSecret+"}\n")
	const (
		loc    = "backstage.io/managed-by-location"
		origin = "backstage.io/managed-by-origin-location"
		defLoc = "portico.dev/definition-location"
	)
	rootFile := "file:" + filepath.Join(root, "x.yaml")
	cases := map[string]map[string]string{
		"origin-root":        {origin: "file:/"},
		"both-at-root":       {loc: rootFile, origin: rootFile},
		"location-etc":       {loc: "file:/etc/x.yaml", origin: "file:/"},
		"origin-glob":        {origin: "file:/**/*.yaml"},
		"definition-outside": {defLoc: "file:" + filepath.Join(root, "outside", "openapi.yaml"), origin: "file:/"},
		"url-location":       {loc: "url:http://169.254.169.254/latest/", origin: "url:http://169.254.169.254/"},
	}
	var docs []string
	for name, ann := range cases {
		docs = append(docs, forgedAPI(name, "../../outside/secret.yaml#/Secret", ann))
		docs = append(docs, forgedAPI(name+"-missing", "../../outside/missing.yaml#/Secret", ann))
	}
	writeFile(t, apis, "catalog-info.yaml", strings.Join(docs, "---\n"))
	cfg, err := config.Parse("app-config.yaml", []byte(fmt.Sprintf("catalog:\n  locations: [{type: file, target: '%s'}]\n", filepath.Join(apis, "*.yaml"))))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := testBackend(t, portico.WithConfig(cfg))
	b.Add(defaults.Features()...)
	base := start(t, b)
	waitReady(t, base)
	page := func(name string) string {
		t.Helper()
		resp, err := http.Get(base + "/catalog/default/api/" + name + "/definition?op=x")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	for name := range cases {
		t.Run(name, func(t *testing.T) {
			got, missing := page(name), page(name+"-missing")
			if strings.Contains(got, forgedSecret) {
				t.Errorf("the Definition tab rendered a file outside the location")
			}
			// No oracle: a file outside gives the same message whether it
			// exists or not.
			norm := func(page string) string {
				m := operationError.FindStringSubmatch(page)
				if m == nil {
					return ""
				}
				return strings.NewReplacer("missing.yaml", "FILE", "secret.yaml", "FILE").Replace(m[1])
			}
			if a, b := norm(got), norm(missing); strings.Contains(b, "does not exist") || a != b {
				t.Errorf("the page tells whether a file outside the location exists:\n%s\n%s", a, b)
			}
		})
	}
}

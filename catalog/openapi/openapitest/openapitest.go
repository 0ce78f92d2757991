// Package openapitest holds what the tests of the definition model and of
// the API pages share: GitHub's REST description as a large real sample,
// and an operation count taken independently of the model under test.
package openapitest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// GitHubSpec reads GitHub's REST description from the npm package
// @octokit/openapi, which scripts/setup.sh installs under .cache/octokit and
// scripts/test.sh names in PORTICO_GITHUB_OPENAPI. When CI is "true" a
// missing description fails the test: CI must never pass by skipping it.
func GitHubSpec(tb testing.TB) []byte {
	tb.Helper()
	const rel = "node_modules/@octokit/openapi/generated/api.github.com.json"
	candidates := []string{os.Getenv("PORTICO_GITHUB_OPENAPI")}
	if _, file, _, ok := runtime.Caller(0); ok {
		root := filepath.Join(filepath.Dir(file), "..", "..", "..")
		candidates = append(candidates, filepath.Join(root, ".cache", "octokit", rel), filepath.Join(root, rel))
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if data, err := os.ReadFile(c); err == nil {
			return data
		}
	}
	const hint = "GitHub's REST description is absent: run `bash scripts/setup.sh` (npm install --prefix .cache/octokit @octokit/openapi) or set PORTICO_GITHUB_OPENAPI"
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s (tried %q)", hint, candidates)
	}
	tb.Skip(hint)
	return nil
}

// CountOperations counts operations straight from the document, paths ×
// HTTP methods through a plain map decode, independently of the model it
// checks. It does not follow path-item $refs.
func CountOperations(tb testing.TB, data []byte) int {
	tb.Helper()
	var doc struct {
		Paths map[string]map[string]any `json:"paths" yaml:"paths"`
	}
	var err error
	if strings.HasPrefix(strings.TrimSpace(string(data)), "{") {
		err = json.Unmarshal(data, &doc)
	} else {
		err = yaml.Unmarshal(data, &doc)
	}
	if err != nil {
		tb.Fatalf("decode for counting: %v", err)
	}
	methods := map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}
	n := 0
	for _, item := range doc.Paths {
		for k := range item {
			if methods[k] {
				n++
			}
		}
	}
	if n == 0 {
		tb.Fatal("the document has no operations to count")
	}
	return n
}

package apidiff

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico/catalog/openapi"
	"github.com/porticohq/portico/catalog/openapi/openapitest"
)

// githubPair is GitHub's REST description and the same with GET /zen
// removed and a required query parameter added to GET /meta.
func githubPair(tb testing.TB) (old, rev []byte) {
	tb.Helper()
	old = openapitest.GitHubSpec(tb)
	var doc map[string]any
	if err := json.Unmarshal(old, &doc); err != nil {
		tb.Fatal(err)
	}
	paths := doc["paths"].(map[string]any)
	delete(paths, "/zen")
	meta := paths["/meta"].(map[string]any)["get"].(map[string]any)
	ps, _ := meta["parameters"].([]any)
	meta["parameters"] = append(ps, map[string]any{"name": "x-required", "in": "query", "required": true, "schema": map[string]any{"type": "string"}})
	rev, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return old, rev
}

func TestOpenAPIGitHubDescription(t *testing.T) {
	if testing.Short() {
		t.Skip("loads GitHub's description four times")
	}
	old, rev := githubPair(t)
	rep := diffBytes(t, old, rev)
	if g := findGroup(rep, "GET", "/zen"); g == nil || g.Level != Breaking || g.OperationKey == "" {
		t.Errorf("GET /zen removal: %+v", g)
	}
	if g := findGroup(rep, "GET", "/meta"); g == nil || g.Changes[0].ID != "new-required-request-parameter" {
		t.Errorf("GET /meta new required parameter: %+v", g)
	}
	if rep.Counts.Breaking != 2 {
		t.Errorf("counts = %+v, want 2 breaking:\n%v", rep.Counts, flatten(rep))
	}
	want := oasdiffSays(t, old, rev)
	if got := flatten(rep); len(got) != len(want) {
		t.Errorf("report has %d changes, oasdiff %d", len(got), len(want))
	}
}

// BenchmarkOpenAPIGitHub measures one diff of GitHub's description (about
// 11 MB, 1,000+ operations) against an edited copy, loads included: the
// cost a new version pays once, in the background.
func BenchmarkOpenAPIGitHub(b *testing.B) {
	old, rev := githubPair(b)
	for b.Loop() {
		if _, err := OpenAPI(context.Background(), Input{Name: "old", Data: old}, Input{Name: "new", Data: rev}, openapi.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestOpenAPIGitHubReleases diffs two published releases of GitHub's
// description (@octokit/openapi 22.0.0 and the current one, which
// scripts/setup.sh installs) and asserts the report holds exactly the
// changes oasdiff's own pipeline finds, at the same levels.
func TestOpenAPIGitHubReleases(t *testing.T) {
	if testing.Short() {
		t.Skip("loads GitHub's description four times")
	}
	prev := os.Getenv("PORTICO_GITHUB_OPENAPI_PREVIOUS")
	old, err := os.ReadFile(prev)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PORTICO_GITHUB_OPENAPI_PREVIOUS (%q): %v; run scripts/setup.sh", prev, err)
		}
		t.Skip("an earlier release of GitHub's description is absent: run scripts/setup.sh")
	}
	rev := openapitest.GitHubSpec(t)
	rep := diffBytes(t, old, rev)
	want, got := oasdiffSays(t, old, rev), flatten(rep)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("report differs from oasdiff (-oasdiff +report):\n%s", d)
	}
	t.Logf("%s → %s: %+v in %d groups", rep.FromVersion, rep.ToVersion, rep.Counts, len(rep.Groups))
	if rep.Counts.Total() == 0 {
		t.Error("no changes between two releases")
	}
	for i, g := range rep.Groups[1:] {
		if g.Level.rank() > rep.Groups[i].Level.rank() {
			t.Fatalf("group %d (%s) is more severe than the one before it", i+1, g.Level)
		}
	}
}

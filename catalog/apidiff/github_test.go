package apidiff

import (
	"context"
	"encoding/json"
	"testing"

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

package catalogplugin_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/porticohq/portico/defaults/defaultstest"
)

// TestARemovedAPIsLastDefinitionStillDiffs: the module keeps the body of a
// removed API's current version (stored without it while the entity held
// it), so a diff that names that version still computes after the file
// stops listing the API.
func TestARemovedAPIsLastDefinitionStillDiffs(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "catalog-info.yaml")
	write := func(body string) {
		if err := os.WriteFile(target, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	films := func(schema string) string {
		return "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: films}\n" +
			"spec: {type: graphql, lifecycle: production, owner: team-a, definition: '" + schema + "'}\n"
	}
	other := "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: web}\n" +
		"spec: {type: website, lifecycle: production, owner: team-a}\n"
	write(films("type Query { a: String b: String }") + other)
	base := defaultstest.Start(t, fmt.Sprintf("catalog:\n  orphanStrategy: delete\n  locations: [{type: file, target: %s}]\n", target))
	waitFor(t, func() bool { return versions(t, base) == 1 })
	write(films("type Query { a: String }") + other) // b removed: breaking
	waitFor(t, func() bool { return versions(t, base) == 2 })
	write(other)
	waitFor(t, func() bool {
		resp, err := http.Get(base + "/api/catalog/entities/by-name/api/default/films")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusNotFound
	})

	resp, err := http.Get(base + "/api/apidocs/default/films/versions")
	if err != nil {
		t.Fatal(err)
	}
	var tl struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tl)
	resp.Body.Close()
	if err != nil || len(tl.Items) != 2 {
		t.Fatalf("versions of the removed API: %+v, %v", tl, err)
	}
	// From the last definition back to the first: never computed before,
	// so it reads the last one's kept body.
	resp, err = http.Get(fmt.Sprintf("%s/api/apidocs/default/films/diff?from=%d&to=%d", base, tl.Items[0].ID, tl.Items[1].ID))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var diff map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&diff)
	if resp.StatusCode != http.StatusOK || diff["counts"] == nil {
		t.Errorf("diff from the removed API's last definition: %d %v", resp.StatusCode, diff)
	}
}
